# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The modules with the default engine (native), against a management cluster with no operator."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import yaml

from ansible_collections.k0smotron.fleet.plugins.module_utils import _k0s as k0s
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.modules import cluster, cluster_info, join_token, kubeconfig
from ansible_collections.k0smotron.fleet.tests.unit.fakes import FakeStatusError, translate_api_error

BASE = dict(name="shop-1", namespace="edge", version="v1.36.3+k0s.2")
OBJECTS = ["ConfigMap/kmc-shop-1", "Service/kmc-shop-1", "NetworkPolicy/kmc-shop-1", "Secret/shop-1-ca", "Secret/shop-1-proxy", "Secret/shop-1-sa",
           "ConfigMap/kmc-shop-1-config", "StatefulSet/kmc-shop-1"]


def made(api, kind):
    return sorted(k[2] for k in api.objects if k[0] == kind)


def no_private_key_in(result):
    text = json.dumps(result)
    assert "PRIVATE KEY" not in text and "tls.key\": \"LS0t" not in text


def create(run_module, **options):
    result, failed = run_module(cluster.main, dict(BASE, **options))
    assert not failed, result
    return result


def test_create_makes_every_object_in_order_and_waits_until_ready(run_module, native_api):
    result = create(run_module)
    assert result["changed"] is True and result["changes"] == OBJECTS
    assert result["ready"] is True and result["api"]["ready"] is True
    assert result["api_endpoint"] == "https://kmc-shop-1.edge.svc:6443"
    assert made(native_api, "secrets") == ["shop-1-ca", "shop-1-proxy", "shop-1-sa"]
    no_private_key_in(result)
    # Everything is owned by the anchor.
    for key, obj in native_api.objects.items():
        if key[2] != "kmc-shop-1" or key[0] != "configmaps":
            assert obj["metadata"]["ownerReferences"][0]["name"] == "kmc-shop-1"


def test_a_second_run_changes_nothing_and_writes_nothing(run_module, native_api):
    create(run_module)
    native_api.calls[:] = []
    result = create(run_module)
    assert result["changed"] is False and result["changes"] == []
    assert native_api.writes() == []


def test_check_mode_predicts_every_object_writes_none_and_hides_keys(run_module, native_api):
    result = create(run_module, _ansible_check_mode=True, _ansible_diff=True)
    assert result["changed"] is True and native_api.writes() == []
    assert sorted(result["diff"]["after"]) == sorted(OBJECTS)
    assert result["diff"]["after"]["Secret/shop-1-ca"]["data"]["tls.key"] == "(hidden)"
    assert result["diff"]["before"]["Secret/shop-1-ca"] == {}
    no_private_key_in(result)


def test_a_label_change_applies_without_new_key_material(run_module, native_api):
    create(run_module)
    ca_before = native_api.objects[("secrets", "edge", "shop-1-ca")]["data"]
    result = create(run_module, labels={"site": "shop-1"})
    assert result["changed"] is True
    assert native_api.objects[("secrets", "edge", "shop-1-ca")]["data"] == ca_before
    assert native_api.objects[("statefulsets", "edge", "kmc-shop-1")]["metadata"]["labels"]["site"] == "shop-1"


def test_options_of_the_other_engine_are_refused_before_any_call(run_module, native_api):
    result, failed = run_module(cluster.main, dict(BASE, patches=[{"target": {"kind": "Service"}}]))
    assert failed and "Option 'patches' is a k0smotron Cluster field" in result["msg"]
    assert "engine: k0smotron" in result["msg"]
    assert native_api.calls == []


def test_a_skipped_minor_is_refused_before_any_write(run_module, native_api):
    create(run_module)
    native_api.calls[:] = []
    result, failed = run_module(cluster.main, dict(BASE, version="v1.38.0+k0s.0"))
    assert failed and "skips a minor version" in result["msg"]
    assert native_api.writes() == [] and result["changed"] is False


def test_a_failure_after_the_first_write_reports_changed(run_module, native_api):
    boom = translate_api_error(FakeStatusError(500, "InternalError", "etcd is down"), "patch", "services",
                               "kmc-shop-1", "edge", native_api.host)
    original = native_api.apply

    def apply(resource, obj, dry_run=False, force=False, **kwargs):
        if resource.kind == "Service" and not dry_run:
            raise boom
        return original(resource, obj, dry_run=dry_run, force=force, **kwargs)

    native_api.apply = apply
    result, failed = run_module(cluster.main, dict(BASE))
    assert failed and "etcd is down" in result["msg"]
    assert result["changed"] is True  # the anchor was made


def test_delete_removes_the_anchor_and_what_it_owns(run_module, native_api):
    create(run_module)
    result, failed = run_module(cluster.main, dict(BASE, state="absent", _ansible_diff=True))
    assert not failed, result
    assert result["changed"] is True and result["state"] == "deleted"
    assert result["diff"]["before"] == {"ConfigMap/kmc-shop-1": "present"}
    assert native_api.objects == {}
    result, failed = run_module(cluster.main, dict(BASE, state="absent"))
    assert not failed and result["changed"] is False


def test_cluster_info_summarizes_without_secrets(run_module, native_api):
    create(run_module)
    result, failed = run_module(cluster_info.main, dict(namespace="edge"))
    assert not failed, result
    [summary] = result["clusters"]
    assert summary["engine"] == "native" and summary["ready"] is True and summary["version"] == "v1.36.3+k0s.2"
    assert summary["api"]["ready"] is True and summary["ca_expires"]
    no_private_key_in(result)


def test_kubeconfig_is_written_0600_once_and_reused(run_module, native_api, tmp_path):
    create(run_module)
    dest = str(tmp_path / "shop-1.kubeconfig")
    args = dict(cluster="shop-1", namespace="edge", dest=dest, server="https://192.0.2.10:30443")
    result, failed = run_module(kubeconfig.main, args)
    assert not failed, result
    assert result["changed"] is True and result["renewed"] is True and result["context"] == "shop-1"
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    config = yaml.safe_load(open(dest).read())
    assert config["clusters"][0]["cluster"]["server"] == "https://192.0.2.10:30443"
    no_private_key_in(result)
    result, failed = run_module(kubeconfig.main, args)
    assert not failed and result["changed"] is False and result["renewed"] is False


def test_tokens_are_minted_in_the_hosted_cluster_reused_and_revoked(run_module, native_api, tmp_path):
    create(run_module)
    dest = str(tmp_path / "h1.token")
    args = dict(cluster="shop-1", namespace="edge", name="h1", dest=dest)
    result, failed = run_module(join_token.main, args)
    assert not failed, result
    assert result["minted"] is True and stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    [secret_key] = [k for k in native_api.hosted.objects if k[2].startswith("bootstrap-token-")]
    assert secret_key[2] == "bootstrap-token-" + result["token_id"]
    token = open(dest).read().strip()
    assert token not in json.dumps(result)
    result, failed = run_module(join_token.main, args)
    assert not failed and result["changed"] is False and result["minted"] is False
    result, failed = run_module(join_token.main, dict(args, state="absent"))
    assert not failed and result["changed"] is True and result["revoked"] == [secret_key[2][len("bootstrap-token-"):]]
    assert native_api.hosted.objects == {} and not os.path.exists(dest)


def test_a_batch_of_tokens_signs_one_admin_certificate_per_control_plane(run_module, native_api, tmp_path):
    create(run_module)
    native_api.hosted.clients_made = 0
    entries = [dict(name="h%d" % n, dest=str(tmp_path / ("h%d.token" % n))) for n in range(5)]
    result, failed = run_module(join_token.main, dict(cluster="shop-1", namespace="edge", tokens=entries))
    assert not failed, result
    assert [r["minted"] for r in result["tokens"]] == [True] * 5
    assert native_api.hosted.clients_made == 1
    assert len([k for k in native_api.hosted.objects if k[2].startswith("bootstrap-token-")]) == 5


def test_a_token_waits_for_a_hosted_api_that_refuses_right_after_creation(run_module, native_api, tmp_path):
    create(run_module)
    native_api.hosted.calls[:] = []
    native_api.hosted.refusals = 3   # the node port is not forwarded yet
    entries = [dict(name="h%d" % n, dest=str(tmp_path / ("h%d.token" % n))) for n in range(3)]
    result, failed = run_module(join_token.main, dict(cluster="shop-1", namespace="edge", tokens=entries,
                                                      wait_sleep=2))
    assert not failed, result
    assert [r["minted"] for r in result["tokens"]] == [True] * 3
    # Waited once for the control plane, not once per token; one /readyz while it serves.
    assert result["tokens"][0]["waited"] == 6.0 and result["waited"] == 6.0
    assert [c for c in native_api.hosted.calls if c[1] == "/readyz"] == [("get", "/readyz", None)] * 4


def test_a_hosted_api_that_never_serves_fails_the_token_naming_what_to_check(run_module, native_api, tmp_path):
    create(run_module)
    native_api.hosted.refusals = 10 ** 6
    dest = tmp_path / "h1.token"
    result, failed = run_module(join_token.main, dict(cluster="shop-1", namespace="edge", name="h1", dest=str(dest),
                                                      wait_timeout=20, wait_sleep=5))
    assert failed
    assert "Timed out after 20s waiting for the API of control plane edge/shop-1 at https://" in result["msg"]
    assert "Connection refused" in result["msg"] and "hosted_api_url" in result["msg"]
    assert not dest.exists() and not [k for k in native_api.hosted.objects if k[2].startswith("bootstrap-token-")]


def test_a_hosted_api_that_is_not_ready_yet_is_waited_for_but_refused_credentials_are_not(
        run_module, native_api, tmp_path):
    create(run_module)
    not_ready = FleetError("The hosted cluster's API answered 500 to get /readyz.")
    not_ready.status = 500
    native_api.hosted.readyz_error = not_ready
    result, failed = run_module(join_token.main, dict(cluster="shop-1", namespace="edge", name="h1",
                                                      dest=str(tmp_path / "h1.token"), wait_timeout=4, wait_sleep=2))
    assert failed and "last state: not ready (HTTP 500)" in result["msg"]
    refused = FleetError("The hosted cluster's API rejected the credentials (401 Unauthorized).")
    refused.status = 401
    native_api.hosted.readyz_error = refused
    native_api.hosted.calls[:] = []
    result, failed = run_module(join_token.main, dict(cluster="shop-1", namespace="edge", name="h1",
                                                      dest=str(tmp_path / "h1.token")))
    assert failed and "401 Unauthorized" in result["msg"] and "Timed out" not in result["msg"]
    assert len([c for c in native_api.hosted.calls if c[1] == "/readyz"]) == 1


def test_a_renewed_token_revokes_the_one_it_replaced(run_module, native_api, tmp_path):
    create(run_module)
    args = dict(cluster="shop-1", namespace="edge", name="h1", dest=str(tmp_path / "h1.token"))
    first, _failed = run_module(join_token.main, args)
    second, failed = run_module(join_token.main, dict(args, force=True))
    assert not failed and second["minted"] is True and second["replaced_because"] == "force=true"
    names = [k[2] for k in native_api.hosted.objects]
    assert names == ["bootstrap-token-" + second["token_id"]] and first["token_id"] != second["token_id"]


def batch(run_module, clusters, **options):
    return run_module(cluster.main, dict(dict(namespace="edge", version="v1.36.3+k0s.2", clusters=clusters), **options))


def test_many_control_planes_are_declared_first_and_waited_for_together(run_module, native_api):
    result, failed = batch(run_module, [{"name": "shop-%d" % n} for n in range(1, 4)])
    assert not failed, result
    assert [r["name"] for r in result["clusters"]] == ["shop-1", "shop-2", "shop-3"]
    assert all(r["ready"] and r["changed"] and r["ready_seconds"] >= 0 for r in result["clusters"])
    writes = [c for c in native_api.calls if c[0] == "apply" and c[1] == "statefulsets"]
    first_poll = next(i for i, c in enumerate(native_api.calls) if c[0] == "get" and c[1] == "statefulsets"
                      and i > native_api.calls.index(writes[-1]))
    # Every StatefulSet was applied before the first look at any of them for readiness.
    assert native_api.calls.index(writes[-1]) < first_poll
    again, failed = batch(run_module, [{"name": "shop-%d" % n} for n in range(1, 4)])
    assert not failed and again["changed"] is False


def test_one_control_plane_that_never_gets_ready_does_not_hide_the_others(run_module, native_api):
    native_api.never_ready.add("kmc-shop-2")
    result, failed = batch(run_module, [{"name": "shop-1"}, {"name": "shop-2"}, {"name": "shop-3"}],
                           wait_timeout=30, wait_sleep=1)
    assert failed and result["changed"] is True
    assert "1 of 3 control planes failed" in result["msg"] and "edge/shop-2" in result["msg"]
    by_name = dict((r["name"], r) for r in result["clusters"])
    assert by_name["shop-1"]["ready"] and by_name["shop-3"]["ready"]
    assert by_name["shop-2"]["failed"] and "Diagnosis" in by_name["shop-2"]["msg"] and "pods" in by_name["shop-2"]


def test_every_entry_is_checked_before_any_call(run_module, native_api):
    result, failed = batch(run_module, [{"name": "shop-1"}, {"name": "shop-2", "replicas": "many"}])
    assert failed and "clusters entry 2 (shop-2)" in result["msg"] and "replicas" in result["msg"]
    assert native_api.calls == []
    result, failed = batch(run_module, [{"name": "shop-1"}, {"name": "shop-1"}])
    assert failed and "appear twice" in result["msg"] and native_api.calls == []
    result, failed = batch(run_module, [{"name": "shop-1"}, {"name": "shop-2", "patches": [{"x": 1}]}])
    assert failed and "Option 'patches'" in result["msg"] and native_api.calls == []


def test_parallel_changes_a_few_at_a_time(run_module, native_api):
    result, failed = batch(run_module, [{"name": "shop-%d" % n} for n in range(1, 5)], parallel=2)
    assert not failed, result
    statefulset_writes = [i for i, c in enumerate(native_api.calls) if c[:2] == ("apply", "statefulsets")]
    readiness_polls = [i for i, c in enumerate(native_api.calls) if c[:2] == ("get", "statefulsets")]
    # The second group's StatefulSets are applied only after the first group was waited for.
    assert statefulset_writes[2] > min(p for p in readiness_polls if p > statefulset_writes[1])


def test_a_batch_in_check_mode_and_with_a_diff_writes_nothing(run_module, native_api):
    result, failed = batch(run_module, [{"name": "shop-1"}, {"name": "shop-2"}], _ansible_check_mode=True,
                           _ansible_diff=True)
    assert not failed and result["changed"] and native_api.writes() == []
    assert len(result["diff"]["after"]) == 2 and "Secret/shop-2-ca" in result["diff"]["after"][1]
    no_private_key_in(result)


def test_a_batch_deletes_too(run_module, native_api):
    batch(run_module, [{"name": "shop-1"}, {"name": "shop-2"}])
    result, failed = batch(run_module, [{"name": "shop-1", "state": "absent"}, {"name": "shop-2", "state": "absent"}])
    assert not failed and [r["state"] for r in result["clusters"]] == ["deleted", "deleted"]
    assert native_api.objects == {}


def test_secrets_given_in_an_entry_are_masked(run_module, native_api):
    url = "postgres://fleet:entry-pw-4711@db.example:5432/shop1"
    result, failed = batch(run_module, [{"name": "shop-1", "replicas": 2,
                                         "storage": {"type": "kine", "kine_data_source_url": url}}])
    assert not failed, result
    assert "entry-pw-4711" not in json.dumps(result)


def test_node_ports_another_service_holds_fail_before_anything_is_made(run_module, native_api):
    ports = {"type": "NodePort", "api_port": 30443, "konnectivity_port": 30132}
    create(run_module, service=ports)
    native_api.calls[:] = []
    result, failed = run_module(cluster.main, dict(BASE, name="shop-2", service=ports))
    assert failed and result["changed"] is False
    assert "30443 (Service edge/kmc-shop-1, port api)" in result["msg"]
    assert "30132 (Service edge/kmc-shop-1, port konnectivity)" in result["msg"]
    assert "Nothing was made" in result["msg"]
    assert native_api.writes() == [] and ("configmaps", "edge", "kmc-shop-2") not in native_api.objects


def test_a_short_expiry_alone_gives_a_token_that_is_reused(run_module, native_api, tmp_path):
    create(run_module)
    args = dict(cluster="shop-1", namespace="edge", name="h1", dest=str(tmp_path / "h1.token"), expiry="10m")
    result, failed = run_module(join_token.main, args)
    assert not failed and result["minted"] is True, result
    result, failed = run_module(join_token.main, args)
    assert not failed and result["minted"] is False and result["changed"] is False


def test_a_batch_of_tokens_reads_the_ca_once(run_module, native_api, tmp_path):
    create(run_module)
    native_api.calls[:] = []
    entries = [dict(name="h%d" % n, dest=str(tmp_path / ("h%d.token" % n))) for n in range(5)]
    result, failed = run_module(join_token.main, dict(cluster="shop-1", namespace="edge", tokens=entries))
    assert not failed, result
    assert native_api.calls.count(("get", "secrets", "shop-1-ca")) == 1


def k0s_yaml(api, cluster_name):
    return yaml.safe_load(api.objects[("configmaps", "edge", "kmc-%s-config" % cluster_name)]["data"]["k0s.yaml"])


def test_node_ports_left_out_are_allocated_and_told_to_workers(run_module, native_api, tmp_path):
    nodeport = {"type": "NodePort"}
    first = create(run_module, service=nodeport, external_address="192.0.2.10")
    second = create(run_module, name="shop-2", service=nodeport, external_address="192.0.2.10")
    assert first["ports"] != second["ports"] and None not in first["ports"].values()
    assert set(first["ports"].values()).isdisjoint(second["ports"].values())
    assert first["api_endpoint"] == "https://192.0.2.10:%d" % first["ports"]["api"]
    api = k0s_yaml(native_api, "shop-1")["spec"]
    assert api["api"]["port"] == 6443 and api["api"]["externalAddress"] == "192.0.2.10:%d" % first["ports"]["api"]
    assert api["konnectivity"] == {"agentPort": 8132,
                                   "externalAddress": "192.0.2.10:%d" % first["ports"]["konnectivity"]}
    svc = native_api.objects[("services", "edge", "kmc-shop-1")]
    assert [p["port"] for p in svc["spec"]["ports"]] == [6443, 8132]
    # A second run keeps the allocated ports and changes nothing.
    again = create(run_module, service=nodeport, external_address="192.0.2.10")
    assert again["changed"] is False and again["ports"] == first["ports"]
    # Tokens and kubeconfigs carry host:nodePort.
    dest = str(tmp_path / "h1.token")
    result, failed = run_module(join_token.main, dict(cluster="shop-1", namespace="edge", name="h1", dest=dest))
    assert not failed, result
    with open(dest) as token_file:
        assert k0s.join_token_facts(token_file.read().strip())[1] == first["api_endpoint"]
    result, failed = run_module(kubeconfig.main, dict(cluster="shop-1", namespace="edge",
                                                      dest=str(tmp_path / "kc")))
    assert not failed and result["server"] == first["api_endpoint"], result


def test_a_control_plane_made_with_the_old_default_ports_keeps_them(run_module, native_api):
    create(run_module, service={"type": "NodePort", "api_port": 30443, "konnectivity_port": 30132},
           external_address="192.0.2.10")
    again = create(run_module, external_address="192.0.2.10")
    assert again["changed"] is False and again["ports"] == {"api": 30443, "konnectivity": 30132}
    assert again["api_endpoint"] == "https://192.0.2.10:30443"


def test_network_policy_turned_off_is_deleted_and_stays_gone(run_module, native_api):
    create(run_module)
    assert ("networkpolicies", "edge", "kmc-shop-1") in native_api.objects
    result = create(run_module, network_policy={"enabled": False})
    assert result["changed"] is True and "NetworkPolicy/kmc-shop-1" in result["changes"]
    assert ("networkpolicies", "edge", "kmc-shop-1") not in native_api.objects
    native_api.calls[:] = []
    again = create(run_module, _ansible_diff=True)
    assert again["changed"] is False, again["diff"]
    assert native_api.writes() == []
