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
import json

from ansible_collections.k0smotron.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils.k8s_state import LAST_APPLIED, drop_last_applied

API_VERSION = "k0smotron.io/v1beta2"
KIND = "Cluster"
K0S_CONFIG_API_VERSION = "k0s.k0sproject.io/v1beta1"
REDACTED = "********"
DEFAULT_IMAGE = "quay.io/k0sproject/k0s"
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
    # A type left out is not sent: the Cluster keeps its own (ClusterIP when it is created).
    return _without_none({
        "type": service.get("type"),
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


# The keys whose values are secrets wherever they appear in a Cluster (a kine data source URL
# holds the database password).
SECRET_KEYS = ("dataSourceURL",)


def _mask(value):
    if isinstance(value, dict):
        return dict((k, REDACTED if k in SECRET_KEYS and v else _mask(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


def redact(obj):
    """A copy of a Cluster as results and diffs may show it: every secret value masked, kubectl's
    last-applied annotation (a copy of the whole object, secrets included) and managedFields left out.

    kubernetes.core's k8s module hides fields named in its ``hidden_fields`` option the same way,
    but that code is the other collection's internals, and the values here are also registered
    with ``module.protect`` (``secret_values``), which masks them in any message too.
    """
    if not obj:
        return obj
    clean = _mask(obj)
    metadata = clean.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("managedFields", None)
        drop_last_applied(metadata)
    return clean


def secret_values(obj):
    """The secret values in a Cluster, its last-applied annotation included, to mask in any output."""
    found = set()

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in SECRET_KEYS and isinstance(item, str) and item:
                    found.add(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(obj or {})
    last_applied = (((obj or {}).get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    if last_applied:
        try:
            walk(json.loads(last_applied))
        except ValueError:
            found.add(last_applied)  # unreadable: mask it whole
    return found


def comparable(obj):
    """The parts of a Cluster a user declares: compared to decide whether anything changes.

    Nothing is masked here (a rotated password is a change); ``redact`` the result to show it.
    Plain equality of these is the test: Ansible's ``recursive_diff`` would say the same, and a
    diff shows them whole, as kubernetes.core's modules do.
    """
    if not obj:
        return None
    metadata = obj.get("metadata") or {}
    annotations = dict(metadata.get("annotations") or {})
    annotations.pop(LAST_APPLIED, None)
    return {
        "metadata": {
            "labels": metadata.get("labels") or {},
            "annotations": annotations,
        },
        "spec": copy.deepcopy(obj.get("spec") or {}),
    }


# --- what this collection set before ------------------------------------------------------------

def owned_fields(obj, manager):
    """The fields ``manager`` owns in ``obj`` by server-side apply, as the API records them
    (``managedFields[].fieldsV1``); {} when it owns none."""
    for entry in ((obj or {}).get("metadata") or {}).get("managedFields") or []:
        if entry.get("manager") == manager and entry.get("operation") == "Apply" and not entry.get("subresource"):
            return entry.get("fieldsV1") or {}
    return {}


def owned_part(value, fields):
    """The part of ``value`` (a dict) that a FieldsV1 set names.

    Maps are followed key by key (``f:name``); a list, or a map owned as a whole, is taken whole:
    the Cluster's lists are atomic, replaced as one value by an apply.
    """
    part = {}
    for key, sub in (fields or {}).items():
        if not key.startswith("f:") or not isinstance(value, dict) or key[2:] not in value:
            continue
        name = key[2:]
        item = value[name]
        children = dict((k, v) for k, v in (sub or {}).items() if k.startswith("f:"))
        if isinstance(item, dict) and children:
            part[name] = owned_part(item, children)
        else:
            part[name] = copy.deepcopy(item)
    return part


# Options given as a whole: a new value replaces the old one. Sub-options of the other structured
# options (service, persistence, storage) that are left out keep their values; a changed
# persistence or storage type starts from nothing, as the old type's settings do not apply.
_TYPED = ("persistence", "storage")


def keep_unsent(desired, current, manager):
    """``desired`` with the values this collection set before and the options now leave out.

    Server-side apply removes every field a manager owned and no longer sends: a run that names
    only ``version`` would drop ``storage`` and ``service``, and k0smotron's defaults (etcd, a
    ClusterIP Service) would take their place. The fields this field manager owns on the live
    Cluster are sent again unless an option gives them a new value.
    """
    kept = owned_part(current or {}, owned_fields(current, manager))
    merged = copy.deepcopy(desired)
    meta = merged.setdefault("metadata", {})
    kept_meta = kept.get("metadata") or {}
    for field in ("labels", "annotations"):
        if field not in meta and kept_meta.get(field):
            meta[field] = kept_meta[field]
    spec = copy.deepcopy(kept.get("spec") or {})
    for key, value in (desired.get("spec") or {}).items():
        before = spec.get(key)
        if key == "service" and isinstance(before, dict) and isinstance(value, dict):
            before.update(copy.deepcopy(value))
        elif key in _TYPED and isinstance(before, dict) and isinstance(value, dict) and (
                value.get("type") in (None, before.get("type"))):
            if key == "storage" and "kine" in value:
                before.pop("kine", None)  # the data source is one setting: a URL or a Secret
            before.update(copy.deepcopy(value))
        else:
            spec[key] = copy.deepcopy(value)
    merged["spec"] = spec
    return merged


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


def image_of(spec):
    """The control-plane image k0smotron runs for a Cluster spec: IMAGE:VERSION, ``+`` written ``-``."""
    version = (spec.get("version") or "").replace("+k0s.", "-k0s.", 1)
    if version and "-k0s." not in version:
        version += "-k0s.0"
    return "%s:%s" % (spec.get("image") or DEFAULT_IMAGE, version)


def _template_images(statefulset):
    template = ((statefulset.get("spec") or {}).get("template") or {}).get("spec") or {}
    return [c.get("image") for c in template.get("containers") or []]


def rollout(statefulset, generation_before, settled, image=None):
    """``(done, state)`` of the control-plane StatefulSet after a change to an existing Cluster.

    A change that generation counting cannot see (annotations, which k0smotron copies into the
    pod template) still rolls the pods, so the StatefulSet is watched too: the change counts as
    taken once its generation moved past ``generation_before``, or as not touching it once
    ``settled`` (enough time passed without k0smotron changing it); then its pods must all be
    updated and ready. With ``image`` (after a change of version or image) no settle time applies:
    the StatefulSet must have changed (its generation, or the image in its template; a user's
    ``patches`` may rewrite the image), however long k0smotron takes, as such a change always
    rolls the pods.
    """
    if statefulset is None or generation_before is None:
        return True, "no control-plane StatefulSet to watch"
    name = (statefulset.get("metadata") or {}).get("name")
    generation = (statefulset.get("metadata") or {}).get("generation") or 0
    status = statefulset.get("status") or {}
    wanted = (statefulset.get("spec") or {}).get("replicas") or 1
    if image and generation <= generation_before and image not in _template_images(statefulset):
        # A new image always changes the template: no settle time ends this wait.
        return False, "waiting for k0smotron to put image %s into StatefulSet %s" % (image, name)
    if generation <= generation_before and not settled and not image:
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
