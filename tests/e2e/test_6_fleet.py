# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet on real k0s: FLEET_E2E_CLUSTERS control planes (4 by default) made by one site.yml run, in
parallel, with no ports given (NodePort, allocated by Kubernetes) and on one shared PostgreSQL server
(a database and a user each, made by the module), each joined by FLEET_E2E_HOSTS edge hosts of its own
(2 by default) with tokens from one batch call per control plane; every node Ready, `kubectl logs` and
`exec` to a pod on each edge host through each hosted API (so through konnectivity, over the allocated node port); a second
run with no change; one deleted with its database dropped, the others unaffected."""

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


def names():
    return ["fleet-%d" % n for n in range(1, COUNT + 1)]


def hosts():
    """Every control plane's edge hosts, in the order of names(): [[fleet-edge-4, fleet-edge-5], ...]."""
    return [["fleet-edge-%d" % (FIRST_HOST + c * HOSTS_PER_CLUSTER + h) for h in range(HOSTS_PER_CLUSTER)]
            for c in range(COUNT)]


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
        name = database(cluster, lab.namespace)
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
    kubeconfig = os.path.join(CONTROLLER_DIR, "%s-%s.kubeconfig" % (lab.namespace, cluster))
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


def test_fleet_in_parallel_on_node_ports_and_a_shared_postgres(lab, detail):
    shared_postgres(lab)
    # The edge hosts of the fleet, beside demo-1's (the lab's inventory is kept as it was).
    saved = INVENTORY + ".before-fleet"
    shutil.copy(INVENTORY, saved)
    started = time.monotonic()
    lab.lab_sh("up", env={"LAB_EDGE_HOSTS": str(FIRST_HOST - 1 + COUNT * HOSTS_PER_CLUSTER)})
    hosts_seconds = time.monotonic() - started
    write_fleet_inventory(lab)
    shutil.move(saved, INVENTORY)
    lab.mgmt_kubectl("delete", "secret", "-n", lab.namespace, "fleet-e2e-pg-admin", "--ignore-not-found")
    lab.mgmt_kubectl("create", "secret", "generic", "fleet-e2e-pg-admin", "-n", lab.namespace,
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
        svc = json.loads(lab.mgmt_kubectl("get", "service", "-n", lab.namespace, "kmc-" + cluster, "-o",
                                          "json").stdout)
        ports[cluster] = dict((p["name"], p["nodePort"]) for p in svc["spec"]["ports"])
        assert [p["port"] for p in svc["spec"]["ports"]] == [6443, 8132], svc["spec"]["ports"]
        server = kubectl(lab, cluster, "config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}")
        assert server.stdout.strip().endswith(":%d" % ports[cluster]["api"]), server.stdout
    allocated = [port for pair in ports.values() for port in pair.values()]
    assert len(set(allocated)) == len(allocated), ports

    lines = sum(logs_and_exec(lab, cluster, host) for cluster, host in members())
    made = databases(lab)
    assert {database(c, lab.namespace) for c in names()} <= made, made

    again, recap = fleet_site(lab)
    lab.assert_no_leaks(again, "the fleet's second site.yml")
    lab.assert_unchanged(recap, "the fleet's second site.yml")

    # One deleted with its database dropped; the others serve on.
    gone = names()[-1]
    lab.run(["ansible", "localhost", "-m", "k0smotron.fleet.cluster", "-a", json.dumps({
        "name": gone, "namespace": lab.namespace, "state": "absent", "drop_database": True,
        "kubeconfig": lab.management_kubeconfig, "wait_timeout": 300})], quiet=True)
    assert database(gone, lab.namespace) not in databases(lab)
    for cluster, host in members():
        if cluster == gone:
            continue
        ready, state = node_ready(lab, cluster, host)
        assert ready, "%s in %s: %s after %s was deleted" % (host, cluster, state, gone)
    detail("%d control planes (NodePort, ports allocated: %s) on one PostgreSQL, %d hosts each: site.yml %.0fs "
           "(hosts up %.0fs), every node Ready, logs (%d lines) and exec through each hosted API; second run "
           "no change; %s deleted with its database dropped, the others Ready" % (
               COUNT, ", ".join("%s %d/%d" % (c, p["api"], p["konnectivity"]) for c, p in sorted(ports.items())),
               HOSTS_PER_CLUSTER, site_seconds, hosts_seconds, lines, gone))
