# shellcheck shell=bash
# What every lab script shares (lab/host/lib.sh and lab/build/lib.sh build on it; scripts outside
# lab/ may source it too). Source it; do not run it.
#
#   LAB_DIR        this folder (lab/)
#   LAB_CACHE      cache root: $K0SMOTRON_FLEET_CACHE, default ~/.cache/k0smotron-fleet
#   LAB_LOG_TAG    the name in front of every message (default "lab"); set it after sourcing

# shellcheck disable=SC2034  # used by the scripts that source this file
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034
LAB_CACHE=${K0SMOTRON_FLEET_CACHE:-$HOME/.cache/k0smotron-fleet}
LAB_LOG_TAG=${LAB_LOG_TAG:-lab}

# log MESSAGE...: one line on stderr, "[TAG HH:MM:SS] MESSAGE". die: the same with "error:", exit 1.
log() { printf '[%s %(%H:%M:%S)T] %s\n' "$LAB_LOG_TAG" -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# A TCP port on the loopback interface that nothing listens on (right now).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# pid_running PIDFILE: true when PIDFILE exists and names a live process.
pid_running() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# pid_stop PIDFILE: stop the process PIDFILE names (TERM, KILL after 10 s), then remove PIDFILE.
pid_stop() {
    local _
    if pid_running "$1"; then
        kill "$(cat "$1")" 2>/dev/null || true
        for _ in $(seq 50); do pid_running "$1" || break; sleep 0.2; done
        if pid_running "$1"; then kill -9 "$(cat "$1")" 2>/dev/null || true; fi
    fi
    rm -f "$1"
}

# usage_from_header SCRIPT: the comment block at the top of SCRIPT (after the #! line), as help.
usage_from_header() { awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$1"; }
