# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Kubernetes resource types the collection works with, and where their objects live.

The kinds are fixed, so they are addressed by their known paths: no discovery round trips.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class Resource:
    """A Kubernetes resource type: where its objects live in the API."""

    def __init__(self, group, version, plural, kind, namespaced=True):
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.namespaced = namespaced

    @property
    def api_version(self):
        return "%s/%s" % (self.group, self.version) if self.group else self.version

    @property
    def full_name(self):
        """How RBAC names it: ``clusters.k0smotron.io``, or ``secrets`` for the core group."""
        return "%s.%s" % (self.plural, self.group) if self.group else self.plural

    def path(self, namespace=None, name=None):
        base = "/apis/%s" % self.api_version if self.group else "/api/%s" % self.version
        if self.namespaced and namespace:
            base += "/namespaces/%s" % namespace
        base += "/" + self.plural
        if name:
            base += "/" + name
        return base


CLUSTER = Resource("k0smotron.io", "v1beta2", "clusters", "Cluster")
CONFIGMAP = Resource("", "v1", "configmaps", "ConfigMap")
SERVICE = Resource("", "v1", "services", "Service")
PVC = Resource("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim")
NODE = Resource("", "v1", "nodes", "Node", namespaced=False)
JOIN_TOKEN_REQUEST = Resource("k0smotron.io", "v1beta2", "jointokenrequests", "JoinTokenRequest")
SECRET = Resource("", "v1", "secrets", "Secret")
POD = Resource("", "v1", "pods", "Pod")
STATEFULSET = Resource("apps", "v1", "statefulsets", "StatefulSet")
NETWORKPOLICY = Resource("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy")
EVENT = Resource("", "v1", "events", "Event")
