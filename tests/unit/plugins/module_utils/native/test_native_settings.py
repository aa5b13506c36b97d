# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _settings as objects
from ansible_collections.k0smotron.fleet.tests.unit.native_helpers import settings


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
    assert spec["service"] == {"type": "ClusterIP", "api_port": None, "konnectivity_port": None}
    assert objects.service_ports(spec) == {"api": 6443, "konnectivity": 8132}
    assert objects.automatic_node_ports(spec) == ()
    assert objects.automatic_node_ports(settings(service={"type": "NodePort"})) == ("api", "konnectivity")
    assert spec["storage"]["type"] == "kine" and not objects.uses_external_datastore(spec)
    assert spec["pki"] == {"key_type": "rsa", "key_size": 2048, "ca_validity_days": 3650}


@pytest.mark.parametrize("options, wanted", [
    ({"priority_class_name": "High_Priority"}, "priority_class_name 'High_Priority' is not a valid name"),
    ({"node_selector": {"zone": 1}}, "node_selector 'zone' has a int value"),
    ({"tolerations": [{"key": "a", "effect": "Never"}]}, "tolerations entry 1 has effect 'Never'"),
    ({"tolerations": [{"key": "a", "operator": "Exists", "value": "b"}]}, "operator Exists and a value"),
    ({"storage": {"type": "etcd"}}, "storage.type=etcd is not offered by the native engine"),
    ({"storage": {"type": "kine", "etcd": {"image": "x"}}}, "storage.etcd is a k0smotron engine option"),
    ({"storage": {"type": "kine", "kine_data_source_url": "db.example:5432"}}, "is not a data source URL"),
    ({"storage": {"type": "kine", "kine_data_source_url": 'postgres://u:p"w@h/d'}}, "a quote, a backslash"),
    ({"pki": {"key_type": "rsa", "key_size": 1024}}, "is not supported"),
    ({"pki": {"ca_validity_days": 0}}, "pki.ca_validity_days must be between 1 and 36500"),
])
def test_what_the_native_engine_refuses_is_named_with_its_option(options, wanted):
    with pytest.raises(FleetError) as caught:
        objects.validate_options(options)
    assert wanted in caught.value.msg and caught.value.hint


def test_valid_options_pass():
    objects.validate_options({"external_address": "cp.example.com", "pki": {"key_type": "ecdsa", "key_size": 384},
                              "storage": {"type": "kine", "kine_data_source_url": "postgres://u:p@h:5432/d"}})


def test_settings_that_need_each_other_are_checked_after_the_merge():
    with pytest.raises(FleetError) as caught:
        objects.validate_settings(settings(replicas=2), None)
    assert "replicas=2 needs an external datastore" in caught.value.msg
    with pytest.raises(FleetError) as caught:
        objects.validate_settings(settings(version="v1.35.0+k0s.0"), settings())
    assert "downgrade" in caught.value.msg and "Keep version v1.36.3+k0s.2" in caught.value.hint
    with pytest.raises(FleetError) as caught:
        objects.validate_settings(objects.merge_settings(None, {}), None)
    assert "version is required" in caught.value.msg
    objects.validate_settings(settings(version="v1.37.0+k0s.0"), settings())


def test_a_control_plane_recorded_before_tuning_existed_keeps_none():
    old = json.loads(json.dumps(settings()))
    del old["tuning"]
    assert objects.merge_settings(old, {"version": None})["tuning"] == "none"
    assert objects.merge_settings(old, {"tuning": "lean"})["tuning"] == "lean"
    assert objects.merge_settings(None, {"version": "v1.36.3+k0s.2"})["tuning"] == "lean"
