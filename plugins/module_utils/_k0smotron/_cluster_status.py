# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How a k0smotron ``Cluster`` stands: readiness from its conditions, the rollout of its StatefulSet,
its endpoint, and the summary ``cluster_info`` gives. Pure functions over plain dictionaries."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._constants import DEFAULT_IMAGE_REPOSITORY
from ansible_collections.k0smotron.fleet.plugins.module_utils._k0smotron._cluster_object import (
    kubeconfig_secret_name,
    statefulset_name,
)


def _conditions(obj):
    return dict((c.get("type"), c) for c in ((obj.get("status") or {}).get("conditions") or []))


def _is_true(condition, generation):
    if not condition or condition.get("status") != "True":
        return False
    observed = condition.get("observedGeneration")
    return not observed or not generation or observed >= generation


def is_exposed(obj):
    """Whether k0smotron will report the cluster ``Available``: it needs an external address,
    which it finds itself for NodePort and LoadBalancer services."""
    spec = obj.get("spec") or {}
    service_type = (spec.get("service") or {}).get("type") or "ClusterIP"
    return bool(spec.get("externalAddress")) or service_type in ("NodePort", "LoadBalancer")


def readiness(obj):
    """``(ready, state)``: whether the control plane is up to date and serving, and why not."""
    if obj is None:
        return False, "the Cluster does not exist"
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    generation = (obj.get("metadata") or {}).get("generation")
    conditions = _conditions(obj)
    wanted = spec.get("replicas") or 1
    ready_replicas = status.get("readyReplicas") or 0
    parts = ["%d/%d control-plane replicas ready" % (ready_replicas, wanted)]

    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        return False, "the Cluster is being deleted"
    required = ["ControlPlaneUpToDate", "KubeconfigSecretAvailable"]
    if is_exposed(obj):
        required.append("Available")
    ready = ready_replicas >= wanted
    for name in required:
        condition = conditions.get(name)
        if _is_true(condition, generation):
            continue
        ready = False
        if condition is None:
            parts.append("%s not reported yet" % name)
        elif condition.get("status") == "True":
            # True, but judged on an older spec: k0smotron has not looked at the change yet.
            parts.append("%s not yet reported for generation %s (last for %s)" % (
                name, generation, condition.get("observedGeneration")))
        else:
            # The message is where k0smotron says why (the health check's error, the address it dialled).
            message = " ".join((condition.get("message") or "").split())
            parts.append("%s=%s (%s%s)" % (name, condition.get("status"), condition.get("reason") or "no reason",
                                           ": " + _shorten(message) if message else ""))
    reconciliation = ((status.get("deprecated") or {}).get("v1beta1") or {}).get("reconciliationStatus")
    if not ready and reconciliation and reconciliation != "Reconciliation successful":
        parts.append("k0smotron says: %s" % reconciliation)
    return ready, ", ".join(parts)


def _shorten(text, limit=240):
    return text if len(text) <= limit else text[:limit - 3] + "..."


def image_of(spec):
    """The control-plane image k0smotron runs for a Cluster spec: IMAGE:VERSION, ``+`` written ``-``."""
    version = (spec.get("version") or "").replace("+k0s.", "-k0s.", 1)
    if version and "-k0s." not in version:
        version += "-k0s.0"
    return "%s:%s" % (spec.get("image") or DEFAULT_IMAGE_REPOSITORY, version)


def _template_images(statefulset):
    template = ((statefulset.get("spec") or {}).get("template") or {}).get("spec") or {}
    return [c.get("image") for c in template.get("containers") or []]


def rollout(statefulset, generation_before, settled, image=None):
    """``(done, state)`` of the control-plane StatefulSet after a change to an existing Cluster.

    A change that generation counting cannot see (annotations, which k0smotron copies into the
    pod template) still rolls the pods, so the StatefulSet is watched too: the change counts as
    taken once its generation moved past ``generation_before``, or as not touching it once
    ``settled`` (enough time passed without k0smotron changing it); then its pods must all be
    updated and ready. With ``image`` (after a change of version or image) no settle time applies:
    the StatefulSet must have changed (its generation, or the image in its template; a user's
    ``patches`` may rewrite the image), however long k0smotron takes, as such a change always
    rolls the pods.
    """
    if statefulset is None or generation_before is None:
        return True, "no control-plane StatefulSet to watch"
    name = (statefulset.get("metadata") or {}).get("name")
    generation = (statefulset.get("metadata") or {}).get("generation") or 0
    status = statefulset.get("status") or {}
    wanted = (statefulset.get("spec") or {}).get("replicas") or 1
    if image and generation <= generation_before and image not in _template_images(statefulset):
        # A new image always changes the template: no settle time ends this wait.
        return False, "waiting for k0smotron to put image %s into StatefulSet %s" % (image, name)
    if generation <= generation_before and not settled and not image:
        return False, "waiting for k0smotron to apply the change to StatefulSet %s" % name
    if (status.get("observedGeneration") or 0) < generation:
        return False, "StatefulSet %s has not seen generation %d yet" % (name, generation)
    updated = status.get("updatedReplicas") or 0
    ready = status.get("readyReplicas") or 0
    if status.get("updateRevision") != status.get("currentRevision") or updated < wanted or ready < wanted:
        return False, "StatefulSet %s rolling out: %d/%d pods updated, %d/%d ready" % (
            name, updated, wanted, ready, wanted)
    return True, "StatefulSet %s rolled out" % name


def api_endpoint(obj):
    """The URL workers and clients reach the hosted API at, when it can be known from the object.

    With a NodePort service and no external address k0smotron picks a node address itself, and
    the kubeconfig Secret is the place to read it from; None is returned then.
    """
    spec = obj.get("spec") or {}
    service = spec.get("service") or {}
    port = service.get("apiPort") or 30443
    if spec.get("externalAddress"):
        return "https://%s:%s" % (spec["externalAddress"], port)
    if (service.get("type") or "ClusterIP") == "ClusterIP":
        metadata = obj.get("metadata") or {}
        return "https://%s.%s.svc:%s" % (statefulset_name(metadata.get("name")), metadata.get("namespace"), port)
    return None


def summarize(obj):
    """The facts about a Cluster that playbooks branch on, beside the raw object."""
    metadata = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    conditions = _conditions(obj)
    ready, state = readiness(obj)
    available = conditions.get("Available") or {}
    return {
        "name": metadata.get("name"),
        "namespace": metadata.get("namespace"),
        "version": spec.get("version"),
        "ready": ready,
        "state": state,
        "available": available.get("status") == "True",
        "replicas": spec.get("replicas") or 1,
        "ready_replicas": status.get("readyReplicas") or 0,
        "updated_replicas": status.get("updatedReplicas") or 0,
        "service_type": (spec.get("service") or {}).get("type") or "ClusterIP",
        "external_address": spec.get("externalAddress"),
        "api_endpoint": api_endpoint(obj),
        "kubeconfig_secret": kubeconfig_secret_name(metadata.get("name")),
        "conditions": dict(
            (name, {"status": c.get("status"), "reason": c.get("reason"), "message": c.get("message")})
            for name, c in conditions.items()),
    }
