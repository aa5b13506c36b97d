#!/usr/bin/env bash
# The modules' integration targets (tests/integration/targets) against a real kube-apiserver.
#
#   run-integration.sh COLLECTION_COPY [ansible-test integration args...]
#
# Starts the API server of tests/apiserver/apiserver.sh (binaries built by lab/build/build.sh),
# tells the targets where it is through tests/integration/integration_config.yml in the copy,
# runs ansible-test there, and stops the server again whatever happened.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
copy=${1:?usage: $0 COLLECTION_COPY [ansible-test args...]}
shift

# shellcheck source=env.sh
. "$here/env.sh"   # KUBE_APISERVER, ETCD, KUBE_CONTROLLER_MANAGER, STATE_DIR, and lab/versions.env

# The shared_datastore target's PostgreSQL and MariaDB (tests/datastore/servers.sh), stopped with the API server.
datastore=$repo/tests/datastore/servers.sh
trap '"$here/apiserver.sh" down; "$datastore" stop' EXIT
kubeconfig=$("$here/apiserver.sh" up)
"$datastore" start >&2
eval "$("$datastore" env)"

# It holds the throwaway datastores' admin password: readable by its owner only.
install -m 0600 /dev/null "$copy/tests/integration/integration_config.yml"
cat > "$copy/tests/integration/integration_config.yml" <<EOF
---
# Written by tests/apiserver/run-integration.sh: a real kube-apiserver without k0smotron.
fleet_test_stand_in: true
fleet_test_kubeconfig: $kubeconfig
fleet_test_nobody_kubeconfig: $STATE_DIR/nobody.kubeconfig
fleet_test_api: https://127.0.0.1:$(cat "$STATE_DIR/apiserver.port")
fleet_test_pki: $STATE_DIR/pki
fleet_test_version: $K0S_VERSION
fleet_test_upgrade_from: $K0S_UPGRADE_VERSION
# For tests/apiserver/hosted.sh, which plays a hosted cluster's API from the native engine's CAs.
fleet_test_hosted_script: $here/hosted.sh
# docs/rbac of the copy under test: each engine runs as a ServiceAccount bound to its Role.
fleet_test_rbac_dir: $copy/docs/rbac
# For the shared_datastore target: throwaway servers on 127.0.0.1, the same admin on both.
fleet_test_datastore:
  host: $DATASTORE_HOST
  postgres_port: $DATASTORE_PG_PORT
  mysql_port: $DATASTORE_MYSQL_PORT
  admin_user: $DATASTORE_ADMIN_USER
  admin_password: $DATASTORE_ADMIN_PASSWORD
fleet_test_hosted_env:
  KUBE_APISERVER: $KUBE_APISERVER
  KUBE_CONTROLLER_MANAGER: $KUBE_CONTROLLER_MANAGER
  STATE_DIR: $STATE_DIR
EOF

cd "$copy"
start=$(date +%s)
ansible-test integration --python 3.11 --requirements --color no "$@"
echo "[integration] all targets passed against kube-apiserver v$KUBERNETES_VERSION in $(( $(date +%s) - start ))s"
