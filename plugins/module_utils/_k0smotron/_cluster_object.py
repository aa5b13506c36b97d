# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a k0smotron ``Cluster`` (k0smotron.io/v1beta2) is made of: built from the options, compared,
redacted, and merged with what this collection set before (server-side apply ownership).

Pure functions over plain dictionaries: building the object from module options, judging
readiness from its status, summarising it, and explaining why it is not ready. They know
k0smotron's conventions (object names, labels, conditions) so that modules do not.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

from ansible_collections.k0smotron.fleet.plugins.module_utils._constants import (
    K0S_CONFIG_API_VERSION,
    K0SMOTRON_API_VERSION as API_VERSION,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._k8s_state import LAST_APPLIED, drop_last_applied
from ansible_collections.k0smotron.fleet.plugins.module_utils._names import object_name

KIND = "Cluster"
REDACTED = "********"

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


def statefulset_name(cluster_name):
    """The StatefulSet (and Service) k0smotron makes for a Cluster, shortened as k0smotron shortens it."""
    return object_name("kmc-%s", cluster_name, digest="md5")


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
