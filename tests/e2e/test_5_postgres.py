# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A native control plane with two replicas on kine + PostgreSQL (tests/e2e/postgres.yml), its database stopped and started."""

from __future__ import annotations

import os
import sys
import time

import pytest

pytestmark = pytest.mark.fault

PG_URL = "postgres://fleet_e2e:e2e-db-password@10.89.40.1:5432/demo_pg?sslmode=disable"


def postgres_ready(lab):
    """A PostgreSQL server from Debian's packages on the lab network's gateway (this machine); its version."""
    if lab.run(["sh", "-c", "command -v pg_ctlcluster"], check=False, quiet=True).returncode != 0:
        lab.log("  installing PostgreSQL from Debian's packages")
        lab.run(["apt-get", "install", "-y", "-qq", "postgresql"], env={"DEBIAN_FRONTEND": "noninteractive"}, timeout=900)
    version = lab.run(["sh", "-c", "ls /etc/postgresql | sort -n | tail -n1"], quiet=True).stdout.strip()
    conf = "/etc/postgresql/%s/main" % version
    with open(conf + "/conf.d/k0smotron-fleet-e2e.conf", "w", encoding="utf-8") as handle:
        handle.write("listen_addresses = 'localhost,10.89.40.1'\n")
    with open(conf + "/pg_hba.conf", encoding="utf-8") as handle:
        hba = handle.read()
    line = "host demo_pg fleet_e2e 10.89.40.0/24 scram-sha-256\n"
    if line not in hba:
        with open(conf + "/pg_hba.conf", "a", encoding="utf-8") as handle:
            handle.write(line)
    lab.run(["pg_ctlcluster", version, "main", "restart"], check=False)
    lab.run(["pg_ctlcluster", version, "main", "start"], check=False)
    sql = ("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fleet_e2e') THEN "
           "CREATE ROLE fleet_e2e LOGIN PASSWORD 'e2e-db-password'; END IF; END $$;")
    as_postgres = ["runuser", "-u", "postgres", "--"]
    lab.run(as_postgres + ["psql", "-q", "-c", sql], quiet=True)
    # A fresh database each run: a control plane deleted before leaves its data there.
    lab.run(as_postgres + ["dropdb", "--if-exists", "demo_pg"], quiet=True)
    lab.run(as_postgres + ["createdb", "-O", "fleet_e2e", "demo_pg"], quiet=True)
    return version


def hosted_configmap(lab, kubeconfig, action):
    """create: a ConfigMap e2e-survives in demo-pg's API; read: print its value (the command's output)."""
    code = ("import kubernetes, sys; c = kubernetes.config.new_client_from_config(%r);"
            "api = kubernetes.client.CoreV1Api(c);"
            "body = {'metadata': {'name': 'e2e-survives'}, 'data': {'k': 'v'}};"
            "api.create_namespaced_config_map('default', body) if %r == 'create' else "
            "print(api.read_namespaced_config_map('e2e-survives', 'default').data['k'])") % (kubeconfig, action)
    return lab.run([sys.executable, "-c", code], quiet=True, check=False)


def test_postgres_two_replicas_stopped_and_started(lab, detail):
    version = postgres_ready(lab)
    start = time.monotonic()
    done = lab.run(["ansible-playbook", "tests/e2e/postgres.yml", "-e", "e2e_db_url=" + PG_URL, "-e",
                    "e2e_version=" + lab.versions["K0S_VERSION"]], timeout=900)
    lab.assert_no_leaks(done, "the two-replica control plane's run")
    ready_after = time.monotonic() - start
    ready = lab.mgmt_kubectl("get", "statefulset", "-n", lab.namespace, "kmc-demo-pg", "-o",
                             "jsonpath={.status.readyReplicas}").stdout.strip()
    assert ready == "2", "demo-pg has %r ready replicas, 2 expected" % ready
    kubeconfig = os.path.join(lab.controller_dir, "e2e-demo-pg.kubeconfig")
    lab.run(["ansible", "localhost", "-m", "k0smotron.fleet.kubeconfig", "-a",
             "cluster=demo-pg namespace=%s dest=%s kubeconfig=%s" % (lab.namespace, kubeconfig, lab.management_kubeconfig)],
            quiet=True)
    created = hosted_configmap(lab, kubeconfig, "create")
    assert created.returncode == 0, "could not write to demo-pg's API: %s" % created.stderr[-300:]
    # The database goes away and comes back: the control plane must serve again with nothing lost.
    lab.run(["pg_ctlcluster", version, "main", "stop"])
    lab.wait_for("demo-pg's API to notice the database is gone", lambda: (
        hosted_configmap(lab, kubeconfig, "read").returncode != 0, "still answering"), timeout=180, every=5)
    down_at = time.monotonic()
    lab.run(["pg_ctlcluster", version, "main", "start"])
    lab.wait_for("demo-pg's API back with the ConfigMap", lambda: (
        hosted_configmap(lab, kubeconfig, "read").stdout.strip() == "v", "not yet"), timeout=300, every=5)
    back_after = time.monotonic() - down_at
    lab.run(["ansible-playbook", "tests/e2e/postgres.yml", "-e", "e2e_pg_state=absent"], timeout=900)
    left = lab.mgmt_kubectl("get", "all,configmaps,secrets", "-n", lab.namespace, "-l",
                            "k0smotron.fleet/cluster=demo-pg", "-o", "name").stdout.strip()
    assert not left, "deleting demo-pg left %s" % left
    os.unlink(kubeconfig)
    detail("2 replicas on PostgreSQL Ready %.0fs after apply; PostgreSQL stopped and started: API back %.0fs after, "
           "ConfigMap kept; deleted with nothing left" % (ready_after, back_after))
