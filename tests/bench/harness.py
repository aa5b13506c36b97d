# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every benchmark figure needs: progress lines, logged commands and playbooks, figures
with their baselines, and the machine and versions they were measured on.

A figure is a value (seconds, MiB, millicores...), its samples, and the name of its baseline:
another figure measured in the same run, so that ratios compare like with like on the same
machine at the same moment. No figure is checked against a limit: the benchmark measures."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(REPO, "tests", "utils"))
import lab_versions  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOKS = os.path.join(HERE, "playbooks")


def versions_env():
    """lab/versions.env as a dict."""
    return lab_versions.read()


def percentile(samples, fraction):
    """Nearest-rank percentile (p50: fraction 0.5) of a non-empty list."""
    ordered = sorted(samples)
    rank = max(1, int(round(fraction * len(ordered) + 0.4999)))
    return ordered[min(rank, len(ordered)) - 1]


def median(samples):
    return percentile(samples, 0.5)


class BenchError(Exception):
    """A step of the benchmark failed; the message says which and where its log is."""


class Bench:
    """One benchmark run: its figures, its logs, its progress lines."""

    def __init__(self, output, mode, quick):
        self.output = output
        self.logs = os.path.join(output, "logs")
        self.mode = mode
        self.quick = quick
        self.figures = {}
        self.notes = []
        self.started = datetime.datetime.now(datetime.timezone.utc)
        self._t0 = time.monotonic()
        os.makedirs(self.logs, exist_ok=True)
        # Extra-vars files and read-back results: the controller's own, private.
        self.scratch = tempfile.mkdtemp(prefix="bench-", dir=output)
        os.chmod(self.scratch, 0o700)

    def close(self):
        """Remove the scratch folder: extra-vars files, key material read back, token files."""
        shutil.rmtree(self.scratch, ignore_errors=True)

    # --- progress --------------------------------------------------------------------------------

    @staticmethod
    def say(message):
        print("[bench %s] %s" % (time.strftime("%H:%M:%S"), message), flush=True)

    @contextlib.contextmanager
    def step(self, name, what):
        """Progress for a step that takes a while: a line at its start, every 15 s, and at its end."""
        start = time.monotonic()
        self.say("%s: %s" % (name, what))
        done = threading.Event()

        def tick():
            while not done.wait(15):
                self.say("%s: %s, %ds so far" % (name, what, time.monotonic() - start))
        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            yield
        finally:
            done.set()
            ticker.join()
            self.say("%s: done in %.1fs" % (name, time.monotonic() - start))

    # --- commands --------------------------------------------------------------------------------

    def run(self, argv, log, env=None, check=True, timeout=3600, input_text=None, secret_output=False):
        """Run ARGV, its output appended to logs/LOG.log; the CompletedProcess (text).

        SECRET_OUTPUT: its stdout holds a secret (a token, a kubeconfig) and is not logged."""
        start = time.monotonic()
        try:
            done = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, timeout=timeout, check=False,
                                  env=dict(os.environ, **(env or {})), input=input_text)
        except subprocess.TimeoutExpired as exc:
            raise BenchError("%s did not finish within %ds (log: %s)" % (argv[0], timeout, self.log_path(log))) from exc
        with open(self.log_path(log), "a", encoding="utf-8") as handle:
            handle.write("$ %s\n(exit %d after %.1fs)\n%s\n%s\n" % (
                " ".join(shlex.quote(a) for a in argv), done.returncode, time.monotonic() - start,
                "(stdout withheld: it holds a secret)" if secret_output else done.stdout, done.stderr))
        if check and done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-12:])
            raise BenchError("%s exited %d (log: %s):\n%s" % (
                " ".join(argv[:3]), done.returncode, self.log_path(log), tail))
        return done

    def log_path(self, log):
        return os.path.join(self.logs, log + ".log")

    def playbook(self, name, extra_vars, log, inventory=None, args=()):
        """tests/bench/playbooks/NAME.yml with EXTRA_VARS (from a private file); what it wrote to bench_out."""
        handle, vars_file = tempfile.mkstemp(suffix=".json", dir=self.scratch)
        out = vars_file.replace(".json", ".out.json")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(dict(extra_vars, bench_out=out), stream)
        argv = ["ansible-playbook", os.path.join(PLAYBOOKS, name + ".yml"), "-e", "@" + vars_file]
        argv += ["-i", inventory] if inventory else ["-i", "localhost,"]
        try:
            self.run(argv + list(args), log, env={"ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1"})
            with open(out, encoding="utf-8") as stream:
                return json.load(stream)
        finally:
            for path in (vars_file, out):
                if os.path.exists(path):
                    os.unlink(path)

    # --- figures ---------------------------------------------------------------------------------

    def figure(self, name, value, unit, samples=None, baseline=None, **extra):
        """Record figure NAME; its ratio to BASELINE (another figure's name) is worked out at the end."""
        entry = {"value": round(value, 3), "unit": unit, "samples": [round(s, 3) for s in (samples or [])],
                 "baseline": baseline, "ratio": None}
        entry.update(extra)
        self.figures[name] = entry
        self.say("figure %s = %s %s%s" % (name, entry["value"], unit, " (baseline %s)" % baseline if baseline else ""))
        return entry

    def note(self, text):
        self.notes.append(text)
        self.say("note: %s" % text)

    def ratios(self):
        """Each figure's ratio to its baseline, and to the other figures it is compared with ("also")."""
        def ratio(entry, name):
            base = self.figures.get(name)
            return round(entry["value"] / base["value"], 3) if base and base["value"] else None
        for entry in self.figures.values():
            entry["ratio"] = ratio(entry, entry["baseline"]) if entry["baseline"] else None
            for name in entry.get("also", {}):
                entry["also"][name] = ratio(entry, name)

    # --- where it ran ------------------------------------------------------------------------------

    def machine(self):
        model = ""
        with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "")
        memory = 0
        with contextlib.suppress(OSError), open("/proc/meminfo", encoding="utf-8") as handle:
            memory = next((int(line.split()[1]) // 1024 for line in handle if line.startswith("MemTotal")), 0)
        return {"cpus": os.cpu_count(), "cpu_model": model, "memory_mib": memory, "kernel": platform.release(),
                "python": platform.python_version()}

    def versions(self):
        pinned = versions_env()
        found = {"k0s": pinned["K0S_VERSION"], "kubernetes": pinned["KUBERNETES_VERSION"],
                 "etcd": pinned["ETCD_VERSION"], "k0smotron": pinned["K0SMOTRON_VERSION"]}
        with contextlib.suppress(ImportError):
            import ansible.release  # pylint: disable=import-outside-toplevel
            found["ansible_core"] = ansible.release.__version__
        with open(os.path.join(REPO, "galaxy.yml"), encoding="utf-8") as handle:
            found["collection"] = next((line.split(":", 1)[1].strip() for line in handle
                                        if line.startswith("version:")), "")
        return found

    def results(self):
        self.ratios()
        return {"mode": self.mode, "quick": self.quick, "started": self.started.isoformat(timespec="seconds"),
                "seconds": round(time.monotonic() - self._t0, 1), "figures": self.figures, "notes": self.notes,
                "machine": self.machine(), "versions": self.versions(), "python_executable": sys.executable}
