# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Join tokens of a native control plane: bootstrap-token Secrets made in the hosted cluster through
its own API (no exec in a pod), labelled with the token's name so that renewing and revoking find them.

A token in the file is reused while the hosted cluster still has it, for the same lifetime and
address, with more than ``renew_before`` left; otherwise a new one is made, and the ones it
replaced are revoked once the new one is written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import os

from ansible_collections.k0smotron.fleet.plugins.module_utils import _k0s as k0s
from ansible_collections.k0smotron.fleet.plugins.module_utils._constants import MANAGED_BY
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import SECRET
from ansible_collections.k0smotron.fleet.plugins.module_utils._time import format_time, now

TOKEN_NAME_LABEL = "k0smotron.fleet/token-name"
TOKEN_EXPIRY_LABEL = "k0smotron.fleet/expiry-seconds"
_TRIES = 3


def _secret_name(token_id):
    return "bootstrap-token-%s" % token_id


def tokens_named(hosted, name):
    return hosted.list(SECRET, k0s.BOOTSTRAP_NAMESPACE, label_selector="%s=%s" % (TOKEN_NAME_LABEL, name))


def reuse_problem(hosted, request, current_token, server, ca_cert, moment):
    """``(reason, token_id, expires)``: why the token in the file cannot be reused (None when it can)."""
    token_id, token_server = k0s.join_token_facts(current_token)
    if token_id is None:
        return "dest does not hold a join token", None, None
    config = k0s.decode_join_token(current_token) or {}
    live = hosted.get(SECRET, _secret_name(token_id), k0s.BOOTSTRAP_NAMESPACE)
    ca_in_token = base64.b64decode(
        ((config.get("clusters") or [{}])[0].get("cluster") or {}).get("certificate-authority-data") or "")
    _id, expires, _description = k0s.read_bootstrap_token_secret(live)
    labels = ((live or {}).get("metadata") or {}).get("labels") or {}
    if live is None:
        return "the hosted cluster no longer has token %s" % token_id, token_id, None
    if token_server != server or ca_in_token != ca_cert:
        return "the control plane's address or CA changed", token_id, expires
    if labels.get(TOKEN_EXPIRY_LABEL) != str(int(request.expiry)):
        return "expiry changed", token_id, expires
    if expires is not None and expires - datetime.timedelta(seconds=request.renew_before) <= moment:
        return "token %s expires at %s" % (token_id, format_time(expires)), token_id, expires
    return None, token_id, expires


def mint(context, hosted, request, server, ca_cert):
    """A new bootstrap token in the hosted cluster: ``(join token text, token id, expires)``."""
    expires = now() + datetime.timedelta(seconds=request.expiry)
    labels = {TOKEN_NAME_LABEL: request.name, TOKEN_EXPIRY_LABEL: str(int(request.expiry)),
              "app.kubernetes.io/managed-by": MANAGED_BY}
    description = "k0smotron.fleet join token %s for %s" % (request.name, os.path.basename(request.dest or ""))
    applier = context.applier(hosted)
    for _attempt in range(_TRIES):
        token_id, token_secret = k0s.new_bootstrap_token()
        context.protect(token_secret)
        secret = k0s.bootstrap_token_secret(token_id, token_secret, expires, description, labels=labels)
        for value in secret["data"].values():
            if base64.b64decode(value).decode("utf-8") == token_secret:
                context.protect(value)
        try:
            applier.create(SECRET, secret)
            break
        except FleetError as exc:
            if exc.reason != "AlreadyExists" and "already exists" not in exc.msg:
                raise
    else:
        raise FleetError("Could not find a free token id after %d tries." % _TRIES, hint="Run the task again.")
    token = k0s.join_token(server, ca_cert, token_id, token_secret)
    context.protect(token)
    return token, token_id, expires


def retire(context, hosted, request, keep_id):
    """Revoke every other token of this name: the new one (``keep_id``) replaced them."""
    applier = context.applier(hosted)
    for old in tokens_named(hosted, request.name):
        if old["metadata"]["name"] != _secret_name(keep_id):
            applier.delete(SECRET, old["metadata"]["name"], k0s.BOOTSTRAP_NAMESPACE)


def revoke(context, hosted, request, current_token):
    """Revoke the tokens of this name, and the one in the file: the ids revoked (planned in check mode)."""
    found = []
    if hosted is not None:
        found = [s["metadata"]["name"] for s in tokens_named(hosted, request.name)]
        token_id = k0s.join_token_facts(current_token)[0] if current_token else None
        if token_id and _secret_name(token_id) not in found:
            if hosted.get(SECRET, _secret_name(token_id), k0s.BOOTSTRAP_NAMESPACE) is not None:
                found.append(_secret_name(token_id))
    applier = context.applier(hosted) if found else None
    for name in found:
        applier.delete(SECRET, name, k0s.BOOTSTRAP_NAMESPACE)
    return [name[len("bootstrap-token-"):] for name in found]
