# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A k0smotron ``Cluster`` declared, changed, deleted and waited for: the operator builds the control
plane; this collection declares what it wants through the shared applier and watches."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.k0smotron.fleet.plugins.module_utils._constants import FIELD_MANAGER
from ansible_collections.k0smotron.fleet.plugins.module_utils._engine import Watch
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._k0smotron import _cluster_object as model
from ansible_collections.k0smotron.fleet.plugins.module_utils._k0smotron import _cluster_status as status
from ansible_collections.k0smotron.fleet.plugins.module_utils._k8s_state import describe_events, describe_pods
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import CLUSTER, EVENT, POD, STATEFULSET


def validate_options(options, name="", namespace=""):
    """What the k0smotron engine needs of the options, before any API call (the runner checked the rest)."""
    if (options.get("storage") or {}).get("datastore"):
        raise FleetError("storage.datastore (a shared datastore the module makes databases on) is a native engine "
                         "setting.",
                         hint="Use engine: native for it; with engine: k0smotron, give each control plane a data source "
                              "of its own (storage.kine_data_source_secret_name).")
    for key in ("pod_security", "network_policy"):
        if options.get(key) is not None:
            raise FleetError(
                "%s is a native engine setting: k0smotron makes its own pods and no NetworkPolicy." % key,
                hint="Drop %s with engine: k0smotron (its pods' security context is k0smotron's), or use engine: "
                     "native." % key)
    if not options.get("version"):
        raise FleetError(
            "version is required with state=present.",
            hint="Pin the control plane's k0s version, for example version: v1.36.3+k0s.0.")
    validate_spec(model.build_cluster(dict(options, name=name, namespace=namespace))["spec"])


def validate_spec(spec, kept=False):
    """What a Cluster spec needs as a whole: the options alone, or (``kept``) merged with what the
    Cluster keeps."""
    storage = spec.get("storage") or {}
    kine = storage.get("kine") or {}
    replicas = spec.get("replicas") or 1
    if replicas > 1 and storage.get("type") == "kine" and not (
            kine.get("dataSourceURL") or kine.get("dataSourceSecretName")):
        raise FleetError(
            "replicas=%d with storage.type=kine needs an external database%s." % (
                replicas, ", and the Cluster has none" if kept else ""),
            hint="Set storage.kine_data_source_secret_name (or kine_data_source_url), or use replicas: 1.")


# Container states that mean the image cannot be had.
_IMAGE_PROBLEMS = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull")


def _image_problems(pods):
    found = []
    for pod in pods:
        status = pod.get("status") or {}
        for container in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
            waiting = (container.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in _IMAGE_PROBLEMS and container.get("image") not in found:
                found.append(container.get("image"))
    return found


def diagnose(client, name, namespace, obj):
    """What stands in the way of the control plane, in words, for a timeout message."""
    statefulset_name = model.statefulset_name(name)
    lines = []
    if obj is None:
        lines.append("the Cluster does not exist")
    statefulset = client.get(STATEFULSET, statefulset_name, namespace)
    raw_pods = client.list(POD, namespace, label_selector=model.pod_selector(name))
    pods = describe_pods(raw_pods)
    if obj is not None and statefulset is None:
        lines.append("k0smotron has not made StatefulSet %s yet: is the k0smotron operator running? Its "
                     "controller's log says why" % statefulset_name)
    elif statefulset is not None and not pods:
        lines.append("StatefulSet %s has no pods yet: the events below say why (quota, admission, a missing "
                     "service account...)" % statefulset_name)
    elif not pods:
        lines.append("no control-plane pods exist")
    for image in _image_problems(raw_pods):
        lines.append("the image %s cannot be pulled: check version and image, and that the management nodes "
                     "reach its registry" % image)
    for pod in pods:
        lines.append("pod %s is %s%s" % (
            pod["name"], pod["phase"], (": " + "; ".join(pod["reasons"])) if pod["reasons"] else ""))
    names = set([name, statefulset_name] + [p["name"] for p in pods])
    events = describe_events(client.list(EVENT, namespace), names)
    lines.extend("event: " + e for e in events)
    summary = status.summarize(obj) if obj else {}
    return lines, dict(conditions=summary.get("conditions", {}), pods=pods, events=events)


def explain(exc, lines):
    """Put the diagnosis after the timeout's message, and a hint that points at it."""
    exc.msg = "%s Diagnosis: %s." % (exc.msg, "; ".join(lines))
    exc.hint = ("Raise wait_timeout if the site is slow (the k0s image is large, and k0smotron's readiness probe "
                "waits a minute), or act on the diagnosis.")


class ReadyWatch(Watch):
    """Until the Cluster is ready and, after a change to an existing one, its pods rolled.

    ``image``: after a change of version or image, the image the StatefulSet must come to run.
    """

    hint = ("Raise wait_timeout if the site is slow (the k0s image is large, and k0smotron's readiness probe "
            "waits a minute), or act on the diagnosis.")

    def __init__(self, context, name, namespace, statefulset_generation=None, image=None, clock=time.monotonic):
        self.client = context.client
        self.name, self.namespace = name, namespace
        self.statefulset_generation = statefulset_generation
        self.image = image
        # How long k0smotron may take to carry a change into the StatefulSet before we conclude
        # the change does not touch it.
        self.settle = max(10, 2 * context.wait_sleep)
        self.what = "Cluster %s/%s to be ready" % (namespace, name)
        self.obj = None
        self._clock = clock
        self._start = None

    def poll(self):
        if self._start is None:
            self._start = self._clock()
        self.obj = self.client.get(CLUSTER, self.name, self.namespace)
        ready, state = status.readiness(self.obj)
        if not ready or self.statefulset_generation is None:
            return ready, state
        statefulset = self.client.get(STATEFULSET, model.statefulset_name(self.name), self.namespace)
        return status.rollout(statefulset, self.statefulset_generation,
                              self._clock() - self._start >= self.settle, self.image)

    def explain(self, timeout):
        lines, details = diagnose(self.client, self.name, self.namespace, self.obj)
        timeout.details.update(details)
        timeout.details["cluster"] = model.redact(self.obj)
        explain(timeout, lines)

    def finish(self):
        ready, state = status.readiness(self.obj)
        return dict(cluster=model.redact(self.obj), ready=ready, state=state, api_endpoint=status.api_endpoint(self.obj))


class GoneWatch(Watch):
    """Until the Cluster and its control-plane pods are gone."""

    hint = ("Raise wait_timeout if the site is slow; a Cluster that stays has a finalizer that the k0smotron "
            "operator removes once it cleaned up, so check that the operator runs.")

    def __init__(self, context, name, namespace):
        self.client = context.client
        self.name, self.namespace = name, namespace
        self.what = "Cluster %s/%s and its control plane to be deleted" % (namespace, name)

    def poll(self):
        obj = self.client.get(CLUSTER, self.name, self.namespace)
        if obj is not None:
            return False, "the Cluster is still present (finalizers: %s)" % ", ".join(
                (obj.get("metadata") or {}).get("finalizers") or ["none"])
        pods = self.client.list(POD, self.namespace, label_selector=model.pod_selector(self.name))
        if pods:
            return False, "%d control-plane pods still terminating" % len(pods)
        return True, "deleted"


def refuse_label_change(current, planned):
    """k0smotron puts a Cluster's labels into its StatefulSet's selector, which cannot change."""
    before = (current.get("metadata") or {}).get("labels") or {}
    after = (planned.get("metadata") or {}).get("labels") or {}
    if before != after:
        raise FleetError(
            "Changing the labels of the existing Cluster '%s' (from %s to %s) would break it: k0smotron "
            "copies a Cluster's labels into the selector of its control-plane StatefulSet, which Kubernetes "
            "does not allow to change." % (current["metadata"]["name"], before, after),
            hint="Keep the labels the Cluster was created with, or delete it and create it again.")


# What the hosted API's address is made of: k0smotron keeps the kubeconfig Secret it made while its
# client certificate is fresh, whatever the address now is (internal/controller/k0smotron.io/
# k0smotroncluster_kubeconfig.go, reconcileKubeConfigSecret), so after a change its own health check
# dials the old address until the wait times out, and kubeconfigs name the old server (seen on the
# lab with k0smotron v2.1.0 for service.apiPort).
ADDRESS_FIELDS = ((("externalAddress",), "external_address"), (("service", "apiPort"), "service.api_port"),
                  (("service", "type"), "service.type"))


def _field(obj, path):
    value = obj.get("spec") or {}
    for key in path:
        value = (value or {}).get(key)
    return value


def refuse_address_change(current, planned):
    """The address workers and kubeconfigs reach a Cluster at cannot change under k0smotron (above)."""
    changed = ["%s (from %s to %s)" % (option, _field(current, path), _field(planned, path))
               for path, option in ADDRESS_FIELDS if _field(current, path) != _field(planned, path)]
    if changed:
        raise FleetError(
            "Changing the address of the existing Cluster '%s': %s. k0smotron would move the Service but keep the "
            "kubeconfig it made for the old address, so the Cluster would never become ready again and kubeconfigs "
            "would name the old server. Nothing was changed." % (current["metadata"]["name"], ", ".join(changed)),
            hint="Keep the address the Cluster was created with; for a new one, create a new Cluster (and move the "
                 "workers to it), or use engine: native, which changes a control plane's address in place.")


def warn_about_restart(context, current):
    persistence = ((current.get("spec") or {}).get("persistence") or {}).get("type") or "emptyDir"
    if persistence == "emptyDir":
        context.warn(
            "Cluster '%s' keeps its state in an emptyDir: a change that restarts its control-plane pods "
            "(version, annotations, resources...) loses the hosted cluster's data, Node objects included. "
            "Use persistence type hostPath or pvc for clusters that must keep their state."
            % current["metadata"]["name"])


def protect_all(context, *objs):
    """Mask every secret value of these Clusters (a live one may hold a URL the options do not)."""
    for obj in objs:
        for value in model.secret_values(obj):
            context.protect(value)


def absent(context, request):
    result = dict(cluster={}, ready=False, state="the Cluster does not exist", waited=0.0)
    current = context.client.get(CLUSTER, request.name, request.namespace)
    if current is None:
        return result, None
    protect_all(context, current)
    context.applier().delete(CLUSTER, request.name, request.namespace,
                             shown=model.redact(model.comparable(current)))
    return result, None if context.check_mode else GoneWatch(context, request.name, request.namespace)


def present(context, request):
    client = context.client
    name, namespace = request.name, request.namespace
    desired = model.build_cluster(dict(request.options, name=name, namespace=namespace))
    current = client.get(CLUSTER, name, namespace)
    protect_all(context, current, desired)
    if current is not None:
        if model.same_version((current.get("spec") or {}).get("version"), request.options["version"]):
            # v1.36.3+k0s.0 and v1.36.3-k0s.0 are one release: keep the form already stored.
            desired["spec"]["version"] = current["spec"]["version"]
        # What this collection set before and the options now leave out is sent again, so that a
        # run naming only the version keeps the datastore, the Service and everything else.
        desired = model.keep_unsent(desired, current, FIELD_MANAGER)
        validate_spec(desired["spec"], kept=True)
    # The dry run validates through the API and admission webhooks and tells what would change;
    # compared in clear: a rotated database password is a change, although the diff masks it.
    applier = context.applier()
    plan = applier.plan(CLUSTER, desired, current, view=model.comparable, show=model.redact)
    protect_all(context, plan.planned)
    statefulset_generation = None
    image = None
    if plan.changed and current is not None:
        refuse_label_change(current, plan.planned)
        refuse_address_change(current, plan.planned)
        warn_about_restart(context, current)
        statefulset = client.get(STATEFULSET, model.statefulset_name(name), namespace)
        statefulset_generation = ((statefulset or {}).get("metadata") or {}).get("generation")
        if status.image_of(plan.planned.get("spec") or {}) != status.image_of(current.get("spec") or {}):
            image = status.image_of(plan.planned.get("spec") or {})
    obj = applier.commit(plan)
    protect_all(context, obj)

    ready, state = status.readiness(obj)
    result = dict(waited=0.0, cluster=model.redact(obj), ready=ready, state=state,
                  api_endpoint=status.api_endpoint(obj), kubeconfig_secret=model.kubeconfig_secret_name(name))
    watch = None if context.check_mode else ReadyWatch(context, name, namespace, statefulset_generation, image)
    return result, watch


def describe(context, query):
    """Summaries of the Clusters ``query`` names, each with the object as the API has it (redacted)."""
    client = context.client
    if query.name:
        obj = client.get(CLUSTER, query.name, query.namespace)
        if obj is None:
            client.ensure_served(CLUSTER)
        found = [obj] if obj is not None else []
    else:
        found = client.list(CLUSTER, query.namespace, label_selector=",".join(query.label_selectors))
    found.sort(key=lambda o: ((o.get("metadata") or {}).get("namespace"), (o.get("metadata") or {}).get("name")))
    protect_all(context, *found)
    clusters = []
    for obj in found:
        summary = status.summarize(obj)
        summary["resource"] = model.redact(obj)
        clusters.append(summary)
    return clusters
