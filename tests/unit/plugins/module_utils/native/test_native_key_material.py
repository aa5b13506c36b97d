# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils import _pki as pki
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _key_material as builder
from ansible_collections.k0smotron.fleet.tests.unit.native_helpers import OWNER, settings

PKI = {"key_type": "ecdsa", "key_size": 256, "ca_validity_days": 30}


class Secrets:
    """The one call the builder makes: a Secret read."""

    def __init__(self, **secrets):
        self.secrets = secrets

    def get(self, resource, name, namespace=None):
        return self.secrets.get(name)


def test_a_missing_ca_is_made_and_its_key_protected():
    protected = []
    current, cert, key = builder.ensure_key_material(Secrets(), "shop-1-ca", "edge", "ca", PKI, protected.append)
    assert current is None and pki.is_ca(cert) and pki.key_matches(cert, key)
    assert protected == [key]


def test_the_service_account_pair_is_a_public_key_not_a_certificate():
    _current, public, key = builder.ensure_key_material(Secrets(), "shop-1-sa", "edge", "sa", PKI, lambda v: None)
    assert b"PUBLIC KEY" in public and pki.key_matches(public, key) and not pki.is_ca(public)


def test_a_stored_ca_is_kept():
    cert, key = pki.new_ca("kubernetes-ca", "ecdsa", 256, 30)
    stored = builder.key_pair_secret("shop-1-ca", "edge", "shop-1", settings(), OWNER, cert, key)
    current, kept_cert, kept_key = builder.ensure_key_material(Secrets(**{"shop-1-ca": stored}), "shop-1-ca",
                                                               "edge", "ca", PKI, lambda v: None)
    assert current is stored and (kept_cert, kept_key) == (cert, key)


def test_a_damaged_ca_is_an_error_never_replaced():
    cert, _key = pki.new_ca("kubernetes-ca", "ecdsa", 256, 30)
    _other_cert, other_key = pki.new_ca("kubernetes-ca", "ecdsa", 256, 30)
    damaged = builder.key_pair_secret("shop-1-ca", "edge", "shop-1", settings(), OWNER, cert, other_key)
    with pytest.raises(FleetError) as caught:
        builder.ensure_key_material(Secrets(**{"shop-1-ca": damaged}), "shop-1-ca", "edge", "ca", PKI, lambda v: None)
    assert "does not hold a matching tls.crt and tls.key" in caught.value.msg
    assert "never regenerated" in caught.value.hint


def test_the_secret_holds_the_pair_owned_by_the_anchor():
    secret = builder.key_pair_secret("shop-1-ca", "edge", "shop-1", settings(), OWNER, b"CERT", b"KEY")
    assert secret["data"] == {"tls.crt": base64.b64encode(b"CERT").decode(), "tls.key": base64.b64encode(b"KEY").decode()}
    assert secret["metadata"]["ownerReferences"] == [OWNER] and secret["type"] == "Opaque"
