#!/usr/bin/env bash
# A second real kube-apiserver on the loopback interface that plays a *hosted* cluster's API,
# started from the certificate authorities and service-account keys the native engine made
# (read back from its Secrets), as k0s would start one from them:
#
#   hosted.sh up NAME PKI_DIR    start it (no-op when up); prints "PORT" on stdout
#   hosted.sh port               a free port on the loopback interface, for HOSTED_PORT
#   hosted.sh down NAME          stop it and remove its state
#
# HOSTED_PORT chooses the port (a free one otherwise): a test can aim a module at the address
# before anything listens there, as at a node port just allocated.
#
# PKI_DIR holds ca.crt ca.key front-proxy-ca.crt front-proxy-ca.key sa.pub sa.key. The serving
# certificate and the controller manager's client certificate are signed here by that CA.
# Bootstrap-token authentication is on, anonymous access off (as k0s sets it), and a
# kube-controller-manager runs the token cleaner, so expired bootstrap tokens are deleted for real.
# It shares the management tier's etcd (apiserver.sh) under its own key prefix.
set -euo pipefail

KUBE_APISERVER=${KUBE_APISERVER:?set KUBE_APISERVER to the kube-apiserver binary}
KUBE_CONTROLLER_MANAGER=${KUBE_CONTROLLER_MANAGER:?set KUBE_CONTROLLER_MANAGER to the kube-controller-manager binary}
STATE_DIR=${STATE_DIR:?set STATE_DIR to the management tier state (apiserver.sh)}

# shellcheck source=lab/lib.sh
. "$(cd "$(dirname "$0")/../.." && pwd)/lab/lib.sh"   # log, free_port, pid_running, pid_stop
LAB_LOG_TAG=hosted

running() { pid_running "$1/$2.pid"; }

stop() {
  local dir=$1 name
  for name in controller-manager apiserver; do
    pid_stop "$dir/$name.pid"
  done
}

up() {
  local name=${1:?usage: hosted.sh up NAME PKI_DIR} source=${2:?usage: hosted.sh up NAME PKI_DIR}
  local dir=$STATE_DIR/hosted-$name pki port etcd_port start
  if running "$dir" apiserver && running "$dir" controller-manager; then cat "$dir/port"; return 0; fi
  stop "$dir"
  rm -rf "$dir"; mkdir -p "$dir/pki"; chmod 0700 "$dir"
  pki=$dir/pki
  for file in ca.crt ca.key front-proxy-ca.crt front-proxy-ca.key sa.pub sa.key; do
    [[ -s $source/$file ]] || { log "missing $source/$file"; exit 2; }
    install -m 0600 "$source/$file" "$pki/$file"
  done
  (
    cd "$pki"; umask 077
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout server.key -out server.csr 2>/dev/null
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -out server.crt \
      -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth') 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=hosted-controller-manager" \
      -keyout kcm.key -out kcm.csr 2>/dev/null
    openssl x509 -req -in kcm.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -out kcm.crt \
      -extfile <(printf 'extendedKeyUsage=clientAuth') 2>/dev/null
  )
  port=${HOSTED_PORT:-$(free_port)}; etcd_port=$(cat "$STATE_DIR/etcd.port"); start=$(date +%s)
  echo "$port" > "$dir/port"
  log "starting hosted kube-apiserver '$name' on https://127.0.0.1:$port"
  "$KUBE_APISERVER" --etcd-servers "http://127.0.0.1:$etcd_port" --etcd-prefix "/hosted-$name" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$port" \
    --tls-cert-file "$pki/server.crt" --tls-private-key-file "$pki/server.key" \
    --client-ca-file "$pki/ca.crt" --anonymous-auth=false --enable-bootstrap-token-auth \
    --authorization-mode Node,RBAC \
    --requestheader-client-ca-file "$pki/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc --service-cluster-ip-range 10.97.0.0/16 \
    --enable-priority-and-fairness=false > "$dir/apiserver.log" 2>&1 &
  echo $! > "$dir/apiserver.pid"
  cat > "$dir/kcm.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: hosted, cluster: {server: "https://127.0.0.1:$port", certificate-authority: "$pki/ca.crt"}}]
users: [{name: kcm, user: {client-certificate: "$pki/kcm.crt", client-key: "$pki/kcm.key"}}]
contexts: [{name: hosted, context: {cluster: hosted, user: kcm}}]
current-context: hosted
EOF
  chmod 0600 "$dir/kcm.kubeconfig"
  local waited=0
  until curl -fsS --cacert "$pki/ca.crt" --cert "$pki/kcm.crt" --key "$pki/kcm.key" \
      "https://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    if ! running "$dir" apiserver; then log "kube-apiserver exited:"; tail -n 20 "$dir/apiserver.log" >&2; exit 1; fi
    if (( waited >= 120 )); then log "not ready after ${waited}s"; tail -n 20 "$dir/apiserver.log" >&2; exit 1; fi
    (( waited % 10 == 0 )) && log "waiting for /readyz (${waited}s so far)"
    sleep 1; waited=$((waited + 1))
  done
  log "starting kube-controller-manager (token cleaner)"
  "$KUBE_CONTROLLER_MANAGER" --kubeconfig "$dir/kcm.kubeconfig" --controllers tokencleaner \
    --leader-elect=false --secure-port 0 > "$dir/controller-manager.log" 2>&1 &
  echo $! > "$dir/controller-manager.pid"
  log "ready in $(( $(date +%s) - start ))s"
  echo "$port"
}

down() {
  local name=${1:?usage: hosted.sh down NAME}
  stop "$STATE_DIR/hosted-$name"
  rm -rf "${STATE_DIR:?}/hosted-$name"
  log "'$name' down, state removed"
}

case "${1:-}" in
  up) shift; up "$@" ;;
  port) free_port ;;
  down) shift; down "$@" ;;
  *) echo "usage: $0 up NAME PKI_DIR | port | down NAME" >&2; exit 2 ;;
esac
