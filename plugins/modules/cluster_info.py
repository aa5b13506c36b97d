#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cluster_info
short_description: Read the state of hosted control planes
version_added: 0.1.0
description:
  - Reads one hosted control plane, or all of those in a namespace (or in every namespace) that match label
    selectors, and summarises each (ready or not and why, API endpoint, version, replicas).
  - With O(engine=native) it also asks each hosted cluster's own API (when reachable from where the module runs,
    see O(hosted_api_url)) for its health and its nodes, and reports when the CA and the admin certificate end.
  - With O(engine=k0smotron) it reads k0smotron C(Cluster) objects, with their conditions, and returns the raw
    objects too, with a kine data source URL masked.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - k0smotron.fleet.connection
  - k0smotron.fleet.engine
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
  health:
    description:
      - With O(engine=native), ask each hosted cluster's API for C(/readyz) and its nodes. Each ask is bounded by
        O(request_timeout); turn it off to read many control planes quickly from where their APIs are not reachable.
    type: bool
    default: true
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
      description: The raw Cluster object (k0smotron engine).
      type: dict
    engine:
      description: V(native) for a control plane made by the native engine.
      type: str
      sample: native
    cluster_ip:
      description: The ClusterIP of the control plane's Service (native engine).
      type: str
      sample: 10.96.12.7
    ca_expires:
      description: When the cluster CA ends (UTC, native engine).
      type: str
      sample: "2036-11-27T13:00:00Z"
    admin_certificate_expires:
      description: When the admin certificate in the kubeconfig Secret ends (UTC, native engine); null without one.
      type: str
      sample: "2026-11-30T13:00:00Z"
    settings:
      description: The control plane's recorded settings (native engine); no secret is in them.
      type: dict
    api:
      description:
        - The hosted API's own answer (native engine, with O(health)) - C(reachable), C(ready) (its C(/readyz)),
          C(nodes), C(nodes_ready), C(kubelet_versions), C(node_list) (each node's C(name), C(ready) and
          C(kubelet_version)), and C(error) when it could not be asked.
      type: dict
      sample:
        reachable: true
        ready: true
        nodes: 2
        nodes_ready: 2
        kubelet_versions: [v1.36.3+k0s]
"""

from ansible_collections.k0smotron.fleet.plugins.module_utils._runner import run_module

ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    namespace=dict(type="str"),
    label_selectors=dict(type="list", elements="str", default=[]),
    health=dict(type="bool", default=True),
)


def main():
    run_module("cluster_info", ARGUMENT_SPEC)


if __name__ == "__main__":
    main()
