# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ManagementClient against a fake transport: paths, queries, and what failures become."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import http.server
import json
import os
import threading

import pytest

kubernetes = pytest.importorskip("kubernetes")
urllib3 = pytest.importorskip("urllib3")

from kubernetes.client.exceptions import ApiException  # noqa: E402

from ansible_collections.k0smotron.fleet.plugins.module_utils import _client as client_module
from ansible_collections.k0smotron.fleet.plugins.module_utils import _connection as connection  # noqa: E402
from ansible_collections.k0smotron.fleet.plugins.module_utils import _resources as resources  # noqa: E402  # noqa: E402
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError  # noqa: E402


class Response:
    def __init__(self, data, warnings=()):
        self.data = json.dumps(data).encode() if data is not None else b""
        self.headers = urllib3.HTTPHeaderDict()
        for warning in warnings:
            self.headers.add("Warning", warning)


def api_error(status, body=None, reason="Error"):
    exc = ApiException(status=status, reason=reason)
    exc.body = json.dumps(body) if isinstance(body, dict) else body
    return exc


class FakeApiClient:
    """Answers each call with the next of ``answers`` (the last one repeats); a path in ``by_path``
    gets its own answer."""

    def __init__(self, *answers, **by_path):
        self.answers = list(answers)
        self.by_path = by_path.get("by_path") or {}
        self.requests = []
        self.configuration = kubernetes.client.Configuration()
        self.configuration.host = "https://mgmt.test:6443"

    def call_api(self, path, method, **kwargs):
        self.requests.append(dict(path=path, method=method, **kwargs))
        answer = self.by_path[path] if path in self.by_path else (
            self.answers.pop(0) if len(self.answers) > 1 else self.answers[0])
        if isinstance(answer, Exception):
            raise answer
        return answer if isinstance(answer, Response) else Response(answer)


def make(*answers, **kwargs):
    fake = FakeApiClient(*answers, by_path=kwargs.pop("by_path", None))
    return client_module.ManagementClient(fake, request_timeout=7, **kwargs), fake


def test_paths_of_the_resources():
    assert resources.CLUSTER.path("edge", "shop-1") == "/apis/k0smotron.io/v1beta2/namespaces/edge/clusters/shop-1"
    assert resources.CLUSTER.path() == "/apis/k0smotron.io/v1beta2/clusters"
    assert resources.SECRET.path("edge", "x") == "/api/v1/namespaces/edge/secrets/x"
    assert resources.CLUSTER.full_name == "clusters.k0smotron.io"
    assert resources.SECRET.full_name == "secrets"


def test_get_returns_the_decoded_object_with_timeout_and_auth():
    client, fake = make({"kind": "Cluster"})
    assert client.get(resources.CLUSTER, "shop-1", "edge") == {"kind": "Cluster"}
    request = fake.requests[0]
    assert request["method"] == "GET"
    # An int: the kubernetes client makes it a total (connect and read) timeout; it ignores a float.
    assert request["_request_timeout"] == 7 and isinstance(request["_request_timeout"], int)
    assert request["auth_settings"] == ["BearerToken"]
    assert client.calls == 1


def test_a_float_request_timeout_still_bounds_the_call():
    fake = FakeApiClient({})
    client = client_module.ManagementClient(fake, request_timeout=2.5)
    client.get(resources.CLUSTER, "shop-1", "edge")
    assert fake.requests[0]["_request_timeout"] == 3


def test_apply_is_server_side_apply_with_our_field_manager():
    client, fake = make({})
    obj = {"apiVersion": "k0smotron.io/v1beta2", "kind": "Cluster", "metadata": {"name": "a", "namespace": "n"}}
    client.apply(resources.CLUSTER, obj, dry_run=True, force=True)
    request = fake.requests[0]
    assert request["method"] == "PATCH"
    assert request["header_params"]["Content-Type"] == "application/apply-patch+yaml"
    assert dict(request["query_params"]) == {"fieldManager": "k0smotron.fleet", "force": "true", "dryRun": "All"}
    assert request["body"] is obj


def test_missing_object_is_none():
    body = {"kind": "Status", "reason": "NotFound", "details": {"name": "shop-1", "kind": "clusters"}}
    client, _fake = make(api_error(404, body))
    assert client.get(resources.CLUSTER, "shop-1", "edge") is None


def test_missing_object_is_none_for_delete_too():
    body = {"kind": "Status", "reason": "NotFound", "details": {"name": "shop-1", "kind": "clusters"}}
    client, _fake = make(api_error(404, body))
    assert client.delete(resources.CLUSTER, "shop-1", "edge") is False


NAMESPACE_MISSING = {"kind": "Status", "reason": "NotFound", "message": 'namespaces "nowhere" not found',
                     "details": {"name": "nowhere", "kind": "namespaces"}}


@pytest.mark.parametrize("write", ["apply", "create"])
def test_a_write_into_a_missing_namespace_names_it(write):
    client, _fake = make(api_error(404, NAMESPACE_MISSING))
    obj = {"apiVersion": "k0smotron.io/v1beta2", "kind": "Cluster", "metadata": {"name": "a", "namespace": "nowhere"}}
    with pytest.raises(FleetError) as caught:
        getattr(client, write)(resources.CLUSTER, obj)
    message = str(caught.value)
    assert "Namespace 'nowhere' does not exist in the management cluster" in message
    assert "Create the namespace first" in message


def test_a_404_about_another_object_is_an_error_not_none():
    # A GET whose 404 names something else (here the namespace) is not "the object does not exist".
    client, _fake = make(api_error(404, NAMESPACE_MISSING))
    with pytest.raises(FleetError, match="Namespace 'nowhere' does not exist"):
        client.get(resources.SECRET, "a", "nowhere")
    body = {"kind": "Status", "reason": "NotFound", "details": {"name": "other", "kind": "clusters"}}
    client, _fake = make(api_error(404, body))
    with pytest.raises(FleetError):
        client.get(resources.CLUSTER, "shop-1", "edge")


def test_a_404_on_a_write_of_the_object_itself_is_an_error():
    body = {"kind": "Status", "reason": "NotFound", "details": {"name": "a", "kind": "clusters"}}
    client, _fake = make(api_error(404, body))
    with pytest.raises(FleetError):
        client.apply(resources.CLUSTER, {"metadata": {"name": "a", "namespace": "edge"}})


def test_k0smotron_1_is_not_reported_as_missing():
    group = {"kind": "APIGroup", "name": "k0smotron.io", "versions": [{"groupVersion": "k0smotron.io/v1beta1",
                                                                       "version": "v1beta1"}]}
    client, fake = make(api_error(404, "404 page not found"), by_path={"/apis/k0smotron.io": group})
    with pytest.raises(FleetError) as caught:
        client.get(resources.CLUSTER, "shop-1", "edge")
    message = str(caught.value)
    assert "k0smotron 1.x found, 2.x needed" in message
    assert "only in version(s) v1beta1" in message
    assert "not installed" not in message
    assert fake.requests[-1]["path"] == "/apis/k0smotron.io"


def test_missing_crd_says_k0smotron_is_not_installed():
    client, _fake = make(api_error(404, "404 page not found"))
    with pytest.raises(FleetError) as caught:
        client.get(resources.CLUSTER, "shop-1", "edge")
    message = str(caught.value)
    assert "does not serve clusters.k0smotron.io" in message
    assert "k0smotron operator" in message and "standalone manifests" in message


def test_forbidden_names_the_verb_and_resource():
    body = {"kind": "Status", "message": 'clusters.k0smotron.io "a" is forbidden: User "bob" cannot patch'}
    client, _fake = make(api_error(403, body))
    with pytest.raises(FleetError) as caught:
        client.apply(resources.CLUSTER, {"metadata": {"name": "a", "namespace": "edge"}})
    message = str(caught.value)
    assert "may not 'patch' clusters.k0smotron.io 'a' in namespace 'edge'" in message
    assert 'User "bob" cannot patch' in message
    assert "Grant the verb 'patch'" in message


def test_forbidden_apply_of_a_new_object_names_create():
    # RBAC refuses a server-side apply that would make the object for "create", not "patch".
    body = {"kind": "Status", "message": 'configmaps "kmc-a" is forbidden: User "bob" cannot create resource '
                                         '"configmaps" in API group "" in the namespace "edge"'}
    client, _fake = make(api_error(403, body))
    with pytest.raises(FleetError) as caught:
        client.apply(resources.CONFIGMAP, {"metadata": {"name": "kmc-a", "namespace": "edge"}})
    message = str(caught.value)
    assert "may not 'create' configmaps 'kmc-a' in namespace 'edge' (the server-side apply that makes it needs " \
           "'create' beside 'patch')" in message
    assert "Grant the verb 'create' on 'configmaps'" in message
    assert "'patch' configmaps" not in message


def test_forbidden_keeps_the_verb_when_the_server_names_the_same():
    body = {"kind": "Status", "message": 'pods is forbidden: User "bob" cannot list resource "pods" in API group ""'}
    client, _fake = make(api_error(403, body))
    with pytest.raises(FleetError) as caught:
        client.list(resources.POD, "edge")
    assert "may not 'list' pods in namespace 'edge' (server said" in str(caught.value)


def test_warnings_of_the_api_server_are_passed_on_once_each():
    said = []
    answer = Response({}, warnings=['299 - "unknown field \\"spec.bogus\\""',
                                    '299 - "first", 299 - "second with, comma"'])
    client, _fake = make(answer, warn=said.append)
    client.apply(resources.CLUSTER, {"metadata": {"name": "a", "namespace": "edge"}}, dry_run=True)
    client.apply(resources.CLUSTER, {"metadata": {"name": "a", "namespace": "edge"}})
    assert said == ['The management cluster says: unknown field "spec.bogus"',
                    "The management cluster says: first",
                    "The management cluster says: second with, comma"]


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def refused():
    return urllib3.exceptions.MaxRetryError(
        None, "/x", reason=urllib3.exceptions.NewConnectionError(None, "Connection refused"))


def test_a_call_that_could_not_connect_is_tried_again_within_the_same_timeout():
    clock = Clock()
    fake = FakeApiClient(refused(), {"kind": "Cluster"})
    client = client_module.ManagementClient(fake, request_timeout=10, clock=clock)
    original = fake.call_api

    def slow(path, method, **kwargs):
        clock.now += 4  # the first try took 4 of the 10 seconds
        return original(path, method, **kwargs)

    fake.call_api = slow
    assert client.apply(resources.CLUSTER, {"metadata": {"name": "a", "namespace": "e"}}) == {"kind": "Cluster"}
    timeouts = [r["_request_timeout"] for r in fake.requests]
    assert timeouts == [10, 6]


def test_the_whole_call_is_bounded_by_one_request_timeout():
    clock = Clock()
    fake = FakeApiClient(refused())
    client = client_module.ManagementClient(fake, request_timeout=10, clock=clock)
    original = fake.call_api

    def slow(path, method, **kwargs):
        clock.now += kwargs["_request_timeout"]  # each try uses all the time it is given
        return original(path, method, **kwargs)

    fake.call_api = slow
    with pytest.raises(FleetError, match="Cannot reach"):
        client.get(resources.CLUSTER, "a", "edge")
    assert clock.now - 100.0 <= 10
    assert len(fake.requests) == 1


def test_a_write_that_may_have_reached_the_server_is_not_sent_twice():
    reset = urllib3.exceptions.MaxRetryError(None, "/x", reason=urllib3.exceptions.ProtocolError("reset"))
    client, fake = make(reset, {})
    with pytest.raises(FleetError):
        client.create(resources.JOIN_TOKEN_REQUEST, {"metadata": {"name": "a", "namespace": "edge"}})
    assert len(fake.requests) == 1
    client, fake = make(reset, {"kind": "Secret"})
    assert client.get(resources.SECRET, "a", "edge") == {"kind": "Secret"}
    assert len(fake.requests) == 2


def test_unreachable_api_names_the_address():
    client, _fake = make(urllib3.exceptions.MaxRetryError(None, "/x", reason="Connection refused"))
    with pytest.raises(FleetError) as caught:
        client.get(resources.CLUSTER, "a", "edge")
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
        client.apply(resources.CLUSTER, {"metadata": {"name": "a", "namespace": "edge"}})


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
    configuration = connection.build_configuration(options(kubeconfig=KUBECONFIG, context="other",
                                                           proxy="http://proxy:3128"))
    assert configuration.host == "https://10.1.1.1:6443"
    assert configuration.api_key["authorization"] == "Bearer t0k"
    assert configuration.proxy == "http://proxy:3128"
    assert configuration.retries == 0  # retried by ManagementClient.request, within request_timeout


def test_host_with_credentials_reads_no_kubeconfig(tmp_path, monkeypatch):
    # kubernetes.core reads no kubeconfig then: a broken ~/.kube/config must not matter.
    broken = tmp_path / "config"
    broken.write_text("this: [is not a kubeconfig")
    monkeypatch.setenv("KUBECONFIG", str(broken))
    monkeypatch.setenv("HOME", str(tmp_path))
    for creds in (dict(api_key="abc"), dict(username="u", password="p")):
        configuration = connection.build_configuration(options(host="https://h:6443", **creds))
        assert configuration.host == "https://h:6443"
    # Without credentials the kubeconfig is still read (for its user), and its trouble reported.
    with pytest.raises(FleetError, match="Cannot use the kubeconfig"):
        connection.build_configuration(options(host="https://h:6443"))


def test_configuration_from_host_and_api_key(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "")
    configuration = connection.build_configuration(options(host="https://h:6443", api_key="abc",
                                                           validate_certs=False))
    assert configuration.host == "https://h:6443"
    assert configuration.api_key == {"authorization": "Bearer abc"}
    assert configuration.verify_ssl is False


def test_missing_kubeconfig_file_is_a_clear_error(tmp_path):
    with pytest.raises(FleetError, match="kubeconfig '.*nowhere' does not exist"):
        connection.build_configuration(options(kubeconfig=str(tmp_path / "nowhere")))


def test_unknown_context_is_a_clear_error(tmp_path):
    path = tmp_path / "config"
    path.write_text(json.dumps(KUBECONFIG))
    with pytest.raises(FleetError, match="context names an existing context"):
        connection.build_configuration(options(kubeconfig=str(path), context="nope"))


def test_no_connection_at_all(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(FleetError, match="No connection to the management cluster is configured"):
        connection.build_configuration(options())


class HeaderRecorder(http.server.BaseHTTPRequestHandler):
    seen = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        HeaderRecorder.seen.append((self.headers.get_all("Impersonate-User"), self.headers.get_all("Impersonate-Group")))
        body = b'{"kind": "Secret"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_impersonation_sends_one_header_per_group():
    server = http.server.HTTPServer(("127.0.0.1", 0), HeaderRecorder)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    try:
        client = client_module.ManagementClient.from_params(options(
            host="http://127.0.0.1:%d" % server.server_address[1], api_key="t", impersonate_user="bob",
            impersonate_groups=["ops", "system:masters"]))
        assert client.get(resources.SECRET, "a", "edge") == {"kind": "Secret"}
    finally:
        thread.join(10)
        server.server_close()
    assert HeaderRecorder.seen == [(["bob"], ["ops", "system:masters"])]


def test_kubeconfig_env_is_used_when_no_option(tmp_path, monkeypatch):
    path = tmp_path / "config"
    path.write_text(json.dumps(KUBECONFIG))
    monkeypatch.setenv("KUBECONFIG", str(path) + os.pathsep + "/elsewhere")
    assert connection.build_configuration(options()).host == "https://10.1.1.1:6443"
