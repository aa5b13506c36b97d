# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.filter.fleet_summary import FilterModule, fleet_summary


def planned(name, ready=True):
    return {"name": name, "namespace": "fleet", "version": "v1.36.3+k0s.2",
            "api_endpoint": "https://192.0.2.10:30443", "ready": ready}


def test_each_control_plane_with_its_joined_hosts_and_the_totals():
    summary = fleet_summary({"shop-2": planned("shop-2", ready=False), "shop-1": planned("shop-1")},
                            [{"worker_cluster": "shop-1", "worker_token_request": {"dest": "x"}},
                             {"worker_cluster": "shop-1"}, {"worker_cluster": "shop-2"}])
    assert summary == {
        "control_planes": [
            {"name": "shop-1", "namespace": "fleet", "version": "v1.36.3+k0s.2",
             "endpoint": "https://192.0.2.10:30443", "ready": True, "hosts_joined": 2},
            {"name": "shop-2", "namespace": "fleet", "version": "v1.36.3+k0s.2",
             "endpoint": "https://192.0.2.10:30443", "ready": False, "hosts_joined": 1}],
        "control_planes_ready": 1, "hosts_joined": 3}


def test_only_the_named_fields_go_in():
    summary = fleet_summary({"a": dict(planned("a"), kubeconfig="secret")}, [{"worker_cluster": "a", "token": "t"}])
    assert "secret" not in repr(summary) and "'t'" not in repr(summary)


def test_nothing_planned_and_nobody_joined():
    assert fleet_summary(None, None) == {"control_planes": [], "control_planes_ready": 0, "hosts_joined": 0}
    assert FilterModule().filters()["fleet_summary"] is fleet_summary
