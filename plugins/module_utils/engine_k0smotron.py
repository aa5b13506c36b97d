# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``k0smotron`` engine: hosted control planes made by an installed k0smotron operator.

The modules declare k0smotron objects (``Cluster``, ``JoinTokenRequest``) and wait for the
operator to act on them: it creates the control plane's objects, mints tokens by ``exec`` in a
control-plane pod and keeps the admin kubeconfig in a Secret. Each public function here is what
one module does with this engine: ``cluster``, ``cluster_info``, ``kubeconfig``, ``join_token``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import os

from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.k0smotron.fleet.plugins.module_utils import cluster as model
from ansible_collections.k0smotron.fleet.plugins.module_utils import tokens
from ansible_collections.k0smotron.fleet.plugins.module_utils.args import (
    default_token_name,
    parse_go_duration,
    validate_dns_label,
    validate_dns_subdomain,
    validate_k0s_version,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils.client import (
    CLUSTER,
    EVENT,
    FIELD_MANAGER,
    JOIN_TOKEN_REQUEST,
    POD,
    SECRET,
    STATEFULSET,
    ManagementClient,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils.errors import FleetError, WaitTimeout
from ansible_collections.k0smotron.fleet.plugins.module_utils.k8s_state import describe_events, describe_pods
from ansible_collections.k0smotron.fleet.plugins.module_utils.files import (
    remove_file,
    secret_file_state,
    write_secret_file,
)

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML comes with ansible-core
    HAS_YAML = False


# The longest a join_token run waits for the hosted API when it checks a token there: a control
# plane exposed on an address the module cannot reach must not cost a whole request_timeout.
HOSTED_CHECK_SECONDS = 10


# --- cluster ----------------------------------------------------------------------------------

def validate_cluster(params):
    """Everything that can be wrong with the options, found before any API call.

    Returns the Cluster object to apply (None for state=absent).
    """
    validate_dns_label("name", params["name"])
    validate_dns_label("namespace", params["namespace"])
    if params["state"] == "absent":
        return None
    if not params.get("version"):
        raise FleetError(
            "version is required with state=present.",
            hint="Pin the control plane's k0s version, for example version: v1.36.3+k0s.0.")
    validate_k0s_version("version", params["version"])
    if params.get("replicas") is not None and params["replicas"] < 1:
        raise FleetError("replicas must be at least 1, got %d." % params["replicas"],
                         hint="Use state=absent to remove a control plane.")
    persistence = params.get("persistence") or {}
    if persistence.get("type") == "hostPath" and not persistence.get("host_path"):
        raise FleetError("persistence.type=hostPath needs persistence.host_path.",
                         hint="Give the directory on the management node, for example /var/lib/k0smotron/NAME.")
    if persistence.get("type") == "pvc" and not persistence.get("persistent_volume_claim"):
        raise FleetError("persistence.type=pvc needs persistence.persistent_volume_claim.",
                         hint="Give the claim template, with spec.resources.requests.storage at least.")
    service = params.get("service") or {}
    for port in ("api_port", "konnectivity_port"):
        value = service.get(port)
        if value is not None and not 1 <= value <= 65535:
            raise FleetError("service.%s must be a port number (1-65535), got %d." % (port, value),
                             hint="NodePort services need a port in the cluster's node-port range, 30000-32767 by default.")
    storage = params.get("storage") or {}
    if storage.get("kine_data_source_secret_name"):
        validate_dns_subdomain("storage.kine_data_source_secret_name", storage["kine_data_source_secret_name"])
    replicas = params.get("replicas") or 1
    if replicas > 1 and storage.get("type") == "kine" and not (
            storage.get("kine_data_source_url") or storage.get("kine_data_source_secret_name")):
        raise FleetError(
            "replicas=%d with storage.type=kine needs an external database." % replicas,
            hint="Set storage.kine_data_source_secret_name (or kine_data_source_url), or use replicas: 1.")
    return model.build_cluster(params)


def validate_merged(spec):
    """What can only be judged once the options are merged with the values the Cluster keeps."""
    storage = spec.get("storage") or {}
    kine = storage.get("kine") or {}
    replicas = spec.get("replicas") or 1
    if replicas > 1 and storage.get("type") == "kine" and not (
            kine.get("dataSourceURL") or kine.get("dataSourceSecretName")):
        raise FleetError(
            "replicas=%d with storage.type=kine needs an external database, and the Cluster has none." % replicas,
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
    summary = model.summarize(obj) if obj else {}
    return lines, dict(conditions=summary.get("conditions", {}), pods=pods, events=events)


def explain(exc, lines):
    """Put the diagnosis after the timeout's message, and a hint that points at it."""
    exc.msg = "%s Diagnosis: %s." % (exc.msg, "; ".join(lines))
    exc.hint = ("Raise wait_timeout if the site is slow (the k0s image is large, and k0smotron's readiness probe "
                "waits a minute), or act on the diagnosis.")


def wait_ready(module, client, name, namespace, statefulset_generation=None, image=None):
    """Wait until the Cluster is ready and, after a change to an existing one, its pods rolled.

    ``image``: after a change of version or image, the image the StatefulSet must come to run.
    """
    waiter = module.waiter()
    what = "Cluster %s/%s to be ready" % (namespace, name)
    # How long k0smotron may take to carry a change into the StatefulSet before we conclude
    # the change does not touch it.
    settle = max(10, 2 * module.params["wait_sleep"])
    last = {}

    def fetch():
        last["obj"] = client.get(CLUSTER, name, namespace)
        return last["obj"]

    def check(obj):
        ready, state = model.readiness(obj)
        if not ready or statefulset_generation is None:
            return ready, state
        statefulset = client.get(STATEFULSET, model.statefulset_name(name), namespace)
        return model.rollout(statefulset, statefulset_generation, waiter.seconds() >= settle, image)

    try:
        obj = waiter.until(what, fetch, check)
    except WaitTimeout as exc:
        lines, details = diagnose(client, name, namespace, last.get("obj"))
        exc.details.update(details)
        exc.details["cluster"] = model.redact(last.get("obj"))
        explain(exc, lines)
        raise
    return obj, waiter


def wait_gone(module, client, name, namespace):
    """Wait until the Cluster and its control-plane pods are gone."""
    waiter = module.waiter()

    def fetch():
        obj = client.get(CLUSTER, name, namespace)
        pods = client.list(POD, namespace, label_selector=model.pod_selector(name)) if obj is None else None
        return obj, pods

    def check(found):
        obj, pods = found
        if obj is not None:
            return False, "the Cluster is still present (finalizers: %s)" % ", ".join(
                (obj.get("metadata") or {}).get("finalizers") or ["none"])
        if pods:
            return False, "%d control-plane pods still terminating" % len(pods)
        return True, "deleted"

    waiter.until("Cluster %s/%s and its control plane to be deleted" % (namespace, name), fetch, check,
                 hint="Raise wait_timeout if the site is slow; a Cluster that stays has a finalizer that the "
                      "k0smotron operator removes once it cleaned up, so check that the operator runs.")
    return waiter


def run_absent(module, client, current):
    params = module.params
    result = dict(changed=False, cluster={}, ready=False, state="the Cluster does not exist", waited=0.0)
    if current is None:
        return result
    protect_all(module, current)
    result["changed"] = True
    if module._diff:
        result["diff"] = dict(before=model.redact(model.comparable(current)), after={})
    if module.check_mode:
        return result
    client.delete(CLUSTER, params["name"], params["namespace"])
    module.made_changes = True
    if params["wait"]:
        waiter = wait_gone(module, client, params["name"], params["namespace"])
        result.update(waited=round(waiter.elapsed, 1), wait_progress=waiter.history)
    return result


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


def warn_about_restart(module, current):
    persistence = ((current.get("spec") or {}).get("persistence") or {}).get("type") or "emptyDir"
    if persistence == "emptyDir":
        module.warn(
            "Cluster '%s' keeps its state in an emptyDir: a change that restarts its control-plane pods "
            "(version, annotations, resources...) loses the hosted cluster's data, Node objects included. "
            "Use persistence type hostPath or pvc for clusters that must keep their state."
            % current["metadata"]["name"])


def protect_all(module, *objs):
    """Mask every secret value of these Clusters (a live one may hold a URL the options do not)."""
    for obj in objs:
        for value in model.secret_values(obj):
            module.protect(value)


def run_present(module, client, current, desired):
    params = module.params
    protect_all(module, current, desired)
    if current is not None:
        if model.same_version((current.get("spec") or {}).get("version"), params["version"]):
            # v1.36.3+k0s.0 and v1.36.3-k0s.0 are one release: keep the form already stored.
            desired["spec"]["version"] = current["spec"]["version"]
        # What this collection set before and the options now leave out is sent again, so that a
        # run naming only the version keeps the datastore, the Service and everything else.
        desired = model.keep_unsent(desired, current, FIELD_MANAGER)
        validate_merged(desired["spec"])
    # The dry run validates through the API and admission webhooks and tells what would change.
    planned = client.apply(CLUSTER, desired, dry_run=True, force=params["force_conflicts"])
    protect_all(module, planned)
    # Compared in clear: a rotated database password is a change, although the diff masks it.
    changed = current is None or model.comparable(current) != model.comparable(planned)
    statefulset_generation = None
    image = None
    if changed and current is not None:
        refuse_label_change(current, planned)
        warn_about_restart(module, current)
        statefulset = client.get(STATEFULSET, model.statefulset_name(params["name"]), params["namespace"])
        statefulset_generation = ((statefulset or {}).get("metadata") or {}).get("generation")
        if model.image_of(planned.get("spec") or {}) != model.image_of(current.get("spec") or {}):
            image = model.image_of(planned.get("spec") or {})
    obj = planned if changed else current
    if changed and not module.check_mode:
        obj = client.apply(CLUSTER, desired, force=params["force_conflicts"])
        module.made_changes = True
        protect_all(module, obj)

    result = dict(changed=changed, waited=0.0)
    if module._diff and changed:
        result["diff"] = dict(before=model.redact(model.comparable(current)) or {},
                              after=model.redact(model.comparable(planned)))
    if params["wait"] and not module.check_mode:
        obj, waiter = wait_ready(module, client, params["name"], params["namespace"], statefulset_generation, image)
        result.update(waited=round(waiter.elapsed, 1), wait_progress=waiter.history)
    ready, state = model.readiness(obj)
    result.update(
        cluster=model.redact(obj),
        ready=ready,
        state=state,
        api_endpoint=model.api_endpoint(obj),
        kubeconfig_secret=model.kubeconfig_secret_name(params["name"]),
    )
    return result


def cluster(module):
    """The ``cluster`` module: declare a k0smotron Cluster and wait for the operator."""
    desired = validate_cluster(module.params)
    client = module.client
    current = client.get(CLUSTER, module.params["name"], module.params["namespace"])
    if desired is None:
        return run_absent(module, client, current)
    return run_present(module, client, current, desired)


# --- cluster_info -----------------------------------------------------------------------------

def cluster_info(module):
    """The ``cluster_info`` module: summaries of the k0smotron Clusters asked for."""
    params = module.params
    if params["namespace"] is not None:
        validate_dns_label("namespace", params["namespace"])
    if params["name"] is not None:
        validate_dns_label("name", params["name"])
        if params["namespace"] is None:
            raise FleetError("name needs namespace.", hint="Give the namespace of the Cluster too.")
    client = module.client
    if params["name"]:
        obj = client.get(CLUSTER, params["name"], params["namespace"])
        if obj is None:
            client.ensure_served(CLUSTER)
        found = [obj] if obj is not None else []
    else:
        found = client.list(CLUSTER, params["namespace"], label_selector=",".join(params["label_selectors"]))
    found.sort(key=lambda o: ((o.get("metadata") or {}).get("namespace"), (o.get("metadata") or {}).get("name")))
    protect_all(module, *found)
    clusters = []
    for obj in found:
        summary = model.summarize(obj)
        summary["resource"] = model.redact(obj)
        clusters.append(summary)
    return dict(changed=False, clusters=clusters)


# --- join_token -------------------------------------------------------------------------------

def validate_token(params):
    validate_dns_label("cluster", params["cluster"])
    validate_dns_label("namespace", params["namespace"])
    if not params["name"]:
        params["name"] = default_token_name(params["cluster"], params["role"], params["dest"])
    validate_dns_subdomain("name", params["name"])
    expiry = parse_go_duration("expiry", params["expiry"])
    renew_before = parse_go_duration("renew_before", params["renew_before"], allow_zero=True)
    if params["state"] == "present":
        if not params["dest"]:
            raise FleetError("dest is required with state=present.",
                             hint="Give a path for the token file in a directory the user running the module can "
                                  "write, for example ~/.cache/k0smotron-fleet/tokens/HOST.token.")
        if renew_before >= expiry:
            raise FleetError(
                "renew_before (%s) must be shorter than expiry (%s), or every run would mint a new token."
                % (params["renew_before"], params["expiry"]),
                hint="Lower renew_before or raise expiry.")
    return expiry, renew_before


class TokenRun:
    """One run of the module against one JoinTokenRequest."""

    def __init__(self, module, expiry, renew_before):
        self.module = module
        self.params = module.params
        self.client = module.client
        self.expiry = expiry
        self.renew_before = renew_before
        self.waited = 0.0

    def _wait(self, what, fetch, check, hint=None):
        waiter = self.module.waiter()
        try:
            return waiter.until(what, fetch, check, hint=hint)
        finally:
            self.waited += waiter.elapsed

    def _get_request(self):
        return self.client.get(JOIN_TOKEN_REQUEST, self.params["name"], self.params["namespace"])

    def _get_secret(self):
        return self.client.get(SECRET, self.params["name"], self.params["namespace"])

    def _delete_request(self):
        self.client.delete(JOIN_TOKEN_REQUEST, self.params["name"], self.params["namespace"])
        self.module.made_changes = True
        self._wait("JoinTokenRequest %s/%s to be deleted and its token invalidated"
                   % (self.params["namespace"], self.params["name"]),
                   self._get_request,
                   lambda r: (r is None, "deleted" if r is None else "k0smotron is invalidating the token"),
                   hint="k0smotron removes the request once it has run 'k0s token invalidate' in a control-plane "
                        "pod: check that the operator and a control-plane pod run.")

    def _wait_for_control_plane(self):
        def check(cluster):
            if cluster is None:
                return False, "the Cluster does not exist"
            ready = (cluster.get("status") or {}).get("readyReplicas") or 0
            return ready >= 1, "%d control-plane pods ready" % ready

        self._wait("a ready control-plane pod of Cluster %s/%s to mint the token"
                   % (self.params["namespace"], self.params["cluster"]),
                   lambda: self.client.get(CLUSTER, self.params["cluster"], self.params["namespace"]), check,
                   hint="Raise wait_timeout if the control plane is still starting; k0smotron.fleet.cluster_info "
                        "says why it is not ready.")

    def _wait_for_token(self):
        state = {"seen": None}

        def fetch():
            state["request"] = self._get_request()
            state["secret"] = self._get_secret() if (state["request"] or {}).get("status", {}).get("tokenID") else None
            return state["request"]

        def check(request):
            done, text = tokens.token_state(request, state.get("secret"), state["seen"])
            state["seen"] = tokens.stored_token_id(request, state.get("secret"))
            return done, text

        self._wait("k0smotron to mint token %s/%s" % (self.params["namespace"], self.params["name"]),
                   fetch, check,
                   hint="k0smotron mints a token by running 'k0s token create' in a control-plane pod and retries "
                        "a failure after a minute: raise wait_timeout, or read the k0smotron operator's log.")
        return state["request"], state["secret"]

    def _hosted_reason(self, request, now):
        """Why the request's token cannot be reused, judged where the token lives: the hosted
        cluster's ``kube-system/bootstrap-token-ID``. None when it can, or cannot be checked (warned)."""
        params = self.params
        token_id = ((request or {}).get("status") or {}).get("tokenID")
        if not token_id:
            return None
        secret_name = model.kubeconfig_secret_name(params["cluster"])
        secret = self.client.get(SECRET, secret_name, params["namespace"])
        encoded = ((secret or {}).get("data") or {}).get("value")
        try:
            if not encoded:
                raise FleetError("the kubeconfig Secret '%s' does not exist" % secret_name)
            self.module.protect(encoded)
            text = to_text(base64.b64decode(encoded))
            self.module.protect(text)
            config = yaml.safe_load(text) if HAS_YAML else None
            if not isinstance(config, dict) or not config.get("clusters"):
                raise FleetError("the kubeconfig Secret '%s' does not hold a kubeconfig" % secret_name)
            for user in config.get("users") or []:
                for value in (user.get("user") or {}).values():
                    if isinstance(value, str):
                        self.module.protect(value)
            server = params.get("hosted_api_url")
            if server:
                for entry in config["clusters"]:
                    entry.setdefault("cluster", {})["server"] = server
            server = server or (config["clusters"][0].get("cluster") or {}).get("server")
            hosted = ManagementClient.from_kubeconfig(
                config, request_timeout=min(params.get("request_timeout") or 30, HOSTED_CHECK_SECONDS),
                where="the hosted cluster %s" % params["cluster"],
                unreachable_hint="Set hosted_api_url to an address of it that is reachable from here.")
            found = hosted.get(SECRET, "bootstrap-token-%s" % token_id, "kube-system")
        except FleetError as exc:
            self.module.warn(
                "Token %s could not be checked in the hosted cluster %s (%s), so it is reused on the management "
                "cluster's word; a control plane that lost its state no longer accepts it. Set hosted_api_url to "
                "an address of the hosted API reachable from here." % (token_id, params["cluster"], exc.msg))
            return None
        return tokens.hosted_token_reason(found, token_id, self.renew_before, now)

    def _create_request(self):
        params = self.params
        try:
            self.client.create(JOIN_TOKEN_REQUEST, tokens.build_request(
                params["name"], params["namespace"], params["cluster"], params["role"], params["expiry"]))
        except FleetError as exc:
            if exc.reason != "AlreadyExists":
                raise
            raise FleetError(
                "JoinTokenRequest '%s' in namespace '%s' was created by another task while this one was making it: "
                "two hosts (or plays) use the same name at the same time." % (params["name"], params["namespace"]),
                hint="Give each host its own name: leave name out (the default is one name per dest file) or use "
                     "the host's inventory name in it, and give each host its own dest.")
        self.module.made_changes = True

    def present(self):
        params = self.params
        cluster = self.client.get(CLUSTER, params["cluster"], params["namespace"])
        if cluster is None and self.module.check_mode:
            # In a checked run the cluster may be one an earlier task would have created.
            self.module.warn("Cluster '%s' does not exist in namespace '%s' (yet): a token would be minted "
                             "once it does." % (params["cluster"], params["namespace"]))
            return self._finish(dict(name=params["name"], namespace=params["namespace"], role=params["role"],
                                     path=params["dest"], minted=True, changed=True), None, None)
        if cluster is None:
            raise FleetError(
                "Cluster '%s' does not exist in namespace '%s'." % (params["cluster"], params["namespace"]),
                hint="Create the hosted control plane first, with k0smotron.fleet.cluster.")
        request = self._get_request()
        now = datetime.datetime.now(datetime.timezone.utc)
        reason = None
        if request is not None:
            reason = "force=true" if params["force"] else tokens.replacement_reason(
                request, params["cluster"], params["role"], self.expiry, self.renew_before, now)
            if reason is None:
                reason = self._hosted_reason(request, now)
        mint = request is None or reason is not None

        result = dict(name=params["name"], namespace=params["namespace"], role=params["role"], path=params["dest"],
                      minted=mint, changed=mint)
        if reason:
            result["replaced_because"] = reason
        if self.module.check_mode and mint:
            return self._finish(result, request, None)

        if mint:
            if request is not None:
                self._delete_request()
            self._wait_for_control_plane()
            self._create_request()
        request, secret = self._wait_for_token()

        encoded = secret["data"]["token"]
        token = base64.b64decode(encoded)
        self.module.protect(encoded)
        self.module.protect(token.decode("utf-8", "replace"))
        _exists, same, mode_ok = secret_file_state(params["dest"], token)
        if not (same and mode_ok):
            result["changed"] = True
            if not self.module.check_mode:
                write_secret_file(params["dest"], token)
                self.module.made_changes = True
        return self._finish(result, request, secret)

    def _finish(self, result, request, secret):
        if request is not None and secret is not None:
            result["token_id"] = (request.get("status") or {}).get("tokenID")
            result["expires_at"] = tokens.format_time(
                tokens.expires_at(request, tokens.expiry_seconds_of(request, self.expiry)))
        if self.module._diff and result["changed"]:
            result["diff"] = dict(
                before={"request": self.params["name"], "path": self.params["dest"]} if request is not None else {},
                after={"request": self.params["name"], "path": self.params["dest"],
                       "token": "(new)" if result["minted"] else "(unchanged)"},
            )
        result["waited"] = round(self.waited, 1)
        return result

    def absent(self):
        params = self.params
        request = self._get_request()
        result = dict(name=params["name"], namespace=params["namespace"], role=params["role"], minted=False,
                      changed=False)
        if params["dest"]:
            result["path"] = params["dest"]
        if request is not None:
            result["changed"] = True
            if not self.module.check_mode:
                self._delete_request()
        if params["dest"] and os.path.lexists(params["dest"]):
            result["changed"] = True
            if not self.module.check_mode:
                remove_file(params["dest"])
                self.module.made_changes = True
        if self.module._diff and result["changed"]:
            result["diff"] = dict(before={"request": params["name"]} if request is not None else {}, after={})
        result["waited"] = round(self.waited, 1)
        return result


def join_token(module):
    """The ``join_token`` module: a JoinTokenRequest minted by the operator, written to dest."""
    expiry, renew_before = validate_token(module.params)
    run = TokenRun(module, expiry, renew_before)
    return run.present() if module.params["state"] == "present" else run.absent()


# --- kubeconfig -------------------------------------------------------------------------------

def render(kubeconfig_text, server):
    """The kubeconfig to write, its server and its context; the server rewritten if asked."""
    try:
        config = yaml.safe_load(kubeconfig_text)
    except yaml.YAMLError:
        config = None
    if not isinstance(config, dict) or not config.get("clusters"):
        raise FleetError(
            "The kubeconfig Secret does not hold a kubeconfig.",
            hint="Check the Secret in the management cluster; k0smotron rewrites it when the control plane restarts.")
    if server:
        for entry in config["clusters"]:
            entry.setdefault("cluster", {})["server"] = server
        text = yaml.safe_dump(config, default_flow_style=False, sort_keys=False)
    else:
        text = kubeconfig_text
    current = config.get("current-context")
    return to_bytes(text), config["clusters"][0].get("cluster", {}).get("server"), current


def kubeconfig(module):
    """The ``kubeconfig`` module: the admin kubeconfig k0smotron keeps in a Secret, written to dest."""
    params = module.params
    validate_dns_label("cluster", params["cluster"])
    validate_dns_label("namespace", params["namespace"])
    if params["server"] and not params["server"].startswith("https://"):
        raise FleetError("server '%s' is not an https URL." % params["server"],
                         hint="Write it as https://ADDRESS:PORT, for example https://192.0.2.10:30443.")
    if not HAS_YAML:
        raise FleetError("PyYAML is required to read kubeconfigs.", hint="Install PyYAML where the module runs.")
    client = module.client
    secret_name = model.kubeconfig_secret_name(params["cluster"])

    def fetch():
        return client.get(SECRET, secret_name, params["namespace"])

    secret = fetch()
    if secret is None and module.check_mode:
        # In a checked run nothing was created, so the kubeconfig may not exist yet.
        module.warn("The kubeconfig Secret '%s' does not exist (yet): the file would be written once it "
                    "does." % secret_name)
        return dict(changed=True, path=params["dest"], server=None, context=None, secret=secret_name)
    if secret is None:
        if client.get(CLUSTER, params["cluster"], params["namespace"]) is None:
            raise FleetError(
                "Cluster '%s' does not exist in namespace '%s'." % (params["cluster"], params["namespace"]),
                hint="Create it first with k0smotron.fleet.cluster.")
        if not params["wait"]:
            raise FleetError(
                "The kubeconfig Secret '%s' does not exist yet." % secret_name,
                hint="k0smotron writes it once a control-plane pod is ready; set wait=true or wait for the cluster.")
        secret = module.waiter().until(
            "kubeconfig Secret %s/%s" % (params["namespace"], secret_name), fetch,
            lambda s: (s is not None, "present" if s is not None else "not created yet"))

    encoded = (secret.get("data") or {}).get("value")
    if not encoded:
        raise FleetError("The Secret '%s' has no key 'value'." % secret_name,
                         hint="Check the Secret; k0smotron writes the kubeconfig under 'value'.")
    kubeconfig_text = to_text(base64.b64decode(encoded))
    module.protect(kubeconfig_text)
    module.protect(encoded)
    content, server, context = render(kubeconfig_text, params["server"])

    exists, same, mode_ok = secret_file_state(params["dest"], content)
    changed = not (same and mode_ok)
    result = dict(changed=changed, path=params["dest"], server=server, context=context, secret=secret_name)
    if module._diff and changed:
        result["diff"] = dict(
            before={"path": params["dest"], "state": "matches" if same else ("differs" if exists else "absent")},
            after={"path": params["dest"], "server": server, "mode": "0600"},
        )
    if changed and not module.check_mode:
        write_secret_file(params["dest"], content)
        module.made_changes = True
    return result
