# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime

from ansible_collections.k0smotron.fleet.plugins.module_utils._k0smotron import _join_token_request as tokens
from ansible_collections.k0smotron.fleet.tests.unit.fakes import make_join_token


def secret_with(token):
    return {"data": {"token": base64.b64encode(token.encode()).decode()}}


def request_with(token_id):
    return {"status": {"tokenID": token_id}}


def test_token_id_is_read_from_the_join_token():
    assert tokens.stored_token_id(request_with("nfnz7e"), secret_with(make_join_token("nfnz7e"))) == "nfnz7e"
    assert tokens.stored_token_id(request_with("nfnz7e"), secret_with("not a token")) is None


def test_the_stored_token_must_be_the_one_the_status_names_twice_in_a_row():
    request = request_with("b2")
    assert tokens.token_state(request, secret_with(make_join_token("a1")))[0] is False
    done, state = tokens.token_state(request, secret_with(make_join_token("b2")))
    assert not done and "checking that it stays" in state
    assert tokens.token_state(request, secret_with(make_join_token("b2")), previous_id="b2") == (
        True, "token b2 stored")


def test_states_before_the_token_exists():
    assert tokens.token_state(None, None)[1] == "the JoinTokenRequest does not exist"
    assert tokens.token_state({"status": {}}, None)[1] == "waiting for k0smotron to mint the token"
    assert tokens.token_state(request_with("x"), None)[1] == "waiting for the token Secret"
    failing = {"status": {"conditions": [{"type": "JoinTokenSecretCreated", "status": "False",
                                          "reason": "InternalError", "message": "Failed finding pods"}]}}
    assert "retries every minute" in tokens.token_state(failing, None)[1]


NOW = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)


def request(expiry="1h", created="2026-01-01T11:30:00Z"):
    return {"metadata": {"creationTimestamp": created}, "spec": {"clusterName": "c", "role": "worker", "expiry": expiry}}


def test_replacement_judges_expiry_as_made_and_as_asked():
    assert tokens.replacement_reason(request(), "c", "worker", 3600, 900, NOW) is None
    assert tokens.replacement_reason(request("60m"), "c", "worker", 3600, 900, NOW) is None
    assert tokens.replacement_reason(request("30m"), "c", "worker", 3600, 900, NOW) == (
        "it was made with expiry 30m, not the 1h asked for")
    assert tokens.replacement_reason(request("0s"), "c", "worker", 3600, 900, NOW).startswith("it was made with")
    assert tokens.replacement_reason(request(), "c", "worker", 3600, 1900, NOW) == (
        "its token expires at 2026-01-01T12:30:00Z")


def test_a_token_is_judged_by_its_secret_in_the_hosted_cluster():
    assert "no longer has token ab" in tokens.hosted_token_reason(None, "ab", 900, NOW)
    later = {"data": {"expiration": base64.b64encode(b"2026-01-01T13:00:00Z").decode()}}
    assert tokens.hosted_token_reason(later, "ab", 900, NOW) is None
    assert tokens.hosted_token_reason(later, "ab", 3600, NOW) == (
        "in the hosted cluster token ab expires at 2026-01-01T13:00:00Z")
    assert tokens.hosted_token_reason({"data": {}}, "ab", 900, NOW) is None
