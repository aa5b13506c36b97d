# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A handle on one native control plane: its objects as they are, its CA, its endpoint, and a
client of its own (hosted) API. Reads only; the builders say what the objects should be."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils import _k0s as k0s
from ansible_collections.k0smotron.fleet.plugins.module_utils import _pki as pki
from ansible_collections.k0smotron.fleet.plugins.module_utils._client import ManagementClient
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._k8s_state import secret_bytes
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._k0s_config import endpoint_from_config
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._kubeconfig_secret import (
    ADMIN_GROUPS,
    ADMIN_USER,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._names import (
    anchor_name,
    config_name,
    secret_names,
    workload_name,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import CONFIGMAP, SECRET, STATEFULSET

# The module's own view of the hosted API lives this long; it is never stored.
PROBE_CERT_SECONDS = 600


class ControlPlane:
    """One hosted control plane: its name, namespace and objects, read through ``client``."""

    def __init__(self, context, client, name, namespace):
        self.context = context
        self.client = client
        self.name = name
        self.namespace = namespace
        self.names = secret_names(name)
        self._hosted = {}
        self._serving = set()
        self._ca = None

    def anchor(self):
        return self.client.get(CONFIGMAP, anchor_name(self.name), self.namespace)

    def statefulset(self):
        return self.client.get(STATEFULSET, workload_name(self.name), self.namespace)

    def ca(self):
        """``(cert_pem, key_pem)`` of the cluster CA; an error naming the Secret if it is missing.

        Read once per run: the CA is never replaced, and a batch of tokens needs it for each one."""
        if self._ca is not None:
            return self._ca
        secret = self.client.get(SECRET, self.names["ca"], self.namespace)
        cert, key = secret_bytes(secret, "tls.crt"), secret_bytes(secret, "tls.key")
        if not (cert and key):
            raise FleetError(
                "The CA of control plane '%s' (Secret '%s' in namespace '%s') is missing."
                % (self.name, self.names["ca"], self.namespace),
                hint="Create the control plane first with k0smotron.fleet.cluster.")
        self.context.protect(key)
        self._ca = (cert, key)
        return self._ca

    def endpoint(self):
        """The URL workers and kubeconfigs reach the hosted API at, as k0s was configured with it."""
        config_map = self.client.get(CONFIGMAP, config_name(self.name), self.namespace)
        return endpoint_from_config(config_map, self.name, self.namespace)

    def hosted_client(self, server=None):
        """A client of the hosted cluster's own API, as an admin, with a short certificate kept in memory.

        It goes to ``hosted_api_url`` when given, else to ``server`` (else the endpoint). One client
        (one certificate) per address for the whole module run: a batch of tokens signs one."""
        server = self._address(server)
        if server not in self._hosted:
            ca_cert, ca_key = self.ca()
            cert, key = pki.sign_client_cert(ca_cert, ca_key, ADMIN_USER, ADMIN_GROUPS, seconds=PROBE_CERT_SECONDS)
            self.context.protect(key)
            config = k0s.kubeconfig(self.name, server, ca_cert, ADMIN_USER, k0s.client_cert_credentials(cert, key))
            self._hosted[server] = ManagementClient.from_kubeconfig(
                config, request_timeout=self.context.request_timeout, where="the hosted cluster %s" % self.name,
                unreachable_hint="Check that the control plane is ready and that %s is reachable from where the "
                                 "module runs; hosted_api_url sets another address to reach it at." % server)
        return self._hosted[server]

    def serving_hosted_client(self, server=None):
        """``(client, seconds waited)``: ``hosted_client`` once the hosted API answers ``/readyz`` with ok.

        A control plane made moments ago may not serve yet, and the management cluster's proxies may
        not yet forward a node port Kubernetes just allocated (connections are refused for a few
        seconds): what needs the hosted API waits for it, up to wait_timeout, rather than fail. One
        look per address per run when it serves."""
        server = self._address(server)
        hosted = self.hosted_client(server)
        if server in self._serving:
            return hosted, 0.0
        waiter = self.context.waiter()
        waiter.until(
            "the API of control plane %s/%s at %s to serve" % (self.namespace, self.name, server),
            lambda: _serving_state(hosted), lambda state: (state == "ready", state),
            hint="Check the control plane with k0smotron.fleet.cluster_info (its pods, its Service); where %s "
                 "cannot be reached from where the module runs, hosted_api_url sets another address. Raise "
                 "wait_timeout if the site is slow." % server)
        self._serving.add(server)
        return hosted, waiter.elapsed

    def _address(self, server):
        return self.context.hosted_api_url or server or self.endpoint()


def _serving_state(hosted):
    """"ready", or a short text of why the hosted API does not serve yet; credentials it refuses (a
    401 or 403 will not pass by waiting) raise."""
    try:
        answer = hosted.get_raw("/readyz").strip()
    except FleetError as exc:
        if exc.status is None:
            return "not reachable (%s)" % exc.msg.rstrip(".")
        if exc.status >= 500 or exc.status == 429:
            return "not ready (HTTP %d)" % exc.status
        raise
    return "ready" if answer == "ok" else "not ready (%s)" % answer[:80]
