# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Join tokens through k0smotron: a ``JoinTokenRequest`` the operator answers by running ``k0s token
create`` in a control-plane pod, with the token stored in a Secret of the same name.

A request's token is reused while it is for the same cluster, role and lifetime, has more than
``renew_before`` left, and the hosted cluster still has it; otherwise the request is deleted
(k0smotron then runs ``k0s token invalidate``) and made again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.k0smotron.fleet.plugins.module_utils._client import ManagementClient
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._k0s import load_kubeconfig, point_at
from ansible_collections.k0smotron.fleet.plugins.module_utils._k0smotron import _cluster_object as model
from ansible_collections.k0smotron.fleet.plugins.module_utils._k0smotron import _join_token_request as tokens
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import CLUSTER, JOIN_TOKEN_REQUEST, SECRET
from ansible_collections.k0smotron.fleet.plugins.module_utils._time import format_time, now

# The longest a join_token run waits for the hosted API when it checks a token there: a control
# plane exposed on an address the module cannot reach must not cost a whole request_timeout.
HOSTED_CHECK_SECONDS = 10


class TokenRun:
    """One token (``request``, an ``_engine.TokenRequest``) against its JoinTokenRequest."""

    def __init__(self, context, request):
        self.context = context
        self.request = request
        self.client = context.client
        self.waited = 0.0

    def _wait(self, what, fetch, check, hint=None):
        waiter = self.context.waiter()
        try:
            return waiter.until(what, fetch, check, hint=hint)
        finally:
            self.waited += waiter.elapsed

    def _get_request(self):
        return self.client.get(JOIN_TOKEN_REQUEST, self.request.name, self.request.namespace)

    def _get_secret(self):
        return self.client.get(SECRET, self.request.name, self.request.namespace)

    def _delete_request(self):
        self.context.applier().delete(JOIN_TOKEN_REQUEST, self.request.name, self.request.namespace)
        self._wait("JoinTokenRequest %s/%s to be deleted and its token invalidated"
                   % (self.request.namespace, self.request.name),
                   self._get_request,
                   lambda r: (r is None, "deleted" if r is None else "k0smotron is invalidating the token"),
                   hint="k0smotron removes the request once it has run 'k0s token invalidate' in a control-plane "
                        "pod: check that the operator and a control-plane pod run.")

    def _wait_for_control_plane(self):
        def check(cluster):
            if cluster is None:
                return False, "the Cluster does not exist"
            ready = (cluster.get("status") or {}).get("readyReplicas") or 0
            return ready >= 1, "%d control-plane pods ready" % ready

        self._wait("a ready control-plane pod of Cluster %s/%s to mint the token"
                   % (self.request.namespace, self.request.cluster),
                   lambda: self.client.get(CLUSTER, self.request.cluster, self.request.namespace), check,
                   hint="Raise wait_timeout if the control plane is still starting; k0smotron.fleet.cluster_info "
                        "says why it is not ready.")

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

        self._wait("k0smotron to mint token %s/%s" % (self.request.namespace, self.request.name), fetch, check,
                   hint="k0smotron mints a token by running 'k0s token create' in a control-plane pod and retries "
                        "a failure after a minute: raise wait_timeout, or read the k0smotron operator's log.")
        return state["request"], state["secret"]

    def _hosted_client(self):
        """A client of the hosted API, from the admin kubeconfig k0smotron keeps (at hosted_api_url if given)."""
        secret_name = model.kubeconfig_secret_name(self.request.cluster)
        secret = self.client.get(SECRET, secret_name, self.request.namespace)
        encoded = ((secret or {}).get("data") or {}).get("value")
        if not encoded:
            raise FleetError("the kubeconfig Secret '%s' does not exist" % secret_name)
        self.context.protect(encoded)
        text = to_text(base64.b64decode(encoded))
        self.context.protect(text)
        try:
            config = load_kubeconfig(text)
        except FleetError:
            raise FleetError("the kubeconfig Secret '%s' does not hold a kubeconfig" % secret_name)
        for user in config.get("users") or []:
            for value in (user.get("user") or {}).values():
                if isinstance(value, str):
                    self.context.protect(value)
        if self.context.hosted_api_url:
            point_at(config, self.context.hosted_api_url)
        return ManagementClient.from_kubeconfig(
            config, request_timeout=min(self.context.request_timeout, HOSTED_CHECK_SECONDS),
            where="the hosted cluster %s" % self.request.cluster,
            unreachable_hint="Set hosted_api_url to an address of it that is reachable from here.")

    def _hosted_reason(self, request_obj, moment):
        """Why the request's token cannot be reused, judged where the token lives: the hosted
        cluster's ``kube-system/bootstrap-token-ID``. None when it can, or cannot be checked (warned)."""
        token_id = ((request_obj or {}).get("status") or {}).get("tokenID")
        if not token_id:
            return None
        try:
            found = self._hosted_client().get(SECRET, "bootstrap-token-%s" % token_id, "kube-system")
        except FleetError as exc:
            self.context.warn(
                "Token %s could not be checked in the hosted cluster %s (%s), so it is reused on the management "
                "cluster's word; a control plane that lost its state no longer accepts it. Set hosted_api_url to "
                "an address of the hosted API reachable from here." % (token_id, self.request.cluster, exc.msg))
            return None
        return tokens.hosted_token_reason(found, token_id, self.request.renew_before, moment)

    def _create_request(self):
        request = self.request
        try:
            self.context.applier().create(JOIN_TOKEN_REQUEST, tokens.build_request(
                request.name, request.namespace, request.cluster, request.role, request.expiry_text))
        except FleetError as exc:
            if exc.reason != "AlreadyExists":
                raise
            raise FleetError(
                "JoinTokenRequest '%s' in namespace '%s' was created by another task while this one was making it: "
                "two hosts (or plays) use the same name at the same time." % (request.name, request.namespace),
                hint="Give each host its own name: leave name out (the default is one name per dest file) or use "
                     "the host's inventory name in it, and give each host its own dest.")

    def ensure(self):
        request = self.request
        outcome = dict(identity={"request": request.name}, minted=True, token=None, existed=False)
        cluster = self.client.get(CLUSTER, request.cluster, request.namespace)
        if cluster is None and self.context.check_mode:
            # In a checked run the cluster may be one an earlier task would have created.
            self.context.warn("Cluster '%s' does not exist in namespace '%s' (yet): a token would be minted "
                              "once it does." % (request.cluster, request.namespace))
            return self._finish(outcome, None, None)
        if cluster is None:
            raise FleetError(
                "Cluster '%s' does not exist in namespace '%s'." % (request.cluster, request.namespace),
                hint="Create the hosted control plane first, with k0smotron.fleet.cluster.")
        request_obj = self._get_request()
        moment = now()
        reason = None
        if request_obj is not None:
            reason = "force=true" if request.force else tokens.replacement_reason(
                request_obj, request.cluster, request.role, request.expiry, request.renew_before, moment)
            if reason is None:
                reason = self._hosted_reason(request_obj, moment)
        mint = request_obj is None or reason is not None
        outcome.update(minted=mint, existed=request_obj is not None)
        if reason:
            outcome["replaced_because"] = reason
        if self.context.check_mode and mint:
            return self._finish(outcome, request_obj, None)
        if mint:
            if request_obj is not None:
                self._delete_request()
            self._wait_for_control_plane()
            self._create_request()
        request_obj, secret = self._wait_for_token()
        encoded = secret["data"]["token"]
        token = base64.b64decode(encoded)
        self.context.protect(encoded)
        self.context.protect(token.decode("utf-8", "replace"))
        outcome["token"] = token
        return self._finish(outcome, request_obj, secret)

    def _finish(self, outcome, request_obj, secret):
        if request_obj is not None and secret is not None:
            outcome["token_id"] = (request_obj.get("status") or {}).get("tokenID")
            outcome["expires_at"] = format_time(
                tokens.expires_at(request_obj, tokens.expiry_seconds_of(request_obj, self.request.expiry)))
        outcome["waited"] = self.waited
        return outcome

    def revoke(self):
        request_obj = self._get_request()
        if request_obj is not None and not self.context.check_mode:
            self._delete_request()
        elif request_obj is not None:
            self.context.applier().delete(JOIN_TOKEN_REQUEST, self.request.name, self.request.namespace)
        return dict(changed=request_obj is not None, waited=self.waited,
                    diff_before={"request": self.request.name} if request_obj is not None else {})
