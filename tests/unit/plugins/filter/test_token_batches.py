# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.k0smotron.fleet.plugins.filter.token_batches import token_batches


def request(host, cluster="shop-1", namespace="edge", **extra):
    return dict(host=host, cluster=cluster, namespace=namespace, name=host, dest="/t/%s-%s.token" % (namespace, host),
                **extra)


def test_one_call_per_control_plane_in_the_order_first_seen():
    calls = token_batches([request("a"), request("b", cluster="shop-2"), request("c"), request("d", namespace="x")])
    assert [(c["namespace"], c["cluster"], c["hosts"]) for c in calls] == [
        ("edge", "shop-1", ["a", "c"]), ("edge", "shop-2", ["b"]), ("x", "shop-1", ["d"])]
    assert calls[0]["tokens"] == [{"name": "a", "dest": "/t/edge-a.token"}, {"name": "c", "dest": "/t/edge-c.token"}]
    assert calls[0]["hosted_api_url"] is None and calls[0]["expiry"] is None


def test_a_different_hosted_url_or_expiry_needs_its_own_call():
    calls = token_batches([request("a"), request("b", hosted_api_url="https://127.0.0.1:6443"),
                           request("c", expiry="2h"), request("d", hosted_api_url="")])
    assert [c["hosts"] for c in calls] == [["a", "d"], ["b"], ["c"]]


def test_no_requests_no_calls():
    assert token_batches([]) == [] and token_batches(None) == []


def test_the_same_token_name_twice_in_one_control_plane_is_refused():
    with pytest.raises(AnsibleFilterError, match="hosts Shop_1 and shop-1 both ask for token name 'shop-1'"):
        token_batches([dict(request("Shop_1"), name="shop-1"), request("shop-1")])


@pytest.mark.parametrize("bad, message", [
    ("x", "request 1 is not a dictionary"),
    ({"host": "a", "cluster": "c", "namespace": "n", "name": "a"}, "request 1 \\(a\\) has no dest"),
])
def test_bad_requests_are_named(bad, message):
    with pytest.raises(AnsibleFilterError, match=message):
        token_batches([bad])
