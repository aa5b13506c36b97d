#!/usr/bin/env bash
# make demo: the main job on the local lab. Brings the lab up, runs playbooks/site.yml with the
# lab's inventory (a native hosted control plane, the edge hosts joined to it), then
# playbooks/status.yml's table; each phase timed. Run it again: the second site.yml changes nothing.
# Needs ansible on PATH with this checkout as k0smotron.fleet (the Makefile sees to it).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

phase_names=(); phase_secs=()
phase() {  # NAME COMMAND...
    local name=$1 start rc=0; shift
    printf '\n[demo] === %s ===\n' "$name" >&2
    start=$(date +%s)
    "$@" || rc=$?
    phase_names+=("$name"); phase_secs+=($(( $(date +%s) - start )))
    printf '[demo] %s: %ss%s\n' "$name" "${phase_secs[-1]}" "$( (( rc == 0 )) || printf ' (FAILED, exit %d)' "$rc")" >&2
    return "$rc"
}

phase "lab up" "$here/lab.sh" up
eval "$("$here/lab.sh" paths)"
export ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_FORCE_COLOR=${ANSIBLE_FORCE_COLOR:-0}
cd "$repo"
phase "site.yml" ansible-playbook -i "$INVENTORY" playbooks/site.yml
phase "status.yml" ansible-playbook -i "$INVENTORY" playbooks/status.yml

printf '\n[demo] phases:\n' >&2
for i in "${!phase_names[@]}"; do printf '[demo]   %-12s %5ss\n' "${phase_names[$i]}" "${phase_secs[$i]}" >&2; done
printf '[demo] the lab keeps running: make lab-status, make lab-down; kubeconfig %s\n' "$KUBECONFIG" >&2
