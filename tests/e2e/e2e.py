# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End-to-end tests on real k0s: the lab (lab/lab.sh), the playbooks, the faults edge sites meet.

    tests/e2e/e2e.py [--only CASE,...] [--keep-going]

Each case prints what it does and how long it took, and the run ends with a machine-readable
summary in tests/output/e2e-summary.json (each case: name, kind, passed, seconds, detail) and one
closing line "e2e: N passed, N failed, N skipped". Logs of every command: tests/output/e2e/.
Cases run in order on one lab; a failed case is recorded and the run goes on unless a later case
depends on what it had to make. Exit status 0 only when no case failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time
import traceback

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUTPUT = os.path.join(REPO, "tests", "output")
LOGS = os.path.join(OUTPUT, "e2e")
LAB = os.path.join(REPO, "lab", "lab.sh")
VERSIONS = {}
with open(os.path.join(REPO, "lab", "versions.env"), encoding="utf-8") as handle:
    for line in handle:
        if "=" in line and not line.lstrip().startswith("#"):
            key, _sep, value = line.strip().partition("=")
            VERSIONS[key] = value
CACHE = os.environ.get("K0SMOTRON_FLEET_CACHE", os.path.expanduser("~/.cache/k0smotron-fleet"))
LAB_STATE = os.path.join(CACHE, "lab")
INVENTORY = os.path.join(LAB_STATE, "inventory.yml")
MANAGEMENT = "fleet-mgmt"
CLUSTER = "demo-1"
NAMESPACE = "fleet"
CONTROLLER_DIR = os.path.join(os.path.expanduser("~"), ".cache", "k0smotron-fleet", "controller")
# What must never appear in any output: join tokens (base64 of gzip starts "H4sI"), private keys,
# kubeconfig credentials, bootstrap token secrets, database passwords of the tests.
LEAK_PATTERNS = (r"H4sI[A-Za-z0-9+/]{20}", r"PRIVATE KEY-----", r"client-key-data: *[A-Za-z0-9+/=]{20}",
                 r"token-secret\W+[a-z0-9]{16}", r"e2e-db-password")
LEAKS = [re.compile(p) for p in LEAK_PATTERNS]


class Failed(Exception):
    pass


def log(message):
    print("[e2e %s] %s" % (time.strftime("%H:%M:%S"), message), flush=True)


def run(case, argv, check=True, env=None, timeout=1800, quiet=False):
    """Run a command, its output into the case's log; the CompletedProcess (text)."""
    os.makedirs(LOGS, exist_ok=True)
    start = time.monotonic()
    if not quiet:
        log("  $ %s" % " ".join(shlex.quote(a) for a in argv))
    full_env = dict(os.environ, **(env or {}))
    try:
        done = subprocess.run(argv, capture_output=True, text=True, env=full_env, timeout=timeout, cwd=REPO,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        raise Failed("%s did not finish within %ds" % (argv[0], timeout)) from exc
    with open(os.path.join(LOGS, case + ".log"), "a", encoding="utf-8") as handle:
        handle.write("$ %s\n(exit %d after %.1fs)\n%s\n%s\n" % (
            " ".join(argv), done.returncode, time.monotonic() - start, done.stdout, done.stderr))
    if check and done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise Failed("%s exited %d:\n%s" % (" ".join(argv[:3]), done.returncode, tail))
    return done


RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


def playbook(case, name, *args, check=True, env=None):
    """ansible-playbook playbooks/NAME.yml on the lab; (CompletedProcess, {host: (ok, changed, unreachable, failed)})."""
    argv = ["ansible-playbook", "-i", INVENTORY, os.path.join("playbooks", name + ".yml")] + list(args)
    done = run(case, argv, check=check, env=dict({"ANSIBLE_FORCE_COLOR": "0"}, **(env or {})))
    recap = dict((m.group(1), tuple(int(m.group(i)) for i in range(2, 6))) for m in RECAP.finditer(done.stdout))
    return done, recap


def assert_no_leaks(done, where):
    text = done.stdout + done.stderr
    for pattern in LEAKS:
        found = pattern.search(text)
        if found:
            raise Failed("%s shows something secret (pattern %s) at offset %d" % (where, pattern.pattern, found.start()))


def mgmt_kubectl(case, *args, check=True):
    return run(case, ["podman", "exec", MANAGEMENT, "k0s", "kubectl"] + list(args), check=check, quiet=True)


def hosted_nodes(case):
    """{node: (ready, kubelet version)} as the hosted control plane's API lists them."""
    kubeconfig = os.path.join(CONTROLLER_DIR, "%s-%s.kubeconfig" % (NAMESPACE, CLUSTER))
    code = ("import json, kubernetes; c = kubernetes.config.new_client_from_config(%r);"
            "n = kubernetes.client.CoreV1Api(c).list_node().items;"
            "print(json.dumps({x.metadata.name: [any(k.type == 'Ready' and k.status == 'True' for k in "
            "x.status.conditions or []), x.status.node_info.kubelet_version] for x in n}))" % kubeconfig)
    done = run(case, [sys.executable, "-c", code], quiet=True)
    return dict((k, tuple(v)) for k, v in json.loads(done.stdout).items())


def edge_hosts():
    return ["fleet-edge-%d" % i for i in range(1, int(os.environ.get("LAB_EDGE_HOSTS", "2")) + 1)]


def wait_for(what, check, timeout=600, every=5):
    start = time.monotonic()
    last = None
    while True:
        ok, state = check()
        if ok:
            return state
        if state != last:
            log("  waiting for %s: %s (%ds so far)" % (what, state, time.monotonic() - start))
            last = state
        if time.monotonic() - start > timeout:
            raise Failed("%s: still %s after %ds" % (what, state, timeout))
        time.sleep(every)


def all_ready(case, hosts):
    nodes = hosted_nodes(case)
    missing = [h for h in hosts if not nodes.get(h, (False,))[0]]
    return not missing, "not Ready: %s" % ", ".join(missing) if missing else "all Ready"


def unchanged(recap, where):
    moved = dict((h, r[1]) for h, r in recap.items() if r[1] or r[3] or r[2])
    if moved:
        raise Failed("%s reported changes or failures: %s" % (where, moved))


def in_host(case, host, *argv, check=True):
    return run(case, ["podman", "exec", host] + list(argv), check=check, quiet=True)


def mirror_gets(path_part):
    try:
        with open(os.path.join(LAB_STATE, "mirror.log"), encoding="utf-8", errors="replace") as handle:
            return sum(1 for line in handle if '"GET /' in line and path_part in line and '" 200 ' in line)
    except FileNotFoundError:
        return 0


# --- the cases ------------------------------------------------------------------------------------

STATE = {}


def first_version():
    # A run of some cases only (--only) on a lab already upgraded says its version here.
    if os.environ.get("E2E_K0S_VERSION"):
        return os.environ["E2E_K0S_VERSION"]
    upgrade_from = VERSIONS["K0S_UPGRADE_VERSION"]
    upgrade_binary = os.path.join(os.environ.get("K0SMOTRON_FLEET_ARTIFACTS", os.path.join(CACHE, "artifacts")),
                                  upgrade_from, "k0s-%s-amd64" % upgrade_from)
    return upgrade_from if os.path.exists(upgrade_binary) else VERSIONS["K0S_VERSION"]


def case_lab_up(case):
    # From a fresh lab: what a first site.yml meets. E2E_REUSE_LAB=1 keeps a running one.
    if os.environ.get("E2E_REUSE_LAB") != "1":
        run(case, [LAB, "down"], timeout=600)
        # The controller starts with an empty cache, so that "downloaded once" can be counted.
        run(case, ["rm", "-rf", os.path.join(LAB_STATE, "controller-cache")], quiet=True)
    start = time.monotonic()
    run(case, [LAB, "up"], timeout=3600)
    return "management cluster and %d edge hosts up in %.0fs" % (len(edge_hosts()), time.monotonic() - start)


def case_site(case):
    STATE["version"] = first_version()
    binary = "k0s-%s-amd64" % STATE["version"]
    before = mirror_gets(binary)
    start = time.monotonic()
    done, recap = playbook(case, "site", "-e", "lab_k0s_version=" + STATE["version"])
    seconds = time.monotonic() - start
    assert_no_leaks(done, "site.yml")
    state = all_ready(case, edge_hosts())
    if not state[0]:
        raise Failed(state[1])
    downloads = mirror_gets(binary) - before
    if downloads > 1:
        raise Failed("the binary was downloaded %d times for %d hosts (once per version and architecture "
                     "expected)" % (downloads, len(edge_hosts())))
    return "control plane %s and %d workers Ready in %.0fs; binary fetched %d time(s) from the mirror" % (
        STATE["version"], len(edge_hosts()), seconds, downloads)


def case_site_again(case):
    done, recap = playbook(case, "site", "-e", "lab_k0s_version=" + STATE.get("version", first_version()))
    unchanged(recap, "the second site.yml")
    restarts = in_host(case, "fleet-edge-1", "systemctl", "show", "k0sworker", "-p", "NRestarts").stdout.strip()
    return "no change on %d hosts (%s)" % (len(recap), restarts)


def case_check_mode(case):
    done, recap = playbook(case, "site", "--check", "--diff", "-e",
                           "lab_k0s_version=" + STATE.get("version", first_version()))
    unchanged(recap, "site.yml --check")
    assert_no_leaks(done, "site.yml --check --diff")
    return "--check --diff ran through with no change and no secret shown"


def case_status(case):
    done, _recap = playbook(case, "status")
    for host in edge_hosts():
        if not re.search(r"%s\s+\S+\s+Ready" % re.escape(host), done.stdout):
            raise Failed("status.yml's table has no Ready row for %s" % host)
    table = [line.strip().strip('",') for line in done.stdout.splitlines() if "CLUSTER" in line or CLUSTER in line]
    return "; ".join(table[:4])


def case_reset_rejoin(case):
    host = edge_hosts()[-1]
    playbook(case, "reset", "--limit", host)
    nodes = hosted_nodes(case)
    if host in nodes:
        raise Failed("%s is still a node of %s after reset.yml" % (host, CLUSTER))
    if in_host(case, host, "test", "-e", "/var/lib/k0s/kubelet.conf", check=False).returncode == 0:
        raise Failed("reset.yml left /var/lib/k0s/kubelet.conf on %s" % host)
    done, recap = playbook(case, "site", "--limit", host, "-vvv", "-e",
                           "lab_k0s_version=" + STATE.get("version", first_version()))
    assert_no_leaks(done, "site.yml -vvv (a join)")
    if set(recap) != {host}:
        raise Failed("--limit %s touched %s" % (host, sorted(recap)))
    wait_for("%s Ready" % host, lambda: all_ready(case, [host]), timeout=120)
    if in_host(case, host, "test", "-e", "/etc/k0s/join.token", check=False).returncode == 0:
        raise Failed("the token file is still on %s after the join" % host)
    return "%s reset, re-joined with a new token (-vvv output checked for secrets)" % host


def controller_binary():
    version = STATE.get("version", first_version())
    return os.path.join(LAB_STATE, "controller-cache", version, "k0s-%s-amd64" % version), version


def sha256(path):
    import hashlib
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def site_args():
    return ["-e", "lab_k0s_version=" + STATE.get("version", first_version())]


def case_corrupted_download(case):
    path, version = controller_binary()
    good = sha256(path)
    with open(path, "ab") as handle:
        handle.write(b"corrupted")
    before = mirror_gets("k0s-%s-amd64" % version)
    playbook(case, "site", *site_args())
    if sha256(path) != good:
        raise Failed("the corrupted binary in the controller's cache was not replaced")
    fetched = mirror_gets("k0s-%s-amd64" % version) - before
    # The mirror itself serves a corrupted file: the run must stop before any host gets it.
    origin = os.path.join(LAB_STATE, "mirror", version, "k0s-%s-amd64" % version)
    os.rename(origin, origin + ".good")
    try:
        with open(origin + ".good", "rb") as source, open(origin, "wb") as bad:
            bad.write(source.read(1 << 20))
        with open(path, "ab") as handle:
            handle.write(b"corrupted")
        done, _recap = playbook(case, "site", *site_args(), check=False)
        if done.returncode == 0 or "checksum" not in (done.stdout + done.stderr).lower():
            raise Failed("a download that does not match sha256sums.txt was not refused (exit %d)" % done.returncode)
        for host in edge_hosts():
            installed = in_host(case, host, "k0s", "version").stdout.strip()
            if installed != version:
                raise Failed("%s runs %r after the refused download" % (host, installed))
    finally:
        os.replace(origin + ".good", origin)
    playbook(case, "site", *site_args())
    return "a corrupted cached binary was fetched again (%d download); a bad download was refused before install" % (
        fetched)


def reset_host(case, host):
    playbook(case, "reset", "--limit", host)


def case_token_expired_before_use(case):
    host = edge_hosts()[-1]
    reset_host(case, host)
    token = os.path.join(CONTROLLER_DIR, "e2e-expired.token")
    kubeconfig = os.path.join(LAB_STATE, "management.kubeconfig")
    run(case, ["ansible", "localhost", "-m", "k0smotron.fleet.join_token", "-a",
               "cluster=%s namespace=%s name=e2e-expired dest=%s expiry=2s renew_before=0s kubeconfig=%s" % (
                   CLUSTER, NAMESPACE, token, kubeconfig)])
    time.sleep(5)
    run(case, ["podman", "cp", token, "%s:/etc/k0s/join.token" % host], quiet=True)
    in_host(case, host, "k0s", "install", "worker", "--token-file", "/etc/k0s/join.token", "--profile", "lab",
            "--ignore-pre-flight-checks")
    in_host(case, host, "systemctl", "start", "k0sworker")
    time.sleep(20)
    if host in hosted_nodes(case):
        raise Failed("%s joined with an expired token" % host)
    playbook(case, "site", "--limit", host, *site_args())
    wait_for("%s Ready" % host, lambda: all_ready(case, [host]), timeout=120)
    os.unlink(token)
    return "an expired token never joined %s; site.yml then joined it with a fresh one" % host


def background_site(case, host):
    log_path = os.path.join(LOGS, case + ".background.log")
    # Both are closed and waited for by finish_background.
    handle = open(log_path, "w", encoding="utf-8")  # pylint: disable=consider-using-with
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        ["ansible-playbook", "-i", INVENTORY, "playbooks/site.yml", "--limit", host] + site_args(),
        stdout=handle, stderr=subprocess.STDOUT, cwd=REPO, env=dict(os.environ, ANSIBLE_FORCE_COLOR="0"))
    return process, handle


def finish_background(process, handle, timeout=900):
    try:
        return process.wait(timeout=timeout)
    finally:
        handle.close()


def case_edge_restart_during_install(case):
    host = edge_hosts()[0]
    reset_host(case, host)
    process, handle = background_site(case, host)
    wait_for("the k0sworker service on %s" % host, lambda: (in_host(
        case, host, "test", "-e", "/etc/systemd/system/k0sworker.service", check=False).returncode == 0,
        "not installed yet"), timeout=300, every=1)
    run(case, ["podman", "restart", "--time", "5", host])
    first = finish_background(process, handle)
    run(case, [LAB, "up"], timeout=1800)  # the lab's routes and address, as after any host restart
    playbook(case, "site", "--limit", host, *site_args())
    wait_for("%s Ready" % host, lambda: all_ready(case, [host]), timeout=300)
    return "%s restarted during its install (the first run ended %d); the re-run joined it" % (host, first)


def case_control_plane_pod_deleted_mid_join(case):
    host = edge_hosts()[-1]
    reset_host(case, host)
    process, handle = background_site(case, host)
    wait_for("the join to start on %s" % host, lambda: (in_host(
        case, host, "test", "-e", "/etc/k0s/join.token", check=False).returncode == 0, "no token yet"),
        timeout=300, every=1)
    mgmt_kubectl(case, "delete", "pod", "-n", NAMESPACE, "kmc-%s-0" % CLUSTER, "--wait=false")
    first = finish_background(process, handle)
    if first != 0:
        playbook(case, "site", "--limit", host, *site_args())
    wait_for("every node Ready", lambda: all_ready(case, edge_hosts()), timeout=300)
    return "the control-plane pod was deleted during %s's join (first run exit %d); all nodes Ready after, none lost" % (
        host, first)


def case_management_restart(case):
    run(case, ["podman", "restart", "--time", "30", MANAGEMENT])
    run(case, [LAB, "up"], timeout=1800)
    done, recap = playbook(case, "site", *site_args())
    wait_for("every node Ready", lambda: all_ready(case, edge_hosts()), timeout=600)
    moved = dict((h, r[1]) for h, r in recap.items() if r[1])
    return "management node restarted; site.yml converged (changes: %s), every node Ready" % (moved or "none")


def case_upgrade(case):
    if STATE.get("version", first_version()) == VERSIONS["K0S_VERSION"]:
        raise Skipped("no k0s %s artifact to start from" % VERSIONS["K0S_UPGRADE_VERSION"])
    start = time.monotonic()
    STATE["version"] = VERSIONS["K0S_VERSION"]  # what the inventory declares from here on
    playbook(case, "upgrade")
    seconds = time.monotonic() - start
    for host in edge_hosts():
        installed = in_host(case, host, "k0s", "version").stdout.strip()
        if installed != VERSIONS["K0S_VERSION"]:
            raise Failed("%s runs %s after upgrade.yml" % (host, installed))
    image = mgmt_kubectl(case, "get", "statefulset", "-n", NAMESPACE, "kmc-" + CLUSTER, "-o",
                         "jsonpath={.spec.template.spec.containers[0].image}").stdout
    if not image.endswith(VERSIONS["K0S_VERSION"].replace("+", "-")):
        raise Failed("the control plane runs %s" % image)
    wait_for("every node Ready", lambda: all_ready(case, edge_hosts()), timeout=300)
    done, recap = playbook(case, "upgrade")
    unchanged(recap, "a second upgrade.yml")
    return "%s -> %s: control plane, then %d workers drained and upgraded one by one, in %.0fs; a second run " \
           "changed nothing" % (VERSIONS["K0S_UPGRADE_VERSION"], VERSIONS["K0S_VERSION"], len(edge_hosts()), seconds)


def case_add_host_with_limit(case):
    env = {"LAB_EDGE_HOSTS": str(len(edge_hosts()) + 1)}
    run(case, [LAB, "up"], env=env, timeout=1800)
    os.environ["LAB_EDGE_HOSTS"] = env["LAB_EDGE_HOSTS"]
    host = edge_hosts()[-1]
    done, recap = playbook(case, "site", "--limit", host, *site_args())
    if set(recap) != {host}:
        raise Failed("--limit %s touched %s" % (host, sorted(recap)))
    wait_for("%s Ready" % host, lambda: all_ready(case, [host]), timeout=300)
    return "%s added with --limit; no other host ran" % host


PG_URL = "postgres://fleet_e2e:e2e-db-password@10.89.40.1:5432/demo_pg?sslmode=disable"


def postgres_ready(case):
    """A PostgreSQL server from Debian's packages on the lab network's gateway (this machine)."""
    if run(case, ["sh", "-c", "command -v pg_ctlcluster"], check=False, quiet=True).returncode != 0:
        log("  installing PostgreSQL from Debian's packages")
        run(case, ["apt-get", "install", "-y", "-qq", "postgresql"], env={"DEBIAN_FRONTEND": "noninteractive"},
            timeout=900)
    version = run(case, ["sh", "-c", "ls /etc/postgresql | sort -n | tail -n1"], quiet=True).stdout.strip()
    conf = "/etc/postgresql/%s/main" % version
    with open(conf + "/conf.d/k0smotron-fleet-e2e.conf", "w", encoding="utf-8") as handle:
        handle.write("listen_addresses = 'localhost,10.89.40.1'\n")
    with open(conf + "/pg_hba.conf", encoding="utf-8") as handle:
        hba = handle.read()
    line = "host demo_pg fleet_e2e 10.89.40.0/24 scram-sha-256\n"
    if line not in hba:
        with open(conf + "/pg_hba.conf", "a", encoding="utf-8") as handle:
            handle.write(line)
    run(case, ["pg_ctlcluster", version, "main", "restart"], check=False)
    run(case, ["pg_ctlcluster", version, "main", "start"], check=False)
    sql = ("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fleet_e2e') THEN "
           "CREATE ROLE fleet_e2e LOGIN PASSWORD 'e2e-db-password'; END IF; END $$;")
    as_postgres = ["runuser", "-u", "postgres", "--"]
    run(case, as_postgres + ["psql", "-q", "-c", sql], quiet=True)
    # A fresh database each run: a control plane deleted before leaves its data there.
    run(case, as_postgres + ["dropdb", "--if-exists", "demo_pg"], quiet=True)
    run(case, as_postgres + ["createdb", "-O", "fleet_e2e", "demo_pg"], quiet=True)
    return version


def hosted_configmap(case, kubeconfig, action):
    code = ("import kubernetes, sys; c = kubernetes.config.new_client_from_config(%r);"
            "api = kubernetes.client.CoreV1Api(c);"
            "body = {'metadata': {'name': 'e2e-survives'}, 'data': {'k': 'v'}};"
            "api.create_namespaced_config_map('default', body) if %r == 'create' else "
            "print(api.read_namespaced_config_map('e2e-survives', 'default').data['k'])") % (kubeconfig, action)
    return run(case, [sys.executable, "-c", code], quiet=True, check=False)


def case_postgres_two_replicas(case):
    version = postgres_ready(case)
    start = time.monotonic()
    done = run(case, ["ansible-playbook", "tests/e2e/postgres.yml", "-e", "e2e_db_url=" + PG_URL, "-e",
                      "e2e_version=" + VERSIONS["K0S_VERSION"]], timeout=900)
    assert_no_leaks(done, "the two-replica control plane's run")
    ready_after = time.monotonic() - start
    ready = mgmt_kubectl(case, "get", "statefulset", "-n", NAMESPACE, "kmc-demo-pg", "-o",
                         "jsonpath={.status.readyReplicas}").stdout.strip()
    if ready != "2":
        raise Failed("demo-pg has %r ready replicas, 2 expected" % ready)
    kubeconfig = os.path.join(CONTROLLER_DIR, "e2e-demo-pg.kubeconfig")
    run(case, ["ansible", "localhost", "-m", "k0smotron.fleet.kubeconfig", "-a",
               "cluster=demo-pg namespace=%s dest=%s kubeconfig=%s" % (
                   NAMESPACE, kubeconfig, os.path.join(LAB_STATE, "management.kubeconfig"))], quiet=True)
    created = hosted_configmap(case, kubeconfig, "create")
    if created.returncode != 0:
        raise Failed("could not write to demo-pg's API: %s" % created.stderr[-300:])
    # The database goes away and comes back: the control plane must serve again with nothing lost.
    run(case, ["pg_ctlcluster", version, "main", "stop"])
    wait_for("demo-pg's API to notice the database is gone", lambda: (
        hosted_configmap(case, kubeconfig, "read").returncode != 0, "still answering"), timeout=180, every=5)
    down_at = time.monotonic()
    run(case, ["pg_ctlcluster", version, "main", "start"])
    wait_for("demo-pg's API back with the ConfigMap", lambda: (
        hosted_configmap(case, kubeconfig, "read").stdout.strip() == "v", "not yet"), timeout=300, every=5)
    back_after = time.monotonic() - down_at
    done = run(case, ["ansible-playbook", "tests/e2e/postgres.yml", "-e", "e2e_pg_state=absent"], timeout=900)
    left = mgmt_kubectl(case, "get", "all,configmaps,secrets", "-n", NAMESPACE, "-l",
                        "k0smotron.fleet/cluster=demo-pg", "-o", "name").stdout.strip()
    if left:
        raise Failed("deleting demo-pg left %s" % left)
    os.unlink(kubeconfig)
    return ("2 replicas on PostgreSQL Ready %.0fs after apply; PostgreSQL stopped and started: API back %.0fs after, "
            "ConfigMap kept; deleted with nothing left" % (ready_after, back_after))


class Skipped(Exception):
    pass


CASES = [
    ("lab-up", "setup", case_lab_up),
    ("site", "flow", case_site),
    ("site-again-no-change", "idempotence", case_site_again),
    ("check-mode", "idempotence", case_check_mode),
    ("status-table", "flow", case_status),
    ("reset-and-rejoin", "flow", case_reset_rejoin),
    ("upgrade", "flow", case_upgrade),
    ("add-host-with-limit", "flow", case_add_host_with_limit),
    ("corrupted-download", "fault", case_corrupted_download),
    ("token-expired-before-use", "fault", case_token_expired_before_use),
    ("edge-host-restarted-during-install", "fault", case_edge_restart_during_install),
    ("control-plane-pod-deleted-mid-join", "fault", case_control_plane_pod_deleted_mid_join),
    ("management-node-restarted", "fault", case_management_restart),
    ("postgres-two-replicas-stopped-and-started", "fault", case_postgres_two_replicas),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated case names")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    os.makedirs(OUTPUT, exist_ok=True)
    results = []
    for name, kind, function in CASES:
        if only and name not in only:
            continue
        log("case %s (%s)" % (name, kind))
        start = time.monotonic()
        entry = {"name": name, "kind": kind, "passed": False, "seconds": 0.0}
        try:
            entry["detail"] = function(name)
            entry["passed"] = True
        except Skipped as exc:
            entry.update(passed=None, skipped=True, detail="skipped: %s" % exc)
        except Failed as exc:
            entry["detail"] = str(exc)
        # Any crash is this case's failure, recorded like the others.
        except Exception as exc:  # pylint: disable=broad-except
            entry["detail"] = "crashed: %s\n%s" % (exc, traceback.format_exc())
        entry["seconds"] = round(time.monotonic() - start, 1)
        results.append(entry)
        verdict = "skipped" if entry.get("skipped") else ("passed" if entry["passed"] else "FAILED")
        log("  %s in %.0fs: %s" % (verdict, entry["seconds"], entry["detail"]))
        if not entry["passed"] and kind == "setup":
            break
    if os.environ.get("E2E_KEEP_LAB") != "1" and not only:
        log("removing the lab (E2E_KEEP_LAB=1 keeps it)")
        run("lab-down", [LAB, "down"], check=False, timeout=600)
    with open(os.path.join(OUTPUT, "e2e-summary.json"), "w", encoding="utf-8") as handle:
        json.dump({"k0s_version": VERSIONS["K0S_VERSION"], "cases": results}, handle, indent=1)
    passed = sum(1 for r in results if r["passed"])
    skipped = sum(1 for r in results if r.get("skipped"))
    failed = len(results) - passed - skipped
    print("e2e: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
