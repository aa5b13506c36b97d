# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test doubles at the Kubernetes API boundary.

``FakeManagementAPI`` stands in for the management cluster with the k0smotron operator: it keeps
objects in memory, answers the calls ``ManagementClient`` makes, and plays the operator's part
(control-plane pods becoming ready, tokens minted into Secrets) a configurable number of polls
later. Every behaviour proven here is proven again against the real lab.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy
import datetime
import gzip
import json

from ansible_collections.k0smotron.fleet.plugins.module_utils import client as client_module
from ansible_collections.k0smotron.fleet.plugins.module_utils.errors import FleetError

# Values that must never appear in a module's result: tests scan every result for them.
BOOTSTRAP_SECRET = "0123456789abcdef"


def make_join_token(token_id, secret=BOOTSTRAP_SECRET):
    """A join token as k0s makes it: base64 of a gzipped kubeconfig holding a bootstrap token."""
    kubeconfig = (
        "apiVersion: v1\nkind: Config\nclusters:\n- name: k0s\n  cluster:\n    server: https://10.0.0.5:30443\n"
        "users:\n- name: kubelet-bootstrap\n  user:\n    token: %s.%s\n" % (token_id, secret))
    return base64.b64encode(gzip.compress(kubeconfig.encode())).decode()


TOKEN = make_join_token("abc123")
KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: shop-1
  cluster:
    server: https://10.0.0.5:30443
    certificate-authority-data: Q0EtREFUQS1TRUNSRVQ=
contexts:
- name: shop-1
  context: {cluster: shop-1, user: admin}
current-context: shop-1
users:
- name: admin
  user:
    client-certificate-data: Q0VSVC1TRUNSRVQ=
    client-key-data: S0VZLVNFQ1JFVA==
"""


def _key(resource, namespace, name):
    return (resource.plural, namespace, name)


class FakeManagementAPI:
    """An in-memory management cluster with k0smotron, answering ManagementClient's calls."""

    def __init__(self, polls_until_ready=2, polls_until_token=1):
        self.objects = {}
        self.calls = []
        self.host = "https://management.test:6443"
        self.crd_installed = True
        self.polls_until_ready = polls_until_ready
        self.polls_until_token = polls_until_token
        self.invalidated = []
        self.failures = []  # exceptions every call raises, to simulate an API that fails
        self.double_mint = False
        self._polls = {}

    # The operator's part ------------------------------------------------------------------

    def _operator_tick(self, resource, namespace, name):
        key = _key(resource, namespace, name)
        obj = self.objects.get(key)
        if obj is None:
            return
        self._polls[key] = self._polls.get(key, 0) + 1
        if resource is client_module.CLUSTER and self._polls[key] > self.polls_until_ready:
            self._make_ready(obj)
        if resource is client_module.JOIN_TOKEN_REQUEST and self._polls[key] > self.polls_until_token:
            self._mint(obj)

    def _make_ready(self, obj):
        gen = obj["metadata"]["generation"]
        replicas = obj["spec"].get("replicas", 1)
        conditions = [
            {"type": t, "status": "True", "reason": "OK", "observedGeneration": gen}
            for t in ("ControlPlaneUpToDate", "KubeconfigSecretAvailable", "ControlPlaneFunctional")]
        exposed = obj["spec"].get("externalAddress") or obj["spec"].get("service", {}).get("type") in (
            "NodePort", "LoadBalancer")
        conditions.append({"type": "Available", "status": "True" if exposed else "False", "reason": "X",
                           "observedGeneration": gen})
        obj["status"] = {"replicas": replicas, "readyReplicas": replicas, "updatedReplicas": replicas,
                         "conditions": conditions}
        name, namespace = obj["metadata"]["name"], obj["metadata"]["namespace"]
        secret_key = _key(client_module.SECRET, namespace, "%s-kubeconfig" % name)
        self.objects.setdefault(secret_key, {
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "%s-kubeconfig" % name, "namespace": namespace},
            "data": {"value": base64.b64encode(KUBECONFIG.encode()).decode()}})

    def _mint(self, jtr):
        token_id = jtr.get("status", {}).get("tokenID")
        if token_id == "abc123":
            return
        # With double_mint, k0smotron's race: a first token, replaced by a second a moment later.
        if token_id is None and self.double_mint:
            token_id, token = "first1", make_join_token("first1")
        else:
            token_id, token = "abc123", TOKEN
        jtr["status"] = {"tokenID": token_id, "conditions": [
            {"type": "JoinTokenSecretCreated", "status": "True", "reason": "Created"}]}
        meta = jtr["metadata"]
        self.objects[_key(client_module.SECRET, meta["namespace"], meta["name"])] = {
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
            "data": {"token": base64.b64encode(token.encode()).decode()}}

    def add_statefulset(self, namespace, name, generation=1):
        """The control-plane StatefulSet, rolled out at ``generation``."""
        self.objects[_key(client_module.STATEFULSET, namespace, "kmc-%s" % name)] = {
            "metadata": {"name": "kmc-%s" % name, "namespace": namespace, "generation": generation},
            "spec": {"replicas": 1},
            "status": {"observedGeneration": generation, "updatedReplicas": 1, "readyReplicas": 1,
                       "currentRevision": "r%d" % generation, "updateRevision": "r%d" % generation}}

    def _roll_statefulset(self, statefulset):
        """After a Cluster change: the operator bumps the StatefulSet, then its pods roll."""
        status = statefulset["status"]
        if statefulset["metadata"].get("rolling"):
            statefulset["metadata"]["rolling"] -= 1
            if not statefulset["metadata"]["rolling"]:
                generation = statefulset["metadata"]["generation"]
                status.update(observedGeneration=generation, currentRevision="r%d" % generation,
                              updateRevision="r%d" % generation, readyReplicas=1, updatedReplicas=1)

    # ManagementClient's interface ------------------------------------------------------------

    def _check(self, resource):
        if self.failures:
            raise self.failures[0]
        if resource.group == "k0smotron.io" and not self.crd_installed:
            raise FleetError("The management cluster does not serve %s: the k0smotron operator is not installed."
                             % resource.full_name)

    def get(self, resource, name, namespace=None):
        self.calls.append(("get", resource.plural, name))
        self._check(resource)
        self._operator_tick(resource, namespace, name)
        obj = self.objects.get(_key(resource, namespace, name))
        if resource is client_module.STATEFULSET and obj:
            self._roll_statefulset(obj)
        return copy.deepcopy(obj)

    def list(self, resource, namespace=None, label_selector=None, field_selector=None):
        self.calls.append(("list", resource.plural, namespace))
        self._check(resource)
        items = [copy.deepcopy(o) for (plural, ns, _n), o in sorted(self.objects.items())
                 if plural == resource.plural and (namespace is None or ns == namespace)]
        if label_selector:
            wanted = dict(part.split("=", 1) for part in label_selector.split(","))
            items = [o for o in items if all(
                (o["metadata"].get("labels") or {}).get(k) == v for k, v in wanted.items())]
        return items

    def apply(self, resource, obj, dry_run=False, force=False):
        self.calls.append(("apply-dry" if dry_run else "apply", resource.plural, obj["metadata"]["name"]))
        self._check(resource)
        meta = obj["metadata"]
        key = _key(resource, meta["namespace"], meta["name"])
        current = copy.deepcopy(self.objects.get(key)) or {
            "apiVersion": obj["apiVersion"], "kind": obj["kind"],
            "metadata": {"name": meta["name"], "namespace": meta["namespace"], "generation": 0,
                         "uid": "uid-1", "resourceVersion": "1"}}
        merged = copy.deepcopy(current)
        for field in ("labels", "annotations"):
            if meta.get(field):
                merged["metadata"].setdefault(field, {}).update(meta[field])
        spec = copy.deepcopy(obj.get("spec") or {})
        spec.setdefault("replicas", 1)
        spec.setdefault("image", "quay.io/k0sproject/k0s")
        if merged.get("spec") != spec or merged["metadata"] != current["metadata"] or key not in self.objects:
            merged["spec"] = spec
            merged["metadata"]["generation"] += 1
            merged["metadata"]["resourceVersion"] = str(int(merged["metadata"]["resourceVersion"]) + 1)
        if not dry_run:
            changed = self.objects.get(key) != merged
            self.objects[key] = merged
            self._polls[key] = 0
            statefulset = self.objects.get(_key(client_module.STATEFULSET, meta["namespace"], "kmc-" + meta["name"]))
            if statefulset and changed:
                statefulset["metadata"]["generation"] += 1
                statefulset["metadata"]["rolling"] = 3
                statefulset["status"].update(updateRevision="next", readyReplicas=0)
        return copy.deepcopy(merged)

    def create(self, resource, obj):
        self.calls.append(("create", resource.plural, obj["metadata"]["name"]))
        self._check(resource)
        meta = obj["metadata"]
        key = _key(resource, meta["namespace"], meta["name"])
        if key in self.objects:
            raise FleetError("already exists")
        created = copy.deepcopy(obj)
        created["metadata"]["creationTimestamp"] = self.now()
        self.objects[key] = created
        self._polls[key] = 0
        return copy.deepcopy(created)

    def delete(self, resource, name, namespace=None, propagation="Background"):
        self.calls.append(("delete", resource.plural, name))
        self._check(resource)
        obj = self.objects.pop(_key(resource, namespace, name), None)
        if obj is None:
            return False
        if resource is client_module.JOIN_TOKEN_REQUEST:
            self.invalidated.append(obj.get("status", {}).get("tokenID"))
            self.objects.pop(_key(client_module.SECRET, namespace, name), None)
        if resource is client_module.CLUSTER:
            for key in [k for k in self.objects if k[1] == namespace and k[2].startswith(name)]:
                self.objects.pop(key)
        return True

    def ensure_served(self, resource):
        self._check(resource)

    @staticmethod
    def now():
        return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def writes(self):
        return [c for c in self.calls if c[0] in ("apply", "create", "delete")]


def assert_no_secret(result):
    """Fail if the token or any part of the kubeconfig reached the result."""
    text = json.dumps(result)
    for secret in (TOKEN, base64.b64encode(TOKEN.encode()).decode(), BOOTSTRAP_SECRET, "Q0VSVC1TRUNSRVQ=",
                   "S0VZLVNFQ1JFVA==",
                   "Q0EtREFUQS1TRUNSRVQ=", "client-key-data"):
        assert secret not in text, "secret material %r leaked into the result" % secret
