# shellcheck shell=bash
# Build functions for each lab component. Sourced by build.sh after lib.sh.
# Each build_<x> OUTDIR writes its artifacts into the (temporary) OUTDIR.

# SOURCE_DATE for reproducible version stamps: the module's publication time.
mod_time() { # MODULE@VERSION -> RFC3339 time of that version on the proxy
  "$GO" list -m -json "$1" | jq -er '.Time'
}

# --- Kubernetes ---------------------------------------------------------------
# k8s.io/kubernetes replaces its staging modules with ./staging/src/... which are
# not in the module zip; the wrapper points them at the published k8s.io/* v0.x.y.
KUBERNETES_BINS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)

build_kubernetes() {
  local out=$1 v=v$KUBERNETES_VERSION
  local staging=v0.${KUBERNETES_VERSION#1.}
  local wrap=$SRC_CACHE/wrapper-kubernetes-$v
  local rep; rep=$(mktemp -p "$TMP_ROOT")
  upstream_replaces "$(mod_gomod "k8s.io/kubernetes@$v")" "$staging" >"$rep"
  local pkgs=() b; for b in "${KUBERNETES_BINS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  make_wrapper "$wrap" kubernetes k8s.io/kubernetes "$v" "$rep" "${pkgs[@]}"
  rm -f -- "$rep"
  local date; date=$(mod_time "k8s.io/kubernetes@$v")
  local major=${KUBERNETES_VERSION%%.*} minor; minor=${KUBERNETES_VERSION#*.}; minor=${minor%%.*}
  local ld="-s -w" pkg
  # Same version stamp as k0s's own build of these binaries (KUBE_GIT_VERSION=v<ver>+k0s).
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$v+k0s -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.buildDate=$date -X $pkg.gitTreeState=clean"
  done
  # Tags: Kubernetes' own defaults for release builds plus k0s's "providerless".
  CGO_ENABLED=0 go_build "$wrap" -tags selinux,notest,grpcnotrace,providerless \
    -ldflags "$ld" -o "$out/" "${pkgs[@]}"
  for b in "${KUBERNETES_BINS[@]}"; do is_static "$out/$b" || die "$b is not static"; done
  smoke "$out/kubelet" --version
  smoke "$out/kube-apiserver" --version
}

# --- containerd ---------------------------------------------------------------
build_containerd() {
  local out=$1 v=v$CONTAINERD_VERSION
  local wrap=$SRC_CACHE/wrapper-containerd-$v
  local rep; rep=$(mktemp -p "$TMP_ROOT")
  upstream_replaces "$(mod_gomod "github.com/containerd/containerd/v2@$v")" "$v" >"$rep"
  local m=github.com/containerd/containerd/v2
  make_wrapper "$wrap" containerd "$m" "$v" "$rep" "$m/cmd/containerd" "$m/cmd/containerd-shim-runc-v2"
  rm -f -- "$rep"
  local ld="-s -w -X $m/version.Version=$v -X $m/version.Revision=$CONTAINERD_REVISION -X $m/version.Package=github.com/containerd/containerd/v2"
  # k0s: tags "apparmor selinux"; static; shim always without cgo. Without cgo
  # the btrfs snapshotter is left out (k0s's static build has it): overlayfs is used.
  CGO_ENABLED=0 go_build "$wrap" -tags apparmor,selinux,no_btrfs \
    -ldflags "$ld" -o "$out/" "$m/cmd/containerd" "$m/cmd/containerd-shim-runc-v2"
  is_static "$out/containerd" || die "containerd not static"
  is_static "$out/containerd-shim-runc-v2" || die "containerd-shim-runc-v2 not static"
  smoke "$out/containerd" --version
}

# --- runc ---------------------------------------------------------------------
# runc is built with cgo and libseccomp linked statically, as k0s does (it builds
# libseccomp 2.6.0 from source; here Debian's libseccomp-dev provides libseccomp.a).
build_runc() {
  local out=$1 v=v$RUNC_VERSION
  local cc; cc=$(cgo_cc)
  local a; a=/usr/lib/$("$cc" -print-multiarch)/libseccomp.a
  [[ -f $a ]] || die "libseccomp.a not found ($a): apt-get install -y libseccomp-dev"
  local wrap=$SRC_CACHE/wrapper-runc-$v
  local rep; rep=$(mktemp -p "$TMP_ROOT")
  upstream_replaces "$(mod_gomod "github.com/opencontainers/runc@$v")" "$v" >"$rep"
  make_wrapper "$wrap" runc github.com/opencontainers/runc "$v" "$rep" github.com/opencontainers/runc
  rm -f -- "$rep"
  local ld="-s -w -X main.version=${v#v} -extldflags=-static"
  # netgo/osusergo avoid glibc NSS in a static binary.
  CC=$cc CGO_ENABLED=1 go_build "$wrap" -tags seccomp,netgo,osusergo -ldflags "$ld" \
    -o "$out/runc" github.com/opencontainers/runc
  is_static "$out/runc" || die "runc not static"
  smoke "$out/runc" --version
}

# --- kine ---------------------------------------------------------------------
# kine needs cgo for SQLite, the default backend of k0s (and of k0smotron's
# hosted control planes, whose default storage is kine with SQLite).
build_kine() {
  local out=$1 v=v$KINE_VERSION
  export GONOSUMDB=${GONOSUMDB:+$GONOSUMDB,}github.com/k3s-io/kine
  local sum; sum=$("$GO" mod download -json "github.com/k3s-io/kine@$v" | jq -r .Sum)
  [[ $sum == "$KINE_MODULE_SUM" ]] || die "kine $v: module hash $sum, expected $KINE_MODULE_SUM"
  local wrap=$SRC_CACHE/wrapper-kine-$v
  local rep; rep=$(mktemp -p "$TMP_ROOT")
  upstream_replaces "$(mod_gomod "github.com/k3s-io/kine@$v")" "$v" >"$rep"
  make_wrapper "$wrap" kine github.com/k3s-io/kine "$v" "$rep" github.com/k3s-io/kine
  rm -f -- "$rep"
  local ld="-s -w -X github.com/k3s-io/kine/pkg/version.Version=$v -extldflags=-static"
  local cc; cc=$(cgo_cc)
  CC=$cc CGO_ENABLED=1 CGO_CFLAGS="-DSQLITE_USE_ALLOCA=1" go_build "$wrap" \
    -tags nats,netgo,osusergo,sqlite_omit_load_extension -ldflags "$ld" \
    -o "$out/kine" github.com/k3s-io/kine
  is_static "$out/kine" || die "kine not static"
  smoke "$out/kine" --version
}

# --- etcd ---------------------------------------------------------------------
build_etcd() {
  local out=$1 v=v$ETCD_VERSION
  local m=go.etcd.io/etcd/server/v3
  local wrap=$SRC_CACHE/wrapper-etcd-$v
  local rep; rep=$(mktemp -p "$TMP_ROOT")
  upstream_replaces "$(mod_gomod "$m@$v")" "$v" >"$rep"
  make_wrapper "$wrap" etcd "$m" "$v" "$rep" "$m"
  rm -f -- "$rep"
  CGO_ENABLED=0 go_build "$wrap" -ldflags "-s -w" -o "$out/etcd" "$m"
  is_static "$out/etcd" || die "etcd not static"
  smoke "$out/etcd" --version
}

# etcd + etcdctl for the image of k0smotron's etcd storage (storage.type=etcd).
build_hcp_etcd() {
  local out=$1 v=v$K0SMOTRON_ETCD_VERSION m wrap rep name
  for name in server etcdctl; do
    m=go.etcd.io/etcd/$name/v3
    wrap=$SRC_CACHE/wrapper-etcd-$name-$v
    rep=$(mktemp -p "$TMP_ROOT")
    upstream_replaces "$(mod_gomod "$m@$v")" "$v" >"$rep"
    make_wrapper "$wrap" "etcd-$name" "$m" "$v" "$rep" "$m"
    rm -f -- "$rep"
  done
  CGO_ENABLED=0 go_build "$SRC_CACHE/wrapper-etcd-server-$v" -ldflags "-s -w" \
    -o "$out/etcd" go.etcd.io/etcd/server/v3
  CGO_ENABLED=0 go_build "$SRC_CACHE/wrapper-etcd-etcdctl-$v" -ldflags "-s -w" \
    -o "$out/etcdctl" go.etcd.io/etcd/etcdctl/v3
  is_static "$out/etcd" || die "etcd not static"
  is_static "$out/etcdctl" || die "etcdctl not static"
  smoke "$out/etcd" --version
  smoke "$out/etcdctl" version
}

# --- konnectivity -------------------------------------------------------------
# k0s embeds the server as "konnectivity-server"; the agent goes into the
# apiserver-network-proxy-agent image that k0s deploys on workers.
build_konnectivity() {
  local out=$1 v=v$KONNECTIVITY_VERSION
  local m=sigs.k8s.io/apiserver-network-proxy
  local wrap=$SRC_CACHE/wrapper-konnectivity-$v
  local rep; rep=$(mktemp -p "$TMP_ROOT")
  upstream_replaces "$(mod_gomod "$m@$v")" "$v" >"$rep"
  make_wrapper "$wrap" konnectivity "$m" "$v" "$rep" "$m/cmd/server" "$m/cmd/agent"
  rm -f -- "$rep"
  CGO_ENABLED=0 go_build "$wrap" -ldflags "-s -w" -o "$out/konnectivity-server" "$m/cmd/server"
  CGO_ENABLED=0 go_build "$wrap" -ldflags "-s -w" -o "$out/proxy-agent" "$m/cmd/agent"
  is_static "$out/konnectivity-server" || die "konnectivity-server not static"
  is_static "$out/proxy-agent" || die "proxy-agent not static"
  smoke "$out/konnectivity-server" --help | head -n 3
}

# --- kustomize ------------------------------------------------------------------
build_kustomize() {
  local out=$1 v=$KUSTOMIZE_VERSION
  local m=sigs.k8s.io/kustomize/kustomize/v5
  local wrap=$SRC_CACHE/wrapper-kustomize-$v
  local rep; rep=$(mktemp -p "$TMP_ROOT")
  upstream_replaces "$(mod_gomod "$m@$v")" "$v" >"$rep"
  make_wrapper "$wrap" kustomize "$m" "$v" "$rep" "$m"
  rm -f -- "$rep"
  CGO_ENABLED=0 go_build "$wrap" -ldflags "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=$v" \
    -o "$out/kustomize" "$m"
  smoke "$out/kustomize" version
}

# --- coredns --------------------------------------------------------------------
build_coredns() {
  local out=$1 v=v$COREDNS_VERSION
  local m=github.com/coredns/coredns
  local wrap=$SRC_CACHE/wrapper-coredns-$v
  local rep; rep=$(mktemp -p "$TMP_ROOT")
  upstream_replaces "$(mod_gomod "$m@$v")" "$v" >"$rep"
  make_wrapper "$wrap" coredns "$m" "$v" "$rep" "$m"
  rm -f -- "$rep"
  CGO_ENABLED=0 go_build "$wrap" -ldflags "-s -w" -o "$out/coredns" "$m"
  is_static "$out/coredns" || die "coredns not static"
  smoke "$out/coredns" -version
}

# --- CNI plugins ------------------------------------------------------------------
CNI_PLUGINS=(bridge host-local loopback portmap)
build_cni_plugins() {
  local out=$1 v=v$CNI_PLUGINS_VERSION
  local m=github.com/containernetworking/plugins
  local wrap=$SRC_CACHE/wrapper-cni-plugins-$v
  local rep; rep=$(mktemp -p "$TMP_ROOT")
  upstream_replaces "$(mod_gomod "$m@$v")" "$v" >"$rep"
  local pkgs=(
    "$m/plugins/main/bridge" "$m/plugins/ipam/host-local"
    "$m/plugins/main/loopback" "$m/plugins/meta/portmap"
  )
  make_wrapper "$wrap" cni-plugins "$m" "$v" "$rep" "${pkgs[@]}"
  rm -f -- "$rep"
  CGO_ENABLED=0 go_build "$wrap" -ldflags "-s -w -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$v" \
    -o "$out/" "${pkgs[@]}"
  local p; for p in "${CNI_PLUGINS[@]}"; do is_static "$out/$p" || die "$p not static"; done
  CNI_COMMAND=VERSION smoke "$out/bridge" </dev/null
}

# --- metrics-server ---------------------------------------------------------------
build_metrics_server() {
  local out=$1 v=v$METRICS_SERVER_VERSION
  local m=sigs.k8s.io/metrics-server
  local wrap=$SRC_CACHE/wrapper-metrics-server-$v
  local rep; rep=$(mktemp -p "$TMP_ROOT")
  upstream_replaces "$(mod_gomod "$m@$v")" "$v" >"$rep"
  make_wrapper "$wrap" metrics-server "$m" "$v" "$rep" "$m/cmd/metrics-server"
  rm -f -- "$rep"
  CGO_ENABLED=0 go_build "$wrap" \
    -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$v -X k8s.io/client-go/pkg/version.gitVersion=$v" \
    -o "$out/metrics-server" "$m/cmd/metrics-server"
  is_static "$out/metrics-server" || die "metrics-server not static"
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
  is_static "$out/pause" || die "pause not static"
  smoke "$out/pause" -v
}
