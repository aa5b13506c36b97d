# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.k0smotron.fleet.plugins.filter.status_rows import COLUMNS, FilterModule, status_rows
from ansible_collections.k0smotron.fleet.plugins.filter.text_table import text_table


def cluster(name="shop-1", ready=True, ready_replicas=1, replicas=1, api=None, version="v1.36.3+k0s.2"):
    return dict(name=name, namespace="fleet", version=version, ready=ready, ready_replicas=ready_replicas,
                replicas=replicas, api=api)


def node(name, ready=True, kubelet_version="v1.36.3+k0s"):
    return dict(name=name, ready=ready, kubelet_version=kubelet_version)


def test_one_row_per_node_as_the_hosted_api_lists_them():
    api = dict(reachable=True, ready=True, node_list=[node("shop-1-a"), node("shop-1-b", ready=False)])
    assert status_rows([cluster(api=api)]) == [
        ["shop-1", "v1.36.3+k0s.2 ready 1/1", "shop-1-a", "v1.36.3+k0s", "Ready"],
        ["shop-1", "v1.36.3+k0s.2 ready 1/1", "shop-1-b", "v1.36.3+k0s", "NOT READY"],
    ]


@pytest.mark.parametrize("api", [None, {}, dict(reachable=False, error="connection refused")])
def test_a_hosted_api_that_could_not_be_asked_has_one_row_saying_so(api):
    assert status_rows([cluster(ready=False, ready_replicas=0, api=api)]) == [
        ["shop-1", "v1.36.3+k0s.2 NOT READY 0/1", "(API unreachable)", "", ""]]


@pytest.mark.parametrize("node_list", [None, []])
def test_a_cluster_without_nodes_has_one_row_saying_so(node_list):
    api = dict(reachable=True, node_list=node_list)
    if node_list is None:
        del api["node_list"]
    assert status_rows([cluster(api=api)]) == [["shop-1", "v1.36.3+k0s.2 ready 1/1", "(no nodes)", "", ""]]


def test_clusters_keep_their_order():
    up = dict(reachable=True, node_list=[node("a")])
    rows = status_rows([cluster("shop-2", api=up), cluster("shop-1", api=None), cluster("shop-3", api=up)])
    assert [row[0] for row in rows] == ["shop-2", "shop-1", "shop-3"]


def test_missing_counts_read_as_jinja_wrote_them():
    # The playbook's Jinja wrote a missing count as None; so does the filter.
    assert status_rows([dict(name="x", version="v1.36.3+k0s.2", ready=False)])[0][1] == "v1.36.3+k0s.2 NOT READY None/None"


def test_no_clusters_no_rows():
    assert status_rows([]) == []
    assert status_rows(None) == []


def test_an_entry_that_is_not_a_cluster_is_refused():
    with pytest.raises(AnsibleFilterError, match="entry 2 is not a cluster"):
        status_rows([cluster(), "shop-2"])


def test_the_rows_fit_text_tables_five_columns():
    api = dict(reachable=True, node_list=[node("shop-1-a")])
    lines = text_table(status_rows([cluster(api=api), cluster("shop-2")]), list(COLUMNS))
    assert lines == [
        "CLUSTER  CONTROL PLANE            NODE               KUBELET      READY",
        "shop-1   v1.36.3+k0s.2 ready 1/1  shop-1-a           v1.36.3+k0s  Ready",
        "shop-2   v1.36.3+k0s.2 ready 1/1  (API unreachable)",
    ]


def test_registered_under_its_name():
    assert FilterModule().filters() == {"status_rows": status_rows}
