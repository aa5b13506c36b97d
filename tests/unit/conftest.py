# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures: run a module and read its result; a fake management cluster in place of the real one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils.testing import patch_module_args
from ansible.module_utils import basic
from ansible.module_utils.common.parameters import remove_values

from ansible_collections.k0smotron.fleet.plugins.module_utils import _client as client_module
from ansible_collections.k0smotron.fleet.tests.unit.fakes import FakeManagementAPI
from ansible_collections.k0smotron.fleet.tests.unit.native_fakes import FakeNativeAPI


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super(ModuleExit, self).__init__(result)
        self.result = result
        self.failed = failed


def _exit_json(self, **result):
    result.setdefault("changed", False)
    result["warnings"] = list(getattr(self, "_test_warnings", []))
    raise ModuleExit(self._clean_result(result), failed=False)


def _warn(self, warning):
    self.__dict__.setdefault("_test_warnings", []).append(warning)


def _fail_json(self, msg, **result):
    result["msg"] = msg
    result["failed"] = True
    raise ModuleExit(self._clean_result(result), failed=True)


def _clean_result(self, result):
    # What Ansible would send back: no_log values masked, as exit_json does.
    return remove_values(result, self.no_log_values)


@pytest.fixture
def run_module(monkeypatch):
    """Run a module's main() with args; return (result, failed). Check/diff via _ansible_* args."""
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", _fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "_clean_result", _clean_result, raising=False)
    monkeypatch.setattr(basic.AnsibleModule, "warn", _warn)

    def run(main, args):
        with patch_module_args(args):
            with pytest.raises(ModuleExit) as caught:
                main()
        return caught.value.result, caught.value.failed

    return run


@pytest.fixture
def fake_api(monkeypatch):
    api = FakeManagementAPI()
    # This fake plays the k0smotron operator: the modules run with the k0smotron engine against it.
    monkeypatch.setenv("K0SMOTRON_FLEET_ENGINE", "k0smotron")
    monkeypatch.setattr(client_module.ManagementClient, "from_params", classmethod(lambda cls, params: api))

    def hosted(cls, config, **kwargs):
        api.hosted.config = config
        api.hosted.options = kwargs
        return api.hosted

    # A hosted cluster's own API, reached with the kubeconfig k0smotron keeps.
    monkeypatch.setattr(client_module.ManagementClient, "from_kubeconfig", classmethod(hosted))
    # Waits in unit tests must not sleep.
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    return api


@pytest.fixture
def native_api(monkeypatch):
    """A management cluster with no operator, for the native engine (the default)."""
    api = FakeNativeAPI()
    monkeypatch.delenv("K0SMOTRON_FLEET_ENGINE", raising=False)
    monkeypatch.setattr(client_module.ManagementClient, "from_params", classmethod(lambda cls, params: api))

    def hosted(cls, config, **kwargs):
        api.hosted.config = config
        api.hosted.options = kwargs
        api.hosted.clients_made += 1
        return api.hosted

    monkeypatch.setattr(client_module.ManagementClient, "from_kubeconfig", classmethod(hosted))
    # Waits take no time: sleeping moves a clock of the test's own.
    clock = {"now": 1000.0}
    monkeypatch.setattr("time.monotonic", lambda: clock["now"])
    monkeypatch.setattr("time.sleep", lambda seconds: clock.__setitem__("now", clock["now"] + seconds))
    return api
