#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cluster_info
short_description: Read the state of k0smotron hosted control planes
version_added: 0.1.0
description:
  - Reads one k0smotron C(Cluster), or all of those in a namespace (or in every namespace) that match
    label selectors, and summarises each (ready or not and why, API endpoint, version, replicas, conditions).
  - Returns the raw objects too, with a kine data source URL masked.
author:
  - k0smotron.fleet maintainers (@k0smotron)
extends_documentation_fragment:
  - k0smotron.fleet.connection
  - k0smotron.fleet.attributes
  - k0smotron.fleet.attributes.INFO_MODULE
options:
  name:
    description:
      - Name of one Cluster. Needs O(namespace). Without it, all Clusters matching the other options are read.
    type: str
  namespace:
    description:
      - Namespace to read from. Without it, Clusters of every namespace are read.
    type: str
  label_selectors:
    description:
      - Label selectors the Clusters must all match, for example V(fleet.example.com/region=eu-west).
    type: list
    elements: str
    default: []
seealso:
  - module: k0smotron.fleet.cluster
"""

EXAMPLES = r"""
- name: Read one hosted control plane
  k0smotron.fleet.cluster_info:
    name: shop-0042
    namespace: edge
  register: shop

- name: Stop when it is not serving
  ansible.builtin.assert:
    that: shop.clusters[0].ready
    fail_msg: "{{ shop.clusters[0].state }}"

- name: Every hosted control plane of a region that is not ready
  k0smotron.fleet.cluster_info:
    label_selectors:
      - fleet.example.com/region=eu-west
  register: region

- name: Show them
  ansible.builtin.debug:
    msg: "{{ region.clusters | rejectattr('ready') | map(attribute='name') | list }}"
"""

RETURN = r"""
clusters:
  description: One entry per Cluster found, sorted by namespace and name; empty when none matched.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the Cluster.
      type: str
      sample: shop-0042
    namespace:
      description: Its namespace.
      type: str
      sample: edge
    version:
      description: The k0s version declared.
      type: str
      sample: v1.36.3+k0s.0
    ready:
      description: Whether the control plane is up to date and serving.
      type: bool
      sample: true
    state:
      description: Where the control plane stands, in words.
      type: str
      sample: 1/1 control-plane replicas ready
    available:
      description: Whether k0smotron reports the C(Available) condition as true.
      type: bool
      sample: true
    replicas:
      description: Control-plane replicas declared.
      type: int
      sample: 1
    ready_replicas:
      description: Control-plane replicas ready.
      type: int
      sample: 1
    updated_replicas:
      description: Control-plane replicas running the declared template.
      type: int
      sample: 1
    service_type:
      description: The Service type the control plane is exposed with.
      type: str
      sample: NodePort
    external_address:
      description: The external address declared, or found by k0smotron for a load balancer.
      type: str
      sample: 192.0.2.10
    api_endpoint:
      description: The hosted API's URL when it can be known from the object.
      type: str
      sample: https://192.0.2.10:30443
    kubeconfig_secret:
      description: Name of the Secret with the admin kubeconfig.
      type: str
      sample: shop-0042-kubeconfig
    conditions:
      description: The Cluster's conditions by type, each with C(status), C(reason) and C(message).
      type: dict
      sample:
        Available:
          status: "True"
          reason: Available
          message: null
    resource:
      description: The raw Cluster object.
      type: dict
"""

from ansible_collections.k0smotron.fleet.plugins.module_utils import cluster as model
from ansible_collections.k0smotron.fleet.plugins.module_utils.args import validate_dns_label
from ansible_collections.k0smotron.fleet.plugins.module_utils.client import CLUSTER
from ansible_collections.k0smotron.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils.module import FleetModule

ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    namespace=dict(type="str"),
    label_selectors=dict(type="list", elements="str", default=[]),
)


def main():
    module = FleetModule(ARGUMENT_SPEC)

    def work():
        params = module.params
        if params["namespace"] is not None:
            validate_dns_label("namespace", params["namespace"])
        if params["name"] is not None:
            validate_dns_label("name", params["name"])
            if params["namespace"] is None:
                raise FleetError("name needs namespace.", hint="Give the namespace of the Cluster too.")
        client = module.client
        if params["name"]:
            obj = client.get(CLUSTER, params["name"], params["namespace"])
            if obj is None:
                client.ensure_served(CLUSTER)
            found = [obj] if obj is not None else []
        else:
            found = client.list(CLUSTER, params["namespace"], label_selector=",".join(params["label_selectors"]))
        found.sort(key=lambda o: ((o.get("metadata") or {}).get("namespace"), (o.get("metadata") or {}).get("name")))
        clusters = []
        for obj in found:
            summary = model.summarize(obj)
            summary["resource"] = model.redact(obj)
            clusters.append(summary)
        return dict(changed=False, clusters=clusters)

    module.run(work)


if __name__ == "__main__":
    main()
