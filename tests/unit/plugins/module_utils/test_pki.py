# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ansible_collections.k0smotron.fleet.plugins.module_utils import _pki as pki
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError


@pytest.fixture(scope="module")
def ca():
    return pki.new_ca("kubernetes-ca", days=3650)


def test_ca_is_a_self_signed_ca_for_ten_years(ca):
    cert_pem, key_pem = ca
    cert = x509.load_pem_x509_certificate(cert_pem)
    assert pki.is_ca(cert_pem)
    assert pki.key_matches(cert_pem, key_pem)
    assert pki.signed_by(cert_pem, cert_pem)
    assert cert.subject == cert.issuer
    assert pki.subject(cert_pem) == ("kubernetes-ca", [])
    lifetime = pki.not_valid_after(cert_pem) - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(days=3649) < lifetime <= datetime.timedelta(days=3650)
    # The form k0s writes itself: a traditional RSA key.
    assert key_pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----")


def test_ecdsa_ca_and_key_sizes():
    cert_pem, key_pem = pki.new_ca("x", key_type="ecdsa", key_size=384, days=1)
    assert key_pem.startswith(b"-----BEGIN EC PRIVATE KEY-----")
    assert pki.key_matches(cert_pem, key_pem)
    assert pki.signed_by(cert_pem, cert_pem)


@pytest.mark.parametrize("key_type,key_size", [("rsa", 1024), ("ecdsa", 521), ("dsa", 2048)])
def test_weak_or_unknown_keys_are_refused(key_type, key_size):
    with pytest.raises(FleetError, match="pki: key type"):
        pki.validate_key("pki", key_type, key_size)


def test_service_account_key_pair_matches():
    public_pem, private_pem = pki.new_key_pair()
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert pki.key_matches(public_pem, private_pem)
    other_public, _other = pki.new_key_pair()
    assert not pki.key_matches(other_public, private_pem)


def test_client_certificate_is_signed_by_the_ca_with_user_and_groups(ca):
    cert_pem, key_pem = pki.sign_client_cert(ca[0], ca[1], "k0smotron-fleet-admin", ["system:masters"], seconds=3600)
    cert = x509.load_pem_x509_certificate(cert_pem)
    assert pki.signed_by(cert_pem, ca[0])
    assert pki.key_matches(cert_pem, key_pem)
    assert pki.subject(cert_pem) == ("k0smotron-fleet-admin", ["system:masters"])
    assert not pki.is_ca(cert_pem)
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH in usage
    lifetime = pki.not_valid_after(cert_pem) - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(minutes=59) < lifetime <= datetime.timedelta(hours=1)


def test_client_certificate_never_outlives_its_ca():
    short_ca = pki.new_ca("short", days=1)
    cert_pem, _key = pki.sign_client_cert(short_ca[0], short_ca[1], "u", seconds=10 * 86400)
    assert pki.not_valid_after(cert_pem) <= pki.not_valid_after(short_ca[0])


def test_another_ca_did_not_sign_it(ca):
    other = pki.new_ca("other", days=1)
    cert_pem, _key = pki.sign_client_cert(ca[0], ca[1], "u")
    assert not pki.signed_by(cert_pem, other[0])
    assert not pki.key_matches(ca[0], other[1])


def test_garbage_is_no_certificate():
    assert pki.not_valid_after(b"not a certificate") is None
    assert not pki.is_ca(b"nope")
    assert not pki.key_matches(b"nope", b"nope")
    assert serialization  # the library the module relies on is importable here
