# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Builder: the Service ``kmc-X``, ports ``api`` and ``konnectivity`` (this is where a control plane's
ports are decided: ``service.api_port`` and ``service.konnectivity_port``, defaults in ``_settings``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._native._names import metadata, selector_labels, workload_name


def service(cluster, namespace, spec, owner):
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
