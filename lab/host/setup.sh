#!/usr/bin/env bash
# Installs and configures what the offline lab needs on a fresh Debian 12 host:
# podman (rootful) with runc, netavark/aardvark-dns, debootstrap, ssh client, zip.
# Idempotent: a second run only checks and prints "ok".
set -euo pipefail
# shellcheck source=lab/host/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_root

PKGS=(
    podman runc conmon golang-github-containers-common
    netavark aardvark-dns slirp4netns uidmap fuse-overlayfs
    iptables iproute2 debootstrap openssh-client
    zip unzip skopeo ca-certificates
)
DROPIN_DIR=/etc/containers/containers.conf.d
DROPIN=$DROPIN_DIR/50-k0smotron-fleet-lab.conf

step "apt packages"
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # update only when the lists are older than a day (or absent)
    if [[ -z $(find /var/lib/apt/lists -maxdepth 1 -name '*_InRelease' -mmin -1440 2>/dev/null | head -1) ]]; then
        apt-get update -qq || log "apt-get update reported errors (unreachable extra sources?), going on"
    fi
    # --no-install-recommends: podman recommends crun-free things we do not want
    # (buildah, dbus-user-session); runc is named so apt does not pick crun.
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    log "ok: all packages installed"
fi

step "podman configuration ($DROPIN)"
# A drop-in rather than CONTAINERS_CONF: every podman caller (our scripts,
# molecule's podman driver, containers.podman modules) picks it up without an
# environment variable, and it does not replace /etc/containers/containers.conf
# or a user's ~/.config/containers/containers.conf (drop-ins are merged).
want=$(cat <<'EOF'
# Written by k0smotron.fleet lab/host/setup.sh. Safe to delete.
# runc: crun 1.8 refuses this host's hybrid cgroup v1 layout for systemd containers.
# cgroupfs/file: there is no systemd (nor journald) running as PID 1 on the host.
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
network_backend = "netavark"
EOF
)
if [[ -f $DROPIN && "$(cat "$DROPIN")" == "$want" ]]; then
    log "ok: drop-in up to date"
else
    mkdir -p "$DROPIN_DIR"
    printf '%s\n' "$want" >"$DROPIN"
    log "wrote $DROPIN"
fi

step "cgroup v1 controllers mounted on the host"
# runc gives a container its own cgroup only in hierarchies mounted on the host.
# Here net_cls,net_prio, perf_event and hugetlb are enabled but not mounted, so
# every node (and every kubelet's /kubepods in them) would share their root; the
# kubelet's orphaned-pod cleanup could then kill another node's pods. Mount each
# enabled, unmounted v1 hierarchy (not persistent: re-run after a reboot).
if [[ $(stat -fc %T /sys/fs/cgroup) == tmpfs ]]; then
    declare -A groups=()
    while read -r name hier _ enabled; do
        [[ $name == \#* || $enabled != 1 || $hier == 0 ]] && continue
        groups[$hier]+=${groups[$hier]:+,}$name
    done </proc/cgroups
    mounted=$(awk '$9 == "cgroup" {print $NF}' /proc/self/mountinfo | tr ',' '\n' | sort -u)
    for hier in "${!groups[@]}"; do
        ctrls=${groups[$hier]}
        if grep -qxF "${ctrls%%,*}" <<<"$mounted"; then continue; fi
        mkdir -p "/sys/fs/cgroup/$ctrls"
        mount -t cgroup -o "$ctrls" cgroup "/sys/fs/cgroup/$ctrls"
        log "mounted cgroup v1 hierarchy $ctrls"
        if [[ $ctrls == *,* ]]; then
            IFS=, read -r -a parts <<<"$ctrls"
            for p in "${parts[@]}"; do [[ -e /sys/fs/cgroup/$p ]] || ln -s "$ctrls" "/sys/fs/cgroup/$p"; done
        fi
    done
    log "ok: all enabled v1 controllers are mounted"
else
    log "ok: /sys/fs/cgroup is not a v1 tmpfs layout, nothing to mount"
fi

step "inotify limits"
# Every node runs containerd, kubelet and k0s, each watching files: with a few hosts and hosted
# control planes, the kernel's default of 128 inotify instances per user runs out and containerd's
# CRI plugin fails to start ("too many open files"). Raised, never lowered.
for setting in fs.inotify.max_user_instances=8192 fs.inotify.max_user_watches=1048576; do
    key=${setting%=*} want=${setting#*=}
    have=$(sysctl -n "$key")
    if (( have < want )); then sysctl -qw "$key=$want"; log "$key: $have -> $want"; else log "ok: $key=$have"; fi
done

step "sanity checks"
podman --version
runc --version | head -1
rt=$(podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupManager}} {{.Host.CgroupsVersion}} {{.Host.NetworkBackend}}')
log "podman runtime/cgroup-manager/cgroups/network: $rt"
[[ $rt == "runc cgroupfs v1 netavark" || $rt == "runc cgroupfs v2 netavark" ]] \
    || die "podman is not using runc+cgroupfs+netavark ($rt); an older network backend configured? see lab/host/README.md"
mkdir -p "$LAB_CACHE"
log "cache: $LAB_CACHE"
finish
