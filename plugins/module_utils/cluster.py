# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a k0smotron ``Cluster`` (k0smotron.io/v1beta2) is made of, and how to read its state.

Pure functions over plain dictionaries: building the object from module options, judging
readiness from its status, summarising it, and explaining why it is not ready. They know
k0smotron's conventions (object names, labels, conditions) so that modules do not.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import hashlib

from ansible_collections.k0smotron.fleet.plugins.module_utils.errors import FleetError

API_VERSION = "k0smotron.io/v1beta2"
KIND = "Cluster"
K0S_CONFIG_API_VERSION = "k0s.k0sproject.io/v1beta1"
REDACTED = "********"
_NAME_LIMIT = 63

# Module option -> key in Cluster.spec, for the options that map one to one.
SIMPLE_SPEC_OPTIONS = (
    ("replicas", "replicas"),
    ("version", "version"),
    ("image", "image"),
    ("external_address", "externalAddress"),
    ("resources", "resources"),
    ("patches", "patches"),
    ("control_plane_flags", "controlPlaneFlags"),
    ("manifests", "manifests"),
    ("mounts", "mounts"),
    ("certificate_refs", "certificateRefs"),
)


def _without_none(mapping):
    return dict((k, v) for k, v in mapping.items() if v is not None)


def object_name(pattern, cluster_name):
    """Names of the objects k0smotron derives from a Cluster name, shortened as it shortens them."""
    name = pattern % cluster_name
    if len(name) > _NAME_LIMIT:
        digest = hashlib.md5(name.encode("utf-8")).hexdigest()[:5]  # noqa: S324 - a name, not security
        name = "%s-%s" % (name[:_NAME_LIMIT - 6], digest)
    return name


def statefulset_name(cluster_name):
    return object_name("kmc-%s", cluster_name)


def kubeconfig_secret_name(cluster_name):
    # Named the way Cluster API expects; k0smotron never shortens it.
    return "%s-kubeconfig" % cluster_name


def pod_selector(cluster_name):
    return "app=k0smotron,cluster=%s" % cluster_name


def _service_spec(service):
    if not service:
        return None
    return _without_none({
        "type": service.get("type") or "ClusterIP",
        "apiPort": service.get("api_port"),
        "konnectivityPort": service.get("konnectivity_port"),
    })


def _persistence_spec(persistence):
    if not persistence:
        return None
    return _without_none({
        "type": persistence.get("type"),
        "hostPath": persistence.get("host_path"),
        "persistentVolumeClaim": persistence.get("persistent_volume_claim"),
        "autoDeletePVCs": persistence.get("auto_delete_pvcs"),
    })


def _storage_spec(storage):
    if not storage:
        return None
    spec = {"type": storage.get("type")}
    kine = _without_none({
        "dataSourceURL": storage.get("kine_data_source_url"),
        "dataSourceSecretName": storage.get("kine_data_source_secret_name"),
    })
    if kine:
        spec["kine"] = kine
    if storage.get("etcd"):
        spec["etcd"] = storage["etcd"]
    return _without_none(spec)


def _k0s_config(k0s_config):
    """Accept a whole ClusterConfig or just its ``spec``; send a whole ClusterConfig."""
    if k0s_config is None:
        return None
    if "apiVersion" in k0s_config or "kind" in k0s_config or "spec" in k0s_config:
        config = copy.deepcopy(k0s_config)
        config.setdefault("apiVersion", K0S_CONFIG_API_VERSION)
        config.setdefault("kind", "ClusterConfig")
        return config
    return {"apiVersion": K0S_CONFIG_API_VERSION, "kind": "ClusterConfig", "spec": copy.deepcopy(k0s_config)}


def build_cluster(params):
    """The Cluster object the options describe, ready for server-side apply.

    ``params['spec']`` is the escape hatch for fields without an option; an option and the
    same field in ``spec`` must agree, or the user is told which to drop.
    """
    spec = copy.deepcopy(params.get("spec") or {})
    from_options = {}
    for option, key in SIMPLE_SPEC_OPTIONS:
        if params.get(option) is not None:
            from_options[key] = (option, params[option])
    structured = (
        ("service", "service", _service_spec(params.get("service"))),
        ("persistence", "persistence", _persistence_spec(params.get("persistence"))),
        ("storage", "storage", _storage_spec(params.get("storage"))),
        ("k0s_config", "k0sConfig", _k0s_config(params.get("k0s_config"))),
    )
    for option, key, value in structured:
        if value is not None:
            from_options[key] = (option, value)

    for key, (option, value) in sorted(from_options.items()):
        if key in spec and spec[key] != value:
            raise FleetError(
                "Options '%s' and 'spec.%s' both set the cluster's %s, with different values." % (option, key, key),
                hint="Set it in one place only: drop 'spec.%s' or the '%s' option." % (key, option),
            )
        spec[key] = value

    metadata = {"name": params["name"], "namespace": params["namespace"]}
    if params.get("labels"):
        metadata["labels"] = dict(params["labels"])
    if params.get("annotations"):
        metadata["annotations"] = dict(params["annotations"])
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata, "spec": spec}


def same_version(a, b):
    """Whether two k0s versions name the same release (v1.36.3+k0s.0 and v1.36.3-k0s.0 do)."""
    return bool(a and b) and a.replace("+k0s.", "-k0s.") == b.replace("+k0s.", "-k0s.")


def redact(obj):
    """A copy of a Cluster with the secret parts (a kine data source URL holds a password) hidden."""
    if not obj:
        return obj
    clean = copy.deepcopy(obj)
    kine = ((clean.get("spec") or {}).get("storage") or {}).get("kine") or {}
    if kine.get("dataSourceURL"):
        kine["dataSourceURL"] = REDACTED
    (clean.get("metadata") or {}).pop("managedFields", None)
    return clean


def comparable(obj):
    """The parts of a Cluster a user declares: compared to decide whether anything changes."""
    if not obj:
        return None
    metadata = obj.get("metadata") or {}
    return redact({
        "metadata": {
            "labels": metadata.get("labels") or {},
            "annotations": metadata.get("annotations") or {},
        },
        "spec": obj.get("spec") or {},
    })


def _conditions(obj):
    return dict((c.get("type"), c) for c in ((obj.get("status") or {}).get("conditions") or []))


def _is_true(condition, generation):
    if not condition or condition.get("status") != "True":
        return False
    observed = condition.get("observedGeneration")
    return not observed or not generation or observed >= generation


def is_exposed(obj):
    """Whether k0smotron will report the cluster ``Available``: it needs an external address,
    which it finds itself for NodePort and LoadBalancer services."""
    spec = obj.get("spec") or {}
    service_type = (spec.get("service") or {}).get("type") or "ClusterIP"
    return bool(spec.get("externalAddress")) or service_type in ("NodePort", "LoadBalancer")


def readiness(obj):
    """``(ready, state)``: whether the control plane is up to date and serving, and why not."""
    if obj is None:
        return False, "the Cluster does not exist"
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    generation = (obj.get("metadata") or {}).get("generation")
    conditions = _conditions(obj)
    wanted = spec.get("replicas") or 1
    ready_replicas = status.get("readyReplicas") or 0
    parts = ["%d/%d control-plane replicas ready" % (ready_replicas, wanted)]

    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        return False, "the Cluster is being deleted"
    required = ["ControlPlaneUpToDate", "KubeconfigSecretAvailable"]
    if is_exposed(obj):
        required.append("Available")
    ready = ready_replicas >= wanted
    for name in required:
        condition = conditions.get(name)
        if _is_true(condition, generation):
            continue
        ready = False
        if condition is None:
            parts.append("%s not reported yet" % name)
        elif condition.get("status") == "True":
            # True, but judged on an older spec: k0smotron has not looked at the change yet.
            parts.append("%s not yet reported for generation %s (last for %s)" % (
                name, generation, condition.get("observedGeneration")))
        else:
            parts.append("%s=%s (%s)" % (name, condition.get("status"), condition.get("reason") or "no reason"))
    reconciliation = ((status.get("deprecated") or {}).get("v1beta1") or {}).get("reconciliationStatus")
    if not ready and reconciliation and reconciliation != "Reconciliation successful":
        parts.append("k0smotron says: %s" % reconciliation)
    return ready, ", ".join(parts)


def rollout(statefulset, generation_before, settled):
    """``(done, state)`` of the control-plane StatefulSet after a change to an existing Cluster.

    A change that generation counting cannot see (annotations, which k0smotron copies into the
    pod template) still rolls the pods, so the StatefulSet is watched too: the change counts as
    taken once its generation moved past ``generation_before``, or as not touching it once
    ``settled`` (enough time passed without k0smotron changing it); then its pods must all be
    updated and ready.
    """
    if statefulset is None or generation_before is None:
        return True, "no control-plane StatefulSet to watch"
    name = (statefulset.get("metadata") or {}).get("name")
    generation = (statefulset.get("metadata") or {}).get("generation") or 0
    status = statefulset.get("status") or {}
    wanted = (statefulset.get("spec") or {}).get("replicas") or 1
    if generation <= generation_before and not settled:
        return False, "waiting for k0smotron to apply the change to StatefulSet %s" % name
    if (status.get("observedGeneration") or 0) < generation:
        return False, "StatefulSet %s has not seen generation %d yet" % (name, generation)
    updated = status.get("updatedReplicas") or 0
    ready = status.get("readyReplicas") or 0
    if status.get("updateRevision") != status.get("currentRevision") or updated < wanted or ready < wanted:
        return False, "StatefulSet %s rolling out: %d/%d pods updated, %d/%d ready" % (
            name, updated, wanted, ready, wanted)
    return True, "StatefulSet %s rolled out" % name


def api_endpoint(obj):
    """The URL workers and clients reach the hosted API at, when it can be known from the object.

    With a NodePort service and no external address k0smotron picks a node address itself, and
    the kubeconfig Secret is the place to read it from; None is returned then.
    """
    spec = obj.get("spec") or {}
    service = spec.get("service") or {}
    port = service.get("apiPort") or 30443
    if spec.get("externalAddress"):
        return "https://%s:%s" % (spec["externalAddress"], port)
    if (service.get("type") or "ClusterIP") == "ClusterIP":
        metadata = obj.get("metadata") or {}
        return "https://%s.%s.svc:%s" % (object_name("kmc-%s", metadata.get("name")), metadata.get("namespace"), port)
    return None


def summarize(obj):
    """The facts about a Cluster that playbooks branch on, beside the raw object."""
    metadata = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    conditions = _conditions(obj)
    ready, state = readiness(obj)
    available = conditions.get("Available") or {}
    return {
        "name": metadata.get("name"),
        "namespace": metadata.get("namespace"),
        "version": spec.get("version"),
        "ready": ready,
        "state": state,
        "available": available.get("status") == "True",
        "replicas": spec.get("replicas") or 1,
        "ready_replicas": status.get("readyReplicas") or 0,
        "updated_replicas": status.get("updatedReplicas") or 0,
        "service_type": (spec.get("service") or {}).get("type") or "ClusterIP",
        "external_address": spec.get("externalAddress"),
        "api_endpoint": api_endpoint(obj),
        "kubeconfig_secret": kubeconfig_secret_name(metadata.get("name")),
        "conditions": dict(
            (name, {"status": c.get("status"), "reason": c.get("reason"), "message": c.get("message")})
            for name, c in conditions.items()),
    }
