# shellcheck shell=bash
# Shared helpers for lab/build/*.sh (on top of lab/lib.sh: log, die, LAB_DIR, LAB_CACHE).
# Source it; do not run it.
#
# Layout of the cache (outside the repository):
#   $CACHE/bin/<component>-<version>[-<arch>]/...  finished artifacts; a directory
#                                                  that exists is complete (it is
#                                                  renamed into place at the end)
#   $CACHE/build/src/...                           wrapper modules, unpacked sources
#   $CACHE/build/logs/<component>-<version>.log    full output of the last build

set -euo pipefail

BUILD_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/lib.sh
. "$BUILD_DIR/../lib.sh"
LAB_LOG_TAG=build

# A GOARCH given by the caller wins over the default in versions.env.
_caller_goarch=${GOARCH:-}
# shellcheck source=lab/versions.env
. "$LAB_DIR/versions.env"
GOARCH=${_caller_goarch:-$GOARCH}
unset _caller_goarch

CACHE=$LAB_CACHE
BIN_CACHE=$CACHE/bin
SRC_CACHE=$CACHE/build/src
LOG_DIR=$CACHE/build/logs
mkdir -p -- "$BIN_CACHE" "$SRC_CACHE" "$LOG_DIR"
trap 'exit 130' INT
trap 'exit 143' TERM

# Go toolchain: exactly GO_VERSION from versions.env (ensure_go sets GO and HOST_GOARCH).
# Never switch toolchains behind our back: the lab builds with the one ensure_go picked.
export GOTOOLCHAIN=local
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
export GOOS GOARCH
GO_CACHE=$CACHE/go

# 2 cores: one build at a time, go's own parallelism capped, low priority.
BUILD_JOBS=${BUILD_JOBS:-2}
NICE=(nice -n "${BUILD_NICE:-10}")

# Artifacts for amd64 keep the plain <component>-<version> name; others get a suffix.
arch_suffix() { if [[ $1 == amd64 ]]; then printf ''; else printf -- '-%s' "$1"; fi; }
ARCH_SUFFIX=$(arch_suffix "$GOARCH")

# go_version GO -> "1.26.8" for that go binary, empty when it cannot tell (older than 1.16).
go_version() {
  local v; v=$(GOTOOLCHAIN=local "$1" env GOVERSION 2>/dev/null) || return 0
  printf '%s' "${v#go}"
}

# ensure_go: sets GO to a Go toolchain of exactly GO_VERSION (lab/versions.env), and HOST_GOARCH.
#   1. GO given by the caller: used as is (a warning if its version differs);
#   2. else `go` on PATH or /usr/local/go/bin/go, when it is that version;
#   3. else (or with GO=cache) the toolchain in $CACHE/go/go<version>.<os>-<arch>, fetched the
#      first time from the Go module proxy (module golang.org/toolchain, checked against
#      GO_TOOLCHAIN_SUM_*) by fetch_go.py: no Go needs to be installed.
ensure_go() {
  local c v
  if [[ ${GO:-} == cache ]]; then
    GO=
  elif [[ -n ${GO:-} ]]; then
    [[ -x $GO ]] || die "GO=$GO is not an executable (unset GO to use Go $GO_VERSION from the cache)"
    v=$(go_version "$GO")
    [[ $v == "$GO_VERSION" ]] \
      || log "warning: GO=$GO is Go ${v:-unknown}, lab/versions.env pins $GO_VERSION (unset GO to use that)"
  else
    for c in "$(command -v go 2>/dev/null || true)" /usr/local/go/bin/go; do
      [[ -n $c && -x $c ]] || continue
      if [[ $(go_version "$c") == "$GO_VERSION" ]]; then GO=$c; break; fi
    done
  fi
  if [[ -z ${GO:-} ]]; then
    local os arch
    os=$(uname -s | tr '[:upper:]' '[:lower:]')
    case $(uname -m) in
      x86_64) arch=amd64 ;;
      aarch64 | arm64) arch=arm64 ;;
      *) die "no Go toolchain pinned for this machine ($(uname -m)): install Go $GO_VERSION and set GO=/path/to/go" ;;
    esac
    local sumvar=GO_TOOLCHAIN_SUM_${os}_${arch}
    local sum=${!sumvar:-}
    [[ -n $sum ]] || die "lab/versions.env has no $sumvar: install Go $GO_VERSION and set GO=/path/to/go"
    local root=$GO_CACHE/go$GO_VERSION.$os-$arch
    if [[ ! -x $root/bin/go ]]; then
      command -v python3 >/dev/null 2>&1 || die "python3 is needed to fetch Go $GO_VERSION (apt-get install python3)"
      mkdir -p -- "$GO_CACHE"
      # One download at a time across concurrent runs.
      local lockfd
      exec {lockfd}>"$GO_CACHE/.go$GO_VERSION.$os-$arch.lock"
      flock "$lockfd"
      if [[ ! -x $root/bin/go ]]; then
        log "Go $GO_VERSION from the cache (installed go: $(command -v go >/dev/null 2>&1 && go_version go || echo none)): fetching it into $GO_CACHE"
        python3 "$BUILD_DIR/fetch_go.py" "$GO_VERSION" "$os" "$arch" "$sum" "$root" \
          || die "could not fetch Go $GO_VERSION (see above)"
      fi
      exec {lockfd}>&-
    fi
    GO=$root/bin/go
    v=$(go_version "$GO")
    [[ $v == "$GO_VERSION" ]] || die "$GO reports Go ${v:-unknown}, expected $GO_VERSION: remove $root and run again"
  fi
  export GO
  HOST_GOARCH=$("$GO" env GOHOSTARCH)
}

# artifact_dir COMPONENT VERSION -> path of the finished artifact directory
artifact_dir() { printf '%s/%s-%s%s' "$BIN_CACHE" "$1" "$2" "$ARCH_SUFFIX"; }

# run_step COMPONENT VERSION FUNCTION [ARGS...]
# Calls FUNCTION OUTDIR [ARGS...] with an empty temporary OUTDIR unless the
# artifact directory already exists. On success OUTDIR is renamed into place
# atomically; on failure (or interrupt) nothing is left that counts as cached.
run_step() {
  local component=$1 version=$2 fn=$3; shift 3
  # An empty version would make a cache key ("pause-") that no change ever invalidates, and a
  # missing function would only fail inside the logged step: both stop the build here.
  [[ -n $version ]] || die "$component: empty version, so no cache key (the call that computes it failed?)"
  declare -F -- "$fn" >/dev/null || die "$component: build function '$fn' is not defined"
  local dest; dest=$(artifact_dir "$component" "$version")
  local label="$component $version${ARCH_SUFFIX:+ ($GOARCH)}"
  if [[ -d $dest ]]; then
    log "$label cached"
    return 0
  fi
  local key=$component-$version$ARCH_SUFFIX
  # One build of a component at a time, across concurrent runs of build.sh.
  local lockfd
  exec {lockfd}>"$BIN_CACHE/.$key.lock"
  if ! flock -n "$lockfd"; then
    log "$label: waiting for another build of it to finish"
    flock "$lockfd"
  fi
  if [[ -d $dest ]]; then
    exec {lockfd}>&-
    log "$label cached"
    return 0
  fi
  # Left over by a build that was killed: it never counted, remove it.
  rm -rf -- "$BIN_CACHE/.$key.tmp."*
  local logf="$LOG_DIR/$key.log"
  local tmp; tmp=$(mktemp -d -- "$BIN_CACHE/.$key.tmp.XXXXXX")
  log "$label ... (log: $logf)"
  local start=$SECONDS rc=0
  # Subshell so that traps, cd and exports of the step stay inside it. It must
  # not run as part of an "||" or "if" (bash would then ignore "set -e" in it).
  set +e
  ( set -e
    trap 'rm -rf -- "$tmp"; exit 130' INT
    trap 'rm -rf -- "$tmp"; exit 143' TERM
    "$fn" "$tmp" "$@" ) >"$logf" 2>&1
  rc=$?
  set -e
  if (( rc != 0 )); then
    rm -rf -- "$tmp"
    exec {lockfd}>&-
    log "$label FAILED after $((SECONDS - start))s (exit $rc); last lines of $logf:"
    tail -n 25 -- "$logf" | sed 's/^/    /' >&2
    return "$rc"
  fi
  chmod 0755 -- "$tmp"
  mv -T -- "$tmp" "$dest"
  exec {lockfd}>&-
  log "$label ... done in $((SECONDS - start))s"
}

# mod_field MODULE@VERSION FIELD -> FIELD of `go mod download -json` for it (Dir: its directory
# in the module cache, GoMod: its go.mod there, Sum: its go.sum hash)
mod_field() {
  local json; json=$("$GO" mod download -json "$1") || { printf '%s\n' "$json" >&2; return 1; }
  jq -er --arg f "$2" '.[$f]' <<<"$json"
}

# upstream_replaces GO.MOD LOCAL_VERSION
# Prints the replace directives of an upstream go.mod in a form usable from
# another module: "X => other vN" is kept as is; "X => ./local/dir" (a module
# that lives in the same repository and so is not in the module zip) becomes
# "X => X LOCAL_VERSION", but only for modules the upstream module requires.
upstream_replaces() {
  local gomod=$1 localver=$2
  "$GO" mod edit -json "$gomod" | jq -r --arg v "$localver" '
    ([.Require[]?.Path]) as $req
    | .Replace[]?
    | if (.New.Version // "") != "" then
        "\(.Old.Path)\(if .Old.Version then " " + .Old.Version else "" end) => \(.New.Path) \(.New.Version)"
      elif (.Old.Path as $p | $req | index($p)) != null then
        "\(.Old.Path) => \(.Old.Path) \($v)"
      else empty end'
}

# make_wrapper NAME MODULE VERSION LOCAL_VERSION PACKAGE...
# Writes a throwaway module in $SRC_CACHE/wrapper-NAME-VERSION that requires MODULE@VERSION,
# repeats MODULE's replace directives (see upstream_replaces: LOCAL_VERSION for its local ones)
# and imports the PACKAGEs (build tag "tools"), then resolves its dependencies. Sets WRAPPER to
# that folder. Reused as is when it is complete.
make_wrapper() {
  local name=$1 module=$2 version=$3 localver=$4; shift 4
  local dir=$SRC_CACHE/wrapper-$name-$version
  # shellcheck disable=SC2034  # read by the build functions (components.sh)
  WRAPPER=$dir
  if [[ -f $dir/go.sum && -f $dir/.complete ]]; then return 0; fi
  rm -rf -- "$dir"; mkdir -p -- "$dir"
  # Start from the upstream module's own go.sum: its hashes are covered by the
  # module's hash, and the checksum database reachable here lacks some modules.
  local updir; updir=$(mod_field "$module@$version" Dir)
  if [[ -f $updir/go.sum ]]; then cp -- "$updir/go.sum" "$dir/go.sum"; chmod u+w -- "$dir/go.sum"; fi
  local gomod replaces
  gomod=$(mod_field "$module@$version" GoMod)
  replaces=$(upstream_replaces "$gomod" "$localver")
  {
    printf 'module lab.invalid/wrapper/%s\n\ngo 1.26\n\nrequire %s %s\n' "$name" "$module" "$version"
    if [[ -n $replaces ]]; then
      printf '\nreplace (\n\t%s\n)\n' "${replaces//$'\n'/$'\n\t'}"
    fi
  } >"$dir/go.mod"
  {
    printf '//go:build tools\n\n// Package tools only pins the commands this wrapper builds.\npackage tools\n\nimport (\n'
    local p; for p in "$@"; do printf '\t_ "%s"\n' "$p"; done
    printf ')\n'
  } >"$dir/tools.go"
  (cd -- "$dir" && "$GO" mod tidy)
  touch -- "$dir/.complete"
}

# go_build DIR OUT [go build args...]: go build in DIR, niced, limited parallelism.
go_build() {
  local dir=$1; shift
  (cd -- "$dir" && "${NICE[@]}" "$GO" build -p "$BUILD_JOBS" -trimpath "$@")
}

# is_static FILE: true when FILE is a statically linked executable.
is_static() {
  local out; out=$(file -b -- "$1" 2>/dev/null || true)
  [[ $out == *"statically linked"* || $out == *"static-pie linked"* ]]
}

# require_static DIR NAME...: every DIR/NAME is static, or the build stops naming the first that is not.
require_static() {
  local dir=$1 name; shift
  for name in "$@"; do is_static "$dir/$name" || die "$name is not static"; done
}

# ensure_tools: the host tools the build needs, installed from Debian when
# missing and allowed (root with apt-get), else a clear error.
# command -> Debian package
declare -A HOST_TOOLS=(
  [gcc]=gcc [jq]=jq [zip]=zip [unzip]=unzip [file]=file [git]=git [sha256sum]=coreutils
  [flock]=util-linux
)
ensure_tools() {
  local missing=() c
  for c in "${!HOST_TOOLS[@]}"; do
    command -v "$c" >/dev/null 2>&1 || missing+=("${HOST_TOOLS[$c]}")
  done
  # libseccomp.a for a static runc with seccomp
  [[ -f /usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/libseccomp.a ]] \
    || missing+=(libseccomp-dev)
  command -v gcc >/dev/null 2>&1 && [[ -f /usr/include/stdio.h ]] || missing+=(libc6-dev)
  (( ${#missing[@]} )) || return 0
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing host packages: ${missing[*]}"
    apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}" >&2 \
      || { apt-get update -q >&2 && apt-get install -y -q -o DPkg::Lock::Timeout=300 \
             --no-install-recommends "${missing[@]}" >&2; }
  else
    die "missing host packages: ${missing[*]} (apt-get install ${missing[*]})"
  fi
}

# smoke CMD [ARGS...]: runs a just-built binary (a version check), unless it was
# cross-built for another architecture.
smoke() {
  if [[ $GOARCH != "$HOST_GOARCH" ]]; then
    echo "(not running $(basename -- "$1"): built for $GOARCH)"
    return 0
  fi
  "$@"
}

# cgo_env: prints CC=... for cgo builds; cross builds need a cross compiler
# (Debian: gcc-aarch64-linux-gnu, and libseccomp-dev:arm64 for runc).
cgo_cc() {
  if [[ $GOARCH == "$HOST_GOARCH" ]]; then
    printf '%s\n' "${CC:-gcc}"
  else
    local triplet
    case $GOARCH in
      arm64) triplet=aarch64-linux-gnu ;;
      arm)   triplet=arm-linux-gnueabihf ;;
      *)     die "no cross compiler known for $GOARCH" ;;
    esac
    command -v "$triplet-gcc" >/dev/null || die "cross compiler $triplet-gcc missing (apt-get install gcc-$triplet)"
    printf '%s\n' "$triplet-gcc"
  fi
}
