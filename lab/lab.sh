#!/usr/bin/env bash
# The local lab: a management cluster (a real k0s controller with a worker, in a node container)
# and edge hosts (node containers with systemd and sshd, k0s not installed: the worker role does
# that), on one podman network with fixed addresses, plus an inventory and a kubeconfig.
#
#   lab/lab.sh up        bring it up (a running lab is left as it is)
#   lab/lab.sh status    what runs, and the management cluster's nodes and pods
#   lab/lab.sh down      remove every container, volume and network the lab made
#   lab/lab.sh paths     the inventory and kubeconfig paths, as shell variables
#   lab/lab.sh artifacts the k0s release binaries `up` would use ("VERSION PATH" lines), or why not
#   lab/lab.sh footprint [--json] [CLUSTER...]  the memory of each process of hosted control planes' pods
#
# Environment: LAB_EDGE_HOSTS (default 2), LAB_NETWORK_POLICY (1, the default: NetworkPolicy
# enforced on the management node by kube-router's firewall; 0: not), K0SMOTRON_FLEET_ARTIFACTS
# (where k0s release files are looked for, see lab/artifacts.sh), LAB_OFFLINE=1 (never download),
# LAB_UPGRADE=1 (also carry K0S_UPGRADE_VERSION's k0s, which the end-to-end upgrade test starts
# from; make e2e sets it).
# The lab needs only K0S_VERSION's release files. The upgrade version's are looked for (downloaded,
# and named when missing: the lab runs without them) with LAB_UPGRADE=1 only; without it they are
# used when they are in the folder already, so that a lab made by make demo serves make e2e too.
#
# What no registry here can give is assembled from binaries: the k0s image of the hosted control
# planes from the k0s release binary, the system images (pause, kube-proxy, CoreDNS, konnectivity
# agent) from lab/build's Go-module builds. They reach the management node by k0s's airgap folder,
# and the edge hosts as an image bundle the worker role places (worker_airgap). The clusters use
# k0s's `custom` network provider with the bridge CNI plugin (kube-router cannot be built here).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/host/lib.sh
. "$here/host/lib.sh"
# shellcheck source=lab/artifacts.sh
. "$here/artifacts.sh"

LAB_STATE=$LAB_CACHE/lab
MGMT=fleet-mgmt
MGMT_IP=10.89.40.10
EDGE_COUNT=${LAB_EDGE_HOSTS:-2}
NAMESPACE=fleet
LAB_NETWORK_POLICY=${LAB_NETWORK_POLICY:-1}
KUBECONFIG_FILE=$LAB_STATE/management.kubeconfig
INVENTORY_FILE=$LAB_STATE/inventory.yml
MIRROR=$LAB_STATE/mirror
# The mirror is served on the loopback interface, as a site's release mirror would be; the
# controller downloads from it once per version and architecture into its own cache.
MIRROR_PORT=${LAB_MIRROR_PORT:-18470}
MIRROR_URL=http://127.0.0.1:$MIRROR_PORT
CONTROLLER_CACHE=$LAB_STATE/controller-cache
# Pod subnets: 10.244.<last octet of the node's address>.0/24, routed between the nodes.
POD_PREFIX=10.244

edge_name() { printf 'fleet-edge-%d' "$1"; }
edge_ip() { printf '10.89.40.%d' $((20 + $1)); }
node_sh() { "$here/host/node.sh" "$@"; }
in_node() { local n=$1; shift; podman exec -i "$n" "$@"; }
image_tag() { printf '%s' "${1//+/-}"; }
bin_dir() { "$here/build/build.sh" --plan "$1" 2>/dev/null | awk -v t="$1" '$1 == t {print $2}'; }

lab_nodes() { podman ps -a --filter label=k0smotron-fleet.lab=node --format '{{.Names}}' | grep '^fleet-' | sort || true; }

# The k0s versions the lab carries (in images and the mirror), in order, and each one's binary.
K0S_VERSIONS=()
declare -A K0S_BINARIES=()

require_artifacts() {
    step "k0s release artifacts"
    local rc=0 binary
    K0S_BINARY=$(artifact_k0s "$K0S_VERSION") || rc=$?
    if (( rc != 0 )); then
        artifacts_expected "$K0S_VERSION" >&2
        die "no k0s $K0S_VERSION release binary for this lab (see above); nothing was started"
    fi
    log "k0s $K0S_VERSION: $K0S_BINARY"
    K0S_VERSIONS=("$K0S_VERSION"); K0S_BINARIES[$K0S_VERSION]=$K0S_BINARY
    if [[ ${LAB_UPGRADE:-0} != 1 ]]; then
        artifact_present "$K0S_UPGRADE_VERSION" || return 0
        binary=$(LAB_OFFLINE=1 artifact_k0s "$K0S_UPGRADE_VERSION" 2>/dev/null) || return 0
        log "k0s $K0S_UPGRADE_VERSION: $binary (found; the upgrade test starts from it)"
        K0S_VERSIONS+=("$K0S_UPGRADE_VERSION"); K0S_BINARIES[$K0S_UPGRADE_VERSION]=$binary
        return 0
    fi
    rc=0; binary=$(artifact_k0s "$K0S_UPGRADE_VERSION") || rc=$?
    if (( rc == 0 )); then
        log "k0s $K0S_UPGRADE_VERSION: $binary (the upgrade test starts from it)"
        K0S_VERSIONS+=("$K0S_UPGRADE_VERSION"); K0S_BINARIES[$K0S_UPGRADE_VERSION]=$binary
    else
        artifacts_expected "$K0S_UPGRADE_VERSION" >&2
        log "LAB_UPGRADE=1 but no k0s $K0S_UPGRADE_VERSION release files (see above): the lab runs" \
            "without them, and the end-to-end upgrade test will say it was skipped"
    fi
}

build_components() {
    step "components from Go modules (cached by version)"
    "$here/build/build.sh" kubernetes pause coredns konnectivity cni-plugins kube-router
    KUBE_BIN=$(bin_dir kubernetes); PAUSE_BIN=$(bin_dir pause); COREDNS_BIN=$(bin_dir coredns)
    KONNECTIVITY_BIN=$(bin_dir konnectivity); CNI_BIN=$(bin_dir cni-plugins); KUBE_ROUTER_BIN=$(bin_dir kube-router)
}

build_images() {
    step "images from binaries"
    mkdir -p "$LAB_STATE"
    local list=$LAB_STATE/images.list version
    {
        printf '# Written by lab/lab.sh: the images the lab needs, from release and Go-module binaries.\n'
        for version in "${K0S_VERSIONS[@]}"; do
            printf 'quay.io/k0sproject/k0s:%s busybox %s:/usr/local/bin/k0s env=KUBECONFIG=/var/lib/k0s/pki/admin.conf\n' \
                "$(image_tag "$version")" "${K0S_BINARIES[$version]}"
        done
        printf '%s scratch %s/pause entrypoint=/pause\n' "$PAUSE_IMAGE" "$PAUSE_BIN"
        printf '%s debian-slim %s/kube-proxy\n' "$KUBE_PROXY_IMAGE" "$KUBE_BIN"
        printf '%s scratch %s/coredns entrypoint=/coredns user=65532:65532\n' "$COREDNS_IMAGE" "$COREDNS_BIN"
        printf '%s scratch %s/proxy-agent entrypoint=/proxy-agent user=65532:65532\n' \
            "$KONNECTIVITY_AGENT_IMAGE" "$KONNECTIVITY_BIN"
    } > "$list.new"
    mv "$list.new" "$list"
    LAB_IMAGES_OUT=$LAB_STATE/images "$here/images/build-images.sh" "$list"
}

# The edge hosts' "release mirror": the k0s binaries and an image bundle with the worker images,
# each listed in a sha256sums.txt, laid out as the release page is (the worker role reads it).
build_mirror() {
    step "release mirror for the edge hosts"
    local version binary dir bundle
    for version in "${K0S_VERSIONS[@]}"; do
        binary=${K0S_BINARIES[$version]}
        dir=$MIRROR/$version; mkdir -p "$dir"
        cmp -s "$binary" "$dir/k0s-$version-${GOARCH:-amd64}" || cp "$binary" "$dir/k0s-$version-${GOARCH:-amd64}"
        bundle=$dir/k0s-airgap-bundle-$version-linux-${GOARCH:-amd64}.tar
        if [[ ! -f $bundle || $LAB_STATE/images.list -nt $bundle ]]; then
            podman save --format docker-archive -m -o "$bundle.part" \
                "$PAUSE_IMAGE" "$KUBE_PROXY_IMAGE" "$COREDNS_IMAGE" "$KONNECTIVITY_AGENT_IMAGE" >/dev/null
            mv "$bundle.part" "$bundle"
        fi
        (cd "$dir" && sha256sum --binary "k0s-$version-${GOARCH:-amd64}" "$(basename "$bundle")" > sha256sums.txt)
    done
    mirror_serve
}

mirror_running() { pid_running "$LAB_STATE/mirror.pid"; }

mirror_serve() {
    mirror_running && return 0
    log "serving $MIRROR at $MIRROR_URL (log: $LAB_STATE/mirror.log)"
    nohup python3 -m http.server --bind 127.0.0.1 --directory "$MIRROR" "$MIRROR_PORT" \
        >> "$LAB_STATE/mirror.log" 2>&1 < /dev/null &
    echo $! > "$LAB_STATE/mirror.pid"
    local i
    for i in $(seq 1 50); do
        curl -fsS -o /dev/null "$MIRROR_URL/" 2>/dev/null && return 0
        sleep 0.1
    done
    die "the mirror did not start on $MIRROR_URL (port taken? set LAB_MIRROR_PORT); see $LAB_STATE/mirror.log (tried $i times)"
}

mirror_stop() { pid_stop "$LAB_STATE/mirror.pid"; }

# CNI: the plugins and a bridge network with this node's pod subnet.
node_cni() {
    local name=$1 ip=$2 octet
    octet=${ip##*.}
    in_node "$name" mkdir -p /opt/cni/bin /etc/cni/net.d
    local plugin
    for plugin in bridge host-local loopback portmap; do
        in_node "$name" test -x "/opt/cni/bin/$plugin" || podman cp "$CNI_BIN/$plugin" "$name:/opt/cni/bin/$plugin"
    done
    printf '%s\n' '{"cniVersion": "1.0.0", "name": "lab", "plugins": [' \
        "{\"type\": \"bridge\", \"bridge\": \"cni0\", \"isGateway\": true, \"ipMasq\": true, \"hairpinMode\": true," \
        " \"ipam\": {\"type\": \"host-local\", \"ranges\": [[{\"subnet\": \"$POD_PREFIX.$octet.0/24\"}]]," \
        "  \"routes\": [{\"dst\": \"0.0.0.0/0\"}]}}," \
        ' {"type": "portmap", "capabilities": {"portMappings": true}}]}' \
        | in_node "$name" sh -c 'cat > /etc/cni/net.d/10-lab.conflist'
}

# Routes between the nodes' pod subnets (one podman network: every node is a neighbour).
node_routes() {
    local name other ip
    for name in $(lab_nodes); do
        for other in $(lab_nodes); do
            [[ $name == "$other" ]] && continue
            ip=$(node_sh ip "$other")
            in_node "$name" ip route replace "$POD_PREFIX.${ip##*.}.0/24" via "$ip"
        done
    done
}

management_up() {
    step "management node $MGMT ($MGMT_IP)"
    LAB_NODE_IP=$MGMT_IP node_sh create "$MGMT" >/dev/null
    node_cni "$MGMT" "$MGMT_IP"
    if in_node "$MGMT" systemctl is-active --quiet k0scontroller 2>/dev/null; then
        log "$MGMT: k0s runs"
    else
        step "k0s controller with a worker on $MGMT"
        in_node "$MGMT" mkdir -p /etc/k0s/containerd.d /var/lib/k0s/images
        podman cp "$K0S_BINARY" "$MGMT:/usr/local/bin/k0s"
        local archive
        for archive in "$LAB_STATE"/images/*.tar; do
            podman cp "$archive" "$MGMT:/var/lib/k0s/images/$(basename "$archive")"
        done
        containerd_drop_in | in_node "$MGMT" sh -c 'cat > /etc/k0s/containerd.d/restrict-oom.toml'
        cat <<EOF | in_node "$MGMT" sh -c 'cat > /etc/k0s/k0s.yaml'
apiVersion: k0s.k0sproject.io/v1beta1
kind: ClusterConfig
metadata:
  name: k0s
spec:
  api:
    address: $MGMT_IP
    sans: [$MGMT_IP]
  network:
    provider: custom
  telemetry:
    enabled: false
  workerProfiles:
$(worker_profile_yaml "    ")
EOF
        in_node "$MGMT" k0s install controller --enable-worker --no-taints --ignore-pre-flight-checks \
            --config /etc/k0s/k0s.yaml --profile lab --disable-components metrics-server
        in_node "$MGMT" systemctl start k0scontroller
    fi
    step "management cluster ready"
    local waited=0
    until in_node "$MGMT" k0s kubectl get nodes "$MGMT" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' \
            2>/dev/null | grep -q True; do
        (( waited % 15 == 0 )) && log "waiting for node $MGMT to be Ready (${waited}s so far, up to 600s)"
        (( waited >= 600 )) && die "$MGMT not Ready after ${waited}s: podman exec $MGMT journalctl -u k0scontroller"
        sleep 3; waited=$((waited + 3))
    done
    mkdir -p "$LAB_STATE"; chmod 0700 "$LAB_STATE"
    local admin="" tries
    for tries in 1 2 3 4 5 6 7 8 9 10; do
        admin=$(in_node "$MGMT" k0s kubeconfig admin 2>/dev/null </dev/null) && [[ -n $admin ]] && break
        log "k0s kubeconfig admin did not answer yet (try $tries of 10)"; sleep 3
    done
    [[ -n $admin ]] || die "no admin kubeconfig from $MGMT: podman exec $MGMT k0s kubeconfig admin"
    (umask 077; printf '%s\n' "$admin" | sed "s#server: https://[^:]*:6443#server: https://$MGMT_IP:6443#" \
        > "$KUBECONFIG_FILE.new")
    mv "$KUBECONFIG_FILE.new" "$KUBECONFIG_FILE"
    in_node "$MGMT" sh -c "k0s kubectl create namespace $NAMESPACE --dry-run=client -o yaml | k0s kubectl apply -f -" \
        >/dev/null
    log "management cluster: $KUBECONFIG_FILE, namespace $NAMESPACE"
    management_network_policy
}

# NetworkPolicy in force on the management node: kube-router's firewall part alone, as a systemd
# service of the node (no routing, no service proxy: the bridge plugin and kube-proxy keep those),
# so that the policy beside each control plane closes what it closes, as it would on a platform
# team's cluster. LAB_NETWORK_POLICY=0 leaves it out (NetworkPolicies are then stored, not enforced).
NETWORK_POLICY_UNIT=lab-network-policy
network_policy_unit() {
    printf '%s\n' '[Unit]' \
        "Description=lab: NetworkPolicy enforced on this node (kube-router $LAB_KUBE_ROUTER_VERSION, firewall only)" \
        'After=k0scontroller.service' '' '[Service]' \
        "ExecStart=/usr/local/bin/kube-router --run-firewall=true --run-router=false --run-service-proxy=false --kubeconfig=/var/lib/k0s/pki/admin.conf --hostname-override=$MGMT --health-port=0 --metrics-port=0" \
        'Restart=always' 'RestartSec=5' '' '[Install]' 'WantedBy=multi-user.target'
}

management_network_policy() {
    local unit=/etc/systemd/system/$NETWORK_POLICY_UNIT.service changed=0
    if [[ $LAB_NETWORK_POLICY != 1 ]]; then
        in_node "$MGMT" systemctl disable --now "$NETWORK_POLICY_UNIT" >/dev/null 2>&1 || true
        log "network policy: not enforced (LAB_NETWORK_POLICY=0)"
        return 0
    fi
    if ! in_node "$MGMT" cmp -s /usr/local/bin/kube-router - < "$KUBE_ROUTER_BIN/kube-router"; then
        podman cp "$KUBE_ROUTER_BIN/kube-router" "$MGMT:/usr/local/bin/kube-router"; changed=1
    fi
    if ! network_policy_unit | in_node "$MGMT" cmp -s "$unit" -; then
        network_policy_unit | in_node "$MGMT" sh -c "cat > $unit"; changed=1
        in_node "$MGMT" systemctl daemon-reload
    fi
    in_node "$MGMT" systemctl enable "$NETWORK_POLICY_UNIT" >/dev/null 2>&1
    if (( changed )); then in_node "$MGMT" systemctl restart "$NETWORK_POLICY_UNIT"
    else in_node "$MGMT" systemctl start "$NETWORK_POLICY_UNIT"; fi
    log "network policy: enforced by kube-router $LAB_KUBE_ROUTER_VERSION on $MGMT (unit $NETWORK_POLICY_UNIT)"
}

containerd_drop_in() {
    # No CAP_SYS_RESOURCE here: containerd must not try to lower OOM scores (lab/host/README.md).
    printf '%s\n' 'version = 3' "[plugins.'io.containerd.cri.v1.runtime']" '  restrict_oom_score_adj = true'
}

worker_profile_yaml() {  # INDENT
    printf '%s- name: lab\n%s  values:\n%s    failCgroupV1: false\n' "$1" "$1" "$1"
    printf '%s    evictionHard: {nodefs.available: "1%%", imagefs.available: "1%%", memory.available: "50Mi"}\n' "$1"
    printf '%s    imageGCHighThresholdPercent: 100\n' "$1"
}

edges_up() {
    local i name ip
    for i in $(seq 1 "$EDGE_COUNT"); do
        name=$(edge_name "$i"); ip=$(edge_ip "$i")
        step "edge host $name ($ip)"
        LAB_NODE_IP=$ip node_sh create "$name" >/dev/null
        node_cni "$name" "$ip"
    done
    step "routes between the nodes' pod subnets"
    node_routes
}

write_inventory() {
    step "inventory"
    local i key
    key=$(lab_ssh_key)
    {
        cat <<EOF
---
# Written by lab/lab.sh up: the lab's fleet. One hosted control plane (native engine) on the
# management node, the edge hosts joining it.
all:
  vars:
    ansible_user: root
    ansible_ssh_private_key_file: $key
    ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
    ansible_python_interpreter: /usr/bin/python3
    control_plane_namespace: $NAMESPACE
    control_plane_management_kubeconfig: $KUBECONFIG_FILE
    worker_cluster_namespace: $NAMESPACE
    worker_management_kubeconfig: $KUBECONFIG_FILE
    # The lab's release mirror (the binary and an image bundle, served on loopback): the controller
    # downloads from it once per version and architecture into its own cache.
    worker_k0s_download_base_url: $MIRROR_URL
    worker_k0s_cache_dir: $CONTROLLER_CACHE
    worker_airgap: true
    worker_profile: lab
    worker_install_extra_args: [--ignore-pre-flight-checks]
    worker_containerd_drop_ins:
      restrict-oom: |
$(containerd_drop_in | sed 's/^/        /')
    control_plane_defaults:
      version: "{{ lab_k0s_version | default('$K0S_VERSION') }}"
      external_address: $MGMT_IP
      service:
        type: NodePort
      control_plane_flags: [--disable-components=metrics-server]
      k0s_config:
        network:
          provider: custom
        workerProfiles:
$(worker_profile_yaml "          ")
    control_plane_clusters:
      - name: demo-1
        persistence: {type: hostPath, host_path: /var/lib/k0smotron-fleet/$NAMESPACE/demo-1}
  children:
    workers:
      vars:
        worker_cluster: demo-1
      hosts:
EOF
        for i in $(seq 1 "$EDGE_COUNT"); do
            printf '        %s: {ansible_host: %s}\n' "$(edge_name "$i")" "$(edge_ip "$i")"
        done
    } > "$INVENTORY_FILE.new"
    mv "$INVENTORY_FILE.new" "$INVENTORY_FILE"
    log "inventory: $INVENTORY_FILE"
}

cmd_up() {
    need_root
    require_artifacts
    step "host tools and podman"
    "$here/host/setup.sh" >/dev/null
    build_components
    step "node image"
    "$here/images/build-node-image.sh" >/dev/null
    build_images
    build_mirror
    management_up
    edges_up
    write_inventory
    finish
    printf 'KUBECONFIG=%s\nINVENTORY=%s\n' "$KUBECONFIG_FILE" "$INVENTORY_FILE"
}

cmd_status() {
    local -a nodes
    mapfile -t nodes < <(lab_nodes)
    if (( ${#nodes[@]} == 0 )); then echo "lab: down (no lab node)"; return 1; fi
    podman ps -a --filter label=k0smotron-fleet.lab=node --format '{{.Names}}\t{{.Status}}' | grep '^fleet-' || true
    if podman container exists "$MGMT"; then
        in_node "$MGMT" k0s kubectl get nodes -o wide 2>/dev/null || echo "management cluster: not answering"
        in_node "$MGMT" k0s kubectl get pods -A 2>/dev/null || true
    fi
    [[ -f $INVENTORY_FILE ]] && printf 'inventory: %s\nkubeconfig: %s\n' "$INVENTORY_FILE" "$KUBECONFIG_FILE"
    if mirror_running; then echo "mirror: $MIRROR_URL"; else echo "mirror: not served (lab/lab.sh up serves it)"; fi
    podman stats --no-stream --format '{{.Name}} {{.MemUsage}}' "${nodes[@]}" 2>/dev/null || true
}

cmd_down() {
    need_root
    step "remove the lab's nodes, volumes and network"
    local name
    for name in $(lab_nodes); do node_sh rm "$name" >/dev/null; done
    if podman network exists "$LAB_NETWORK" && [[ -z $(podman ps -a --filter "network=$LAB_NETWORK" -q) ]]; then
        podman network rm "$LAB_NETWORK" >/dev/null
    fi
    mirror_stop
    rm -f "$INVENTORY_FILE" "$KUBECONFIG_FILE"
    finish
}

case ${1:-} in
up) cmd_up ;;
status) cmd_status ;;
down) cmd_down ;;
paths) printf 'INVENTORY=%s\nKUBECONFIG=%s\n' "$INVENTORY_FILE" "$KUBECONFIG_FILE" ;;
footprint) shift; LAB_MGMT=$MGMT LAB_NAMESPACE=$NAMESPACE exec "$here/footprint.sh" "$@" ;;
artifacts)
    require_artifacts
    for version in "${K0S_VERSIONS[@]}"; do printf '%s %s\n' "$version" "${K0S_BINARIES[$version]}"; done ;;
*) usage_from_header "${BASH_SOURCE[0]}"; exit 2 ;;
esac
