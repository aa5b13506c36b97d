# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``cluster`` module's flow: options checked, the engine asked, the result shaped."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.k0smotron.fleet.plugins.module_utils._engine import ClusterRequest
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError, WaitTimeout
from ansible_collections.k0smotron.fleet.plugins.module_utils._options import (
    CONNECTION_ARG_SPEC,
    ENGINE_ARG_SPEC,
    WAIT_ARG_SPEC,
    fold_kine_spelling,
    validate_address,
    validate_datasource_url,
    validate_dns_label,
    validate_dns_subdomain,
    validate_image_repository,
    validate_k0s_version,
    validate_metadata,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._runner._engines import ENGINES

# The options of a batch, which its entries do not take.
_BATCH_OPTIONS = ("clusters", "parallel")
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
    options = copy.deepcopy(dict((k, v) for k, v in params.items() if k not in _SHARED and k not in _BATCH_OPTIONS))
    return fold_kine_spelling(options)


def check_options(request, other_engines):
    """What is wrong with the options whatever the engine, found before any API call; and the options
    only another engine has (``other_engines``: the engine classes not chosen, with their ``own_options``)."""
    validate_dns_label("name", request.name)
    validate_dns_label("namespace", request.namespace)
    options = request.options
    for engine in other_engines:
        for option in engine.own_options:
            if options.get(option):
                what, hint = _ENGINE_WORDS[engine.name]
                raise FleetError("Option '%s' is %s." % (option, what), hint=hint)
    if request.state == "absent":
        return
    if options.get("drop_database"):
        raise FleetError("drop_database is given with state=present.",
                         hint="It drops a deleted control plane's database: use it with state: absent only.")
    if options.get("version"):
        validate_k0s_version("version", options["version"])
    if options.get("replicas") is not None and options["replicas"] < 1:
        raise FleetError("replicas must be at least 1, got %d." % options["replicas"],
                         hint="Use state=absent to remove a control plane.")
    if options.get("image") is not None:
        validate_image_repository("image", options["image"])
    if options.get("external_address") is not None:
        validate_address("external_address", options["external_address"])
    _check_service(options.get("service") or {})
    _check_persistence(options.get("persistence") or {})
    storage = options.get("storage") or {}
    if storage.get("kine_data_source_secret_name"):
        validate_dns_subdomain("storage.kine_data_source_secret_name", storage["kine_data_source_secret_name"])
    if storage.get("kine_data_source_url") is not None:
        validate_datasource_url("storage.kine_data_source_url", storage["kine_data_source_url"])
    _check_k0s_config(options.get("k0s_config") or {})
    validate_metadata("labels", options.get("labels"), label_values=True)
    validate_metadata("annotations", options.get("annotations"), label_values=False)
    _check_pod(options)


def _check_k0s_config(config):
    """A ClusterConfig's own keys, and its spec's, are plain names: a dotted one is a nesting written as
    one key (``k0s_config: api.port=7443``, which Ansible reads as the dict {'api.port': '7443'})."""
    spec = config.get("spec") if isinstance(config.get("spec"), dict) else {}
    for key in list(config) + list(spec):
        if "." in str(key):
            nested = "..."
            for part in reversed(str(key).split(".")):
                nested = "{%s: %s}" % (part, nested)
            raise FleetError(
                "k0s_config key '%s' has a dot; k0s would not read it as the field it means." % key,
                hint="Nest it as YAML does, for example k0s_config: {spec: %s}." % nested)


# What a ResourceRequirements holds; anything else the API server refuses at the StatefulSet, after
# the other objects were written.
_RESOURCE_KEYS = ("limits", "requests", "claims")


def _check_pod(options):
    unknown = sorted(set(options.get("resources") or {}) - set(_RESOURCE_KEYS))
    if unknown:
        raise FleetError("resources has %s, which a ResourceRequirements does not." % ", ".join(unknown),
                         hint="Put quantities under requests or limits, for example resources: {requests: {cpu: "
                              "100m, memory: 512Mi}}.")
    for number, flag in enumerate(options.get("control_plane_flags") or [], 1):
        if not flag.startswith("-"):
            raise FleetError("control_plane_flags entry %d, '%s', is not a flag." % (number, flag),
                             hint="Write each flag as k0s controller takes it, with its dashes, for example "
                                  "--enable-metrics-scraper or --debug=true.")


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
    # Not the argument spec's required_if: its message names neither the fix nor an example.
    kind = persistence.get("type")
    if kind == "hostPath" and not persistence.get("host_path"):
        raise FleetError("persistence.type=hostPath needs persistence.host_path.",
                         hint="Give the directory on the management node, for example /var/lib/k0smotron/NAME.")
    if kind == "pvc" and not persistence.get("persistent_volume_claim"):
        raise FleetError("persistence.type=pvc needs persistence.persistent_volume_claim.",
                         hint="Give the claim template, with spec.resources.requests.storage at least.")
    if persistence.get("host_path") and not persistence["host_path"].startswith("/"):
        raise FleetError("persistence.host_path '%s' is not an absolute path." % persistence["host_path"],
                         hint="Give the directory on the management node from /, for example /var/lib/k0smotron/NAME.")
    if kind and kind != "hostPath" and persistence.get("host_path"):
        raise FleetError("persistence.host_path is given but persistence.type is %s." % kind,
                         hint="Set persistence.type: hostPath, or drop host_path.")
    if kind and kind != "pvc" and persistence.get("persistent_volume_claim"):
        raise FleetError("persistence.persistent_volume_claim is given but persistence.type is %s." % kind,
                         hint="Set persistence.type: pvc, or drop persistent_volume_claim.")


def _entry_spec(argument_spec):
    """What a ``clusters`` entry may hold: the module's own options, with no defaults (an entry
    leaves out what the module's other options give) and only ``name`` required."""
    spec = {}
    for option, rules in argument_spec.items():
        if option in _SHARED - {"name", "namespace", "state"} or option in _BATCH_OPTIONS:
            continue
        rules = dict((k, v) for k, v in rules.items() if k not in ("default", "required", "fallback"))
        spec[option] = dict(rules, required=True) if option == "name" else rules
    return spec


def requests_of(params, argument_spec, protect):
    """One request per control plane: the options alone, or each ``clusters`` entry over them.
    Every entry is checked before any is run."""
    if params.get("clusters") is None:
        return [ClusterRequest(name=params["name"], namespace=params["namespace"], state=params["state"],
                               options=cluster_options(params), wait=params["wait"])]
    spec = _entry_spec(argument_spec)
    validator = ArgumentSpecValidator(spec)
    requests, seen = [], set()
    for number, entry in enumerate(params["clusters"], 1):
        checked = validator.validate(entry)
        for value in checked._no_log_values:
            protect(value)
        if checked.errors.errors:
            raise FleetError("clusters entry %d (%s): %s" % (number, entry.get("name", "no name"), checked.errors.msg),
                             hint="Each entry takes the options of this module (name required); see its documentation.")
        given = dict((k, v) for k, v in checked.validated_parameters.items() if v is not None)
        merged = dict((k, v) for k, v in params.items() if k not in _BATCH_OPTIONS)
        merged.update(given)
        key = (merged["namespace"], merged["name"])
        if key in seen:
            raise FleetError("clusters entries %s/%s appear twice." % key, hint="Give each control plane once.")
        seen.add(key)
        requests.append(ClusterRequest(name=merged["name"], namespace=merged["namespace"], state=merged["state"],
                                       options=cluster_options(merged), wait=merged["wait"]))
    return requests


def declare(run, request):
    """Apply or delete one control plane, without waiting; its result with changed and diff."""
    engine, changes = run.engine, run.context.changes
    start = len(changes.changes)
    result = engine.apply_cluster(request) if request.state == "present" else engine.delete_cluster(request)
    labels = changes.labels[start:]
    result.update(changed=bool(labels), changes=labels)
    if run.diff_wanted(result["changed"]):
        result["diff"] = changes.diff(per_object=engine.diff_per_object, start=start)
    return result


def _finished(result, watch, waited, history, declared_for):
    result.update(waited=round(waited, 1), wait_progress=history, **watch.finish())
    result["ready_seconds"] = round(declared_for + waited, 1)


def single(run, request):
    clock = run.context.clock
    started = clock()
    result = declare(run, request)
    watch = run.engine.watch(request)
    if request.wait and watch is not None:
        declared_for = clock() - started
        waiter = run.context.waiter()
        try:
            waiter.until(watch.what, watch.poll, lambda outcome: outcome, hint=watch.hint)
        except WaitTimeout as exc:
            watch.explain(exc)
            raise
        _finished(result, watch, waiter.elapsed, waiter.history, declared_for)
    return result


def batch(run, requests, parallel):
    """Declare the control planes, ``parallel`` at a time (0: all), and wait for each group together.
    A failure is reported with its control plane, and the others go on."""
    context, clock = run.context, run.context.clock
    started = clock()
    size = parallel or len(requests)
    results, failed = [], []
    for first in range(0, len(requests), size):
        watched = []
        for request in requests[first:first + size]:
            begun = clock()
            try:
                result = declare(run, request)
            except FleetError as exc:
                failed.append(request)
                results.append(dict(exc.to_result(), name=request.name, namespace=request.namespace, failed=True,
                                    changed=False))
                continue
            result.update(name=request.name, namespace=request.namespace)
            results.append(result)
            watch = run.engine.watch(request)
            if request.wait and watch is not None:
                watched.append((request, result, watch, clock() - begun))
        if not watched:
            continue
        waiter = context.waiter()
        outcomes = waiter.until_all("%d control planes" % len(watched), [w[2] for w in watched])
        for (request, result, watch, declared_for), outcome in zip(watched, outcomes):
            if outcome["done"]:
                _finished(result, watch, outcome["elapsed"], outcome["history"], declared_for)
                continue
            timeout = WaitTimeout("Timed out after %ds waiting for %s; last state: %s." % (
                waiter.timeout, watch.what, outcome["state"]), hint=watch.hint or waiter.HINT,
                wait_progress=outcome["history"])
            watch.explain(timeout)
            failed.append(request)
            result.update(timeout.to_result(), failed=True, waited=outcome["elapsed"])
    combined = dict(changed=any(r["changed"] for r in results), clusters=results,
                    waited=round(clock() - started, 1), api_requests=context.client.calls)
    diffs = [r.pop("diff") for r in results if "diff" in r]
    if run.module.diff_mode and combined["changed"]:
        combined["diff"] = dict(before=[d["before"] for d in diffs], after=[d["after"] for d in diffs])
    if failed:
        raise FleetError(
            "%d of %d control planes failed: %s." % (len(failed), len(requests), "; ".join(
                "%s/%s: %s" % (r["namespace"], r["name"], r["msg"]) for r in results if r.get("failed"))),
            hint="Each entry of clusters says what happened to its control plane; the others were made or "
                 "changed as asked. Run again once the cause is fixed.", **combined)
    return combined


def run(run):
    params, engine = run.params, run.engine
    requests = requests_of(params, run.module.argument_spec, run.module.protect)
    if (params.get("parallel") or 0) < 0:
        raise FleetError("parallel must be 0 or more, got %d." % params["parallel"],
                         hint="Give how many control planes change at once, or 0 for all at once.")
    others = [e for e in ENGINES.values() if e.name != engine.name]
    for request in requests:
        check_options(request, others)
        if request.state == "present":
            engine.validate_cluster(request)
    if params.get("clusters") is None:
        return single(run, requests[0])
    return batch(run, requests, params.get("parallel") or 0)
