# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The client every module talks to the management cluster through.

It is built from the standard connection options (see ``args.CONNECTION_ARG_SPEC``) on top of
the official ``kubernetes`` Python client, and addresses resources by their known paths: the
kinds this collection works with are fixed, so no discovery round trips are spent on them.
Every call is bounded by ``request_timeout`` and every failure becomes a ``FleetError``.

kubernetes.core has helpers for the same connection setup (``module_utils.k8s.client``), but they
are that collection's internals, not an API it promises to keep; importing them would tie this
collection to one kubernetes.core release. Only the ``kubernetes`` client's public loaders are
used here, and the behaviour kubernetes.core users know is kept: the same options and
``K8S_AUTH_*`` variables, no kubeconfig read when ``host`` comes with credentials, several
impersonated groups, and the API server's warnings shown as the task's warnings.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math
import os
import re
import time

from ansible_collections.k0smotron.fleet.plugins.module_utils.errors import FleetError, translate_api_error

try:
    import kubernetes
    from kubernetes.client.exceptions import ApiException
    from kubernetes.config.config_exception import ConfigException
    import urllib3
    import yaml
    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the machine running the module
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = exc
    ApiException = ConfigException = Exception
    yaml = None

FIELD_MANAGER = "k0smotron.fleet"


class Resource:
    """A Kubernetes resource type: where its objects live in the API."""

    def __init__(self, group, version, plural, kind, namespaced=True):
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.namespaced = namespaced

    @property
    def api_version(self):
        return "%s/%s" % (self.group, self.version) if self.group else self.version

    @property
    def full_name(self):
        """How RBAC names it: ``clusters.k0smotron.io``, or ``secrets`` for the core group."""
        return "%s.%s" % (self.plural, self.group) if self.group else self.plural

    def path(self, namespace=None, name=None):
        base = "/apis/%s" % self.api_version if self.group else "/api/%s" % self.version
        if self.namespaced and namespace:
            base += "/namespaces/%s" % namespace
        base += "/" + self.plural
        if name:
            base += "/" + name
        return base


CLUSTER = Resource("k0smotron.io", "v1beta2", "clusters", "Cluster")
CONFIGMAP = Resource("", "v1", "configmaps", "ConfigMap")
SERVICE = Resource("", "v1", "services", "Service")
PVC = Resource("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim")
NODE = Resource("", "v1", "nodes", "Node", namespaced=False)
JOIN_TOKEN_REQUEST = Resource("k0smotron.io", "v1beta2", "jointokenrequests", "JoinTokenRequest")
SECRET = Resource("", "v1", "secrets", "Secret")
POD = Resource("", "v1", "pods", "Pod")
STATEFULSET = Resource("apps", "v1", "statefulsets", "StatefulSet")
EVENT = Resource("", "v1", "events", "Event")


def _kubeconfig_file(value):
    """The kubeconfig file to load: the option, else $KUBECONFIG's first entry, else ~/.kube/config."""
    if value:
        return os.path.expanduser(value)
    env = os.environ.get("KUBECONFIG")
    if env:
        return os.path.expanduser(env.split(os.pathsep)[0])
    return os.path.expanduser("~/.kube/config")


def _has_credentials(params):
    """Whether the options alone say where the API is and who is asking (as kubernetes.core judges it)."""
    return bool(params.get("host")) and bool(
        params.get("api_key") or (params.get("username") and params.get("password"))
        or (params.get("client_cert") and params.get("client_key")))


def build_configuration(params):
    """A ``kubernetes.client.Configuration`` from the module's connection options."""
    configuration = kubernetes.client.Configuration()
    kubeconfig = params.get("kubeconfig")
    context = params.get("context")
    host = params.get("host")
    try:
        if kubeconfig is None and not context and _has_credentials(params):
            # host with a token, a password or a client certificate: nothing else is read, neither
            # ~/.kube/config nor $KUBECONFIG nor the pod's service account (as with kubernetes.core).
            pass
        elif isinstance(kubeconfig, dict):
            kubernetes.config.load_kube_config_from_dict(
                config_dict=kubeconfig, context=context, client_configuration=configuration, persist_config=False)
        elif kubeconfig is not None and not isinstance(kubeconfig, str):
            raise FleetError(
                "kubeconfig must be a path to a kubeconfig file or a kubeconfig as a dictionary.",
                hint="Pass a file path, or the parsed content (for example from lookup('file', ...) | from_yaml).")
        else:
            path = _kubeconfig_file(kubeconfig)
            if os.path.exists(path):
                kubernetes.config.load_kube_config(
                    config_file=path, context=context, client_configuration=configuration, persist_config=False)
            elif kubeconfig:
                raise FleetError(
                    "kubeconfig '%s' does not exist." % kubeconfig,
                    hint="Give the path of the management cluster's kubeconfig, on the host the module runs on.")
            elif not host:
                try:
                    kubernetes.config.load_incluster_config(client_configuration=configuration)
                except ConfigException:
                    raise FleetError(
                        "No connection to the management cluster is configured: no kubeconfig at %s, no host "
                        "option and not running in a pod." % path,
                        hint="Set kubeconfig (or K8S_AUTH_KUBECONFIG), or host with api_key or client certificates.")
    except (ConfigException, yaml.YAMLError, ValueError) as exc:
        raise FleetError(
            "Cannot use the kubeconfig: %s." % exc,
            hint="Check the kubeconfig option and that context names an existing context.")

    if host:
        configuration.host = host
    if params.get("api_key"):
        configuration.api_key = {"authorization": "Bearer %s" % params["api_key"]}
    if params.get("validate_certs") is not None:
        configuration.verify_ssl = params["validate_certs"]
    if params.get("ca_cert"):
        configuration.ssl_ca_cert = params["ca_cert"]
    if params.get("client_cert"):
        configuration.cert_file = params["client_cert"]
    if params.get("client_key"):
        configuration.key_file = params["client_key"]
    if params.get("proxy"):
        configuration.proxy = params["proxy"]
    if params.get("no_proxy"):
        configuration.no_proxy = params["no_proxy"]
    headers = params.get("proxy_headers")
    if headers:
        configuration.proxy_headers = urllib3.util.make_headers(
            **dict((k, v) for k, v in headers.items() if v is not None))
    if params.get("username") and params.get("password"):
        configuration.api_key = {
            "authorization": urllib3.util.make_headers(
                basic_auth="%s:%s" % (params["username"], params["password"]))["authorization"]}
    # No retries inside urllib3: each of them would get a whole request_timeout of its own.
    # ManagementClient.request retries once itself, within the same request_timeout.
    configuration.retries = 0
    return configuration


class _RepeatedHeader(str):
    """A header name that equals no other, so that the client's dict of default headers can hold
    it once per value: Kubernetes reads one ``Impersonate-Group`` header per group (a comma-joined
    value would be one group with a comma in its name)."""

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other


# One RFC 7234 warning: code, agent, "quoted text" (with \" escapes), optional "date".
_WARNING = re.compile(r'\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"(?:\s+"[^"]*")?')


def parse_warnings(values):
    """The texts of the ``Warning`` headers of a response, as the API server writes them."""
    texts = []
    for value in values or []:
        for match in _WARNING.finditer(value):
            texts.append(re.sub(r"\\(.)", r"\1", match.group(1)))
    return texts


def _timeout(seconds):
    """What ``_request_timeout`` must be for the time to bound the whole call.

    The kubernetes client turns an int into ``urllib3.Timeout(total=...)`` (connect and read
    together) and a pair into separate connect and read limits, and ignores a float entirely,
    which would leave the call unbounded: request_timeout is a float option.
    """
    return max(1, int(math.ceil(seconds)))


def _may_retry(method, exc):
    """Whether a failed call can be tried again: always for reads, and for writes only when the
    connection was never made (the server cannot have acted on the request)."""
    reason = getattr(exc, "reason", None) or exc
    if isinstance(reason, urllib3.exceptions.ConnectTimeoutError):
        return True  # NewConnectionError (refused, no route, no such host) is one of these
    return method == "GET"


class ManagementClient:
    """Calls to the management cluster, returning plain dictionaries."""

    # A second try is made only when at least this much of request_timeout is left.
    RETRY_MIN_SECONDS = 1.0

    def __init__(self, api_client, request_timeout=30, where="the management cluster", unreachable_hint=None,
                 warn=None, clock=None):
        self.api_client = api_client
        self.request_timeout = request_timeout
        self.where = where
        self.unreachable_hint = unreachable_hint
        self.calls = 0
        # Called with each warning the API server sends (admission webhooks, dropped fields,
        # deprecations), once per text; FleetModule sets it to module.warn.
        self.warn = warn
        self.warned = []
        self._clock = clock or time.monotonic

    @classmethod
    def from_params(cls, params):
        configuration = build_configuration(params)
        api_client = kubernetes.client.ApiClient(configuration)
        if params.get("impersonate_user"):
            api_client.set_default_header("Impersonate-User", params["impersonate_user"])
        for group in params.get("impersonate_groups") or []:
            api_client.set_default_header(_RepeatedHeader("Impersonate-Group"), group)
        return cls(api_client, request_timeout=params.get("request_timeout") or 30)

    @classmethod
    def from_kubeconfig(cls, config, request_timeout=30, where=None, unreachable_hint=None):
        """A client for another cluster (a hosted one), from a kubeconfig held in memory.

        The kubernetes library puts embedded certificates and keys in temporary files only its
        owner can read, removed when the module exits.
        """
        configuration = kubernetes.client.Configuration()
        try:
            kubernetes.config.load_kube_config_from_dict(
                config_dict=config, client_configuration=configuration, persist_config=False)
        except ConfigException as exc:
            raise FleetError("Cannot use the kubeconfig of %s: %s." % (where, exc))
        configuration.retries = 0
        return cls(kubernetes.client.ApiClient(configuration), request_timeout=request_timeout, where=where,
                   unreachable_hint=unreachable_hint)

    @property
    def host(self):
        return self.api_client.configuration.host

    def request(self, method, path, verb, resource, name=None, namespace=None, query=None, body=None,
                content_type=None, raw=False):
        """One API call; the decoded JSON response (the text with ``raw``).

        A 404 that says the named object itself does not exist gives None for reads and
        deletes; any other 404 (a missing namespace, a type not served, a write) is an error.
        """
        headers = {"Accept": "application/json"}
        if content_type:
            headers["Content-Type"] = content_type
        elif body is not None:
            headers["Content-Type"] = "application/json"
        # The whole call, a second try included, is bounded by one request_timeout.
        deadline = self._clock() + self.request_timeout
        tried = False
        while True:
            self.calls += 1
            try:
                response = self.api_client.call_api(
                    path, method,
                    query_params=list((query or {}).items()),
                    header_params=dict(headers),
                    body=body,
                    auth_settings=["BearerToken"],
                    _preload_content=False,
                    _return_http_data_only=True,
                    _request_timeout=_timeout(deadline - self._clock()),
                )
                break
            except ApiException as exc:
                if exc.status == 404 and method in ("GET", "DELETE") and name and _names_object(exc, resource, name):
                    return None
                raise self._error(exc, verb, resource, name, namespace)
            except urllib3.exceptions.HTTPError as exc:
                if not tried and deadline - self._clock() >= self.RETRY_MIN_SECONDS and _may_retry(method, exc):
                    tried = True
                    continue
                raise self._error(exc, verb, resource, name, namespace)
        self._pass_on_warnings(response)
        data = response.data
        if raw:
            return data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        return json.loads(data) if data else {}

    def _pass_on_warnings(self, response):
        headers = getattr(response, "headers", None)
        if headers is None or not hasattr(headers, "getlist"):
            return
        for text in parse_warnings(headers.getlist("Warning")):
            if text not in self.warned:
                self.warned.append(text)
                if self.warn:
                    self.warn("%s says: %s" % (self.where[0].upper() + self.where[1:], text))

    def _error(self, exc, verb, resource, name, namespace):
        served = None
        if getattr(exc, "status", None) == 404 and resource.group and not _names_object(exc, resource, name):
            served = self._served_versions(resource)
        return translate_api_error(exc, verb, resource.full_name, name, namespace, self.host, where=self.where,
                                   unreachable_hint=self.unreachable_hint, served_versions=served)

    def _served_versions(self, resource):
        """The versions the API group of ``resource`` is served in, when it is served but not in
        ``resource``'s version (an older operator); None otherwise, or when that cannot be read."""
        try:
            response = self.api_client.call_api(
                "/apis/%s" % resource.group, "GET", header_params={"Accept": "application/json"},
                auth_settings=["BearerToken"], _preload_content=False, _return_http_data_only=True,
                _request_timeout=_timeout(self.request_timeout))
            group = json.loads(response.data)
        except (ApiException, urllib3.exceptions.HTTPError, TypeError, ValueError):
            return None
        versions = [v.get("version") for v in (group or {}).get("versions") or [] if isinstance(v, dict)]
        if not versions or resource.version in versions:
            return None
        return versions

    # Reads ------------------------------------------------------------------------------------

    def get(self, resource, name, namespace=None):
        return self.request("GET", resource.path(namespace, name), "get", resource, name, namespace)

    def list(self, resource, namespace=None, label_selector=None, field_selector=None):
        query = {}
        if label_selector:
            query["labelSelector"] = label_selector
        if field_selector:
            query["fieldSelector"] = field_selector
        result = self.request("GET", resource.path(namespace), "list", resource, namespace=namespace, query=query)
        return result.get("items") or []

    # Writes -----------------------------------------------------------------------------------

    def apply(self, resource, obj, dry_run=False, force=False):
        """Server-side apply ``obj`` under this collection's field manager."""
        meta = obj["metadata"]
        query = {"fieldManager": FIELD_MANAGER}
        if force:
            query["force"] = "true"
        if dry_run:
            query["dryRun"] = "All"
        return self.request(
            "PATCH", resource.path(meta.get("namespace"), meta["name"]), "patch", resource,
            meta["name"], meta.get("namespace"), query=query, body=obj,
            content_type="application/apply-patch+yaml")

    def create(self, resource, obj):
        meta = obj["metadata"]
        query = {"fieldManager": FIELD_MANAGER}
        return self.request(
            "POST", resource.path(meta.get("namespace")), "create", resource, meta["name"], meta.get("namespace"),
            query=query, body=obj)

    def delete(self, resource, name, namespace=None, propagation="Background"):
        """Delete; True if something was deleted, False if it was already gone."""
        body = {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": propagation}
        result = self.request(
            "DELETE", resource.path(namespace, name), "delete", resource, name, namespace, body=body)
        return result is not None

    def get_raw(self, path, verb="get", resource=None):
        """A GET of a non-resource path such as ``/readyz``; the response text."""
        return self.request("GET", path, verb, resource or Resource("", "", path.strip("/"), path), raw=True)

    def ensure_served(self, resource):
        """Fail with a clear error when the API group of ``resource`` is not served (CRD missing)."""
        path = "/apis/%s" % resource.api_version
        self.request("GET", path, "get", resource)


def _names_object(exc, resource, name):
    """True when a 404 says that object itself is missing (not its namespace, not its type)."""
    if not name:
        return False
    try:
        status = json.loads(exc.body)
    except (TypeError, ValueError):
        return False
    if not isinstance(status, dict):
        return False
    details = status.get("details") or {}
    return details.get("name") == name and details.get("kind") in (None, resource.plural)
