#!/usr/bin/env bash
# The lab asks for the k0s release files of K0S_VERSION only (lab/lab.sh up, make demo), and for
# K0S_UPGRADE_VERSION's only with LAB_UPGRADE=1 (make e2e), naming those that are missing (without
# it, the upgrade version's are used when they are there already, never asked for); make test
# skips the end-to-end suite in one line when K0S_VERSION's are not there. Nothing starts: every
# lab command here stops at the artifacts (LAB_OFFLINE=1, a fresh artifacts folder).
# shellcheck source=tests/shell/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=lab/versions.env
. "$REPO/lab/versions.env"
export LAB_OFFLINE=1 K0SMOTRON_FLEET_ARTIFACTS=$TMP/artifacts
lab=$REPO/lab/lab.sh
binary() { printf '%s/%s/k0s-%s-%s' "$K0SMOTRON_FLEET_ARTIFACTS" "$1" "$1" "$GOARCH"; }

# fake_release VERSION: a stand-in binary and its sha256sums.txt, laid out as the release page is.
fake_release() {
    mkdir -p "$(dirname "$(binary "$1")")"
    printf '#!/bin/sh\necho %s\n' "$1" >"$(binary "$1")"
    (cd "$(dirname "$(binary "$1")")" && sha256sum --binary "k0s-$1-$GOARCH" >sha256sums.txt)
}

# Names K0S_VERSION's files and not the upgrade version's: OUTPUT WHAT
only_k0s_version() {
    grep -qF "$(binary "$K0S_VERSION")" <<<"$1" || fail "$2 does not name $(binary "$K0S_VERSION"): $1"
    [[ $1 != *"$K0S_UPGRADE_VERSION"* ]] || fail "$2 names $K0S_UPGRADE_VERSION, which only make e2e needs: $1"
}

for upgrade in 0 1; do
    if out=$(LAB_UPGRADE=$upgrade "$lab" artifacts 2>&1); then fail "lab.sh artifacts found k0s in an empty folder: $out"; fi
    only_k0s_version "$out" "lab.sh artifacts (LAB_UPGRADE=$upgrade, nothing there)"
done
ok "nothing there: lab.sh artifacts fails and names only $K0S_VERSION's files, LAB_UPGRADE=1 or not"

if [[ $(id -u) == 0 ]]; then
    if out=$(rmake demo 2>&1); then fail "make demo succeeded without k0s release files: $out"; fi
    only_k0s_version "$out" "make demo"
    grep -q 'nothing was started' <<<"$out" || fail "make demo does not say that nothing was started: $out"
    ok "make demo without release files stops before anything starts, naming only $K0S_VERSION's"
else
    ok "make demo not tried: it asks for root before it looks for artifacts"
fi

fake_release "$K0S_VERSION"
out=$("$lab" artifacts 2>"$TMP/err") || fail "lab.sh artifacts with $K0S_VERSION's files failed: $(cat "$TMP/err")"
[[ $out == "$K0S_VERSION $(binary "$K0S_VERSION")" ]] || fail "lab.sh artifacts says: $out"
[[ ! -e $K0SMOTRON_FLEET_ARTIFACTS/$K0S_UPGRADE_VERSION ]] || fail "without LAB_UPGRADE the lab looked for $K0S_UPGRADE_VERSION"
ok "$K0S_VERSION's files there: the lab uses them and does not look for $K0S_UPGRADE_VERSION"

out=$(LAB_UPGRADE=1 "$lab" artifacts 2>"$TMP/err") || fail "LAB_UPGRADE=1 without the upgrade version failed: $(cat "$TMP/err")"
[[ $out == "$K0S_VERSION $(binary "$K0S_VERSION")" ]] || fail "LAB_UPGRADE=1 lab.sh artifacts says: $out"
grep -qF "$(binary "$K0S_UPGRADE_VERSION")" "$TMP/err" || fail "LAB_UPGRADE=1 does not name the missing $(binary "$K0S_UPGRADE_VERSION")"
grep -q 'upgrade test will say it was skipped' "$TMP/err" || fail "LAB_UPGRADE=1 does not say the upgrade test is skipped"
ok "LAB_UPGRADE=1 without $K0S_UPGRADE_VERSION's files: the lab runs, and names them: $(grep -F "$K0S_UPGRADE_VERSION" "$TMP/err" | head -n1)"

fake_release "$K0S_UPGRADE_VERSION"
out=$(LAB_UPGRADE=1 "$lab" artifacts 2>/dev/null) || fail "LAB_UPGRADE=1 with both versions failed"
[[ $out == "$K0S_VERSION $(binary "$K0S_VERSION")"$'\n'"$K0S_UPGRADE_VERSION $(binary "$K0S_UPGRADE_VERSION")" ]] \
    || fail "LAB_UPGRADE=1 with both versions says: $out"
ok "LAB_UPGRADE=1 with both: the lab carries $K0S_VERSION and $K0S_UPGRADE_VERSION"

out=$("$lab" artifacts 2>/dev/null) || fail "lab.sh artifacts with both versions failed"
[[ $out == "$K0S_VERSION $(binary "$K0S_VERSION")"$'\n'"$K0S_UPGRADE_VERSION $(binary "$K0S_UPGRADE_VERSION")" ]] \
    || fail "without LAB_UPGRADE, with both versions' files there, lab.sh artifacts says: $out"
ok "without LAB_UPGRADE, the upgrade version's files already there are carried too (a demo lab serves e2e)"

out=$(K0SMOTRON_FLEET_ARTIFACTS=$TMP/empty rmake e2e-if-artifacts 2>&1) || fail "make e2e-if-artifacts failed: $out"
[[ $out == "e2e: skipped: no k0s $K0S_VERSION release files in $TMP/empty (lab/artifacts.sh --expected lists them)" ]] \
    || fail "make e2e-if-artifacts without release files says: $out"
ok "make e2e-if-artifacts without release files: $out"
