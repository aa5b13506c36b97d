#!/usr/bin/env bash
# The benchmark's real kube-apiserver tier (tests/apiserver), apart from the integration tests' one:
#
#   api_tier.sh up     start it (no-op when up); prints its environment, KEY=VALUE lines, with
#                      BENCH_KUBECONFIG (its admin kubeconfig) and what tests/apiserver/hosted.sh needs
#   api_tier.sh down   stop it and remove its state
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
apiserver=$here/../apiserver
export TIER_NAME=bench   # read by env.sh
# shellcheck source=../apiserver/env.sh
. "$apiserver/env.sh"
case ${1:-} in
  up)
    kubeconfig=$("$apiserver/apiserver.sh" up)
    printf '%s=%s\n' BENCH_KUBECONFIG "$kubeconfig" BENCH_HOSTED_SCRIPT "$apiserver/hosted.sh" \
      KUBE_APISERVER "$KUBE_APISERVER" KUBE_CONTROLLER_MANAGER "$KUBE_CONTROLLER_MANAGER" STATE_DIR "$STATE_DIR" ;;
  down) "$apiserver/apiserver.sh" down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
