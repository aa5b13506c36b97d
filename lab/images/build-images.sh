#!/usr/bin/env bash
# Assembles container image archives from locally built binaries, without any
# registry, tagged with the exact references the manifests use, so that
# `ctr -n k8s.io images import` and k0s's airgap folder (/var/lib/k0s/images/)
# serve them as if pulled.
#
# Usage: build-images.sh [LIST]       (LIST defaults to $LAB_CACHE/images.list)
# Output: $LAB_IMAGES_OUT/<sanitized-ref>.tar  (default $LAB_CACHE/images/),
#         docker-archive format (v2s2), one image per file, RepoTags = the ref.
#         That folder holds nothing else (k0s imports every file in its airgap
#         folder): build keys and contexts live in $LAB_IMAGES_OUT.work/, and
#         archives it built for images no longer in the list are deleted.
#
# List format: one image per line; blank lines and lines starting with # are skipped.
#   <image-ref> <base> [<src>[:<dest>] | <directive>]...
# <image-ref> fully qualified name:tag, e.g. quay.io/k0sproject/pause:3.10.1
#             (a name without a registry gets docker.io/, like Docker does;
#             digests cannot be reproduced and are refused)
# <base>      scratch      nothing but the files given
#             busybox      Debian's busybox-static with all applet links in /bin,
#                          /etc/passwd, /tmp, CA bundle (images that need /bin/sh)
#             debian-slim  debootstrap minbase + iptables ipset conntrack iproute2
#                          kmod ca-certificates (kube-proxy, kube-router)
# <src>       file or directory on this host; <dest> defaults to /<name> on
#             scratch and /usr/local/bin/<name> otherwise. A directory's
#             content is copied into <dest>. Files are copied dereferenced.
# directives  entrypoint=a,b,c   ENTRYPOINT ["a","b","c"] (default: none)
#             cmd=a,b,c          CMD ["a","b","c"]
#             env=KEY=VALUE      ENV (repeatable)
#             workdir=/path      WORKDIR
#             user=uid[:gid]     USER
#             link=/path:target  symlink /path -> target inside the image
# Example:
#   quay.io/k0sproject/pause:3.10.1 scratch /out/pause entrypoint=/pause
#   quay.io/k0sproject/kube-proxy:v1.36.3 debian-slim /out/kube-proxy
#   quay.io/k0sproject/k0s:v1.36.3-k0s.0 busybox /out/k0s /out/kube-apiserver env=KUBECONFIG=/var/lib/k0s/pki/admin.conf
#
# An archive is rebuilt only when its line, the content of its inputs, its
# base or this script change (key kept in $LAB_IMAGES_OUT.work/<name>.key).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/host/lib.sh
. "$here/../host/lib.sh"
# shellcheck source=lab/images/rootfs.sh
. "$here/rootfs.sh"
need_root
need_cmd podman sha256sum

LIST=${1:-${LAB_IMAGES_LIST:-$LAB_CACHE/images.list}}
OUT=${LAB_IMAGES_OUT:-$LAB_CACHE/images}
OUT=${OUT%/}
WORK=$OUT.work
[[ -f $LIST ]] || die "no image list at $LIST (see the format at the top of ${BASH_SOURCE[0]})"
mkdir -p "$OUT" "$WORK"

SLIM_PKGS=iptables,ipset,conntrack,iproute2,kmod,ca-certificates
SELF_HASH=$(cat "${BASH_SOURCE[0]}" "$here/rootfs.sh" | short_hash)

# --- bases -------------------------------------------------------------------
# podman import sets no CMD; bases keep it that way (manifests give commands)
IMPORT_LABEL=--change=LABEL=org.opencontainers.image.vendor=k0smotron-fleet-lab
declare -A BASE_REF=([scratch]=scratch)

base_debian_slim() {
    local tar hash ref
    tar=$(build_rootfs debian-slim "$SLIM_PKGS" ': nothing to customize')
    hash=$(basename "$tar" .tar); hash=${hash##*-}
    ref=$LAB_IMAGE_REPO/base-debian-slim:$hash
    if ! podman image exists "$ref"; then
        podman import --quiet "$IMPORT_LABEL" "$tar" "$ref" >/dev/null
        prune_own_tags "$LAB_IMAGE_REPO/base-debian-slim" "$hash"
    fi
    BASE_REF[debian-slim]=$ref
}

base_busybox() {
    local dir deb hash ref tmp applet
    deb=$(fetch_deb busybox-static)
    hash=$({ basename "$deb"; sha256sum </etc/ssl/certs/ca-certificates.crt; declare -f base_busybox; } | short_hash)
    ref=$LAB_IMAGE_REPO/base-busybox:$hash
    if ! podman image exists "$ref"; then
        tmp=$WORK/busybox.tmp
        rm -rf "$tmp"
        extract_deb busybox-static "$tmp/deb"
        dir=$tmp/root
        mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,etc/ssl/certs,tmp,root,var/run,proc,sys,dev}
        chmod 1777 "$dir/tmp"
        install -m 755 "$tmp/deb/bin/busybox" "$dir/bin/busybox"
        while read -r applet; do
            [[ $applet == bin/busybox ]] && continue
            mkdir -p "$dir/$(dirname "$applet")"
            ln -sf /bin/busybox "$dir/$applet"
        done < <("$dir/bin/busybox" --list-full)
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
        cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/"
        tar --numeric-owner -C "$dir" -cf "$tmp/root.tar" .
        podman import --quiet "$IMPORT_LABEL" "$tmp/root.tar" "$ref" >/dev/null
        rm -rf "$tmp"
        prune_own_tags "$LAB_IMAGE_REPO/base-busybox" "$hash"
    fi
    BASE_REF[busybox]=$ref
}

ensure_base() {
    [[ -n ${BASE_REF[$1]:-} ]] && return 0
    case $1 in
        debian-slim) base_debian_slim ;;
        busybox) base_busybox ;;
        *) die "unknown base '$1' (scratch, busybox, debian-slim)" ;;
    esac
    log "base $1: ${BASE_REF[$1]}"
}

# --- helpers -----------------------------------------------------------------
# docker.io/library normalization, as containerd and Docker do it
normalize_ref() {
    local ref=$1 first
    [[ $ref == *@* ]] && die "$ref: digest references cannot be rebuilt; use a tag"
    first=${ref%%/*}
    if [[ $ref != */* ]]; then
        ref=docker.io/library/$ref
    elif [[ $first != *.* && $first != *:* && $first != localhost ]]; then
        ref=docker.io/$ref
    fi
    [[ ${ref##*/} == *:* ]] || ref=$ref:latest
    printf '%s\n' "$ref"
}

sanitize() { printf '%s\n' "$1" | tr '/:@' '__-'; }

json_array() { # a,b,c -> ["a","b","c"]
    python3 -c 'import json,sys; print(json.dumps(sys.argv[1].split(",")))' "$1"
}

content_hash() { # file or directory
    if [[ -d $1 ]]; then
        (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum) | short_hash
    else
        sha256sum <"$1" | short_hash
    fi
}

# --- one image -----------------------------------------------------------------
build_one() {
    local ref base tok src dest key keyfile out ctx t0 name old_id t
    local -a srcs=() directives=()
    ref=$(normalize_ref "$1"); base=$2; shift 2
    for tok in "$@"; do
        case $tok in
            entrypoint=*|cmd=*|env=*|workdir=*|user=*|link=*) directives+=("$tok") ;;
            *) srcs+=("$tok") ;;
        esac
    done
    out=$OUT/$(sanitize "$ref").tar
    keyfile=$WORK/$(sanitize "$ref").key
    WANTED[$out]=1
    ensure_base "$base"
    key=$({
        printf '%s\n' "$ref" "$base" "${BASE_REF[$base]}" "$SELF_HASH" "${directives[@]}"
        for tok in "${srcs[@]}"; do
            src=${tok%%:*}
            [[ -e $src ]] || die "$ref: input $src does not exist"
            printf '%s %s\n' "$tok" "$(content_hash "$src")"
        done
    } | short_hash)
    if [[ -f $out && -f $keyfile && $(cat "$keyfile") == "$key" ]]; then
        log "up to date: $ref"
        return 0
    fi
    t0=$(date +%s.%N)
    ctx=$(mktemp -d "$WORK/ctx.XXXXXX")
    mkdir -p "$ctx/root"
    for tok in "${srcs[@]}"; do
        src=${tok%%:*}
        if [[ $tok == *:* ]]; then dest=${tok#*:}; else
            name=$(basename "$src")
            if [[ $base == scratch ]]; then dest=/$name; else dest=/usr/local/bin/$name; fi
        fi
        if [[ -d $src ]]; then
            mkdir -p "$ctx/root$dest"
            cp -a "$src/." "$ctx/root$dest/"
        else
            mkdir -p "$ctx/root$(dirname "$dest")"
            cp -L "$src" "$ctx/root$dest"
        fi
    done
    {
        if [[ $base == scratch ]]; then echo "FROM scratch"; else echo "FROM ${BASE_REF[$base]}"; fi
        echo "COPY root/ /"
        for tok in "${directives[@]}"; do
            case $tok in
                entrypoint=*) echo "ENTRYPOINT $(json_array "${tok#entrypoint=}")" ;;
                cmd=*) echo "CMD $(json_array "${tok#cmd=}")" ;;
                env=*) t=${tok#env=}; echo "ENV ${t%%=*}=\"${t#*=}\"" ;;
                workdir=*) echo "WORKDIR ${tok#workdir=}" ;;
                user=*) echo "USER ${tok#user=}" ;;
            esac
        done
    } >"$ctx/Containerfile"
    # symlinks go into the context (COPY keeps them), so no RUN is needed
    for tok in "${directives[@]}"; do
        if [[ $tok == link=* ]]; then
            t=${tok#link=}
            mkdir -p "$ctx/root$(dirname "${t%%:*}")"
            ln -sfn "${t#*:}" "$ctx/root${t%%:*}"
        fi
    done
    old_id=$(podman image inspect -f '{{.Id}}' "$ref" 2>/dev/null || true)
    podman build --quiet --pull=never --format=docker --timestamp=0 \
        --identity-label=false --layers=false \
        -f "$ctx/Containerfile" -t "$ref" "$ctx" >/dev/null
    drop_if_dangling "$old_id" "$(podman image inspect -f '{{.Id}}' "$ref")"
    podman save --quiet --format=docker-archive -o "$ctx/image.tar" "$ref"
    mv "$ctx/image.tar" "$out"
    printf '%s\n' "$key" >"$keyfile"
    rm -rf "$ctx"
    log "built $ref -> $out ($(du -h "$out" | cut -f1), $(_lab_elapsed "$t0"))"
}

step "images from $LIST"
declare -A WANTED=()
n=0
while read -r -a f <&3; do
    [[ ${#f[@]} -eq 0 || ${f[0]} == \#* ]] && continue
    [[ ${#f[@]} -ge 2 ]] || die "bad line (need <image-ref> <base> ...): ${f[*]}"
    build_one "${f[@]}"
    n=$((n + 1))
done 3<"$LIST"
# archives this script built for refs no longer listed go; foreign files stay
for f in "$OUT"/*; do
    [[ -e $f && -z ${WANTED[$f]:-} ]] || continue
    k=$WORK/$(basename "$f" .tar).key
    if [[ -f $k ]]; then
        rm -f "$f" "$k"
        log "removed $f (no longer in the list)"
    else
        log "WARNING: $f was not built from this list; k0s's airgap import will load it too"
    fi
done
log "$n images in $OUT"
finish
