# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._apply import Applier, ChangeLog
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import CONFIGMAP, SECRET
from ansible_collections.k0smotron.fleet.tests.unit.native_fakes import FakeNativeAPI


def config_map(value):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "edge"},
            "data": {"key": value}}


def secret(value):
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "edge"},
            "data": {"key": value}}


def test_a_new_object_is_dry_run_then_applied_and_recorded():
    api, log = FakeNativeAPI(), ChangeLog()
    live = Applier(api, log).apply(CONFIGMAP, config_map("a"))
    assert live["data"] == {"key": "a"} and log.written and log.labels == ["ConfigMap/cm"]
    assert [c[0] for c in api.calls] == ["apply-dry", "apply"]
    assert log.diff() == {"before": {"ConfigMap/cm": {}}, "after": {"ConfigMap/cm": log.changes[0].after}}


def test_an_unchanged_object_is_not_applied_again():
    api = FakeNativeAPI()
    current = Applier(api, ChangeLog()).apply(CONFIGMAP, config_map("a"))
    log = ChangeLog()
    api.calls[:] = []
    assert Applier(api, log).apply(CONFIGMAP, config_map("a"), current) == current
    assert [c[0] for c in api.calls] == ["apply-dry"] and log.changes == [] and not log.written


def test_check_mode_records_the_change_and_writes_nothing():
    api, log = FakeNativeAPI(), ChangeLog()
    planned = Applier(api, log, check_mode=True).apply(CONFIGMAP, config_map("a"))
    assert planned["data"] == {"key": "a"} and api.objects == {}
    assert log.labels == ["ConfigMap/cm"] and not log.written


def test_a_secret_change_shows_its_keys_never_its_values():
    api, log = FakeNativeAPI(), ChangeLog()
    current = Applier(api, ChangeLog()).apply(SECRET, secret("b2xk"))
    Applier(api, log).apply(SECRET, secret("bmV3"), current, secret=True)
    diff = log.diff()
    assert diff["before"]["Secret/s"]["data"] == {"key": "(hidden)"} == diff["after"]["Secret/s"]["data"]


def test_a_view_decides_what_counts_as_a_change_and_show_what_a_diff_shows():
    api, log = FakeNativeAPI(), ChangeLog()
    current = Applier(api, ChangeLog()).apply(CONFIGMAP, config_map("a"))
    applier = Applier(api, log)
    plan = applier.plan(CONFIGMAP, config_map("A"), current, view=lambda o: o and o["data"]["key"].lower())
    assert plan.changed is False and applier.commit(plan) == current
    plan = applier.plan(CONFIGMAP, config_map("b"), current, view=lambda o: o and o["data"],
                        show=lambda value: dict((k, "***") for k in value))
    assert plan.changed and log.diff(per_object=False) == {"before": {"key": "***"}, "after": {"key": "***"}}


def test_deletes_are_recorded_and_skipped_in_check_mode():
    api = FakeNativeAPI()
    Applier(api, ChangeLog()).apply(CONFIGMAP, config_map("a"))
    log = ChangeLog()
    assert Applier(api, log, check_mode=True).delete(CONFIGMAP, "cm", "edge") is True
    assert api.objects and log.diff() == {"before": {"ConfigMap/cm": "present"}, "after": {}}
    assert Applier(api, log).delete(CONFIGMAP, "cm", "edge") is True and api.objects == {} and log.written
