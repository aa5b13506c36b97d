# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading the state of ordinary Kubernetes objects, for both engines.

Pure functions over plain dictionaries: what to compare to decide whether an apply changes
anything, how a Secret shows in a diff, whether a StatefulSet has rolled out, and why pods are
not running, in words a timeout message can carry.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy

HIDDEN = "(hidden)"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_VOLATILE_METADATA = ("resourceVersion", "managedFields", "generation", "creationTimestamp", "uid", "selfLink")


def strip_volatile(obj):
    """A copy of ``obj`` without what the server changes on its own (status, versions, timestamps).

    Two of these are equal exactly when an apply would leave the object as it is.
    """
    if not obj:
        return obj
    clean = copy.deepcopy(obj)
    clean.pop("status", None)
    meta = clean.get("metadata") or {}
    for key in _VOLATILE_METADATA:
        meta.pop(key, None)
    drop_last_applied(meta)
    return clean


def drop_last_applied(meta):
    """Remove kubectl's last-applied annotation from ``meta`` (an object's metadata), in place.

    kubectl apply writes it; it repeats the whole object, secrets included.
    """
    annotations = meta.get("annotations") or {}
    annotations.pop(LAST_APPLIED, None)
    if not annotations:
        meta.pop("annotations", None)
    return meta


def secret_bytes(secret, key):
    """The decoded value of ``key`` in a Secret (bytes), or None when it has none."""
    value = ((secret or {}).get("data") or {}).get(key)
    return base64.b64decode(value) if value else None


def hidden_secret(obj):
    """A Secret as a diff may show it: its keys, never its values."""
    if not obj:
        return obj
    shown = copy.deepcopy(obj)
    for field in ("data", "stringData"):
        if field in shown:
            shown[field] = dict((key, HIDDEN) for key in shown[field])
    return shown


def statefulset_rollout(statefulset, generation_before=None):
    """``(done, state)``: every replica of the StatefulSet runs its current template and is ready.

    With ``generation_before`` (the generation before a change was applied) the controller must
    also have seen a newer generation, so a rollout that has not started yet is not taken as done.
    """
    if statefulset is None:
        return False, "the StatefulSet does not exist"
    name = statefulset["metadata"]["name"]
    generation = statefulset["metadata"].get("generation") or 0
    status = statefulset.get("status") or {}
    wanted = (statefulset.get("spec") or {}).get("replicas")
    wanted = 1 if wanted is None else wanted
    if generation_before is not None and generation <= generation_before:
        return False, "StatefulSet %s has not taken the change yet" % name
    if (status.get("observedGeneration") or 0) < generation:
        return False, "StatefulSet %s: the controller has not seen generation %d yet" % (name, generation)
    updated = status.get("updatedReplicas") or 0
    ready = status.get("readyReplicas") or 0
    if updated < wanted or ready < wanted or (status.get("replicas") or 0) > wanted or (
            status.get("updateRevision") and status.get("updateRevision") != status.get("currentRevision")):
        return False, "%d/%d control-plane replicas ready, %d/%d updated" % (ready, wanted, updated, wanted)
    return True, "%d/%d control-plane replicas ready" % (ready, wanted)


def describe_pods(pods):
    """Phase and the reason each container is not running, for every control-plane pod."""
    described = []
    for pod in pods:
        status = pod.get("status") or {}
        reasons = []
        for condition in status.get("conditions") or []:
            if condition.get("status") != "True" and condition.get("reason"):
                reasons.append("%s: %s" % (condition.get("reason"), condition.get("message") or ""))
        for container in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
            for key in ("waiting", "terminated"):
                detail = (container.get("state") or {}).get(key)
                if detail and detail.get("reason") and detail.get("reason") != "Completed":
                    reasons.append("%s %s: %s %s" % (
                        container.get("name"), key, detail.get("reason"), detail.get("message") or ""))
            if container.get("restartCount"):
                reasons.append("%s restarted %d times" % (container.get("name"), container["restartCount"]))
        unique = []
        for reason in (r.strip() for r in reasons):
            if reason not in unique:
                unique.append(reason)
        described.append({
            "name": (pod.get("metadata") or {}).get("name"),
            "phase": status.get("phase"),
            "reasons": unique,
        })
    return described


def describe_events(events, names, limit=10):
    """The latest events about the Cluster and the objects k0smotron made for it."""
    related = [e for e in events if (e.get("involvedObject") or {}).get("name") in names]

    def when(event):
        return event.get("lastTimestamp") or event.get("eventTime") or (event.get("metadata") or {}).get(
            "creationTimestamp") or ""

    related.sort(key=when)
    return [
        "%s %s %s/%s: %s" % (
            when(e), e.get("type"), (e.get("involvedObject") or {}).get("kind"),
            (e.get("involvedObject") or {}).get("name"), e.get("message"))
        for e in related[-limit:]
    ]
