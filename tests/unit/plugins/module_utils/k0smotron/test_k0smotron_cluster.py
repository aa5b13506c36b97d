# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils._k0smotron import _cluster_object as model
from ansible_collections.k0smotron.fleet.plugins.module_utils._k0smotron import _cluster_status as status
from ansible_collections.k0smotron.fleet.plugins.module_utils import _k8s_state as k8s_state
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError


def params(**overrides):
    base = dict(name="shop-1", namespace="edge", version="v1.36.3+k0s.0", replicas=None, image=None,
                external_address=None, service=None, persistence=None, storage=None, k0s_config=None,
                resources=None, patches=None, control_plane_flags=None, manifests=None, mounts=None,
                certificate_refs=None, labels=None, annotations=None, spec=None)
    base.update(overrides)
    return base


def test_minimal_cluster_pins_the_version_and_nothing_else():
    obj = model.build_cluster(params())
    assert obj == {
        "apiVersion": "k0smotron.io/v1beta2",
        "kind": "Cluster",
        "metadata": {"name": "shop-1", "namespace": "edge"},
        "spec": {"version": "v1.36.3+k0s.0"},
    }


def test_options_become_the_api_field_names():
    obj = model.build_cluster(params(
        replicas=3,
        external_address="192.0.2.10",
        service=dict(type="NodePort", api_port=31443, konnectivity_port=None),
        persistence=dict(type="hostPath", host_path="/var/lib/k0smotron/shop-1", persistent_volume_claim=None,
                         auto_delete_pvcs=None),
        storage=dict(type="kine", kine_data_source_secret_name="shop-1-db", kine_data_source_url=None, etcd=None),
        control_plane_flags=["--debug"],
        labels={"region": "eu"},
        annotations={"owner": "ops"},
    ))
    assert obj["metadata"] == {"name": "shop-1", "namespace": "edge", "labels": {"region": "eu"},
                               "annotations": {"owner": "ops"}}
    assert obj["spec"] == {
        "version": "v1.36.3+k0s.0",
        "replicas": 3,
        "externalAddress": "192.0.2.10",
        "service": {"type": "NodePort", "apiPort": 31443},
        "persistence": {"type": "hostPath", "hostPath": "/var/lib/k0smotron/shop-1"},
        "storage": {"type": "kine", "kine": {"dataSourceSecretName": "shop-1-db"}},
        "controlPlaneFlags": ["--debug"],
    }


def test_k0s_config_spec_only_is_wrapped_in_a_cluster_config():
    obj = model.build_cluster(params(k0s_config={"network": {"provider": "kuberouter"}}))
    assert obj["spec"]["k0sConfig"] == {
        "apiVersion": "k0s.k0sproject.io/v1beta1", "kind": "ClusterConfig",
        "spec": {"network": {"provider": "kuberouter"}}}


def test_whole_k0s_config_is_kept():
    whole = {"apiVersion": "k0s.k0sproject.io/v1beta1", "kind": "ClusterConfig", "spec": {"telemetry": {"enabled": False}}}
    assert model.build_cluster(params(k0s_config=whole))["spec"]["k0sConfig"] == whole


def test_raw_spec_fills_fields_without_options():
    obj = model.build_cluster(params(spec={"ingress": {"apiHost": "a.example"}}, replicas=1))
    assert obj["spec"]["ingress"] == {"apiHost": "a.example"}
    assert obj["spec"]["replicas"] == 1


def test_option_and_raw_spec_that_agree_are_fine():
    assert model.build_cluster(params(spec={"replicas": 2}, replicas=2))["spec"]["replicas"] == 2


def test_option_and_raw_spec_that_disagree_name_both():
    with pytest.raises(FleetError) as caught:
        model.build_cluster(params(spec={"replicas": 2}, replicas=3))
    assert "Options 'replicas' and 'spec.replicas'" in str(caught.value)
    assert "Set it in one place only" in str(caught.value)


def test_redact_hides_the_kine_url_and_managed_fields():
    obj = {"metadata": {"name": "a", "managedFields": [{}]},
           "spec": {"storage": {"type": "kine", "kine": {"dataSourceURL": "postgres://u:pw@db/a"}}}}
    clean = model.redact(obj)
    assert clean["spec"]["storage"]["kine"]["dataSourceURL"] == "********"
    assert "managedFields" not in clean["metadata"]
    assert obj["spec"]["storage"]["kine"]["dataSourceURL"] == "postgres://u:pw@db/a"


def test_comparable_ignores_status_and_server_bookkeeping():
    a = {"metadata": {"name": "x", "resourceVersion": "1", "generation": 1}, "spec": {"version": "v"}, "status": {}}
    b = {"metadata": {"name": "x", "resourceVersion": "9", "generation": 4}, "spec": {"version": "v"},
         "status": {"readyReplicas": 1}}
    assert model.comparable(a) == model.comparable(b)
    b["metadata"]["labels"] = {"x": "y"}
    assert model.comparable(a) != model.comparable(b)


def cluster(service_type="ClusterIP", external=None, generation=2, ready=1, replicas=1, conditions=None):
    spec = {"replicas": replicas, "version": "v1.36.3+k0s.0", "service": {"type": service_type, "apiPort": 30443}}
    if external:
        spec["externalAddress"] = external
    conds = [{"type": t, "status": s, "reason": "R", "observedGeneration": g} for t, s, g in (conditions or [])]
    return {"metadata": {"name": "shop-1", "namespace": "edge", "generation": generation}, "spec": spec,
            "status": {"readyReplicas": ready, "conditions": conds}}


GOOD = [("ControlPlaneUpToDate", "True", 2), ("KubeconfigSecretAvailable", "True", 2)]


def test_cluster_ip_without_address_is_ready_without_available():
    ready, state = status.readiness(cluster(conditions=GOOD + [("Available", "False", 2)]))
    assert ready, state
    assert state == "1/1 control-plane replicas ready"


def test_exposed_cluster_needs_available():
    ready, state = status.readiness(cluster(service_type="NodePort", conditions=GOOD + [("Available", "False", 2)]))
    assert not ready
    assert "Available=False (R)" in state
    assert status.readiness(cluster(service_type="NodePort", conditions=GOOD + [("Available", "True", 2)]))[0]
    assert not status.readiness(cluster(external="192.0.2.1", conditions=GOOD))[0]


def test_conditions_from_an_older_generation_do_not_count():
    stale = [("ControlPlaneUpToDate", "True", 1), ("KubeconfigSecretAvailable", "True", 2)]
    ready, state = status.readiness(cluster(conditions=stale))
    assert not ready
    assert "ControlPlaneUpToDate not yet reported for generation 2 (last for 1)" in state


def test_missing_replicas_and_conditions_are_reported():
    ready, state = status.readiness(cluster(ready=0, conditions=[]))
    assert not ready
    assert state.startswith("0/1 control-plane replicas ready")
    assert "KubeconfigSecretAvailable not reported yet" in state


def test_deleting_and_missing_clusters_are_not_ready():
    obj = cluster(conditions=GOOD)
    obj["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    assert status.readiness(obj) == (False, "the Cluster is being deleted")
    assert status.readiness(None) == (False, "the Cluster does not exist")


def test_api_endpoint():
    assert status.api_endpoint(cluster(external="192.0.2.1")) == "https://192.0.2.1:30443"
    assert status.api_endpoint(cluster()) == "https://kmc-shop-1.edge.svc:30443"
    assert status.api_endpoint(cluster(service_type="NodePort")) is None


def test_long_names_are_shortened_like_k0smotron_does():
    name = "a" * 70
    short = model.statefulset_name(name)
    assert len(short) == 63
    assert short.startswith("kmc-aaaa") and short[-6] == "-"
    assert model.statefulset_name("shop-1") == "kmc-shop-1"


def test_summary():
    summary = status.summarize(cluster(service_type="NodePort", conditions=GOOD + [("Available", "True", 2)]))
    assert summary["ready"] is True and summary["available"] is True
    assert summary["kubeconfig_secret"] == "shop-1-kubeconfig"
    assert summary["conditions"]["Available"]["status"] == "True"
    assert summary["service_type"] == "NodePort"


def test_pod_and_event_diagnosis():
    pods = [{"metadata": {"name": "kmc-shop-1-0"}, "status": {
        "phase": "Pending",
        "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                        "message": "0/1 nodes are available"}],
        "containerStatuses": [{"name": "controller", "restartCount": 2,
                               "state": {"waiting": {"reason": "ImagePullBackOff", "message": "not found"}}}]}}]
    described = k8s_state.describe_pods(pods)
    assert described[0]["phase"] == "Pending"
    assert "Unschedulable: 0/1 nodes are available" in described[0]["reasons"]
    assert "controller waiting: ImagePullBackOff not found" in described[0]["reasons"]
    assert "controller restarted 2 times" in described[0]["reasons"]

    events = [
        {"involvedObject": {"kind": "Pod", "name": "kmc-shop-1-0"}, "type": "Warning", "message": "late",
         "lastTimestamp": "2026-01-01T00:00:02Z"},
        {"involvedObject": {"kind": "Pod", "name": "other"}, "type": "Normal", "message": "unrelated",
         "lastTimestamp": "2026-01-01T00:00:03Z"},
        {"involvedObject": {"kind": "Cluster", "name": "shop-1"}, "type": "Normal", "message": "early",
         "lastTimestamp": "2026-01-01T00:00:01Z"},
    ]
    lines = k8s_state.describe_events(events, {"shop-1", "kmc-shop-1-0"})
    assert len(lines) == 2
    assert lines[0].endswith("Cluster/shop-1: early") and lines[1].endswith("Pod/kmc-shop-1-0: late")


def test_version_forms():
    assert model.same_version("v1.36.3+k0s.2", "v1.36.3-k0s.2")
    assert not model.same_version("v1.36.3+k0s.2", "v1.36.3+k0s.1")
    assert not model.same_version(None, "v1.36.3+k0s.1")


def statefulset(generation, observed, updated=1, ready=1, current="r1", update="r1"):
    return {"metadata": {"name": "kmc-shop-1", "generation": generation}, "spec": {"replicas": 1},
            "status": {"observedGeneration": observed, "updatedReplicas": updated, "readyReplicas": ready,
                       "currentRevision": current, "updateRevision": update}}


def test_rollout_after_a_change():
    assert status.rollout(None, 3, False)[0]
    assert status.rollout(statefulset(3, 3), None, False)[0]
    assert status.rollout(statefulset(3, 3), 3, False) == (
        False, "waiting for k0smotron to apply the change to StatefulSet kmc-shop-1")
    assert status.rollout(statefulset(3, 3), 3, True) == (True, "StatefulSet kmc-shop-1 rolled out")
    assert status.rollout(statefulset(4, 3), 3, False) == (
        False, "StatefulSet kmc-shop-1 has not seen generation 4 yet")
    assert status.rollout(statefulset(4, 4, ready=0, update="r2"), 3, False) == (
        False, "StatefulSet kmc-shop-1 rolling out: 1/1 pods updated, 0/1 ready")
    assert status.rollout(statefulset(4, 4, current="r2", update="r2"), 3, False)[0]


def test_reconciliation_status_explains_an_operator_error():
    obj = cluster(conditions=[("ControlPlaneUpToDate", "True", 2), ("KubeconfigSecretAvailable", "False", 2)])
    obj["status"]["deprecated"] = {"v1beta1": {"reconciliationStatus": "Failed reconciling statefulset"}}
    ready, state = status.readiness(obj)
    assert not ready and state.endswith("k0smotron says: Failed reconciling statefulset")


def test_redact_hides_secrets_wherever_they_are_and_drops_kubectls_copy():
    url = "postgres://u:pw@db/a"
    obj = {"metadata": {"name": "a", "annotations": {
        "kubectl.kubernetes.io/last-applied-configuration": '{"spec": {"storage": {"kine": {"dataSourceURL": "%s"}}}}'
        % url, "owner": "ops"}},
        "spec": {"storage": {"kine": {"dataSourceURL": url}}, "etcd": [{"kine": {"dataSourceURL": url}}]}}
    clean = model.redact(obj)
    assert "pw" not in str(clean)
    assert clean["metadata"]["annotations"] == {"owner": "ops"}
    assert model.secret_values(obj) == {url}
    assert "kubectl.kubernetes.io/last-applied-configuration" in obj["metadata"]["annotations"]


def test_comparable_sees_a_changed_password():
    a = {"spec": {"storage": {"kine": {"dataSourceURL": "postgres://u:old@db/a"}}}}
    b = {"spec": {"storage": {"kine": {"dataSourceURL": "postgres://u:new@db/a"}}}}
    assert model.comparable(a) != model.comparable(b)


OURS = {
    "f:metadata": {"f:labels": {"f:region": {}}},
    "f:spec": {".": {}, "f:version": {}, "f:service": {"f:type": {}}, "f:storage": {"f:type": {}},
               "f:controlPlaneFlags": {}},
}
MANAGED = [
    {"manager": "k0smotron.fleet", "operation": "Apply", "fieldsV1": OURS},
    {"manager": "kubectl", "operation": "Apply", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
    {"manager": "k0smotron.fleet", "operation": "Update", "subresource": "status", "fieldsV1": {"f:status": {}}},
]
LIVE = {"metadata": {"name": "shop-1", "namespace": "edge", "labels": {"region": "eu", "team": "x"},
                     "managedFields": MANAGED},
        "spec": {"version": "v1", "replicas": 2, "image": "quay.io/k0sproject/k0s",
                 "service": {"type": "NodePort", "apiPort": 30443, "konnectivityPort": 30132},
                 "storage": {"type": "kine"}, "controlPlaneFlags": ["--debug"]}}


def test_the_fields_this_collection_owns_are_read_from_managed_fields():
    assert model.owned_part(LIVE, model.owned_fields(LIVE, "k0smotron.fleet")) == {
        "metadata": {"labels": {"region": "eu"}},
        "spec": {"version": "v1", "service": {"type": "NodePort"}, "storage": {"type": "kine"},
                 "controlPlaneFlags": ["--debug"]}}
    assert model.owned_fields(LIVE, "nobody") == {}


def test_what_the_options_leave_out_is_sent_again():
    desired = {"metadata": {"name": "shop-1", "namespace": "edge"},
               "spec": {"version": "v2", "service": {"apiPort": 31443}}}
    merged = model.keep_unsent(desired, LIVE, "k0smotron.fleet")
    assert merged["metadata"] == {"name": "shop-1", "namespace": "edge", "labels": {"region": "eu"}}
    assert merged["spec"] == {"version": "v2", "service": {"type": "NodePort", "apiPort": 31443},
                              "storage": {"type": "kine"}, "controlPlaneFlags": ["--debug"]}
    # Another type of storage starts afresh; labels given replace ours.
    desired = {"metadata": {"name": "shop-1", "namespace": "edge", "labels": {"region": "us"}},
               "spec": {"storage": {"type": "etcd"}}}
    merged = model.keep_unsent(desired, LIVE, "k0smotron.fleet")
    assert merged["metadata"]["labels"] == {"region": "us"}
    assert merged["spec"]["storage"] == {"type": "etcd"}


def test_image_of_a_spec_is_the_one_k0smotron_runs():
    assert status.image_of({"version": "v1.36.3+k0s.0"}) == "quay.io/k0sproject/k0s:v1.36.3-k0s.0"
    assert status.image_of({"version": "v1.36.3", "image": "reg/k0s"}) == "reg/k0s:v1.36.3-k0s.0"


def test_rollout_after_a_new_image_waits_for_it_whatever_the_time():
    sts = statefulset(3, 3)
    sts["spec"]["template"] = {"spec": {"containers": [{"name": "controller", "image": "k0s:old"}]}}
    assert status.rollout(sts, 3, True, image="k0s:new") == (
        False, "waiting for k0smotron to put image k0s:new into StatefulSet kmc-shop-1")
    sts["spec"]["template"]["spec"]["containers"][0]["image"] = "k0s:new"
    assert status.rollout(sts, 3, False, image="k0s:new")[0]
    # A template whose image a user's patches rewrite: the generation says the change was taken.
    patched = statefulset(4, 4, current="r2", update="r2")
    patched["spec"]["template"] = {"spec": {"containers": [{"name": "controller", "image": "mirror/k0s:new"}]}}
    assert status.rollout(patched, 3, False, image="k0s:new")[0]
