# shellcheck shell=bash
# Shared helpers for the lab's host, node and image scripts (on top of lab/lib.sh: log, die,
# LAB_DIR, LAB_CACHE). Source it; do not run it.
#
#   CONTAINERS_CONF is NOT touched: podman is configured by the drop-in that
#                  lab/host/setup.sh writes (see lab/host/README.md).

# shellcheck source=lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
LAB_DEBIAN_SUITE=${LAB_DEBIAN_SUITE:-bookworm}
LAB_DEBIAN_MIRROR=${LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# podman network for the lab nodes (its own subnet, so every node has an address)
LAB_NETWORK=${LAB_NETWORK:-k0smotron-fleet}
LAB_SUBNET=${LAB_SUBNET:-10.89.40.0/24}
LAB_IMAGE_REPO=${LAB_IMAGE_REPO:-localhost/k0smotron-fleet}

_lab_t0=$(date +%s.%N)
_lab_step_t=$_lab_t0
_lab_step_name=""

_lab_elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1fs", b-a}'; }

# step "name": ends the previous step (printing its duration) and starts a new one
step() {
    if [[ -n $_lab_step_name ]]; then
        log "done: $_lab_step_name ($(_lab_elapsed "$_lab_step_t"))"
    fi
    _lab_step_name=$1
    _lab_step_t=$(date +%s.%N)
    [[ -n $1 ]] && log "step: $1"
    return 0
}

finish() {
    step ""
    log "total: $(_lab_elapsed "$_lab_t0")"
}

need_root() { [[ $(id -u) -eq 0 ]] || die "run as root (rootful podman, debootstrap)"; }

need_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || die "missing command '$c': run lab/host/setup.sh first"
    done
}

# sha256 of stdin, short
short_hash() { sha256sum | cut -c1-16; }

# ulimits we may set without CAP_SYS_RESOURCE. Podman's defaults (nofile and
# nproc = 1048576 for root) fail here with "error setting rlimit type 7/6:
# operation not permitted". Limits must not exceed what podman itself runs with:
# nofile = our hard limit; nproc = min(our hard limit, 32768), because podman
# lowers its own RLIMIT_NPROC to 32768 at start (seen with strace, podman 4.3).
lab_ulimit_flags() {
    local n p
    n=$(ulimit -Hn); p=$(ulimit -Hu)
    [[ $n == unlimited ]] && n=1048576
    [[ $p == unlimited || $p -gt 32768 ]] && p=32768
    printf -- '--ulimit=nofile=%s:%s --ulimit=nproc=%s:%s' "$n" "$n" "$p" "$p"
}

# The flags every lab node container needs (systemd PID 1, nested containerd).
# Sets the array LAB_NODE_FLAGS. Usage: podman run "${LAB_NODE_FLAGS[@]}" ... IMAGE
#   --runtime=runc        crun 1.8 fails on this hybrid cgroup v1 host
#   --privileged          nested containerd/kubelet: mounts, iptables, all devices (/dev/kmsg),
#                         and rw cgroup mounts
#   --cgroupns=private    the node sees its own cgroup as "/": systemd, the kubelet
#                         (/kubepods) and nested runc stay below libpod-<id> on the host
#   --systemd=false + tmpfs /run,/run/lock,/tmp + container=podman
#                         what --systemd=always would do, minus its own mount of the
#                         name=systemd hierarchy, which on cgroup v1 is the HOST's root
#                         and so breaks a private cgroupns (see lab/host/README.md)
#   --pids-limit=-1       podman's default pids.max is 2048: too few for a k8s node
#   --ulimit ...          see lab_ulimit_flags
lab_node_flags() {
    local u
    read -r -a u <<<"$(lab_ulimit_flags)"
    # shellcheck disable=SC2054  # the commas are tmpfs mount options
    LAB_NODE_FLAGS=(
        --runtime=runc
        --privileged
        --cgroupns=private
        --systemd=false
        --tmpfs=/run:rw,nosuid,nodev,exec,mode=755
        --tmpfs=/run/lock:rw,nosuid,nodev,noexec
        --tmpfs=/tmp:rw,nosuid,nodev,exec,mode=1777
        --env=container=podman
        --pids-limit=-1
        "${u[@]}"
        --stop-signal=SIGRTMIN+3
        --stop-timeout=30
    )
    # kube-proxy/kube-router may modprobe; only where the host has modules
    if [[ -d /lib/modules ]]; then
        LAB_NODE_FLAGS+=(--volume=/lib/modules:/lib/modules:ro)
    fi
}

ensure_network() {
    if ! podman network exists "$LAB_NETWORK"; then
        log "creating podman network $LAB_NETWORK ($LAB_SUBNET)"
        podman network create --subnet "$LAB_SUBNET" "$LAB_NETWORK" >/dev/null
    fi
}

# ssh options for lab nodes, one per line (mapfile -t o < <(lab_ssh_opts))
lab_ssh_opts() {
    printf '%s\n' -i "$(lab_ssh_key)" -o IdentitiesOnly=yes -o BatchMode=yes \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
        -o ConnectTimeout=5
}

# lab ssh key: ed25519, kept in the cache, 0600
lab_ssh_key() {
    local d=$LAB_CACHE/ssh
    if [[ ! -f $d/id_ed25519 ]]; then
        mkdir -p "$d"; chmod 700 "$d"
        ssh-keygen -q -t ed25519 -N '' -C k0smotron-fleet-lab -f "$d/id_ed25519"
    fi
    chmod 600 "$d/id_ed25519"
    printf '%s\n' "$d/id_ed25519"
}

# Remove the other tags of one of our own repositories (e.g. older
# localhost/k0smotron-fleet/base-busybox:<hash>), keeping KEEP... tags.
# Only names REPO:<tag> are touched, compared by name: another tool's tag on the
# same image (podman's reference filter would list it too) stays, and so does
# the image. Removing a name that is not the image's last one only untags it;
# images still in use are left alone.
prune_own_tags() {
    local repo=$1; shift
    local name t
    while read -r name; do
        [[ $name == "$repo":* ]] || continue
        for t in "$@"; do [[ $name == "$repo:$t" ]] && continue 2; done
        if podman rmi "$name" >/dev/null 2>&1; then log "removed stale tag $name"; fi
    done < <(podman image ls --format '{{.Repository}}:{{.Tag}}' | sort -u)
}

# After re-tagging REF, remove the image it pointed at before (OLD_ID) if that
# is now untagged and unused.
drop_if_dangling() {
    local old_id=$1 new_id=$2
    [[ -n $old_id && $old_id != "$new_id" ]] || return 0
    if [[ -z $(podman image inspect -f '{{join .RepoTags ","}}' "$old_id" 2>/dev/null) ]]; then
        podman rmi "$old_id" >/dev/null 2>&1 || true
    fi
}
