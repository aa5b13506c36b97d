# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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
