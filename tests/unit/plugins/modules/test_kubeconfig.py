# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest
import yaml

from ansible_collections.k0smotron.fleet.plugins.modules import cluster, kubeconfig
from ansible_collections.k0smotron.fleet.tests.unit.fakes import KUBECONFIG, assert_no_secret


@pytest.fixture
def ready_cluster(run_module, fake_api):
    result, failed = run_module(cluster.main, dict(name="shop-1", namespace="edge", version="v1.36.3+k0s.0"))
    assert not failed, result
    return fake_api


def test_writes_the_kubeconfig_0600_and_returns_no_content(run_module, ready_cluster, tmp_path):
    dest = tmp_path / "shop-1.kubeconfig"
    result, failed = run_module(kubeconfig.main, dict(cluster="shop-1", namespace="edge", dest=str(dest),
                                                      _ansible_diff=True))
    assert not failed, result
    assert result["changed"] is True
    assert result["server"] == "https://10.0.0.5:30443"
    assert result["context"] == "shop-1"
    assert dest.read_text() == KUBECONFIG
    assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o600
    assert_no_secret(result)


def test_second_run_changes_nothing(run_module, ready_cluster, tmp_path):
    args = dict(cluster="shop-1", namespace="edge", dest=str(tmp_path / "k"))
    run_module(kubeconfig.main, args)
    result, _failed = run_module(kubeconfig.main, args)
    assert result["changed"] is False


def test_wider_mode_is_corrected(run_module, ready_cluster, tmp_path):
    dest = tmp_path / "k"
    args = dict(cluster="shop-1", namespace="edge", dest=str(dest))
    run_module(kubeconfig.main, args)
    os.chmod(str(dest), 0o644)
    result, _failed = run_module(kubeconfig.main, args)
    assert result["changed"] is True
    assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o600


def test_server_is_rewritten(run_module, ready_cluster, tmp_path):
    dest = tmp_path / "k"
    result, failed = run_module(kubeconfig.main, dict(cluster="shop-1", namespace="edge", dest=str(dest),
                                                      server="https://shop-1.example:443"))
    assert not failed, result
    assert result["server"] == "https://shop-1.example:443"
    written = yaml.safe_load(dest.read_text())
    assert written["clusters"][0]["cluster"]["server"] == "https://shop-1.example:443"
    assert written["users"][0]["user"]["client-key-data"] == "S0VZLVNFQ1JFVA=="
    assert_no_secret(result)


def test_check_mode_writes_nothing(run_module, ready_cluster, tmp_path):
    dest = tmp_path / "k"
    result, _failed = run_module(kubeconfig.main, dict(cluster="shop-1", namespace="edge", dest=str(dest),
                                                       _ansible_check_mode=True))
    assert result["changed"] is True
    assert not dest.exists()


def test_missing_cluster_and_missing_directory(run_module, fake_api, tmp_path):
    result, failed = run_module(kubeconfig.main, dict(cluster="nope", namespace="edge", dest=str(tmp_path / "k")))
    assert failed and "Cluster 'nope' does not exist" in result["msg"]


def test_missing_directory(run_module, ready_cluster, tmp_path):
    result, failed = run_module(kubeconfig.main, dict(cluster="shop-1", namespace="edge",
                                                      dest=str(tmp_path / "no" / "k")))
    assert failed and "The directory of dest" in result["msg"]
    assert_no_secret(result)


@pytest.mark.parametrize("overrides, message", [
    (dict(server="http://plain:80"), "server 'http://plain:80' is not an https URL"),
    (dict(cluster="Shop"), "cluster 'Shop' is not a valid name"),
    (dict(dest=None), "missing required arguments: dest"),
])
def test_bad_input(run_module, fake_api, tmp_path, overrides, message):
    args = dict(cluster="shop-1", namespace="edge", dest=str(tmp_path / "k"))
    args.update(overrides)
    if args["dest"] is None:
        del args["dest"]
    result, failed = run_module(kubeconfig.main, args)
    assert failed and message in result["msg"]
    assert fake_api.calls == []


def test_check_mode_before_the_cluster_exists_does_not_fail(run_module, fake_api, tmp_path):
    result, failed = run_module(kubeconfig.main, dict(cluster="shop-1", namespace="edge", dest=str(tmp_path / "k"),
                                                      _ansible_check_mode=True))
    assert not failed, result
    assert result["changed"] is True
    assert not (tmp_path / "k").exists()


def test_a_timeout_before_the_secret_exists_reports_no_change_and_an_honest_hint(run_module, fake_api, tmp_path):
    fake_api.polls_until_ready = 10 ** 6
    run_module(cluster.main, dict(name="shop-1", namespace="edge", version="v1.36.3+k0s.0", wait=False))
    result, failed = run_module(kubeconfig.main, dict(cluster="shop-1", namespace="edge", dest=str(tmp_path / "k"),
                                                      wait_timeout=0))
    assert failed
    assert result["changed"] is False
    assert "Timed out after 0s waiting for kubeconfig Secret edge/shop-1-kubeconfig" in result["msg"]
    assert "diagnosis" not in result["msg"]
    assert not (tmp_path / "k").exists()
