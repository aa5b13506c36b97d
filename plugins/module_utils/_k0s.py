# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""k0s's own formats: versions and image tags, join tokens, bootstrap tokens, kubeconfigs.

Pure functions over plain values, written from k0s's documented behaviour (v1.36):

* a join token is the standard base64 (padded, one line) of the gzip of a kubeconfig whose
  cluster and context are named ``k0s``, with the cluster CA embedded, the server at the
  control plane's external address, and a user (``kubelet-bootstrap`` for workers) holding the
  bootstrap token ``<id>.<secret>``;
* a bootstrap token lives in the hosted cluster as Secret ``kube-system/bootstrap-token-<id>``
  of type ``bootstrap.kubernetes.io/token``; the k0s controller does everything else a join
  needs (bootstrap RBAC, CSR approval, worker configuration).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import gzip
import secrets
import string

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._options import validate_k0s_version
from ansible_collections.k0smotron.fleet.plugins.module_utils._time import format_time, parse_time

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML comes with ansible-core
    HAS_YAML = False

BOOTSTRAP_TOKEN_TYPE = "bootstrap.kubernetes.io/token"
BOOTSTRAP_NAMESPACE = "kube-system"
# What the bootstrap token authenticates as, by role: k0s's worker join user, and the group
# its controller-join tokens carry.
JOIN_USERS = {"worker": "kubelet-bootstrap", "controller": "controller-bootstrap"}
TOKEN_USAGE_DESCRIPTION = {"worker": "Worker bootstrap token", "controller": "Controller join token"}
_TOKEN_ALPHABET = string.ascii_lowercase + string.digits


# --- versions -----------------------------------------------------------------------------------

def image_tag(version):
    """The k0s image tag of a version: tags cannot hold '+', so k0s publishes v1.36.3-k0s.0."""
    return version.replace("+", "-")


def release(version):
    """The release form of a version (v1.36.3+k0s.0), whichever form was given."""
    major, minor, patch, k0s_patch = validate_k0s_version("version", version)
    return "v%d.%d.%d+k0s.%d" % (major, minor, patch, k0s_patch)


def minor_of(version):
    """``(major, minor)`` of a k0s or Kubernetes version string such as v1.36.3+k0s.0 or v1.36.3."""
    text = (version or "").lstrip("v").split("+")[0].split("-")[0]
    parts = text.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return None


def upgrade_problem(current, wanted):
    """Why a control plane may not go from ``current`` to ``wanted`` (None when it may).

    Kubernetes supports control-plane upgrades one minor at a time, and no downgrades.
    """
    now = validate_k0s_version("version", current)
    then = validate_k0s_version("version", wanted)
    if then < now:
        return "a downgrade from %s to %s is not supported by Kubernetes" % (current, wanted)
    if then[0] != now[0] or then[1] - now[1] > 1:
        return ("%s to %s skips a minor version; Kubernetes control planes upgrade one minor at a time"
                % (current, wanted))
    return None


# --- bootstrap tokens ---------------------------------------------------------------------------

def new_bootstrap_token():
    """A fresh ``(token_id, token_secret)``: 6 and 16 characters of [a-z0-9], as Kubernetes wants."""
    token_id = "".join(secrets.choice(_TOKEN_ALPHABET) for _position in range(6))
    token_secret = "".join(secrets.choice(_TOKEN_ALPHABET) for _position in range(16))
    return token_id, token_secret


def bootstrap_token_secret(token_id, token_secret, expires, description, role="worker", labels=None):
    """The Secret that makes a bootstrap token valid in the hosted cluster."""
    string_data = {
        "token-id": token_id,
        "token-secret": token_secret,
        "expiration": format_time(expires),
        "description": description,
        "usage-bootstrap-authentication": "true",
        "usage-bootstrap-signing": "true",
    }
    if role == "controller":
        string_data["auth-extra-groups"] = "system:bootstrappers:controller-token"
    metadata = {"name": "bootstrap-token-%s" % token_id, "namespace": BOOTSTRAP_NAMESPACE}
    if labels:
        metadata["labels"] = dict(labels)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": BOOTSTRAP_TOKEN_TYPE,
        "metadata": metadata,
        "data": dict((k, base64.b64encode(v.encode("utf-8")).decode("ascii")) for k, v in string_data.items()),
    }


def read_bootstrap_token_secret(secret):
    """``(token_id, expires, description)`` of a bootstrap-token Secret, the token secret left out."""
    data = (secret or {}).get("data") or {}

    def text(key):
        value = data.get(key)
        return base64.b64decode(value).decode("utf-8") if value else None

    return text("token-id"), parse_time(text("expiration")), text("description")


# --- kubeconfigs and join tokens ----------------------------------------------------------------

def kubeconfig(name, server, ca_pem, user, credentials):
    """A kubeconfig (dict) with one cluster, user and context.

    ``credentials`` is the ``user`` entry: ``{"token": ...}`` or client certificate data.
    """
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {
            "server": server,
            "certificate-authority-data": base64.b64encode(ca_pem).decode("ascii"),
        }}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": user}}],
        "current-context": name,
        "preferences": {},
        "users": [{"name": user, "user": credentials}],
    }


def client_cert_credentials(cert_pem, key_pem):
    return {
        "client-certificate-data": base64.b64encode(cert_pem).decode("ascii"),
        "client-key-data": base64.b64encode(key_pem).decode("ascii"),
    }


def dump_kubeconfig(config):
    if not HAS_YAML:
        raise FleetError("PyYAML is required to write kubeconfigs.", hint="Install PyYAML where the module runs.")
    return yaml.safe_dump(config, default_flow_style=False, sort_keys=False).encode("utf-8")


def join_token(server, ca_pem, token_id, token_secret, role="worker"):
    """A k0s join token (text) for ``role``."""
    config = kubeconfig("k0s", server, ca_pem, JOIN_USERS[role], {"token": "%s.%s" % (token_id, token_secret)})
    return base64.b64encode(gzip.compress(dump_kubeconfig(config), mtime=0)).decode("ascii")


def decode_join_token(token):
    """The kubeconfig (dict) inside a join token, or None when it is not one."""
    try:
        raw = gzip.decompress(base64.b64decode(token.strip(), validate=True))
        config = yaml.safe_load(raw.decode("utf-8"))
    except (binascii.Error, OSError, EOFError, UnicodeDecodeError, ValueError, yaml.YAMLError, AttributeError):
        return None
    return config if isinstance(config, dict) else None


def join_token_facts(token):
    """``(token_id, server)`` of a join token, the secret part left out; ``(None, None)`` if unreadable."""
    config = decode_join_token(token)
    if not config:
        return None, None
    try:
        credential = config["users"][0]["user"]["token"]
        server = config["clusters"][0]["cluster"]["server"]
    except (KeyError, IndexError, TypeError):
        return None, None
    token_id = str(credential).split(".", 1)[0] if "." in str(credential) else None
    return token_id, server


def load_kubeconfig(text):
    """A kubeconfig's text (as a Secret holds it) as a dictionary; an error when it is none."""
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError:
        config = None
    if not isinstance(config, dict) or not config.get("clusters"):
        raise FleetError(
            "The kubeconfig Secret does not hold a kubeconfig.",
            hint="Check the Secret in the management cluster; it is rewritten when the control plane's admin "
                 "kubeconfig is made again (k0smotron does it when the control plane restarts).")
    return config


def point_at(config, server):
    """``config`` (a kubeconfig dict) with every cluster's server set to ``server``, in place."""
    for entry in config.get("clusters") or []:
        entry.setdefault("cluster", {})["server"] = server
    return config
