# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Watching a native control plane come up or go, and saying how it is: the rollout, the hosted API's own
answer (``/readyz``, its nodes), and, when a wait times out, what stands in the way."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils import _k0s as k0s
from ansible_collections.k0smotron.fleet.plugins.module_utils._engine import Watch
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._k8s_state import describe_events, describe_pods, statefulset_rollout
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._names import (
    CLUSTER_LABEL,
    selector_labels,
    workload_name,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import EVENT, NODE, POD


class RolloutWatch(Watch):
    """Until every replica runs the current template and is ready; then the hosted API's own word."""

    hint = "Raise wait_timeout if the management cluster is slow to pull the k0s image, or act on the diagnosis."

    def __init__(self, context, plane, spec, server, generation_before=None, check_nodes=False):
        self.context = context
        self.plane = plane
        self.spec = spec
        self.server = server
        self.generation_before = generation_before
        self.check_nodes = check_nodes
        self.what = "control plane %s/%s to be ready" % (plane.namespace, plane.name)
        self.statefulset = None

    def poll(self):
        self.statefulset = self.plane.statefulset()
        return statefulset_rollout(self.statefulset, self.generation_before)

    def explain(self, timeout):
        lines, details = diagnose(self.plane, self.statefulset)
        timeout.msg = "%s Diagnosis: %s." % (timeout.msg, "; ".join(lines))
        timeout.hint = self.hint
        timeout.details.update(details)

    def finish(self):
        replicas = self.spec["replicas"]
        health = hosted_health(self.plane, nodes=self.check_nodes, server=self.server)
        warn_about_workers(self.context, self.plane.name, self.spec, health)
        return dict(ready=True, state="%d/%d control-plane replicas ready" % (replicas, replicas), api=health)


class GoneWatch(Watch):
    """Until the anchor, the StatefulSet and the pods are gone (the garbage collector deletes the rest)."""

    def __init__(self, plane):
        self.plane = plane
        self.what = "control plane %s/%s and its objects to be deleted" % (plane.namespace, plane.name)

    def poll(self):
        plane = self.plane
        if plane.statefulset() is not None:
            return False, "StatefulSet %s still present" % workload_name(plane.name)
        pods = plane.client.list(POD, plane.namespace, label_selector="%s=%s" % (CLUSTER_LABEL, plane.name))
        if pods:
            return False, "%d control-plane pods still terminating" % len(pods)
        if plane.anchor() is not None:
            return False, "the garbage collector is deleting the control plane's objects"
        return True, "deleted"

    def finish(self):
        return dict(state="deleted")


# What the kubelet and runtimes say when a node or a volume cannot give a pod a user namespace.
USER_NAMESPACE_REFUSED = ("MOUNT_ATTR_IDMAP", "idmap", "user namespaces are not supported", "hostUsers")


def diagnose(plane, sts):
    """What stands in the way, in words: missing objects, pods and their reasons, events."""
    client = plane.client
    lines = []
    if sts is None:
        lines.append("the StatefulSet %s does not exist" % workload_name(plane.name))
    pods = describe_pods(client.list(POD, plane.namespace, label_selector=",".join(
        "%s=%s" % kv for kv in sorted(selector_labels(plane.name).items()))))
    if sts is not None and not pods:
        lines.append("no control-plane pods exist yet (the StatefulSet controller has not made them: check quotas "
                     "and the events below)")
    for pod in pods:
        reasons = (": " + "; ".join(pod["reasons"])) if pod["reasons"] else ""
        lines.append("pod %s is %s%s" % (pod["name"], pod["phase"], reasons))
    names = set([workload_name(plane.name)] + [p["name"] for p in pods])
    events = describe_events(client.list(EVENT, plane.namespace), names)
    lines.extend("event: " + e for e in events)
    said = " ".join(lines)
    if any(sign in said for sign in USER_NAMESPACE_REFUSED):
        lines.append("the node cannot run the pod in a user namespace (pod_security: strict): set pod_security: "
                     "baseline for this control plane, or give it volumes whose filesystem supports idmapped mounts")
    if "violates PodSecurity" in said:
        lines.append("the namespace's Pod Security level refuses the pod: a strict control plane needs a namespace "
                     "that enforces baseline (restricted refuses the SETGID capability k0s needs; README, Security)")
    if not events and not pods and sts is not None:
        lines.append("no events either")
    return lines, dict(pods=pods, events=events)


def hosted_health(plane, nodes=True, server=None):
    """The hosted API's own answer: /readyz, and its nodes. Never fails: unreachable is reported."""
    health = dict(reachable=False, ready=False, nodes=None, nodes_ready=None, kubelet_versions=[])
    try:
        hosted = plane.hosted_client(server)
        health["ready"] = hosted.get_raw("/readyz").strip() == "ok"
        health["reachable"] = True
        if nodes:
            items = hosted.list(NODE)
            health["nodes"] = len(items)
            health["nodes_ready"] = sum(1 for n in items if _node_ready(n))
            health["node_list"] = [
                {"name": n["metadata"]["name"], "ready": _node_ready(n),
                 "kubelet_version": ((n.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion")}
                for n in sorted(items, key=lambda n: n["metadata"]["name"])]
            health["kubelet_versions"] = sorted(set(n["kubelet_version"] for n in health["node_list"]) - {None})
    except FleetError as exc:
        health["error"] = exc.msg
    return health


def _node_ready(node):
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


def warn_about_workers(context, name, spec, health):
    wanted = k0s.minor_of(spec["version"])
    for version in health.get("kubelet_versions") or []:
        if k0s.minor_of(version) != wanted:
            context.warn(
                "Workers of control plane '%s' run kubelet %s, another minor version than the control plane's %s: "
                "upgrade them (playbooks/upgrade.yml) so that they keep joining and getting their configuration."
                % (name, version, spec["version"]))
