# shellcheck shell=bash
# Debian root filesystems made with debootstrap, cached as tarballs.
# Source after lab/host/lib.sh.

# build_rootfs NAME "PKG1,PKG2,..." CUSTOMIZE_SCRIPT
#   Prints the path of $LAB_CACHE/rootfs/NAME-<hash>.tar, building it if absent.
#   <hash> covers the suite, mirror, package list, the customize script and the
#   code of this function, so any change makes a new tarball and an unchanged
#   one is reused. Older tarballs of the same NAME are deleted.
#   CUSTOMIZE_SCRIPT is bash run inside the chroot (with /proc mounted).
build_rootfs() {
    local name=$1 pkgs=$2 customize=$3
    local hash out dir
    hash=$({ printf '%s\n' "$LAB_DEBIAN_SUITE" "$LAB_DEBIAN_MIRROR" "$pkgs" "$customize"
             declare -f build_rootfs; } | short_hash)
    out=$LAB_CACHE/rootfs/$name-$hash.tar
    if [[ -f $out ]]; then
        log "rootfs $name: cached $out"
        printf '%s\n' "$out"
        return 0
    fi
    need_cmd debootstrap tar
    mkdir -p "$LAB_CACHE/rootfs" "$LAB_CACHE/debs/$LAB_DEBIAN_SUITE"
    dir=$LAB_CACHE/rootfs/$name-$hash.d
    # a half-made tree from an interrupted run is thrown away
    _rootfs_umount "$dir"
    rm -rf "$dir"
    log "rootfs $name: debootstrap $LAB_DEBIAN_SUITE (minbase + $pkgs)"
    debootstrap --variant=minbase --include="$pkgs" \
        --cache-dir="$LAB_CACHE/debs/$LAB_DEBIAN_SUITE" \
        "$LAB_DEBIAN_SUITE" "$dir" "$LAB_DEBIAN_MIRROR" >"$dir.log" 2>&1 \
        || { tail -20 "$dir.log" >&2; die "debootstrap failed, log: $dir.log"; }
    log "rootfs $name: customizing"
    mount -t proc proc "$dir/proc"
    # shellcheck disable=SC2064
    trap "_rootfs_umount '$dir'" EXIT
    # no service may start while we install/configure inside the chroot
    printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
    chmod 755 "$dir/usr/sbin/policy-rc.d"
    printf '%s\n' "$customize" >"$dir/tmp/customize.sh"
    chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive bash -euo pipefail /tmp/customize.sh >&2
    rm -f "$dir/tmp/customize.sh" "$dir/usr/sbin/policy-rc.d"
    _rootfs_umount "$dir"
    trap - EXIT
    # slim: apt lists/caches, docs, man pages, logs
    rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb \
        "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* \
        "$dir"/var/log/*.log "$dir"/var/log/apt/* "$dir"/var/cache/debconf/*-old
    log "rootfs $name: packing"
    tar --numeric-owner --xattrs --acls -C "$dir" -cf "$out.part" .
    mv "$out.part" "$out"
    rm -rf "$dir" "$dir.log"
    find "$LAB_CACHE/rootfs" -maxdepth 1 -name "$name-*.tar" ! -path "$out" -delete
    log "rootfs $name: $(du -h "$out" | cut -f1) $out"
    printf '%s\n' "$out"
}

_rootfs_umount() {
    local d=$1
    if mountpoint -q "$d/proc" 2>/dev/null; then umount -l "$d/proc"; fi
}

# Path of PKG's .deb in the debootstrap .deb cache, downloaded with apt if absent.
fetch_deb() {
    local pkg=$1 debdir=$LAB_CACHE/debs/$LAB_DEBIAN_SUITE deb
    mkdir -p "$debdir"
    deb=$(find "$debdir" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -1)
    if [[ -z $deb ]]; then
        (cd "$debdir" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >/dev/null)
        deb=$(find "$debdir" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -1)
    fi
    [[ -n $deb ]] || die "could not download $pkg"
    printf '%s\n' "$deb"
}

# Extract one package's files (no maintainer scripts) into DEST.
extract_deb() {
    local deb
    deb=$(fetch_deb "$1")
    mkdir -p "$2"
    dpkg-deb -x "$deb" "$2"
}
