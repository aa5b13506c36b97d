# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess

import pytest
import yaml

from ansible_collections.k0smotron.fleet.plugins.module_utils import native_objects as objects
from ansible_collections.k0smotron.fleet.plugins.module_utils.errors import FleetError

OWNER = {"apiVersion": "v1", "kind": "ConfigMap", "name": "kmc-shop-1", "uid": "u-1", "controller": True,
         "blockOwnerDeletion": True}


def settings(**given):
    base = {"version": "v1.36.3+k0s.2"}
    base.update(given)
    return objects.merge_settings(None, base)


def test_an_option_left_out_keeps_the_recorded_value():
    recorded = settings(storage={"type": "kine", "kine_data_source_secret_name": "db"}, replicas=2,
                        service={"type": "NodePort", "api_port": 31443, "konnectivity_port": 31132},
                        persistence={"type": "hostPath", "host_path": "/srv/shop-1"})
    given = {"version": "v1.36.4+k0s.0", "storage": None, "service": {"type": None, "api_port": 32443}}
    merged = objects.merge_settings(json.loads(json.dumps(recorded)), given)
    assert merged["version"] == "v1.36.4+k0s.0"
    assert merged["storage"]["kine_data_source_secret_name"] == "db"
    assert merged["replicas"] == 2
    assert merged["service"] == {"type": "NodePort", "api_port": 32443, "konnectivity_port": 31132}
    assert merged["persistence"]["host_path"] == "/srv/shop-1"


def test_defaults_for_a_new_control_plane():
    spec = settings()
    assert spec["replicas"] == 1
    assert spec["service"] == {"type": "ClusterIP", "api_port": 30443, "konnectivity_port": 30132}
    assert spec["storage"]["type"] == "kine" and not objects.uses_external_datastore(spec)
    assert spec["pki"] == {"key_type": "rsa", "key_size": 2048, "ca_validity_days": 3650}


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
    assert [p["containerPort"] for p in container["ports"]] == [30443, 30132]
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


def test_external_datastore_reaches_the_pod_from_the_secret_only():
    spec = settings(replicas=2, storage={"type": "kine", "kine_data_source_secret_name": "shop-1-db"})
    sts = objects.statefulset("shop-1", "edge", spec, OWNER, "h", datastore_secret_name="shop-1-db")
    env = dict((e["name"], e) for e in sts["spec"]["template"]["spec"]["containers"][0]["env"])
    assert env["KINE_DATASOURCE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "shop-1-db",
                                                                       "key": objects.DATASOURCE_KEY}
    config = objects.k0s_cluster_config("shop-1", "edge", spec, "10.96.0.10")
    assert config["spec"]["storage"] == {"type": "kine", "kine": {"dataSource": objects.DATASOURCE_PLACEHOLDER}}
    text = objects.render_k0s_config(config)
    assert 'dataSource: "%s"' % objects.DATASOURCE_PLACEHOLDER in text


def test_pvc_persistence_and_retention():
    spec = settings(persistence={"type": "pvc", "persistent_volume_claim": {"spec": {"resources": {
        "requests": {"storage": "1Gi"}}}}, "auto_delete_pvcs": True})
    sts = objects.statefulset("shop-1", "edge", spec, OWNER, "h")
    claim = sts["spec"]["volumeClaimTemplates"][0]
    assert claim["metadata"] == {"name": "data"}
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert sts["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] == "Delete"
    assert "data" not in [v["name"] for v in sts["spec"]["template"]["spec"]["volumes"]]


def test_nodeport_service_ports_equal_node_ports():
    svc = objects.service("shop-1", "edge", settings(service={"type": "NodePort", "api_port": 31000,
                                                              "konnectivity_port": 31001}), OWNER)
    assert [(p["port"], p["nodePort"], p["targetPort"]) for p in svc["spec"]["ports"]] == [
        (31000, 31000, "api"), (31001, 31001, "konnectivity")]
    assert "nodePort" not in objects.service("shop-1", "edge", settings(), OWNER)["spec"]["ports"][0]


def test_k0s_config_merges_the_user_part_under_the_owned_fields():
    user = {"spec": {"network": {"provider": "calico"}, "telemetry": {"enabled": True}}}
    spec = settings(external_address="192.0.2.10", k0s_config=user)
    config = objects.k0s_cluster_config("shop-1", "edge", spec, "10.96.0.10")
    assert config["spec"]["network"] == {"provider": "calico"}
    assert config["spec"]["telemetry"] == {"enabled": True}
    api = config["spec"]["api"]
    assert api["port"] == 30443 and api["externalAddress"] == "192.0.2.10"
    for san in ("kmc-shop-1", "kmc-shop-1.edge", "kmc-shop-1.edge.svc", "kmc-shop-1.edge.svc.cluster.local",
                "10.96.0.10", "192.0.2.10"):
        assert san in api["sans"]
    assert config["spec"]["konnectivity"] == {"agentPort": 30132}
    assert config["spec"]["storage"] == {"type": "kine"}
    assert objects.k0s_cluster_config("shop-1", "edge", settings(), None)["spec"]["telemetry"] == {"enabled": False}


def test_owned_k0s_fields_in_k0s_config_are_refused_with_the_option_to_use():
    spec = settings(k0s_config={"api": {"port": 6443}, "storage": {"type": "etcd"}})
    with pytest.raises(FleetError) as caught:
        objects.k0s_cluster_config("shop-1", "edge", spec, None)
    assert "spec.api.port" in caught.value.msg and "spec.storage" in caught.value.msg
    assert "service.api_port" in caught.value.hint


def test_long_names_are_shortened_the_same_way_every_time():
    name = "s" * 60
    assert len(objects.workload_name(name)) <= 63
    assert objects.workload_name(name) == objects.workload_name(name)
    assert objects.config_name(name) != objects.workload_name(name)


def test_anchor_records_the_settings_and_nothing_secret():
    spec = settings(storage={"type": "kine", "kine_data_source_secret_name": "db"})
    anchor = objects.anchor("shop-1", "edge", spec)
    assert anchor["metadata"]["labels"][objects.COMPONENT_LABEL] == objects.ANCHOR_COMPONENT
    assert objects.recorded_settings(anchor) == spec


@pytest.mark.parametrize("url", [
    "postgres://fleet:p&ss/w|rd@db.example.com:5432/shop1?sslmode=disable&x=1",
    "mysql://root:s3cret%22@tcp(10.0.0.5:3306)/shop1",
    "postgres://u:$HOME`id`@h/d",
])
def test_start_script_puts_the_url_in_literally(tmp_path, url):
    template = tmp_path / "k0s.yaml"
    config = objects.k0s_cluster_config("shop-1", "edge", settings(
        storage={"type": "kine", "kine_data_source_secret_name": "db"}), None)
    template.write_text(objects.render_k0s_config(config))
    fake_k0s = tmp_path / "k0s"
    fake_k0s.write_text("#!/bin/sh\necho \"$@\" > %s\n" % (tmp_path / "args"))
    fake_k0s.chmod(0o755)
    env = dict(os.environ, KINE_DATASOURCE_URL=url, PLACEHOLDER=objects.DATASOURCE_PLACEHOLDER,
               K0S_CONFIG_TEMPLATE=str(template), K0S_CONFIG_FILE=str(tmp_path / "run" / "k0s.yaml"),
               K0S_BINARY=str(fake_k0s))
    subprocess.check_call(["/bin/sh", "-c", objects.START_SCRIPT, "k0s-controller", "--debug"], env=env)
    written = yaml.safe_load((tmp_path / "run" / "k0s.yaml").read_text())
    assert written["spec"]["storage"]["kine"]["dataSource"] == url
    assert oct((tmp_path / "run" / "k0s.yaml").stat().st_mode & 0o777) == "0o600"
    assert (tmp_path / "args").read_text().split() == [
        "controller", "--config=%s" % (tmp_path / "run" / "k0s.yaml"), "--debug"]
