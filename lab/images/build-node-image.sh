#!/usr/bin/env bash
# Builds the lab node image: Debian bookworm with systemd as PID 1, sshd,
# python3, sudo and what a k0s worker needs on its host.
# Prints the image reference (localhost/k0smotron-fleet/node:<hash>) on stdout.
# Cold: debootstrap (minutes). Warm: the tag exists, seconds.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/host/lib.sh
. "$here/../host/lib.sh"
# shellcheck source=lab/images/rootfs.sh
. "$here/rootfs.sh"
need_root
need_cmd podman

NODE_PKGS=(
    # init, login and remote management
    systemd systemd-sysv dbus libpam-systemd openssh-server openssh-sftp-server
    sudo python3 python3-apt ca-certificates curl
    # what a k0s worker (kubelet, containerd, kube-proxy/kube-router) uses on the host
    iptables ipset conntrack iproute2 kmod procps ethtool socat util-linux mount
    # archives (ansible unarchive), debugging
    tar gzip xz-utils unzip iputils-ping less
)

read -r -d '' CUSTOMIZE <<'EOS' || true
# --- runs inside the chroot ---
echo lab-node >/etc/hostname
printf 'LANG=C.UTF-8\n' >/etc/default/locale
# machine-id is made at first boot (each container gets its own)
: >/etc/machine-id
rm -f /var/lib/dbus/machine-id
ln -sf /etc/machine-id /var/lib/dbus/machine-id

# units that make no sense in a container or reach the network by themselves
systemctl mask \
    getty@tty1.service console-getty.service serial-getty@.service getty.target \
    systemd-firstboot.service systemd-remount-fs.service \
    sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
    apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
    fstrim.timer systemd-timesyncd.service >/dev/null 2>&1 || true
# k0s wants the legacy iptables or nft consistently; bookworm defaults to nft
# (iptables-nft), which is what kube-proxy/kube-router detect at runtime too.

# sshd: host keys are made at first boot so nodes do not share them;
# the lab key is bind-mounted to /etc/ssh/lab_authorized_keys at run time.
rm -f /etc/ssh/ssh_host_*
cat >/etc/systemd/system/ssh-hostkeys.service <<'UNIT'
[Unit]
Description=Generate SSH host keys
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
UNIT
systemctl enable ssh-hostkeys.service ssh.service >/dev/null
cat >/etc/ssh/sshd_config.d/50-lab.conf <<'CONF'
AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/lab_authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UseDNS no
CONF

# a sudo user, as on a real edge host (Ansible becomes root)
useradd -m -s /bin/bash -G sudo lab
passwd -l lab >/dev/null
passwd -l root >/dev/null
printf 'lab ALL=(ALL) NOPASSWD: ALL\n' >/etc/sudoers.d/lab
chmod 440 /etc/sudoers.d/lab

# kube-proxy and kube-router mount the hostPath /lib/modules; this kernel has
# no modules, so give them an empty directory (the host's is bind-mounted
# over it where it exists)
mkdir -p /lib/modules

# journald: keep logs in memory, small
mkdir -p /etc/systemd/journald.conf.d
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=64M\n' >/etc/systemd/journald.conf.d/lab.conf
EOS

step "node rootfs"
pkgs=$(IFS=,; echo "${NODE_PKGS[*]}")
tarball=$(build_rootfs node "$pkgs" "$CUSTOMIZE")

step "node image"
hash=$({ basename "$tarball"; cat "${BASH_SOURCE[0]}"; } | short_hash)
ref=$LAB_IMAGE_REPO/node:$hash
if podman image exists "$ref"; then
    log "image $ref exists"
else
    log "podman import $tarball -> $ref"
    podman import --quiet \
        --change 'CMD ["/sbin/init"]' \
        --change 'ENV container=podman' \
        --change 'STOPSIGNAL SIGRTMIN+3' \
        --change 'LABEL org.opencontainers.image.title=k0smotron-fleet-lab-node' \
        "$tarball" "$ref" >/dev/null
fi
podman tag "$ref" "$LAB_IMAGE_REPO/node:latest"
prune_own_tags "$LAB_IMAGE_REPO/node" "$hash" latest
finish
printf '%s\n' "$ref"
