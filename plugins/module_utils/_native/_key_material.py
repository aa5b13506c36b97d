# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Builder: the certificate authorities and the service-account key pair, in Secrets ``X-ca``,
``X-proxy`` and ``X-sa`` (keys ``tls.crt`` and ``tls.key``; for ``X-sa`` the public key is
``tls.crt``). Made once; a damaged one is an error, never replaced."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

from ansible_collections.k0smotron.fleet.plugins.module_utils._native._names import metadata
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._k8s_state import secret_bytes
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import SECRET
from ansible_collections.k0smotron.fleet.plugins.module_utils import _pki as pki

KINDS = ("ca", "proxy", "sa")


def ensure_key_material(client, name, namespace, kind, params_pki, protect):
    """The CA (or key pair) kept in Secret ``name``: the stored one, or a new one if there is none.

    A Secret that exists but does not hold a matching pair is an error, never replaced: a new
    CA would lock every joined worker out.
    """
    current = client.get(SECRET, name, namespace)
    cert, key = secret_bytes(current, "tls.crt"), secret_bytes(current, "tls.key")
    if current is not None:
        if not (cert and key and pki.key_matches(cert, key)):
            raise FleetError(
                "Secret '%s' in namespace '%s' does not hold a matching tls.crt and tls.key." % (name, namespace),
                hint="Restore it from a backup. It is never regenerated: a new CA would lock every joined worker "
                     "out. Delete the control plane to start over.")
        protect(key)
        return current, cert, key
    if kind == "sa":
        cert, key = pki.new_key_pair(params_pki["key_type"], params_pki["key_size"])
    else:
        common_name = {"ca": "kubernetes-ca", "proxy": "kubernetes-front-proxy-ca"}[kind]
        cert, key = pki.new_ca(common_name, params_pki["key_type"], params_pki["key_size"],
                               params_pki["ca_validity_days"])
    protect(key)
    return None, cert, key


def key_pair_secret(name, namespace, cluster, spec, owner, cert_pem, key_pem):
    """The Secret that keeps a CA or key pair, owned by the anchor."""
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": metadata(name, namespace, cluster, spec, owner),
            "data": {"tls.crt": base64.b64encode(cert_pem).decode("ascii"),
                     "tls.key": base64.b64encode(key_pem).decode("ascii")}}
