# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime

from ansible_collections.k0smotron.fleet.plugins.module_utils import _k0s as k0s
from ansible_collections.k0smotron.fleet.plugins.module_utils import _pki as pki
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _kubeconfig_secret as builder
from ansible_collections.k0smotron.fleet.tests.unit.native_helpers import OWNER, settings

SERVER = "https://192.0.2.10:30443"
CA_CERT, CA_KEY = pki.new_ca("kubernetes-ca", "ecdsa", 256, 30)


def admin_kubeconfig(seconds=3600, ca=(CA_CERT, CA_KEY), server=SERVER):
    cert, key = pki.sign_client_cert(ca[0], ca[1], builder.ADMIN_USER, builder.ADMIN_GROUPS, seconds=seconds)
    return k0s.dump_kubeconfig(k0s.kubeconfig("shop-1", server, ca[0], builder.ADMIN_USER,
                                              k0s.client_cert_credentials(cert, key)))


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def test_a_stored_kubeconfig_is_reused_until_renew_before_its_expiry():
    text = admin_kubeconfig(seconds=3600)
    assert builder.reusable_admin_kubeconfig(text, CA_CERT, SERVER, 600, now())
    assert not builder.reusable_admin_kubeconfig(text, CA_CERT, SERVER, 3600, now())


def test_another_server_or_ca_or_garbage_is_replaced():
    text = admin_kubeconfig()
    other_ca = pki.new_ca("kubernetes-ca", "ecdsa", 256, 30)
    assert not builder.reusable_admin_kubeconfig(text, CA_CERT, "https://192.0.2.11:30443", 60, now())
    assert not builder.reusable_admin_kubeconfig(text, other_ca[0], SERVER, 60, now())
    assert not builder.reusable_admin_kubeconfig(admin_kubeconfig(ca=other_ca), CA_CERT, SERVER, 60, now())
    assert not builder.reusable_admin_kubeconfig(b"not: [a kubeconfig", CA_CERT, SERVER, 60, now())


def test_the_certificate_expiry_is_read_from_the_kubeconfig():
    expires = builder.certificate_expiry(admin_kubeconfig(seconds=7200))
    assert datetime.timedelta(minutes=119) < expires - now() <= datetime.timedelta(hours=2)
    assert builder.certificate_expiry(b"garbage") is None


def test_the_secret_follows_the_cluster_api_convention():
    text = admin_kubeconfig()
    secret = builder.kubeconfig_secret("shop-1-kubeconfig", "edge", "shop-1", settings(), OWNER, text)
    assert secret["type"] == "cluster.x-k8s.io/secret"
    assert base64.b64decode(secret["data"]["value"]) == text
    assert secret["metadata"]["labels"]["cluster.x-k8s.io/cluster-name"] == "shop-1"
    assert secret["metadata"]["ownerReferences"] == [OWNER]
