#!/usr/bin/env bash
# Build every binary the offline lab needs from Go modules, into a cache
# outside the repository, keyed by version: a second run does nothing.
#
#   lab/build/build.sh [target...]      (no target: all)
#   lab/build/build.sh --list           list the targets
#
# Environment:
#   K0SMOTRON_FLEET_CACHE  cache root (default ~/.cache/k0smotron-fleet)
#   GOARCH                 target architecture (default from lab/versions.env: amd64);
#                          cgo parts (runc, kine) then need a cross gcc and libseccomp
#                          for that architecture; other architectures get a "-<arch>"
#                          suffix on their cache directories
#   BUILD_JOBS             go build -p (default 2)
#   BUILD_NICE             nice level (default 10)
#
# Not built: k0s, k0smotron and kube-router. The Go module proxy reachable from this
# project's machines refuses github.com/k0sproject/* and the netlink commit kube-router
# needs ("403 This module version is not available"); see README.md, "The lab".
#
# Output: $CACHE/bin/<component>-<version>/...; logs in
# $CACHE/build/logs. Host packages that are missing (gcc, libseccomp-dev, zip,
# jq, ...) are installed with apt-get when running as root.
set -euo pipefail

# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=components.sh
. "$BUILD_DIR/components.sh"

# Targets in build order (longest first: kubernetes).
ALL_TARGETS=(
  kubernetes containerd runc kine etcd konnectivity
  kustomize pause coredns cni-plugins metrics-server hcp-etcd
)

# Each target runs at most once per invocation.
declare -A TARGET_DONE=()
target() {
  [[ -z ${TARGET_DONE[$1]:-} ]] || return 0
  target_run "$1" || return 1
  TARGET_DONE[$1]=1
}

target_run() {
  case $1 in
    kubernetes)     run_step kubernetes "v$KUBERNETES_VERSION" build_kubernetes ;;
    containerd)     run_step containerd "v$CONTAINERD_VERSION" build_containerd ;;
    runc)           run_step runc "v$RUNC_VERSION" build_runc ;;
    kine)           run_step kine "v$KINE_VERSION" build_kine ;;
    etcd)           run_step etcd "v$ETCD_VERSION" build_etcd ;;
    konnectivity)   run_step konnectivity "v$KONNECTIVITY_VERSION" build_konnectivity ;;
    kustomize)      run_step kustomize "$KUSTOMIZE_VERSION" build_kustomize ;;
    pause)          run_step pause "$(pause_src_hash)" build_pause ;;
    coredns)        run_step coredns "v$COREDNS_VERSION" build_coredns ;;
    cni-plugins)    run_step cni-plugins "v$CNI_PLUGINS_VERSION" build_cni_plugins ;;
    metrics-server) run_step metrics-server "v$METRICS_SERVER_VERSION" build_metrics_server ;;
    hcp-etcd)       run_step hcp-etcd "v$K0SMOTRON_ETCD_VERSION" build_hcp_etcd ;;
    *) die "unknown target '$1' (see --list)" ;;
  esac
}

main() {
  if [[ ${1:-} == --list ]]; then printf '%s\n' "${ALL_TARGETS[@]}"; return; fi
  local targets=("$@")
  (( ${#targets[@]} )) || targets=("${ALL_TARGETS[@]}")
  ensure_tools
  log "cache: $CACHE  go: $("$GO" env GOVERSION)  target: $GOOS/$GOARCH"
  local start=$SECONDS t failed=()
  for t in "${targets[@]}"; do
    target "$t" || failed+=("$t")
  done
  if (( ${#failed[@]} )); then
    log "FAILED: ${failed[*]} (total $((SECONDS - start))s)"
    return 1
  fi
  log "all done in $((SECONDS - start))s"
}

main "$@"
