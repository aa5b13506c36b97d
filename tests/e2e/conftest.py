# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End-to-end tests on real k0s (pytest): the lab (lab/lab.sh), the playbooks, the faults edge sites meet.

    make e2e                                          every case, from a fresh lab to lab down
    python -m pytest tests/e2e --collect-only -q      the cases
    python -m pytest tests/e2e -k 'upgrade or limit'  some cases only, on the lab as it is
    PYTEST_ADDOPTS='-k upgrade' make e2e              the same through make

The cases run in order on one lab: the files in their order (test_1_lab_up ... test_5_postgres),
each file's cases as they are written; later cases build on what earlier ones made (the lab, the
joined hosts, the version after the upgrade). A failed case is reported and the run goes on,
except the lab's setup (lab-up): without it nothing else can run, so the run stops there. Every
case has a kind, a marker (`-m fault`): setup, flow, idempotence, fault.

What it writes: tests/output/e2e-summary.json (each case: name, kind, passed, seconds, detail),
one log per case with every command and its output in tests/output/e2e/, a JUnit report where
--junitxml says (make e2e: where make test's closing line counts it), and a closing line
"e2e: N passed, N failed, N skipped". A run of every case removes the lab at the end.

Environment: E2E_REUSE_LAB=1 (lab-up keeps a running lab), E2E_KEEP_LAB=1 (the lab stays after
a run of every case), E2E_K0S_VERSION (the version a lab already upgraded runs, for a run of some
cases only), LAB_EDGE_HOSTS, K0SMOTRON_FLEET_ARTIFACTS. The lab is brought up with LAB_UPGRADE=1:
it carries K0S_UPGRADE_VERSION's k0s as well, which the upgrade case starts from; without that
version's release files the upgrade case is skipped and says which files it wanted where.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import subprocess
import sys
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(REPO, "tests", "output")
LOGS = os.path.join(OUTPUT, "e2e")
LAB = os.path.join(REPO, "lab", "lab.sh")
sys.path.insert(0, os.path.join(REPO, "tests", "utils"))
import lab_versions  # noqa: E402  pylint: disable=wrong-import-position

VERSIONS = lab_versions.read()
ARCH = VERSIONS.get("GOARCH", "amd64")
CACHE = os.environ.get("K0SMOTRON_FLEET_CACHE", os.path.expanduser("~/.cache/k0smotron-fleet"))
ARTIFACTS = os.environ.get("K0SMOTRON_FLEET_ARTIFACTS", os.path.join(CACHE, "artifacts"))
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
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
KINDS = ("setup", "flow", "idempotence", "fault")
LOG = logging.getLogger("e2e")


def log(message):
    LOG.info(message)


def k0s_file(version):
    """The release binary's name for this lab's architecture."""
    return "k0s-%s-%s" % (version, ARCH)


def upgrade_files_missing():
    """The upgrade version's release files that are not in the artifacts folder (lab/artifacts.sh's layout)."""
    version = VERSIONS["K0S_UPGRADE_VERSION"]
    wanted = [os.path.join(ARTIFACTS, version, k0s_file(version)), os.path.join(ARTIFACTS, version, "sha256sums.txt")]
    return [path for path in wanted if not os.path.exists(path)]


class Lab:
    """The lab as the cases use it: commands (each logged in its case's file), playbooks, the hosted API."""

    # Where things are, for the cases.
    versions = VERSIONS
    state = LAB_STATE
    management_kubeconfig = os.path.join(LAB_STATE, "management.kubeconfig")
    controller_dir = CONTROLLER_DIR
    management = MANAGEMENT
    cluster = CLUSTER
    namespace = NAMESPACE

    def __init__(self):
        self.case = "session"
        self._version = None

    log = staticmethod(log)
    k0s_file = staticmethod(k0s_file)
    upgrade_files_missing = staticmethod(upgrade_files_missing)

    # --- commands --------------------------------------------------------------------------------

    def run(self, argv, check=True, env=None, timeout=1800, quiet=False):
        """Run a command, its output into the case's log; the CompletedProcess (text)."""
        os.makedirs(LOGS, exist_ok=True)
        start = time.monotonic()
        if not quiet:
            log("  $ %s" % " ".join(shlex.quote(a) for a in argv))
        full_env = dict(os.environ, **(env or {}))
        try:
            done = subprocess.run(argv, capture_output=True, text=True, env=full_env, timeout=timeout, cwd=REPO,
                                  check=False)
        except subprocess.TimeoutExpired:
            done = None
        if done is None:
            pytest.fail("%s did not finish within %ds" % (argv[0], timeout), pytrace=False)
        with open(os.path.join(LOGS, self.case + ".log"), "a", encoding="utf-8") as handle:
            handle.write("$ %s\n(exit %d after %.1fs)\n%s\n%s\n" % (
                " ".join(argv), done.returncode, time.monotonic() - start, done.stdout, done.stderr))
        if check and done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            pytest.fail("%s exited %d:\n%s" % (" ".join(argv[:3]), done.returncode, tail), pytrace=False)
        return done

    def lab_sh(self, *args, env=None, timeout=1800, check=True):
        """lab/lab.sh with the upgrade version's k0s too (LAB_UPGRADE=1)."""
        return self.run([LAB] + list(args), env=dict({"LAB_UPGRADE": "1"}, **(env or {})), timeout=timeout, check=check)

    def playbook(self, name, *args, check=True, env=None):
        """ansible-playbook playbooks/NAME.yml on the lab; (CompletedProcess, {host: (ok, changed, unreachable, failed)})."""
        argv = ["ansible-playbook", "-i", INVENTORY, os.path.join("playbooks", name + ".yml")] + list(args)
        done = self.run(argv, check=check, env=dict({"ANSIBLE_FORCE_COLOR": "0"}, **(env or {})))
        recap = dict((m.group(1), tuple(int(m.group(i)) for i in range(2, 6))) for m in RECAP.finditer(done.stdout))
        return done, recap

    def site(self, *args, check=True):
        """site.yml at the version the fleet runs now."""
        return self.playbook("site", *(list(args) + self.site_args()), check=check)

    def reset_host(self, host):
        self.playbook("reset", "--limit", host)

    def rejoin_in_background(self, host, path, waiting):
        """reset.yml on HOST, then site.yml --limit HOST in the background until PATH is on HOST.

        WAITING says what is awaited meanwhile. (process, log handle) for finish_background.
        """
        self.reset_host(host)
        process, handle = self.background_site(host)
        self.wait_for("%s on %s" % (waiting, host), lambda: (self.has_file(host, path), "not there yet"),
                      timeout=300, every=1)
        return process, handle

    def background_site(self, host):
        """site.yml --limit HOST started in the background; (process, log handle) for finish_background."""
        log_path = os.path.join(LOGS, self.case + ".background.log")
        os.makedirs(LOGS, exist_ok=True)
        # Both are closed and waited for by finish_background.
        handle = open(log_path, "w", encoding="utf-8")  # pylint: disable=consider-using-with
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            ["ansible-playbook", "-i", INVENTORY, "playbooks/site.yml", "--limit", host] + self.site_args(),
            stdout=handle, stderr=subprocess.STDOUT, cwd=REPO, env=dict(os.environ, ANSIBLE_FORCE_COLOR="0"))
        return process, handle

    @staticmethod
    def finish_background(process, handle, timeout=900):
        try:
            return process.wait(timeout=timeout)
        finally:
            handle.close()

    def mgmt_kubectl(self, *args, check=True):
        return self.run(["podman", "exec", MANAGEMENT, "k0s", "kubectl"] + list(args), check=check, quiet=True)

    def in_host(self, host, *argv, check=True):
        return self.run(["podman", "exec", host] + list(argv), check=check, quiet=True)

    def has_file(self, host, path):
        return self.in_host(host, "test", "-e", path, check=False).returncode == 0

    # --- what the fleet looks like ---------------------------------------------------------------

    @staticmethod
    def edge_hosts():
        return ["fleet-edge-%d" % i for i in range(1, int(os.environ.get("LAB_EDGE_HOSTS", "2")) + 1)]

    def hosted_nodes(self):
        """{node: (ready, kubelet version)} as the hosted control plane's API lists them."""
        kubeconfig = os.path.join(CONTROLLER_DIR, "%s-%s.kubeconfig" % (NAMESPACE, CLUSTER))
        code = ("import json, kubernetes; c = kubernetes.config.new_client_from_config(%r);"
                "n = kubernetes.client.CoreV1Api(c).list_node().items;"
                "print(json.dumps({x.metadata.name: [any(k.type == 'Ready' and k.status == 'True' for k in "
                "x.status.conditions or []), x.status.node_info.kubelet_version] for x in n}))" % kubeconfig)
        done = self.run([sys.executable, "-c", code], quiet=True)
        return dict((k, tuple(v)) for k, v in json.loads(done.stdout).items())

    def all_ready(self, hosts):
        nodes = self.hosted_nodes()
        missing = [h for h in hosts if not nodes.get(h, (False,))[0]]
        return not missing, "not Ready: %s" % ", ".join(missing) if missing else "all Ready"

    @staticmethod
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
                pytest.fail("%s: still %s after %ds" % (what, state, timeout), pytrace=False)
            time.sleep(every)

    def wait_ready(self, hosts=None, timeout=600):
        """Wait until HOSTS (default: every edge host) are Ready nodes of the hosted cluster."""
        what = "every node Ready" if hosts is None else "%s Ready" % ", ".join(hosts)
        hosts = self.edge_hosts() if hosts is None else hosts
        return self.wait_for(what, lambda: self.all_ready(hosts), timeout=timeout)

    @staticmethod
    def mirror_gets(path_part):
        """How many times the lab's release mirror served a file whose path has PATH_PART."""
        try:
            with open(os.path.join(LAB_STATE, "mirror.log"), encoding="utf-8", errors="replace") as handle:
                return sum(1 for line in handle if '"GET /' in line and path_part in line and '" 200 ' in line)
        except FileNotFoundError:
            return 0

    # --- the version the fleet runs --------------------------------------------------------------

    @property
    def version(self):
        """The k0s version the fleet runs: the upgrade version until the upgrade case, when the lab has it."""
        if self._version:
            return self._version
        # A run of some cases only, on a lab already upgraded, says its version here.
        if os.environ.get("E2E_K0S_VERSION"):
            return os.environ["E2E_K0S_VERSION"]
        return VERSIONS["K0S_VERSION"] if upgrade_files_missing() else VERSIONS["K0S_UPGRADE_VERSION"]

    @version.setter
    def version(self, value):
        self._version = value

    def site_args(self):
        return ["-e", "lab_k0s_version=" + self.version]

    # --- checks ----------------------------------------------------------------------------------

    @staticmethod
    def assert_no_leaks(done, where):
        text = done.stdout + done.stderr
        for pattern in LEAKS:
            found = pattern.search(text)
            assert not found, "%s shows something secret (pattern %s) at offset %d" % (
                where, pattern.pattern, found.start())

    @staticmethod
    def assert_unchanged(recap, where):
        moved = dict((h, r[1]) for h, r in recap.items() if r[1] or r[3] or r[2])
        assert not moved, "%s reported changes or failures: %s" % (where, moved)

    @staticmethod
    def assert_only(recap, host):
        assert set(recap) == {host}, "--limit %s touched %s" % (host, sorted(recap))


# --- fixtures ------------------------------------------------------------------------------------

_LAB = Lab()
_DETAIL = pytest.StashKey[str]()
_RESULTS = pytest.StashKey[list]()
_DESELECTED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def lab():
    """The lab, shared by every case of the run (and the version the fleet runs, which cases change)."""
    return _LAB


@pytest.fixture(autouse=True)
def _case(request):
    """Commands of this case log into tests/output/e2e/CASE.log."""
    _LAB.case = case_name(request.node)
    yield
    _LAB.case = "session"


@pytest.fixture
def detail(request):
    """detail(TEXT): what the case showed, in one line, for the log and tests/output/e2e-summary.json."""
    def record(text):
        request.node.stash[_DETAIL] = text
        log("  %s" % text)
    return record


def case_name(item):
    """test_site_again_no_change -> site-again-no-change."""
    return getattr(item, "originalname", item.name).replace("test_", "", 1).replace("_", "-")


def case_kind(item):
    kinds = [kind for kind in KINDS if item.get_closest_marker(kind)]
    return kinds[0] if kinds else "flow"


# --- hooks: order, the summary, the lab at the end ------------------------------------------------

def pytest_configure(config):
    config.stash[_RESULTS] = []
    config.stash[_DESELECTED] = False


def pytest_report_header(config):
    version = VERSIONS["K0S_UPGRADE_VERSION"]
    missing = upgrade_files_missing()
    lines = ["e2e: k0s %s on the lab in %s; artifacts in %s" % (VERSIONS["K0S_VERSION"], LAB_STATE, ARTIFACTS)]
    if missing:
        lines.append("e2e: the upgrade case starts from k0s %s, whose release files are missing (%s): lab-up "
                     "downloads them where there is internet, otherwise the upgrade case is skipped" % (
                         version, ", ".join(missing)))
    else:
        lines.append("e2e: upgrade case from k0s %s (release files found)" % version)
    return lines


def pytest_deselected(items):
    if items:
        items[0].config.stash[_DESELECTED] = True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" or (report.when == "setup" and not report.passed):
        entry = {"name": case_name(item), "kind": case_kind(item), "passed": report.passed,
                 "seconds": round(call.duration, 1)}
        if report.skipped:
            reason = call.excinfo.value.msg if call.excinfo else str(report.longrepr)
            entry.update(passed=None, skipped=True, detail="skipped: %s" % reason)
        elif report.failed:
            value = call.excinfo.value
            if isinstance(value, (AssertionError, pytest.fail.Exception)):
                entry["detail"] = getattr(value, "msg", None) or str(value)
            else:
                entry["detail"] = "crashed: %s\n%s" % (value, report.longreprtext)
        else:
            entry["detail"] = item.stash.get(_DETAIL, "")
        item.config.stash[_RESULTS].append(entry)
        if report.failed and entry["kind"] == "setup":
            item.session.shouldfail = "%s failed: the later cases need what it makes" % entry["name"]
    return report


def full_run(session):
    """Every case selected: every argument a folder (not a file or a case), nothing deselected."""
    args = [str(arg).split("::", 1)[0] for arg in session.config.args]
    return not session.config.stash[_DESELECTED] and all(os.path.isdir(arg) for arg in args)


def results_of(config):
    """The cases that ran, as tests/output/e2e-summary.json lists them (none for --collect-only)."""
    return [] if config.option.collectonly else config.stash[_RESULTS]


def pytest_sessionfinish(session, exitstatus):
    results = results_of(session.config)
    if not results:
        return
    if full_run(session) and exitstatus != pytest.ExitCode.INTERRUPTED and os.environ.get("E2E_KEEP_LAB") != "1":
        log("removing the lab (E2E_KEEP_LAB=1 keeps it)")
        _LAB.case = "lab-down"
        _LAB.lab_sh("down", check=False, timeout=600)
    os.makedirs(OUTPUT, exist_ok=True)
    with open(os.path.join(OUTPUT, "e2e-summary.json"), "w", encoding="utf-8") as handle:
        json.dump({"k0s_version": VERSIONS["K0S_VERSION"], "cases": results}, handle, indent=1)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    results = results_of(config)
    if not results:
        return
    terminalreporter.section("e2e cases")
    for entry in results:
        verdict = "skipped" if entry.get("skipped") else ("passed" if entry["passed"] else "FAILED")
        terminalreporter.write_line("%-7s %6.0fs  %s (%s): %s" % (
            verdict, entry["seconds"], entry["name"], entry["kind"], entry["detail"].splitlines()[0] if entry["detail"] else ""))
    passed = sum(1 for r in results if r["passed"])
    skipped = sum(1 for r in results if r.get("skipped"))
    terminalreporter.write_line("summary: %s; logs: %s" % (os.path.join(OUTPUT, "e2e-summary.json"), LOGS))
    terminalreporter.write_line("e2e: %d passed, %d failed, %d skipped" % (passed, len(results) - passed - skipped, skipped))
