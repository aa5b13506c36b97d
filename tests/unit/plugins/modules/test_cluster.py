# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.modules import cluster, cluster_info

BASE = dict(name="shop-1", namespace="edge", version="v1.36.3+k0s.0", wait_sleep=1)


def test_create_waits_until_ready_and_reports_where_to_connect(run_module, fake_api):
    result, failed = run_module(cluster.main, dict(BASE, service=dict(type="NodePort"), external_address="192.0.2.9"))
    assert not failed, result
    assert result["changed"] is True
    assert result["ready"] is True
    assert result["api_endpoint"] == "https://192.0.2.9:30443"
    assert result["kubeconfig_secret"] == "shop-1-kubeconfig"
    assert result["cluster"]["spec"]["version"] == "v1.36.3+k0s.0"
    assert [h["state"] for h in result["wait_progress"]][-1] == "1/1 control-plane replicas ready"
    # The dry run comes before the real apply: a refused object changes nothing.
    writes = [c[0] for c in fake_api.calls if c[0].startswith("apply")]
    assert writes == ["apply-dry", "apply"]


def test_second_run_changes_nothing(run_module, fake_api):
    run_module(cluster.main, BASE)
    fake_api.calls[:] = []
    result, failed = run_module(cluster.main, BASE)
    assert not failed
    assert result["changed"] is False
    assert ("apply", "clusters", "shop-1") not in fake_api.calls


def test_change_of_version_is_applied(run_module, fake_api):
    run_module(cluster.main, BASE)
    result, _failed = run_module(cluster.main, dict(BASE, version="v1.36.3+k0s.2", _ansible_diff=True))
    assert result["changed"] is True
    assert result["diff"]["before"]["spec"]["version"] == "v1.36.3+k0s.0"
    assert result["diff"]["after"]["spec"]["version"] == "v1.36.3+k0s.2"


def test_check_mode_writes_nothing_and_predicts_the_change(run_module, fake_api):
    result, failed = run_module(cluster.main, dict(BASE, _ansible_check_mode=True, _ansible_diff=True))
    assert not failed, result
    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["spec"]["version"] == "v1.36.3+k0s.0"
    assert fake_api.writes() == []
    assert fake_api.objects == {}


def test_delete_waits_until_gone(run_module, fake_api):
    run_module(cluster.main, BASE)
    result, failed = run_module(cluster.main, dict(name="shop-1", namespace="edge", state="absent"))
    assert not failed
    assert result["changed"] is True
    assert fake_api.objects == {}
    result, _failed = run_module(cluster.main, dict(name="shop-1", namespace="edge", state="absent"))
    assert result["changed"] is False


def test_delete_in_check_mode_keeps_the_cluster(run_module, fake_api):
    run_module(cluster.main, BASE)
    result, _failed = run_module(cluster.main, dict(name="shop-1", namespace="edge", state="absent",
                                                    _ansible_check_mode=True))
    assert result["changed"] is True
    assert any(k[0] == "clusters" for k in fake_api.objects)


def test_timeout_explains_what_the_pods_and_events_say(run_module, fake_api):
    fake_api.polls_until_ready = 10 ** 6
    result, failed = run_module(cluster.main, dict(BASE, wait_timeout=0))
    assert failed
    assert "Timed out after 0s waiting for Cluster edge/shop-1 to be ready" in result["msg"]
    assert "no control-plane pods exist" in result["msg"]
    assert "pods" in result and "events" in result and "conditions" in result


def test_kine_url_is_masked_everywhere(run_module, fake_api):
    url = "postgres://fleet:s3cr3t-pw@db.example:5432/shop1"
    result, failed = run_module(cluster.main, dict(
        BASE, storage=dict(type="kine", kine_data_source_url=url), _ansible_diff=True))
    assert not failed, result
    assert "s3cr3t-pw" not in json.dumps(result)


@pytest.mark.parametrize("args, message", [
    (dict(BASE, name="Shop_1"), "name 'Shop_1' is not a valid name"),
    (dict(BASE, namespace="Edge"), "namespace 'Edge' is not a valid name"),
    (dict(BASE, version="1.36"), "version '1.36' is not a k0s version"),
    (dict(BASE, version=None), "version is required with state=present"),
    (dict(BASE, replicas=0), "replicas must be at least 1"),
    (dict(BASE, persistence=dict(type="hostPath")), "persistence.type=hostPath needs persistence.host_path"),
    (dict(BASE, persistence=dict(type="pvc")), "persistence.type=pvc needs persistence.persistent_volume_claim"),
    (dict(BASE, service=dict(api_port=70000)), "service.api_port must be a port number"),
    (dict(BASE, replicas=3, storage=dict(type="kine")), "replicas=3 with storage.type=kine needs an external database"),
    (dict(BASE, replicas=2, spec=dict(replicas=3)), "Options 'replicas' and 'spec.replicas'"),
    (dict(BASE, storage=dict(type="kine", kine_data_source_url="postgres://db/x", kine_data_source_secret_name="db")),
     "mutually exclusive"),
    (dict(BASE, service=dict(type="ExternalName")), "value of type must be one of"),
    (dict(BASE, bogus=1), "Unsupported parameters"),
])
def test_bad_input_fails_before_any_api_call(run_module, fake_api, args, message):
    result, failed = run_module(cluster.main, args)
    assert failed
    assert message in result["msg"]
    assert fake_api.calls == []


def test_missing_operator_is_reported(run_module, fake_api):
    fake_api.crd_installed = False
    result, failed = run_module(cluster.main, BASE)
    assert failed
    assert "k0smotron operator is not installed" in result["msg"]
    assert fake_api.writes() == []


def test_api_errors_end_the_task_with_their_message(run_module, fake_api):
    fake_api.failures.append(FleetError("Cannot reach the management cluster's API at https://x: refused."))
    result, failed = run_module(cluster.main, BASE)
    assert failed
    assert result["msg"].startswith("Cannot reach the management cluster's API at https://x")


def test_cluster_info_summarises_and_filters(run_module, fake_api):
    run_module(cluster.main, dict(BASE, labels={"region": "eu"}))
    run_module(cluster.main, dict(BASE, name="shop-2", labels={"region": "us"}))
    result, failed = run_module(cluster_info.main, dict(label_selectors=["region=eu"]))
    assert not failed
    assert [c["name"] for c in result["clusters"]] == ["shop-1"]
    assert result["clusters"][0]["ready"] is True
    assert result["clusters"][0]["resource"]["kind"] == "Cluster"

    result, _failed = run_module(cluster_info.main, dict(name="shop-2", namespace="edge"))
    assert [c["name"] for c in result["clusters"]] == ["shop-2"]
    result, _failed = run_module(cluster_info.main, dict(name="nope", namespace="edge"))
    assert result["clusters"] == []
    assert result["changed"] is False


def test_cluster_info_needs_namespace_with_name(run_module, fake_api):
    result, failed = run_module(cluster_info.main, dict(name="shop-1"))
    assert failed and "name needs namespace" in result["msg"]


def test_changing_labels_of_an_existing_cluster_is_refused_before_any_change(run_module, fake_api):
    run_module(cluster.main, dict(BASE, labels={"region": "eu"}))
    fake_api.calls[:] = []
    result, failed = run_module(cluster.main, dict(BASE, labels={"region": "us"}))
    assert failed
    assert "Changing the labels of the existing Cluster 'shop-1'" in result["msg"]
    assert "selector of its control-plane StatefulSet" in result["msg"]
    assert fake_api.writes() == []


def test_both_forms_of_a_version_are_one_release(run_module, fake_api):
    run_module(cluster.main, BASE)
    result, failed = run_module(cluster.main, dict(BASE, version="v1.36.3-k0s.0", _ansible_diff=True))
    assert not failed, result
    assert result["changed"] is False
    assert "diff" not in result


def test_a_change_waits_for_the_control_plane_to_roll_and_warns_about_emptydir(run_module, fake_api):
    run_module(cluster.main, BASE)
    fake_api.add_statefulset("edge", "shop-1")
    result, failed = run_module(cluster.main, dict(BASE, annotations={"fleet.example.com/owner": "ops"}))
    assert not failed, result
    states = [h["state"] for h in result["wait_progress"]]
    assert any("rolling out" in s or "has not seen generation" in s for s in states), states
    assert states[-1] == "StatefulSet kmc-shop-1 rolled out"
    assert any("keeps its state in an emptyDir" in w for w in result["warnings"])


def test_no_statefulset_change_is_waited_for_only_a_while(run_module, fake_api, monkeypatch):
    run_module(cluster.main, dict(BASE, persistence=dict(type="hostPath", host_path="/var/lib/k0smotron/shop-1")))
    fake_api.add_statefulset("edge", "shop-1")
    # A change the operator does not carry into the StatefulSet: only the settle time ends the wait.
    fake_api.objects[("statefulsets", "edge", "kmc-shop-1")]["metadata"]["generation"] = 10 ** 6
    clock = iter(range(0, 10 ** 6, 3))
    monkeypatch.setattr("time.monotonic", lambda: float(next(clock)))
    result, failed = run_module(cluster.main, dict(
        BASE, persistence=dict(type="hostPath", host_path="/var/lib/k0smotron/shop-1"), replicas=1,
        annotations={"a": "b"}))
    assert not failed, result
    assert result["warnings"] == []
    assert result["wait_progress"][-1]["state"] == "StatefulSet kmc-shop-1 rolled out"
