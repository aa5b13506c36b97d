# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""k0smotron ``JoinTokenRequest`` objects: building them and judging the tokens they hold.

k0smotron answers a JoinTokenRequest by running ``k0s token create`` in a control-plane pod and
storing the token in a Secret of the same name (key ``token``); deleting the request runs
``k0s token invalidate`` through a finalizer. It never renews a token, so renewal here means
deleting the request and making a new one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime

from ansible_collections.k0smotron.fleet.plugins.module_utils._constants import (
    K0SMOTRON_API_VERSION as API_VERSION,
    MANAGED_BY,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._k0s import join_token_facts
from ansible_collections.k0smotron.fleet.plugins.module_utils._time import (
    duration_text,
    format_time,
    parse_go_duration,
    parse_time,
)

KIND = "JoinTokenRequest"
SECRET_CONDITION = "JoinTokenSecretCreated"


def build_request(name, namespace, cluster, role, expiry):
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": MANAGED_BY},
        },
        "spec": {"clusterName": cluster, "role": role, "expiry": expiry},
    }


def expires_at(request, expiry_seconds):
    created = parse_time((request.get("metadata") or {}).get("creationTimestamp"))
    if created is None:
        return None
    return created + datetime.timedelta(seconds=expiry_seconds)


def replacement_reason(request, cluster, role, expiry_seconds, renew_before_seconds, now):
    """Why an existing request cannot be reused (None when it can)."""
    spec = request.get("spec") or {}
    if (request.get("metadata") or {}).get("deletionTimestamp"):
        return "it is being deleted"
    if spec.get("clusterName") != cluster:
        return "it is for cluster '%s'" % spec.get("clusterName")
    if spec.get("role") != role:
        return "it is for role '%s'" % spec.get("role")
    made_with = expiry_seconds_of(request, None)
    if made_with is None:
        return "its expiry '%s' cannot be read" % spec.get("expiry")
    if made_with != expiry_seconds:
        return "it was made with expiry %s, not the %s asked for" % (spec.get("expiry"), duration_text(expiry_seconds))
    ends = expires_at(request, made_with)
    if ends is not None and ends - datetime.timedelta(seconds=renew_before_seconds) <= now:
        return "its token expires at %s" % format_time(ends)
    return None


def hosted_token_reason(secret, token_id, renew_before_seconds, now):
    """Why a token cannot be reused, judged by its Secret in the hosted cluster (None when it can).

    ``secret`` is ``kube-system/bootstrap-token-ID`` as the hosted API returned it, None if missing.
    """
    if secret is None:
        return ("the hosted cluster no longer has token %s (its control plane lost its state, or the token was "
                "revoked)" % token_id)
    encoded = (secret.get("data") or {}).get("expiration")
    if not encoded:
        return None
    try:
        ends = parse_time(base64.b64decode(encoded).decode("ascii"))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None
    if ends - datetime.timedelta(seconds=renew_before_seconds) <= now:
        return "in the hosted cluster token %s expires at %s" % (token_id, format_time(ends))
    return None


def expiry_seconds_of(request, default):
    """The lifetime the request was made with, falling back to ``default`` if unreadable."""
    try:
        return parse_go_duration("expiry", (request.get("spec") or {}).get("expiry"), allow_zero=True)
    except FleetError:
        return default


def stored_token_id(request, secret):
    """The id of the token in the Secret when it is the one ``status.tokenID`` names, else None."""
    wanted = ((request or {}).get("status") or {}).get("tokenID")
    encoded = ((secret or {}).get("data") or {}).get("token")
    if not wanted or not encoded:
        return None
    stored = join_token_facts(base64.b64decode(encoded).decode("utf-8", "replace"))[0]
    return stored if stored == wanted else None


def token_state(request, secret, previous_id=None):
    """``(ready, state)`` of a request's token: minted, stored and settled, or why not yet.

    k0smotron can answer one request twice in quick succession (two reconciles each running
    ``k0s token create``); the Secret and ``status.tokenID`` end with the last one. The token
    is taken only once the Secret holds the token ``status.tokenID`` names, and did on the
    previous look too (``previous_id``).
    """
    if request is None:
        return False, "the JoinTokenRequest does not exist"
    status = request.get("status") or {}
    for condition in status.get("conditions") or []:
        if condition.get("type") == SECRET_CONDITION and condition.get("status") == "False":
            return False, "k0smotron could not mint it yet (%s: %s); it retries every minute" % (
                condition.get("reason"), condition.get("message"))
    if not status.get("tokenID"):
        return False, "waiting for k0smotron to mint the token"
    if not ((secret or {}).get("data") or {}).get("token"):
        return False, "waiting for the token Secret"
    stored_id = stored_token_id(request, secret)
    if stored_id is None:
        return False, "the token Secret does not hold token %s yet" % status["tokenID"]
    if previous_id != stored_id:
        return False, "token %s stored, checking that it stays" % stored_id
    return True, "token %s stored" % stored_id
