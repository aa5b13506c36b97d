# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The management cluster's connection settings, from the connection options.

Built on the official ``kubernetes`` client's public loaders. kubernetes.core has helpers for the same
setup (``module_utils.k8s.client``), but they are that collection's internals, not an API it promises
to keep; the behaviour its users know is kept: the same options and ``K8S_AUTH_*`` variables, no
kubeconfig read when ``host`` comes with credentials, several kubeconfig files joined by ``:``,
and several impersonated groups.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError

try:
    import kubernetes
    from kubernetes.config.config_exception import ConfigException
    import urllib3
    import yaml
    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the machine running the module
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = exc
    ConfigException = Exception
    yaml = None


def _kubeconfig_files(value):
    """The kubeconfig file(s) to load: the option, else $KUBECONFIG, else ~/.kube/config.

    Several files may be given joined by ``:`` (``;`` on Windows), as kubectl and kubernetes.core
    take them; the kubernetes client merges them. Returns ``(existing paths joined, [missing paths])``.
    """
    text = value or os.environ.get("KUBECONFIG") or "~/.kube/config"
    paths = [os.path.expanduser(p) for p in text.split(os.pathsep) if p]
    return os.pathsep.join(p for p in paths if os.path.exists(p)), [p for p in paths if not os.path.exists(p)]


def _has_credentials(params):
    """Whether the options alone say where the API is and who is asking (as kubernetes.core judges it)."""
    return bool(params.get("host")) and bool(
        params.get("api_key") or (params.get("username") and params.get("password"))
        or (params.get("client_cert") and params.get("client_key")))


def build_configuration(params):
    """A ``kubernetes.client.Configuration`` from the module's connection options."""
    configuration = kubernetes.client.Configuration()
    kubeconfig = params.get("kubeconfig")
    context = params.get("context")
    host = params.get("host")
    try:
        if kubeconfig is None and not context and _has_credentials(params):
            # host with a token, a password or a client certificate: nothing else is read, neither
            # ~/.kube/config nor $KUBECONFIG nor the pod's service account (as with kubernetes.core).
            pass
        elif isinstance(kubeconfig, dict):
            kubernetes.config.load_kube_config_from_dict(
                config_dict=kubeconfig, context=context, client_configuration=configuration, persist_config=False)
        elif kubeconfig is not None and not isinstance(kubeconfig, str):
            raise FleetError(
                "kubeconfig must be a path to a kubeconfig file or a kubeconfig as a dictionary.",
                hint="Pass a file path, or the parsed content (for example from lookup('file', ...) | from_yaml).")
        else:
            path, missing = _kubeconfig_files(kubeconfig)
            if kubeconfig and missing:
                raise FleetError(
                    "kubeconfig '%s' does not exist." % missing[0],
                    hint="Give the path of the management cluster's kubeconfig, on the host the module runs on.")
            if path:
                kubernetes.config.load_kube_config(
                    config_file=path, context=context, client_configuration=configuration, persist_config=False)
            elif not host:
                try:
                    kubernetes.config.load_incluster_config(client_configuration=configuration)
                except ConfigException:
                    raise FleetError(
                        "No connection to the management cluster is configured: no kubeconfig at %s, no host "
                        "option and not running in a pod." % ", ".join(missing),
                        hint="Set kubeconfig (or K8S_AUTH_KUBECONFIG), or host with api_key or client certificates.")
    except (ConfigException, yaml.YAMLError, ValueError) as exc:
        raise FleetError(
            "Cannot use the kubeconfig: %s." % exc,
            hint="Check the kubeconfig option and that context names an existing context.")

    if host:
        configuration.host = host
    if params.get("api_key"):
        configuration.api_key = {"authorization": "Bearer %s" % params["api_key"]}
    if params.get("validate_certs") is not None:
        configuration.verify_ssl = params["validate_certs"]
    if params.get("ca_cert"):
        configuration.ssl_ca_cert = params["ca_cert"]
    if params.get("client_cert"):
        configuration.cert_file = params["client_cert"]
    if params.get("client_key"):
        configuration.key_file = params["client_key"]
    if params.get("proxy"):
        configuration.proxy = params["proxy"]
    if params.get("no_proxy"):
        configuration.no_proxy = params["no_proxy"]
    headers = params.get("proxy_headers")
    if headers:
        configuration.proxy_headers = urllib3.util.make_headers(
            **dict((k, v) for k, v in headers.items() if v is not None))
    if params.get("username") and params.get("password"):
        configuration.api_key = {
            "authorization": urllib3.util.make_headers(
                basic_auth="%s:%s" % (params["username"], params["password"]))["authorization"]}
    # No retries inside urllib3: each of them would get a whole request_timeout of its own.
    # ManagementClient.request retries once itself, within the same request_timeout.
    configuration.retries = 0
    return configuration


class _RepeatedHeader(str):
    """A header name that equals no other, so that the client's dict of default headers can hold
    it once per value: Kubernetes reads one ``Impersonate-Group`` header per group (a comma-joined
    value would be one group with a comma in its name)."""

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other


def new_api_client(params):
    """A ``kubernetes.client.ApiClient`` for the management cluster, from the connection options."""
    api_client = kubernetes.client.ApiClient(build_configuration(params))
    if params.get("impersonate_user"):
        api_client.set_default_header("Impersonate-User", params["impersonate_user"])
    for group in params.get("impersonate_groups") or []:
        api_client.set_default_header(_RepeatedHeader("Impersonate-Group"), group)
    return api_client


def api_client_from_kubeconfig(config, where):
    """A ``kubernetes.client.ApiClient`` for another cluster (a hosted one), from a kubeconfig in memory.

    The kubernetes library puts embedded certificates and keys in temporary files only its owner
    can read, removed when the module exits.
    """
    configuration = kubernetes.client.Configuration()
    try:
        kubernetes.config.load_kube_config_from_dict(
            config_dict=config, client_configuration=configuration, persist_config=False)
    except ConfigException as exc:
        raise FleetError("Cannot use the kubeconfig of %s: %s." % (where, exc))
    configuration.retries = 0
    return kubernetes.client.ApiClient(configuration)
