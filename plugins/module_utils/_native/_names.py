# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The names and labels of a native control plane's objects, all derived from its name.

For cluster ``X``: the anchor ConfigMap, Service and StatefulSet ``kmc-X``, the k0s configuration
``kmc-X-config``, the Secrets ``X-ca``, ``X-proxy``, ``X-sa``, ``X-datastore`` and ``X-kubeconfig``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._constants import MANAGED_BY
from ansible_collections.k0smotron.fleet.plugins.module_utils._names import object_name

CLUSTER_LABEL = "k0smotron.fleet/cluster"
COMPONENT_LABEL = "app.kubernetes.io/component"
ANCHOR_COMPONENT = "hosted-control-plane"


def anchor_name(cluster):
    return object_name("kmc-%s", cluster)


def workload_name(cluster):
    """The Service and the StatefulSet."""
    return object_name("kmc-%s", cluster)


def config_name(cluster):
    return object_name("kmc-%s-config", cluster)


def secret_names(cluster):
    return {
        "ca": object_name("%s-ca", cluster),
        "proxy": object_name("%s-proxy", cluster),
        "sa": object_name("%s-sa", cluster),
        "datastore": object_name("%s-datastore", cluster),
        "kubeconfig": object_name("%s-kubeconfig", cluster),
    }


def selector_labels(cluster):
    """The StatefulSet's selector: fixed at creation, so it holds nothing a user can change."""
    return {"app.kubernetes.io/name": "k0s", CLUSTER_LABEL: cluster}


def common_labels(cluster, spec):
    labels = dict(spec.get("labels") or {})
    labels.update(selector_labels(cluster))
    labels.update({"app.kubernetes.io/managed-by": MANAGED_BY, "app.kubernetes.io/instance": cluster})
    return labels


def anchor_selector():
    return "%s=%s,app.kubernetes.io/managed-by=%s" % (COMPONENT_LABEL, ANCHOR_COMPONENT, MANAGED_BY)


def metadata(name, namespace, cluster, spec, owner=None, labels=None):
    meta = {"name": name, "namespace": namespace, "labels": dict(labels or common_labels(cluster, spec))}
    if owner:
        meta["ownerReferences"] = [owner]
    return meta
