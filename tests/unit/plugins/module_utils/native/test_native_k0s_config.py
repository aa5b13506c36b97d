# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _datastore, _settings, _statefulset
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _k0s_config as objects
from ansible_collections.k0smotron.fleet.tests.unit.native_helpers import OWNER, settings


def test_external_datastore_reaches_the_pod_from_the_secret_only():
    spec = settings(replicas=2, storage={"type": "kine", "kine_data_source_secret_name": "shop-1-db"})
    sts = _statefulset.statefulset("shop-1", "edge", spec, OWNER, "h", datastore_secret_name="shop-1-db")
    env = dict((e["name"], e) for e in sts["spec"]["template"]["spec"]["containers"][0]["env"])
    assert env["KINE_DATASOURCE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "shop-1-db",
                                                                       "key": _settings.DATASOURCE_KEY}
    config = objects.k0s_cluster_config("shop-1", "edge", spec, "10.96.0.10")
    assert config["spec"]["storage"] == {"type": "kine", "kine": {"dataSource": _datastore.DATASOURCE_PLACEHOLDER}}
    text = objects.render_k0s_config(config)
    assert 'dataSource: "%s"' % _datastore.DATASOURCE_PLACEHOLDER in text


def test_k0s_config_merges_the_user_part_under_the_owned_fields():
    user = {"spec": {"network": {"provider": "calico"}, "telemetry": {"enabled": True}}}
    spec = settings(external_address="192.0.2.10", k0s_config=user)
    config = objects.k0s_cluster_config("shop-1", "edge", spec, "10.96.0.10")
    assert config["spec"]["network"] == {"provider": "calico"}
    assert config["spec"]["telemetry"] == {"enabled": True}
    api = config["spec"]["api"]
    assert api["port"] == 6443 and api["externalAddress"] == "192.0.2.10"
    for san in ("kmc-shop-1", "kmc-shop-1.edge", "kmc-shop-1.edge.svc", "kmc-shop-1.edge.svc.cluster.local",
                "10.96.0.10", "192.0.2.10"):
        assert san in api["sans"]
    assert config["spec"]["konnectivity"] == {"agentPort": 8132}
    assert config["spec"]["storage"] == {"type": "kine"}
    assert objects.k0s_cluster_config("shop-1", "edge", settings(), None)["spec"]["telemetry"] == {"enabled": False}


def test_owned_k0s_fields_in_k0s_config_are_refused_with_the_option_to_use():
    spec = settings(k0s_config={"api": {"port": 7443}, "storage": {"type": "etcd"}})
    with pytest.raises(FleetError) as caught:
        objects.k0s_cluster_config("shop-1", "edge", spec, None)
    assert "spec.api.port" in caught.value.msg and "spec.storage" in caught.value.msg
    assert "service.api_port" in caught.value.hint


def test_a_port_given_is_the_pods_and_the_one_workers_are_told():
    spec = settings(external_address="192.0.2.10",
                    service={"type": "NodePort", "api_port": 31443, "konnectivity_port": 31132})
    config = objects.k0s_cluster_config("shop-1", "edge", spec, None)["spec"]
    assert config["api"]["port"] == 31443 and config["api"]["externalAddress"] == "192.0.2.10"
    assert config["konnectivity"] == {"agentPort": 31132}
    assert objects.api_url(spec, "shop-1", "edge") == "https://192.0.2.10:31443"


def test_allocated_node_ports_are_told_as_host_port_and_the_pod_keeps_its_own():
    spec = dict(settings(external_address="192.0.2.10", service={"type": "NodePort"}),
                advertised_ports={"api": 31207, "konnectivity": 30911})
    config = objects.k0s_cluster_config("shop-1", "edge", spec, None)["spec"]
    assert config["api"]["port"] == 6443 and config["api"]["externalAddress"] == "192.0.2.10:31207"
    assert config["konnectivity"] == {"agentPort": 8132, "externalAddress": "192.0.2.10:30911"}
    assert "192.0.2.10" in config["api"]["sans"] and "192.0.2.10:31207" not in config["api"]["sans"]
    assert objects.api_url(spec, "shop-1", "edge") == "https://192.0.2.10:31207"
    cm = {"data": {objects.K0S_CONFIG_KEY: objects.render_k0s_config(
        objects.k0s_cluster_config("shop-1", "edge", spec, None))}}
    assert objects.endpoint_from_config(cm, "shop-1", "edge") == "https://192.0.2.10:31207"


def test_an_ipv6_address_is_bracketed_with_its_port():
    spec = dict(settings(external_address="2001:db8::10", service={"type": "NodePort"}),
                advertised_ports={"api": 31207, "konnectivity": 30911})
    config = objects.k0s_cluster_config("shop-1", "edge", spec, None)["spec"]
    assert config["api"]["externalAddress"] == "[2001:db8::10]:31207"
    assert config["konnectivity"]["externalAddress"] == "[2001:db8::10]:30911"
    assert objects.api_url(spec, "shop-1", "edge") == "https://[2001:db8::10]:31207"


@pytest.mark.parametrize("api, expected", [
    ({"externalAddress": "192.0.2.10:31207", "port": 6443}, "https://192.0.2.10:31207"),
    ({"externalAddress": "192.0.2.10", "port": 30443}, "https://192.0.2.10:30443"),
    ({"externalAddress": "[2001:db8::10]:31207", "port": 6443}, "https://[2001:db8::10]:31207"),
    ({"externalAddress": "2001:db8::10", "port": 6443}, "https://[2001:db8::10]:6443"),
    ({"externalAddress": "cp.example.com"}, "https://cp.example.com:6443"),
    ({"port": 6443}, "https://kmc-shop-1.edge.svc:6443"),
])
def test_the_endpoint_is_read_back_from_the_k0s_configuration(api, expected):
    text = "apiVersion: k0s.k0sproject.io/v1beta1\nkind: ClusterConfig\nspec:\n  api: %s\n" % json.dumps(api)
    assert objects.endpoint_from_config({"data": {objects.K0S_CONFIG_KEY: text}}, "shop-1", "edge") == expected
