# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Argument specs shared by the modules, and the validators of values users type.

The connection options carry the same names, aliases and environment variables as
kubernetes.core's, so one ``module_defaults`` block (``group/k0smotron.fleet.k0smotron``, which
extends kubernetes.core's ``k8s`` group) serves both
collections and AWX's Kubernetes credential (which injects ``K8S_AUTH_*``) works unchanged.
Their documentation is the ``k0smotron.fleet.connection`` doc fragment.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re

from ansible.module_utils.basic import env_fallback

from ansible_collections.k0smotron.fleet.plugins.module_utils.errors import FleetError


def _env(*names):
    return (env_fallback, list(names))


PROXY_HEADERS_SPEC = dict(
    proxy_basic_auth=dict(type="str", no_log=True),
    basic_auth=dict(type="str", no_log=True),
    user_agent=dict(type="str"),
)

CONNECTION_ARG_SPEC = dict(
    # Not no_log: a path is no secret, and Ansible would mask every leaf of an inline kubeconfig
    # (even "v1") everywhere. FleetModule masks the secret values of an inline one instead.
    kubeconfig=dict(type="raw", no_log=False, fallback=_env("K8S_AUTH_KUBECONFIG")),
    context=dict(type="str", fallback=_env("K8S_AUTH_CONTEXT")),
    host=dict(type="str", fallback=_env("K8S_AUTH_HOST")),
    api_key=dict(type="str", no_log=True, fallback=_env("K8S_AUTH_API_KEY")),
    username=dict(type="str", fallback=_env("K8S_AUTH_USERNAME")),
    password=dict(type="str", no_log=True, fallback=_env("K8S_AUTH_PASSWORD")),
    validate_certs=dict(type="bool", aliases=["verify_ssl"], fallback=_env("K8S_AUTH_VERIFY_SSL")),
    ca_cert=dict(type="path", aliases=["ssl_ca_cert"], fallback=_env("K8S_AUTH_SSL_CA_CERT")),
    client_cert=dict(type="path", aliases=["cert_file"], fallback=_env("K8S_AUTH_CERT_FILE")),
    client_key=dict(type="path", aliases=["key_file"], no_log=False, fallback=_env("K8S_AUTH_KEY_FILE")),
    proxy=dict(type="str", fallback=_env("K8S_AUTH_PROXY")),
    no_proxy=dict(type="str", fallback=_env("K8S_AUTH_NO_PROXY")),
    proxy_headers=dict(type="dict", options=PROXY_HEADERS_SPEC),
    persist_config=dict(type="bool", fallback=_env("K8S_AUTH_PERSIST_CONFIG")),
    impersonate_user=dict(type="str", fallback=_env("K8S_AUTH_IMPERSONATE_USER")),
    impersonate_groups=dict(type="list", elements="str", fallback=_env("K8S_AUTH_IMPERSONATE_GROUPS")),
    request_timeout=dict(type="float", default=30),
)

ENGINE_ARG_SPEC = dict(
    engine=dict(type="str", choices=["native", "k0smotron"], default="native",
                fallback=_env("K0SMOTRON_FLEET_ENGINE")),
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
# Go durations, as `k0s token create --expiry` parses them (Go's time.ParseDuration). durationpy,
# which comes with the kubernetes client, parses a wider set: days, weeks and years ("1d"), and
# spaces between parts ("1h 30m"), all of which k0s refuses after the request was made; so the
# few lines below are kept rather than it.
_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_GO_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


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


def parse_go_duration(option, value, allow_zero=False):
    """Seconds in a Go duration string such as '1h30m'; zero only when ``allow_zero``."""
    text = (value or "").strip()
    position = len(text) if text == "0" else 0  # Go takes a bare 0, and no other number without unit
    seconds = 0.0
    for match in _GO_DURATION_PART.finditer(text):
        if match.start() != position:
            break
        seconds += float(match.group(1)) * _GO_DURATION_UNITS[match.group(2)]
        position = match.end()
    if not text or position != len(text):
        raise FleetError(
            "%s '%s' is not a duration." % (option, value),
            hint="Use a Go duration such as '30m', '1h' or '2h30m'.",
        )
    if seconds <= 0 and not allow_zero:
        raise FleetError(
            "%s '%s' would make a token that never expires." % (option, value),
            hint="Give a positive duration such as '1h': a join token should live only as long as "
                 "the join takes.",
        )
    return seconds
