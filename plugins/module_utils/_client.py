# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The client every module talks to the Kubernetes API through: the management cluster's, or
a hosted cluster's own.

On top of the official ``kubernetes`` Python client, addressing resources by their known paths
(``_resources``). Every call is bounded by ``request_timeout``, every failure becomes a
``FleetError``, and the API server's warnings are passed on as the task's warnings.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math
import re
import time

from ansible_collections.k0smotron.fleet.plugins.module_utils._connection import (
    api_client_from_kubeconfig,
    new_api_client,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._constants import FIELD_MANAGER
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import translate_api_error
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import Resource

try:
    from kubernetes.client.exceptions import ApiException
    import urllib3
except ImportError:  # pragma: no cover - _connection reports the missing library
    ApiException = Exception


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
        """A client of the management cluster, from the connection options."""
        return cls(new_api_client(params), request_timeout=params.get("request_timeout") or 30)

    @classmethod
    def from_kubeconfig(cls, config, request_timeout=30, where=None, unreachable_hint=None):
        """A client of another cluster (a hosted one), from a kubeconfig held in memory."""
        return cls(api_client_from_kubeconfig(config, where), request_timeout=request_timeout, where=where,
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
