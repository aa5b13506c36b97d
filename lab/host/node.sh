#!/usr/bin/env bash
# Lab nodes: privileged podman containers with systemd as PID 1 and sshd,
# each with its own address on the lab network, /var/lib/k0s and
# /var/lib/containerd on podman volumes (nested containerd cannot put its
# overlay snapshots on the container's overlay root).
#
#   node.sh create NAME [IMAGE]   start a node (idempotent), wait for systemd + sshd
#   node.sh ip NAME               print its address
#   node.sh ssh NAME [CMD...]     ssh in as root with the lab key
#   node.sh rm NAME               remove the container and its volumes
#   node.sh command NAME [IMAGE]  print the podman run command, run nothing
#   node.sh inventory             "NAME ansible_host=IP ..." for every running lab node
#
# IMAGE defaults to localhost/k0smotron-fleet/node:latest (build-node-image.sh).
# Env: LAB_NODE_IP=10.89.40.x for a fixed address. Without it podman picks a
# free one, which can change when the node is stopped and started again.
# Image archives go into a node by copy (podman cp ... NODE:/var/lib/k0s/images/): k0s
# chmods that folder at every start, so a read-only mount there stops k0s.
set -euo pipefail
# shellcheck source=lab/host/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { usage_from_header "${BASH_SOURCE[0]}"; exit 2; }

node_run_args() {
    local name=$1 image=$2 key
    key=$(lab_ssh_key)
    lab_node_flags
    RUN_ARGS=(
        run --detach --name "$name" --hostname "$name"
        --label k0smotron-fleet.lab=node
        --network "$LAB_NETWORK"
        ${LAB_NODE_IP:+--ip "$LAB_NODE_IP"}
        "${LAB_NODE_FLAGS[@]}"
        --volume "$name-k0s:/var/lib/k0s"
        --volume "$name-containerd:/var/lib/containerd"
        --volume "$key.pub:/etc/ssh/lab_authorized_keys:ro"
        "$image"
    )
}

node_ip() {
    podman inspect -f "{{ (index .NetworkSettings.Networks \"$LAB_NETWORK\").IPAddress }}" "$1"
}

wait_node() {
    local name=$1 state="" ip key
    for _ in $(seq 1 120); do
        state=$(podman exec "$name" systemctl is-system-running 2>/dev/null || true)
        [[ $state == running || $state == degraded ]] && break
        sleep 0.5
    done
    [[ $state == running || $state == degraded ]] \
        || die "$name: systemd did not come up (state '$state'); see: podman logs $name"
    [[ $state == degraded ]] && podman exec "$name" systemctl --failed --no-pager >&2
    log "$name: systemd $state"
    ip=$(node_ip "$name"); key=$(lab_ssh_key)
    for _ in $(seq 1 60); do
        if ssh_node "$name" true 2>/dev/null; then
            log "$name: sshd accepts the lab key at root@$ip"
            return 0
        fi
        sleep 0.5
    done
    die "$name: ssh root@$ip with $key failed"
}

ssh_node() {
    local name=$1; shift
    local -a o; mapfile -t o < <(lab_ssh_opts)
    # shellcheck disable=SC2029  # the command is meant to run on the node
    ssh "${o[@]}" "root@$(node_ip "$name")" "$@"
}

cmd=${1:-}; [[ -n $cmd ]] || usage
shift
case $cmd in
create)
    name=${1:?name}; image=${2:-$LAB_IMAGE_REPO/node:latest}
    need_root; need_cmd podman ssh ssh-keygen
    step "node $name"
    if podman container exists "$name"; then
        [[ $(podman inspect -f '{{.State.Running}}' "$name") == true ]] || podman start "$name" >/dev/null
        log "$name: exists"
    else
        ensure_network
        node_run_args "$name" "$image"
        log "podman ${RUN_ARGS[*]}"
        podman "${RUN_ARGS[@]}" >/dev/null
    fi
    step "wait for $name"
    wait_node "$name"
    finish
    ;;
command)
    name=${1:?name}; image=${2:-$LAB_IMAGE_REPO/node:latest}
    node_run_args "$name" "$image"
    printf 'podman'
    for a in "${RUN_ARGS[@]}"; do
        if [[ $a =~ ^[A-Za-z0-9_./:=,@+-]+$ ]]; then printf ' %s' "$a"; else printf ' %q' "$a"; fi
    done
    printf '\n'
    ;;
ip) node_ip "${1:?name}" ;;
inventory)
    key=$(lab_ssh_key)
    podman ps --filter label=k0smotron-fleet.lab=node --format '{{.Names}}' | sort | while read -r n; do
        printf '%s ansible_host=%s ansible_user=root ansible_ssh_private_key_file=%s\n' \
            "$n" "$(node_ip "$n")" "$key"
    done
    ;;
ssh) name=${1:?name}; shift; ssh_node "$name" "$@" ;;
rm)
    name=${1:?name}
    step "remove node $name"
    podman rm --force --time 10 --ignore "$name" >/dev/null
    podman volume rm --force "$name-k0s" "$name-containerd" >/dev/null 2>&1 || true
    finish
    ;;
*) usage ;;
esac
