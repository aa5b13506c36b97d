# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The figures measured on the lab with real k0s (make bench), on a fresh lab with 7 edge hosts:

    cp_ready          apply -> Ready of one control plane through the role (p50)  vs cp_floor
    cp_floor          the same pod template as a bare StatefulSet (no probes, no module), until
                      k0s's /readyz answers inside the pod, polled every 200 ms
    cp_parallel_N     the role's wall time for N control planes at once (N = 1, 4, 8)  vs cp_parallel_1
    cp_memory         working set of an idle control plane 60 s after Ready (tuned)  vs cp_memory_untuned
    cp_cpu_idle       its CPU use while idle, over 30 s (millicores)                 vs cp_cpu_idle_untuned
    tokens_500        a batch of join tokens through the hosted API  vs one call per token, and
                      `k0s token create` by exec in the pod (k0smotron's way)
    site_hosts_N      site.yml wall time on N fresh edge hosts (N = 1, 2, 4)          vs site_hosts_1
    site_noop         a second site.yml on the 4                                      vs site_hosts_4
    site_check        site.yml --check on the 4                                       vs site_hosts_4
    binary_downloads  k0s binary downloads from the lab's mirror for the 4            vs one

The lab is removed at the end (BENCH_KEEP_LAB=1 keeps it)."""

from __future__ import annotations

import copy
import json
import os
import shutil
import time

import yaml

import api_figures
from harness import REPO, BenchError, median, percentile, versions_env

LAB = os.path.join(REPO, "lab", "lab.sh")
CACHE = os.environ.get("K0SMOTRON_FLEET_CACHE", os.path.expanduser("~/.cache/k0smotron-fleet"))
STATE = os.path.join(CACHE, "lab")
INVENTORY = os.path.join(STATE, "inventory.yml")
MANAGEMENT_KUBECONFIG = os.path.join(STATE, "management.kubeconfig")
CONTROLLER_CACHE = os.path.join(STATE, "controller-cache")
MIRROR_LOG = os.path.join(STATE, "mirror.log")
MGMT = "fleet-mgmt"
NAMESPACE = "fleet"
EDGE_HOSTS = 7
READY_MARK = "BENCH-FLOOR-READY-UPTIME"

# A pod's working set and CPU time, from its cgroup in the management node (cgroup v1 or v2):
# "MEMORY_BYTES INACTIVE_FILE_BYTES CPU_NANOSECONDS".
CGROUP_SCRIPT = r'''
uid=$1
for d in /sys/fs/cgroup/memory/kubepods/*/pod$uid /sys/fs/cgroup/memory/kubepods/pod$uid; do
  if [ -d "$d" ]; then
    rel=${d#/sys/fs/cgroup/memory/}
    echo "$(cat "$d/memory.usage_in_bytes") $(awk '$1 == "total_inactive_file" {print $2}' "$d/memory.stat") $(cat "/sys/fs/cgroup/cpuacct/$rel/cpuacct.usage")"
    exit 0
  fi
done
d=$(find /sys/fs/cgroup -maxdepth 5 -type d \( -name "pod$uid" -o -name "*pod$(echo "$uid" | tr - _).slice" \) | head -n 1)
[ -n "$d" ] || { echo "no cgroup for pod $uid" >&2; exit 1; }
echo "$(cat "$d/memory.current") $(awk '$1 == "inactive_file" {print $2}' "$d/memory.stat") $(( $(awk '$1 == "usage_usec" {print $2}' "$d/cpu.stat") * 1000 ))"
'''


def sizes(quick):
    return dict(ready=2, parallel=(1, 2), idle=20, settle=30, tokens=50, per_call=5, exec=5, site=(1, 2)) if quick \
        else dict(ready=5, parallel=(1, 4, 8), idle=30, settle=60, tokens=500, per_call=50, exec=20, site=(1, 2, 4))


def uptime():
    """The kernel's seconds since boot: the same clock inside the lab's containers as here."""
    with open("/proc/uptime", encoding="utf-8") as handle:
        return float(handle.read().split()[0])


class LabBench:
    """The lab as the benchmark drives it."""

    def __init__(self, bench):
        self.bench = bench
        self.size = sizes(bench.quick)
        self.version = versions_env()["K0S_VERSION"]
        # The lab's inventory (fresh_lab reads it) and, from it, the role's settings for the lab.
        self.inventory = {}
        self.lab_vars = {}

    # --- commands --------------------------------------------------------------------------------

    def kubectl(self, *args, log="kubectl", check=True, input_text=None, secret_output=False):
        return self.bench.run(["podman", "exec", "-i", MGMT, "k0s", "kubectl"] + list(args), log, check=check,
                              input_text=input_text, secret_output=secret_output)

    def role(self, names, log, timeout=900, **extra):
        """The control_plane role for NAMES with the lab's settings; what the playbook measured."""
        values = dict(self.lab_vars, control_plane_clusters=[{"name": n} for n in names],
                      control_plane_wait_timeout=timeout, lab_k0s_version=self.version)
        values.update(extra)
        return self.bench.playbook("control_planes", values, log)

    def delete(self, names, log):
        self.role(names, log, control_plane_state="absent", control_plane_wait=True)

    def pod_uid(self, cluster):
        return self.kubectl("get", "pod", "-n", NAMESPACE, "kmc-%s-0" % cluster, "-o",
                            "jsonpath={.metadata.uid}").stdout.strip()

    def cgroup(self, uid):
        done = self.bench.run(["podman", "exec", MGMT, "sh", "-c", CGROUP_SCRIPT, "sh", uid], "memory")
        memory, inactive, cpu = (int(x or 0) for x in done.stdout.split())
        return memory - inactive, cpu

    # --- the lab ---------------------------------------------------------------------------------

    def fresh_lab(self):
        probe = self.bench.run([os.path.join(REPO, "lab", "artifacts.sh")], "lab", env={"LAB_OFFLINE": "1"},
                               check=False)
        if probe.returncode != 0:
            expected = self.bench.run([os.path.join(REPO, "lab", "artifacts.sh"), "--expected"], "lab", check=False)
            raise BenchError("make bench needs the k0s %s release files, which are not in the artifacts folder: %s "
                             "(put them there, or run where lab/artifacts.sh can download them; make bench-api "
                             "needs no k0s)" % (self.version, (expected.stdout + expected.stderr).strip()))
        with self.bench.step("lab", "a fresh lab: management node and %d edge hosts (lab/lab.sh)" % EDGE_HOSTS):
            self.bench.run([LAB, "down"], "lab")
            self.bench.run([LAB, "up"], "lab", env={"LAB_EDGE_HOSTS": str(EDGE_HOSTS)})
        with open(INVENTORY, encoding="utf-8") as handle:
            inventory = yaml.safe_load(handle)
        self.inventory = inventory
        # Not the hosts' connection variables.
        self.lab_vars = dict((k, v) for k, v in inventory["all"]["vars"].items()
                             if k.startswith("control_plane_") and k != "control_plane_clusters")

    def finish(self):
        if os.environ.get("BENCH_KEEP_LAB") == "1":
            self.bench.note("the lab was kept (BENCH_KEEP_LAB=1): make lab-down removes it")
            return
        with self.bench.step("lab", "removing the lab"):
            self.bench.run([LAB, "down"], "lab", check=False)

    # --- figures ---------------------------------------------------------------------------------

    def ready_and_floor(self):
        samples, walls = [], []
        last = "bench-ready-%d" % (self.size["ready"] - 1)
        for index in range(self.size["ready"]):
            name = "bench-ready-%d" % index
            with self.bench.step("cp_ready", "sample %d of %d: %s, apply to Ready" % (index + 1, self.size["ready"], name)):
                done = self.role([name], "cp_ready")
            samples.append(done["clusters"][0]["ready_seconds"])
            walls.append(done["seconds"])
            if name != last:
                self.delete([name], "cp_ready")
        template = json.loads(self.kubectl("get", "statefulset", "-n", NAMESPACE, "kmc-" + last, "-o", "json").stdout)
        self.kubectl("scale", "statefulset", "-n", NAMESPACE, "kmc-" + last, "--replicas=0")
        self.kubectl("wait", "--for=delete", "pod", "-n", NAMESPACE, "kmc-%s-0" % last, "--timeout=120s", check=False)
        floor = []
        try:
            for index in range(self.size["ready"]):
                with self.bench.step("cp_floor", "sample %d of %d: a bare StatefulSet until /readyz" % (
                        index + 1, self.size["ready"])):
                    floor.append(self.floor_sample(template, index))
        finally:
            self.delete([last], "cp_floor")
        self.bench.figure("cp_floor", median(floor), "s", samples=floor, p95=percentile(floor, 0.95),
                          what="the control plane's pod template as a bare StatefulSet (no probes), apply until "
                               "/readyz answers in the pod, polled every 200 ms")
        self.bench.figure("cp_ready", median(samples), "s", samples=samples, baseline="cp_floor",
                          p95=percentile(samples, 0.95), role_seconds=walls,
                          what="one control plane through the role: apply until the module saw it Ready")

    def floor_sample(self, template, index):
        name = "bench-floor-%d" % index
        manifest = floor_statefulset(template, name)
        started = uptime()
        self.kubectl("apply", "-f", "-", input_text=json.dumps(manifest), log="cp_floor")
        deadline = time.monotonic() + 600
        try:
            while time.monotonic() < deadline:
                logs = self.kubectl("logs", "-n", NAMESPACE, name + "-0", "-c", "controller", log="cp_floor-logs",
                                    check=False, secret_output=True)
                for line in logs.stdout.splitlines():
                    if line.startswith(READY_MARK):
                        return float(line.split()[1]) - started
                time.sleep(1)
            raise BenchError("the bare StatefulSet %s did not serve /readyz within 600s" % name)
        finally:
            self.kubectl("delete", "statefulset", "-n", NAMESPACE, name, "--wait=true", log="cp_floor", check=False)
            self.kubectl("wait", "--for=delete", "pod", "-n", NAMESPACE, name + "-0", "--timeout=120s",
                         log="cp_floor", check=False)

    def parallel(self):
        for count in self.size["parallel"]:
            names = ["bench-par%d-%d" % (count, i) for i in range(count)]
            figure = "cp_parallel_%d" % count
            with self.bench.step(figure, "%d control planes at once through the role, no ports given" % count):
                done = self.role(names, figure)
            ready = [c["ready_seconds"] for c in done["clusters"]]
            self.bench.figure(figure, done["seconds"], "s", baseline=None if count == 1 else "cp_parallel_1",
                              count=count, ready_seconds=ready, ready_p50=median(ready), ready_p99=percentile(ready, 0.99),
                              module_seconds=done["waited"])
            with self.bench.step(figure, "deleting the %d" % count):
                self.delete(names, figure)

    def idle(self, cluster, tuning):
        """(working set MiB, idle millicores) of CLUSTER, made with TUNING, settled, then measured."""
        with self.bench.step("cp_memory", "%s (tuning %s): Ready, then %ds idle" % (cluster, tuning, self.size["settle"])):
            self.bench.playbook("control_planes", dict(
                self.lab_vars, lab_k0s_version=self.version, control_plane_wait_timeout=900,
                control_plane_clusters=[{"name": cluster, "tuning": tuning}]), "cp_memory")
            time.sleep(self.size["settle"])
        uid = self.pod_uid(cluster)
        with self.bench.step("cp_memory", "%s: memory and CPU over %ds" % (cluster, self.size["idle"])):
            _memory, cpu_before = self.cgroup(uid)
            time.sleep(self.size["idle"])
            memory, cpu_after = self.cgroup(uid)
        return memory / 1048576.0, (cpu_after - cpu_before) / 1e6 / self.size["idle"]

    def memory_and_tokens(self):
        tuned = "bench-mem"
        try:
            memory, cpu = self.idle(tuned, "lean")
            self.tokens(tuned)
        finally:
            self.delete([tuned], "cp_memory")
        untuned = "bench-mem-untuned"
        try:
            memory_untuned, cpu_untuned = self.idle(untuned, "none")
        finally:
            self.delete([untuned], "cp_memory")
        self.bench.figure("cp_memory_untuned", memory_untuned, "MiB", what="the same with tuning: none")
        self.bench.figure("cp_memory", memory, "MiB", baseline="cp_memory_untuned",
                          what="cgroup memory minus inactive file of the idle pod, %ds after Ready" % self.size["settle"])
        self.bench.figure("cp_cpu_idle_untuned", cpu_untuned, "millicores")
        self.bench.figure("cp_cpu_idle", cpu, "millicores", baseline="cp_cpu_idle_untuned",
                          what="CPU time of the idle pod over %ds" % self.size["idle"])

    def tokens(self, cluster):
        size = {"tokens": self.size["tokens"], "per_call": self.size["per_call"]}
        with self.bench.step("tokens_500", "%d tokens in one call, %d one call each, through the hosted API" % (
                size["tokens"], size["per_call"])):
            timed = self.bench.playbook("tokens", {
                "bench_kubeconfig": MANAGEMENT_KUBECONFIG, "bench_namespace": NAMESPACE, "bench_cluster": cluster,
                "bench_batch": size["tokens"], "bench_per_call": size["per_call"],
                "bench_dir": os.path.join(self.bench.scratch, "lab-tokens")}, "tokens")
        exec_seconds = []
        with self.bench.step("tokens_exec", "%d x `k0s token create` by exec in the pod" % self.size["exec"]):
            for _index in range(self.size["exec"]):
                start = time.monotonic()
                # The token is on stdout: never logged (secret_output).
                self.kubectl("exec", "-n", NAMESPACE, "kmc-%s-0" % cluster, "-c", "controller", "--", "k0s", "token",
                             "create", "--role=worker", "--expiry=1h", log="tokens_exec", secret_output=True)
                exec_seconds.append(time.monotonic() - start)
        api_figures.record_tokens(self.bench, timed, size, exec_seconds=exec_seconds)

    def site(self):
        hosts = ["fleet-edge-%d" % i for i in range(1, EDGE_HOSTS + 1)]
        last = None
        for count in self.size["site"]:
            group, hosts = hosts[:count], hosts[count:]
            inventory = self.site_inventory("bench-site-%d" % count, group)
            shutil.rmtree(CONTROLLER_CACHE, ignore_errors=True)
            gets_before = mirror_gets()
            figure = "site_hosts_%d" % count
            with self.bench.step(figure, "site.yml on %d fresh edge host(s): %s" % (count, ", ".join(group))):
                seconds = self.site_run(inventory, figure)
            downloads = mirror_gets() - gets_before
            self.bench.figure(figure, seconds, "s", baseline=None if count == 1 else "site_hosts_1", count=count,
                              binary_downloads=downloads)
            last = (count, inventory, downloads)
        count, inventory, downloads = last
        self.bench.figure("binary_downloads_one", 1, "downloads", what="one per k0s version and architecture")
        self.bench.figure("binary_downloads", downloads, "downloads", baseline="binary_downloads_one", count=count,
                          what="k0s binary downloads from the lab's mirror for %d fresh hosts" % count)
        with self.bench.step("site_noop", "site.yml again on the %d" % count):
            seconds = self.site_run(inventory, "site_noop")
        self.bench.figure("site_noop", seconds, "s", baseline="site_hosts_%d" % count, count=count)
        with self.bench.step("site_check", "site.yml --check on the %d" % count):
            seconds = self.site_run(inventory, "site_check", "--check")
        self.bench.figure("site_check", seconds, "s", baseline="site_hosts_%d" % count, count=count)

    def site_inventory(self, cluster, hosts):
        top = copy.deepcopy(self.inventory["all"])
        hostvars = top["children"]["workers"]["hosts"]
        top["vars"]["control_plane_clusters"] = [{"name": cluster}]
        top["children"] = {"workers": {"hosts": dict((h, dict(hostvars[h], worker_cluster=cluster)) for h in hosts)}}
        path = os.path.join(self.bench.scratch, "%s-inventory.yml" % cluster)
        with open(path, "w", encoding="utf-8") as handle:
            yaml.safe_dump({"all": top}, handle, default_flow_style=False)
        return path

    def site_run(self, inventory, log, *args):
        start = time.monotonic()
        self.bench.run(["ansible-playbook", "-i", inventory, "playbooks/site.yml", "-e",
                        "lab_k0s_version=" + self.version] + list(args), log, env={"ANSIBLE_FORCE_COLOR": "0"})
        return time.monotonic() - start


def floor_statefulset(template, name):
    """A control plane's StatefulSet as a bare one: the same image, k0s config, key material and
    settings, no probes and no Service, its own labels and emptyDir, and a loop in the container
    that prints READY_MARK with the kernel's uptime once k0s's /readyz answers (every 200 ms)."""
    spec = copy.deepcopy(template["spec"])
    labels = {"app.kubernetes.io/name": "bench-floor", "bench/floor": name}
    spec["selector"] = {"matchLabels": labels}
    spec["template"]["metadata"] = {"labels": labels}
    spec["replicas"] = 1
    spec["serviceName"] = name
    spec.pop("volumeClaimTemplates", None)
    pod = spec["template"]["spec"]
    pod.pop("affinity", None)
    for volume in pod.get("volumes", []):
        if volume["name"] == "data":
            for kind in ("hostPath", "persistentVolumeClaim"):
                volume.pop(kind, None)
            volume["emptyDir"] = {}
    container = next(c for c in pod["containers"] if c["name"] == "controller")
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        container.pop(probe, None)
    script = container["args"][2]
    start = 'exec "${K0S_BINARY:-k0s}" controller'
    if start not in script:
        raise BenchError("the control plane's container script no longer has %r: update floor_statefulset" % start)
    container["args"][2] = script.replace(start, '"${K0S_BINARY:-k0s}" controller', 1).rstrip() + (
        ' &\nuntil k0s kubectl get --raw=/readyz >/dev/null 2>&1; do sleep 0.2; done\n'
        'echo "%s $(cut -d" " -f1 /proc/uptime)"\nwait\n' % READY_MARK)
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": template["metadata"]["namespace"], "labels": labels},
            "spec": spec}


def mirror_gets():
    """How many k0s binaries the lab's mirror has served."""
    try:
        with open(MIRROR_LOG, encoding="utf-8", errors="replace") as handle:
            return sum(1 for line in handle if '"GET /' in line and "/k0s-v" in line and '" 200 ' in line)
    except FileNotFoundError:
        return 0


GROUPS = ("ready", "parallel", "memory", "site")


def run(bench, groups=GROUPS):
    """The GROUPS of figures, in their order (ready: cp_ready and cp_floor; parallel; memory:
    cp_memory, cp_cpu_idle and tokens_500; site)."""
    lab = LabBench(bench)
    steps = {"ready": lab.ready_and_floor, "parallel": lab.parallel, "memory": lab.memory_and_tokens,
             "site": lab.site}
    lab.fresh_lab()
    try:
        for group in GROUPS:
            if group in groups:
                steps[group]()
    finally:
        lab.finish()
