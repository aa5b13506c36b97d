# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import os
import stat

import pytest

from ansible_collections.k0smotron.fleet.plugins.modules import cluster, join_token

from ansible_collections.k0smotron.fleet.tests.unit.fakes import TOKEN, assert_no_secret


@pytest.fixture
def ready_cluster(run_module, fake_api):
    result, failed = run_module(cluster.main, dict(name="shop-1", namespace="edge", version="v1.36.3+k0s.0"))
    assert not failed, result
    fake_api.calls[:] = []
    return fake_api


def args(tmp_path, **overrides):
    base = dict(cluster="shop-1", namespace="edge", name="shop-1-worker-h1", expiry="1h",
                dest=str(tmp_path / "h1.token"))
    base.update(overrides)
    return base


def test_token_goes_to_a_0600_file_and_nowhere_else(run_module, ready_cluster, tmp_path):
    result, failed = run_module(join_token.main, args(tmp_path, _ansible_diff=True))
    assert not failed, result
    assert result["changed"] is True and result["minted"] is True
    assert result["token_id"] == "abc123"
    assert result["expires_at"].endswith("Z")
    path = tmp_path / "h1.token"
    assert path.read_text() == TOKEN
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    assert_no_secret(result)
    created = [c for c in ready_cluster.calls if c[0] == "create"]
    assert created == [("create", "jointokenrequests", "shop-1-worker-h1")]
    jtr = ready_cluster.objects[("jointokenrequests", "edge", "shop-1-worker-h1")]
    assert jtr["spec"] == {"clusterName": "shop-1", "role": "worker", "expiry": "1h"}


def test_second_run_reuses_the_token(run_module, ready_cluster, tmp_path):
    run_module(join_token.main, args(tmp_path))
    ready_cluster.calls[:] = []
    result, failed = run_module(join_token.main, args(tmp_path))
    assert not failed
    assert result["changed"] is False and result["minted"] is False
    assert ready_cluster.writes() == []


def test_a_tampered_file_is_rewritten_without_minting(run_module, ready_cluster, tmp_path):
    run_module(join_token.main, args(tmp_path))
    path = tmp_path / "h1.token"
    path.write_text("garbage")
    os.chmod(str(path), 0o644)
    result, _failed = run_module(join_token.main, args(tmp_path))
    assert result["changed"] is True and result["minted"] is False
    assert path.read_text() == TOKEN
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600


def test_a_token_near_expiry_is_replaced_and_the_old_one_invalidated(run_module, ready_cluster, tmp_path):
    run_module(join_token.main, args(tmp_path))
    key = ("jointokenrequests", "edge", "shop-1-worker-h1")
    ready_cluster.objects[key]["metadata"]["creationTimestamp"] = "2020-01-01T00:00:00Z"
    result, failed = run_module(join_token.main, args(tmp_path))
    assert not failed, result
    assert result["minted"] is True
    assert "expires at 2020-01-01T01:00:00Z" in result["replaced_because"]
    assert ready_cluster.invalidated == ["abc123"]
    assert_no_secret(result)


def test_force_mints_anew(run_module, ready_cluster, tmp_path):
    run_module(join_token.main, args(tmp_path))
    result, _failed = run_module(join_token.main, args(tmp_path, force=True))
    assert result["minted"] is True and result["replaced_because"] == "force=true"


def test_check_mode_mints_nothing(run_module, ready_cluster, tmp_path):
    result, failed = run_module(join_token.main, args(tmp_path, _ansible_check_mode=True, _ansible_diff=True))
    assert not failed, result
    assert result["changed"] is True
    assert ready_cluster.writes() == []
    assert not (tmp_path / "h1.token").exists()


def test_absent_invalidates_and_removes_the_file(run_module, ready_cluster, tmp_path):
    run_module(join_token.main, args(tmp_path))
    result, failed = run_module(join_token.main, args(tmp_path, state="absent"))
    assert not failed
    assert result["changed"] is True
    assert ready_cluster.invalidated == ["abc123"]
    assert not (tmp_path / "h1.token").exists()
    result, _failed = run_module(join_token.main, args(tmp_path, state="absent"))
    assert result["changed"] is False


def test_waits_for_the_operator_to_mint(run_module, ready_cluster, tmp_path):
    ready_cluster.polls_until_token = 3
    result, failed = run_module(join_token.main, args(tmp_path))
    assert not failed, result
    assert (tmp_path / "h1.token").read_text() == TOKEN


def test_token_never_minted_times_out_with_the_reason(run_module, ready_cluster, tmp_path):
    ready_cluster.polls_until_token = 10 ** 6
    result, failed = run_module(join_token.main, args(tmp_path, wait_timeout=0))
    assert failed
    assert "waiting for k0smotron to mint the token" in result["msg"]
    assert not (tmp_path / "h1.token").exists()


def test_missing_cluster(run_module, fake_api, tmp_path):
    result, failed = run_module(join_token.main, args(tmp_path))
    assert failed
    assert "Cluster 'shop-1' does not exist in namespace 'edge'" in result["msg"]
    assert fake_api.writes() == []


@pytest.mark.parametrize("overrides, message", [
    (dict(expiry="0s"), "never expires"),
    (dict(expiry="forever"), "expiry 'forever' is not a duration"),
    (dict(renew_before="2h"), "renew_before (2h) must be shorter than expiry (1h)"),
    (dict(dest=None), "dest is required with state=present"),
    (dict(name="Bad_Name"), "name 'Bad_Name' is not a valid name"),
    (dict(cluster="x" * 64), "is not a valid name"),
    (dict(role="admin"), "value of role must be one of"),
])
def test_bad_input(run_module, fake_api, tmp_path, overrides, message):
    result, failed = run_module(join_token.main, args(tmp_path, **overrides))
    assert failed
    assert message in result["msg"]
    assert fake_api.calls == []


def test_default_name_is_one_per_destination(run_module, ready_cluster, tmp_path):
    first, _failed = run_module(join_token.main, dict(cluster="shop-1", namespace="edge", dest=str(tmp_path / "a")))
    second, _failed = run_module(join_token.main, dict(cluster="shop-1", namespace="edge", dest=str(tmp_path / "b")))
    assert first["name"].startswith("shop-1-worker-")
    assert first["name"] != second["name"]


def test_a_token_replaced_by_a_second_mint_is_not_the_one_handed_over(run_module, ready_cluster, tmp_path):
    # k0smotron can run two reconciles for one request; the Secret ends with the second token.
    ready_cluster.double_mint = True
    result, failed = run_module(join_token.main, args(tmp_path))
    assert not failed, result
    assert result["token_id"] == "abc123"
    assert (tmp_path / "h1.token").read_text() == TOKEN
    result, _failed = run_module(join_token.main, args(tmp_path))
    assert result["changed"] is False


def test_no_diff_without_a_change(run_module, ready_cluster, tmp_path):
    run_module(join_token.main, args(tmp_path))
    result, _failed = run_module(join_token.main, args(tmp_path, _ansible_diff=True))
    assert result["changed"] is False and "diff" not in result


def test_check_mode_before_the_cluster_exists_does_not_fail(run_module, fake_api, tmp_path):
    result, failed = run_module(join_token.main, args(tmp_path, _ansible_check_mode=True))
    assert not failed, result
    assert result["changed"] is True
    assert "does not exist in namespace 'edge' (yet)" in result["warnings"][0]
    assert fake_api.writes() == []


def age(ready_cluster, minutes):
    """Make the request as old as that."""
    created = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=minutes)
    ready_cluster.objects[("jointokenrequests", "edge", "shop-1-worker-h1")]["metadata"]["creationTimestamp"] = (
        created.strftime("%Y-%m-%dT%H:%M:%SZ"))


def test_a_token_within_renew_before_of_its_end_is_replaced(run_module, ready_cluster, tmp_path):
    run_module(join_token.main, args(tmp_path))
    age(ready_cluster, 50)  # ten minutes left of one hour
    result, failed = run_module(join_token.main, args(tmp_path, renew_before="5m"))
    assert not failed, result
    assert result["minted"] is False
    result, failed = run_module(join_token.main, args(tmp_path, renew_before="15m"))
    assert not failed, result
    assert result["minted"] is True and result["replaced_because"].startswith("its token expires at")


def test_a_request_made_with_another_expiry_is_replaced(run_module, ready_cluster, tmp_path):
    run_module(join_token.main, args(tmp_path))
    result, failed = run_module(join_token.main, args(tmp_path, expiry="60m"))
    assert not failed, result
    assert result["minted"] is False  # the same duration, written another way
    result, failed = run_module(join_token.main, args(tmp_path, expiry="2h"))
    assert not failed, result
    assert result["minted"] is True
    assert result["replaced_because"] == "it was made with expiry 1h, not the 2h asked for"
    assert ready_cluster.objects[("jointokenrequests", "edge", "shop-1-worker-h1")]["spec"]["expiry"] == "2h"


def test_a_token_the_control_plane_lost_is_replaced(run_module, ready_cluster, tmp_path):
    run_module(join_token.main, args(tmp_path))
    ready_cluster.hosted.lose_state()
    result, failed = run_module(join_token.main, args(tmp_path))
    assert not failed, result
    assert result["minted"] is True
    assert "the hosted cluster no longer has token abc123" in result["replaced_because"]
    # Checked with the kubeconfig k0smotron keeps, within a short time.
    assert ready_cluster.hosted.config["clusters"][0]["cluster"]["server"] == "https://10.0.0.5:30443"
    assert ready_cluster.hosted.options["request_timeout"] <= 10
    assert_no_secret(result)


def test_a_token_expiring_in_the_hosted_cluster_is_replaced(run_module, ready_cluster, tmp_path):
    run_module(join_token.main, args(tmp_path))
    soon = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=3)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    ready_cluster.hosted.objects[("secrets", "kube-system", "bootstrap-token-abc123")]["data"]["expiration"] = (
        base64.b64encode(soon.encode()).decode())
    result, failed = run_module(join_token.main, args(tmp_path))
    assert not failed, result
    assert result["replaced_because"].startswith("in the hosted cluster token abc123 expires at")


def test_hosted_api_url_is_where_the_token_is_checked(run_module, ready_cluster, tmp_path):
    run_module(join_token.main, args(tmp_path))
    result, failed = run_module(join_token.main, args(tmp_path, hosted_api_url="https://tunnel.example:6443"))
    assert not failed, result
    assert ready_cluster.hosted.config["clusters"][0]["cluster"]["server"] == "https://tunnel.example:6443"


def test_a_hosted_api_out_of_reach_means_reuse_with_a_warning(run_module, ready_cluster, tmp_path):
    run_module(join_token.main, args(tmp_path))
    ready_cluster.hosted.reachable = False
    result, failed = run_module(join_token.main, args(tmp_path))
    assert not failed, result
    assert result["minted"] is False and result["changed"] is False
    assert any("could not be checked in the hosted cluster shop-1" in w and "hosted_api_url" in w
               for w in result["warnings"])


def test_a_request_made_by_another_host_meanwhile_is_a_clear_error(run_module, ready_cluster, tmp_path):
    ready_cluster.created_meanwhile = {
        "apiVersion": "k0smotron.io/v1beta2", "kind": "JoinTokenRequest",
        "metadata": {"name": "shop-1-worker-h1", "namespace": "edge"},
        "spec": {"clusterName": "shop-1", "role": "worker", "expiry": "1h"}}
    result, failed = run_module(join_token.main, args(tmp_path))
    assert failed
    assert "was created by another task while this one was making it" in result["msg"]
    assert "Give each host its own name" in result["msg"]
    assert "HTTP 409" not in result["msg"]
    assert not (tmp_path / "h1.token").exists()


def test_a_timeout_after_the_request_was_made_reports_changed(run_module, ready_cluster, tmp_path):
    ready_cluster.polls_until_token = 10 ** 6
    result, failed = run_module(join_token.main, args(tmp_path, wait_timeout=0))
    assert failed and result["changed"] is True
    assert "raise wait_timeout" in result["msg"] and "diagnosis" not in result["msg"]


def test_a_replacement_that_fails_after_revoking_reports_changed(run_module, ready_cluster, tmp_path):
    run_module(join_token.main, args(tmp_path))
    ready_cluster.polls_until_token = 10 ** 6
    result, failed = run_module(join_token.main, args(tmp_path, force=True, wait_timeout=0))
    assert failed and result["changed"] is True
    assert ready_cluster.invalidated == ["abc123"]


def test_a_file_owned_by_someone_else_is_rewritten(run_module, ready_cluster, tmp_path, monkeypatch):
    run_module(join_token.main, args(tmp_path))
    uid = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: uid + 1)
    result, failed = run_module(join_token.main, args(tmp_path))
    assert not failed, result
    assert result["changed"] is True and result["minted"] is False


def batch(tmp_path, *names, **overrides):
    base = dict(cluster="shop-1", namespace="edge", expiry="1h",
                tokens=[dict(name=n, dest=str(tmp_path / (n + ".token"))) for n in names])
    base.update(overrides)
    return base


def test_many_hosts_in_one_call_each_with_its_own_file(run_module, ready_cluster, tmp_path):
    result, failed = run_module(join_token.main, batch(tmp_path, "h1", "h2"))
    assert not failed, result
    assert result["changed"] is True
    assert [t["name"] for t in result["tokens"]] == ["h1", "h2"]
    assert all(t["minted"] for t in result["tokens"])
    for name in ("h1", "h2"):
        path = tmp_path / (name + ".token")
        assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    assert_no_secret(result)
    again, failed = run_module(join_token.main, batch(tmp_path, "h1", "h2"))
    assert not failed and again["changed"] is False
    assert [t["minted"] for t in again["tokens"]] == [False, False]


@pytest.mark.parametrize("entries,message", [
    ([dict(name="h1", dest="/tmp/same.token"), dict(name="h2", dest="/tmp/same.token")], "share dest"),
    ([dict(name="h1", dest="/tmp/a.token"), dict(name="h1", dest="/tmp/b.token")], "share name"),
    ([dict(name="h1")], "has no dest"),
])
def test_a_bad_batch_is_refused_before_any_call(run_module, fake_api, entries, message):
    result, failed = run_module(join_token.main, dict(cluster="shop-1", namespace="edge", tokens=entries))
    assert failed
    assert message in result["msg"]
    assert fake_api.calls == []


def test_tokens_and_name_are_exclusive(run_module, fake_api, tmp_path):
    result, failed = run_module(join_token.main, batch(tmp_path, "h1", name="x"))
    assert failed and "mutually exclusive" in result["msg"]
