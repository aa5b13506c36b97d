# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``native`` engine: hosted control planes made by the collection itself.

No operator, and rights in one namespace only: the engine creates every object of a control plane
with server-side apply, one builder per object kind, run in order by ``_cluster``:

======================  ===================  ==================================================
builder                 object               holds
======================  ===================  ==================================================
``_anchor``             ConfigMap ``kmc-X``  the settings; owner of everything below
``_service``            Service ``kmc-X``    ports ``api`` and ``konnectivity``
``_key_material``       Secrets ``X-ca``,    cluster CA, front-proxy CA, service-account keys
                        ``X-proxy``, ``X-sa``
``_datastore``          Secret               kine data source URL, when given inline
                        ``X-datastore``
``_k0s_config``         ConfigMap            ``k0s.yaml`` (the URL only as a placeholder)
                        ``kmc-X-config``
``_statefulset``        StatefulSet          ``k0s controller`` pods
                        ``kmc-X``
``_kubeconfig_secret``  Secret               admin kubeconfig (key ``value``), by the
                        ``X-kubeconfig``     kubeconfig module
======================  ===================  ==================================================

Tokens are bootstrap-token Secrets made through the hosted cluster's own API (``_tokens``); what a
backup holds is read by ``_export``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

from ansible_collections.k0smotron.fleet.plugins.module_utils import _k0s as k0s
from ansible_collections.k0smotron.fleet.plugins.module_utils import _pki as pki
from ansible_collections.k0smotron.fleet.plugins.module_utils._engine import Engine
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._k8s_state import secret_bytes
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _cluster, _export, _tokens
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._anchor import owner_reference
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._kubeconfig_secret import (
    ADMIN_GROUPS,
    ADMIN_USER,
    certificate_expiry,
    kubeconfig_secret,
    reusable_admin_kubeconfig,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._names import CLUSTER_LABEL, anchor_selector
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._plane import ControlPlane
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._settings import (
    recorded_settings,
    validate_options,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import CONFIGMAP, SECRET
from ansible_collections.k0smotron.fleet.plugins.module_utils._time import format_time, now


class NativeEngine(Engine):
    """Control planes as ConfigMaps, Secrets, a Service and a StatefulSet the collection applies itself."""

    name = "native"
    own_options = ("pki", "node_selector", "tolerations", "priority_class_name", "drop_database", "tuning")
    token_roles = ("worker",)

    def __init__(self, context):
        super(NativeEngine, self).__init__(context)
        self._planes = {}

    def _plane(self, name, namespace):
        """One handle per control plane for the whole run, so its hosted client is made once."""
        if (name, namespace) not in self._planes:
            self._planes[(name, namespace)] = ControlPlane(self.context, self.context.client, name, namespace)
        return self._planes[(name, namespace)]

    def _missing(self, plane):
        return FleetError("Control plane '%s' does not exist in namespace '%s'." % (plane.name, plane.namespace),
                          hint="Create it first with k0smotron.fleet.cluster.")

    # --- cluster ---------------------------------------------------------------------------------

    def validate_cluster(self, request):
        validate_options(request.options)

    def apply_cluster(self, request):
        result, watch = _cluster.present(self.context, self._plane(request.name, request.namespace), request.options)
        self._expect(request, watch)
        return result

    def delete_cluster(self, request):
        result, watch = _cluster.absent(self.context, self._plane(request.name, request.namespace), request.options,
                                        request.wait)
        self._expect(request, watch)
        return result

    def describe_clusters(self, query):
        client = self.context.client
        if query.name:
            anchor = self._plane(query.name, query.namespace).anchor()
            anchors = [anchor] if anchor is not None else []
        else:
            selector = ",".join([anchor_selector()] + list(query.label_selectors))
            anchors = client.list(CONFIGMAP, query.namespace, label_selector=selector)
        summaries = []
        for anchor in sorted(anchors, key=lambda a: (a["metadata"]["namespace"], a["metadata"]["name"])):
            name = (anchor["metadata"].get("labels") or {}).get(CLUSTER_LABEL)
            if name:
                plane = self._plane(name, anchor["metadata"]["namespace"])
                summaries.append(_cluster.summarize(plane, anchor, health=query.health))
        return summaries

    # --- kubeconfig ------------------------------------------------------------------------------

    def admin_kubeconfig(self, request):
        context = self.context
        plane = self._plane(request.cluster, request.namespace)
        anchor = plane.anchor()
        if anchor is None:
            if context.check_mode:
                context.warn("Control plane '%s' does not exist in namespace '%s' (yet): the kubeconfig would be "
                             "written once it does." % (plane.name, plane.namespace))
                return dict(text=None, secret=plane.names["kubeconfig"])
            raise self._missing(plane)
        server = plane.endpoint()
        ca_cert, ca_key = plane.ca()
        stored = plane.client.get(SECRET, plane.names["kubeconfig"], plane.namespace)
        text = secret_bytes(stored, "value")
        if text:
            context.protect(text.decode("utf-8", "replace"))
            context.protect(stored["data"]["value"])
        renewed = not (text and reusable_admin_kubeconfig(text, ca_cert, server, request.renew_before, now()))
        if renewed:
            cert, key = pki.sign_client_cert(ca_cert, ca_key, ADMIN_USER, ADMIN_GROUPS, seconds=request.validity)
            context.protect(key)
            text = k0s.dump_kubeconfig(k0s.kubeconfig(plane.name, server, ca_cert, ADMIN_USER,
                                                      k0s.client_cert_credentials(cert, key)))
            context.protect(text.decode("utf-8"))
            context.protect(base64.b64encode(text).decode("ascii"))
            secret = kubeconfig_secret(plane.names["kubeconfig"], plane.namespace, plane.name,
                                       recorded_settings(anchor), owner_reference(anchor), text)
            context.applier().apply(SECRET, secret, stored, secret=True)
        return dict(text=text, server=server, context=plane.name, secret=plane.names["kubeconfig"],
                    expires_at=format_time(certificate_expiry(text)), renewed=renewed)

    # --- join tokens -----------------------------------------------------------------------------

    def ensure_token(self, request, current_token):
        context = self.context
        plane = self._plane(request.cluster, request.namespace)
        outcome = dict(identity={"name": request.name}, minted=True, token=None, waited=0.0)
        if plane.anchor() is None:
            if context.check_mode:
                context.warn("Control plane '%s' does not exist in namespace '%s' (yet): a token would be minted "
                             "once it does." % (plane.name, plane.namespace))
                return outcome
            raise self._missing(plane)
        server = plane.endpoint()
        hosted, outcome["waited"] = plane.serving_hosted_client(server)
        ca_cert = plane.ca()[0]
        if request.force:
            reason = "force=true"
        elif not current_token:
            reason = "no token in dest"
        else:
            reason, token_id, expires = _tokens.reuse_problem(hosted, request, current_token, server, ca_cert, now())
            if reason is None:
                return dict(outcome, minted=False, token=current_token.encode("utf-8") + b"\n", token_id=token_id,
                            expires_at=format_time(expires))
        outcome["replaced_because"] = reason
        if context.check_mode:
            return outcome
        token, token_id, expires = _tokens.mint(context, hosted, request, server, ca_cert)
        return dict(outcome, token=token.encode("utf-8") + b"\n", token_id=token_id, expires_at=format_time(expires))

    def retire_replaced_tokens(self, request, outcome):
        plane = self._plane(request.cluster, request.namespace)
        _tokens.retire(self.context, plane.hosted_client(plane.endpoint()), request, outcome["token_id"])

    def revoke_token(self, request, current_token):
        plane = self._plane(request.cluster, request.namespace)
        hosted = plane.hosted_client(plane.endpoint()) if plane.anchor() is not None else None
        revoked = _tokens.revoke(self.context, hosted, request, current_token)
        return dict(changed=bool(revoked), revoked=revoked, diff_before={"name": request.name, "tokens": revoked},
                    waited=0.0)

    def export_control_plane(self, request):
        return _export.export(self.context, self._plane(request.cluster, request.namespace), request)
