# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _service as objects
from ansible_collections.k0smotron.fleet.tests.unit.native_helpers import OWNER, settings


def test_nodeport_service_ports_equal_node_ports():
    svc = objects.service("shop-1", "edge", settings(service={"type": "NodePort", "api_port": 31000,
                                                              "konnectivity_port": 31001}), OWNER)
    assert [(p["port"], p["nodePort"], p["targetPort"]) for p in svc["spec"]["ports"]] == [
        (31000, 31000, "api"), (31001, 31001, "konnectivity")]
    assert "nodePort" not in objects.service("shop-1", "edge", settings(), OWNER)["spec"]["ports"][0]


def test_nodeport_ports_left_out_are_the_standard_ones_and_their_node_ports_are_allocated():
    spec = settings(service={"type": "NodePort", "api_port": None, "konnectivity_port": None})
    svc = objects.service("shop-1", "edge", spec, OWNER)
    assert [(p["name"], p["port"], "nodePort" in p) for p in svc["spec"]["ports"]] == [
        ("api", 6443, False), ("konnectivity", 8132, False)]
    assert objects.advertised_ports(spec, None) == {"api": None, "konnectivity": None}
    live = {"spec": {"ports": [{"name": "api", "port": 6443, "nodePort": 31207},
                               {"name": "konnectivity", "port": 8132, "nodePort": 30911}]}}
    assert objects.advertised_ports(spec, live) == {"api": 31207, "konnectivity": 30911}


def test_one_port_given_and_one_left_out():
    spec = settings(service={"type": "NodePort", "api_port": 31443, "konnectivity_port": None})
    svc = objects.service("shop-1", "edge", spec, OWNER)
    assert [(p["port"], p.get("nodePort")) for p in svc["spec"]["ports"]] == [(31443, 31443), (8132, None)]
    live = {"spec": {"ports": [{"name": "api", "port": 31443, "nodePort": 31443},
                               {"name": "konnectivity", "port": 8132, "nodePort": 30911}]}}
    assert objects.advertised_ports(spec, live) == {"api": 31443, "konnectivity": 30911}


def test_clusterip_and_loadbalancer_tell_the_service_ports():
    for kind in ("ClusterIP", "LoadBalancer"):
        spec = settings(service={"type": kind, "api_port": None, "konnectivity_port": None})
        assert objects.advertised_ports(spec, {"spec": {"ports": []}}) == {"api": 6443, "konnectivity": 8132}
        assert all("nodePort" not in p for p in objects.service("shop-1", "edge", spec, OWNER)["spec"]["ports"])


class _DryRunClient(object):
    def __init__(self, error=None):
        self.error, self.dry_runs = error, 0

    def apply(self, resource, obj, dry_run=False):
        assert dry_run
        self.dry_runs += 1
        if self.error:
            raise self.error

    def list(self, resource, namespace):
        return []


def test_a_new_service_is_tried_by_a_dry_run_and_a_refusal_names_the_fix():
    spec = settings(service={"type": "NodePort", "api_port": None, "konnectivity_port": None})
    svc = objects.service("shop-1", "edge", spec, OWNER)
    client = _DryRunClient()
    objects.check_service(client, svc, None)
    assert client.dry_runs == 1
    client = _DryRunClient(FleetError("Service is invalid: spec.ports[0].nodePort: Internal error: range is full"))
    with pytest.raises(FleetError) as caught:
        objects.check_service(client, svc, None)
    assert "range is full" in caught.value.msg and "--service-node-port-range" in caught.value.hint
    assert "Nothing was made" in caught.value.hint


def test_an_unchanged_service_is_not_tried_again():
    spec = settings(service={"type": "NodePort", "api_port": None, "konnectivity_port": None})
    svc = objects.service("shop-1", "edge", spec, OWNER)
    live = {"spec": {"type": "NodePort", "ports": [{"name": "api", "port": 6443, "nodePort": 31207},
                                                   {"name": "konnectivity", "port": 8132, "nodePort": 30911}]}}
    client = _DryRunClient()
    objects.check_service(client, svc, live)
    assert client.dry_runs == 0
