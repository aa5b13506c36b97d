# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _service as objects
from ansible_collections.k0smotron.fleet.tests.unit.native_helpers import OWNER, settings


def test_nodeport_service_ports_equal_node_ports():
    svc = objects.service("shop-1", "edge", settings(service={"type": "NodePort", "api_port": 31000,
                                                              "konnectivity_port": 31001}), OWNER)
    assert [(p["port"], p["nodePort"], p["targetPort"]) for p in svc["spec"]["ports"]] == [
        (31000, 31000, "api"), (31001, 31001, "konnectivity")]
    assert "nodePort" not in objects.service("shop-1", "edge", settings(), OWNER)["spec"]["ports"][0]
