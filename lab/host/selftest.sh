#!/usr/bin/env bash
# End-to-end check of the container side of the lab, without k0s:
#  1. host setup (podman + runc) and the node image; pruning old lab tags of it
#     leaves a tag another tool put on the same image
#  2. a node container: systemd reaches running/degraded, sshd takes the lab key
#     for root and for the sudo user "lab"
#  3. test image archives built by build-images.sh from a throwaway list
#     (busybox-static standing in for real binaries, under test-only names)
#  4. nested containers: containerd from Debian installed in the throwaway node
#     (not part of the image), archives imported with ctr, tags checked,
#     containers run (plain, detached, privileged with iptables/ipset)
# The node, its volumes and the test images are removed at the end
# (LAB_SELFTEST_KEEP=1 keeps them).
# shellcheck disable=SC2016  # the single-quoted commands run on the node
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/host/lib.sh
. "$here/lib.sh"
need_root

NODE=${LAB_SELFTEST_NODE:-lab-selftest}
T=$LAB_CACHE/selftest
export LAB_IMAGES_OUT=$T/images
# test-only names: nothing here may shadow a real image reference
REFS=(
    quay.io/k0smotron-fleet-selftest/pause:3.10.1
    docker.io/library/busybox:k0smotron-fleet-selftest
    quay.io/k0smotron-fleet-selftest/kube-proxy:v0.0.0
    quay.io/k0smotron-fleet-selftest/k0s:v0.0.0-k0s.0
)

# prune check: another tool's name on the lab's node image, and a stale lab tag
FOREIGN_TAG=localhost/k0smotron-fleet-selftest-foreign/node:keep
STALE_TAG=$LAB_IMAGE_REPO/node:selftest-stale

cleanup() {
    local rc=$?
    if [[ ${LAB_SELFTEST_KEEP:-0} != 1 ]]; then
        "$here/node.sh" rm "$NODE" >/dev/null 2>&1 || true
        podman rmi "${REFS[@]}" >/dev/null 2>&1 || true
    fi
    # untags only: the node image keeps its own tags
    podman rmi "$FOREIGN_TAG" >/dev/null 2>&1 || true
    podman rmi "$STALE_TAG" >/dev/null 2>&1 || true
    if ((rc == 0)); then log "SELFTEST PASSED"; else log "SELFTEST FAILED (rc=$rc)"; fi
}
trap cleanup EXIT

step "host setup"
"$here/setup.sh" >/dev/null 2>&1 || "$here/setup.sh"

step "node image"
image=$("$LAB_DIR/images/build-node-image.sh" 2> >(sed 's/^/  /' >&2))

step "pruning stale lab tags keeps other tools' tags"
# build-node-image.sh prunes $LAB_IMAGE_REPO/node except the tags it keeps; a name
# another tool gave the same image must survive it (the lab did not make it).
podman tag "$image" "$FOREIGN_TAG" "$STALE_TAG"
prune_own_tags "$LAB_IMAGE_REPO/node" "${image##*:}" latest
podman image exists "$FOREIGN_TAG" || die "prune_own_tags removed $FOREIGN_TAG, a tag the lab did not make"
if podman image exists "$STALE_TAG"; then die "prune_own_tags left the stale lab tag $STALE_TAG"; fi
podman image exists "$image" || die "prune_own_tags removed $image, a tag it was told to keep"
podman image exists "$LAB_IMAGE_REPO/node:latest" || die "prune_own_tags removed $LAB_IMAGE_REPO/node:latest"
podman rmi "$FOREIGN_TAG" >/dev/null
log "foreign tag kept, stale lab tag removed, kept tags there"

step "test image list"
mkdir -p "$T/bin"
if [[ ! -x $T/bin/busybox ]]; then
    # shellcheck source=lab/images/rootfs.sh
    . "$LAB_DIR/images/rootfs.sh"
    extract_deb busybox-static "$T/deb"
    cp "$T/deb/bin/busybox" "$T/bin/busybox"
    rm -rf "$T/deb"
fi
cat >"$T/images.list" <<EOF
# written by lab/host/selftest.sh
${REFS[0]} scratch $T/bin/busybox:/bin/busybox entrypoint=/bin/busybox,sleep,3600
busybox:k0smotron-fleet-selftest busybox
${REFS[2]} debian-slim $T/bin/busybox:/usr/local/bin/kube-proxy
${REFS[3]} busybox $T/bin/busybox:/usr/local/bin/k0s env=KUBECONFIG=/var/lib/k0s/pki/admin.conf link=/usr/local/bin/kubectl:k0s
EOF

step "build test images"
"$LAB_DIR/images/build-images.sh" "$T/images.list" 2> >(sed 's/^/  /' >&2)

step "node container"
"$here/node.sh" rm "$NODE" >/dev/null 2>&1 || true
"$here/node.sh" create "$NODE" "$image" 2> >(sed 's/^/  /' >&2)
ip=$("$here/node.sh" ip "$NODE")
log "node $NODE at $ip; podman command:"
"$here/node.sh" command "$NODE" "$image" >&2

step "ssh as root and as lab (sudo)"
sshn() { "$here/node.sh" ssh "$NODE" "$@"; }
sshn 'echo "root ok: $(id -un)@$(hostname) $(systemctl is-system-running)"'
mapfile -t o < <(lab_ssh_opts)
ssh "${o[@]}" "lab@$ip" 'echo "lab ok: $(sudo -n id -un) via sudo"'
sshn 'echo "pid1=$(cat /proc/1/comm) ulimit-n=$(ulimit -Hn) nproc=$(ulimit -Hu)";
      echo "volumes: $(findmnt -n -o TARGET,FSTYPE /var/lib/k0s | tr -s " ") $(findmnt -n -o TARGET,FSTYPE /var/lib/containerd | tr -s " ")";
      test -c /dev/kmsg && timeout 2 dd if=/dev/kmsg bs=8192 count=1 status=none >/dev/null && echo "/dev/kmsg readable";
      test -e /proc/sys/net/bridge/bridge-nf-call-iptables && echo "br_netfilter sysctls present";
      sysctl -n net.ipv4.ip_forward | sed "s/^/ip_forward=/"'

step "containerd inside the node (experiment only)"
sshn 'command -v containerd >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends containerd >/dev/null; }
      systemctl is-active containerd; containerd --version'

step "import archives with ctr, check tags"
sshn 'mkdir -p /var/lib/containerd/selftest-images'
for f in "$T"/images/*.tar; do
    podman cp "$f" "$NODE:/var/lib/containerd/selftest-images/"
done
sshn 'set -e; cd /var/lib/containerd/selftest-images
      for f in *.tar; do ctr -n k8s.io images import "$f" >/dev/null; done
      ctr -n k8s.io images ls -q | grep -v ^sha256: | sort'
for r in "${REFS[@]}"; do
    sshn "ctr -n k8s.io images ls -q | grep -qx '$r'" || die "tag $r did not survive import"
done
log "all ${#REFS[@]} tags present after import"

step "run nested containers"
sshn "set -e
      ctr -n k8s.io run --rm ${REFS[1]} st-sh sh -c 'echo nested busybox: \$(uname -r) \$(id -un)'
      ctr -n k8s.io run --rm ${REFS[3]} st-k0s sh -c 'echo k0s image: KUBECONFIG=\$KUBECONFIG; readlink /usr/local/bin/kubectl'
      ctr -n k8s.io run --rm --privileged ${REFS[2]} st-kp sh -c 'iptables -S >/dev/null && ipset list >/dev/null && conntrack --version && echo debian-slim privileged: iptables+ipset ok'
      ctr -n k8s.io run -d ${REFS[0]} st-pause >/dev/null
      sleep 1
      ctr -n k8s.io tasks ls | grep -q 'st-pause.*RUNNING' && echo 'scratch image with entrypoint: RUNNING'
      echo snapshotter: \$(ctr -n k8s.io plugins ls | awk '\$2==\"overlayfs\"{print \$2, \$NF}')"

step "nested cgroups stay inside the node's cgroup"
# seen from the host, every v1 hierarchy of the nested task must be below
# libpod-<node id>: otherwise nodes share cgroups (kubelet /kubepods!)
id=$(podman inspect -f '{{.Id}}' "$NODE")
hostpid=""
for p in $(pgrep -f 'busybox sleep 3600'); do
    grep -q '/k8s.io/st-pause' "/proc/$p/cgroup" 2>/dev/null && hostpid=$p
done
[[ -n $hostpid ]] || die "nested task st-pause not found from the host"
bad=$(grep -v -e "libpod-$id" "/proc/$hostpid/cgroup" || true)
if [[ -n $bad ]]; then
    die "nested task escapes the node's cgroup in: $bad"
fi
log "host pid $hostpid: all $(wc -l <"/proc/$hostpid/cgroup") cgroup lines below libpod-${id:0:12}"
grep -E 'memory|name=systemd' "/proc/$hostpid/cgroup" >&2
sshn 'ctr -n k8s.io tasks kill -s SIGKILL st-pause; sleep 1; ctr -n k8s.io containers rm st-pause'
finish
