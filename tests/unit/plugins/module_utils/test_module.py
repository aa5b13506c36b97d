# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""FleetModule: what every module's result and log may show, and what a failure reports."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.k0smotron.fleet.plugins.module_utils import _client as client_module
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._module import FleetModule
from ansible_collections.k0smotron.fleet.plugins.module_utils._runner import _tokens as tokens_flow
from ansible_collections.k0smotron.fleet.plugins.modules import cluster, cluster_info, join_token

PASSWORD = "s3cr3t-pw-4711"
URL = "postgres://fleet:%s@db.example:5432/shop1" % PASSWORD

INLINE_KUBECONFIG = {
    "apiVersion": "v1", "kind": "Config", "current-context": "mgmt",
    "clusters": [{"name": "mgmt", "cluster": {"server": "https://10.1.1.1:6443"}}],
    "contexts": [{"name": "mgmt", "context": {"cluster": "mgmt", "user": "u"}}],
    "users": [{"name": "u", "user": {"token": "inline-t0ken-value", "client-key-data": "S0VZLWlubGluZQ=="}}],
}


def test_protect_masks_a_value_in_everything_returned(run_module, fake_api):
    def main():
        module = FleetModule({})
        module.protect("the-secret-value")
        module.exit(dict(changed=False, msg="made with the-secret-value", nested={"k": "the-secret-value"}))

    result, failed = run_module(main, {})
    assert not failed
    assert "the-secret-value" not in json.dumps(result)


def test_a_failure_after_a_change_reports_changed(run_module, fake_api, tmp_path, monkeypatch):
    # The JoinTokenRequest is made, then writing the token fails (a disk that filled up in between; a
    # missing directory is refused before): a re-run is not a first run.
    result, failed = run_module(cluster.main, dict(name="shop-1", namespace="edge", version="v1.36.3+k0s.0"))
    assert not failed, result

    def full(path, content):
        raise FleetError("Cannot write '%s': No space left on device." % path, hint="Check dest and its directory.")

    monkeypatch.setattr(tokens_flow, "write_secret_file", full)
    result, failed = run_module(join_token.main, dict(cluster="shop-1", namespace="edge", name="h1",
                                                      dest=str(tmp_path / "h1.token")))
    assert failed
    assert "No space left on device" in result["msg"]
    assert result["changed"] is True


def test_an_inline_kubeconfig_masks_its_credentials_not_every_leaf(run_module, fake_api):
    # With no_log on the option Ansible masked every value of the dictionary, "v1" included, so
    # results read "k0smotron.io/********beta2"; only the credentials may be masked.
    result, failed = run_module(cluster.main, dict(name="shop-1", namespace="edge", version="v1.36.3+k0s.0",
                                                   kubeconfig=INLINE_KUBECONFIG))
    assert not failed, result
    assert result["cluster"]["apiVersion"] == "k0smotron.io/v1beta2"
    assert "********" not in json.dumps(result)
    fake_api.failures.append(FleetError("rejected token inline-t0ken-value and key S0VZLWlubGluZQ=="))
    result, failed = run_module(cluster.main, dict(name="shop-1", namespace="edge", version="v1.36.3+k0s.0",
                                                   kubeconfig=INLINE_KUBECONFIG))
    assert failed
    assert "inline-t0ken-value" not in result["msg"] and "S0VZLWlubGluZQ==" not in result["msg"]
    assert "rejected token ********" in result["msg"]


def test_a_missing_kubeconfig_file_is_named_in_the_error(run_module, monkeypatch, tmp_path):
    monkeypatch.setenv("K0SMOTRON_FLEET_ENGINE", "k0smotron")
    path = str(tmp_path / "no-such.kubeconfig")
    result, failed = run_module(cluster_info.main, dict(kubeconfig=path))
    assert failed
    assert "kubeconfig '%s' does not exist" % path in result["msg"]


def test_the_module_passes_on_what_the_api_server_warns_about(run_module, fake_api):
    fake_api.apply_warnings = ["unknown field \"spec.bogus\""]
    result, failed = run_module(cluster.main, dict(name="shop-1", namespace="edge", version="v1.36.3+k0s.0"))
    assert not failed, result
    assert 'The management cluster says: unknown field "spec.bogus"' in result["warnings"]


def test_impersonated_groups_come_from_the_environment_too(run_module, monkeypatch):
    seen = {}

    def from_params(cls, params):
        seen.update(params)
        raise FleetError("stop here")

    monkeypatch.setenv("K8S_AUTH_IMPERSONATE_GROUPS", "ops,system:masters")
    monkeypatch.setattr(client_module.ManagementClient, "from_params", classmethod(from_params))
    run_module(cluster_info.main, dict(engine="k0smotron"))
    assert seen["impersonate_groups"] == ["ops", "system:masters"]


def run_for_real(capsys, main, args):
    """Run a module with Ansible's own exit: the JSON it prints, invocation included (shown at -vvv)."""
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            main()
    return capsys.readouterr().out


@pytest.mark.parametrize("storage", [
    # k0smotron's own spelling, accepted.
    {"type": "kine", "kine": {"dataSourceURL": URL}},
    # A spelling Ansible rejects before the module runs: it still echoes the options back.
    {"type": "kine", "kine_datasource_url": URL},
    {"type": "kine", "kine": {"dataSourceUrl": URL}},
])
def test_a_database_url_never_reaches_the_output_however_it_is_spelt(capsys, fake_api, storage):
    out = run_for_real(capsys, cluster.main, dict(
        name="shop-1", namespace="edge", version="v1.36.3+k0s.0", storage=storage, wait=False,
        _ansible_verbosity=3))
    assert "invocation" in out
    assert PASSWORD not in out


def test_a_url_in_the_raw_spec_is_masked_too(capsys, fake_api):
    out = run_for_real(capsys, cluster.main, dict(
        name="shop-1", namespace="edge", version="v1.36.3+k0s.0", wait=False,
        spec={"storage": {"type": "kine", "kine": {"dataSourceURL": URL}}}))
    assert json.loads(out)["cluster"]["spec"]["storage"]["kine"]["dataSourceURL"] == "********"
    assert PASSWORD not in out


def test_names_of_secrets_are_not_masked(capsys, fake_api):
    out = run_for_real(capsys, cluster.main, dict(
        name="shop-1", namespace="edge", version="v1.36.3+k0s.0", wait=False,
        storage={"type": "kine", "kine": {"dataSourceSecretName": "shop-1-db"}}))
    result = json.loads(out)
    assert result["cluster"]["spec"]["storage"]["kine"] == {"dataSourceSecretName": "shop-1-db"}
