#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: join_token
short_description: Mint a short-lived k0s join token for a hosted control plane, straight into a root-only file
version_added: 0.1.0
description:
  - Asks k0smotron for a join token (a C(JoinTokenRequest)) for a hosted cluster, waits until k0smotron
    has minted it, and writes it to O(dest) with mode C(0600), owned by the user the module runs as.
  - The token never appears in the module's result, its diff or its logs. The result holds the
    request's name, the token's public id and when it expires, which is enough to track and revoke it.
  - Every token has an explicit, short lifetime (O(expiry)); the API's default of a token that never
    expires is refused.
  - A second run reuses the token while it has more than O(renew_before) left and O(dest) already holds
    it, so it reports no change. Otherwise the old request is deleted, which makes k0smotron invalidate its
    token, and a new one is minted.
  - O(state=absent) deletes the request, which invalidates the token in the hosted cluster, and removes O(dest).
author:
  - k0smotron.fleet maintainers (@k0smotron)
extends_documentation_fragment:
  - k0smotron.fleet.connection
  - k0smotron.fleet.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the request, token id, expiry and path, never the token.
  idempotent:
    support: full
    details:
      - A token is reused until it is within O(renew_before) of its expiry; after that a run mints a new one.
options:
  cluster:
    description:
      - Name of the hosted cluster (the k0smotron C(Cluster)) the token joins.
    type: str
    required: true
  namespace:
    description:
      - Namespace of the Cluster; the request and its Secret are made there too.
    type: str
    default: default
  name:
    description:
      - Name of the C(JoinTokenRequest) and of the Secret k0smotron stores the token in.
      - Defaults to C(CLUSTER-ROLE-token). Give each host its own name (for example with its inventory name) so
        that each host's token can be revoked alone.
    type: str
  role:
    description:
      - What the token joins as.
    type: str
    choices: [worker, controller]
    default: worker
  expiry:
    description:
      - How long the token stays valid, as a Go duration (V(30m), V(1h), V(2h30m)). Zero (never) is refused.
    type: str
    default: 1h
  renew_before:
    description:
      - Mint a new token instead of reusing the current one when the current one expires within this
        duration. V(0s) reuses a token until it has expired.
    type: str
    default: 15m
  force:
    description:
      - Always mint a new token, invalidating the current one.
    type: bool
    default: false
  dest:
    description:
      - Where to write the token, on the host the module runs on. The directory must exist.
      - Required with O(state=present). With O(state=absent) the file is removed if given.
    type: path
  state:
    description:
      - V(present) makes sure a valid token is in O(dest); V(absent) revokes it.
    type: str
    choices: [present, absent]
    default: present
  wait_timeout:
    description:
      - Seconds to wait for a ready control-plane pod, for k0smotron to mint the token, or for a deleted
        request to be gone. k0smotron retries a failed attempt after a minute, so allow a few minutes.
    type: int
    default: 300
  wait_sleep:
    description:
      - Seconds between checks while waiting.
    type: int
    default: 2
notes:
  - The file holds a secret. Copy it to the host being joined with C(no_log) and C(diff) off, and remove it
    once the host has joined; the k0smotron.fleet.worker role does exactly that.
  - Deleting the hosted cluster deletes its requests and so invalidates their tokens.
seealso:
  - module: k0smotron.fleet.cluster
"""

EXAMPLES = r"""
- name: A one-hour worker token for this host, kept on the controller
  k0smotron.fleet.join_token:
    cluster: shop-0042
    namespace: edge
    name: "shop-0042-worker-{{ inventory_hostname }}"
    expiry: 1h
    dest: "/run/k0smotron-fleet/{{ inventory_hostname }}.token"
  delegate_to: localhost
  register: token

- name: Put it on the host, showing nothing
  ansible.builtin.copy:
    src: "{{ token.path }}"
    dest: /etc/k0s/join-token
    mode: "0600"
  no_log: true
  diff: false

- name: Revoke it once the host has joined
  k0smotron.fleet.join_token:
    cluster: shop-0042
    namespace: edge
    name: "shop-0042-worker-{{ inventory_hostname }}"
    dest: "/run/k0smotron-fleet/{{ inventory_hostname }}.token"
    state: absent
  delegate_to: localhost
"""

RETURN = r"""
name:
  description: Name of the JoinTokenRequest (and of the Secret holding the token).
  returned: always
  type: str
  sample: shop-0042-worker-edge-1
namespace:
  description: Its namespace.
  returned: always
  type: str
  sample: edge
role:
  description: The role the token joins as.
  returned: always
  type: str
  sample: worker
token_id:
  description: The token's public id, as C(k0s token list) shows it. Not a secret.
  returned: when O(state=present) outside check mode
  type: str
  sample: 9k2kbc
expires_at:
  description: When the token stops working (UTC, approximate to the second).
  returned: when O(state=present) outside check mode
  type: str
  sample: "2026-11-23T20:15:00Z"
minted:
  description: Whether a new token was minted by this run.
  returned: always
  type: bool
  sample: true
replaced_because:
  description: Why the previous request was not reused, when it was replaced.
  returned: when a request was replaced
  type: str
  sample: its token expires at 2026-11-23T19:20:00Z
path:
  description: The file holding the token.
  returned: when O(dest) is given
  type: str
  sample: /run/k0smotron-fleet/edge-1.token
waited:
  description: Seconds spent waiting.
  returned: always
  type: float
  sample: 3.1
"""

import base64
import datetime
import os

from ansible_collections.k0smotron.fleet.plugins.module_utils import tokens
from ansible_collections.k0smotron.fleet.plugins.module_utils.args import (
    parse_go_duration,
    validate_dns_label,
    validate_dns_subdomain,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils.client import CLUSTER, JOIN_TOKEN_REQUEST, SECRET
from ansible_collections.k0smotron.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils.files import (
    remove_file,
    secret_file_state,
    write_secret_file,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils.module import FleetModule

ARGUMENT_SPEC = dict(
    cluster=dict(type="str", required=True),
    namespace=dict(type="str", default="default"),
    name=dict(type="str"),
    role=dict(type="str", choices=["worker", "controller"], default="worker"),
    expiry=dict(type="str", default="1h"),
    renew_before=dict(type="str", default="15m"),
    force=dict(type="bool", default=False),
    dest=dict(type="path"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    wait_timeout=dict(type="int", default=300),
    wait_sleep=dict(type="int", default=2),
)


def validate(params):
    validate_dns_label("cluster", params["cluster"])
    validate_dns_label("namespace", params["namespace"])
    if not params["name"]:
        params["name"] = "%s-%s-token" % (params["cluster"], params["role"])
    validate_dns_subdomain("name", params["name"])
    expiry = parse_go_duration("expiry", params["expiry"])
    renew_before = parse_go_duration("renew_before", params["renew_before"], allow_zero=True)
    if params["state"] == "present":
        if not params["dest"]:
            raise FleetError("dest is required with state=present.",
                             hint="Give a path for the token file, readable by its owner only, for example "
                                  "/run/k0smotron-fleet/HOST.token.")
        if renew_before >= expiry:
            raise FleetError(
                "renew_before (%s) must be shorter than expiry (%s), or every run would mint a new token."
                % (params["renew_before"], params["expiry"]),
                hint="Lower renew_before or raise expiry.")
    return expiry, renew_before


class TokenRun:
    """One run of the module against one JoinTokenRequest."""

    def __init__(self, module, expiry, renew_before):
        self.module = module
        self.params = module.params
        self.client = module.client
        self.expiry = expiry
        self.renew_before = renew_before
        self.waited = 0.0

    def _wait(self, what, fetch, check):
        waiter = self.module.waiter()
        obj = waiter.until(what, fetch, check)
        self.waited += waiter.elapsed
        return obj

    def _get_request(self):
        return self.client.get(JOIN_TOKEN_REQUEST, self.params["name"], self.params["namespace"])

    def _get_secret(self):
        return self.client.get(SECRET, self.params["name"], self.params["namespace"])

    def _delete_request(self):
        self.client.delete(JOIN_TOKEN_REQUEST, self.params["name"], self.params["namespace"])
        self._wait("JoinTokenRequest %s/%s to be deleted and its token invalidated"
                   % (self.params["namespace"], self.params["name"]),
                   self._get_request,
                   lambda r: (r is None, "deleted" if r is None else "k0smotron is invalidating the token"))

    def _wait_for_control_plane(self):
        def check(cluster):
            if cluster is None:
                return False, "the Cluster does not exist"
            ready = (cluster.get("status") or {}).get("readyReplicas") or 0
            return ready >= 1, "%d control-plane pods ready" % ready

        self._wait("a ready control-plane pod of Cluster %s/%s to mint the token"
                   % (self.params["namespace"], self.params["cluster"]),
                   lambda: self.client.get(CLUSTER, self.params["cluster"], self.params["namespace"]), check)

    def _wait_for_token(self):
        state = {"seen": None}

        def fetch():
            state["request"] = self._get_request()
            state["secret"] = self._get_secret() if (state["request"] or {}).get("status", {}).get("tokenID") else None
            return state["request"]

        def check(request):
            done, text = tokens.token_state(request, state.get("secret"), state["seen"])
            state["seen"] = tokens.stored_token_id(request, state.get("secret"))
            return done, text

        self._wait("k0smotron to mint token %s/%s" % (self.params["namespace"], self.params["name"]),
                   fetch, check)
        return state["request"], state["secret"]

    def present(self):
        params = self.params
        cluster = self.client.get(CLUSTER, params["cluster"], params["namespace"])
        if cluster is None and self.module.check_mode:
            # In a checked run the cluster may be one an earlier task would have created.
            self.module.warn("Cluster '%s' does not exist in namespace '%s' (yet): a token would be minted "
                             "once it does." % (params["cluster"], params["namespace"]))
            return self._finish(dict(name=params["name"], namespace=params["namespace"], role=params["role"],
                                     path=params["dest"], minted=True, changed=True), None, None)
        if cluster is None:
            raise FleetError(
                "Cluster '%s' does not exist in namespace '%s'." % (params["cluster"], params["namespace"]),
                hint="Create the hosted control plane first, with k0smotron.fleet.cluster.")
        request = self._get_request()
        now = datetime.datetime.now(datetime.timezone.utc)
        reason = None
        if request is not None:
            reason = "force=true" if params["force"] else tokens.replacement_reason(
                request, params["cluster"], params["role"], self.expiry, self.renew_before, now)
        mint = request is None or reason is not None

        result = dict(name=params["name"], namespace=params["namespace"], role=params["role"], path=params["dest"],
                      minted=mint, changed=mint)
        if reason:
            result["replaced_because"] = reason
        if self.module.check_mode and mint:
            return self._finish(result, request, None)

        if mint:
            if request is not None:
                self._delete_request()
            self._wait_for_control_plane()
            self.client.create(JOIN_TOKEN_REQUEST, tokens.build_request(
                params["name"], params["namespace"], params["cluster"], params["role"], params["expiry"]))
        request, secret = self._wait_for_token()

        encoded = secret["data"]["token"]
        token = base64.b64decode(encoded)
        self.module.protect(encoded)
        self.module.protect(token.decode("utf-8", "replace"))
        _exists, same, mode_ok = secret_file_state(params["dest"], token)
        if not (same and mode_ok):
            result["changed"] = True
            if not self.module.check_mode:
                write_secret_file(params["dest"], token)
        return self._finish(result, request, secret)

    def _finish(self, result, request, secret):
        if request is not None and secret is not None:
            result["token_id"] = (request.get("status") or {}).get("tokenID")
            result["expires_at"] = tokens.format_time(
                tokens.expires_at(request, tokens.expiry_seconds_of(request, self.expiry)))
        if self.module._diff and result["changed"]:
            result["diff"] = dict(
                before={"request": self.params["name"], "path": self.params["dest"]} if request is not None else {},
                after={"request": self.params["name"], "path": self.params["dest"],
                       "token": "(new)" if result["minted"] else "(unchanged)"},
            )
        result["waited"] = round(self.waited, 1)
        return result

    def absent(self):
        params = self.params
        request = self._get_request()
        result = dict(name=params["name"], namespace=params["namespace"], role=params["role"], minted=False,
                      changed=False)
        if params["dest"]:
            result["path"] = params["dest"]
        if request is not None:
            result["changed"] = True
            if not self.module.check_mode:
                self._delete_request()
        if params["dest"] and os.path.lexists(params["dest"]):
            result["changed"] = True
            if not self.module.check_mode:
                remove_file(params["dest"])
        if self.module._diff and result["changed"]:
            result["diff"] = dict(before={"request": params["name"]} if request is not None else {}, after={})
        result["waited"] = round(self.waited, 1)
        return result


def main():
    module = FleetModule(ARGUMENT_SPEC)

    def work():
        expiry, renew_before = validate(module.params)
        run = TokenRun(module, expiry, renew_before)
        return run.present() if module.params["state"] == "present" else run.absent()

    module.run(work)


if __name__ == "__main__":
    main()
