# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.k0smotron.fleet.plugins.filter.cluster_entries import (
    cluster_entries, cluster_entry_problems, planned_control_planes)

OPTIONS = ["name", "namespace", "state", "version", "service"]


def test_each_cluster_over_the_defaults_over_namespace_and_state():
    entries = cluster_entries(
        [{"name": "a", "service": {"api_port": 30444}}, {"name": "b", "namespace": "other", "state": "absent"}],
        defaults={"version": "v1.36.3+k0s.2", "service": {"type": "NodePort", "api_port": 30443}},
        namespace="edge")
    assert entries[0] == {"name": "a", "namespace": "edge", "state": "present", "version": "v1.36.3+k0s.2",
                          "service": {"type": "NodePort", "api_port": 30444}}
    assert entries[1]["namespace"] == "other" and entries[1]["state"] == "absent"


def test_only_the_named_options_are_kept():
    entries = cluster_entries([{"name": "a", "note": "x", "version": "v1"}], options=["name", "version"])
    assert entries == [{"name": "a", "version": "v1", "namespace": "default", "state": "present"}]


def test_the_defaults_are_not_changed():
    defaults = {"service": {"type": "NodePort"}}
    cluster_entries([{"name": "a", "service": {"api_port": 1}}], defaults=defaults)
    assert defaults == {"service": {"type": "NodePort"}}


@pytest.mark.parametrize("clusters, defaults", [(["a"], None), ([{"name": "a"}], ["x"])])
def test_what_is_not_a_dictionary_is_named(clusters, defaults):
    with pytest.raises(AnsibleFilterError):
        cluster_entries(clusters, defaults=defaults)


def test_none_gives_none():
    assert cluster_entries(None) == []


def test_a_good_list_has_no_problems():
    assert cluster_entry_problems([{"name": "shop-1"}, {"name": "shop-2", "version": "v2"}],
                                  defaults={"version": "v1"}, options=OPTIONS) == []


@pytest.mark.parametrize("entry, message", [
    ({"version": "v1"}, "control_plane_clusters entry #2: it has no name."),
    ({"name": "Shop_1"}, "entry Shop_1: 'Shop_1' is not a DNS-1123 label (lower-case letters, digits and '-', "
                         "at most 63)."),
    ({"name": "x" * 64}, "is not a DNS-1123 label"),
    ({"name": "shop-2", "sevrice": {}},
     "entry shop-2: unknown setting(s) sevrice; the settings are the options of k0smotron.fleet.cluster: name, "
     "namespace, state, version, service."),
    ({"name": "shop-2", "hosted_api_url": "https://10.0.0.1:6443"},
     "entry shop-2: hosted_api_url is not a setting of a control plane (declaring one never reaches its API): give "
     "it to the worker role as worker_hosted_api_urls: {shop-2: URL}."),
    ({"name": "shop-2", "version": ""}, None),
    ("shop-2", "entry #2: it is a str, not a dictionary with a name."),
])
def test_each_bad_entry_is_named_with_its_fix(entry, message):
    problems = cluster_entry_problems([{"name": "shop-1"}, entry], defaults={"version": "v1"}, options=OPTIONS)
    if message is None:
        assert problems == []
    else:
        assert len(problems) == 1 and message in problems[0]


def test_a_version_is_needed_unless_the_entry_is_deleted():
    problems = cluster_entry_problems([{"name": "a"}, {"name": "b", "state": "absent"}], options=OPTIONS)
    assert problems == ["control_plane_clusters entry a: no version: set version (or control_plane_defaults.version)."]
    assert cluster_entry_problems([{"name": "a"}], options=OPTIONS, state="absent") == []


def test_every_problem_of_a_long_list_is_reported_in_one_pass():
    clusters = [{"name": "site-%d" % i} for i in range(500)] + [{"name": "BAD"}, {"name": "also-bad", "x": 1}]
    problems = cluster_entry_problems(clusters, defaults={"version": "v1"}, options=OPTIONS)
    assert [p.split(":")[0] for p in problems] == ["control_plane_clusters entry BAD", "control_plane_clusters entry also-bad"]


def test_planned_control_planes_are_the_present_ones_with_what_the_module_said():
    entries = [{"name": "a", "namespace": "edge", "state": "present", "version": "v1"},
               {"name": "b", "namespace": "edge", "state": "absent"},
               {"name": "c", "namespace": "other", "state": "present", "version": "v1"}]
    results = [{"name": "a", "version": "v2", "api_endpoint": "https://10.0.0.1:30443", "ready": True},
               {"name": "b", "changed": True}, {"name": "c", "ready": False}]
    assert planned_control_planes(entries, results) == {
        "a": {"name": "a", "namespace": "edge", "version": "v2", "api_endpoint": "https://10.0.0.1:30443", "ready": True},
        "c": {"name": "c", "namespace": "other", "version": "v1", "api_endpoint": "", "ready": False}}


def test_planned_control_planes_without_results_keep_their_own_version():
    assert planned_control_planes([{"name": "a", "namespace": "edge", "version": "v1"}], []) == {
        "a": {"name": "a", "namespace": "edge", "version": "v1", "api_endpoint": "", "ready": False}}


def test_an_unknown_default_is_refused_rather_than_dropped():
    problems = cluster_entry_problems([{"name": "a"}], defaults={"version": "v1", "replica": 3}, options=OPTIONS)
    assert problems == ["control_plane_defaults: unknown setting(s) replica; the settings are the options of "
                        "k0smotron.fleet.cluster: name, namespace, state, version, service."]
