# shellcheck shell=bash
# Helpers for tests/shell/test_*.sh. Source it; do not run it.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck disable=SC2034  # used by the tests that source this file
CACHE=${K0SMOTRON_FLEET_CACHE:-$HOME/.cache/k0smotron-fleet}
TMP=$(mktemp -d)
trap 'rm -rf -- "$TMP"' EXIT

fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf 'ok: %s\n' "$*"; }
# make in the repository, quiet, without "Entering directory" lines
rmake() { make -s --no-print-directory -C "$REPO" "$@"; }
