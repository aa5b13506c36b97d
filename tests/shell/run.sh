#!/usr/bin/env bash
# Runs every tests/shell/test_*.sh (tests of the Makefile and the lab scripts), each in its
# own process, and says which failed. `make script-tests` runs it; so does `make test`.
#
#   tests/shell/run.sh [test_name.sh...]     (no argument: all)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# A make that runs this must not leak its flags into the makes the tests run.
unset MAKEFLAGS MFLAGS MAKELEVEL

if (($#)); then tests=("$@"); else tests=("$here"/test_*.sh); fi
failed=()
start=$SECONDS
for t in "${tests[@]}"; do
    [[ $t == */* ]] || t=$here/$t
    name=$(basename "$t")
    t0=$SECONDS
    if bash "$t" 2>&1 | sed "s/^/  [$name] /"; then
        echo "[script-tests] PASS $name ($((SECONDS - t0))s)"
    else
        echo "[script-tests] FAIL $name ($((SECONDS - t0))s)"
        failed+=("$name")
    fi
done
if ((${#failed[@]})); then
    echo "[script-tests] ${#failed[@]} of ${#tests[@]} failed: ${failed[*]} ($((SECONDS - start))s)"
    exit 1
fi
echo "[script-tests] all ${#tests[@]} passed in $((SECONDS - start))s"
