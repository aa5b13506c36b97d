# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.k0smotron.fleet.plugins.filter.k0s_install_worker_argv import (
    FilterModule,
    k0s_install_worker_argv,
)

BASE = ["/usr/local/bin/k0s", "install", "worker", "--token-file", "/etc/k0s/join.token", "--data-dir", "/var/lib/k0s"]


def argv(**settings):
    return k0s_install_worker_argv("/usr/local/bin/k0s", "/etc/k0s/join.token", "/var/lib/k0s", **settings)


def test_the_role_defaults_give_only_the_token_and_the_data_folder():
    assert argv(labels={}, taints=[], kubelet_extra_args="", profile="", environment={}, extra_args=[]) == BASE
    assert argv() == BASE


def test_every_setting_in_the_order_the_role_always_gave_them():
    assert argv(
        labels={"fleet.example.com/site": "shop-1", "tier": "edge"},
        taints=["dedicated=edge:NoSchedule", "gpu=true:NoExecute"],
        kubelet_extra_args="--max-pods=50 --v=2",
        profile="lab",
        environment={"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "10.0.0.0/8,.svc"},
        extra_args=["--ignore-pre-flight-checks", "--debug"],
    ) == BASE + [
        "--labels", "fleet.example.com/site=shop-1,tier=edge",
        "--taints", "dedicated=edge:NoSchedule,gpu=true:NoExecute",
        "--kubelet-extra-args", "--max-pods=50 --v=2",
        "--profile", "lab",
        "-e", "HTTPS_PROXY=http://proxy:3128",
        "-e", "NO_PROXY=10.0.0.0/8,.svc",
        "--ignore-pre-flight-checks", "--debug",
    ]


def test_one_argument_each_so_spaces_need_no_quoting():
    result = argv(kubelet_extra_args="--node-ip=10.0.0.5 --v=2", environment={"A": "x y"})
    assert result[-4:] == ["--kubelet-extra-args", "--node-ip=10.0.0.5 --v=2", "-e", "A=x y"]


def test_values_are_written_as_jinja_wrote_them():
    # YAML reads `enabled: true` as a boolean; the role's Jinja join wrote it as True.
    assert argv(labels={"enabled": True, "count": 3})[-2:] == ["--labels", "enabled=True,count=3"]


def test_the_paths_come_from_the_caller():
    assert k0s_install_worker_argv("/opt/k0s", "/run/k0s/token", "/srv/k0s")[:7] == [
        "/opt/k0s", "install", "worker", "--token-file", "/run/k0s/token", "--data-dir", "/srv/k0s"]


@pytest.mark.parametrize("settings, named", [
    (dict(labels=["a=b"]), "labels must be a dictionary"),
    (dict(environment="A=b"), "environment must be a dictionary"),
    (dict(taints="a=b:NoSchedule"), "taints must be a list"),
    (dict(extra_args="--debug"), "extra_args must be a list"),
    (dict(kubelet_extra_args=["--v=2"]), "kubelet_extra_args must be a string"),
    (dict(profile=1), "profile must be a string"),
])
def test_a_wrong_type_is_refused_naming_the_setting(settings, named):
    with pytest.raises(AnsibleFilterError, match=named):
        argv(**settings)


@pytest.mark.parametrize("k0s, token_file, data_dir, named", [
    ("", "/etc/k0s/join.token", "/var/lib/k0s", "k0s path"),
    ("/usr/local/bin/k0s", None, "/var/lib/k0s", "token_file"),
    ("/usr/local/bin/k0s", "/etc/k0s/join.token", "", "data_dir"),
])
def test_the_paths_are_required(k0s, token_file, data_dir, named):
    with pytest.raises(AnsibleFilterError, match=named):
        k0s_install_worker_argv(k0s, token_file, data_dir)


def test_registered_under_its_name():
    assert FilterModule().filters() == {"k0s_install_worker_argv": k0s_install_worker_argv}
