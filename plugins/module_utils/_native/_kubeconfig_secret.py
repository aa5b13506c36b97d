# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Builder: the admin kubeconfig Secret ``X-kubeconfig`` (key ``value``, type
``cluster.x-k8s.io/secret``, the Cluster API convention k0smotron follows too), signed in Python
from the cluster CA: no exec in a pod. A stored one is reused until ``renew_before`` its expiry."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime

from ansible_collections.k0smotron.fleet.plugins.module_utils import _pki as pki
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._names import common_labels

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML comes with ansible-core
    yaml = None

ADMIN_USER = "k0smotron-fleet-admin"
ADMIN_GROUPS = ("system:masters",)


def reusable_admin_kubeconfig(text, ca_cert, server, renew_before, now):
    """Whether a stored admin kubeconfig still serves: same CA and server, not about to expire."""
    try:
        config = yaml.safe_load(text)
        cluster_entry = config["clusters"][0]["cluster"]
        user = config["users"][0]["user"]
        cert = base64.b64decode(user["client-certificate-data"])
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, yaml.YAMLError):
        return False  # an unreadable kubeconfig is replaced
    if cluster_entry.get("server") != server:
        return False
    if base64.b64decode(cluster_entry.get("certificate-authority-data") or "") != ca_cert:
        return False
    expires = pki.not_valid_after(cert)
    return bool(expires) and pki.signed_by(cert, ca_cert) and expires - datetime.timedelta(seconds=renew_before) > now


def certificate_expiry(text):
    try:
        config = yaml.safe_load(text)
        data = config["users"][0]["user"]["client-certificate-data"]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, yaml.YAMLError):
        return None  # an unreadable kubeconfig has no known expiry
    return pki.not_valid_after(base64.b64decode(data))


def kubeconfig_secret(name, namespace, cluster, spec, owner, text):
    """The Secret that keeps the admin kubeconfig ``text`` (bytes)."""
    return {
        "apiVersion": "v1", "kind": "Secret", "type": "cluster.x-k8s.io/secret",
        "metadata": {"name": name, "namespace": namespace,
                     "labels": dict(common_labels(cluster, spec), **{"cluster.x-k8s.io/cluster-name": cluster}),
                     "ownerReferences": [owner]},
        "data": {"value": base64.b64encode(text).decode("ascii")},
    }
