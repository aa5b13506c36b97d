# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils._engine import EngineContext
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._address import discover_external_address
from ansible_collections.k0smotron.fleet.tests.unit.native_helpers import settings


class Nodes:
    def __init__(self, nodes=None, error=None, service=None):
        self.nodes, self.error, self.service = nodes or [], error, service

    def list(self, resource, namespace=None, **kwargs):
        if self.error:
            raise self.error
        return self.nodes

    def get(self, resource, name, namespace=None):
        return self.service


def node(name, **addresses):
    return {"metadata": {"name": name}, "status": {"addresses": [
        {"type": kind, "address": address} for kind, address in addresses.items()]}}


def context(check_mode=False):
    return EngineContext(lambda: None, check_mode=check_mode, wait_timeout=5, wait_sleep=1)


def test_a_given_address_or_a_cluster_ip_service_needs_no_lookup():
    assert discover_external_address(context(), None, settings(external_address="cp.example.com"), None) == \
        "cp.example.com"
    assert discover_external_address(context(), None, settings(), None) is None


def test_nodeport_takes_an_external_ip_before_an_internal_one():
    nodes = Nodes([node("b", InternalIP="10.0.0.2"), node("a", InternalIP="10.0.0.1"),
                   node("c", InternalIP="10.0.0.3", ExternalIP="203.0.113.3")])
    spec = settings(service={"type": "NodePort"})
    assert discover_external_address(context(), nodes, spec, None) == "203.0.113.3"
    nodes = Nodes([node("b", InternalIP="10.0.0.2"), node("a", InternalIP="10.0.0.1")])
    assert discover_external_address(context(), nodes, spec, None) == "10.0.0.1"


def test_nodes_that_cannot_be_listed_ask_for_external_address():
    nodes = Nodes(error=FleetError("Forbidden: the identity in use may not 'list' nodes."))
    with pytest.raises(FleetError) as caught:
        discover_external_address(context(), nodes, settings(service={"type": "NodePort"}), None)
    assert "Forbidden" in caught.value.msg and "Set external_address" in caught.value.hint


def test_a_load_balancer_address_is_waited_for_but_not_in_check_mode():
    service = {"metadata": {"name": "kmc-shop-1", "namespace": "edge"},
               "status": {"loadBalancer": {"ingress": [{"hostname": "lb.example.com"}]}}}
    spec = settings(service={"type": "LoadBalancer"})
    assert discover_external_address(context(), Nodes(service=service), spec, service) == "lb.example.com"
    assert discover_external_address(context(check_mode=True), Nodes(service=service), spec, service) is None
