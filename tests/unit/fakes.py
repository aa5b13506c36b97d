# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test doubles at the Kubernetes API boundary.

``FakeManagementAPI`` stands in for the management cluster with the k0smotron operator: it keeps
objects in memory, answers the calls ``ManagementClient`` makes, and plays the operator's part
(control-plane pods becoming ready, tokens minted into Secrets) a configurable number of polls
later. Its server-side apply keeps field managers (a field applied before and left out is
removed, another manager's field is a conflict), its Cluster gets k0smotron's schema defaults,
and a create of an existing object is an AlreadyExists. Every behaviour proven here is proven
again against a real API server (tests/integration) or the real lab.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy
import datetime
import gzip
import json

from ansible_collections.k0smotron.fleet.plugins.module_utils import _resources as resources
from ansible_collections.k0smotron.fleet.plugins.module_utils._constants import FIELD_MANAGER
from ansible_collections.k0smotron.fleet.plugins.module_utils._k0smotron import _cluster_status as cluster_status
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError, translate_api_error

# Values that must never appear in a module's result: tests scan every result for them.
BOOTSTRAP_SECRET = "0123456789abcdef"


def make_join_token(token_id, secret=BOOTSTRAP_SECRET):
    """A join token as k0s makes it: base64 of a gzipped kubeconfig holding a bootstrap token."""
    kubeconfig = (
        "apiVersion: v1\nkind: Config\nclusters:\n- name: k0s\n  cluster:\n    server: https://10.0.0.5:30443\n"
        "users:\n- name: kubelet-bootstrap\n  user:\n    token: %s.%s\n" % (token_id, secret))
    return base64.b64encode(gzip.compress(kubeconfig.encode(), mtime=0)).decode()


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


class FakeStatusError(Exception):
    """What the kubernetes client raises for an HTTP error: a status and a Status body."""

    def __init__(self, status, reason, message, details=None):
        super(FakeStatusError, self).__init__(message)
        self.status = status
        self.body = json.dumps({"kind": "Status", "reason": reason, "message": message, "details": details or {}})


# Server-side apply, reduced to what the modules rely on: a field is a path through maps (lists
# are atomic, as in the Cluster's schema); each manager owns the paths it applied last.

def _paths(value, prefix=()):
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    else:
        yield prefix


def _get(obj, path):
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj


def _set(obj, path, value):
    for key in path[:-1]:
        obj = obj.setdefault(key, {})
    obj[path[-1]] = copy.deepcopy(value)


def _remove(obj, path):
    parents = []
    for key in path[:-1]:
        if not isinstance(obj, dict) or key not in obj:
            return
        parents.append((obj, key))
        obj = obj[key]
    if isinstance(obj, dict):
        obj.pop(path[-1], None)
    # Maps left empty go too (their own entry was not applied by anyone).
    while parents and parents[-1][0][parents[-1][1]] == {}:
        parent, key = parents.pop()
        parent.pop(key)


def _fields_v1(paths):
    tree = {}
    for path in paths:
        node = tree
        for key in path:
            node = node.setdefault("f:" + key, {})
    return tree


def _cluster_defaults(spec):
    """The schema defaults of k0smotron v2.1.0's Cluster (with its webhook's storage default)."""
    spec.setdefault("replicas", 1)
    spec.setdefault("image", "quay.io/k0sproject/k0s")
    service = spec.setdefault("service", {})
    service.setdefault("type", "ClusterIP")
    service.setdefault("apiPort", 30443)
    service.setdefault("konnectivityPort", 30132)
    spec.setdefault("storage", {}).setdefault("type", "etcd")


class FakeHostedAPI:
    """A hosted cluster's own API, as far as tokens need it: Secrets in kube-system."""

    def __init__(self):
        self.objects = {}
        self.reachable = True
        self.calls = []
        self.config = None

    @staticmethod
    def unreachable():
        return FleetError("Cannot reach the hosted cluster's API at https://10.0.0.5:30443: timed out.")

    def get(self, resource, name, namespace=None):
        self.calls.append(("get", resource.plural, name))
        if not self.reachable:
            raise self.unreachable()
        return copy.deepcopy(self.objects.get(_key(resource, namespace, name)))

    def add_bootstrap_token(self, token_id):
        self.objects[_key(resources.SECRET, "kube-system", "bootstrap-token-" + token_id)] = {
            "metadata": {"name": "bootstrap-token-" + token_id, "namespace": "kube-system"},
            "type": "bootstrap.kubernetes.io/token", "data": {"token-id": base64.b64encode(token_id.encode()).decode()}}

    def lose_state(self):
        """What a control plane on an emptyDir forgets when its pod is replaced."""
        self.objects.clear()


class FakeManagementAPI:
    """An in-memory management cluster with k0smotron, answering ManagementClient's calls."""

    def __init__(self, polls_until_ready=2, polls_until_token=1):
        self.objects = {}
        self.owners = {}  # object key -> {field manager: set of paths it applied}
        self.calls = []
        self.host = "https://management.test:6443"
        self.crd_installed = True
        self.polls_until_ready = polls_until_ready
        self.polls_until_token = polls_until_token
        # Looks at the StatefulSet before the operator carries a Cluster change into it.
        self.operator_delay = 0
        self.invalidated = []
        self.failures = []  # exceptions every call raises, to simulate an API that fails
        self.apply_failures = []  # exceptions the next applies raise
        self.double_mint = False
        # An object another host creates between this module's read and its create.
        self.created_meanwhile = None
        self.hosted = FakeHostedAPI()
        self.warn = None  # set by FleetModule, as on ManagementClient
        self.apply_warnings = []  # what the API server would say in Warning headers on an apply
        self._polls = {}

    # The operator's part ------------------------------------------------------------------

    def _operator_tick(self, resource, namespace, name):
        key = _key(resource, namespace, name)
        obj = self.objects.get(key)
        if obj is None:
            return
        self._polls[key] = self._polls.get(key, 0) + 1
        if resource is resources.CLUSTER and self._polls[key] > self.polls_until_ready:
            self._make_ready(obj)
        if resource is resources.JOIN_TOKEN_REQUEST and self._polls[key] > self.polls_until_token:
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
        secret_key = _key(resources.SECRET, namespace, "%s-kubeconfig" % name)
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
        self.objects[_key(resources.SECRET, meta["namespace"], meta["name"])] = {
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
            "data": {"token": base64.b64encode(token.encode()).decode()}}
        self.hosted.add_bootstrap_token(token_id)

    def add_statefulset(self, namespace, name, generation=1):
        """The control-plane StatefulSet, rolled out at ``generation``, running the Cluster's image."""
        cluster = self.objects.get(_key(resources.CLUSTER, namespace, name)) or {"spec": {}}
        self.objects[_key(resources.STATEFULSET, namespace, "kmc-%s" % name)] = {
            "metadata": {"name": "kmc-%s" % name, "namespace": namespace, "generation": generation},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [
                {"name": "controller", "image": cluster_status.image_of(cluster["spec"])}]}}},
            "status": {"observedGeneration": generation, "updatedReplicas": 1, "readyReplicas": 1,
                       "currentRevision": "r%d" % generation, "updateRevision": "r%d" % generation}}

    def _carry_change(self, statefulset, cluster):
        """The operator writes a Cluster change into the StatefulSet; its pods start to roll."""
        statefulset["metadata"]["generation"] += 1
        statefulset["metadata"]["rolling"] = 3
        statefulset["spec"]["template"]["spec"]["containers"][0]["image"] = cluster_status.image_of(cluster["spec"])
        statefulset["status"].update(updateRevision="next", readyReplicas=0)

    def _roll_statefulset(self, statefulset):
        """After a Cluster change: the operator bumps the StatefulSet, then its pods roll."""
        meta = statefulset["metadata"]
        if meta.get("pending"):
            meta["pending"] -= 1
            if not meta["pending"]:
                self._carry_change(statefulset, self.objects[meta.pop("cluster")])
            return
        status = statefulset["status"]
        if meta.get("rolling"):
            meta["rolling"] -= 1
            if not meta["rolling"]:
                generation = meta["generation"]
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
        if resource is resources.STATEFULSET and obj:
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

    def apply(self, resource, obj, dry_run=False, force=False, manager=FIELD_MANAGER):
        """Server-side apply as ``manager``: removes what it applied before and no longer sends,
        refuses to change another manager's fields without ``force``, then defaults."""
        self.calls.append(("apply-dry" if dry_run else "apply", resource.plural, obj["metadata"]["name"]))
        self._check(resource)
        if self.apply_failures:
            raise self.apply_failures.pop(0)
        meta = obj["metadata"]
        key = _key(resource, meta["namespace"], meta["name"])
        before = self.objects.get(key)
        live = copy.deepcopy(before) or {
            "apiVersion": obj["apiVersion"], "kind": obj["kind"],
            "metadata": {"name": meta["name"], "namespace": meta["namespace"], "generation": 0,
                         "uid": "uid-1", "resourceVersion": "1", "creationTimestamp": self.now()}}
        owners = copy.deepcopy(self.owners.get(key, {}))
        # What the object declares: spec (a Cluster's), or data and type (ConfigMaps, Secrets), and
        # the metadata the modules set.
        declared = dict((k, v) for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata", "status"))
        if resource is resources.CLUSTER:
            declared["spec"] = obj.get("spec") or {}
        for field in ("labels", "annotations", "ownerReferences"):
            if meta.get(field):
                declared.setdefault("metadata", {})[field] = meta[field]
        applied = set(p for p in _paths(declared) if p)
        conflicts = sorted((other, path) for other, paths in owners.items() if other != manager
                           for path in applied & paths if _get(live, path) != _get(declared, path))
        if conflicts and not force:
            raise translate_api_error(FakeStatusError(
                409, "Conflict", "Apply failed with %d conflict(s): %s" % (len(conflicts), "; ".join(
                    'conflict with "%s": .%s' % (other, ".".join(path)) for other, path in conflicts))),
                "patch", resource.full_name, meta["name"], meta["namespace"], self.host)
        for other, path in conflicts:
            owners[other].discard(path)
        for path in owners.get(manager, set()) - applied:
            if not any(path in paths for other, paths in owners.items() if other != manager):
                _remove(live, path)
        for path in sorted(applied):
            _set(live, path, _get(declared, path))
        owners[manager] = applied
        if resource is resources.CLUSTER:
            _cluster_defaults(live.setdefault("spec", {}))
        if resource is resources.SERVICE:
            live["spec"].setdefault("clusterIP", "10.96.0.10")  # allocated by the server, owned by no one
        live["metadata"]["managedFields"] = [
            {"manager": m, "operation": "Apply", "apiVersion": obj["apiVersion"], "fieldsType": "FieldsV1",
             "fieldsV1": _fields_v1(paths)} for m, paths in sorted(owners.items()) if paths]
        spec_changed = before is None or before.get("spec") != live.get("spec")
        if spec_changed:
            live["metadata"]["generation"] += 1
        if before is None or strip(before) != strip(live):
            live["metadata"]["resourceVersion"] = str(int(live["metadata"]["resourceVersion"]) + 1)
        if self.warn:
            for text in self.apply_warnings:
                self.warn("The management cluster says: %s" % text)
        if not dry_run:
            changed = before != live
            self.objects[key] = live
            self.owners[key] = owners
            self._polls[key] = 0
            statefulset = self.objects.get(_key(resources.STATEFULSET, meta["namespace"], "kmc-" + meta["name"]))
            if statefulset and changed:
                if self.operator_delay:
                    statefulset["metadata"].update(pending=self.operator_delay, cluster=key)
                else:
                    self._carry_change(statefulset, live)
        return copy.deepcopy(live)

    def create(self, resource, obj):
        self.calls.append(("create", resource.plural, obj["metadata"]["name"]))
        self._check(resource)
        meta = obj["metadata"]
        key = _key(resource, meta["namespace"], meta["name"])
        if self.created_meanwhile is not None:
            other, self.created_meanwhile = self.created_meanwhile, None
            other = copy.deepcopy(other)
            other["metadata"].setdefault("creationTimestamp", self.now())
            self.objects[key] = other
            self._polls[key] = 0
        if key in self.objects:
            raise translate_api_error(FakeStatusError(
                409, "AlreadyExists", '%s "%s" already exists' % (resource.full_name, meta["name"]),
                {"name": meta["name"], "kind": resource.plural}),
                "create", resource.full_name, meta["name"], meta["namespace"], self.host)
        created = copy.deepcopy(obj)
        created["metadata"]["creationTimestamp"] = self.now()
        self.objects[key] = created
        self._polls[key] = 0
        return copy.deepcopy(created)

    def delete(self, resource, name, namespace=None, propagation="Background"):
        self.calls.append(("delete", resource.plural, name))
        self._check(resource)
        obj = self.objects.pop(_key(resource, namespace, name), None)
        self.owners.pop(_key(resource, namespace, name), None)
        if obj is None:
            return False
        if resource is resources.JOIN_TOKEN_REQUEST:
            self.invalidated.append(obj.get("status", {}).get("tokenID"))
            self.objects.pop(_key(resources.SECRET, namespace, name), None)
        if resource is resources.CLUSTER:
            # What k0smotron made for this Cluster, and only for it (shop-10 is not shop-1's).
            made = [_key(resources.SECRET, namespace, "%s-kubeconfig" % name),
                    _key(resources.STATEFULSET, namespace, "kmc-%s" % name)]
            for key, other in list(self.objects.items()):
                if key[0] == "jointokenrequests" and key[1] == namespace and other["spec"]["clusterName"] == name:
                    made += [key, _key(resources.SECRET, namespace, key[2])]
            for key in made:
                self.objects.pop(key, None)
        return True

    def ensure_served(self, resource):
        self._check(resource)

    @staticmethod
    def now():
        return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def writes(self):
        return [c for c in self.calls if c[0] in ("apply", "create", "delete")]


def strip(obj):
    """An object without what apply itself changes (versions), to tell whether anything else did."""
    clean = copy.deepcopy(obj)
    clean["metadata"].pop("resourceVersion", None)
    return clean


def assert_no_secret(result):
    """Fail if the token or any part of the kubeconfig reached the result."""
    text = json.dumps(result)
    for secret in (TOKEN, base64.b64encode(TOKEN.encode()).decode(), BOOTSTRAP_SECRET, "Q0VSVC1TRUNSRVQ=",
                   "S0VZLVNFQ1JFVA==",
                   "Q0EtREFUQS1TRUNSRVQ=", "client-key-data"):
        assert secret not in text, "secret material %r leaked into the result" % secret
