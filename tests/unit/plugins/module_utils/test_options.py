# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils import _options as args
from ansible_collections.k0smotron.fleet.plugins.module_utils import _time
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError


@pytest.mark.parametrize("name", ["a", "shop-0042", "x" * 63, "0edge"])
def test_dns_labels_accepted(name):
    assert args.validate_dns_label("name", name) == name


@pytest.mark.parametrize("name", ["", "Shop", "shop_1", "-shop", "shop-", "x" * 64, "a.b", None])
def test_dns_labels_refused_with_the_option_named(name):
    with pytest.raises(FleetError) as caught:
        args.validate_dns_label("name", name)
    assert str(caught.value).startswith("name '%s' is not a valid name." % name)
    assert "DNS-1123 label" in str(caught.value)


def test_dns_subdomain_allows_dots_but_not_upper_case():
    assert args.validate_dns_subdomain("name", "a.b-c") == "a.b-c"
    with pytest.raises(FleetError, match="name 'A.b'"):
        args.validate_dns_subdomain("name", "A.b")


@pytest.mark.parametrize("version, parsed", [
    ("v1.36.3+k0s.0", (1, 36, 3, 0)),
    ("v1.36.3-k0s.2", (1, 36, 3, 2)),
    ("v1.30.10+k0s.12", (1, 30, 10, 12)),
])
def test_k0s_versions_accepted(version, parsed):
    assert args.validate_k0s_version("version", version) == parsed


@pytest.mark.parametrize("version", ["1.36.3+k0s.0", "v1.36.3", "v1.36+k0s.0", "latest", "", None, "v1.36.3+k3s.1"])
def test_malformed_versions_refused_with_an_example(version):
    with pytest.raises(FleetError) as caught:
        args.validate_k0s_version("version", version)
    message = str(caught.value)
    assert "version '%s' is not a k0s version" % version in message
    assert "v1.36.3+k0s.0" in message


@pytest.mark.parametrize("text, seconds", [("1h", 3600), ("30m", 1800), ("1h30m", 5400), ("90s", 90), ("1.5h", 5400),
                                           ("500ms", 0.5)])
def test_go_durations(text, seconds):
    assert _time.parse_go_duration("expiry", text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "1", "h", "1d", "1h 30m", "-1h", "abc"])
def test_bad_durations_name_the_option(text):
    with pytest.raises(FleetError, match="expiry '%s' is not a duration" % text):
        _time.parse_go_duration("expiry", text)


def test_zero_duration_is_refused_unless_allowed():
    with pytest.raises(FleetError, match="never expires"):
        _time.parse_go_duration("expiry", "0s")
    assert _time.parse_go_duration("renew_before", "0s", allow_zero=True) == 0


def test_connection_options_match_kubernetes_core_names_and_environment():
    spec = args.CONNECTION_ARG_SPEC
    for option in ("kubeconfig", "context", "host", "api_key", "username", "password", "validate_certs", "ca_cert",
                   "client_cert", "client_key", "proxy", "no_proxy", "proxy_headers", "persist_config",
                   "impersonate_user", "impersonate_groups"):
        assert option in spec
    assert spec["validate_certs"]["aliases"] == ["verify_ssl"]
    assert spec["kubeconfig"]["fallback"][1] == ["K8S_AUTH_KUBECONFIG"]
    for secret in ("api_key", "password"):
        assert spec[secret]["no_log"] is True
    # A path is no secret; an inline kubeconfig's credentials are masked by FleetModule, value by value.
    assert spec["kubeconfig"]["no_log"] is False


def test_default_token_names_differ_per_destination():
    first = args.default_token_name("shop-1", "worker", "/run/fleet/edge-1.token")
    assert first == args.default_token_name("shop-1", "worker", "/run/fleet/edge-1.token")
    assert first != args.default_token_name("shop-1", "worker", "/run/fleet/edge-2.token")
    assert first.startswith("shop-1-worker-")


@pytest.mark.parametrize("text, seconds", [("1.h", 3600), (".5h", 1800), ("1μs", 1e-6), ("1µs", 1e-6)])
def test_go_accepts_these_too(text, seconds):
    assert _time.parse_go_duration("expiry", text) == pytest.approx(seconds)


def test_a_bare_zero_is_a_go_duration():
    assert _time.parse_go_duration("renew_before", "0", allow_zero=True) == 0


def test_k0smotrons_spelling_of_the_data_source_folds_into_the_options():
    params = {"storage": {"type": "kine", "kine_data_source_url": None, "kine_data_source_secret_name": None,
                          "kine": {"dataSourceURL": None, "dataSourceSecretName": "db"}}}
    args.fold_kine_spelling(params)
    assert params["storage"]["kine_data_source_secret_name"] == "db" and params["storage"]["kine"] is None
    both = {"storage": {"type": "kine", "kine_data_source_url": "postgres://a", "kine_data_source_secret_name": None,
                        "kine": {"dataSourceURL": None, "dataSourceSecretName": "db"}}}
    with pytest.raises(FleetError, match="both given"):
        args.fold_kine_spelling(both)
    assert args.fold_kine_spelling({"storage": None}) == {"storage": None}


def test_impersonated_groups_have_their_environment_variable():
    assert args.CONNECTION_ARG_SPEC["impersonate_groups"]["fallback"][1] == ["K8S_AUTH_IMPERSONATE_GROUPS"]


@pytest.mark.parametrize("check, value", [
    (lambda v: args.validate_metadata("labels", v, label_values=True),
     {"fleet.example.com/region": "eu-west", "tier": "", "a_b.c": "X-1"}),
    (lambda v: args.validate_metadata("annotations", v, label_values=False), {"note": "free text, any length: " * 9}),
    (lambda v: args.validate_image_repository("image", v), "registry.example.com:5000/k0sproject/k0s"),
    (lambda v: args.validate_https_url("server", v), "https://[2001:db8::1]:6443"),
    (lambda v: args.validate_https_url("server", v), "https://cp.example.com"),
    (lambda v: args.validate_address("external_address", v), "2001:db8::1"),
    (lambda v: args.validate_address("external_address", v), "cp-1.example.com"),
    (args.check_common_options, {"wait_timeout": 0, "wait_sleep": 1, "request_timeout": 0.5}),
])
def test_good_values_pass_the_shared_checks(check, value):
    check(value)
