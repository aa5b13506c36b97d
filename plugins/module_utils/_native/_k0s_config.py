# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Builder: k0s's ClusterConfig, in ConfigMap ``kmc-X-config`` (key ``k0s.yaml``), and the API address
it gives workers and kubeconfigs. The user's ``k0s_config`` is the base; the fields the module sets
from its options (``OWNED_K0S_FIELDS``) go over it, and setting them there is an error."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible.module_utils.common.dict_transformations import dict_merge

from ansible_collections.k0smotron.fleet.plugins.module_utils._constants import K0S_CONFIG_API_VERSION
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._datastore import DATASOURCE_PLACEHOLDER
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._names import config_name, metadata, workload_name
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._settings import (
    STANDARD_PORTS,
    service_ports,
    uses_external_datastore,
)

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML comes with ansible-core
    yaml = None

K0S_CONFIG_KEY = "k0s.yaml"
CLUSTER_DOMAIN = "cluster.local"


def endpoint_host(spec, cluster, namespace):
    """The host workers and clients reach the API at: the external address, else the Service name."""
    return spec.get("external_address") or "%s.%s.svc" % (workload_name(cluster), namespace)


def host_port(host, port):
    """``host:port``, an IPv6 address in brackets."""
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


def _advertised(spec):
    """The ports workers are told: ``advertised_ports`` when the Service is known, else the pod's."""
    return spec.get("advertised_ports") or service_ports(spec)


def api_url(spec, cluster, namespace):
    """The API URL workers and kubeconfigs use (``spec`` with ``advertised_ports`` once the Service is known)."""
    host = endpoint_host(spec, cluster, namespace)
    port = _advertised(spec)["api"] or service_ports(spec)["api"]
    return "https://" + host_port(host, port)


def endpoint_from_config(config_map, cluster, namespace):
    """The API URL a control plane's k0s configuration (ConfigMap ``kmc-X-config``) gives workers:
    ``api.externalAddress`` when it holds a port (an allocated node port), else it and ``api.port``."""
    text = ((config_map or {}).get("data") or {}).get(K0S_CONFIG_KEY)
    if not text:
        return None
    api = (yaml.safe_load(text).get("spec") or {}).get("api") or {}
    address = api.get("externalAddress")
    if address and _has_port(address):
        return "https://" + address
    return "https://" + host_port(address or "%s.%s.svc" % (workload_name(cluster), namespace),
                                  api.get("port") or STANDARD_PORTS["api"])


def _has_port(address):
    """True for ``host:port`` and ``[v6]:port``; False for a host name, an IPv4 or a bare IPv6 address."""
    if address.startswith("["):
        return "]:" in address
    return address.count(":") == 1


# Fields of the ClusterConfig the module sets from its options; k0s_config must leave them out.
OWNED_K0S_FIELDS = (("api", "port"), ("api", "externalAddress"), ("api", "sans"), ("konnectivity", "agentPort"),
                    ("konnectivity", "externalAddress"), ("storage",))
_MISSING = object()


def _lookup(tree, path):
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return _MISSING
        tree = tree[key]
    return tree


def _owned_conflicts(user, owned):
    """The owned fields the user's k0s_config sets to something else than the module does."""
    found = []
    for path in OWNED_K0S_FIELDS:
        value = _lookup(user, path)
        if value is not _MISSING and value != _lookup(owned, path):
            found.append("spec." + ".".join(path))
    return found


def sans(cluster, namespace, spec, cluster_ip):
    name = workload_name(cluster)
    names = [name, "%s.%s" % (name, namespace), "%s.%s.svc" % (name, namespace),
             "%s.%s.svc.%s" % (name, namespace, CLUSTER_DOMAIN), "localhost", "127.0.0.1"]
    for extra in (spec.get("external_address"), cluster_ip):
        if extra and extra != "None" and extra not in names:
            names.append(extra)
    return names


def k0s_cluster_config(cluster, namespace, spec, cluster_ip):
    """The ClusterConfig k0s starts with: the user's ``k0s_config`` with the module's fields over it."""
    user = copy.deepcopy(spec.get("k0s_config") or {})
    if "spec" in user or "apiVersion" in user or "kind" in user:
        user = user.get("spec") or {}
    ports, advertised = service_ports(spec), _advertised(spec)
    api = {"port": ports["api"], "sans": sans(cluster, namespace, spec, cluster_ip)}
    konnectivity = {"agentPort": ports["konnectivity"]}
    address = spec.get("external_address")
    if address:
        # Where workers reach a port at another number than the pod's (an allocated node port), k0s is
        # told host:port: it gives workers that and keeps listening on its own port.
        api["externalAddress"] = address
        if advertised["api"] and advertised["api"] != ports["api"]:
            api["externalAddress"] = host_port(address, advertised["api"])
        if advertised["konnectivity"] and advertised["konnectivity"] != ports["konnectivity"]:
            konnectivity["externalAddress"] = host_port(address, advertised["konnectivity"])
    storage = {"type": "kine"}
    if uses_external_datastore(spec):
        storage["kine"] = {"dataSource": DATASOURCE_PLACEHOLDER}
    owned = {"api": api, "konnectivity": konnectivity, "storage": storage}
    conflicts = _owned_conflicts(user, owned)
    if conflicts:
        raise FleetError(
            "k0s_config sets %s, which the module sets from its options." % ", ".join(sorted(conflicts)),
            hint="Remove them from k0s_config: the options external_address, service.api_port, "
                 "service.konnectivity_port and storage set them.")
    base = {"telemetry": {"enabled": False}}
    config_spec = dict_merge(dict_merge(base, user), owned)
    return {"apiVersion": K0S_CONFIG_API_VERSION, "kind": "ClusterConfig",
            "metadata": {"name": "k0s", "namespace": "kube-system"}, "spec": config_spec}


def render_k0s_config(cluster_config):
    """``k0s.yaml``'s text. The data source placeholder is double-quoted, so that any URL put in its
    place stays one YAML string (URLs with quotes, backslashes or line breaks are refused earlier)."""
    text = yaml.safe_dump(cluster_config, default_flow_style=False, sort_keys=True)
    return text.replace(": %s\n" % DATASOURCE_PLACEHOLDER, ': "%s"\n' % DATASOURCE_PLACEHOLDER)


def config_map(cluster, namespace, spec, owner, cluster_config_text):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": metadata(config_name(cluster), namespace, cluster, spec, owner),
            "data": {K0S_CONFIG_KEY: cluster_config_text}}
