# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import stat
import subprocess

import pytest
import yaml

from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _datastore, _k0s_config
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _statefulset as objects
from ansible_collections.k0smotron.fleet.tests.unit.native_helpers import OWNER, settings


def test_the_selector_never_holds_user_labels():
    one = objects.statefulset("shop-1", "edge", settings(labels={"site": "a"}), OWNER, "h1")
    two = objects.statefulset("shop-1", "edge", settings(labels={"site": "b"}), OWNER, "h1")
    assert one["spec"]["selector"] == two["spec"]["selector"] == {
        "matchLabels": {"app.kubernetes.io/name": "k0s", "k0smotron.fleet/cluster": "shop-1"}}
    assert one["spec"]["template"]["metadata"]["labels"]["site"] == "a"
    for key, value in one["spec"]["selector"]["matchLabels"].items():
        assert one["spec"]["template"]["metadata"]["labels"][key] == value


def test_statefulset_runs_k0s_with_the_config_and_rolls_on_a_new_hash():
    spec = settings(image="registry.example.com/k0s", control_plane_flags=["--debug"],
                    node_selector={"role": "cp"}, tolerations=[{"operator": "Exists"}], priority_class_name="high",
                    resources={"requests": {"cpu": "100m"}})
    sts = objects.statefulset("shop-1", "edge", spec, OWNER, "abc")
    pod = sts["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["image"] == "registry.example.com/k0s:v1.36.3-k0s.2"
    assert container["args"][:2] == ["/bin/sh", "-c"] and container["args"][-1] == "--debug"
    assert container["readinessProbe"]["exec"]["command"][-1] == "--raw=/readyz"
    assert "initialDelaySeconds" not in container["readinessProbe"]
    assert [p["containerPort"] for p in container["ports"]] == [6443, 8132]
    given_ports = settings(service={"type": "NodePort", "api_port": 31443, "konnectivity_port": None})
    given = objects.statefulset("shop-1", "edge", given_ports, OWNER, "abc")
    assert [p["containerPort"] for p in given["spec"]["template"]["spec"]["containers"][0]["ports"]] == [31443, 8132]
    assert pod["metadata"]["annotations"][objects.CONFIG_HASH_ANNOTATION] == "abc"
    assert pod["spec"]["automountServiceAccountToken"] is False
    assert pod["spec"]["nodeSelector"] == {"role": "cp"} and pod["spec"]["priorityClassName"] == "high"
    assert container["resources"] == {"requests": {"cpu": "100m"}}
    assert not [e for e in container["env"] if e["name"] == "KINE_DATASOURCE_URL"]
    assert sts["metadata"]["ownerReferences"] == [OWNER]
    volumes = dict((v["name"], v) for v in pod["spec"]["volumes"])
    assert volumes["data"] == {"name": "data", "emptyDir": {}}
    sources = [s["secret"]["name"] for s in volumes["pki-source"]["projected"]["sources"]]
    assert sources == ["shop-1-ca", "shop-1-proxy", "shop-1-sa"]


def test_pvc_persistence_and_retention():
    spec = settings(persistence={"type": "pvc", "persistent_volume_claim": {"spec": {"resources": {
        "requests": {"storage": "1Gi"}}}}, "auto_delete_pvcs": True})
    sts = objects.statefulset("shop-1", "edge", spec, OWNER, "h")
    claim = sts["spec"]["volumeClaimTemplates"][0]
    assert claim["metadata"] == {"name": "data"}
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert sts["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] == "Delete"
    assert "data" not in [v["name"] for v in sts["spec"]["template"]["spec"]["volumes"]]


@pytest.mark.parametrize("url", [
    "postgres://fleet:p&ss/w|rd@db.example.com:5432/shop1?sslmode=disable&x=1",
    "mysql://root:s3cret%22@tcp(10.0.0.5:3306)/shop1",
    "postgres://u:$HOME`id`@h/d",
])
def test_start_script_puts_the_url_in_literally(tmp_path, url):
    template = tmp_path / "k0s.yaml"
    config = _k0s_config.k0s_cluster_config("shop-1", "edge", settings(
        storage={"type": "kine", "kine_data_source_secret_name": "db"}), None)
    template.write_text(_k0s_config.render_k0s_config(config))
    fake_k0s = tmp_path / "k0s"
    fake_k0s.write_text("#!/bin/sh\necho \"$@\" > %s\n" % (tmp_path / "args"))
    fake_k0s.chmod(0o755)
    env = dict(os.environ, KINE_DATASOURCE_URL=url, PLACEHOLDER=_datastore.DATASOURCE_PLACEHOLDER,
               K0S_CONFIG_TEMPLATE=str(template), K0S_CONFIG_FILE=str(tmp_path / "run" / "k0s.yaml"),
               K0S_BINARY=str(fake_k0s))
    subprocess.check_call(["/bin/sh", "-c", objects.START_SCRIPT, "k0s-controller", "--debug"], env=env)
    written = yaml.safe_load((tmp_path / "run" / "k0s.yaml").read_text())
    assert written["spec"]["storage"]["kine"]["dataSource"] == url
    assert oct((tmp_path / "run" / "k0s.yaml").stat().st_mode & 0o777) == "0o600"
    assert (tmp_path / "args").read_text().split() == [
        "controller", "--config=%s" % (tmp_path / "run" / "k0s.yaml"), "--debug"]


def test_a_lean_control_plane_runs_without_what_it_does_not_need_and_requests_its_size():
    sts = objects.statefulset("shop-1", "edge", settings(control_plane_flags=["--debug"]), OWNER, "abc")
    container = sts["spec"]["template"]["spec"]["containers"][0]
    flags = container["args"][4:]
    assert flags == ["--disable-components=autopilot,helm,update-prober", "--debug"]
    env = dict((e["name"], e.get("value")) for e in container["env"])
    assert env["KINE_GOMEMLIMIT"].endswith("MiB") and env["KONNECTIVITY_GOMEMLIMIT"].endswith("MiB")
    # No plain GOMEMLIMIT: kube-apiserver would inherit it and collect all the time (make bench, cp_cpu_idle).
    assert "GOMEMLIMIT" not in env and "KUBE-APISERVER_GOMEMLIMIT" not in env
    assert container["resources"] == {"requests": {"cpu": "100m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}


def test_tuning_none_is_k0s_as_it_comes():
    sts = objects.statefulset("shop-1", "edge", settings(tuning="none"), OWNER, "abc")
    container = sts["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][4:] == [] and "resources" not in container
    assert not [e for e in container["env"] if "GOMEMLIMIT" in e["name"]]


def _run_pki_copy(script, root):
    """Run an init script against ``root`` instead of the pod's paths, as root without
    CAP_DAC_OVERRIDE (a hardened pod's root), or as the unprivileged user the test runs as."""
    script = script.replace("/var/lib/k0s", str(root / "data")).replace("/run/k0smotron-fleet", str(root / "run"))
    command = ["/bin/sh", "-c", script]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("setpriv (util-linux) is needed to run as root without CAP_DAC_OVERRIDE")
        command = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--inh-caps", "-all",
                   "--"] + command
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("level", ["strict", "baseline"])
def test_a_hardened_pki_copy_runs_again_at_the_next_start(tmp_path, level):
    source = tmp_path / "run" / "pki"
    source.mkdir(parents=True)
    for name in ("ca.crt", "ca.key", "front-proxy-ca.crt", "front-proxy-ca.key", "sa.pub", "sa.key"):
        (source / name).write_text(name)
        (source / name).chmod(0o400)  # as the projected volume gives them
    init = objects.statefulset("shop-1", "edge", settings(pod_security=level), OWNER, "h")[
        "spec"]["template"]["spec"]["initContainers"][0]
    script = init["command"][-1]
    assert script == objects.HARDENED_PKI_COPY_SCRIPT
    for start in ("first", "second"):
        done = _run_pki_copy(script, tmp_path)
        assert done.returncode == 0, "%s start: %s" % (start, done.stderr)
    pki = tmp_path / "data" / "pki"
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in pki.iterdir()}
    assert modes == {"ca.crt": 0o644, "front-proxy-ca.crt": 0o644, "sa.pub": 0o644,
                     "ca.key": 0o600, "front-proxy-ca.key": 0o600, "sa.key": 0o600}
    assert (pki / "ca.key").read_text() == "ca.key"


def test_the_pki_copy_of_level_none_is_unchanged_and_is_why_hardened_pods_need_their_own(tmp_path):
    source = tmp_path / "run" / "pki"
    source.mkdir(parents=True)
    for name in ("ca.crt", "ca.key", "front-proxy-ca.crt", "front-proxy-ca.key", "sa.pub", "sa.key"):
        (source / name).write_text(name)
        (source / name).chmod(0o400)
    init = objects.statefulset("shop-1", "edge", settings(pod_security="none"), OWNER, "h")[
        "spec"]["template"]["spec"]["initContainers"][0]
    assert init["command"][-1] == objects.PKI_COPY_SCRIPT  # a template change would restart old pods
    assert _run_pki_copy(objects.PKI_COPY_SCRIPT, tmp_path).returncode == 0
    again = _run_pki_copy(objects.PKI_COPY_SCRIPT, tmp_path)
    assert again.returncode != 0 and "ca.crt" in again.stderr
