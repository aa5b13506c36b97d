#!/usr/bin/env bash
# A real Kubernetes API server (kube-apiserver + etcd, built from Go modules by lab/build) on the
# loopback interface, for the modules' API-level integration tests.
#
#   apiserver.sh up      start it (no-op when already up); prints the kubeconfig path
#   apiserver.sh down    stop it and remove its state
#   apiserver.sh status  say whether it is up
#
# It stands in for the management cluster's API: kube-apiserver, and kube-controller-manager
# running the garbage collector only (so ownerReferences cascade for real, and no other
# controller touches what the tests set up), no nodes, no k0smotron operator. State lives in
# $STATE_DIR (default: the cache, keyed by checkout).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
CACHE=${K0SMOTRON_FLEET_CACHE:-$HOME/.cache/k0smotron-fleet}
STATE_DIR=${STATE_DIR:-$CACHE/apiserver-$(printf '%s' "$repo" | sha256sum | cut -c1-12)}
KUBE_APISERVER=${KUBE_APISERVER:?set KUBE_APISERVER to the kube-apiserver binary}
ETCD=${ETCD:?set ETCD to the etcd binary}
KUBE_CONTROLLER_MANAGER=${KUBE_CONTROLLER_MANAGER:-}

# shellcheck source=lab/lib.sh
. "$repo/lab/lib.sh"   # log, free_port, pid_running, pid_stop
LAB_LOG_TAG=apiserver

running() { pid_running "$STATE_DIR/$1.pid"; }

certificates() {
  local pki=$STATE_DIR/pki
  [[ -f $pki/complete ]] && return 0
  log "making a CA and certificates in $pki"
  rm -rf "$pki"; mkdir -p "$pki"; chmod 0700 "$pki"
  (
    cd "$pki"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=k0smotron-fleet-test-ca" \
      -keyout ca.key -out ca.crt 2>/dev/null
    issue() {  # name subject [extensions]
      openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
        ${3:+-extfile <(printf '%s' "$3")} -out "$1.crt" 2>/dev/null
    }
    issue apiserver "/CN=kube-apiserver" \
      "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
    issue admin "/O=system:masters/CN=fleet-admin" "extendedKeyUsage=clientAuth"
    # A user with no rights at all, for the RBAC tests.
    issue nobody "/CN=fleet-nobody" "extendedKeyUsage=clientAuth"
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    touch complete
  )
}

kubeconfig() {  # user file
  local pki=$STATE_DIR/pki port
  port=$(cat "$STATE_DIR/apiserver.port")
  (
    umask 077
    cat > "$2" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: $1
  user:
    client-certificate-data: $(base64 -w0 "$pki/$1.crt")
    client-key-data: $(base64 -w0 "$pki/$1.key")
contexts:
- name: test
  context: {cluster: test, user: $1}
current-context: test
EOF
  )
}

up() {
  mkdir -p "$STATE_DIR"; chmod 0700 "$STATE_DIR"
  if running etcd && running apiserver; then
    log "already up"; echo "$STATE_DIR/admin.kubeconfig"; return 0
  fi
  down_processes
  certificates
  local start etcd_port peer_port api_port
  start=$(date +%s)
  etcd_port=$(free_port); peer_port=$(free_port); api_port=$(free_port)
  echo "$api_port" > "$STATE_DIR/apiserver.port"
  echo "$etcd_port" > "$STATE_DIR/etcd.port"
  rm -rf "$STATE_DIR/etcd"
  log "starting etcd on 127.0.0.1:$etcd_port"
  "$ETCD" --data-dir "$STATE_DIR/etcd" --name test \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "test=http://127.0.0.1:$peer_port" --log-level warn \
    > "$STATE_DIR/etcd.log" 2>&1 &
  echo $! > "$STATE_DIR/etcd.pid"
  local pki=$STATE_DIR/pki
  log "starting kube-apiserver on https://127.0.0.1:$api_port"
  "$KUBE_APISERVER" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --authorization-mode RBAC \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc --service-cluster-ip-range 10.96.0.0/16 \
    --enable-priority-and-fairness=false \
    > "$STATE_DIR/apiserver.log" 2>&1 &
  echo $! > "$STATE_DIR/apiserver.pid"
  kubeconfig admin "$STATE_DIR/admin.kubeconfig"
  kubeconfig nobody "$STATE_DIR/nobody.kubeconfig"
  local waited=0
  until curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
      "https://127.0.0.1:$api_port/readyz" >/dev/null 2>&1; do
    if ! running apiserver; then
      log "kube-apiserver exited; the end of its log:"; tail -n 20 "$STATE_DIR/apiserver.log" >&2; exit 1
    fi
    if (( waited >= 120 )); then log "not ready after ${waited}s"; tail -n 20 "$STATE_DIR/apiserver.log" >&2; exit 1; fi
    (( waited % 10 == 0 )) && log "waiting for /readyz (${waited}s so far)"
    sleep 1; waited=$((waited + 1))
  done
  if [[ -n $KUBE_CONTROLLER_MANAGER ]]; then
    log "starting kube-controller-manager (garbage collector only)"
    "$KUBE_CONTROLLER_MANAGER" --kubeconfig "$STATE_DIR/admin.kubeconfig" --controllers garbagecollector \
      --leader-elect=false --secure-port 0 > "$STATE_DIR/controller-manager.log" 2>&1 &
    echo $! > "$STATE_DIR/controller-manager.pid"
  fi
  log "ready in $(( $(date +%s) - start ))s"
  echo "$STATE_DIR/admin.kubeconfig"
}

down_processes() {
  local name hosted
  # Hosted API servers the tests started (hosted.sh) go first.
  for hosted in "$STATE_DIR"/hosted-*/; do
    [[ -d $hosted ]] || continue
    for name in controller-manager apiserver; do
      if [[ -f $hosted/$name.pid ]]; then kill "$(cat "$hosted/$name.pid")" 2>/dev/null || true; fi
    done
  done
  for name in controller-manager apiserver etcd; do
    pid_stop "$STATE_DIR/$name.pid"
  done
}

down() {
  down_processes
  rm -rf "$STATE_DIR"
  log "down, state removed"
}

status() {
  if running etcd && running apiserver; then echo "up: $STATE_DIR/admin.kubeconfig"; else echo "down"; return 1; fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
