# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A native control plane's settings: their defaults, the record the anchor keeps, how options
merge into it, and what the native engine refuses in them.

The settings are the options in the anchor's shape (``spec``): an option left out keeps the value
the control plane has, so a run that names only ``version`` upgrades without touching the rest.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

from ansible_collections.k0smotron.fleet.plugins.module_utils import _k0s as k0s
from ansible_collections.k0smotron.fleet.plugins.module_utils import _pki as pki
from ansible_collections.k0smotron.fleet.plugins.module_utils._constants import DEFAULT_IMAGE_REPOSITORY
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _pod_security as pod_security
from ansible_collections.k0smotron.fleet.plugins.module_utils._options import validate_datasource_url as has_scheme
from ansible_collections.k0smotron.fleet.plugins.module_utils._options import validate_dns_subdomain, validate_metadata

SPEC_KEY = "spec.json"
# The Secret key of a kine data source URL: the key k0smotron reads too, so Secrets serve both engines.
DATASOURCE_KEY = "K0SMOTRON_KINE_DATASOURCE_URL"
_URL_FORBIDDEN = ('"', "\\", "\n", "\r")

# Settings and their defaults: what a control plane is when an option was never given.
DEFAULTS = {
    "version": None,
    "replicas": 1,
    "image": DEFAULT_IMAGE_REPOSITORY,
    "external_address": None,
    # A port left out is automatic: the standard port in the pod and on the Service, and with NodePort
    # a node port Kubernetes allocates (advertised to workers as host:nodePort).
    "service": {"type": "ClusterIP", "api_port": None, "konnectivity_port": None},
    "persistence": {"type": "emptyDir", "host_path": None, "persistent_volume_claim": None,
                    "auto_delete_pvcs": False},
    # datastore: a shared server's description (_shared_datastore.RECORDED), when the control plane has one.
    "storage": {"type": "kine", "kine_data_source_secret_name": None, "datastore": None},
    "k0s_config": {},
    "resources": {},
    "node_selector": {},
    "tolerations": [],
    "priority_class_name": None,
    "control_plane_flags": [],
    "pki": {"key_type": "rsa", "key_size": 2048, "ca_validity_days": 3650},
    "labels": {},
    "annotations": {},
    "tuning": "lean",
    # None: the level _pod_security.default_level picks for the persistence, recorded at creation.
    "pod_security": None,
    "network_policy": {"enabled": True, "from": None},
}

# Settings whose default changed after control planes were made: an anchor that records none of
# these gets this value, not the default, so that a new collection version restarts nothing.
RECORDED_BEFORE = {"tuning": "none", "pod_security": "none", "network_policy": {"enabled": False, "from": None}}


# The ports k0s listens on in the pod when a port is automatic: k0s's own defaults.
STANDARD_PORTS = {"api": 6443, "konnectivity": 8132}
PORT_SETTINGS = (("api", "api_port"), ("konnectivity", "konnectivity_port"))


def service_ports(spec):
    """``{port name: port}``: what k0s listens on in the pod and the Service exposes, per port
    (``api``, ``konnectivity``): the port given, else the standard one."""
    svc = spec["service"]
    return dict((name, svc.get(key) or STANDARD_PORTS[name]) for name, key in PORT_SETTINGS)


def automatic_node_ports(spec):
    """The port names whose node port Kubernetes allocates: NodePort, and the port left out."""
    svc = spec["service"]
    if svc["type"] != "NodePort":
        return ()
    return tuple(name for name, key in PORT_SETTINGS if not svc.get(key))


# Settings given whole (a new value replaces the old); the other dict settings merge key by key.
FREE_FORM = ("k0s_config", "resources", "node_selector", "labels", "annotations")
# Nested settings that merge key by key too (a datastore option naming only a new admin Secret keeps the rest).
MERGED_KEY_BY_KEY = (("storage", "datastore"),)


def merge_settings(recorded, given):
    """The settings to apply: defaults, overlaid by what the anchor recorded, by the options given.

    An option left out keeps the value the control plane has (so a run that omits ``storage``
    never switches the datastore); a sub-option left out of a given dict keeps its value too.
    """
    settings = copy.deepcopy(DEFAULTS)
    if recorded is not None:
        settings.update((key, copy.deepcopy(value)) for key, value in RECORDED_BEFORE.items() if key not in recorded)
    for source in (recorded or {}, given):
        for key, value in source.items():
            if key not in settings or value is None:
                continue
            if isinstance(settings[key], dict) and key not in FREE_FORM:
                for sub, sub_value in value.items():
                    if sub_value is None:
                        continue
                    if (key, sub) in MERGED_KEY_BY_KEY and isinstance(settings[key].get(sub), dict):
                        settings[key][sub] = dict(settings[key][sub], **dict(
                            (k, copy.deepcopy(v)) for k, v in sub_value.items() if v is not None))
                    else:
                        settings[key][sub] = copy.deepcopy(sub_value)
            else:
                settings[key] = copy.deepcopy(value)
    if settings["pod_security"] is None:
        settings["pod_security"] = pod_security.default_level(settings)
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
    storage = spec.get("storage") or {}
    return bool(storage.get("kine_data_source_secret_name") or storage.get("datastore"))


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
                     "kine_data_source_secret_name": storage.get("kine_data_source_secret_name"),
                     # rotate_password is an action, not a setting: not recorded.
                     "datastore": (dict((k, v) for k, v in storage["datastore"].items() if k != "rotate_password")
                                   if storage.get("datastore") else None)}
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
        "tuning": params.get("tuning"),
        "pod_security": params.get("pod_security"),
        "network_policy": params.get("network_policy"),
    }
    return given


def validate_options(options):
    """What the native engine refuses in the options, before any API call (the runner checked the rest)."""
    storage = options.get("storage") or {}
    if storage.get("type") and storage["type"] != "kine":
        raise FleetError(
            "storage.type=%s is not offered by the native engine yet." % storage["type"],
            hint="Use storage.type: kine (SQLite in the pod for one replica, or an external PostgreSQL/MySQL "
                 "through kine_data_source_secret_name), or engine: k0smotron for etcd and NATS.")
    if storage.get("etcd"):
        raise FleetError("storage.etcd is a k0smotron engine option.", hint="Drop it, or use engine: k0smotron.")
    if storage.get("kine_data_source_url") is not None:
        validate_datasource_url("storage.kine_data_source_url", storage["kine_data_source_url"])
    if storage.get("datastore") and (storage.get("kine_data_source_url") or storage.get("kine_data_source_secret_name")):
        raise FleetError("storage.datastore and a kine data source (kine_data_source_url or kine_data_source_secret_name) "
                         "are both given.",
                         hint="Use storage.datastore for a shared server where the module makes the control plane's "
                              "database, or a data source of your own; not both.")
    _check_scheduling(options)
    key = options.get("pki") or {}
    if key.get("key_type") or key.get("key_size"):
        key_type = key.get("key_type") or "rsa"
        pki.validate_key("pki", key_type, key.get("key_size") or (2048 if key_type == "rsa" else 256))
    if key.get("ca_validity_days") is not None and not 1 <= key["ca_validity_days"] <= 36500:
        raise FleetError("pki.ca_validity_days must be between 1 and 36500, got %d." % key["ca_validity_days"],
                         hint="The default, 3650 (ten years), is what k0s itself uses for its CAs.")


_TOLERATION_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_TOLERATION_KEYS = ("key", "operator", "value", "effect", "tolerationSeconds")


def _check_scheduling(options):
    """The pod's scheduling settings, which the API server would judge only at the StatefulSet, after
    the anchor, the Service and the key material were written."""
    if options.get("priority_class_name"):
        validate_dns_subdomain("priority_class_name", options["priority_class_name"])
    validate_metadata("node_selector", options.get("node_selector"), label_values=True)
    for number, toleration in enumerate(options.get("tolerations") or [], 1):
        unknown = sorted(set(toleration) - set(_TOLERATION_KEYS))
        where = "tolerations entry %d" % number
        if unknown:
            raise FleetError("%s has %s, which a Toleration does not." % (where, ", ".join(unknown)),
                             hint="A Toleration has %s." % ", ".join(_TOLERATION_KEYS))
        if toleration.get("effect") and toleration["effect"] not in _TOLERATION_EFFECTS:
            raise FleetError("%s has effect '%s'." % (where, toleration["effect"]),
                             hint="Use one of %s, or leave effect out to tolerate every effect."
                                  % ", ".join(_TOLERATION_EFFECTS))
        operator = toleration.get("operator") or "Equal"
        if operator not in ("Equal", "Exists"):
            raise FleetError("%s has operator '%s'." % (where, operator), hint="Use Equal (the default) or Exists.")
        if operator == "Exists" and toleration.get("value"):
            raise FleetError("%s has operator Exists and a value." % where,
                             hint="Drop the value, or use operator: Equal.")


def validate_datasource_url(where, url):
    """A URL the k0s configuration can carry (it reaches kine through a placeholder in k0s.yaml)."""
    has_scheme(where, url)
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
    if spec["replicas"] > 1 and not uses_external_datastore(spec):
        raise FleetError(
            "replicas=%d needs an external datastore: kine's SQLite lives in one pod." % spec["replicas"],
            hint="Set storage.datastore (a shared PostgreSQL or MySQL server, where the module makes the control "
                 "plane's database), or storage.kine_data_source_secret_name (a Secret with key %s holding a "
                 "PostgreSQL or MySQL URL), or use replicas: 1." % DATASOURCE_KEY)
    if recorded and recorded.get("version"):
        problem = k0s.upgrade_problem(recorded["version"], spec["version"])
        if problem:
            raise FleetError(
                "Cannot change the control plane's version: %s." % problem,
                hint="Keep version %s, or restore the hosted cluster from a backup to go back." % recorded["version"]
                if "downgrade" in problem else "Upgrade one minor version per run (for example v1.35.x, then v1.36.x).")
