#!/usr/bin/env bash
# lab/build: every target has a cache key (pause's is a hash of its sources), a missing
# helper stops the build before anything is built, and the pinned Go toolchain is fetched
# from the Go module proxy when no go of that version is installed, then builds.
# shellcheck source=tests/shell/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=lab/versions.env
. "$REPO/lab/versions.env"
build=$REPO/lab/build/build.sh

pause_key=$(cd "$REPO/lab/build/pause" && sha256sum -- * | sha256sum | cut -c1-12)

plan=$("$build" --plan)
printf '%s\n' "$plan"
while read -r target dir _; do
    [[ ${dir##*/} == "$target"-?* ]] || fail "$target: cache directory $dir has no version"
done <<<"$plan"
grep -qE "^pause +$CACHE/bin/pause-$pause_key " <<<"$plan" \
    || fail "pause's cache key is not the hash of lab/build/pause/* ($pause_key)"
ok "every target has a versioned cache directory; pause's is pause-$pause_key"

# A change to pause's sources is a new cache key.
cp -r "$REPO/lab" "$TMP/lab"
echo '// changed' >>"$TMP/lab/build/pause/main.go"
changed=$("$TMP/lab/build/build.sh" --plan pause)
[[ $changed != *"pause-$pause_key "* ]] || fail "changing pause's sources keeps its cache key"
ok "changing lab/build/pause/main.go changes the key"

# A helper that is not defined stops the build, loudly, before anything is built.
cp "$REPO/lab/build/pause/main.go" "$TMP/lab/build/pause/main.go"
sed -i '/^pause_src_hash() {/,/^}/d' "$TMP/lab/build/components.sh"
if out=$(K0SMOTRON_FLEET_CACHE=$TMP/cache "$TMP/lab/build/build.sh" pause 2>&1); then
    fail "build.sh pause succeeded without pause_src_hash: $out"
fi
grep -q 'pause_src_hash: command not found' <<<"$out" || fail "the error does not name pause_src_hash: $out"
grep -q 'error: pause:' <<<"$out" || fail "build.sh does not say which target failed: $out"
[[ ! -e $TMP/cache/bin ]] || [[ -z $(ls -A "$TMP/cache/bin") ]] || fail "something was built: $(ls "$TMP/cache/bin")"
ok "without pause_src_hash: $(grep 'error: pause:' <<<"$out")"

# Go: GO=cache takes the pinned toolchain from the cache, fetching it the first time.
read -r go version < <(GO=cache "$build" --go)
[[ $version == "$GO_VERSION" ]] || fail "GO=cache gives Go $version, versions.env pins $GO_VERSION"
[[ $go == "$CACHE/go/go$GO_VERSION".*/bin/go ]] || fail "GO=cache gives $go, not one in $CACHE/go"
ok "GO=cache: $go ($version)"

# An installed go of another version is not used.
mkdir -p "$TMP/old-go"
printf '#!/bin/sh\necho go1.20.14\n' >"$TMP/old-go/go"
chmod +x "$TMP/old-go/go"
read -r picked version < <(PATH=$TMP/old-go:/usr/bin:/bin "$build" --go)
[[ $version == "$GO_VERSION" && $picked != "$TMP/old-go/go" ]] \
    || fail "with go1.20.14 on PATH the build uses $picked ($version)"
ok "with an older go on PATH: $picked ($version)"

# The fetched toolchain builds pause, whose version is its cache key.
K0SMOTRON_FLEET_CACHE=$TMP/cache GO=$go "$build" pause
stamp=$("$TMP/cache/bin/pause-$pause_key/pause" -v)
[[ $stamp == *" $pause_key" ]] || fail "pause -v says '$stamp', expected version $pause_key"
ok "pause built with $go: $stamp"
