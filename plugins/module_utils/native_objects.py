# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Kubernetes objects of a hosted k0s control plane, as the native engine makes them.

Pure functions: from a control plane's settings (``spec``, the options as the anchor records
them) and what was found in the cluster (Service address, CA material), they return the
objects to server-side apply. For cluster ``X`` in namespace ``N``:

====================  ==================  ===============================================
object                name                holds
====================  ==================  ===============================================
ConfigMap (anchor)    ``kmc-X``           the declared settings; owner of everything else
Secret                ``X-ca``            cluster CA (``tls.crt``/``tls.key``)
Secret                ``X-proxy``         front-proxy CA
Secret                ``X-sa``            service-account key pair (``tls.crt`` = public key)
Secret                ``X-datastore``     kine data source URL, when given inline
ConfigMap             ``kmc-X-config``    ``k0s.yaml`` (the URL only as a placeholder)
Service               ``kmc-X``           ports ``api`` and ``konnectivity``
StatefulSet           ``kmc-X``           ``k0s controller`` pods
Secret                ``X-kubeconfig``    admin kubeconfig (key ``value``), by ``kubeconfig``
====================  ==================  ===============================================

The StatefulSet's selector is fixed (two labels derived from the name), so user labels can
change freely; a hash of everything the pods read is a pod-template annotation, so a change of
configuration or certificates rolls the pods and takes effect (k0s reads its file at start).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy
import hashlib
import json

from ansible_collections.k0smotron.fleet.plugins.module_utils import k0s
from ansible_collections.k0smotron.fleet.plugins.module_utils.errors import FleetError

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML comes with ansible-core
    yaml = None

MANAGED_BY = "k0smotron.fleet"
CLUSTER_LABEL = "k0smotron.fleet/cluster"
COMPONENT_LABEL = "app.kubernetes.io/component"
ANCHOR_COMPONENT = "hosted-control-plane"
CONFIG_HASH_ANNOTATION = "k0smotron.fleet/config-hash"
SPEC_KEY = "spec.json"
K0S_CONFIG_KEY = "k0s.yaml"
DATASOURCE_KEY = "K0SMOTRON_KINE_DATASOURCE_URL"  # the key k0smotron reads too, so Secrets serve both
DATASOURCE_PLACEHOLDER = "__K0SMOTRON_FLEET_KINE_DATASOURCE__"
DATA_DIR = "/var/lib/k0s"
CONFIG_DIR = "/etc/k0s"
PKI_SOURCE_DIR = "/run/k0smotron-fleet/pki"
CLUSTER_DOMAIN = "cluster.local"
_NAME_LIMIT = 63

# Settings and their defaults: what a control plane is when an option was never given.
DEFAULTS = {
    "version": None,
    "replicas": 1,
    "image": k0s.DEFAULT_IMAGE_REPOSITORY,
    "external_address": None,
    "service": {"type": "ClusterIP", "api_port": 30443, "konnectivity_port": 30132},
    "persistence": {"type": "emptyDir", "host_path": None, "persistent_volume_claim": None,
                    "auto_delete_pvcs": False},
    "storage": {"type": "kine", "kine_data_source_secret_name": None},
    "k0s_config": {},
    "resources": {},
    "node_selector": {},
    "tolerations": [],
    "priority_class_name": None,
    "control_plane_flags": [],
    "pki": {"key_type": "rsa", "key_size": 2048, "ca_validity_days": 3650},
    "labels": {},
    "annotations": {},
}


# --- names --------------------------------------------------------------------------------------

def object_name(pattern, cluster):
    name = pattern % cluster
    if len(name) > _NAME_LIMIT:
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:5]
        name = "%s-%s" % (name[:_NAME_LIMIT - 6], digest)
    return name


def anchor_name(cluster):
    return object_name("kmc-%s", cluster)


def workload_name(cluster):
    """The Service and the StatefulSet."""
    return object_name("kmc-%s", cluster)


def config_name(cluster):
    return object_name("kmc-%s-config", cluster)


def secret_names(cluster):
    return {
        "ca": object_name("%s-ca", cluster),
        "proxy": object_name("%s-proxy", cluster),
        "sa": object_name("%s-sa", cluster),
        "datastore": object_name("%s-datastore", cluster),
        "kubeconfig": object_name("%s-kubeconfig", cluster),
    }


def selector_labels(cluster):
    """The StatefulSet's selector: fixed at creation, so it holds nothing a user can change."""
    return {"app.kubernetes.io/name": "k0s", CLUSTER_LABEL: cluster}


def common_labels(cluster, spec):
    labels = dict(spec.get("labels") or {})
    labels.update(selector_labels(cluster))
    labels.update({"app.kubernetes.io/managed-by": MANAGED_BY, "app.kubernetes.io/instance": cluster})
    return labels


def anchor_selector():
    return "%s=%s,app.kubernetes.io/managed-by=%s" % (COMPONENT_LABEL, ANCHOR_COMPONENT, MANAGED_BY)


# --- settings -----------------------------------------------------------------------------------

# Settings given whole (a new value replaces the old); the other dict settings merge key by key.
FREE_FORM = ("k0s_config", "resources", "node_selector", "labels", "annotations")


def merge_settings(recorded, given):
    """The settings to apply: defaults, overlaid by what the anchor recorded, by the options given.

    An option left out keeps the value the control plane has (so a run that omits ``storage``
    never switches the datastore); a sub-option left out of a given dict keeps its value too.
    """
    settings = copy.deepcopy(DEFAULTS)
    for source in (recorded or {}, given):
        for key, value in source.items():
            if key not in settings or value is None:
                continue
            if isinstance(settings[key], dict) and key not in FREE_FORM:
                for sub, sub_value in value.items():
                    if sub_value is not None:
                        settings[key][sub] = copy.deepcopy(sub_value)
            else:
                settings[key] = copy.deepcopy(value)
    return settings


def recorded_settings(anchor):
    """The settings stored in an anchor ConfigMap, or None."""
    text = ((anchor or {}).get("data") or {}).get(SPEC_KEY)
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise FleetError(
            "ConfigMap '%s' does not hold readable settings." % (anchor.get("metadata") or {}).get("name"),
            hint="It is the control plane's anchor; restore it from a backup, or delete the control plane.")


def uses_external_datastore(spec):
    return bool((spec.get("storage") or {}).get("kine_data_source_secret_name"))


def endpoint_host(spec, cluster, namespace):
    """The host workers and clients reach the API at: the external address, else the Service name."""
    return spec.get("external_address") or "%s.%s.svc" % (workload_name(cluster), namespace)


def api_url(spec, cluster, namespace):
    host = endpoint_host(spec, cluster, namespace)
    if ":" in host:  # an IPv6 address
        host = "[%s]" % host
    return "https://%s:%d" % (host, spec["service"]["api_port"])


def endpoint_from_config(config_map, cluster, namespace):
    """The API URL a control plane's k0s configuration (ConfigMap ``kmc-X-config``) gives workers."""
    text = ((config_map or {}).get("data") or {}).get(K0S_CONFIG_KEY)
    if not text:
        return None
    api = (yaml.safe_load(text).get("spec") or {}).get("api") or {}
    spec = {"external_address": api.get("externalAddress"), "service": {"api_port": api.get("port") or 6443}}
    return api_url(spec, cluster, namespace)


# --- objects ------------------------------------------------------------------------------------

def _meta(name, namespace, cluster, spec, owner=None, labels=None):
    meta = {"name": name, "namespace": namespace, "labels": dict(labels or common_labels(cluster, spec))}
    if owner:
        meta["ownerReferences"] = [owner]
    return meta


def owner_reference(anchor):
    """Everything is owned by the anchor, so deleting it deletes the control plane (garbage collection)."""
    meta = anchor["metadata"]
    # A dry run (check mode) of a new anchor may come back without a uid.
    uid = meta.get("uid") or "00000000-0000-0000-0000-000000000000"
    return {"apiVersion": "v1", "kind": "ConfigMap", "name": meta["name"], "uid": uid,
            "controller": True, "blockOwnerDeletion": True}


def anchor(cluster, namespace, spec):
    """The ConfigMap that stands for the control plane: its settings, and the owner of its objects."""
    labels = common_labels(cluster, spec)
    labels[COMPONENT_LABEL] = ANCHOR_COMPONENT
    meta = _meta(anchor_name(cluster), namespace, cluster, spec, labels=labels)
    if spec.get("annotations"):
        meta["annotations"] = dict(spec["annotations"])
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
            "data": {SPEC_KEY: json.dumps(spec, sort_keys=True, indent=1)}}


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def key_pair_secret(name, namespace, cluster, spec, owner, cert_pem, key_pem):
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": _meta(name, namespace, cluster, spec, owner),
            "data": {"tls.crt": _b64(cert_pem), "tls.key": _b64(key_pem)}}


def datastore_secret(name, namespace, cluster, spec, owner, url):
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": _meta(name, namespace, cluster, spec, owner),
            "data": {DATASOURCE_KEY: _b64(url.encode("utf-8"))}}


def service(cluster, namespace, spec, owner):
    svc = spec["service"]
    ports = []
    for port_name, key in (("api", "api_port"), ("konnectivity", "konnectivity_port")):
        port = {"name": port_name, "port": svc[key], "targetPort": port_name, "protocol": "TCP"}
        if svc["type"] == "NodePort":
            # k0s tells workers to use api.port and konnectivity.agentPort: the node ports must equal them.
            port["nodePort"] = svc[key]
        ports.append(port)
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": _meta(workload_name(cluster), namespace, cluster, spec, owner),
            "spec": {"type": svc["type"], "selector": selector_labels(cluster), "ports": ports}}


# Fields of the ClusterConfig the module sets from its options; k0s_config must leave them out.
OWNED_K0S_FIELDS = (("api", "port"), ("api", "externalAddress"), ("api", "sans"), ("konnectivity", "agentPort"),
                    ("storage",))
_MISSING = object()


def _deep_merge(base, override):
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _lookup(tree, path):
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return _MISSING
        tree = tree[key]
    return tree


def _owned_conflicts(user, owned):
    """The owned fields the user's k0s_config sets to something else than the module does."""
    found = []
    for path in OWNED_K0S_FIELDS:
        value = _lookup(user, path)
        if value is not _MISSING and value != _lookup(owned, path):
            found.append("spec." + ".".join(path))
    return found


def sans(cluster, namespace, spec, cluster_ip):
    name = workload_name(cluster)
    names = [name, "%s.%s" % (name, namespace), "%s.%s.svc" % (name, namespace),
             "%s.%s.svc.%s" % (name, namespace, CLUSTER_DOMAIN), "localhost", "127.0.0.1"]
    for extra in (spec.get("external_address"), cluster_ip):
        if extra and extra != "None" and extra not in names:
            names.append(extra)
    return names


def k0s_cluster_config(cluster, namespace, spec, cluster_ip):
    """The ClusterConfig k0s starts with: the user's ``k0s_config`` with the module's fields over it."""
    user = copy.deepcopy(spec.get("k0s_config") or {})
    if "spec" in user or "apiVersion" in user or "kind" in user:
        user = user.get("spec") or {}
    api = {"port": spec["service"]["api_port"], "sans": sans(cluster, namespace, spec, cluster_ip)}
    if spec.get("external_address"):
        api["externalAddress"] = spec["external_address"]
    storage = {"type": "kine"}
    if uses_external_datastore(spec):
        storage["kine"] = {"dataSource": DATASOURCE_PLACEHOLDER}
    owned = {"api": api, "konnectivity": {"agentPort": spec["service"]["konnectivity_port"]}, "storage": storage}
    conflicts = _owned_conflicts(user, owned)
    if conflicts:
        raise FleetError(
            "k0s_config sets %s, which the module sets from its options." % ", ".join(sorted(conflicts)),
            hint="Remove them from k0s_config: the options external_address, service.api_port, "
                 "service.konnectivity_port and storage set them.")
    base = {"telemetry": {"enabled": False}}
    config_spec = _deep_merge(_deep_merge(base, user), owned)
    return {"apiVersion": "k0s.k0sproject.io/v1beta1", "kind": "ClusterConfig",
            "metadata": {"name": "k0s", "namespace": "kube-system"}, "spec": config_spec}


def render_k0s_config(cluster_config):
    """``k0s.yaml``'s text. The data source placeholder is double-quoted, so that any URL put in its
    place stays one YAML string (URLs with quotes, backslashes or line breaks are refused earlier)."""
    text = yaml.safe_dump(cluster_config, default_flow_style=False, sort_keys=True)
    return text.replace(": %s\n" % DATASOURCE_PLACEHOLDER, ': "%s"\n' % DATASOURCE_PLACEHOLDER)


def config_map(cluster, namespace, spec, owner, cluster_config_text):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": _meta(config_name(cluster), namespace, cluster, spec, owner),
            "data": {K0S_CONFIG_KEY: cluster_config_text}}


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
    svc = spec["service"]
    env = []
    if datastore_secret_name:
        env.append({"name": "KINE_DATASOURCE_URL", "valueFrom": {"secretKeyRef": {
            "name": datastore_secret_name, "key": DATASOURCE_KEY}}})
    env.append({"name": "PLACEHOLDER", "value": DATASOURCE_PLACEHOLDER})
    data_mount = {"name": "data", "mountPath": DATA_DIR}
    controller = {
        "name": "controller",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": ["/bin/sh", "-c", START_SCRIPT, "k0s-controller"] + list(spec.get("control_plane_flags") or []),
        "env": env,
        "ports": [{"name": "api", "containerPort": svc["api_port"], "protocol": "TCP"},
                  {"name": "konnectivity", "containerPort": svc["konnectivity_port"], "protocol": "TCP"}],
        "readinessProbe": {"exec": {"command": READY_COMMAND}, "periodSeconds": 3, "timeoutSeconds": 5,
                           "failureThreshold": 3, "successThreshold": 1},
        "livenessProbe": {"exec": {"command": LIVE_COMMAND}, "initialDelaySeconds": 120, "periodSeconds": 20,
                          "timeoutSeconds": 10, "failureThreshold": 6},
        "volumeMounts": [data_mount, {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}],
    }
    if spec.get("resources"):
        controller["resources"] = copy.deepcopy(spec["resources"])
    init = {
        "name": "pki",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["/bin/sh", "-c", PKI_COPY_SCRIPT],
        "volumeMounts": [data_mount, {"name": "pki-source", "mountPath": PKI_SOURCE_DIR, "readOnly": True}],
    }
    volumes = [{"name": "config", "configMap": {"name": config_name(cluster)}}, _pki_volume(names)]
    data_volume = _data_volume(spec["persistence"])
    if data_volume:
        volumes.append(data_volume)
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
            "metadata": _meta(workload_name(cluster), namespace, cluster, spec, owner), "spec": sts_spec}


def config_hash(*parts):
    """A short hash of what the pods read at start; a new value rolls them."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else str(part).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]
