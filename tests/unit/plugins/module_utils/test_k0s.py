# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import gzip
import re

import pytest
import yaml

from ansible_collections.k0smotron.fleet.plugins.module_utils import _k0s as k0s
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.tests.unit.fakes import make_join_token

CA = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def decode_like_k0s(token):
    """What a k0s worker does with a token: standard base64, gzip, a kubeconfig whose first context's
    user must be kubelet-bootstrap (k0s pkg/token DecodeJoinToken and GetTokenType)."""
    raw = gzip.decompress(base64.standard_b64decode(token))
    config = yaml.safe_load(raw)
    context = config["contexts"][0]["context"]
    user = next(u["user"] for u in config["users"] if u["name"] == context["user"])
    cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == context["cluster"])
    return context["user"], user, cluster, config


def test_join_token_decodes_the_way_k0s_decodes_it():
    token = k0s.join_token("https://192.0.2.10:30443", CA, "abc123", "0123456789abcdef")
    assert re.match(r"^[A-Za-z0-9+/]+=*$", token), "one line of standard, padded base64"
    user_name, user, cluster, config = decode_like_k0s(token)
    assert user_name == "kubelet-bootstrap"
    assert user == {"token": "abc123.0123456789abcdef"}
    assert cluster["server"] == "https://192.0.2.10:30443"
    assert base64.b64decode(cluster["certificate-authority-data"]) == CA
    assert config["current-context"] == "k0s"
    assert k0s.join_token_facts(token) == ("abc123", "https://192.0.2.10:30443")


def test_join_token_is_the_same_for_the_same_input():
    # gzip with a fixed mtime: the file content only changes when the token does.
    assert k0s.join_token("https://a:1", CA, "abc123", "x" * 16) == k0s.join_token("https://a:1", CA, "abc123", "x" * 16)


def test_tokens_k0s_made_are_read_too():
    assert k0s.join_token_facts(make_join_token("q1w2e3"))[0] == "q1w2e3"


# mtime=0 and ids: the same test ids in every pytest-xdist worker (a gzip header carries the time).
@pytest.mark.parametrize("garbage", ["", "not base64!", base64.b64encode(b"not gzip").decode(),
                                     base64.b64encode(gzip.compress(b"- a list", mtime=0)).decode()],
                         ids=["empty", "not-base64", "not-gzip", "not-a-kubeconfig"])
def test_garbage_is_not_a_token(garbage):
    assert k0s.join_token_facts(garbage) == (None, None)


def test_bootstrap_tokens_have_the_kubernetes_shape():
    token_id, secret = k0s.new_bootstrap_token()
    assert re.match(r"^[a-z0-9]{6}$", token_id) and re.match(r"^[a-z0-9]{16}$", secret)
    assert k0s.new_bootstrap_token() != (token_id, secret)


def test_bootstrap_token_secret_is_what_the_token_authenticator_reads():
    expires = datetime.datetime(2026, 11, 29, 14, 0, 0, tzinfo=datetime.timezone.utc)
    secret = k0s.bootstrap_token_secret("abc123", "0123456789abcdef", expires, "for edge-1",
                                        labels={"k0smotron.fleet/token-name": "edge-1"})
    assert secret["type"] == "bootstrap.kubernetes.io/token"
    assert secret["metadata"]["name"] == "bootstrap-token-abc123"
    assert secret["metadata"]["namespace"] == "kube-system"
    data = dict((k, base64.b64decode(v).decode()) for k, v in secret["data"].items())
    assert data["token-id"] == "abc123" and data["token-secret"] == "0123456789abcdef"
    assert data["expiration"] == "2026-11-29T14:00:00Z"
    assert data["usage-bootstrap-authentication"] == "true"
    assert "auth-extra-groups" not in data
    assert k0s.read_bootstrap_token_secret(secret) == ("abc123", expires, "for edge-1")


def test_versions():
    assert k0s.image_tag("v1.36.3+k0s.2") == "v1.36.3-k0s.2"
    assert k0s.release("v1.36.3-k0s.2") == "v1.36.3+k0s.2"
    assert k0s.minor_of("v1.36.3+k0s.2") == (1, 36)
    assert k0s.minor_of("v1.35.1") == (1, 35)
    assert k0s.minor_of("garbage") is None


@pytest.mark.parametrize("current,wanted,problem", [
    ("v1.36.3+k0s.1", "v1.36.3+k0s.2", None),
    ("v1.35.9+k0s.0", "v1.36.3+k0s.0", None),
    ("v1.36.3+k0s.2", "v1.36.3+k0s.2", None),
    ("v1.36.3+k0s.2", "v1.36.3+k0s.1", "downgrade"),
    ("v1.36.3+k0s.0", "v1.35.3+k0s.0", "downgrade"),
    ("v1.34.3+k0s.0", "v1.36.3+k0s.0", "skips a minor"),
])
def test_upgrade_rules(current, wanted, problem):
    found = k0s.upgrade_problem(current, wanted)
    assert (found is None) if problem is None else (problem in found)


def test_a_bad_version_is_named():
    with pytest.raises(FleetError, match="is not a k0s version"):
        k0s.upgrade_problem("v1.36", "v1.36.3+k0s.0")
