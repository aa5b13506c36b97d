# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``k0smotron`` engine: hosted control planes made by an installed k0smotron operator.

The engine declares k0smotron objects and waits for the operator to act on them: a ``Cluster``
(``_cluster``, built by ``_cluster_object``, read by ``_cluster_status``), whose control plane the
operator creates; ``JoinTokenRequest`` objects (``_tokens``, ``_join_token_request``), which it
answers by ``exec`` in a control-plane pod; and the admin kubeconfig it keeps in a Secret.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.k0smotron.fleet.plugins.module_utils._engine import Engine
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._k0smotron import _cluster
from ansible_collections.k0smotron.fleet.plugins.module_utils._k0smotron._cluster_object import kubeconfig_secret_name
from ansible_collections.k0smotron.fleet.plugins.module_utils._k0smotron._tokens import TokenRun
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import CLUSTER, SECRET


class K0smotronEngine(Engine):
    """Control planes as k0smotron ``Cluster`` objects, built by the operator."""

    name = "k0smotron"
    own_options = ("patches", "manifests", "mounts", "certificate_refs", "spec")
    token_roles = ("worker", "controller")
    diff_per_object = False

    def validate_cluster(self, request):
        _cluster.validate_options(request.options, request.name, request.namespace)

    def apply_cluster(self, request):
        result, watch = _cluster.present(self.context, request)
        self._expect(request, watch)
        return result

    def delete_cluster(self, request):
        result, watch = _cluster.absent(self.context, request)
        self._expect(request, watch)
        return result

    def describe_clusters(self, query):
        return _cluster.describe(self.context, query)

    def admin_kubeconfig(self, request):
        """The admin kubeconfig k0smotron keeps in Secret ``CLUSTER-kubeconfig`` (key ``value``)."""
        context, client = self.context, self.context.client
        secret_name = kubeconfig_secret_name(request.cluster)

        def fetch():
            return client.get(SECRET, secret_name, request.namespace)

        secret = fetch()
        if secret is None and context.check_mode:
            # In a checked run nothing was created, so the kubeconfig may not exist yet.
            context.warn("The kubeconfig Secret '%s' does not exist (yet): the file would be written once it "
                         "does." % secret_name)
            return dict(text=None, secret=secret_name)
        if secret is None:
            if client.get(CLUSTER, request.cluster, request.namespace) is None:
                raise FleetError(
                    "Cluster '%s' does not exist in namespace '%s'." % (request.cluster, request.namespace),
                    hint="Create it first with k0smotron.fleet.cluster.")
            if not request.wait:
                raise FleetError(
                    "The kubeconfig Secret '%s' does not exist yet." % secret_name,
                    hint="k0smotron writes it once a control-plane pod is ready; set wait=true or wait for the "
                         "cluster.")
            secret = context.waiter().until(
                "kubeconfig Secret %s/%s" % (request.namespace, secret_name), fetch,
                lambda s: (s is not None, "present" if s is not None else "not created yet"))
        encoded = (secret.get("data") or {}).get("value")
        if not encoded:
            raise FleetError("The Secret '%s' has no key 'value'." % secret_name,
                             hint="Check the Secret; k0smotron writes the kubeconfig under 'value'.")
        text = to_text(base64.b64decode(encoded))
        context.protect(text)
        context.protect(encoded)
        return dict(text=to_bytes(text), secret=secret_name)

    def ensure_token(self, request, current_token):
        return TokenRun(self.context, request).ensure()

    def revoke_token(self, request, current_token):
        return TokenRun(self.context, request).revoke()
