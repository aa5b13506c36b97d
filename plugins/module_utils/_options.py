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
import ipaddress
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
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}"
                       r"[a-zA-Z0-9])?)*$")
# The name part of a label or annotation key, and a label value (Kubernetes' qualified names).
_QUALIFIED_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
# https://HOST[:PORT][/PATH]: a host of name characters or a bracketed IPv6 address.
_HTTPS_URL = re.compile(r"^https://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?(/\S*)?$")


def check_common_options(params):
    """The shared options every module takes (connection, engine, waiting), checked before any call:
    a wait that would end in a traceback after the first write, a hosted API that is no URL."""
    for option, least, hint in (
            ("wait_timeout", 0, "Give the seconds to wait, 0 or more (0 checks once and does not wait)."),
            ("wait_sleep", 1, "Give the seconds between two checks, 1 or more."),
            ("request_timeout", None, "Give the seconds one API request may take, more than 0 (default 30).")):
        value = params.get(option)
        if value is None:
            continue
        if (value <= 0) if least is None else (value < least):
            raise FleetError("%s must be %s, got %s." % (
                option, "more than 0" if least is None else "at least %d" % least, value), hint=hint)
    if params.get("hosted_api_url"):
        validate_https_url("hosted_api_url", params["hosted_api_url"],
                           " where the hosted API answers from here; leave it out to use the control plane's own "
                           "address")


def validate_https_url(option, value, where=""):
    """An https URL with a host and, when given, a port of 1-65535."""
    match = _HTTPS_URL.match(value or "")
    if not match or (match.group(2) and not 1 <= int(match.group(2)) <= 65535):
        raise FleetError("%s '%s' is not an https URL." % (option, value),
                         hint="Write it as https://ADDRESS:PORT%s, for example https://192.0.2.10:30443." % where)
    return value


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


def validate_address(option, value):
    """A host name or an IP address, without scheme or port."""
    try:
        ipaddress.ip_address(value)
        return value
    except ValueError:
        if _HOSTNAME.match(value):
            return value
    raise FleetError(
        "%s '%s' is not a host name or an IP address." % (option, value),
        hint="Give the address alone, without scheme or port (for example 192.0.2.10 or cp.example.com); "
             "the port is service.api_port, or with NodePort the node port Kubernetes allocates.")


def validate_datasource_url(where, url):
    """A kine data source URL has a scheme: postgres://, mysql://..."""
    if "://" not in url:
        raise FleetError("%s is not a data source URL." % where,
                         hint="Write it as kine expects, for example postgres://USER:PASSWORD@HOST:5432/DB or "
                              "mysql://USER:PASSWORD@tcp(HOST:3306)/DB.")


def _qualified_key(key):
    prefix, _slash, name = key.rpartition("/")
    return bool(_QUALIFIED_NAME.match(name)) and (
        not _slash or (len(prefix) <= 253 and bool(_DNS1123_SUBDOMAIN.match(prefix))))


def validate_metadata(option, mapping, label_values):
    """Label or annotation keys as Kubernetes takes them (``[PREFIX/]NAME``), string values, and with
    ``label_values`` values of at most 63 name characters: the API server would refuse them only after
    other objects of the control plane were written."""
    for key, value in (mapping or {}).items():
        if not isinstance(key, str) or not _qualified_key(key):
            raise FleetError(
                "%s key '%s' is not a valid key." % (option, key),
                hint="Use [PREFIX/]NAME: NAME at most 63 letters, digits, '-', '_' and '.', starting and ending "
                     "with a letter or digit; PREFIX a DNS subdomain, for example fleet.example.com/site.")
        if not isinstance(value, str):
            written = str(value).lower() if isinstance(value, bool) else value
            raise FleetError(
                "%s '%s' has a %s value (%s); the API takes strings only." % (option, key, type(value).__name__, value),
                hint="Quote the value in YAML, for example %s: \"%s\"." % (key, written))
        if label_values and value and not _QUALIFIED_NAME.match(value):
            raise FleetError(
                "%s '%s' has the value '%s', which is not a valid label value." % (option, key, value),
                hint="Use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit; "
                     "put longer or free text in annotations.")


def validate_image_repository(option, value):
    """An image repository without tag or digest: the module adds the version as the tag."""
    last = value.rsplit("/", 1)[-1]
    if "@" in value or ":" in last or not value or value != value.strip():
        raise FleetError(
            "%s '%s' has a tag or digest, or is empty." % (option, value),
            hint="Give the repository alone, for example registry.example.com/k0sproject/k0s: the tag is the "
                 "version (version: v1.36.3+k0s.0 runs TAG v1.36.3-k0s.0).")
