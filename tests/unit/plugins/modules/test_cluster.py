# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils import _resources as resources
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
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
    # What is missing is said: here k0smotron never made the StatefulSet.
    assert "k0smotron has not made StatefulSet kmc-shop-1 yet" in result["msg"]
    assert "pods" in result and "events" in result and "conditions" in result
    # The hint points at a diagnosis that is there, after the message.
    assert result["msg"].index("Diagnosis:") < result["msg"].index("act on the diagnosis")


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


@pytest.mark.parametrize("change, named", [
    (dict(service=dict(type="NodePort", api_port=30444)), "service.api_port (from 30443 to 30444)"),
    (dict(external_address="192.0.2.10"), "external_address (from 192.0.2.9 to 192.0.2.10)"),
    (dict(service=dict(type="LoadBalancer", api_port=30443)), "service.type (from NodePort to LoadBalancer)"),
])
def test_changing_the_address_of_an_existing_cluster_is_refused_before_any_change(
        run_module, fake_api, change, named):
    made = dict(BASE, service=dict(type="NodePort", api_port=30443), external_address="192.0.2.9")
    run_module(cluster.main, made)
    fake_api.calls[:] = []
    result, failed = run_module(cluster.main, dict(made, **change))
    assert failed
    assert "Changing the address of the existing Cluster 'shop-1': " + named in result["msg"]
    assert "create a new Cluster" in result["msg"] and "engine: native" in result["msg"]
    assert fake_api.writes() == []
    # The same options again are no change at all.
    result, failed = run_module(cluster.main, made)
    assert not failed and result["changed"] is False


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


# --- options left out keep the live values (issue 13, 1) --------------------------------------

CREATED = dict(BASE, service=dict(type="NodePort", api_port=30443, konnectivity_port=30132),
               persistence=dict(type="hostPath", host_path="/var/lib/k0smotron/shop-1"),
               storage=dict(type="kine"), labels={"region": "eu"}, annotations={"owner": "ops"})


def live_spec(fake_api, name="shop-1"):
    return fake_api.objects[("clusters", "edge", name)]["spec"]


def test_the_fake_drops_what_an_apply_leaves_out_as_a_real_api_server_does(fake_api):
    # What the k0smotron engine has to work with: server-side apply removes fields its manager
    # no longer sends, and the schema defaults fill the gap.
    obj = {"apiVersion": "k0smotron.io/v1beta2", "kind": "Cluster", "metadata": {"name": "x", "namespace": "edge"},
           "spec": {"version": "v1", "storage": {"type": "kine"}, "service": {"type": "NodePort"}}}
    fake_api.apply(resources.CLUSTER, obj)
    obj["spec"] = {"version": "v1"}
    after = fake_api.apply(resources.CLUSTER, obj)
    assert after["spec"]["storage"] == {"type": "etcd"}
    assert after["spec"]["service"]["type"] == "ClusterIP"


def test_a_run_naming_only_the_version_keeps_everything_else(run_module, fake_api):
    result, failed = run_module(cluster.main, CREATED)
    assert not failed, result
    before = live_spec(fake_api)
    assert before["storage"] == {"type": "kine"} and before["service"]["type"] == "NodePort"

    # The module's own upgrade example: version (and persistence) only.
    result, failed = run_module(cluster.main, dict(
        BASE, version="v1.36.4+k0s.0", persistence=dict(type="hostPath", host_path="/var/lib/k0smotron/shop-1"),
        _ansible_diff=True))
    assert not failed, result
    after = live_spec(fake_api)
    assert after["storage"] == {"type": "kine"}
    assert after["service"] == {"type": "NodePort", "apiPort": 30443, "konnectivityPort": 30132}
    assert after["version"] == "v1.36.4+k0s.0"
    meta = fake_api.objects[("clusters", "edge", "shop-1")]["metadata"]
    assert meta["labels"] == {"region": "eu"} and meta["annotations"] == {"owner": "ops"}
    # Only the version changed, and the diff says so.
    before_spec, after_spec = result["diff"]["before"]["spec"], result["diff"]["after"]["spec"]
    assert [k for k in after_spec if after_spec[k] != before_spec.get(k)] == ["version"]


def test_a_second_run_with_fewer_options_changes_nothing(run_module, fake_api):
    run_module(cluster.main, CREATED)
    fake_api.calls[:] = []
    result, failed = run_module(cluster.main, BASE)
    assert not failed, result
    assert result["changed"] is False
    assert ("apply", "clusters", "shop-1") not in fake_api.calls


def test_a_sub_option_left_out_keeps_its_value(run_module, fake_api):
    run_module(cluster.main, CREATED)
    result, failed = run_module(cluster.main, dict(BASE, service=dict(konnectivity_port=31132)))
    assert not failed, result
    assert live_spec(fake_api)["service"] == {"type": "NodePort", "apiPort": 30443, "konnectivityPort": 31132}


def test_a_new_storage_type_replaces_the_old_settings(run_module, fake_api):
    run_module(cluster.main, dict(BASE, storage=dict(type="kine", kine_data_source_secret_name="shop-1-db")))
    run_module(cluster.main, dict(BASE, storage=dict(type="etcd", etcd={"image": "quay.io/k0sproject/etcd:v3.5.13"})))
    assert live_spec(fake_api)["storage"] == {"type": "etcd", "etcd": {"image": "quay.io/k0sproject/etcd:v3.5.13"}}


def test_fields_another_manager_set_are_not_taken_over(run_module, fake_api):
    run_module(cluster.main, BASE)
    obj = {"apiVersion": "k0smotron.io/v1beta2", "kind": "Cluster",
           "metadata": {"name": "shop-1", "namespace": "edge"}, "spec": {"replicas": 2}}
    fake_api.apply(resources.CLUSTER, obj, manager="kubectl")
    result, failed = run_module(cluster.main, dict(BASE, version="v1.36.4+k0s.0"))
    assert not failed, result
    assert fake_api.owners[("clusters", "edge", "shop-1")]["kubectl"] == {("spec", "replicas")}
    result, failed = run_module(cluster.main, dict(BASE, replicas=3, storage=dict(
        type="kine", kine_data_source_secret_name="db")))
    assert failed and "force_conflicts=true" in result["msg"]


def test_more_replicas_on_a_cluster_whose_kine_has_no_database_is_refused(run_module, fake_api):
    run_module(cluster.main, dict(BASE, storage=dict(type="kine")))
    fake_api.calls[:] = []
    result, failed = run_module(cluster.main, dict(BASE, replicas=3))
    assert failed
    assert "replicas=3 with storage.type=kine needs an external database, and the Cluster has none" in result["msg"]
    assert fake_api.writes() == []


# --- the database password (issue 13, 2 and 3; issue 12, 5) ------------------------------------

URL_OLD = "postgres://fleet:old-pw-1111@db.example:5432/shop1"
URL_NEW = "postgres://fleet:new-pw-2222@db.example:5432/shop1"


def test_a_rotated_password_is_applied_and_stays_hidden(run_module, fake_api):
    run_module(cluster.main, dict(BASE, storage=dict(type="kine", kine_data_source_url=URL_OLD)))
    result, failed = run_module(cluster.main, dict(BASE, storage=dict(type="kine", kine_data_source_url=URL_NEW),
                                                   _ansible_diff=True))
    assert not failed, result
    assert result["changed"] is True
    assert live_spec(fake_api)["storage"]["kine"]["dataSourceURL"] == URL_NEW
    text = json.dumps(result)
    assert "old-pw-1111" not in text and "new-pw-2222" not in text
    assert result["diff"]["after"]["spec"]["storage"]["kine"]["dataSourceURL"] == "********"


def kubectl_made(fake_api, url=URL_OLD):
    """A Cluster made with kubectl apply: its last-applied annotation repeats the whole object."""
    obj = {"apiVersion": "k0smotron.io/v1beta2", "kind": "Cluster",
           "metadata": {"name": "shop-1", "namespace": "edge"},
           "spec": {"version": "v1.36.3+k0s.0", "storage": {"type": "kine", "kine": {"dataSourceURL": url}}}}
    annotated = json.loads(json.dumps(obj))
    annotated["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": json.dumps(obj)}
    fake_api.apply(resources.CLUSTER, annotated, manager="kubectl-client-side-apply")


def test_a_password_in_kubectls_annotation_is_not_shown_by_cluster_info(run_module, fake_api):
    kubectl_made(fake_api)
    result, failed = run_module(cluster_info.main, dict(name="shop-1", namespace="edge"))
    assert not failed, result
    assert "old-pw-1111" not in json.dumps(result)
    assert result["clusters"][0]["resource"]["spec"]["storage"]["kine"]["dataSourceURL"] == "********"


def test_a_password_in_kubectls_annotation_is_not_shown_by_a_checked_diff(run_module, fake_api):
    kubectl_made(fake_api)
    result, failed = run_module(cluster.main, dict(BASE, annotations={"owner": "ops"}, _ansible_check_mode=True,
                                                   _ansible_diff=True))
    assert not failed, result
    assert result["changed"] is True
    assert "old-pw-1111" not in json.dumps(result)


def test_a_password_the_api_echoes_in_an_error_is_masked(run_module, fake_api):
    fake_api.apply_failures.append(FleetError(
        "The management cluster rejected clusters.k0smotron.io 'shop-1' as invalid: spec.storage.kine."
        "dataSourceURL: Invalid value: \"%s\"." % URL_NEW))
    result, failed = run_module(cluster.main, dict(BASE, storage=dict(type="kine", kine_data_source_url=URL_NEW)))
    assert failed
    assert "new-pw-2222" not in json.dumps(result)


def test_k0smotrons_spelling_of_the_data_source_is_accepted(run_module, fake_api):
    result, failed = run_module(cluster.main, dict(BASE, storage=dict(type="kine", kine=dict(dataSourceURL=URL_NEW))))
    assert not failed, result
    assert live_spec(fake_api)["storage"] == {"type": "kine", "kine": {"dataSourceURL": URL_NEW}}
    assert "new-pw-2222" not in json.dumps(result)
    result, failed = run_module(cluster.main, dict(BASE, storage=dict(
        type="kine", kine_data_source_url=URL_OLD, kine=dict(dataSourceURL=URL_NEW))))
    assert failed and "two spellings of one setting" in result["msg"]
    assert "pw-" not in json.dumps(result)


# --- failures after a change, and what a timeout says (issue 12, 2 and 3) ----------------------

def test_a_timeout_after_the_create_reports_changed(run_module, fake_api):
    fake_api.polls_until_ready = 10 ** 6
    result, failed = run_module(cluster.main, dict(BASE, wait_timeout=0))
    assert failed
    assert result["changed"] is True
    assert ("apply", "clusters", "shop-1") in fake_api.calls


def test_a_timeout_without_pods_says_what_is_missing(run_module, fake_api):
    fake_api.polls_until_ready = 10 ** 6
    fake_api.add_statefulset("edge", "shop-1")
    result, failed = run_module(cluster.main, dict(BASE, wait_timeout=0))
    assert failed
    assert "StatefulSet kmc-shop-1 has no pods yet" in result["msg"]


def test_a_timeout_on_an_image_that_cannot_be_pulled_says_so(run_module, fake_api):
    fake_api.polls_until_ready = 10 ** 6
    fake_api.add_statefulset("edge", "shop-1")
    fake_api.objects[("pods", "edge", "kmc-shop-1-0")] = {
        "metadata": {"name": "kmc-shop-1-0", "namespace": "edge", "labels": {"app": "k0smotron", "cluster": "shop-1"}},
        "status": {"phase": "Pending", "containerStatuses": [{
            "name": "controller", "image": "quay.io/k0sproject/k0s:v1.36.3-k0s.0",
            "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}}]}}
    result, failed = run_module(cluster.main, dict(BASE, wait_timeout=0))
    assert failed
    assert "the image quay.io/k0sproject/k0s:v1.36.3-k0s.0 cannot be pulled" in result["msg"]


# --- waiting for a change to roll ---------------------------------------------------------------

def test_a_change_the_operator_carries_late_is_still_waited_for(run_module, fake_api, monkeypatch):
    run_module(cluster.main, CREATED)
    fake_api.add_statefulset("edge", "shop-1")
    # k0smotron writes the change into the StatefulSet only after a few looks (within the settle time).
    fake_api.operator_delay = 2
    result, failed = run_module(cluster.main, dict(CREATED, annotations={"owner": "platform"}))
    assert not failed, result
    states = [h["state"] for h in result["wait_progress"]]
    assert any("waiting for k0smotron to apply the change" in s for s in states), states
    assert any("rolling out" in s or "has not seen generation" in s for s in states), states
    statefulset = fake_api.objects[("statefulsets", "edge", "kmc-shop-1")]
    assert statefulset["metadata"]["generation"] == 2


def test_a_new_version_is_waited_for_however_late_the_operator_is(run_module, fake_api, monkeypatch):
    run_module(cluster.main, CREATED)
    fake_api.add_statefulset("edge", "shop-1")
    fake_api.operator_delay = 6
    clock = iter(range(0, 10 ** 6, 5))
    monkeypatch.setattr("time.monotonic", lambda: float(next(clock)))
    result, failed = run_module(cluster.main, dict(CREATED, version="v1.36.4+k0s.0"))
    assert not failed, result
    states = [h["state"] for h in result["wait_progress"]]
    assert any("waiting for k0smotron to put image quay.io/k0sproject/k0s:v1.36.4-k0s.0" in s for s in states)
    containers = fake_api.objects[("statefulsets", "edge", "kmc-shop-1")]["spec"]["template"]["spec"]["containers"]
    assert containers[0]["image"] == "quay.io/k0sproject/k0s:v1.36.4-k0s.0"
    assert states[-1] == "StatefulSet kmc-shop-1 rolled out"


def test_deleting_a_cluster_leaves_one_whose_name_starts_the_same(run_module, fake_api):
    run_module(cluster.main, BASE)
    run_module(cluster.main, dict(BASE, name="shop-10"))
    result, failed = run_module(cluster.main, dict(name="shop-1", namespace="edge", state="absent"))
    assert not failed
    assert ("clusters", "edge", "shop-10") in fake_api.objects
    assert ("secrets", "edge", "shop-10-kubeconfig") in fake_api.objects
    assert ("clusters", "edge", "shop-1") not in fake_api.objects


def test_a_batch_of_clusters_is_declared_then_waited_for_together(run_module, fake_api):
    result, failed = run_module(cluster.main, dict(namespace="edge", version="v1.36.3+k0s.0", clusters=[
        {"name": "shop-1"}, {"name": "shop-2", "replicas": 1}], _ansible_diff=True))
    assert not failed, result
    assert [(r["name"], r["ready"], r["changed"]) for r in result["clusters"]] == [
        ("shop-1", True, True), ("shop-2", True, True)]
    assert [d["spec"]["version"] for d in result["diff"]["after"]] == ["v1.36.3+k0s.0"] * 2
    calls = fake_api.calls
    applied = dict((c[2], i) for i, c in enumerate(calls) if c[:2] == ("apply", "clusters"))
    first_poll = min(i for i, c in enumerate(calls) if c == ("get", "clusters", "shop-1") and i > applied["shop-1"])
    assert applied["shop-2"] < first_poll, "both Clusters are applied before either is waited for"
