# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Builder: the StatefulSet ``kmc-X`` that runs ``k0s controller``.

Its selector is fixed (two labels derived from the name), so user labels can change freely; a hash
of everything the pods read is a pod-template annotation, so a change of configuration or
certificates rolls the pods and takes effect (k0s reads its file at start).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import hashlib

from ansible_collections.k0smotron.fleet.plugins.module_utils import _k0s as k0s
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _pod_security as pod_security
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _tuning as tuning
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._datastore import DATASOURCE_PLACEHOLDER
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._names import (
    common_labels,
    config_name,
    metadata,
    secret_names,
    selector_labels,
    workload_name,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._settings import DATASOURCE_KEY, service_ports

CONFIG_HASH_ANNOTATION = "k0smotron.fleet/config-hash"
DATA_DIR = "/var/lib/k0s"
CONFIG_DIR = "/etc/k0s"
PKI_SOURCE_DIR = "/run/k0smotron-fleet/pki"


# The controller's start: the config file with the data source URL put in from the environment
# (k0s does not expand variables; awk's index/substr copy the URL literally, whatever it holds),
# then k0s. Runs under the image's tini, as the image's entrypoint passes its arguments on.
START_SCRIPT = r"""set -eu
template=${K0S_CONFIG_TEMPLATE:-/etc/k0s/k0s.yaml}
config=${K0S_CONFIG_FILE:-/run/k0smotron-fleet/k0s.yaml}
mkdir -p "$(dirname "$config")"
if [ -n "${KINE_DATASOURCE_URL:-}" ]; then
  awk -v placeholder="$PLACEHOLDER" '{
    at = index($0, placeholder)
    if (at > 0) { $0 = substr($0, 1, at - 1) ENVIRON["KINE_DATASOURCE_URL"] substr($0, at + length(placeholder)) }
    print
  }' "$template" > "$config"
else
  cp "$template" "$config"
fi
chmod 0600 "$config"
exec "${K0S_BINARY:-k0s}" controller --config="$config" "$@"
"""

# k0s keeps the CA and service-account files it finds and makes every leaf certificate from
# them at each start; it needs them writable in its data dir, so they are copied, not mounted.
PKI_COPY_SCRIPT = r"""set -eu
mkdir -p /var/lib/k0s/pki
rm -f /var/lib/k0s/pki/server.crt /var/lib/k0s/pki/server.key
for file in ca.crt ca.key front-proxy-ca.crt front-proxy-ca.key sa.pub sa.key; do
  cp "/run/k0smotron-fleet/pki/$file" "/var/lib/k0s/pki/$file"
done
chmod 0600 /var/lib/k0s/pki/*.key
"""

# The same for a hardened pod, whose root has no CAP_DAC_OVERRIDE: cp takes the projected files'
# mode 0400, so overwriting them at the next start is refused ("can't create
# '/var/lib/k0s/pki/ca.crt': Permission denied", seen on the lab at the first pod restart). Each
# file is removed first (the directory is root's) and given its mode. Pods at level none keep the
# script above, so that their template, and the running control plane, do not change.
HARDENED_PKI_COPY_SCRIPT = r"""set -eu
mkdir -p /var/lib/k0s/pki
cd /var/lib/k0s/pki
rm -f server.crt server.key
for file in ca.crt ca.key front-proxy-ca.crt front-proxy-ca.key sa.pub sa.key; do
  rm -f "$file"
  cp "/run/k0smotron-fleet/pki/$file" "$file"
done
chmod 0644 ca.crt front-proxy-ca.crt sa.pub
chmod 0600 ca.key front-proxy-ca.key sa.key
"""

# The API answers /readyz only to authenticated clients (k0s turns anonymous access off); k0s's
# own admin kubeconfig in the pod asks it, so the pod is Ready as soon as the API serves.
READY_COMMAND = ["k0s", "kubectl", "--request-timeout=4s", "get", "--raw=/readyz"]
LIVE_COMMAND = ["k0s", "kubectl", "--request-timeout=9s", "get", "--raw=/livez"]


def _pki_volume(names):
    def project(secret, items):
        return {"secret": {"name": secret, "items": [{"key": k, "path": p} for k, p in items]}}
    return {"name": "pki-source", "projected": {"defaultMode": 0o400, "sources": [
        project(names["ca"], (("tls.crt", "ca.crt"), ("tls.key", "ca.key"))),
        project(names["proxy"], (("tls.crt", "front-proxy-ca.crt"), ("tls.key", "front-proxy-ca.key"))),
        project(names["sa"], (("tls.crt", "sa.pub"), ("tls.key", "sa.key"))),
    ]}}


def _data_volume(persistence):
    kind = persistence["type"]
    if kind == "hostPath":
        return {"name": "data", "hostPath": {"path": persistence["host_path"], "type": "DirectoryOrCreate"}}
    if kind == "emptyDir":
        return {"name": "data", "emptyDir": {}}
    return None  # pvc: a claim template named "data"


def _claim_template(persistence):
    template = copy.deepcopy(persistence["persistent_volume_claim"] or {})
    claim_spec = template.get("spec") or template
    if "spec" not in template:
        template = {"spec": claim_spec}
    claim_spec.setdefault("accessModes", ["ReadWriteOnce"])
    template["metadata"] = {"name": "data"}
    template.setdefault("apiVersion", "v1")
    template.setdefault("kind", "PersistentVolumeClaim")
    return template


def statefulset(cluster, namespace, spec, owner, config_hash, datastore_secret_name=None):
    names = secret_names(cluster)
    image = "%s:%s" % (spec["image"], k0s.image_tag(spec["version"]))
    ports = service_ports(spec)
    env = []
    if datastore_secret_name:
        env.append({"name": "KINE_DATASOURCE_URL", "valueFrom": {"secretKeyRef": {
            "name": datastore_secret_name, "key": DATASOURCE_KEY}}})
    env.append({"name": "PLACEHOLDER", "value": DATASOURCE_PLACEHOLDER})
    env.extend(tuning.controller_env(spec))
    data_mount = {"name": "data", "mountPath": DATA_DIR}
    controller = {
        "name": "controller",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": ["/bin/sh", "-c", START_SCRIPT, "k0s-controller"] + tuning.controller_flags(spec)
        + list(spec.get("control_plane_flags") or []),
        "env": env,
        "ports": [{"name": "api", "containerPort": ports["api"], "protocol": "TCP"},
                  {"name": "konnectivity", "containerPort": ports["konnectivity"], "protocol": "TCP"}],
        "readinessProbe": {"exec": {"command": READY_COMMAND}, "periodSeconds": 3, "timeoutSeconds": 5,
                           "failureThreshold": 3, "successThreshold": 1},
        "livenessProbe": {"exec": {"command": LIVE_COMMAND}, "initialDelaySeconds": 120, "periodSeconds": 20,
                          "timeoutSeconds": 10, "failureThreshold": 6},
        "volumeMounts": [data_mount, {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}],
    }
    if tuning.resources(spec):
        controller["resources"] = tuning.resources(spec)
    controller["volumeMounts"].extend(pod_security.writable_mounts(spec))
    controller["env"].extend(pod_security.container_env(spec))
    init = {
        "name": "pki",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["/bin/sh", "-c", HARDENED_PKI_COPY_SCRIPT if pod_security.hardened(spec) else PKI_COPY_SCRIPT],
        "volumeMounts": [data_mount, {"name": "pki-source", "mountPath": PKI_SOURCE_DIR, "readOnly": True}],
    }
    for container in (init, controller):
        pod_security.secure_container(spec, container)
    volumes = [{"name": "config", "configMap": {"name": config_name(cluster)}}, _pki_volume(names)]
    data_volume = _data_volume(spec["persistence"])
    if data_volume:
        volumes.append(data_volume)
    volumes.extend(pod_security.writable_volumes(spec))
    pod_labels = common_labels(cluster, spec)
    annotations = dict(spec.get("annotations") or {})
    annotations[CONFIG_HASH_ANNOTATION] = config_hash
    pod_spec = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "initContainers": [init],
        "containers": [controller],
        "volumes": volumes,
        "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
            "weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                                               "labelSelector": {"matchLabels": selector_labels(cluster)}}}]}},
    }
    pod_security.secure_pod(spec, pod_spec)
    if spec.get("node_selector"):
        pod_spec["nodeSelector"] = dict(spec["node_selector"])
    if spec.get("tolerations"):
        pod_spec["tolerations"] = copy.deepcopy(spec["tolerations"])
    if spec.get("priority_class_name"):
        pod_spec["priorityClassName"] = spec["priority_class_name"]
    sts_spec = {
        "replicas": spec["replicas"],
        "serviceName": workload_name(cluster),
        "podManagementPolicy": "Parallel",
        "selector": {"matchLabels": selector_labels(cluster)},
        "template": {"metadata": {"labels": pod_labels, "annotations": annotations}, "spec": pod_spec},
    }
    if spec["persistence"]["type"] == "pvc":
        sts_spec["volumeClaimTemplates"] = [_claim_template(spec["persistence"])]
        when = "Delete" if spec["persistence"].get("auto_delete_pvcs") else "Retain"
        sts_spec["persistentVolumeClaimRetentionPolicy"] = {"whenDeleted": when, "whenScaled": "Retain"}
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": metadata(workload_name(cluster), namespace, cluster, spec, owner), "spec": sts_spec}


def config_hash(*parts):
    """A short hash of what the pods read at start; a new value rolls them."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else str(part).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]
