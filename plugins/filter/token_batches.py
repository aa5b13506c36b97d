# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The token_batches filter: hosts' token requests grouped into one k0smotron.fleet.join_token call
per control plane (its ``tokens`` option)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

_REQUIRED = ("host", "cluster", "namespace", "name", "dest")
# What one call shares: hosts differing in any of these need calls of their own.
_CALL_KEYS = ("cluster", "namespace", "hosted_api_url", "expiry")


def token_batches(requests):
    """One entry per control plane (and per hosted API URL and expiry), in the order first seen:
    ``cluster``, ``namespace``, ``hosted_api_url``, ``expiry``, ``tokens`` (``name`` and ``dest`` of
    each host, for the module) and ``hosts`` (their inventory names, for finding one's own call)."""
    calls = {}
    order = []
    for number, request in enumerate(requests or [], 1):
        if not isinstance(request, Mapping):
            raise AnsibleFilterError("token_batches: request %d is not a dictionary, got %s"
                                     % (number, type(request).__name__))
        missing = [key for key in _REQUIRED if not request.get(key)]
        if missing:
            raise AnsibleFilterError("token_batches: request %d (%s) has no %s"
                                     % (number, request.get("host") or "no host", ", ".join(missing)))
        key = tuple(request.get(k) or None for k in _CALL_KEYS)
        if key not in calls:
            calls[key] = dict(zip(_CALL_KEYS, key), tokens=[], hosts=[])
            order.append(key)
        call = calls[key]
        for other, token in zip(call["hosts"], call["tokens"]):
            if token["name"] == request["name"]:
                raise AnsibleFilterError(
                    "token_batches: hosts %s and %s both ask for token name '%s' in %s/%s; token names must "
                    "differ within a control plane (the worker role derives them from inventory names)."
                    % (other, request["host"], request["name"], request["namespace"], request["cluster"]))
        call["tokens"].append({"name": request["name"], "dest": request["dest"]})
        call["hosts"].append(request["host"])
    return [calls[key] for key in order]


class FilterModule(object):

    def filters(self):
        return {"token_batches": token_batches}
