#!/usr/bin/env bash
# Build every binary the offline lab needs from Go modules, into a cache
# outside the repository, keyed by version: a second run does nothing.
#
#   lab/build/build.sh [target...]          (no target: all)
#   lab/build/build.sh --list               list the targets
#   lab/build/build.sh --plan [target...]   each target's cache directory, cached or not
#   lab/build/build.sh --go                 the Go toolchain it builds with (fetched if needed)
#
# Environment:
#   K0SMOTRON_FLEET_CACHE  cache root (default ~/.cache/k0smotron-fleet)
#   GOARCH                 target architecture (default from lab/versions.env: amd64);
#                          cgo parts (runc, kine) then need a cross gcc and libseccomp
#                          for that architecture; other architectures get a "-<arch>"
#                          suffix on their cache directories
#   BUILD_JOBS             go build -p (default 2)
#   BUILD_NICE             nice level (default 10)
#   GO                     a go binary to use instead of Go $GO_VERSION (lab/versions.env), or
#                          "cache": that version from the cache even when a go is installed
#
# Go: exactly GO_VERSION from lab/versions.env. An installed go of that version is used (PATH,
# then /usr/local/go); otherwise that toolchain is fetched once from the Go module proxy
# (module golang.org/toolchain, checked against the pinned hash) into $CACHE/go/.
#
# Not built: k0s, k0smotron and kube-router. The Go module proxy reachable from this
# project's machines refuses github.com/k0sproject/* and the netlink commit kube-router
# needs ("403 This module version is not available"); see README.md, "The lab".
#
# Output: $CACHE/bin/<component>-<version>/...; logs in
# $CACHE/build/logs. Host packages that are missing (gcc, libseccomp-dev, zip,
# jq, ...) are installed with apt-get when running as root.
set -euo pipefail

# shellcheck source=lab/build/lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=lab/build/components.sh
. "$BUILD_DIR/components.sh"

# Targets in build order (longest first: kubernetes).
ALL_TARGETS=(
  kubernetes containerd runc kine etcd konnectivity
  kustomize pause coredns cni-plugins metrics-server hcp-etcd kube-router
)

# target_spec TARGET -> "COMPONENT VERSION FUNCTION": what run_step builds for TARGET, under
# which cache key ($CACHE/bin/COMPONENT-VERSION). Fails when a version cannot be computed.
target_spec() {
  local c f v
  case $1 in
    kubernetes)     c=kubernetes f=build_kubernetes v=v$KUBERNETES_VERSION ;;
    containerd)     c=containerd f=build_containerd v=v$CONTAINERD_VERSION ;;
    runc)           c=runc f=build_runc v=v$RUNC_VERSION ;;
    kine)           c=kine f=build_kine v=v$KINE_VERSION ;;
    etcd)           c=etcd f=build_etcd v=v$ETCD_VERSION ;;
    konnectivity)   c=konnectivity f=build_konnectivity v=v$KONNECTIVITY_VERSION ;;
    kustomize)      c=kustomize f=build_kustomize v=$KUSTOMIZE_VERSION ;;
    pause)          c=pause f=build_pause; v=$(pause_src_hash) || return 1 ;;
    coredns)        c=coredns f=build_coredns v=v$COREDNS_VERSION ;;
    cni-plugins)    c=cni-plugins f=build_cni_plugins v=v$CNI_PLUGINS_VERSION ;;
    metrics-server) c=metrics-server f=build_metrics_server v=v$METRICS_SERVER_VERSION ;;
    hcp-etcd)       c=hcp-etcd f=build_hcp_etcd v=v$K0SMOTRON_ETCD_VERSION ;;
    kube-router)    c=kube-router f=build_kube_router v=$LAB_KUBE_ROUTER_VERSION ;;
    *) die "unknown target '$1' (see --list)" ;;
  esac
  printf '%s %s %s\n' "$c" "$v" "$f"
}

# check_targets TARGET...: every target has a version and a defined build function, before
# anything is built (a typo or a missing helper fails here, loudly, not as an odd cache key).
check_targets() {
  local t spec component version fn
  for t in "$@"; do
    spec=$(target_spec "$t") || die "$t: no build spec (see the error above)"
    read -r component version fn <<<"$spec"
    [[ -n $component && -n $version && -n $fn ]] || die "$t: incomplete build spec '$spec'"
    declare -F -- "$fn" >/dev/null || die "$t: build function '$fn' is not defined"
  done
}

# Each target runs at most once per invocation.
declare -A TARGET_DONE=()
target() {
  [[ -z ${TARGET_DONE[$1]:-} ]] || return 0
  local spec component version fn
  spec=$(target_spec "$1") || return 1
  read -r component version fn <<<"$spec"
  run_step "$component" "$version" "$fn" || return 1
  TARGET_DONE[$1]=1
}

main() {
  case ${1:-} in
    --list) printf '%s\n' "${ALL_TARGETS[@]}"; return ;;
    --plan)
      # Each target's cache directory and whether it is built, without building.
      shift; local t spec component version fn dir
      (( $# )) || set -- "${ALL_TARGETS[@]}"
      check_targets "$@"
      for t in "$@"; do
        spec=$(target_spec "$t"); read -r component version fn <<<"$spec"
        dir=$(artifact_dir "$component" "$version")
        printf '%-15s %s %s\n' "$t" "$dir" "$([[ -d $dir ]] && echo cached || echo 'to build')"
      done
      return ;;
    --go)
      # The Go toolchain the build uses (fetched into the cache when it is not installed).
      ensure_go
      printf '%s %s\n' "$GO" "$(go_version "$GO")"
      return ;;
    -*) die "unknown option '$1' (--list, --plan [target...], --go)" ;;
  esac
  local targets=("$@")
  (( ${#targets[@]} )) || targets=("${ALL_TARGETS[@]}")
  check_targets "${targets[@]}"
  ensure_tools
  ensure_go
  log "cache: $CACHE  go: $GO ($("$GO" env GOVERSION))  target: $GOOS/$GOARCH"
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
