# shellcheck shell=bash
# Sourced by the scripts that run the real kube-apiserver tiers (run-integration.sh, the benchmark):
# the binaries lab/build built for lab/versions.env, and STATE_DIR, this checkout's state in the
# cache (TIER_NAME, when set, keeps a second tier of the same checkout apart, e.g. "bench").
_tier_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../../lab/versions.env
. "$_tier_repo/lab/versions.env"
CACHE=${K0SMOTRON_FLEET_CACHE:-$HOME/.cache/k0smotron-fleet}
export KUBE_APISERVER=$CACHE/bin/kubernetes-v$KUBERNETES_VERSION/kube-apiserver
export ETCD=$CACHE/bin/etcd-v$ETCD_VERSION/etcd
export KUBE_CONTROLLER_MANAGER=$CACHE/bin/kubernetes-v$KUBERNETES_VERSION/kube-controller-manager
STATE_DIR=$CACHE/apiserver-$(printf '%s' "$_tier_repo" | sha256sum | cut -c1-12)${TIER_NAME:+-$TIER_NAME}
export STATE_DIR
unset _tier_repo
