# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test doubles for the native engine: a management cluster with no operator, only Kubernetes'
own controllers (a StatefulSet controller that makes the pods ready a few reads later, and the
garbage collector), and the hosted cluster's own API (Secrets in kube-system, /readyz, nodes).

What these prove is proven again against real API servers (tests/integration/targets/native,
with kube-controller-manager's garbage collector and a hosted kube-apiserver) and on real k0s.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.k0smotron.fleet.plugins.module_utils import _resources as resources
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.tests.unit.fakes import (
    FakeHostedAPI,
    FakeManagementAPI,
    FakeStatusError,
    _key,
    translate_api_error,
)

NODE = {"metadata": {"name": "mgmt-1"}, "status": {"addresses": [
    {"type": "InternalIP", "address": "10.0.0.5"}, {"type": "Hostname", "address": "mgmt-1"}]}}


class FakeNativeHostedAPI(FakeHostedAPI):
    """A hosted cluster's API as the native engine uses it: token Secrets by label, /readyz, nodes."""

    def __init__(self):
        super(FakeNativeHostedAPI, self).__init__()
        self.clients_made = 0
        self.nodes = []
        # Calls refused before it serves: a control plane just made, or a node port not yet forwarded.
        self.refusals = 0
        # What /readyz answers while it serves, and an error to raise instead (a FleetError) when set.
        self.readyz = "ok"
        self.readyz_error = None

    def _reach(self):
        if not self.reachable:
            raise FakeHostedAPI.unreachable()
        if self.refusals:
            self.refusals -= 1
            raise FleetError("Cannot reach the hosted cluster's API at https://10.0.0.5:31285: [Errno 111] "
                             "Connection refused.")

    def list(self, resource, namespace=None, label_selector=None, field_selector=None):
        self.calls.append(("list", resource.plural, namespace))
        self._reach()
        if resource is resources.NODE:
            return copy.deepcopy(self.nodes)
        wanted = dict(part.split("=", 1) for part in (label_selector or "").split(",") if part)
        return [copy.deepcopy(o) for (plural, ns, _name), o in sorted(self.objects.items())
                if plural == resource.plural and (namespace is None or ns == namespace)
                and all((o["metadata"].get("labels") or {}).get(k) == v for k, v in wanted.items())]

    def create(self, resource, obj):
        self.calls.append(("create", resource.plural, obj["metadata"]["name"]))
        self._reach()
        self.objects[_key(resource, obj["metadata"].get("namespace"), obj["metadata"]["name"])] = copy.deepcopy(obj)
        return copy.deepcopy(obj)

    def delete(self, resource, name, namespace=None, propagation="Background"):
        self.calls.append(("delete", resource.plural, name))
        self._reach()
        return self.objects.pop(_key(resource, namespace, name), None) is not None

    def get_raw(self, path, verb="get", resource=None):
        self.calls.append(("get", path, None))
        self._reach()
        if self.readyz_error is not None:
            raise self.readyz_error
        return self.readyz


class FakeNativeAPI(FakeManagementAPI):
    """A management cluster without k0smotron: only the StatefulSet controller and garbage collection."""

    def __init__(self, polls_until_ready=2):
        super(FakeNativeAPI, self).__init__(polls_until_ready=polls_until_ready)
        self.crd_installed = False
        self.hosted = FakeNativeHostedAPI()
        self.nodes = [copy.deepcopy(NODE)]
        # StatefulSets whose pods never become ready (an image that cannot be pulled, say).
        self.never_ready = set()

    def _operator_tick(self, resource, namespace, name):
        key = _key(resource, namespace, name)
        obj = self.objects.get(key)
        if resource is not resources.STATEFULSET or obj is None:
            return
        self._polls[key] = self._polls.get(key, 0) + 1
        status = obj.setdefault("status", {})
        generation = obj["metadata"]["generation"]
        if name in self.never_ready:
            obj["status"] = {"observedGeneration": generation, "replicas": 1, "readyReplicas": 0}
        elif status.get("observedGeneration") != generation and self._polls[key] > self.polls_until_ready:
            replicas = obj["spec"].get("replicas", 1)
            revision = "r%d" % generation
            obj["status"] = {"observedGeneration": generation, "replicas": replicas, "readyReplicas": replicas,
                             "updatedReplicas": replicas, "currentRevision": revision, "updateRevision": revision}

    def _roll_statefulset(self, statefulset):
        """The StatefulSet controller, in _operator_tick."""

    def list(self, resource, namespace=None, label_selector=None, field_selector=None):
        if resource is resources.NODE:
            self.calls.append(("list", resource.plural, None))
            return copy.deepcopy(self.nodes)
        return super(FakeNativeAPI, self).list(resource, namespace, label_selector, field_selector)

    def apply(self, resource, obj, dry_run=False, force=False, **kwargs):
        if resource is resources.SERVICE:
            self._allocate(obj)
            obj = self._allocate_free(obj)
        live = super(FakeNativeAPI, self).apply(resource, obj, dry_run=dry_run, force=force, **kwargs)
        if not dry_run:
            self._polls[_key(resource, obj["metadata"]["namespace"], obj["metadata"]["name"])] = 0
        return live

    def _allocate(self, obj):
        """Node ports are the whole cluster's: one another Service holds is refused, as the API server does."""
        meta = obj["metadata"]
        for (plural, namespace, name), other in self.objects.items():
            if plural != "services" or (namespace, name) == (meta["namespace"], meta["name"]):
                continue
            taken = set(p.get("nodePort") for p in other["spec"].get("ports") or []) - {None}
            for index, port in enumerate(obj["spec"].get("ports") or []):
                if port.get("nodePort") in taken:
                    self.calls.append(("apply-refused", "services", meta["name"]))
                    raise translate_api_error(FakeStatusError(
                        422, "Invalid", 'Service "%s" is invalid: spec.ports[%d].nodePort: Invalid value: %d: provided '
                        "port is already allocated" % (meta["name"], index, port["nodePort"])),
                        "patch", "services", meta["name"], meta["namespace"], self.host)

    def _allocate_free(self, obj):
        """A NodePort port with no node port keeps the one its Service has, or gets the lowest free one
        (the API server picks at random in its range; lowest first makes tests readable)."""
        if obj["spec"].get("type") != "NodePort":
            return obj
        obj = copy.deepcopy(obj)
        meta = obj["metadata"]
        live = self.objects.get(("services", meta["namespace"], meta["name"])) or {}
        kept = dict((p.get("name"), p.get("nodePort")) for p in (live.get("spec") or {}).get("ports") or [])
        taken = set(p.get("nodePort") for key, other in self.objects.items() if key[0] == "services"
                    for p in other["spec"].get("ports") or []) | set(p.get("nodePort") for p in obj["spec"]["ports"])
        for port in obj["spec"]["ports"]:
            if port.get("nodePort"):
                continue
            port["nodePort"] = kept.get(port["name"]) or min(set(range(30000, 32768)) - taken)
            taken.add(port["nodePort"])
        return obj

    def delete(self, resource, name, namespace=None, propagation="Background"):
        deleted = super(FakeNativeAPI, self).delete(resource, name, namespace, propagation)
        # The garbage collector: what the deleted object owned goes too (at once, in this fake).
        # Owners are matched by kind and name, as the real one does by uid.
        gone = [(resource.kind, name)] if deleted else []
        while gone:
            owner = gone.pop()
            for key, other in list(self.objects.items()):
                if any((ref.get("kind"), ref.get("name")) == owner
                       for ref in other["metadata"].get("ownerReferences") or []):
                    del self.objects[key]
                    gone.append((other.get("kind"), key[2]))
        return deleted
