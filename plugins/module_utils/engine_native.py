# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``native`` engine: hosted control planes made by the collection itself.

No operator and rights in one namespace only: the modules create every object of the control
plane (see ``native_objects``) with server-side apply, make its certificate authorities
(``pki``), and talk to the hosted cluster's own API for tokens and health (``k0s`` formats).
Each public function is what one module does with this engine: ``cluster``, ``cluster_info``,
``kubeconfig``, ``join_token``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import hashlib
import ipaddress
import os
import re

from ansible_collections.k0smotron.fleet.plugins.module_utils import k0s
from ansible_collections.k0smotron.fleet.plugins.module_utils import native_objects as objects
from ansible_collections.k0smotron.fleet.plugins.module_utils import pki
from ansible_collections.k0smotron.fleet.plugins.module_utils.args import (
    default_token_name,
    parse_go_duration,
    validate_dns_label,
    validate_dns_subdomain,
    validate_k0s_version,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils.client import (
    CONFIGMAP,
    EVENT,
    NODE,
    POD,
    SECRET,
    SERVICE,
    STATEFULSET,
    ManagementClient,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils.errors import FleetError, WaitTimeout
from ansible_collections.k0smotron.fleet.plugins.module_utils.files import (
    remove_file,
    secret_file_state,
    write_secret_file,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils.k8s_state import (
    describe_events,
    describe_pods,
    hidden_secret,
    statefulset_rollout,
    strip_volatile,
)

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML comes with ansible-core
    yaml = None

# Options that only the k0smotron engine understands (they are k0smotron Cluster fields).
K0SMOTRON_ONLY = ("patches", "manifests", "mounts", "certificate_refs", "spec")
ADMIN_USER = "k0smotron-fleet-admin"
ADMIN_GROUPS = ("system:masters",)
# The module's own view of the hosted API lives this long; it is never stored.
PROBE_CERT_SECONDS = 600
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}"
                       r"[a-zA-Z0-9])?)*$")
_URL_FORBIDDEN = ('"', "\\", "\n", "\r")


# --- validation ---------------------------------------------------------------------------------

def _is_address(value):
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return bool(_HOSTNAME.match(value))


def given_settings(params):
    """The settings the options give, in the anchor's shape; None where an option was left out."""
    storage = params.get("storage")
    given = {
        "version": k0s.release(params["version"]) if params.get("version") else None,
        "replicas": params.get("replicas"),
        "image": params.get("image"),
        "external_address": params.get("external_address"),
        "service": params.get("service"),
        "persistence": params.get("persistence"),
        "storage": ({"type": storage.get("type"),
                     "kine_data_source_secret_name": storage.get("kine_data_source_secret_name")}
                    if storage else None),
        "k0s_config": params.get("k0s_config"),
        "resources": params.get("resources"),
        "node_selector": params.get("node_selector"),
        "tolerations": params.get("tolerations"),
        "priority_class_name": params.get("priority_class_name"),
        "control_plane_flags": params.get("control_plane_flags"),
        "pki": params.get("pki"),
        "labels": params.get("labels"),
        "annotations": params.get("annotations"),
    }
    return given


def validate_cluster_options(params):
    """What can be judged from the options alone, before any API call."""
    validate_dns_label("name", params["name"])
    validate_dns_label("namespace", params["namespace"])
    if params["state"] == "absent":
        return
    for option in K0SMOTRON_ONLY:
        if params.get(option):
            raise FleetError(
                "Option '%s' is a k0smotron Cluster field that the native engine does not have." % option,
                hint="Use engine: k0smotron for it, or drop the option (see the module's documentation for what "
                     "the native engine offers instead).")
    if params.get("version"):
        validate_k0s_version("version", params["version"])
    if params.get("replicas") is not None and params["replicas"] < 1:
        raise FleetError("replicas must be at least 1, got %d." % params["replicas"],
                         hint="Use state=absent to remove a control plane.")
    address = params.get("external_address")
    if address is not None and not _is_address(address):
        raise FleetError(
            "external_address '%s' is not a host name or an IP address." % address,
            hint="Give the address alone, without scheme or port (for example 192.0.2.10 or cp.example.com); "
                 "the port is service.api_port.")
    service = params.get("service") or {}
    for port in ("api_port", "konnectivity_port"):
        value = service.get(port)
        if value is not None and not 1 <= value <= 65535:
            raise FleetError("service.%s must be a port number (1-65535), got %d." % (port, value),
                             hint="NodePort services need a port in the cluster's node-port range, 30000-32767 "
                                  "by default.")
    if service.get("api_port") and service.get("api_port") == service.get("konnectivity_port"):
        raise FleetError("service.api_port and service.konnectivity_port are both %d." % service["api_port"],
                         hint="Give them different ports.")
    persistence = params.get("persistence") or {}
    kind = persistence.get("type")
    if kind == "hostPath" and not persistence.get("host_path"):
        raise FleetError("persistence.type=hostPath needs persistence.host_path.",
                         hint="Give the directory on the management node, for example /var/lib/k0smotron/NAME.")
    if kind == "pvc" and not persistence.get("persistent_volume_claim"):
        raise FleetError("persistence.type=pvc needs persistence.persistent_volume_claim.",
                         hint="Give the claim's spec, with resources.requests.storage at least.")
    if kind and kind != "hostPath" and persistence.get("host_path"):
        raise FleetError("persistence.host_path is given but persistence.type is %s." % kind,
                         hint="Set persistence.type: hostPath, or drop host_path.")
    if kind and kind != "pvc" and persistence.get("persistent_volume_claim"):
        raise FleetError("persistence.persistent_volume_claim is given but persistence.type is %s." % kind,
                         hint="Set persistence.type: pvc, or drop persistent_volume_claim.")
    storage = params.get("storage") or {}
    if storage.get("type") and storage["type"] != "kine":
        raise FleetError(
            "storage.type=%s is not offered by the native engine yet." % storage["type"],
            hint="Use storage.type: kine (SQLite in the pod for one replica, or an external PostgreSQL/MySQL "
                 "through kine_data_source_secret_name), or engine: k0smotron for etcd and NATS.")
    if storage.get("etcd"):
        raise FleetError("storage.etcd is a k0smotron engine option.", hint="Drop it, or use engine: k0smotron.")
    if storage.get("kine_data_source_secret_name"):
        validate_dns_subdomain("storage.kine_data_source_secret_name", storage["kine_data_source_secret_name"])
    if storage.get("kine_data_source_url") is not None:
        validate_datasource_url("storage.kine_data_source_url", storage["kine_data_source_url"])
    key = params.get("pki") or {}
    if key.get("key_type") or key.get("key_size"):
        key_type = key.get("key_type") or "rsa"
        pki.validate_key("pki", key_type, key.get("key_size") or (2048 if key_type == "rsa" else 256))
    if key.get("ca_validity_days") is not None and not 1 <= key["ca_validity_days"] <= 36500:
        raise FleetError("pki.ca_validity_days must be between 1 and 36500, got %d." % key["ca_validity_days"],
                         hint="The default, 3650 (ten years), is what k0s itself uses for its CAs.")


def validate_datasource_url(where, url):
    if "://" not in url:
        raise FleetError("%s is not a data source URL." % where,
                         hint="Write it as kine expects, for example postgres://USER:PASSWORD@HOST:5432/DB or "
                              "mysql://USER:PASSWORD@tcp(HOST:3306)/DB.")
    if any(c in url for c in _URL_FORBIDDEN):
        raise FleetError("%s holds a quote, a backslash or a line break, which the k0s configuration cannot "
                         "carry." % where,
                         hint="Percent-encode those characters in the URL (for example %22 for a quote).")


def validate_settings(spec, recorded):
    """What can be judged once the options are merged with the control plane's recorded settings."""
    if not spec.get("version"):
        raise FleetError(
            "version is required to create a control plane.",
            hint="Pin the control plane's k0s version, for example version: v1.36.3+k0s.0.")
    if spec["replicas"] > 1 and not objects.uses_external_datastore(spec):
        raise FleetError(
            "replicas=%d needs an external datastore: kine's SQLite lives in one pod." % spec["replicas"],
            hint="Set storage.kine_data_source_secret_name (a Secret with key %s holding a PostgreSQL or MySQL "
                 "URL), or use replicas: 1." % objects.DATASOURCE_KEY)
    if recorded and recorded.get("version"):
        problem = k0s.upgrade_problem(recorded["version"], spec["version"])
        if problem:
            raise FleetError(
                "Cannot change the control plane's version: %s." % problem,
                hint="Keep version %s, or restore the hosted cluster from a backup to go back." % recorded["version"]
                if "downgrade" in problem else "Upgrade one minor version per run (for example v1.35.x, then v1.36.x).")


# --- applying -----------------------------------------------------------------------------------

class Applier:
    """Server-side apply with change detection by dry run, check mode, diff, and change tracking."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.force = bool(module.params.get("force_conflicts"))
        self.diff_before = {}
        self.diff_after = {}
        self.changed = []

    def apply(self, resource, obj, current=None, secret=False):
        """Apply ``obj``; return the live (or, in check mode, predicted) object."""
        meta = obj["metadata"]
        planned = self.client.apply(resource, obj, dry_run=True, force=self.force)
        before, after = strip_volatile(current), strip_volatile(planned)
        if current is not None and before == after:
            return current
        label = "%s/%s" % (obj["kind"], meta["name"])
        self.changed.append(label)
        if secret:
            before, after = hidden_secret(before), hidden_secret(after)
        self.diff_before[label] = before or {}
        self.diff_after[label] = after
        if self.module.check_mode:
            return planned
        live = self.client.apply(resource, obj, force=self.force)
        self.module.made_changes = True
        return live


def _secret_bytes(secret, key):
    value = ((secret or {}).get("data") or {}).get(key)
    return base64.b64decode(value) if value else None


def ensure_key_material(client, name, namespace, kind, params_pki, protect):
    """The CA (or key pair) kept in Secret ``name``: the stored one, or a new one if there is none.

    A Secret that exists but does not hold a matching pair is an error, never replaced: a new
    CA would lock every joined worker out.
    """
    current = client.get(SECRET, name, namespace)
    cert, key = _secret_bytes(current, "tls.crt"), _secret_bytes(current, "tls.key")
    if current is not None:
        if not (cert and key and pki.key_matches(cert, key)):
            raise FleetError(
                "Secret '%s' in namespace '%s' does not hold a matching tls.crt and tls.key." % (name, namespace),
                hint="Restore it from a backup. It is never regenerated: a new CA would lock every joined worker "
                     "out. Delete the control plane to start over.")
        protect(key)
        return current, cert, key
    if kind == "sa":
        cert, key = pki.new_key_pair(params_pki["key_type"], params_pki["key_size"])
    else:
        common_name = {"ca": "kubernetes-ca", "proxy": "kubernetes-front-proxy-ca"}[kind]
        cert, key = pki.new_ca(common_name, params_pki["key_type"], params_pki["key_size"],
                               params_pki["ca_validity_days"])
    protect(key)
    return None, cert, key


def discover_external_address(module, client, spec, svc_live):
    """The address workers reach a NodePort or LoadBalancer Service at, when none was given."""
    kind = spec["service"]["type"]
    if spec.get("external_address") or kind == "ClusterIP":
        return spec.get("external_address")
    if kind == "LoadBalancer":
        if module.check_mode:
            return None

        def ingress_address(svc):
            for entry in ((svc or {}).get("status") or {}).get("loadBalancer", {}).get("ingress") or []:
                if entry.get("ip") or entry.get("hostname"):
                    return entry.get("ip") or entry.get("hostname")
            return None

        name, namespace = svc_live["metadata"]["name"], svc_live["metadata"]["namespace"]
        svc = module.waiter().until(
            "an address for LoadBalancer Service %s/%s" % (namespace, name),
            lambda: client.get(SERVICE, name, namespace),
            lambda s: (ingress_address(s) is not None, "address %s" % (ingress_address(s) or "not assigned yet")))
        return ingress_address(svc)
    try:
        nodes = client.list(NODE)
    except FleetError as exc:
        raise FleetError(
            "With service.type=NodePort and no external_address the address of a management node is needed, and "
            "it cannot be read: %s" % exc.msg,
            hint="Set external_address to the address workers reach the management nodes at (a node's address, "
                 "or a load balancer in front of them); listing nodes needs a cluster-wide right.")
    for wanted in ("ExternalIP", "InternalIP"):
        for node in sorted(nodes, key=lambda n: n["metadata"]["name"]):
            for address in (node.get("status") or {}).get("addresses") or []:
                if address.get("type") == wanted and address.get("address"):
                    return address["address"]
    raise FleetError("No management node has an address to expose the NodePort Service on.",
                     hint="Set external_address.")


def datastore_url(module, client, spec, namespace, given_url):
    """The kine data source URL (masked from everything), from the option or the Secret it names."""
    if given_url is not None:
        module.protect(given_url)
        return given_url
    name = (spec.get("storage") or {}).get("kine_data_source_secret_name")
    if not name:
        return None
    secret = client.get(SECRET, name, namespace)
    if secret is None:
        raise FleetError(
            "Secret '%s' (storage.kine_data_source_secret_name) does not exist in namespace '%s'." % (name, namespace),
            hint="Create it with key %s holding the data source URL, or give storage.kine_data_source_url."
                 % objects.DATASOURCE_KEY)
    raw = _secret_bytes(secret, objects.DATASOURCE_KEY)
    if not raw:
        raise FleetError(
            "Secret '%s' has no key %s." % (name, objects.DATASOURCE_KEY),
            hint="Put the data source URL under that key (the same key k0smotron reads).")
    url = raw.decode("utf-8", "replace")
    module.protect(url)
    validate_datasource_url("The URL in Secret '%s'" % name, url)
    return url


class ControlPlane:
    """One hosted control plane: its name, namespace, settings and objects."""

    def __init__(self, module, client, name, namespace):
        self.module = module
        self.client = client
        self.name = name
        self.namespace = namespace
        self.names = objects.secret_names(name)

    def anchor(self):
        return self.client.get(CONFIGMAP, objects.anchor_name(self.name), self.namespace)

    def statefulset(self):
        return self.client.get(STATEFULSET, objects.workload_name(self.name), self.namespace)

    def ca(self):
        """``(cert_pem, key_pem)`` of the cluster CA; an error naming the Secret if it is missing."""
        secret = self.client.get(SECRET, self.names["ca"], self.namespace)
        cert, key = _secret_bytes(secret, "tls.crt"), _secret_bytes(secret, "tls.key")
        if not (cert and key):
            raise FleetError(
                "The CA of control plane '%s' (Secret '%s' in namespace '%s') is missing."
                % (self.name, self.names["ca"], self.namespace),
                hint="Create the control plane first with k0smotron.fleet.cluster.")
        self.module.protect(key)
        return cert, key

    def endpoint(self):
        """The URL workers and kubeconfigs reach the hosted API at, as k0s was configured with it."""
        config_map = self.client.get(CONFIGMAP, objects.config_name(self.name), self.namespace)
        return objects.endpoint_from_config(config_map, self.name, self.namespace)

    def hosted_client(self, server=None, seconds=PROBE_CERT_SECONDS):
        """A client of the hosted cluster's own API, as an admin, with a short certificate kept in memory.

        It goes to ``hosted_api_url`` when given, else to ``server`` (else the endpoint)."""
        ca_cert, ca_key = self.ca()
        cert, key = pki.sign_client_cert(ca_cert, ca_key, ADMIN_USER, ADMIN_GROUPS, seconds=seconds)
        self.module.protect(key)
        server = self.module.params.get("hosted_api_url") or server or self.endpoint()
        config = k0s.kubeconfig(self.name, server, ca_cert, ADMIN_USER, k0s.client_cert_credentials(cert, key))
        return ManagementClient.from_kubeconfig(
            config, request_timeout=self.module.params.get("request_timeout") or 30,
            where="the hosted cluster %s" % self.name,
            unreachable_hint="Check that the control plane is ready and that %s is reachable from where the module "
                             "runs; hosted_api_url sets another address to reach it at." % server)


# --- cluster ------------------------------------------------------------------------------------

def cluster(module):
    """The ``cluster`` module: create, change or delete a native hosted control plane."""
    params = module.params
    validate_cluster_options(params)
    client = module.client
    plane = ControlPlane(module, client, params["name"], params["namespace"])
    anchor = plane.anchor()
    if params["state"] == "absent":
        return cluster_absent(module, plane, anchor)
    return cluster_present(module, plane, anchor)


def cluster_present(module, plane, anchor_live):
    params = module.params
    client = plane.client
    name, namespace = plane.name, plane.namespace
    recorded = objects.recorded_settings(anchor_live)
    spec = objects.merge_settings(recorded, given_settings(params))
    storage = params.get("storage") or {}
    given_url = storage.get("kine_data_source_url")
    if given_url is not None:
        spec["storage"]["kine_data_source_secret_name"] = plane.names["datastore"]
    validate_settings(spec, recorded)
    # Everything that can still be wrong is found before the first write: the datastore Secret,
    # the k0s configuration, a node address for NodePort.
    url = datastore_url(module, client, spec, namespace, given_url)
    objects.k0s_cluster_config(name, namespace, spec, None)
    found_address = None
    if spec["service"]["type"] != "LoadBalancer":
        found_address = discover_external_address(module, client, spec, None)

    applier = Applier(module, client)
    anchor_live = applier.apply(CONFIGMAP, objects.anchor(name, namespace, spec), anchor_live)
    owner = objects.owner_reference(anchor_live)

    svc_obj = objects.service(name, namespace, spec, owner)
    svc_live = applier.apply(SERVICE, svc_obj, client.get(SERVICE, svc_obj["metadata"]["name"], namespace))
    cluster_ip = (svc_live.get("spec") or {}).get("clusterIP")
    if spec["service"]["type"] == "LoadBalancer":
        found_address = discover_external_address(module, client, spec, svc_live)
    effective = dict(spec, external_address=found_address)

    material = {}
    for kind in ("ca", "proxy", "sa"):
        current, cert, key = ensure_key_material(client, plane.names[kind], namespace, kind, spec["pki"],
                                                 module.protect)
        applier.apply(SECRET, objects.key_pair_secret(plane.names[kind], namespace, name, spec, owner, cert, key),
                      current, secret=True)
        material[kind] = cert

    if given_url is not None:
        applier.apply(SECRET, objects.datastore_secret(plane.names["datastore"], namespace, name, spec, owner, url),
                      client.get(SECRET, plane.names["datastore"], namespace), secret=True)

    cluster_config = objects.k0s_cluster_config(name, namespace, effective, cluster_ip)
    config_text = objects.render_k0s_config(cluster_config)
    cm = objects.config_map(name, namespace, spec, owner, config_text)
    applier.apply(CONFIGMAP, cm, client.get(CONFIGMAP, cm["metadata"]["name"], namespace))

    digest = objects.config_hash(config_text, material["ca"], material["proxy"], material["sa"],
                                 hashlib.sha256((url or "").encode("utf-8")).hexdigest())
    sts_obj = objects.statefulset(name, namespace, spec, owner, digest,
                                  spec["storage"]["kine_data_source_secret_name"] if url else None)
    sts_current = plane.statefulset()
    generation_before = ((sts_current or {}).get("metadata") or {}).get("generation")
    sts_live = applier.apply(STATEFULSET, sts_obj, sts_current)
    rolled = sts_current is not None and STATEFULSET.kind + "/" + sts_obj["metadata"]["name"] in applier.changed
    if rolled and spec["persistence"]["type"] == "emptyDir" and not objects.uses_external_datastore(spec):
        module.warn(
            "Control plane '%s' keeps its state in an emptyDir: this change restarts its pods and loses the hosted "
            "cluster's data, Node objects included. Use persistence type hostPath or pvc for control planes that "
            "must keep their state." % name)

    result = dict(changed=bool(applier.changed), waited=0.0, changes=applier.changed,
                  external_address=found_address, api_endpoint=objects.api_url(effective, name, namespace),
                  kubeconfig_secret=plane.names["kubeconfig"], version=spec["version"], settings=spec)
    if module._diff and applier.changed:
        result["diff"] = dict(before=applier.diff_before, after=applier.diff_after)
    if module.check_mode or not params["wait"]:
        result.update(ready=False if module.check_mode else statefulset_rollout(sts_live)[0],
                      state="not waited for")
        return result

    sts_live, waiter = wait_rollout(module, plane, generation_before if rolled else None)
    result.update(waited=round(waiter.elapsed, 1), wait_progress=waiter.history, ready=True,
                  state="%d/%d control-plane replicas ready" % (spec["replicas"], spec["replicas"]))
    health = hosted_health(plane, nodes=recorded is not None and recorded.get("version") != spec["version"],
                           server=objects.api_url(effective, name, namespace))
    result["api"] = health
    warn_about_workers(module, spec, health)
    return result


def wait_rollout(module, plane, generation_before):
    waiter = module.waiter()
    last = {}

    def fetch():
        last["sts"] = plane.statefulset()
        return last["sts"]

    def check(sts):
        return statefulset_rollout(sts, generation_before)

    try:
        sts = waiter.until("control plane %s/%s to be ready" % (plane.namespace, plane.name), fetch, check)
    except WaitTimeout as exc:
        lines, details = diagnose(plane, last.get("sts"))
        exc.msg = "%s Diagnosis: %s." % (exc.msg, "; ".join(lines))
        exc.hint = "Raise wait_timeout if the management cluster is slow to pull the k0s image, or act on the " \
                   "diagnosis."
        exc.details.update(details)
        raise
    return sts, waiter


def diagnose(plane, sts):
    """What stands in the way, in words: missing objects, pods and their reasons, events."""
    client = plane.client
    lines = []
    if sts is None:
        lines.append("the StatefulSet %s does not exist" % objects.workload_name(plane.name))
    pods = describe_pods(client.list(POD, plane.namespace, label_selector=",".join(
        "%s=%s" % kv for kv in sorted(objects.selector_labels(plane.name).items()))))
    if sts is not None and not pods:
        lines.append("no control-plane pods exist yet (the StatefulSet controller has not made them: check quotas "
                     "and the events below)")
    for pod in pods:
        reasons = (": " + "; ".join(pod["reasons"])) if pod["reasons"] else ""
        lines.append("pod %s is %s%s" % (pod["name"], pod["phase"], reasons))
    names = set([objects.workload_name(plane.name)] + [p["name"] for p in pods])
    events = describe_events(client.list(EVENT, plane.namespace), names)
    lines.extend("event: " + e for e in events)
    if not events and not pods and sts is not None:
        lines.append("no events either")
    return lines, dict(pods=pods, events=events)


def hosted_health(plane, nodes=True, server=None):
    """The hosted API's own answer: /readyz, and its nodes. Never fails: unreachable is reported."""
    health = dict(reachable=False, ready=False, nodes=None, nodes_ready=None, kubelet_versions=[])
    try:
        hosted = plane.hosted_client(server)
        health["ready"] = hosted.get_raw("/readyz").strip() == "ok"
        health["reachable"] = True
        if nodes:
            items = hosted.list(NODE)
            health["nodes"] = len(items)
            health["nodes_ready"] = sum(1 for n in items if _node_ready(n))
            health["node_list"] = [
                {"name": n["metadata"]["name"], "ready": _node_ready(n),
                 "kubelet_version": ((n.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion")}
                for n in sorted(items, key=lambda n: n["metadata"]["name"])]
            health["kubelet_versions"] = sorted(set(n["kubelet_version"] for n in health["node_list"]) - {None})
    except FleetError as exc:
        health["error"] = exc.msg
    return health


def _node_ready(node):
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


def warn_about_workers(module, spec, health):
    wanted = k0s.minor_of(spec["version"])
    for version in health.get("kubelet_versions") or []:
        if k0s.minor_of(version) != wanted:
            module.warn(
                "Workers of control plane '%s' run kubelet %s, another minor version than the control plane's %s: "
                "upgrade them (playbooks/upgrade.yml) so that they keep joining and getting their configuration."
                % (module.params["name"], version, spec["version"]))


def cluster_absent(module, plane, anchor_live):
    params = module.params
    result = dict(changed=False, ready=False, state="the control plane does not exist", waited=0.0)
    if anchor_live is None:
        leftovers = plane.statefulset()
        if leftovers is None:
            return result
        anchor_live = None
    result["changed"] = True
    if module._diff:
        result["diff"] = dict(before={"ConfigMap/%s" % objects.anchor_name(plane.name): "present"}, after={})
    if module.check_mode:
        return result
    if anchor_live is not None:
        # Foreground: the anchor stays until the garbage collector has deleted everything it owns.
        plane.client.delete(CONFIGMAP, objects.anchor_name(plane.name), plane.namespace, propagation="Foreground")
    else:
        plane.client.delete(STATEFULSET, objects.workload_name(plane.name), plane.namespace)
    module.made_changes = True
    if params["wait"]:
        waiter = module.waiter()

        def fetch():
            return plane.anchor(), plane.statefulset(), plane.client.list(
                POD, plane.namespace, label_selector="%s=%s" % (objects.CLUSTER_LABEL, plane.name))

        def check(found):
            anchor, sts, pods = found
            if sts is not None:
                return False, "StatefulSet %s still present" % objects.workload_name(plane.name)
            if pods:
                return False, "%d control-plane pods still terminating" % len(pods)
            if anchor is not None:
                return False, "the garbage collector is deleting the control plane's objects"
            return True, "deleted"

        waiter.until("control plane %s/%s and its objects to be deleted" % (plane.namespace, plane.name),
                     fetch, check)
        result.update(waited=round(waiter.elapsed, 1), wait_progress=waiter.history)
    result["state"] = "deleted"
    return result


# --- cluster_info -------------------------------------------------------------------------------

def summarize(module, plane, anchor):
    spec = objects.recorded_settings(anchor) or {}
    sts = plane.statefulset()
    status = (sts or {}).get("status") or {}
    ready, state = statefulset_rollout(sts, None)
    ca_secret = plane.client.get(SECRET, plane.names["ca"], plane.namespace)
    kubeconfig_secret = plane.client.get(SECRET, plane.names["kubeconfig"], plane.namespace)
    ca_expires = pki.not_valid_after(_secret_bytes(ca_secret, "tls.crt") or b"")
    admin_expires = None
    text = _secret_bytes(kubeconfig_secret, "value")
    if text:
        admin_expires = _kubeconfig_cert_expiry(text)
    svc = plane.client.get(SERVICE, objects.workload_name(plane.name), plane.namespace)
    summary = {
        "name": plane.name,
        "namespace": plane.namespace,
        "engine": "native",
        "version": spec.get("version"),
        "ready": ready,
        "state": state,
        "replicas": spec.get("replicas"),
        "ready_replicas": status.get("readyReplicas") or 0,
        "updated_replicas": status.get("updatedReplicas") or 0,
        "service_type": (spec.get("service") or {}).get("type"),
        "external_address": spec.get("external_address"),
        "api_endpoint": plane.endpoint(),
        "cluster_ip": ((svc or {}).get("spec") or {}).get("clusterIP"),
        "kubeconfig_secret": plane.names["kubeconfig"],
        "ca_expires": k0s.format_time(ca_expires),
        "admin_certificate_expires": k0s.format_time(admin_expires),
        "settings": spec,
    }
    if module.params.get("health", True) and ca_secret is not None:
        summary["api"] = hosted_health(plane, server=summary["api_endpoint"])
    return summary


def _kubeconfig_cert_expiry(text):
    try:
        config = yaml.safe_load(text)
        data = config["users"][0]["user"]["client-certificate-data"]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, yaml.YAMLError):
        return None  # an unreadable kubeconfig has no known expiry
    return pki.not_valid_after(base64.b64decode(data))


def cluster_info(module):
    """The ``cluster_info`` module: a summary of each native control plane asked for."""
    params = module.params
    if params.get("namespace") is not None:
        validate_dns_label("namespace", params["namespace"])
    client = module.client
    if params.get("name"):
        validate_dns_label("name", params["name"])
        if params.get("namespace") is None:
            raise FleetError("name needs namespace.", hint="Give the namespace of the control plane too.")
        anchor = client.get(CONFIGMAP, objects.anchor_name(params["name"]), params["namespace"])
        anchors = [anchor] if anchor is not None else []
    else:
        selector = ",".join([objects.anchor_selector()] + list(params.get("label_selectors") or []))
        anchors = client.list(CONFIGMAP, params.get("namespace"), label_selector=selector)
    clusters = []
    for anchor in sorted(anchors, key=lambda a: (a["metadata"]["namespace"], a["metadata"]["name"])):
        name = (anchor["metadata"].get("labels") or {}).get(objects.CLUSTER_LABEL)
        if not name:
            continue
        plane = ControlPlane(module, client, name, anchor["metadata"]["namespace"])
        clusters.append(summarize(module, plane, anchor))
    return dict(changed=False, clusters=clusters)


# --- kubeconfig ---------------------------------------------------------------------------------

def _reusable_admin_kubeconfig(text, ca_cert, server, renew_before, now):
    """Whether a stored admin kubeconfig still serves: same CA and server, not about to expire."""
    try:
        config = yaml.safe_load(text)
        cluster_entry = config["clusters"][0]["cluster"]
        user = config["users"][0]["user"]
        cert = base64.b64decode(user["client-certificate-data"])
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, yaml.YAMLError):
        return False  # an unreadable kubeconfig is replaced
    if cluster_entry.get("server") != server:
        return False
    if base64.b64decode(cluster_entry.get("certificate-authority-data") or "") != ca_cert:
        return False
    expires = pki.not_valid_after(cert)
    return bool(expires) and pki.signed_by(cert, ca_cert) and expires - datetime.timedelta(seconds=renew_before) > now


def kubeconfig(module):
    """The ``kubeconfig`` module: an admin kubeconfig signed from the CA, kept in a Secret and written to dest."""
    params = module.params
    validate_dns_label("cluster", params["cluster"])
    validate_dns_label("namespace", params["namespace"])
    if params.get("server") and not params["server"].startswith("https://"):
        raise FleetError("server '%s' is not an https URL." % params["server"],
                         hint="Write it as https://ADDRESS:PORT, for example https://192.0.2.10:30443.")
    validity = parse_go_duration("validity", params.get("validity") or "24h")
    renew_before = parse_go_duration("renew_before", params.get("renew_before") or "1h", allow_zero=True)
    if renew_before >= validity:
        raise FleetError("renew_before (%s) must be shorter than validity (%s)." % (
            params.get("renew_before"), params.get("validity")), hint="Lower renew_before or raise validity.")
    client = module.client
    plane = ControlPlane(module, client, params["cluster"], params["namespace"])
    anchor = plane.anchor()
    if anchor is None:
        if module.check_mode:
            module.warn("Control plane '%s' does not exist in namespace '%s' (yet): the kubeconfig would be written "
                        "once it does." % (plane.name, plane.namespace))
            return dict(changed=True, path=params["dest"], server=None, context=None, secret=plane.names["kubeconfig"])
        raise FleetError("Control plane '%s' does not exist in namespace '%s'." % (plane.name, plane.namespace),
                         hint="Create it first with k0smotron.fleet.cluster.")
    spec = objects.recorded_settings(anchor)
    server = plane.endpoint()
    ca_cert, ca_key = plane.ca()
    now = datetime.datetime.now(datetime.timezone.utc)
    stored = client.get(SECRET, plane.names["kubeconfig"], plane.namespace)
    text = _secret_bytes(stored, "value")
    if text:
        module.protect(text.decode("utf-8", "replace"))
        module.protect(stored["data"]["value"])
    applier = Applier(module, client)
    if not (text and _reusable_admin_kubeconfig(text, ca_cert, server, renew_before, now)):
        cert, key = pki.sign_client_cert(ca_cert, ca_key, ADMIN_USER, ADMIN_GROUPS, seconds=validity)
        module.protect(key)
        text = k0s.dump_kubeconfig(k0s.kubeconfig(plane.name, server, ca_cert, ADMIN_USER,
                                                  k0s.client_cert_credentials(cert, key)))
        module.protect(text.decode("utf-8"))
        secret = {
            "apiVersion": "v1", "kind": "Secret", "type": "cluster.x-k8s.io/secret",
            "metadata": {"name": plane.names["kubeconfig"], "namespace": plane.namespace,
                         "labels": dict(objects.common_labels(plane.name, spec),
                                        **{"cluster.x-k8s.io/cluster-name": plane.name}),
                         "ownerReferences": [objects.owner_reference(anchor)]},
            "data": {"value": base64.b64encode(text).decode("ascii")},
        }
        module.protect(secret["data"]["value"])
        applier.apply(SECRET, secret, stored, secret=True)
    content = text
    if params.get("server"):
        config = yaml.safe_load(text)
        for entry in config["clusters"]:
            entry["cluster"]["server"] = params["server"]
        content = k0s.dump_kubeconfig(config)
        module.protect(content.decode("utf-8"))
    exists, same, mode_ok = secret_file_state(params["dest"], content)
    file_changed = not (same and mode_ok)
    if file_changed and not module.check_mode:
        write_secret_file(params["dest"], content)
        module.made_changes = True
    expires = _kubeconfig_cert_expiry(text)
    result = dict(changed=bool(applier.changed) or file_changed, path=params["dest"],
                  server=params.get("server") or server, context=plane.name, secret=plane.names["kubeconfig"],
                  expires_at=k0s.format_time(expires), renewed=bool(applier.changed))
    if module._diff and result["changed"]:
        result["diff"] = dict(
            before={"path": params["dest"], "state": "matches" if same else ("differs" if exists else "absent")},
            after={"path": params["dest"], "server": result["server"], "mode": "0600",
                   "certificate": "renewed" if applier.changed else "unchanged"})
    return result


# --- join_token ---------------------------------------------------------------------------------

TOKEN_NAME_LABEL = "k0smotron.fleet/token-name"
TOKEN_EXPIRY_LABEL = "k0smotron.fleet/expiry-seconds"


def _read_token_file(path):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace").strip()
    except (IOError, OSError):
        return None


def join_token(module):
    """The ``join_token`` module: a bootstrap token made in the hosted cluster, written to dest."""
    params = module.params
    validate_dns_label("cluster", params["cluster"])
    validate_dns_label("namespace", params["namespace"])
    if params["role"] != "worker":
        raise FleetError("role=%s is not offered by the native engine: hosted control planes get their controllers "
                         "from the cluster module (replicas)." % params["role"], hint="Use role: worker.")
    if not params.get("name"):
        params["name"] = default_token_name(params["cluster"], params["role"], params["dest"])
    validate_dns_subdomain("name", params["name"])
    if len(params["name"]) > 63:
        raise FleetError("name '%s' is longer than 63 characters (it is a label value)." % params["name"],
                         hint="Give a shorter name, such as the host's inventory name.")
    expiry = parse_go_duration("expiry", params["expiry"])
    renew_before = parse_go_duration("renew_before", params["renew_before"], allow_zero=True)
    if params["state"] == "present":
        if not params["dest"]:
            raise FleetError("dest is required with state=present.",
                             hint="Give a path for the token file in a folder only its owner can read, for example "
                                  "~/.cache/k0smotron-fleet/tokens/HOST.token.")
        if renew_before >= expiry:
            raise FleetError(
                "renew_before (%s) must be shorter than expiry (%s), or every run would mint a new token."
                % (params["renew_before"], params["expiry"]), hint="Lower renew_before or raise expiry.")
    plane = ControlPlane(module, module.client, params["cluster"], params["namespace"])
    anchor = plane.anchor()
    if anchor is None:
        if params["state"] == "present" and module.check_mode:
            module.warn("Control plane '%s' does not exist in namespace '%s' (yet): a token would be minted once it "
                        "does." % (plane.name, plane.namespace))
            return dict(changed=True, minted=True, name=params["name"], namespace=params["namespace"],
                        role=params["role"], path=params["dest"], waited=0.0)
        if params["state"] == "present":
            raise FleetError("Control plane '%s' does not exist in namespace '%s'." % (plane.name, plane.namespace),
                             hint="Create it first with k0smotron.fleet.cluster.")
    server = plane.endpoint() if anchor else None
    hosted = plane.hosted_client(server) if anchor else None
    if params["state"] == "absent":
        return token_absent(module, hosted, params)
    return token_present(module, plane, server, hosted, expiry, renew_before)


def _tokens_named(hosted, name):
    return hosted.list(SECRET, k0s.BOOTSTRAP_NAMESPACE, label_selector="%s=%s" % (TOKEN_NAME_LABEL, name))


def token_present(module, plane, server, hosted, expiry, renew_before):
    params = module.params
    ca_cert, _key = plane.ca()
    now = datetime.datetime.now(datetime.timezone.utc)
    result = dict(name=params["name"], namespace=params["namespace"], role=params["role"], path=params["dest"],
                  minted=False, changed=False, waited=0.0)

    # The token in dest is reused while the hosted cluster still has it, for the same lifetime
    # and address, with more than renew_before left.
    existing = _read_token_file(params["dest"])
    reason = "force=true" if params["force"] else None
    live = None
    if existing and not reason:
        module.protect(existing)
        token_id, token_server = k0s.join_token_facts(existing)
        config = k0s.decode_join_token(existing) or {}
        if token_id is None:
            reason = "dest does not hold a join token"
        else:
            live = hosted.get(SECRET, "bootstrap-token-%s" % token_id, k0s.BOOTSTRAP_NAMESPACE)
            ca_in_token = base64.b64decode(
                ((config.get("clusters") or [{}])[0].get("cluster") or {}).get("certificate-authority-data") or "")
            _id, expires, _description = k0s.read_bootstrap_token_secret(live)
            labels = ((live or {}).get("metadata") or {}).get("labels") or {}
            if live is None:
                reason = "the hosted cluster no longer has token %s" % token_id
            elif token_server != server or ca_in_token != ca_cert:
                reason = "the control plane's address or CA changed"
            elif labels.get(TOKEN_EXPIRY_LABEL) != str(int(expiry)):
                reason = "expiry changed"
            elif expires is not None and expires - datetime.timedelta(seconds=renew_before) <= now:
                reason = "token %s expires at %s" % (token_id, k0s.format_time(expires))
            else:
                result.update(token_id=token_id, expires_at=k0s.format_time(expires))
    elif not existing:
        reason = "no token in dest"
    if reason is None:
        exists, same, mode_ok = secret_file_state(params["dest"], existing.encode("utf-8") + b"\n")
        if not mode_ok:
            # Same token, wrong mode or owner: rewrite it privately.
            result["changed"] = True
            if not module.check_mode:
                write_secret_file(params["dest"], existing.encode("utf-8") + b"\n")
                module.made_changes = True
        return _token_diff(module, result)

    result.update(minted=True, changed=True, replaced_because=reason)
    if module.check_mode:
        return _token_diff(module, result)
    expires = now + datetime.timedelta(seconds=expiry)
    labels = {TOKEN_NAME_LABEL: params["name"], TOKEN_EXPIRY_LABEL: str(int(expiry)),
              "app.kubernetes.io/managed-by": objects.MANAGED_BY}
    description = "k0smotron.fleet join token %s for %s" % (params["name"], os.path.basename(params["dest"]))
    for _attempt in range(3):
        token_id, token_secret = k0s.new_bootstrap_token()
        module.protect(token_secret)
        secret = k0s.bootstrap_token_secret(token_id, token_secret, expires, description, labels=labels)
        for value in secret["data"].values():
            if base64.b64decode(value).decode("utf-8") == token_secret:
                module.protect(value)
        try:
            hosted.create(SECRET, secret)
            break
        except FleetError as exc:
            if "AlreadyExists" not in exc.msg and "already exists" not in exc.msg:
                raise
    else:
        raise FleetError("Could not find a free token id after 3 tries.", hint="Run the task again.")
    module.made_changes = True
    token = k0s.join_token(server, ca_cert, token_id, token_secret)
    module.protect(token)
    write_secret_file(params["dest"], token.encode("utf-8") + b"\n")
    # The replaced token (and any other of this name) stops working now.
    for old in _tokens_named(hosted, params["name"]):
        if old["metadata"]["name"] != secret["metadata"]["name"]:
            hosted.delete(SECRET, old["metadata"]["name"], k0s.BOOTSTRAP_NAMESPACE)
    result.update(token_id=token_id, expires_at=k0s.format_time(expires))
    return _token_diff(module, result)


def _token_diff(module, result):
    if module._diff and result["changed"]:
        result["diff"] = dict(
            before={"name": result["name"], "path": result["path"]},
            after={"name": result["name"], "path": result["path"],
                   "token": "(new)" if result["minted"] else "(unchanged)"})
    return result


def token_absent(module, hosted, params):
    result = dict(name=params["name"], namespace=params["namespace"], role=params["role"], minted=False,
                  changed=False, waited=0.0, revoked=[])
    if params.get("dest"):
        result["path"] = params["dest"]
    found = []
    if hosted is not None:
        found = [s["metadata"]["name"] for s in _tokens_named(hosted, params["name"])]
        existing = _read_token_file(params["dest"]) if params.get("dest") else None
        if existing:
            module.protect(existing)
            token_id, _server = k0s.join_token_facts(existing)
            if token_id and "bootstrap-token-%s" % token_id not in found:
                if hosted.get(SECRET, "bootstrap-token-%s" % token_id, k0s.BOOTSTRAP_NAMESPACE) is not None:
                    found.append("bootstrap-token-%s" % token_id)
    for name in found:
        result["changed"] = True
        result["revoked"].append(name[len("bootstrap-token-"):])
        if not module.check_mode:
            hosted.delete(SECRET, name, k0s.BOOTSTRAP_NAMESPACE)
            module.made_changes = True
    if params.get("dest") and os.path.lexists(params["dest"]):
        result["changed"] = True
        if not module.check_mode:
            remove_file(params["dest"])
            module.made_changes = True
    if module._diff and result["changed"]:
        result["diff"] = dict(before={"name": params["name"], "tokens": result["revoked"]}, after={})
    return result
