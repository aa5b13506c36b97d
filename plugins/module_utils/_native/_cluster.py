# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A native control plane made, changed, deleted and summarized: the builders run in a visible order.

``present`` reads as the sequence of objects it makes: settings merged and checked before the first
write (the Service tried by a server-side dry run), then the anchor, the Service (whose allocated node
ports are read back), the key material, the datastore Secret, the k0s
configuration and the StatefulSet, each through the shared applier (dry run, compare, apply).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

from ansible_collections.k0smotron.fleet.plugins.module_utils import _pki as pki
from ansible_collections.k0smotron.fleet.plugins.module_utils import _sql as sql
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._k8s_state import secret_bytes, statefulset_rollout
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _network_policy as network_policies
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _settings as settings
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _shared_datastore as shared_datastore
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._address import discover_external_address
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._anchor import anchor, owner_reference
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._datastore import datastore_secret, datastore_url
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._health import (
    GoneWatch,
    RolloutWatch,
    hosted_health,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._k0s_config import (
    api_url,
    config_map,
    k0s_cluster_config,
    render_k0s_config,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._key_material import (
    KINDS,
    ensure_key_material,
    key_pair_secret,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._kubeconfig_secret import certificate_expiry
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._names import (
    anchor_name,
    workload_name,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._service import (
    advertised_ports,
    check_service,
    service,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._statefulset import config_hash, statefulset
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import (
    CONFIGMAP,
    NETWORKPOLICY,
    SECRET,
    SERVICE,
    STATEFULSET,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._time import format_time


def present(context, plane, options):
    """Create or change the control plane ``plane`` to the cluster module's ``options``."""
    client = plane.client
    name, namespace = plane.name, plane.namespace
    anchor_live = plane.anchor()
    recorded = settings.recorded_settings(anchor_live)
    spec = settings.merge_settings(recorded, settings.given_settings(options))
    given_storage = options.get("storage") or {}
    given_url = given_storage.get("kine_data_source_url")
    spec["storage"]["datastore"] = shared_datastore.settings_of(
        (given_storage.get("datastore") or None), (recorded or {}).get("storage", {}).get("datastore"), name, namespace)
    if given_url is not None or spec["storage"]["datastore"]:
        spec["storage"]["kine_data_source_secret_name"] = plane.names["datastore"]
    settings.validate_settings(spec, recorded)
    # Everything that can still be wrong is found before the first write: the datastore Secret, or
    # the shared datastore's server, credential and names; the k0s configuration; a node address.
    shared = None
    if spec["storage"]["datastore"]:
        shared = shared_datastore.prepare(context, client, namespace, spec["storage"]["datastore"],
                                          plane.names["datastore"],
                                          rotate=bool((given_storage.get("datastore") or {}).get("rotate_password")))
        url = shared.url
    else:
        url = datastore_url(context, client, spec, namespace, given_url)
    k0s_cluster_config(name, namespace, spec, None)
    found_address = None
    if spec["service"]["type"] != "LoadBalancer":
        found_address = discover_external_address(context, client, spec, None)

    svc_current = client.get(SERVICE, workload_name(name), namespace)
    check_service(client, service(name, namespace, spec, owner_reference(anchor(name, namespace, spec))),
                  svc_current)

    applier = context.applier()
    anchor_live = applier.apply(CONFIGMAP, anchor(name, namespace, spec), anchor_live)
    owner = owner_reference(anchor_live)

    svc_live = applier.apply(SERVICE, service(name, namespace, spec, owner), svc_current)
    # Before the pods: they start behind their policy.
    _ensure_network_policy(applier, client, name, namespace, spec, owner)
    cluster_ip = (svc_live.get("spec") or {}).get("clusterIP")
    if spec["service"]["type"] == "LoadBalancer":
        found_address = discover_external_address(context, client, spec, svc_live)
    # What workers are told: the address, and the ports (allocated node ports are read back here).
    effective = dict(spec, external_address=found_address, advertised_ports=advertised_ports(spec, svc_live))

    material = {}
    for kind in KINDS:
        current, cert, key = ensure_key_material(client, plane.names[kind], namespace, kind, spec["pki"],
                                                 context.protect)
        applier.apply(SECRET, key_pair_secret(plane.names[kind], namespace, name, spec, owner, cert, key),
                      current, secret=True)
        material[kind] = cert

    if shared is not None:
        # The database and user exist before the pods that use them start.
        shared_datastore.ensure(context, shared)
    if given_url is not None or shared is not None:
        extra = {shared_datastore.PASSWORD_KEY: shared.password} if shared is not None else None
        applier.apply(SECRET, datastore_secret(plane.names["datastore"], namespace, name, spec, owner, url, extra),
                      client.get(SECRET, plane.names["datastore"], namespace), secret=True)

    config_text = render_k0s_config(k0s_cluster_config(name, namespace, effective, cluster_ip))
    cm = config_map(name, namespace, spec, owner, config_text)
    applier.apply(CONFIGMAP, cm, client.get(CONFIGMAP, cm["metadata"]["name"], namespace))

    digest = config_hash(config_text, material["ca"], material["proxy"], material["sa"],
                         hashlib.sha256((url or "").encode("utf-8")).hexdigest())
    sts_obj = statefulset(name, namespace, spec, owner, digest,
                          spec["storage"]["kine_data_source_secret_name"] if url else None)
    sts_current = plane.statefulset()
    generation_before = ((sts_current or {}).get("metadata") or {}).get("generation")
    sts_plan = applier.plan(STATEFULSET, sts_obj, sts_current)
    sts_live = applier.commit(sts_plan)
    rolled = sts_current is not None and sts_plan.changed
    if rolled and spec["persistence"]["type"] == "emptyDir" and not settings.uses_external_datastore(spec):
        context.warn(
            "Control plane '%s' keeps its state in an emptyDir: this change restarts its pods and loses the hosted "
            "cluster's data, Node objects included. Use persistence type hostPath or pvc for control planes that "
            "must keep their state." % name)

    result = dict(waited=0.0, external_address=found_address, api_endpoint=api_url(effective, name, namespace),
                  ports=effective["advertised_ports"],
                  kubeconfig_secret=plane.names["kubeconfig"], version=spec["version"], settings=spec,
                  ready=False if context.check_mode else statefulset_rollout(sts_live)[0], state="not waited for")
    watch = None
    if not context.check_mode:
        watch = RolloutWatch(context, plane, spec, api_url(effective, name, namespace),
                             generation_before if rolled else None,
                             check_nodes=recorded is not None and recorded.get("version") != spec["version"])
    return result, watch


def _ensure_network_policy(applier, client, name, namespace, spec, owner):
    current = client.get(NETWORKPOLICY, workload_name(name), namespace)
    if network_policies.wanted(spec):
        applier.apply(NETWORKPOLICY, network_policies.network_policy(name, namespace, spec, owner), current)
    elif current is not None:
        applier.delete(NETWORKPOLICY, workload_name(name), namespace)


def absent(context, plane, options, wait):
    """Delete the control plane: its anchor, and the garbage collector deletes what it owns. With
    ``drop_database``, its shared datastore's database and user go too, once it is gone; the server
    is reached before anything is deleted, so that a drop that cannot be done changes nothing."""
    result = dict(ready=False, state="the control plane does not exist", waited=0.0)
    anchor_live = plane.anchor()
    drop = _drop_target(context, plane, anchor_live, options, wait)
    applier = context.applier()
    if anchor_live is not None:
        # Foreground: the anchor stays until the garbage collector has deleted everything it owns.
        applier.delete(CONFIGMAP, anchor_name(plane.name), plane.namespace, propagation="Foreground")
    elif plane.statefulset() is not None:
        applier.delete(STATEFULSET, workload_name(plane.name), plane.namespace)
    elif drop is None:
        return result, None
    if context.check_mode:
        if drop is not None:
            shared_datastore.plan_drop(context, *drop)
        return result, None
    watch = GoneWatch(plane)
    return result, watch if drop is None else shared_datastore.DropAfter(context, watch, *drop)


def _drop_target(context, plane, anchor_live, options, wait):
    """``(datastore, description)`` to drop after deletion, checked now; None without ``drop_database``."""
    if not options.get("drop_database"):
        return None
    recorded = ((settings.recorded_settings(anchor_live) or {}).get("storage") or {}).get("datastore")
    given = (options.get("storage") or {}).get("datastore")
    if not recorded and not given:
        raise FleetError(
            "drop_database is set, but control plane '%s' has no shared datastore%s." % (
                plane.name, "" if anchor_live is not None else " recorded (it does not exist)"),
            hint="Drop drop_database; or, to drop the database of a control plane already deleted, give its "
                 "storage.datastore (driver, host, admin_secret_name, and database if it was not the default).")
    if not wait:
        raise FleetError("drop_database needs wait: true: the database is dropped once the control plane is gone.",
                         hint="Leave wait at its default (true).")
    described = shared_datastore.settings_of(given, recorded, plane.name, plane.namespace)
    datastore = shared_datastore.connect(context, plane.client, plane.namespace, described)
    sql.check(datastore, described["database"], described["user"])
    return datastore, described


def summarize(plane, anchor_live, health=True):
    """What ``cluster_info`` says of one control plane."""
    spec = settings.recorded_settings(anchor_live) or {}
    sts = plane.statefulset()
    status = (sts or {}).get("status") or {}
    ready, state = statefulset_rollout(sts, None)
    ca_secret = plane.client.get(SECRET, plane.names["ca"], plane.namespace)
    kubeconfig_secret = plane.client.get(SECRET, plane.names["kubeconfig"], plane.namespace)
    ca_expires = pki.not_valid_after(secret_bytes(ca_secret, "tls.crt") or b"")
    text = secret_bytes(kubeconfig_secret, "value")
    admin_expires = certificate_expiry(text) if text else None
    svc = plane.client.get(SERVICE, workload_name(plane.name), plane.namespace)
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
        "ca_expires": format_time(ca_expires),
        "admin_certificate_expires": format_time(admin_expires),
        "settings": spec,
    }
    if health and ca_secret is not None:
        summary["api"] = hosted_health(plane, server=summary["api_endpoint"])
    return summary
