# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Builder: the NetworkPolicy ``kmc-X`` beside a control plane (``network_policy`` setting).

Ingress to the control-plane pods is limited to the API and konnectivity ports, from the peers
``network_policy.from`` names (NetworkPolicy peers: pod, namespace or ipBlock selectors), or from
anywhere when it names none; every other port of the pods (kine, k0s's status and metrics
listeners, the components' own ports) is closed to the rest of the management cluster. Egress is
left open: the pods reach their datastore, and workers' kubelets through konnectivity's tunnels
that the agents open. The ports are the pods' own (a NetworkPolicy sees traffic after a Service or
a node port has forwarded it), so node ports and load balancers keep working.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.k0smotron.fleet.plugins.module_utils._native._names import metadata, selector_labels, workload_name
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._settings import service_ports


def wanted(spec):
    return bool((spec.get("network_policy") or {}).get("enabled"))


def network_policy(cluster, namespace, spec, owner):
    """The NetworkPolicy: ingress to the API and konnectivity ports only."""
    ports = service_ports(spec)
    rule = {"ports": [{"protocol": "TCP", "port": ports[name]} for name in ("api", "konnectivity")]}
    peers = (spec.get("network_policy") or {}).get("from")
    if peers:
        rule["from"] = copy.deepcopy(peers)
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": metadata(workload_name(cluster), namespace, cluster, spec, owner),
            "spec": {"podSelector": {"matchLabels": selector_labels(cluster)},
                     "policyTypes": ["Ingress"], "ingress": [rule]}}
