# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _network_policy as builder
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _statefulset
from ansible_collections.k0smotron.fleet.tests.unit.native_helpers import OWNER, settings


def test_only_the_api_and_konnectivity_ports_of_the_pods_from_anywhere_by_default():
    spec = settings()
    assert builder.wanted(spec)
    policy = builder.network_policy("shop-1", "edge", spec, OWNER)
    assert policy["metadata"]["name"] == "kmc-shop-1" and policy["metadata"]["ownerReferences"] == [OWNER]
    assert policy["spec"]["podSelector"] == {"matchLabels": {
        "app.kubernetes.io/name": "k0s", "k0smotron.fleet/cluster": "shop-1"}}
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    assert policy["spec"]["ingress"] == [{"ports": [{"protocol": "TCP", "port": 6443},
                                                    {"protocol": "TCP", "port": 8132}]}]


def test_the_ports_are_the_ones_the_pod_listens_on():
    spec = settings(service={"type": "NodePort", "api_port": 30443, "konnectivity_port": 30132})
    policy = builder.network_policy("shop-1", "edge", spec, OWNER)
    ports = [p["port"] for p in policy["spec"]["ingress"][0]["ports"]]
    container = _statefulset.statefulset("shop-1", "edge", spec, OWNER, "h")["spec"]["template"]["spec"]["containers"][0]
    assert ports == [p["containerPort"] for p in container["ports"]] == [30443, 30132]
    # Automatic node ports: the pod keeps the standard ports, and so does the policy.
    spec = settings(service={"type": "NodePort"})
    assert [p["port"] for p in builder.network_policy("a", "b", spec, OWNER)["spec"]["ingress"][0]["ports"]] == [
        6443, 8132]


def test_from_names_the_peers_and_the_pods_selector_stays_fixed():
    peers = [{"ipBlock": {"cidr": "10.20.0.0/16"}}, {"namespaceSelector": {"matchLabels": {"team": "edge"}}}]
    spec = settings(network_policy={"enabled": True, "from": peers}, labels={"site": "x"})
    policy = builder.network_policy("shop-1", "edge", spec, OWNER)
    assert policy["spec"]["ingress"][0]["from"] == peers
    assert "site" not in policy["spec"]["podSelector"]["matchLabels"]


def test_disabled_is_not_wanted():
    assert not builder.wanted(settings(network_policy={"enabled": False}))
