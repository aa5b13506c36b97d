#!/usr/bin/env bash
# k0s release artifacts for the lab, found the way an air-gapped user has them: in a folder of
# pre-downloaded release files, or downloaded from the official release location and checked
# against the release's sha256sums.txt. The lab never builds k0s.
#
#   lab/artifacts.sh [VERSION...]   find (or download) each version's binary; print its path
#   lab/artifacts.sh --expected     say where files are looked for and which
#
# The folder: $K0SMOTRON_FLEET_ARTIFACTS (default $CACHE/artifacts), laid out as the release
# page is:
#   VERSION/k0s-VERSION-ARCH      the release binary, for example v1.36.3+k0s.2/k0s-v1.36.3+k0s.2-amd64
#   VERSION/sha256sums.txt        the release's checksums (lines "<sha256> *<file>")
# Downloads come from $K0S_RELEASE_BASE_URL (default the GitHub releases of k0sproject/k0s),
# or a mirror with the same layout. LAB_OFFLINE=1 never downloads.
# Exit status: 0 found (or downloaded) and verified; 3 not found and not downloadable; 4 a
# checksum does not match.
set -euo pipefail
# shellcheck source=lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=lab/versions.env
. "$LAB_DIR/versions.env"

ARTIFACTS_DIR=${K0SMOTRON_FLEET_ARTIFACTS:-$LAB_CACHE/artifacts}
K0S_RELEASE_BASE_URL=${K0S_RELEASE_BASE_URL:-https://github.com/k0sproject/k0s/releases/download}

# The file name of a version's binary for this machine's architecture.
artifact_binary_name() { printf 'k0s-%s-%s' "$1" "${GOARCH:-amd64}"; }

# True when VERSION's binary and sha256sums.txt are in the folder (nothing checked or downloaded).
artifact_present() {
    [[ -f $ARTIFACTS_DIR/$1/$(artifact_binary_name "$1") && -f $ARTIFACTS_DIR/$1/sha256sums.txt ]]
}

# What is expected where, in words, for messages.
artifacts_expected() {
    local version
    printf 'k0s release artifacts are looked for in %s (set K0SMOTRON_FLEET_ARTIFACTS to another folder):\n' \
        "$ARTIFACTS_DIR"
    for version in "$@"; do
        printf '  %s/%s/%s\n  %s/%s/sha256sums.txt\n' "$ARTIFACTS_DIR" "$version" \
            "$(artifact_binary_name "$version")" "$ARTIFACTS_DIR" "$version"
    done
    printf 'as published at %s/VERSION/ (the same names). Download them where there is internet and copy\n' \
        "$K0S_RELEASE_BASE_URL"
    printf 'them there; this machine could not download them (no internet, or LAB_OFFLINE=1).\n'
}

# Verify FILE against the sha256sums.txt beside it. 0 good, 4 mismatch, 5 no line for it.
artifact_verify() {
    local file=$1 sums want got
    sums=$(dirname "$file")/sha256sums.txt
    [[ -f $sums ]] || return 5
    want=$(awk -v f="$(basename "$file")" '{name = $2; sub(/^\*/, "", name)} name == f {print tolower($1)}' "$sums")
    [[ -n $want ]] || return 5
    got=$(sha256sum "$file" | cut -d' ' -f1)
    if [[ $got != "$want" ]]; then
        log "checksum mismatch for $file: sha256 $got, sha256sums.txt says $want"
        return 4
    fi
}

artifact_download() {  # URL DEST
    [[ ${LAB_OFFLINE:-0} == 1 ]] && return 1
    command -v curl >/dev/null 2>&1 || return 1
    log "downloading $1"
    curl -fsSL --connect-timeout 10 --retry 2 -o "$2.part" "$1" 2>/dev/null || { rm -f "$2.part"; return 1; }
    mv "$2.part" "$2"
}

# Print the path of VERSION's verified binary; download what is missing.
artifact_k0s() {
    local version=$1 dir file rc=0
    dir=$ARTIFACTS_DIR/$version
    file=$dir/$(artifact_binary_name "$version")
    mkdir -p "$dir"
    if [[ ! -f $dir/sha256sums.txt ]]; then
        artifact_download "$K0S_RELEASE_BASE_URL/$version/sha256sums.txt" "$dir/sha256sums.txt" || return 3
    fi
    if [[ -f $file ]]; then
        artifact_verify "$file" || rc=$?
        if (( rc == 4 )); then
            # A corrupted or wrong file: set it aside and fetch it again where possible.
            mv -f "$file" "$file.mismatch"
            artifact_download "$K0S_RELEASE_BASE_URL/$version/$(basename "$file")" "$file" || return 4
            rc=0; artifact_verify "$file" || rc=$?
        fi
    else
        artifact_download "$K0S_RELEASE_BASE_URL/$version/$(basename "$file")" "$file" || return 3
        artifact_verify "$file" || rc=$?
    fi
    if (( rc == 5 )); then
        log "$dir/sha256sums.txt has no line for $(basename "$file")"
        return 4
    fi
    (( rc == 0 )) || return "$rc"
    chmod 0755 "$file"
    printf '%s\n' "$file"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    LAB_LOG_TAG=artifacts
    if [[ ${1:-} == --expected ]]; then
        shift
        artifacts_expected "${@:-$K0S_VERSION}"
        exit 0
    fi
    status=0
    for version in "${@:-$K0S_VERSION}"; do
        artifact_k0s "$version" || { status=$?; artifacts_expected "$version" >&2; }
    done
    exit "$status"
fi
