# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Builder: the Service ``kmc-X``, ports ``api`` and ``konnectivity`` (this is where a control plane's
ports are decided: ``service.api_port`` and ``service.konnectivity_port``, defaults in ``_settings``),
and the ports workers are told to use.

A port given is the same in the pod, on the Service and, with NodePort, on every node. A port left
out is the standard one (6443, 8132) in the pod and on the Service; with NodePort, Kubernetes
allocates its node port, which stays the Service's for as long as the Service lives (the module
never sets it, so a later apply keeps it), and workers are told ``host:nodePort``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._names import metadata, selector_labels, workload_name
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._settings import (
    automatic_node_ports,
    service_ports,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import SERVICE


def service(cluster, namespace, spec, owner):
    """The Service; a NodePort port given is also its node port, one left out is allocated."""
    kind = spec["service"]["type"]
    automatic = automatic_node_ports(spec)
    ports = []
    for port_name, number in sorted(service_ports(spec).items()):
        port = {"name": port_name, "port": number, "targetPort": port_name, "protocol": "TCP"}
        if kind == "NodePort" and port_name not in automatic:
            # k0s tells workers api.port and konnectivity.agentPort: a given node port equals them.
            port["nodePort"] = number
        ports.append(port)
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": metadata(workload_name(cluster), namespace, cluster, spec, owner),
            "spec": {"type": kind, "selector": selector_labels(cluster), "ports": ports}}


def advertised_ports(spec, svc_live):
    """``{port name: port}`` workers are told: the Service port, or the allocated node port of an
    automatic NodePort port (None while it is not known: in check mode, before the Service exists)."""
    ports = service_ports(spec)
    allocated = node_ports(svc_live)
    for port_name in automatic_node_ports(spec):
        ports[port_name] = allocated.get(port_name)
    return ports


def node_ports(svc):
    """``{port name: node port}`` of a Service (object or as built)."""
    return dict((p.get("name"), p.get("nodePort")) for p in ((svc or {}).get("spec") or {}).get("ports") or []
                if p.get("nodePort"))


def check_service(client, svc_obj, current):
    """Before the first write of a new or re-ported Service: a server-side dry run, so that what the
    API would refuse (node ports another Service holds, a full node port range, a quota) fails before
    anything is made; a port held by another Service is named with its holder when that is in this
    namespace (cluster-wide, listing Services may not be allowed)."""
    wanted = node_ports(svc_obj)
    if current is not None and (current.get("spec") or {}).get("type") == svc_obj["spec"]["type"] and \
            all(node_ports(current).get(name) == port for name, port in wanted.items()):
        return
    try:
        client.apply(SERVICE, svc_obj, dry_run=True)
    except FleetError as exc:
        namespace = svc_obj["metadata"]["namespace"]
        if "already allocated" not in exc.msg:
            raise FleetError(
                "Service %s/%s would be refused: %s" % (namespace, svc_obj["metadata"]["name"], exc.msg),
                hint="Nothing was made. With NodePort and no ports given, a full node port range refuses new "
                     "Services: widen kube-apiserver's --service-node-port-range, or use service.type LoadBalancer.")
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
            hint="Leave service.api_port and service.konnectivity_port out, so that Kubernetes allocates free node "
                 "ports, or give ports no other Service uses (node ports are shared by the whole management "
                 "cluster). Nothing was made.")
