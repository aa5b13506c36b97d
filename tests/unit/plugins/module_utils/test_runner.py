# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

"""The shared runner's checks: the same for every engine, before any API call."""

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils._engine import ClusterRequest
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._k0smotron import K0smotronEngine
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import NativeEngine
from ansible_collections.k0smotron.fleet.plugins.module_utils._runner import _cluster, _tokens


def request(**options):
    return ClusterRequest(name="shop-1", namespace="edge", state="present", options=options, wait=True)


@pytest.mark.parametrize("options, wanted", [
    (dict(version="1.36"), "is not a k0s version"),
    (dict(replicas=0), "replicas must be at least 1"),
    (dict(service={"api_port": 70000}), "service.api_port must be a port number"),
    (dict(service={"api_port": 30443, "konnectivity_port": 30443}), "are both 30443"),
    (dict(persistence={"type": "hostPath"}), "needs persistence.host_path"),
    (dict(persistence={"type": "emptyDir", "host_path": "/x"}), "host_path is given but persistence.type"),
    (dict(storage={"type": "kine", "kine_data_source_secret_name": "Bad_Name"}), "is not a valid name"),
])
def test_what_no_engine_accepts_is_refused_for_both(options, wanted):
    for engine in (NativeEngine, K0smotronEngine):
        with pytest.raises(FleetError) as caught:
            _cluster.check_options(request(**options), [e for e in (NativeEngine, K0smotronEngine) if e is not engine])
        assert wanted in caught.value.msg and caught.value.hint


def test_each_engine_refuses_the_other_ones_options_naming_the_way_out():
    with pytest.raises(FleetError) as caught:
        _cluster.check_options(request(spec={"x": 1}), [K0smotronEngine])
    assert "k0smotron Cluster field" in caught.value.msg and "engine: k0smotron" in caught.value.hint
    with pytest.raises(FleetError) as caught:
        _cluster.check_options(request(tolerations=[{"operator": "Exists"}]), [NativeEngine])
    assert "native engine setting" in caught.value.msg and "engine: native" in caught.value.hint


def test_an_absent_control_plane_needs_only_its_name():
    _cluster.check_options(ClusterRequest("shop-1", "edge", "absent", {"version": "junk"}, True), [NativeEngine])
    with pytest.raises(FleetError):
        _cluster.check_options(ClusterRequest("Shop_1", "edge", "absent", {}, True), [NativeEngine])


def test_the_module_options_reach_the_engine_as_a_copy_with_the_kine_spelling_folded():
    params = dict(name="shop-1", namespace="edge", state="present", wait=True, engine="native", kubeconfig=None,
                  storage={"type": "kine", "kine": {"dataSourceURL": "postgres://u:p@h/d"}})
    options = _cluster.cluster_options(params)
    assert "name" not in options and "kubeconfig" not in options and "engine" not in options
    assert options["storage"]["kine_data_source_url"] == "postgres://u:p@h/d"
    assert params["storage"]["kine"] == {"dataSourceURL": "postgres://u:p@h/d"}


TOKEN_PARAMS = dict(cluster="shop-1", namespace="edge", role="worker", expiry="1h", renew_before="15m", force=False,
                    state="present", tokens=None)


@pytest.mark.parametrize("changes, wanted", [
    (dict(cluster="Shop"), "cluster 'Shop' is not a valid name"),
    (dict(expiry="1d"), "expiry '1d' is not a duration"),
    (dict(renew_before="2h"), "renew_before (2h) must be shorter than expiry (1h)"),
])
def test_token_options_are_checked_the_same_for_every_engine(changes, wanted):
    for engine in (NativeEngine, K0smotronEngine):
        with pytest.raises(FleetError) as caught:
            _tokens.token_request(dict(TOKEN_PARAMS, **changes), engine, "h1", "/tmp/h1.token")
        assert wanted in caught.value.msg


def test_a_token_name_must_be_a_label_value_for_every_engine():
    for engine in (NativeEngine, K0smotronEngine):
        with pytest.raises(FleetError) as caught:
            _tokens.token_request(TOKEN_PARAMS, engine, "h" * 64, "/tmp/h1.token")
        assert "longer than 63 characters" in caught.value.msg


def test_controller_tokens_only_where_the_engine_has_them():
    with pytest.raises(FleetError) as caught:
        _tokens.token_request(dict(TOKEN_PARAMS, role="controller"), NativeEngine, "h1", "/tmp/h1.token")
    assert "role=controller is not offered by the native engine" in caught.value.msg
    assert _tokens.token_request(dict(TOKEN_PARAMS, role="controller"), K0smotronEngine, "h1", "/t").role == \
        "controller"


def test_a_default_name_is_one_per_destination_file():
    one = _tokens.token_request(TOKEN_PARAMS, NativeEngine, None, "/tmp/a.token")
    two = _tokens.token_request(TOKEN_PARAMS, NativeEngine, None, "/tmp/b.token")
    assert one.name != two.name and one.name.startswith("shop-1-worker-")


def test_batch_entries_are_all_checked_before_any_runs():
    entries = [dict(name="h1", dest="/tmp/h1"), dict(name="h2", dest="/tmp/h1")]
    with pytest.raises(FleetError) as caught:
        _tokens.batch_requests(dict(TOKEN_PARAMS, tokens=entries), NativeEngine)
    assert "share dest '/tmp/h1'" in caught.value.msg
    entries = [dict(name="h1", dest="/tmp/h1"), dict(name="h2", dest=None)]
    with pytest.raises(FleetError) as caught:
        _tokens.batch_requests(dict(TOKEN_PARAMS, tokens=entries), NativeEngine)
    assert "entry 2 has no dest" in caught.value.msg
    absent = [dict(name="h1", dest=None)]
    assert _tokens.batch_requests(dict(TOKEN_PARAMS, state="absent", tokens=absent), NativeEngine)[0].name == "h1"


@pytest.mark.parametrize("expiry, renew_before", [("10m", 150.0), ("1h", 900.0), ("24h", 900.0)])
def test_renew_before_left_out_fits_a_short_expiry(expiry, renew_before):
    request = _tokens.token_request(dict(TOKEN_PARAMS, expiry=expiry, renew_before=None), NativeEngine, "h1", "/t")
    assert request.renew_before == renew_before
