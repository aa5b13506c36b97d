# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Builder: the Service ``kmc-X``, ports ``api`` and ``konnectivity`` (this is where a control plane's
ports are decided: ``service.api_port`` and ``service.konnectivity_port``, defaults in ``_settings``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._names import metadata, selector_labels, workload_name
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import SERVICE


def service(cluster, namespace, spec, owner):
    """The Service; for NodePort, each node port equals its port (k0s advertises the port)."""
    svc = spec["service"]
    ports = []
    for port_name, key in (("api", "api_port"), ("konnectivity", "konnectivity_port")):
        port = {"name": port_name, "port": svc[key], "targetPort": port_name, "protocol": "TCP"}
        if svc["type"] == "NodePort":
            # k0s tells workers to use api.port and konnectivity.agentPort: the node ports must equal them.
            port["nodePort"] = svc[key]
        ports.append(port)
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": metadata(workload_name(cluster), namespace, cluster, spec, owner),
            "spec": {"type": svc["type"], "selector": selector_labels(cluster), "ports": ports}}


def node_ports(svc):
    """``{port name: node port}`` of a Service (object or as built)."""
    return dict((p.get("name"), p.get("nodePort")) for p in ((svc or {}).get("spec") or {}).get("ports") or []
                if p.get("nodePort"))


def check_node_ports(client, svc_obj, current):
    """Before the first write of a new or re-ported NodePort Service: a server-side dry run, so that
    node ports another Service holds fail before anything is made, naming the holder when it is
    in this namespace (cluster-wide, listing Services may not be allowed)."""
    wanted = node_ports(svc_obj)
    if not wanted or (current is not None and node_ports(current) == wanted):
        return
    try:
        client.apply(SERVICE, svc_obj, dry_run=True)
    except FleetError as exc:
        if "already allocated" not in exc.msg:
            raise
        namespace = svc_obj["metadata"]["namespace"]
        holders = []
        for other in client.list(SERVICE, namespace):
            if other["metadata"]["name"] == svc_obj["metadata"]["name"]:
                continue
            for name, port in node_ports(other).items():
                if port in wanted.values():
                    holders.append("%d (Service %s/%s, port %s)" % (port, namespace, other["metadata"]["name"], name))
        raise FleetError(
            "The node ports of control plane Service %s/%s are taken: %s." % (
                namespace, svc_obj["metadata"]["name"],
                ", ".join(holders) or "by a Service in another namespace (%s)" % exc.msg),
            hint="Give service.api_port and service.konnectivity_port that no other Service uses (node ports are "
                 "shared by the whole management cluster). Nothing was made.")
