# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The address workers reach a control plane at, when none was given: a LoadBalancer's ingress, or a
management node's ExternalIP, else its InternalIP, for NodePort."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import NODE, SERVICE


def discover_external_address(context, client, spec, svc_live):
    """The address workers reach a NodePort or LoadBalancer Service at, when none was given."""
    kind = spec["service"]["type"]
    if spec.get("external_address") or kind == "ClusterIP":
        return spec.get("external_address")
    if kind == "LoadBalancer":
        if context.check_mode:
            return None

        def ingress_address(svc):
            for entry in ((svc or {}).get("status") or {}).get("loadBalancer", {}).get("ingress") or []:
                if entry.get("ip") or entry.get("hostname"):
                    return entry.get("ip") or entry.get("hostname")
            return None

        name, namespace = svc_live["metadata"]["name"], svc_live["metadata"]["namespace"]
        svc = context.waiter().until(
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
