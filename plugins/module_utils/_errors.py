# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one error type of the collection, and the translation of API failures into it.

Every failure a module reports goes through :class:`FleetError`: a message that says what went
wrong, a hint that says what to do about it, and optional details that become keys of the
failed task's result (conditions, pods, events...). Nothing secret is ever put into one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

# How RBAC words a refusal: 'User "bob" cannot create resource "configmaps" in API group ""'.
_REFUSED_VERB = re.compile(r'cannot ([a-z]+) resource "')


class FleetError(Exception):
    """A failure a user can act on."""

    def __init__(self, msg, hint=None, **details):
        super(FleetError, self).__init__(msg)
        self.msg = msg
        self.hint = hint
        self.details = details
        # For API failures: the HTTP status and the Status reason (AlreadyExists, Conflict...),
        # so that callers can act on them. Not part of the task's result.
        self.status = None
        self.reason = None

    def __str__(self):
        if self.hint:
            return "%s %s" % (self.msg, self.hint)
        return self.msg

    def to_result(self):
        """The keyword arguments for ``fail_json``."""
        result = dict(self.details)
        result["msg"] = str(self)
        return result


class WaitTimeout(FleetError):
    """A wait ran out of time; ``details`` carries the last observed state."""


def _status_body(exc):
    """The Kubernetes ``Status`` object of an API error, or None if the body is not one."""
    body = getattr(exc, "body", None)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not body:
        return None
    try:
        status = json.loads(body)
    except ValueError:
        return None
    if isinstance(status, dict) and status.get("kind") == "Status":
        return status
    return None


def describe_target(resource, name=None, namespace=None):
    target = resource
    if name:
        target = "%s '%s'" % (resource, name)
    if namespace:
        target += " in namespace '%s'" % namespace
    return target


def translate_api_error(exc, verb, resource, name=None, namespace=None, host=None, where=None,
                        unreachable_hint=None, served_versions=None):
    """Turn a failed API call into a :class:`FleetError` that names the cause and the fix.

    ``verb`` is the Kubernetes verb that was attempted (get, list, patch, create, delete...),
    ``resource`` the plural resource with its group (``clusters.k0smotron.io``), ``where`` the
    cluster asked ("the management cluster", or a hosted cluster). ``served_versions``, for a
    resource type that is not served, lists the versions its API group is served in (so that an
    old k0smotron is not reported as a missing one).
    """
    error = _translate(exc, verb, resource, name, namespace, host, where, unreachable_hint, served_versions)
    error.status = getattr(exc, "status", None)
    error.reason = (_status_body(exc) or {}).get("reason")
    return error


def _translate(exc, verb, resource, name, namespace, host, where, unreachable_hint, served_versions):
    where = where or "the management cluster"
    target = describe_target(resource, name, namespace)
    status_code = getattr(exc, "status", None)
    if status_code is None:
        # urllib3 and socket errors: the API was never reached.
        reason = getattr(exc, "reason", None) or exc
        return FleetError(
            "Cannot reach %s's API at %s: %s." % (where, host or "(no address)", reason),
            hint=unreachable_hint or (
                "Check the kubeconfig, context or host options, any proxy settings, and that the "
                "management cluster is running; request_timeout bounds how long each call may take."),
            api_host=host,
        )

    status = _status_body(exc) or {}
    server_message = status.get("message") or getattr(exc, "reason", "") or ""
    details = status.get("details") or {}

    if status_code == 401:
        return FleetError(
            "%s at %s rejected the credentials (401 Unauthorized) while trying to %s %s."
            % (where[0].upper() + where[1:], host, verb, target),
            hint="Check api_key, client_cert/client_key or the kubeconfig user; tokens may have expired.",
            api_host=host,
        )
    if status_code == 403:
        # The verb as RBAC refused it: a server-side apply (a PATCH) of an object that does not exist
        # yet is refused for "create", which the identity then needs beside "patch".
        refused = _REFUSED_VERB.search(server_message)
        note = ""
        if refused and refused.group(1) != verb:
            if verb == "patch" and refused.group(1) == "create":
                note = " (the server-side apply that makes it needs 'create' beside 'patch')"
            verb = refused.group(1)
        return FleetError(
            "Forbidden: the identity in use may not '%s' %s%s (server said: %s)." % (verb, target, note, server_message),
            hint="Grant the verb '%s' on '%s' to that identity with a Role or ClusterRole binding, "
                 "or use a kubeconfig/context that has it." % (verb, resource),
            api_host=host,
        )
    if status_code == 404 and details.get("kind") == "namespaces" and details.get("name"):
        return FleetError(
            "Namespace '%s' does not exist in %s, so %s cannot be made there." % (details["name"], where, target),
            hint="Create the namespace first (for example with kubernetes.core.k8s, kind Namespace), "
                 "or set namespace to an existing one.",
            api_host=host,
        )
    if status_code == 404 and not (status and details.get("name")) and served_versions:
        # The group is there, the version is not: k0smotron 1.x serves k0smotron.io/v1beta1 only.
        return FleetError(
            "The management cluster at %s serves %s only in version(s) %s, not the one this collection uses: "
            "k0smotron 1.x found, 2.x needed." % (host, resource.split(".", 1)[-1], ", ".join(served_versions)),
            hint="Upgrade the k0smotron operator to 2.x (it serves k0smotron.io/v1beta2), or use engine: native, "
                 "which needs no operator.",
            api_host=host,
        )
    if status_code == 404 and not (status and details.get("name")):
        # A 404 without a named object means the resource type itself is not served.
        return FleetError(
            "The management cluster at %s does not serve %s: the k0smotron operator (and its CRDs) "
            "is not installed there." % (host, resource),
            hint="Install the k0smotron operator there first (its standalone manifests), "
                 "or point kubeconfig/context at the management cluster.",
            api_host=host,
        )
    if status_code == 409 and status.get("reason") == "AlreadyExists":
        return FleetError(
            "%s already exists in %s: it was made by someone else between this module's read and its "
            "create (server said: %s)." % (target[0].upper() + target[1:], where, server_message),
            hint="Run the task again; if it keeps happening, another task or host uses the same name at the "
                 "same time: give each its own.",
        )
    if status_code == 409 and verb in ("apply", "patch"):
        return FleetError(
            "Conflict while applying %s: %s." % (target, server_message),
            hint="Another field manager owns these fields; set force_conflicts=true to take them over, "
                 "or change them with the tool that owns them.",
        )
    if status_code == 422 or status_code == 400:
        return FleetError(
            "The management cluster rejected %s as invalid: %s." % (target, server_message),
            hint="Correct the options named in the message.",
        )
    if status_code >= 500 and "webhook" in server_message:
        return FleetError(
            "k0smotron's admission webhook failed while trying to %s %s: %s." % (verb, target, server_message),
            hint="Check that the k0smotron-controller-manager Deployment in namespace 'k0smotron' is Ready "
                 "and that its webhook certificate is valid.",
        )
    return FleetError(
        "The API call to %s %s in %s failed with HTTP %s: %s." % (verb, target, where, status_code, server_message),
        api_host=host,
    )
