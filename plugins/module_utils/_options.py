# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Argument specs shared by the modules, and the validators of the values users type.

The connection options are kubernetes.core's own (``args_common.AUTH_ARG_SPEC``, documented by its
``kubernetes.core.k8s_auth_options`` fragment), with the ``K8S_AUTH_*`` variables kubernetes.core
reads as fallbacks, so that one ``module_defaults`` block (``group/k0smotron.fleet.k0smotron``,
which extends kubernetes.core's ``k8s`` group) serves both collections, and AWX's Kubernetes
credential (which injects ``K8S_AUTH_*``) works unchanged.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import hashlib
import re

from ansible.module_utils.basic import env_fallback

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError

from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_MAP, AUTH_ARG_SPEC


def _connection_spec():
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    other_names = dict((option, alias) for alias, option in AUTH_ARG_MAP.items() if alias != option)
    for name, option in spec.items():
        option.setdefault("type", "str")
        if option["type"] != "dict":
            # kubernetes.core reads these variables itself, under both names; here Ansible does.
            names = ["K8S_AUTH_%s" % name.upper()] + (
                ["K8S_AUTH_%s" % other_names[name].upper()] if name in other_names else [])
            option["fallback"] = (env_fallback, names)
    # Not no_log: Ansible would mask every leaf of an inline kubeconfig (even "v1") everywhere;
    # the credentials inside one are masked value by value instead (_masking.kubeconfig_secrets).
    spec["kubeconfig"]["no_log"] = False
    spec["client_key"]["no_log"] = False  # a path, not a key
    spec["request_timeout"] = dict(type="float", default=30)
    return spec


CONNECTION_ARG_SPEC = _connection_spec()

ENGINE_ARG_SPEC = dict(
    engine=dict(type="str", choices=["native", "k0smotron"], default="native",
                fallback=(env_fallback, ["K0SMOTRON_FLEET_ENGINE"])),
    hosted_api_url=dict(type="str"),
)

WAIT_ARG_SPEC = dict(
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
    wait_sleep=dict(type="int", default=5),
)

# DNS-1123 label: what Kubernetes accepts as a Service name, which k0smotron derives from the
# Cluster name (kmc-NAME), so Cluster names must be labels, not subdomains.
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# DNS-1123 subdomain: names of namespaced objects such as JoinTokenRequests and Secrets.
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
# k0s versions as k0s tags them (v1.36.3+k0s.0) or as image tags (v1.36.3-k0s.0).
_K0S_VERSION = re.compile(r"^v(\d+)\.(\d+)\.(\d+)([-+])k0s\.(\d+)$")


def default_token_name(cluster, role, dest):
    """A join token's name when none is given: one per destination file, so that hosts running in
    parallel never share, renew or revoke each other's tokens."""
    digest = hashlib.sha256((dest or "").encode("utf-8")).hexdigest()[:8]
    return "%s-%s-%s" % (cluster, role, digest)


def fold_kine_spelling(params):
    """Accept ``storage.kine.dataSourceURL`` / ``dataSourceSecretName``, as k0smotron's documents
    write them, as ``storage.kine_data_source_url`` / ``kine_data_source_secret_name``."""
    storage = params.get("storage")
    kine = (storage or {}).get("kine")
    if not kine:
        return params
    for api_name, option in (("dataSourceURL", "kine_data_source_url"),
                             ("dataSourceSecretName", "kine_data_source_secret_name")):
        value = kine.get(api_name)
        if value is None:
            continue
        if storage.get(option) is not None and storage[option] != value:
            raise FleetError(
                "storage.%s and storage.kine.%s are two spellings of one setting, with different values."
                % (option, api_name),
                hint="Keep one of them.")
        storage[option] = value
    storage["kine"] = None
    if storage.get("kine_data_source_url") is not None and storage.get("kine_data_source_secret_name") is not None:
        raise FleetError(
            "A kine data source URL and a data source Secret are both given.",
            hint="Give one of them: the Secret (storage.kine_data_source_secret_name) keeps the password out of "
                 "the Cluster.")
    return params


def validate_dns_label(option, value):
    if value is None or len(value) > 63 or not _DNS1123_LABEL.match(value):
        raise FleetError(
            "%s '%s' is not a valid name." % (option, value),
            hint="Use at most 63 lower-case letters, digits and '-', starting and ending with a letter "
                 "or digit (a DNS-1123 label), for example 'edge-site-1'.",
        )
    return value


def validate_dns_subdomain(option, value):
    if value is None or len(value) > 253 or not _DNS1123_SUBDOMAIN.match(value):
        raise FleetError(
            "%s '%s' is not a valid name." % (option, value),
            hint="Use lower-case letters, digits, '-' and '.', starting and ending with a letter or "
                 "digit (a DNS-1123 subdomain), for example 'site-1-worker-token'.",
        )
    return value


def validate_k0s_version(option, value):
    """Return the parsed (major, minor, patch, k0s_patch) of a k0s version string."""
    match = _K0S_VERSION.match(value or "")
    if not match:
        raise FleetError(
            "%s '%s' is not a k0s version." % (option, value),
            hint="Write it as k0s tags it, for example 'v1.36.3+k0s.0' (the image-tag form "
                 "'v1.36.3-k0s.0' is accepted too).",
        )
    major, minor, patch, _sep, k0s_patch = match.groups()
    return int(major), int(minor), int(patch), int(k0s_patch)
