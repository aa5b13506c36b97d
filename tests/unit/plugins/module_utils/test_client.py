# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ManagementClient against a fake transport: paths, queries, and what failures become."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

kubernetes = pytest.importorskip("kubernetes")
urllib3 = pytest.importorskip("urllib3")

from kubernetes.client.exceptions import ApiException  # noqa: E402

from ansible_collections.k0smotron.fleet.plugins.module_utils import client as client_module  # noqa: E402
from ansible_collections.k0smotron.fleet.plugins.module_utils.errors import FleetError  # noqa: E402


class Response:
    def __init__(self, data):
        self.data = json.dumps(data).encode() if data is not None else b""


def api_error(status, body=None, reason="Error"):
    exc = ApiException(status=status, reason=reason)
    exc.body = json.dumps(body) if isinstance(body, dict) else body
    return exc


class FakeApiClient:
    def __init__(self, answer):
        self.answer = answer
        self.requests = []
        self.configuration = kubernetes.client.Configuration()
        self.configuration.host = "https://mgmt.test:6443"

    def call_api(self, path, method, **kwargs):
        self.requests.append(dict(path=path, method=method, **kwargs))
        if isinstance(self.answer, Exception):
            raise self.answer
        return Response(self.answer)


def make(answer):
    fake = FakeApiClient(answer)
    return client_module.ManagementClient(fake, request_timeout=7), fake


def test_paths_of_the_resources():
    assert client_module.CLUSTER.path("edge", "shop-1") == "/apis/k0smotron.io/v1beta2/namespaces/edge/clusters/shop-1"
    assert client_module.CLUSTER.path() == "/apis/k0smotron.io/v1beta2/clusters"
    assert client_module.SECRET.path("edge", "x") == "/api/v1/namespaces/edge/secrets/x"
    assert client_module.CLUSTER.full_name == "clusters.k0smotron.io"
    assert client_module.SECRET.full_name == "secrets"


def test_get_returns_the_decoded_object_with_timeout_and_auth():
    client, fake = make({"kind": "Cluster"})
    assert client.get(client_module.CLUSTER, "shop-1", "edge") == {"kind": "Cluster"}
    request = fake.requests[0]
    assert request["method"] == "GET"
    assert request["_request_timeout"] == 7
    assert request["auth_settings"] == ["BearerToken"]
    assert client.calls == 1


def test_apply_is_server_side_apply_with_our_field_manager():
    client, fake = make({})
    obj = {"apiVersion": "k0smotron.io/v1beta2", "kind": "Cluster", "metadata": {"name": "a", "namespace": "n"}}
    client.apply(client_module.CLUSTER, obj, dry_run=True, force=True)
    request = fake.requests[0]
    assert request["method"] == "PATCH"
    assert request["header_params"]["Content-Type"] == "application/apply-patch+yaml"
    assert dict(request["query_params"]) == {"fieldManager": "k0smotron.fleet", "force": "true", "dryRun": "All"}
    assert request["body"] is obj


def test_missing_object_is_none():
    body = {"kind": "Status", "reason": "NotFound", "details": {"name": "shop-1", "kind": "clusters"}}
    client, _fake = make(api_error(404, body))
    assert client.get(client_module.CLUSTER, "shop-1", "edge") is None


def test_missing_crd_says_k0smotron_is_not_installed():
    client, _fake = make(api_error(404, "404 page not found"))
    with pytest.raises(FleetError) as caught:
        client.get(client_module.CLUSTER, "shop-1", "edge")
    message = str(caught.value)
    assert "does not serve clusters.k0smotron.io" in message
    assert "k0smotron operator" in message and "standalone manifests" in message


def test_forbidden_names_the_verb_and_resource():
    body = {"kind": "Status", "message": 'clusters.k0smotron.io "a" is forbidden: User "bob" cannot patch'}
    client, _fake = make(api_error(403, body))
    with pytest.raises(FleetError) as caught:
        client.apply(client_module.CLUSTER, {"metadata": {"name": "a", "namespace": "edge"}})
    message = str(caught.value)
    assert "may not 'patch' clusters.k0smotron.io 'a' in namespace 'edge'" in message
    assert 'User "bob" cannot patch' in message
    assert "Grant the verb 'patch'" in message


def test_unreachable_api_names_the_address():
    client, _fake = make(urllib3.exceptions.MaxRetryError(None, "/x", reason="Connection refused"))
    with pytest.raises(FleetError) as caught:
        client.get(client_module.CLUSTER, "a", "edge")
    assert "Cannot reach the management cluster's API at https://mgmt.test:6443: Connection refused" in str(caught.value)
    assert caught.value.details["api_host"] == "https://mgmt.test:6443"


@pytest.mark.parametrize("status, body, expected", [
    (401, None, "rejected the credentials"),
    (409, {"kind": "Status", "message": "conflict with kubectl"}, "force_conflicts=true"),
    (422, {"kind": "Status", "message": "spec.replicas: Invalid value"}, "rejected clusters.k0smotron.io 'a'"),
    (500, {"kind": "Status", "message": 'failed calling webhook "vcluster.k0smotron.io"'}, "admission webhook"),
    (503, {"kind": "Status", "message": "unavailable"}, "failed with HTTP 503"),
])
def test_other_failures(status, body, expected):
    client, _fake = make(api_error(status, body))
    with pytest.raises(FleetError, match=expected):
        client.apply(client_module.CLUSTER, {"metadata": {"name": "a", "namespace": "edge"}})


KUBECONFIG = {
    "apiVersion": "v1", "kind": "Config", "current-context": "mgmt",
    "clusters": [{"name": "mgmt", "cluster": {"server": "https://10.1.1.1:6443", "insecure-skip-tls-verify": True}}],
    "contexts": [{"name": "mgmt", "context": {"cluster": "mgmt", "user": "u"}},
                 {"name": "other", "context": {"cluster": "mgmt", "user": "u"}}],
    "users": [{"name": "u", "user": {"token": "t0k"}}],
}


def options(**overrides):
    base = dict((name, None) for name in (
        "kubeconfig", "context", "host", "api_key", "username", "password", "validate_certs", "ca_cert",
        "client_cert", "client_key", "proxy", "no_proxy", "proxy_headers", "persist_config", "impersonate_user",
        "impersonate_groups"))
    base["request_timeout"] = 30
    base.update(overrides)
    return base


def test_configuration_from_a_kubeconfig_dict_and_overrides():
    configuration = client_module.build_configuration(options(kubeconfig=KUBECONFIG, context="other",
                                                              proxy="http://proxy:3128"))
    assert configuration.host == "https://10.1.1.1:6443"
    assert configuration.api_key["authorization"] == "Bearer t0k"
    assert configuration.proxy == "http://proxy:3128"
    assert configuration.retries == 1


def test_configuration_from_host_and_api_key(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "")
    configuration = client_module.build_configuration(options(host="https://h:6443", api_key="abc",
                                                              validate_certs=False))
    assert configuration.host == "https://h:6443"
    assert configuration.api_key == {"authorization": "Bearer abc"}
    assert configuration.verify_ssl is False


def test_missing_kubeconfig_file_is_a_clear_error(tmp_path):
    with pytest.raises(FleetError, match="kubeconfig '.*nowhere' does not exist"):
        client_module.build_configuration(options(kubeconfig=str(tmp_path / "nowhere")))


def test_unknown_context_is_a_clear_error(tmp_path):
    path = tmp_path / "config"
    path.write_text(json.dumps(KUBECONFIG))
    with pytest.raises(FleetError, match="context names an existing context"):
        client_module.build_configuration(options(kubeconfig=str(path), context="nope"))


def test_no_connection_at_all(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(FleetError, match="No connection to the management cluster is configured"):
        client_module.build_configuration(options())


def test_impersonation_headers():
    client = client_module.ManagementClient.from_params(options(kubeconfig=KUBECONFIG, impersonate_user="bob",
                                                                impersonate_groups=["ops"]))
    assert client.api_client.default_headers["Impersonate-User"] == "bob"
    assert client.api_client.default_headers["Impersonate-Group"] == "ops"
    with pytest.raises(FleetError, match="impersonate_groups has 2 entries"):
        client_module.ManagementClient.from_params(options(kubeconfig=KUBECONFIG, impersonate_groups=["a", "b"]))


def test_kubeconfig_env_is_used_when_no_option(tmp_path, monkeypatch):
    path = tmp_path / "config"
    path.write_text(json.dumps(KUBECONFIG))
    monkeypatch.setenv("KUBECONFIG", str(path) + os.pathsep + "/elsewhere")
    assert client_module.build_configuration(options()).host == "https://10.1.1.1:6443"
