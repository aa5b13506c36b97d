#!/usr/bin/env bash
# What a hosted control plane's pods use on the lab's management node: the private resident memory
# (RssAnon: heap and stacks, not the file pages of mapped binaries, which the kernel can drop)
# of each process, summed by program, read from /proc inside the node (the processes of a pod are
# those in its cgroup).
#
#   lab/lab.sh footprint [CLUSTER...]     default: every native control plane of the lab's namespace
#   lab/lab.sh footprint --json CLUSTER   one JSON object per pod, for the benchmark
#
# Read-only; root (podman). The lab must be up (lab/lab.sh up). Run through lab/lab.sh, which says
# which node and namespace (LAB_MGMT, LAB_NAMESPACE).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/host/lib.sh
. "$here/host/lib.sh"
LAB_LOG_TAG=footprint
MGMT=${LAB_MGMT:?run it as lab/lab.sh footprint}
NAMESPACE=${LAB_NAMESPACE:?run it as lab/lab.sh footprint}
in_node() { local node=$1; shift; podman exec -i "$node" "$@"; }

json=
if [[ ${1:-} == --json ]]; then json=1; shift; fi
need_root
podman container exists "$MGMT" || die "the lab is down (lab/lab.sh up)"

clusters=("$@")
if (( ${#clusters[@]} == 0 )); then
    mapfile -t clusters < <(in_node "$MGMT" k0s kubectl get configmaps -n "$NAMESPACE" \
        -l app.kubernetes.io/component=hosted-control-plane -o 'jsonpath={range .items[*]}{.metadata.labels.k0smotron\.fleet/cluster}{"\n"}{end}')
fi
(( ${#clusters[@]} )) || die "no native control plane in namespace $NAMESPACE"

# In the node: for each pod UID given, every process whose cgroup names the pod, "uid pid rss_kib comm".
read_processes() {
    # shellcheck disable=SC2016  # expanded by the node's shell, not here
    in_node "$MGMT" sh -c '
        for dir in /proc/[0-9]*; do
            pid=${dir#/proc/}
            cgroup=$(cat "$dir/cgroup" 2>/dev/null) || continue
            for uid in "$@"; do
                under=$(printf %s "$uid" | tr - _)
                case $cgroup in
                    *pod$uid*|*pod$under*)
                        rss=$(awk "/^RssAnon:/ {print \$2}" "$dir/status" 2>/dev/null)
                        comm=$(cat "$dir/comm" 2>/dev/null)
                        [ -n "$rss" ] && echo "$uid $pid $rss $comm" ;;
                esac
            done
        done' sh "$@"
}

for cluster in "${clusters[@]}"; do
    pods=$(in_node "$MGMT" k0s kubectl get pods -n "$NAMESPACE" -l "k0smotron.fleet/cluster=$cluster" \
        -o 'jsonpath={range .items[*]}{.metadata.name} {.metadata.uid}{"\n"}{end}')
    [[ -n $pods ]] || { log "$cluster: no pods"; continue; }
    while read -r pod uid; do
        [[ -n $pod ]] || continue
        lines=$(read_processes "$uid")
        if [[ -n $json ]]; then
            printf '%s\n' "$lines" | awk -v cluster="$cluster" -v pod="$pod" '
                NF >= 4 { rss[$4] += $3; total += $3 }
                END {
                    printf "{\"cluster\": \"%s\", \"pod\": \"%s\", \"total_mib\": %.1f, \"processes_mib\": {", cluster, pod, total / 1024
                    sep = ""
                    for (name in rss) { printf "%s\"%s\": %.1f", sep, name, rss[name] / 1024; sep = ", " }
                    print "}}"
                }'
        else
            printf '%s/%s (%s):\n' "$cluster" "$pod" "$NAMESPACE"
            printf '%s\n' "$lines" | awk '
                NF >= 4 { rss[$4] += $3; total += $3 }
                END {
                    for (name in rss) printf "  %-26s %7.1f MiB\n", name, rss[name] / 1024 | "sort -k2 -nr"
                    close("sort -k2 -nr")
                    printf "  %-26s %7.1f MiB\n", "total (sum of RssAnon)", total / 1024
                }'
        fi
    done <<< "$pods"
done
