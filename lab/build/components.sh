# shellcheck shell=bash
# Build functions for each lab component. Sourced by build.sh after lib.sh.
# Each build_<x> OUTDIR writes its artifacts into the (temporary) OUTDIR.

# SOURCE_DATE for reproducible version stamps: the module's publication time.
mod_time() { # MODULE@VERSION -> RFC3339 time of that version on the proxy
  "$GO" list -m -json "$1" | jq -er '.Time'
}

# Every Go build goes through a wrapper module (make_wrapper, in lib.sh): WRAPPER is its folder.

# --- Kubernetes ---------------------------------------------------------------
# k8s.io/kubernetes replaces its staging modules with ./staging/src/... which are
# not in the module zip; the wrapper points them at the published k8s.io/* v0.x.y.
KUBERNETES_BINS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)

build_kubernetes() {
  local out=$1 v=v$KUBERNETES_VERSION
  local pkgs=() b; for b in "${KUBERNETES_BINS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  make_wrapper kubernetes k8s.io/kubernetes "$v" "v0.${KUBERNETES_VERSION#1.}" "${pkgs[@]}"
  local date; date=$(mod_time "k8s.io/kubernetes@$v")
  local major=${KUBERNETES_VERSION%%.*} minor; minor=${KUBERNETES_VERSION#*.}; minor=${minor%%.*}
  local ld="-s -w" pkg
  # Same version stamp as k0s's own build of these binaries (KUBE_GIT_VERSION=v<ver>+k0s).
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$v+k0s -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.buildDate=$date -X $pkg.gitTreeState=clean"
  done
  # Tags: Kubernetes' own defaults for release builds plus k0s's "providerless".
  CGO_ENABLED=0 go_build "$WRAPPER" -tags selinux,notest,grpcnotrace,providerless \
    -ldflags "$ld" -o "$out/" "${pkgs[@]}"
  require_static "$out" "${KUBERNETES_BINS[@]}"
  smoke "$out/kubelet" --version
  smoke "$out/kube-apiserver" --version
}

# --- containerd ---------------------------------------------------------------
build_containerd() {
  local out=$1 v=v$CONTAINERD_VERSION m=github.com/containerd/containerd/v2
  make_wrapper containerd "$m" "$v" "$v" "$m/cmd/containerd" "$m/cmd/containerd-shim-runc-v2"
  local ld="-s -w -X $m/version.Version=$v -X $m/version.Revision=$CONTAINERD_REVISION -X $m/version.Package=github.com/containerd/containerd/v2"
  # k0s: tags "apparmor selinux"; static; shim always without cgo. Without cgo
  # the btrfs snapshotter is left out (k0s's static build has it): overlayfs is used.
  CGO_ENABLED=0 go_build "$WRAPPER" -tags apparmor,selinux,no_btrfs \
    -ldflags "$ld" -o "$out/" "$m/cmd/containerd" "$m/cmd/containerd-shim-runc-v2"
  require_static "$out" containerd containerd-shim-runc-v2
  smoke "$out/containerd" --version
}

# --- runc ---------------------------------------------------------------------
# runc is built with cgo and libseccomp linked statically, as k0s does (it builds
# libseccomp 2.6.0 from source; here Debian's libseccomp-dev provides libseccomp.a).
build_runc() {
  local out=$1 v=v$RUNC_VERSION m=github.com/opencontainers/runc
  local cc; cc=$(cgo_cc)
  local a; a=/usr/lib/$("$cc" -print-multiarch)/libseccomp.a
  [[ -f $a ]] || die "libseccomp.a not found ($a): apt-get install -y libseccomp-dev"
  make_wrapper runc "$m" "$v" "$v" "$m"
  # netgo/osusergo avoid glibc NSS in a static binary.
  CC=$cc CGO_ENABLED=1 go_build "$WRAPPER" -tags seccomp,netgo,osusergo \
    -ldflags "-s -w -X main.version=${v#v} -extldflags=-static" -o "$out/runc" "$m"
  require_static "$out" runc
  smoke "$out/runc" --version
}

# --- kine ---------------------------------------------------------------------
# kine needs cgo for SQLite, the default backend of k0s (and of k0smotron's
# hosted control planes, whose default storage is kine with SQLite).
build_kine() {
  local out=$1 v=v$KINE_VERSION m=github.com/k3s-io/kine
  export GONOSUMDB=${GONOSUMDB:+$GONOSUMDB,}$m
  local sum; sum=$(mod_field "$m@$v" Sum)
  [[ $sum == "$KINE_MODULE_SUM" ]] || die "kine $v: module hash $sum, expected $KINE_MODULE_SUM"
  make_wrapper kine "$m" "$v" "$v" "$m"
  local cc; cc=$(cgo_cc)
  CC=$cc CGO_ENABLED=1 CGO_CFLAGS="-DSQLITE_USE_ALLOCA=1" go_build "$WRAPPER" \
    -tags nats,netgo,osusergo,sqlite_omit_load_extension \
    -ldflags "-s -w -X $m/pkg/version.Version=$v -extldflags=-static" -o "$out/kine" "$m"
  require_static "$out" kine
  smoke "$out/kine" --version
}

# --- etcd ---------------------------------------------------------------------
build_etcd() {
  local out=$1 v=v$ETCD_VERSION m=go.etcd.io/etcd/server/v3
  make_wrapper etcd "$m" "$v" "$v" "$m"
  CGO_ENABLED=0 go_build "$WRAPPER" -ldflags "-s -w" -o "$out/etcd" "$m"
  require_static "$out" etcd
  smoke "$out/etcd" --version
}

# etcd + etcdctl for the image of k0smotron's etcd storage (storage.type=etcd).
build_hcp_etcd() {
  local out=$1 v=v$K0SMOTRON_ETCD_VERSION name m
  for name in server etcdctl; do
    m=go.etcd.io/etcd/$name/v3
    make_wrapper "etcd-$name" "$m" "$v" "$v" "$m"
    # The server's binary is "etcd".
    CGO_ENABLED=0 go_build "$WRAPPER" -ldflags "-s -w" -o "$out/${name/#server/etcd}" "$m"
  done
  require_static "$out" etcd etcdctl
  smoke "$out/etcd" --version
  smoke "$out/etcdctl" version
}

# --- konnectivity -------------------------------------------------------------
# k0s embeds the server as "konnectivity-server"; the agent goes into the
# apiserver-network-proxy-agent image that k0s deploys on workers.
build_konnectivity() {
  local out=$1 v=v$KONNECTIVITY_VERSION m=sigs.k8s.io/apiserver-network-proxy
  make_wrapper konnectivity "$m" "$v" "$v" "$m/cmd/server" "$m/cmd/agent"
  CGO_ENABLED=0 go_build "$WRAPPER" -ldflags "-s -w" -o "$out/konnectivity-server" "$m/cmd/server"
  CGO_ENABLED=0 go_build "$WRAPPER" -ldflags "-s -w" -o "$out/proxy-agent" "$m/cmd/agent"
  require_static "$out" konnectivity-server proxy-agent
  smoke "$out/konnectivity-server" --help | head -n 3
}

# --- kustomize ------------------------------------------------------------------
build_kustomize() {
  local out=$1 v=$KUSTOMIZE_VERSION m=sigs.k8s.io/kustomize/kustomize/v5
  make_wrapper kustomize "$m" "$v" "$v" "$m"
  CGO_ENABLED=0 go_build "$WRAPPER" -ldflags "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=$v" \
    -o "$out/kustomize" "$m"
  smoke "$out/kustomize" version
}

# --- coredns --------------------------------------------------------------------
build_coredns() {
  local out=$1 v=v$COREDNS_VERSION m=github.com/coredns/coredns
  make_wrapper coredns "$m" "$v" "$v" "$m"
  CGO_ENABLED=0 go_build "$WRAPPER" -ldflags "-s -w" -o "$out/coredns" "$m"
  require_static "$out" coredns
  smoke "$out/coredns" -version
}

# --- CNI plugins ------------------------------------------------------------------
CNI_PLUGINS=(bridge host-local loopback portmap)
build_cni_plugins() {
  local out=$1 v=v$CNI_PLUGINS_VERSION m=github.com/containernetworking/plugins
  local pkgs=(
    "$m/plugins/main/bridge" "$m/plugins/ipam/host-local"
    "$m/plugins/main/loopback" "$m/plugins/meta/portmap"
  )
  make_wrapper cni-plugins "$m" "$v" "$v" "${pkgs[@]}"
  CGO_ENABLED=0 go_build "$WRAPPER" -ldflags "-s -w -X $m/pkg/utils/buildversion.BuildVersion=$v" \
    -o "$out/" "${pkgs[@]}"
  require_static "$out" "${CNI_PLUGINS[@]}"
  CNI_COMMAND=VERSION smoke "$out/bridge" </dev/null
}

# --- metrics-server ---------------------------------------------------------------
build_metrics_server() {
  local out=$1 v=v$METRICS_SERVER_VERSION m=sigs.k8s.io/metrics-server
  make_wrapper metrics-server "$m" "$v" "$v" "$m/cmd/metrics-server"
  CGO_ENABLED=0 go_build "$WRAPPER" \
    -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/client-go/pkg/version.gitVersion=$v" \
    -o "$out/metrics-server" "$m/cmd/metrics-server"
  require_static "$out" metrics-server
}

# --- kube-router, as the lab's network policy controller only ----------------------
# k0s deploys kube-router KUBE_ROUTER_VERSION as its CNI; that version cannot be built here (its
# netlink pseudo-version is refused), and the lab's clusters use the bridge plugin anyway. The
# management node runs LAB_KUBE_ROUTER_VERSION's network policy controller alone (no routing, no
# service proxy), so that the NetworkPolicy beside each control plane is enforced in the lab.
build_kube_router() {
  local out=$1 v=$LAB_KUBE_ROUTER_VERSION m=github.com/cloudnativelabs/kube-router/v2
  make_wrapper kube-router "$m" "$v" "$v" "$m/cmd/kube-router"
  CGO_ENABLED=0 go_build "$WRAPPER" -ldflags "-s -w -X $m/pkg/version.Version=$v" \
    -o "$out/kube-router" "$m/cmd/kube-router"
  require_static "$out" kube-router
  smoke "$out/kube-router" --version
}

# --- pause (project-owned) --------------------------------------------------------
# Its version and cache key: a hash of lab/build/pause/* (names and contents), so any change
# to its sources builds it again into a new $CACHE/bin/pause-<hash>.
pause_src_hash() {
  local files=("$BUILD_DIR"/pause/*)
  [[ -f ${files[0]} ]] || die "no sources in $BUILD_DIR/pause"
  (cd -- "$BUILD_DIR/pause" && sha256sum -- "${files[@]##*/}") | sha256sum | cut -c1-12
}

build_pause() {
  local out=$1 v
  v=$(pause_src_hash)
  CGO_ENABLED=0 go_build "$BUILD_DIR/pause" -ldflags "-s -w -X main.version=$v" \
    -o "$out/pause" .
  require_static "$out" pause
  smoke "$out/pause" -v
}
