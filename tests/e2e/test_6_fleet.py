# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet on real k0s: FLEET_E2E_CLUSTERS control planes (4 by default) made by one site.yml run, in
parallel, with no ports given (NodePort, allocated by Kubernetes) and on one shared PostgreSQL server
(a database and a user each, made by the module), each joined by FLEET_E2E_HOSTS edge hosts of its own
(2 by default) with tokens from one batch call per control plane; every node Ready, `kubectl logs` and
`exec` to a pod on each edge host through each hosted API (so through konnectivity, over the allocated
node port); the pods as locked down as the defaults say, in a namespace that enforces Pod Security
(LAB_POD_SECURITY); a workload on every cluster; a second run with no change.

test_7_fleet_faults breaks this fleet in the ways issue 20 lists; test_8_fleet_delete deletes one
member with its database."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest
import yaml

from conftest import ARTIFACTS, CONTROLLER_DIR, INVENTORY, LAB_STATE, RECAP, k0s_file
from test_5_postgres import postgres_ready

pytestmark = pytest.mark.flow

COUNT = int(os.environ.get("FLEET_E2E_CLUSTERS", "4"))
HOSTS_PER_CLUSTER = int(os.environ.get("FLEET_E2E_HOSTS", "2"))
FIRST_HOST = 4  # fleet-edge-1 to -3 serve demo-1 (the --limit case adds the third)
ADMIN_USER = "fleet_e2e_admin"
# The LEAK_PATTERNS of conftest catch this password in any output.
ADMIN_PASSWORD = "e2e-db-password"
FLEET_INVENTORY = os.path.join(LAB_STATE, "fleet-inventory.yml")
# The fleet's namespace, apart from demo-1's: it enforces Pod Security baseline (and warns at
# restricted), as a platform team's tenant namespaces do. demo-1's namespace cannot: its hostPath
# volume is refused by baseline.
NAMESPACE = "fleet-sites"
POD_SECURITY = "baseline"


def names():
    return ["fleet-%d" % n for n in range(1, COUNT + 1)]


def hosts():
    """Every control plane's edge hosts, in the order of names(): [[fleet-edge-4, fleet-edge-5], ...]."""
    return [["fleet-edge-%d" % (FIRST_HOST + c * HOSTS_PER_CLUSTER + h) for h in range(HOSTS_PER_CLUSTER)]
            for c in range(COUNT)]


def edge_host_count():
    """LAB_EDGE_HOSTS for the lab with demo-1's hosts and the fleet's."""
    return FIRST_HOST - 1 + COUNT * HOSTS_PER_CLUSTER


def members():
    """(control plane, host) for every edge host of the fleet."""
    return [(cluster, host) for cluster, group in zip(names(), hosts()) for host in group]


def database(cluster, namespace):
    return "k0s_%s_%s" % (namespace.replace("-", "_"), cluster.replace("-", "_"))


def shared_postgres(lab):
    """The e2e PostgreSQL (test_5's), with an admin that may create databases and roles, reachable
    from the lab network as the admin and as each control plane's user (database = user)."""
    version = postgres_ready(lab)
    conf = "/etc/postgresql/%s/main/pg_hba.conf" % version
    wanted = ["host postgres %s 10.89.40.0/24 scram-sha-256\n" % ADMIN_USER,
              "host sameuser all 10.89.40.0/24 scram-sha-256\n"]
    with open(conf, encoding="utf-8") as handle:
        hba = handle.read()
    with open(conf, "a", encoding="utf-8") as handle:
        handle.writelines(line for line in wanted if line not in hba)
    lab.run(["pg_ctlcluster", version, "main", "reload"])
    sql = ("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%s') THEN CREATE ROLE %s LOGIN CREATEDB "
           "CREATEROLE PASSWORD '%s'; END IF; END $$;" % (ADMIN_USER, ADMIN_USER, ADMIN_PASSWORD))
    lab.run(["runuser", "-u", "postgres", "--", "psql", "-q", "-c", sql], quiet=True)
    # A fresh start each run: what an earlier run's control planes left (their Secrets are gone with
    # the lab, so the module would rightly refuse to take these over).
    for cluster in names():
        name = database(cluster, NAMESPACE)
        lab.run(["runuser", "-u", "postgres", "--", "dropdb", "--if-exists", name], quiet=True)
        lab.run(["runuser", "-u", "postgres", "--", "psql", "-q", "-c", "DROP ROLE IF EXISTS %s" % name], quiet=True)
    return version


def databases(lab):
    done = lab.run(["runuser", "-u", "postgres", "--", "psql", "-Atq", "-c",
                    "SELECT datname FROM pg_database WHERE datname LIKE 'k0s_%'"], quiet=True)
    return set(done.stdout.split())


def write_fleet_inventory(lab):
    """The lab's inventory with the fleet's control planes and hosts: HOSTS_PER_CLUSTER hosts each."""
    with open(INVENTORY, encoding="utf-8") as handle:
        lab_inventory = yaml.safe_load(handle)
    top = lab_inventory["all"]
    hostvars = top["children"]["workers"]["hosts"]
    fleet_vars = dict(top["vars"])
    defaults = dict(fleet_vars["control_plane_defaults"])
    defaults["storage"] = {"type": "kine", "datastore": {
        "driver": "postgres", "host": "10.89.40.1", "admin_secret_name": "fleet-e2e-pg-admin", "sslmode": "disable"}}
    defaults["service"] = {"type": "NodePort"}   # no ports: Kubernetes allocates them
    fleet_vars["control_plane_defaults"] = defaults
    fleet_vars["control_plane_namespace"] = NAMESPACE
    fleet_vars["worker_cluster_namespace"] = NAMESPACE
    fleet_vars["control_plane_clusters"] = [{"name": name} for name in names()]
    fleet = {"all": {"vars": fleet_vars, "children": {"workers": {"hosts": dict(
        (host, dict(hostvars[host], worker_cluster=name)) for name, host in members())}}}}
    with open(FLEET_INVENTORY, "w", encoding="utf-8") as handle:
        yaml.safe_dump(fleet, handle, default_flow_style=False)


def fleet_site(lab, *args):
    argv = ["ansible-playbook", "-i", FLEET_INVENTORY, "playbooks/site.yml"] + lab.site_args() + list(args)
    done = lab.run(argv, env={"ANSIBLE_FORCE_COLOR": "0"}, timeout=2400)
    recap = dict((m.group(1), tuple(int(m.group(i)) for i in range(2, 6))) for m in RECAP.finditer(done.stdout))
    return done, recap


def kubectl(lab, cluster, *args, check=True):
    """k0s kubectl (the release binary's) on a hosted cluster, with the kubeconfig the worker role wrote."""
    binary = os.path.join(ARTIFACTS, lab.version, k0s_file(lab.version))
    kubeconfig = os.path.join(CONTROLLER_DIR, "%s-%s.kubeconfig" % (NAMESPACE, cluster))
    return lab.run([binary, "kubectl", "--kubeconfig", kubeconfig, "--request-timeout=20s"] + list(args),
                   check=check, quiet=True)


def node_ready(lab, cluster, host):
    done = kubectl(lab, cluster, "get", "node", host, "-o", "json", check=False)
    if done.returncode != 0:
        return False, "not listed"
    conditions = json.loads(done.stdout)["status"].get("conditions") or []
    ready = any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
    return ready, "Ready" if ready else "NotReady"


def logs_and_exec(lab, cluster, host):
    """`kubectl logs` and `exec` to kube-proxy on HOST through CLUSTER's API: konnectivity carries both."""
    pods = json.loads(kubectl(lab, cluster, "get", "pods", "-n", "kube-system", "-o", "json",
                              "--field-selector", "spec.nodeName=" + host).stdout)["items"]
    running = [p["metadata"]["name"] for p in pods if p["status"].get("phase") == "Running"
               and p["metadata"]["name"].startswith("kube-proxy")]
    assert running, "no running kube-proxy pod on %s in %s: %s" % (host, cluster, [p["metadata"]["name"] for p in pods])
    logs = kubectl(lab, cluster, "logs", "-n", "kube-system", running[0], "--tail=5")
    version = kubectl(lab, cluster, "exec", "-n", "kube-system", running[0], "--", "kube-proxy", "--version")
    assert "Kubernetes v" in version.stdout, "exec gave %r" % version.stdout
    return len(logs.stdout.splitlines())


# --- what a fleet member holds, for the fault and delete cases ---------------------------------------

WORKLOAD = "e2e-workload"


def workload_manifest(lab):
    """A Deployment of the pause image (in every host's image bundle), one pod on each of the cluster's hosts."""
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": WORKLOAD, "namespace": "default"},
            "spec": {"replicas": HOSTS_PER_CLUSTER, "selector": {"matchLabels": {"app": WORKLOAD}},
                     "template": {"metadata": {"labels": {"app": WORKLOAD}}, "spec": {
                         "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
                                                        "whenUnsatisfiable": "DoNotSchedule",
                                                        "labelSelector": {"matchLabels": {"app": WORKLOAD}}}],
                         "containers": [{"name": "pause", "image": lab.versions["PAUSE_IMAGE"],
                                         "imagePullPolicy": "IfNotPresent"}]}}}}


def deploy_workload(lab, cluster):
    path = os.path.join(LAB_STATE, "%s-workload.json" % cluster)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(workload_manifest(lab), handle)
    kubectl(lab, cluster, "apply", "-f", path)


def workload_pods(lab, cluster):
    """{pod name: (uid, node, ready)} of the workload, as CLUSTER's API lists them (terminating ones left out)."""
    done = kubectl(lab, cluster, "get", "pods", "-n", "default", "-l", "app=" + WORKLOAD, "-o", "json", check=False)
    if done.returncode != 0:
        return None
    pods = {}
    for pod in json.loads(done.stdout)["items"]:
        if pod["metadata"].get("deletionTimestamp"):
            continue
        conditions = pod["status"].get("conditions") or []
        ready = any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
        pods[pod["metadata"]["name"]] = (pod["metadata"]["uid"], pod["spec"].get("nodeName"), ready)
    return pods


def workload_running(lab, cluster):
    pods = workload_pods(lab, cluster)
    if pods is None:
        return False, "API not answering"
    ready = sum(1 for _uid, _node, up in pods.values() if up)
    return ready == HOSTS_PER_CLUSTER, "%d of %d pods Ready" % (ready, HOSTS_PER_CLUSTER)


def bootstrap_tokens(lab, cluster):
    """The names of the bootstrap-token Secrets in CLUSTER: the join tokens that exist now."""
    done = kubectl(lab, cluster, "get", "secrets", "-n", "kube-system", "--field-selector",
                   "type=bootstrap.kubernetes.io/token", "-o", "jsonpath={.items[*].metadata.name}")
    return set(done.stdout.split())


def fleet_namespace(lab):
    """NAMESPACE, enforcing Pod Security POD_SECURITY and warning at restricted."""
    lab.mgmt_kubectl("create", "namespace", NAMESPACE, check=False)
    lab.mgmt_kubectl("label", "--overwrite", "namespace", NAMESPACE, "pod-security.kubernetes.io/enforce=" + POD_SECURITY,
                     "pod-security.kubernetes.io/warn=restricted")


def pod_security(lab):
    """The control-plane pods as pod_security's default (strict) makes them, in NAMESPACE (enforcing POD_SECURITY)."""
    labels = json.loads(lab.mgmt_kubectl("get", "namespace", NAMESPACE, "-o", "json").stdout)["metadata"]["labels"]
    level = POD_SECURITY
    assert labels.get("pod-security.kubernetes.io/enforce") == level, labels
    for cluster in names():
        pod = json.loads(lab.mgmt_kubectl("get", "pod", "-n", NAMESPACE, "kmc-%s-0" % cluster, "-o",
                                          "json").stdout)["spec"]
        assert pod.get("hostUsers") is False, "%s: hostUsers %r" % (cluster, pod.get("hostUsers"))
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", pod["securityContext"]
        for container in pod.get("initContainers", []) + pod["containers"]:
            context = container.get("securityContext") or {}
            where = "%s container %s" % (cluster, container["name"])
            assert context.get("allowPrivilegeEscalation") is False, where
            assert context.get("readOnlyRootFilesystem") is True, where
            assert context.get("capabilities") == {"drop": ["ALL"], "add": ["SETGID"]}, (where, context)
    return level


def test_fleet_in_parallel_on_node_ports_and_a_shared_postgres(lab, detail):
    shared_postgres(lab)
    # The edge hosts of the fleet, beside demo-1's (the lab's inventory is kept as it was).
    saved = INVENTORY + ".before-fleet"
    shutil.copy(INVENTORY, saved)
    started = time.monotonic()
    lab.lab_sh("up", env={"LAB_EDGE_HOSTS": str(edge_host_count())})
    hosts_seconds = time.monotonic() - started
    write_fleet_inventory(lab)
    shutil.move(saved, INVENTORY)
    fleet_namespace(lab)
    lab.mgmt_kubectl("delete", "secret", "-n", NAMESPACE, "fleet-e2e-pg-admin", "--ignore-not-found")
    lab.mgmt_kubectl("create", "secret", "generic", "fleet-e2e-pg-admin", "-n", NAMESPACE,
                     "--type=kubernetes.io/basic-auth", "--from-literal=username=" + ADMIN_USER,
                     "--from-literal=password=" + ADMIN_PASSWORD)

    start = time.monotonic()
    done, _recap = fleet_site(lab)
    site_seconds = time.monotonic() - start
    lab.assert_no_leaks(done, "the fleet's site.yml")
    for cluster, host in members():
        lab.wait_for("%s Ready in %s" % (host, cluster), lambda c=cluster, h=host: node_ready(lab, c, h), timeout=300)

    # Every control plane on node ports of its own, told to workers as address:nodePort.
    ports = {}
    for cluster in names():
        svc = json.loads(lab.mgmt_kubectl("get", "service", "-n", NAMESPACE, "kmc-" + cluster, "-o",
                                          "json").stdout)
        ports[cluster] = dict((p["name"], p["nodePort"]) for p in svc["spec"]["ports"])
        assert [p["port"] for p in svc["spec"]["ports"]] == [6443, 8132], svc["spec"]["ports"]
        server = kubectl(lab, cluster, "config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}")
        assert server.stdout.strip().endswith(":%d" % ports[cluster]["api"]), server.stdout
    allocated = [port for pair in ports.values() for port in pair.values()]
    assert len(set(allocated)) == len(allocated), ports

    lines = sum(logs_and_exec(lab, cluster, host) for cluster, host in members())
    made = databases(lab)
    assert {database(c, NAMESPACE) for c in names()} <= made, made

    level = pod_security(lab)
    for cluster in names():
        deploy_workload(lab, cluster)
    for cluster in names():
        lab.wait_for("the workload on %s" % cluster, lambda c=cluster: workload_running(lab, c), timeout=300)

    again, recap = fleet_site(lab)
    lab.assert_no_leaks(again, "the fleet's second site.yml")
    lab.assert_unchanged(recap, "the fleet's second site.yml")
    detail("%d control planes (NodePort, ports allocated: %s) on one PostgreSQL, %d hosts each: site.yml %.0fs "
           "(hosts up %.0fs), every node Ready, logs (%d lines) and exec through each hosted API; pods strict in a "
           "namespace enforcing %s; a workload on each; second run no change" % (
               COUNT, ", ".join("%s %d/%d" % (c, p["api"], p["konnectivity"]) for c, p in sorted(ports.items())),
               HOSTS_PER_CLUSTER, site_seconds, hosts_seconds, lines, level))


PROBE = ("import socket, sys\n"
         "s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET)\n"
         "s.settimeout(3)\n"
         "try:\n    s.connect((sys.argv[1], int(sys.argv[2]))); print('open')\n"
         "except socket.timeout:\n    print('timed out')\n"
         "except OSError as exc:\n    print(exc.strerror or exc.__class__.__name__)\n")


def probe(lab, host, address, port):
    """From HOST: 'open', 'timed out' or why a TCP connect to ADDRESS:PORT failed."""
    return lab.in_host(host, "python3", "-c", PROBE, address, str(port)).stdout.strip()


def listening_ports(lab, pod):
    """The TCP ports POD listens on for more than its loopback (from /proc/net/tcp and tcp6)."""
    done = lab.mgmt_kubectl("exec", "-n", NAMESPACE, pod, "--", "cat", "/proc/net/tcp", "/proc/net/tcp6")
    ports = set()
    for line in done.stdout.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 4 or fields[3] != "0A":    # 0A: LISTEN
            continue
        address, port = fields[1].split(":")
        if address in ("0100007F", "00000000000000000000000001000000"):    # 127.0.0.1, ::1
            continue
        ports.add(int(port, 16))
    return ports


def test_fleet_network_policy_in_force(lab, detail):
    """The NetworkPolicy beside a control plane, enforced by the lab (kube-router's firewall on the
    management node): from an edge host the pod's API port answers and its other ports do not; the
    policy deleted by hand, they do; the next site.yml puts it back and they close again."""
    cluster, host = names()[0], hosts()[0][0]
    pod = "kmc-%s-0" % cluster
    pod_ip = json.loads(lab.mgmt_kubectl("get", "pod", "-n", NAMESPACE, pod, "-o", "json").stdout)["status"]["podIP"]
    allowed = {6443, 8132}
    others = sorted(listening_ports(lab, pod) - allowed)
    assert others, "%s listens on no port beside the API and konnectivity ones: nothing to check" % pod
    closed = others[0]
    assert probe(lab, host, pod_ip, 6443) == "open", "the API port of %s does not answer %s" % (pod, host)
    lab.wait_for("port %d of %s closed to %s by the policy" % (closed, pod, host),
                 lambda: (probe(lab, host, pod_ip, closed) != "open", "open"), timeout=60, every=2)
    lab.mgmt_kubectl("delete", "networkpolicy", "-n", NAMESPACE, "kmc-" + cluster)
    lab.wait_for("port %d of %s open once the policy is gone" % (closed, pod),
                 lambda: (probe(lab, host, pod_ip, closed) == "open", probe(lab, host, pod_ip, closed)),
                 timeout=60, every=2)
    done, recap = fleet_site(lab)
    lab.assert_no_leaks(done, "the fleet's site.yml after the policy was deleted")
    moved = dict((h, r[1]) for h, r in recap.items() if r[1])
    assert set(moved) == {"localhost"}, "putting the policy back changed %s" % moved
    lab.mgmt_kubectl("get", "networkpolicy", "-n", NAMESPACE, "kmc-" + cluster)
    lab.wait_for("port %d of %s closed again" % (closed, pod),
                 lambda: (probe(lab, host, pod_ip, closed) != "open", "open"), timeout=60, every=2)
    assert probe(lab, host, pod_ip, 6443) == "open", "the API port of %s closed to %s" % (pod, host)
    detail("from %s to %s (%s): API port open, port %d (of %s it listens on) closed by the policy, open when it "
           "was deleted by hand, closed again after the next site.yml put it back" % (
               host, pod, pod_ip, closed, others))
