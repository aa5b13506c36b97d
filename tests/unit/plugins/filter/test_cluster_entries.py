# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.k0smotron.fleet.plugins.filter.cluster_entries import cluster_entries


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
