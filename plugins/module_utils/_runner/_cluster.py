# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``cluster`` module's flow: options checked, the engine asked, the result shaped."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.k0smotron.fleet.plugins.module_utils._engine import ClusterRequest
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._runner._engines import ENGINES
from ansible_collections.k0smotron.fleet.plugins.module_utils._options import (
    CONNECTION_ARG_SPEC,
    ENGINE_ARG_SPEC,
    WAIT_ARG_SPEC,
    fold_kine_spelling,
    validate_dns_label,
    validate_dns_subdomain,
    validate_k0s_version,
)

_SHARED = set(CONNECTION_ARG_SPEC) | set(ENGINE_ARG_SPEC) | set(WAIT_ARG_SPEC) | {"name", "namespace", "state"}

# What an engine's option is called in its refusal, and where to go instead.
_ENGINE_WORDS = {
    "native": ("a native engine setting that a k0smotron Cluster does not have",
               "Use engine: native for it, or drop the option (with engine: k0smotron, patches can change the "
               "objects k0smotron makes)."),
    "k0smotron": ("a k0smotron Cluster field that the native engine does not have",
                  "Use engine: k0smotron for it, or drop the option (see the module's documentation for what the "
                  "native engine offers instead)."),
}


def cluster_options(params):
    """The cluster module's own options, copied (the engines never see, nor change, the module's)."""
    options = copy.deepcopy(dict((k, v) for k, v in params.items() if k not in _SHARED))
    return fold_kine_spelling(options)


def check_options(request, other_engines):
    """What is wrong with the options whatever the engine, found before any API call; and the options
    only another engine has (``other_engines``: the engine classes not chosen, with their ``own_options``)."""
    validate_dns_label("name", request.name)
    validate_dns_label("namespace", request.namespace)
    if request.state == "absent":
        return
    options = request.options
    for engine in other_engines:
        for option in engine.own_options:
            if options.get(option):
                what, hint = _ENGINE_WORDS[engine.name]
                raise FleetError("Option '%s' is %s." % (option, what), hint=hint)
    if options.get("version"):
        validate_k0s_version("version", options["version"])
    if options.get("replicas") is not None and options["replicas"] < 1:
        raise FleetError("replicas must be at least 1, got %d." % options["replicas"],
                         hint="Use state=absent to remove a control plane.")
    _check_service(options.get("service") or {})
    _check_persistence(options.get("persistence") or {})
    storage = options.get("storage") or {}
    if storage.get("kine_data_source_secret_name"):
        validate_dns_subdomain("storage.kine_data_source_secret_name", storage["kine_data_source_secret_name"])


def _check_service(service):
    for port in ("api_port", "konnectivity_port"):
        value = service.get(port)
        if value is not None and not 1 <= value <= 65535:
            raise FleetError("service.%s must be a port number (1-65535), got %d." % (port, value),
                             hint="NodePort services need a port in the cluster's node-port range, 30000-32767 "
                                  "by default.")
    if service.get("api_port") and service.get("api_port") == service.get("konnectivity_port"):
        raise FleetError("service.api_port and service.konnectivity_port are both %d." % service["api_port"],
                         hint="Give them different ports.")


def _check_persistence(persistence):
    kind = persistence.get("type")
    if kind == "hostPath" and not persistence.get("host_path"):
        raise FleetError("persistence.type=hostPath needs persistence.host_path.",
                         hint="Give the directory on the management node, for example /var/lib/k0smotron/NAME.")
    if kind == "pvc" and not persistence.get("persistent_volume_claim"):
        raise FleetError("persistence.type=pvc needs persistence.persistent_volume_claim.",
                         hint="Give the claim template, with spec.resources.requests.storage at least.")
    if kind and kind != "hostPath" and persistence.get("host_path"):
        raise FleetError("persistence.host_path is given but persistence.type is %s." % kind,
                         hint="Set persistence.type: hostPath, or drop host_path.")
    if kind and kind != "pvc" and persistence.get("persistent_volume_claim"):
        raise FleetError("persistence.persistent_volume_claim is given but persistence.type is %s." % kind,
                         hint="Set persistence.type: pvc, or drop persistent_volume_claim.")


def run(run):
    params, engine = run.params, run.engine
    request = ClusterRequest(name=params["name"], namespace=params["namespace"], state=params["state"],
                             options=cluster_options(params), wait=params["wait"])
    check_options(request, [e for e in ENGINES.values() if e.name != engine.name])
    if request.state == "present":
        engine.validate_cluster(request)
        result = engine.apply_cluster(request)
    else:
        result = engine.delete_cluster(request)
    changes = run.context.changes
    result["changed"] = bool(changes.changes)
    result["changes"] = changes.labels
    if run.diff_wanted(result["changed"]):
        result["diff"] = changes.diff(per_object=engine.diff_per_object)
    return result
