#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cluster
short_description: Create, change, delete and wait on k0smotron hosted control planes
version_added: 0.1.0
description:
  - Manages a k0smotron C(Cluster) (API C(k0smotron.io/v1beta2)) in the management cluster. k0smotron runs
    the cluster's k0s control plane as pods there; edge hosts then join it as workers.
  - Applies the object with server-side apply under the field manager C(k0smotron.fleet), so that only
    the fields given here are owned and a second run with the same options changes nothing.
  - Waits by default until the control plane is up to date and serving (after a change to an existing
    Cluster, until its control-plane StatefulSet has rolled out), and on timeout reports the conditions,
    the control-plane pods and recent events.
  - With the default C(emptyDir) persistence, a change that restarts the control-plane pods (version,
    annotations, resources) loses the hosted cluster's state; the module warns when it makes one.
  - In check mode the change is computed by a server-side dry run, so admission webhooks validate it too.
author:
  - k0smotron.fleet maintainers (@k0smotron)
extends_documentation_fragment:
  - k0smotron.fleet.connection
  - k0smotron.fleet.connection.WAIT
  - k0smotron.fleet.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff covers the labels, annotations and spec; a kine data source URL is shown masked.
  idempotent:
    support: full
options:
  name:
    description:
      - Name of the hosted cluster. k0smotron derives Service and StatefulSet names from it (C(kmc-NAME)),
        so it must be a DNS-1123 label.
    type: str
    required: true
  namespace:
    description:
      - Namespace of the Cluster in the management cluster.
    type: str
    default: default
  state:
    description:
      - V(present) creates the Cluster or brings it to the options given; V(absent) deletes it with
        everything k0smotron made for it.
    type: str
    choices: [present, absent]
    default: present
  version:
    description:
      - The k0s version of the control plane, as k0s tags it (V(v1.36.3+k0s.0)); the image-tag form
        V(v1.36.3-k0s.0) is accepted too.
      - Required with O(state=present). k0smotron's own default is a years-old release, so it is never left to it.
      - Workers should run the same minor version or at most one below.
    type: str
  replicas:
    description:
      - Number of control-plane pods. More than one needs shared storage (O(storage.type=kine) with an
        external database, or etcd). Defaults to 1 on the server.
    type: int
  image:
    description:
      - The k0s image, without tag (the tag comes from O(version)). Defaults to C(quay.io/k0sproject/k0s) on the server.
      - Set it to use a mirror, for example V(registry.example.com/k0sproject/k0s).
    type: str
  external_address:
    description:
      - The address (IP or DNS name) workers reach the control plane at. It goes into the API server's
        certificate, the kubeconfig and join tokens.
      - Needed for the C(Available) condition with a ClusterIP service; found by k0smotron for NodePort
        (a node address) and LoadBalancer (the load balancer's address) when not given.
    type: str
  service:
    description:
      - How the control plane is exposed in the management cluster.
      - When not given the server's default applies, a ClusterIP service on ports 30443 and 30132.
    type: dict
    suboptions:
      type:
        description:
          - The Service type.
        type: str
        choices: [ClusterIP, NodePort, LoadBalancer]
        default: ClusterIP
      api_port:
        description:
          - The Kubernetes API port (also the node port with V(NodePort)). k0smotron's default is 30443.
        type: int
      konnectivity_port:
        description:
          - The konnectivity port workers connect back on. k0smotron's default is 30132.
        type: int
  persistence:
    description:
      - Where the control plane keeps its state (certificates, kine's SQLite database). Defaults to an
        emptyDir on the server, which is lost when the pod is rescheduled.
    type: dict
    suboptions:
      type:
        description:
          - The kind of volume.
        type: str
        choices: [emptyDir, hostPath, pvc]
        required: true
      host_path:
        description:
          - The path on the management node, with O(persistence.type=hostPath).
        type: str
      persistent_volume_claim:
        description:
          - The claim template (C(metadata) and C(spec)), with O(persistence.type=pvc).
        type: dict
      auto_delete_pvcs:
        description:
          - Whether to delete the claims when the Cluster is deleted.
        type: bool
  storage:
    description:
      - The control plane's datastore. When not given k0smotron runs an etcd StatefulSet, which needs a
        default StorageClass in the management cluster.
    type: dict
    suboptions:
      type:
        description:
          - V(kine) keeps the state in SQLite (on O(persistence)) or in an external SQL database; V(etcd)
            runs etcd pods; V(nats) runs an embedded NATS.
        type: str
        choices: [etcd, kine, nats]
        required: true
      kine_data_source_secret_name:
        description:
          - Name of a Secret in O(namespace) whose key C(K0SMOTRON_KINE_DATASOURCE_URL) holds kine's data
            source URL. Preferred over O(storage.kine_data_source_url), which puts the database password in the Cluster.
        type: str
      kine_data_source_url:
        description:
          - Kine's data source URL, for example V(postgres://user:pass@db:5432/site1). Masked in results and diffs.
        type: str
      etcd:
        description:
          - The C(spec.storage.etcd) settings (image, args, persistence, defragJob...), as the API names them.
        type: dict
  k0s_config:
    description:
      - The k0s configuration of the control plane, either a whole C(ClusterConfig) or just its C(spec).
        k0smotron overwrites the fields it manages (API address and ports, storage).
    type: dict
  resources:
    description:
      - Compute resources of the control-plane pods, as a Kubernetes C(ResourceRequirements).
    type: dict
  patches:
    description:
      - Patches k0smotron applies to the objects it generates, as C(spec.patches) entries
        (C(target) with C(kind) and C(component), C(patch) with C(type) and C(content)).
    type: list
    elements: dict
  control_plane_flags:
    description:
      - Extra flags for C(k0s controller) in the pods, each one string like V(--enable-metrics-scraper).
    type: list
    elements: str
  manifests:
    description:
      - Volumes (Kubernetes C(Volume) objects) holding manifests that the control plane applies to the hosted cluster.
    type: list
    elements: dict
  mounts:
    description:
      - Extra volumes mounted into the control-plane pods, as C(spec.mounts) entries.
    type: list
    elements: dict
  certificate_refs:
    description:
      - Certificates provided by the user instead of generated ones, as C(spec.certificateRefs) entries.
    type: list
    elements: dict
  labels:
    description:
      - Labels of the Cluster. k0smotron copies them to the objects it generates, the selector of the
        control-plane StatefulSet included, which Kubernetes does not let change.
      - So they are set when the Cluster is created, and a run that would change them on an existing
        Cluster fails before changing anything.
    type: dict
  annotations:
    description:
      - Annotations of the Cluster. k0smotron copies them into the control-plane pods, so changing them
        restarts those pods; the wait then lasts until the new pods are ready.
    type: dict
  spec:
    description:
      - Any other C(Cluster.spec) fields, as the API names them (for example C(ingress), C(monitoring),
        C(topologySpreadConstraints)). An option above and the same field here must agree.
    type: dict
  force_conflicts:
    description:
      - Take over fields that another field manager (kubectl, another tool) owns, instead of failing.
    type: bool
    default: false
notes:
  - Deleting a Cluster deletes its join-token requests and Secrets too, and so invalidates their tokens.
seealso:
  - module: k0smotron.fleet.cluster_info
  - module: k0smotron.fleet.kubeconfig
  - module: k0smotron.fleet.join_token
"""

EXAMPLES = r"""
- name: A hosted control plane for one shop, exposed on the management nodes' addresses
  k0smotron.fleet.cluster:
    name: shop-0042
    namespace: edge
    version: v1.36.3+k0s.0
    service:
      type: NodePort
      api_port: 30443
      konnectivity_port: 30132
    persistence:
      type: hostPath
      host_path: /var/lib/k0smotron/shop-0042
    storage:
      type: kine
    labels:
      fleet.example.com/region: eu-west

- name: Three replicas on PostgreSQL, reached through a load balancer
  k0smotron.fleet.cluster:
    name: factory-7
    namespace: edge
    version: v1.36.3+k0s.0
    replicas: 3
    service:
      type: LoadBalancer
    storage:
      type: kine
      kine_data_source_secret_name: factory-7-db
    k0s_config:
      network:
        provider: kuberouter

- name: Upgrade the control plane and wait for the new pods (its state survives on the hostPath)
  k0smotron.fleet.cluster:
    name: shop-0042
    namespace: edge
    version: v1.36.4+k0s.0
    persistence:
      type: hostPath
      host_path: /var/lib/k0smotron/shop-0042
    wait_timeout: 900

- name: Remove a cluster and wait until everything is gone
  k0smotron.fleet.cluster:
    name: shop-0042
    namespace: edge
    state: absent

- name: Connection options for this collection and kubernetes.core at once
  module_defaults:
    group/k0smotron.fleet.k0smotron:
      kubeconfig: /etc/fleet/management.kubeconfig
  block:
    - name: Declare the cluster
      k0smotron.fleet.cluster:
        name: shop-0043
        namespace: edge
        version: v1.36.3+k0s.0
"""

RETURN = r"""
cluster:
  description:
    - The Cluster as the API returned it, with a kine data source URL masked. Empty after deletion.
  returned: always
  type: dict
  sample:
    apiVersion: k0smotron.io/v1beta2
    kind: Cluster
    metadata:
      name: shop-0042
      namespace: edge
    spec:
      replicas: 1
      version: v1.36.3+k0s.0
    status:
      readyReplicas: 1
ready:
  description: Whether the control plane was up to date and serving when the module returned.
  returned: always
  type: bool
  sample: true
state:
  description: Where the control plane stands, in words.
  returned: always
  type: str
  sample: 1/1 control-plane replicas ready
api_endpoint:
  description:
    - The URL of the hosted API server, when it can be known from the object. None for a NodePort
      service without O(external_address); the kubeconfig then holds the address k0smotron chose.
  returned: when O(state=present)
  type: str
  sample: https://192.0.2.10:30443
kubeconfig_secret:
  description: The name of the Secret holding the hosted cluster's admin kubeconfig (key C(value)).
  returned: when O(state=present)
  type: str
  sample: shop-0042-kubeconfig
waited:
  description: Seconds spent waiting.
  returned: always
  type: float
  sample: 74.2
wait_progress:
  description: The states seen while waiting, each with the seconds elapsed when it was first seen.
  returned: when the module waited
  type: list
  elements: dict
  sample:
    - elapsed: 0.1
      state: 0/1 control-plane replicas ready, KubeconfigSecretAvailable=False (NoReadyReplicas)
    - elapsed: 71.3
      state: 1/1 control-plane replicas ready
"""

from ansible_collections.k0smotron.fleet.plugins.module_utils import cluster as model
from ansible_collections.k0smotron.fleet.plugins.module_utils.args import validate_dns_label, validate_dns_subdomain
from ansible_collections.k0smotron.fleet.plugins.module_utils.args import validate_k0s_version
from ansible_collections.k0smotron.fleet.plugins.module_utils.client import CLUSTER, EVENT, POD, STATEFULSET
from ansible_collections.k0smotron.fleet.plugins.module_utils.errors import FleetError, WaitTimeout
from ansible_collections.k0smotron.fleet.plugins.module_utils.module import FleetModule

ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    namespace=dict(type="str", default="default"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    version=dict(type="str"),
    replicas=dict(type="int"),
    image=dict(type="str"),
    external_address=dict(type="str"),
    service=dict(type="dict", options=dict(
        type=dict(type="str", choices=["ClusterIP", "NodePort", "LoadBalancer"], default="ClusterIP"),
        api_port=dict(type="int"),
        konnectivity_port=dict(type="int"),
    )),
    persistence=dict(type="dict", options=dict(
        type=dict(type="str", choices=["emptyDir", "hostPath", "pvc"], required=True),
        host_path=dict(type="str"),
        persistent_volume_claim=dict(type="dict"),
        auto_delete_pvcs=dict(type="bool"),
    )),
    storage=dict(type="dict", options=dict(
        type=dict(type="str", choices=["etcd", "kine", "nats"], required=True),
        kine_data_source_secret_name=dict(type="str"),
        kine_data_source_url=dict(type="str", no_log=True),
        etcd=dict(type="dict"),
    ), mutually_exclusive=[("kine_data_source_secret_name", "kine_data_source_url")]),
    k0s_config=dict(type="dict"),
    resources=dict(type="dict"),
    patches=dict(type="list", elements="dict"),
    control_plane_flags=dict(type="list", elements="str"),
    manifests=dict(type="list", elements="dict"),
    mounts=dict(type="list", elements="dict"),
    certificate_refs=dict(type="list", elements="dict"),
    labels=dict(type="dict"),
    annotations=dict(type="dict"),
    spec=dict(type="dict"),
    force_conflicts=dict(type="bool", default=False),
)


def validate(params):
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


def diagnose(client, name, namespace, obj):
    """What the control plane's pods and events say, for a timeout message."""
    pods = model.describe_pods(client.list(POD, namespace, label_selector=model.pod_selector(name)))
    names = set([name, model.statefulset_name(name)] + [p["name"] for p in pods])
    events = model.describe_events(client.list(EVENT, namespace), names)
    lines = []
    for pod in pods:
        lines.append("pod %s is %s%s" % (
            pod["name"], pod["phase"], (": " + "; ".join(pod["reasons"])) if pod["reasons"] else ""))
    if not pods:
        lines.append("no control-plane pods exist (is the k0smotron operator running?)")
    lines.extend("event: " + e for e in events)
    summary = model.summarize(obj) if obj else {}
    return lines, dict(conditions=summary.get("conditions", {}), pods=pods, events=events)


def explain(exc, lines):
    """Put the diagnosis between the timeout's message and its hint."""
    exc.msg = "%s Diagnosis: %s." % (exc.msg, "; ".join(lines))


def wait_ready(module, client, name, namespace, statefulset_generation=None):
    """Wait until the Cluster is ready and, after a change to an existing one, its pods rolled."""
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
        return model.rollout(statefulset, statefulset_generation, waiter.elapsed >= settle)

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

    waiter.until("Cluster %s/%s and its control plane to be deleted" % (namespace, name), fetch, check)
    return waiter


def run_absent(module, client, current):
    params = module.params
    result = dict(changed=False, cluster={}, ready=False, state="the Cluster does not exist", waited=0.0)
    if current is None:
        return result
    result["changed"] = True
    if module._diff:
        result["diff"] = dict(before=model.comparable(current), after={})
    if module.check_mode:
        return result
    client.delete(CLUSTER, params["name"], params["namespace"])
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


def run_present(module, client, current, desired):
    params = module.params
    if desired["spec"].get("storage", {}).get("kine", {}).get("dataSourceURL"):
        module.protect(desired["spec"]["storage"]["kine"]["dataSourceURL"])
    if current is not None and model.same_version((current.get("spec") or {}).get("version"), params["version"]):
        # v1.36.3+k0s.0 and v1.36.3-k0s.0 are one release: keep the form already stored.
        desired["spec"]["version"] = current["spec"]["version"]
    # The dry run validates through the API and admission webhooks and tells what would change.
    planned = client.apply(CLUSTER, desired, dry_run=True, force=params["force_conflicts"])
    changed = current is None or model.comparable(current) != model.comparable(planned)
    statefulset_generation = None
    if changed and current is not None:
        refuse_label_change(current, planned)
        warn_about_restart(module, current)
        statefulset = client.get(STATEFULSET, model.statefulset_name(params["name"]), params["namespace"])
        statefulset_generation = ((statefulset or {}).get("metadata") or {}).get("generation")
    obj = planned if changed else current
    if changed and not module.check_mode:
        obj = client.apply(CLUSTER, desired, force=params["force_conflicts"])

    result = dict(changed=changed, waited=0.0)
    if module._diff and changed:
        result["diff"] = dict(before=model.comparable(current) or {}, after=model.comparable(planned))
    if params["wait"] and not module.check_mode:
        obj, waiter = wait_ready(module, client, params["name"], params["namespace"], statefulset_generation)
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


def main():
    module = FleetModule(ARGUMENT_SPEC, wait=True)

    def work():
        desired = validate(module.params)
        client = module.client
        current = client.get(CLUSTER, module.params["name"], module.params["namespace"])
        if desired is None:
            return run_absent(module, client, current)
        return run_present(module, client, current, desired)

    module.run(work)


if __name__ == "__main__":
    main()
