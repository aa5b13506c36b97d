#!/usr/bin/env bash
# make demo: the main job on the local lab. Brings the lab up, runs playbooks/site.yml with the
# lab's inventory (a native hosted control plane, the edge hosts joined to it), then
# playbooks/status.yml's table; each phase timed. Run it again: the second site.yml changes nothing.
# Needs ansible on PATH with this checkout as k0smotron.fleet (the Makefile sees to it), and the
# k0s release files of K0S_VERSION (lab/versions.env) only: lab/artifacts.sh --expected.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/lib.sh
. "$here/lib.sh"
LAB_LOG_TAG=demo
repo=$(cd "$here/.." && pwd)

phase_names=(); phase_secs=()
phase() {  # NAME COMMAND...
    local name=$1 start rc=0; shift
    printf '\n' >&2; log "=== $name ==="
    start=$(date +%s)
    "$@" || rc=$?
    phase_names+=("$name"); phase_secs+=($(( $(date +%s) - start )))
    log "$name: ${phase_secs[-1]}s$( (( rc == 0 )) || printf ' (FAILED, exit %d)' "$rc")"
    return "$rc"
}

# The demo asks for K0S_VERSION's release files only: LAB_UPGRADE=1 (the upgrade test's too) is make e2e's.
phase "lab up" env LAB_UPGRADE=0 "$here/lab.sh" up
eval "$("$here/lab.sh" paths)"
export ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_FORCE_COLOR=${ANSIBLE_FORCE_COLOR:-0}
cd "$repo"
phase "site.yml" ansible-playbook -i "$INVENTORY" playbooks/site.yml
phase "status.yml" ansible-playbook -i "$INVENTORY" playbooks/status.yml

printf '\n' >&2; log "phases:"
for i in "${!phase_names[@]}"; do log "$(printf '  %-12s %5ss' "${phase_names[$i]}" "${phase_secs[$i]}")"; done
log "the lab keeps running: make lab-status, make lab-down; kubeconfig $KUBECONFIG"
