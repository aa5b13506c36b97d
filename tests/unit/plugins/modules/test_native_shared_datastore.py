# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The cluster module on a shared datastore (storage.datastore), with the database server faked at
the _sql boundary (its own tests, and tests/datastore on real servers, cover the SQL side). The fake
server writes its calls into the API fake's call list, so that their order against the API's writes
is visible."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils import _sql as sql
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _shared_datastore
from ansible_collections.k0smotron.fleet.plugins.modules import cluster

ADMIN_PASSWORD = "admin-pw-Zq81x"
DATASTORE = dict(driver="postgres", host="pg.example", admin_secret_name="fleet-pg-admin", sslmode="disable")
BASE = dict(name="shop-1", namespace="edge", version="v1.36.3+k0s.2", replicas=2,
            storage=dict(type="kine", datastore=DATASTORE))


class FakeServer(object):
    """Databases and users with their passwords; ``refuse`` makes every call fail as sql would."""

    def __init__(self, calls):
        self.calls = calls
        self.databases = {}
        self.refuse = None

    def _enter(self, verb, datastore, database):
        assert datastore.admin_password == ADMIN_PASSWORD and datastore.host == "pg.example"
        self.calls.append(("sql-" + verb, "databases", database))
        if self.refuse:
            raise FleetError(self.refuse, hint="Fix the admin Secret; nothing was changed.")

    def check(self, datastore, database, user):
        self._enter("check", datastore, database)
        owner = self.databases.get(database, {}).get("user")
        if owner is not None and owner != user:
            raise FleetError("database %s is taken" % database)
        return dict(database_exists=database in self.databases, user_exists=owner == user)

    def ensure(self, datastore, database, user, password, dry=False):
        self._enter("plan" if dry else "ensure", datastore, database)
        known = self.databases.get(database)
        if known == {"user": user, "password": password}:
            return []
        done = ["password changed"] if known else ["created user", "created database", "granted rights"]
        if not dry:
            self.databases[database] = {"user": user, "password": password}
        return done

    def plan(self, datastore, database, user, password):
        return self.ensure(datastore, database, user, password, dry=True)

    def drop(self, datastore, database, user, dry=False):
        self._enter("drop", datastore, database)
        if database not in self.databases:
            return []
        if not dry:
            del self.databases[database]
        return ["dropped database", "dropped user"]


@pytest.fixture
def server(native_api, monkeypatch):
    fake = FakeServer(native_api.calls)
    for name in ("check", "ensure", "plan", "drop"):
        monkeypatch.setattr(sql, name, getattr(fake, name))
    native_api.objects[("secrets", "edge", "fleet-pg-admin")] = {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "fleet-pg-admin", "namespace": "edge"},
        "data": {"username": base64.b64encode(b"fleet_admin").decode(), "password":
                 base64.b64encode(ADMIN_PASSWORD.encode()).decode()}}
    return fake


def datastore_secret(api):
    data = api.objects[("secrets", "edge", "shop-1-datastore")]["data"]
    return dict((k, base64.b64decode(v).decode()) for k, v in data.items())


def verbs(api):
    return [c[0] for c in api.calls]


def test_a_control_plane_gets_its_own_database_made_before_it_starts(run_module, native_api, server):
    result, failed = run_module(cluster.main, BASE)
    assert not failed, result
    database = "k0s_edge_shop_1"
    assert server.databases[database]["user"] == database
    password = server.databases[database]["password"]
    secret = datastore_secret(native_api)
    assert secret["password"] == password
    assert secret["K0SMOTRON_KINE_DATASOURCE_URL"] == "postgres://%s:%s@pg.example:5432/%s?sslmode=disable" % (
        database, password, database)
    # Checked before the first write; the database made before the StatefulSet.
    order = verbs(native_api)
    first_write = min(i for i, c in enumerate(native_api.calls) if c in native_api.writes())
    assert order.index("sql-check") < first_write
    sts_write = [i for i, c in enumerate(native_api.calls) if c[0] == "apply" and c[1] == "statefulsets"][0]
    assert order.index("sql-ensure") < sts_write
    assert "PostgreSQL database %s at pg.example:5432" % database in result["changes"]
    text = json.dumps(result)
    assert password not in text and ADMIN_PASSWORD not in text
    recorded = result["settings"]["storage"]["datastore"]
    assert recorded["database"] == database and "rotate_password" not in recorded
    assert password not in native_api.objects[("configmaps", "edge", "kmc-shop-1")]["data"]["spec.json"]


def test_a_second_run_changes_nothing_and_keeps_the_password(run_module, native_api, server):
    run_module(cluster.main, BASE)
    password = server.databases["k0s_edge_shop_1"]["password"]
    result, failed = run_module(cluster.main, dict(BASE, storage=None, replicas=None))
    assert not failed and result["changed"] is False, result
    assert server.databases["k0s_edge_shop_1"]["password"] == password


def test_rotation_changes_the_password_on_the_server_and_rolls_the_pods(run_module, native_api, server):
    run_module(cluster.main, BASE)
    before = server.databases["k0s_edge_shop_1"]["password"]
    rotate = dict(BASE, storage=dict(type="kine", datastore=dict(rotate_password=True)))
    result, failed = run_module(cluster.main, rotate)
    assert not failed, result
    after = server.databases["k0s_edge_shop_1"]["password"]
    assert after != before and datastore_secret(native_api)["password"] == after
    assert "StatefulSet/kmc-shop-1" in result["changes"] and "Secret/shop-1-datastore" in result["changes"]
    assert before not in json.dumps(result) and after not in json.dumps(result)


def test_check_mode_plans_and_makes_nothing(run_module, native_api, server):
    result, failed = run_module(cluster.main, dict(BASE, _ansible_check_mode=True))
    assert not failed and result["changed"] is True, result
    assert server.databases == {} and "sql-plan" in verbs(native_api)
    assert native_api.writes() == []


@pytest.mark.parametrize("breakage, expected", [
    ("no admin secret", "Secret 'fleet-pg-admin' (storage.datastore.admin_secret_name) does not exist"),
    ("refused", "the PostgreSQL datastore refused the admin"),
])
def test_a_datastore_that_cannot_serve_fails_before_any_change(run_module, native_api, server, breakage, expected):
    if breakage == "no admin secret":
        del native_api.objects[("secrets", "edge", "fleet-pg-admin")]
    else:
        server.refuse = "the PostgreSQL datastore refused the admin"
    result, failed = run_module(cluster.main, BASE)
    assert failed and expected in result["msg"] and result["changed"] is False
    assert native_api.writes() == [] and server.databases == {}


def test_a_database_another_control_plane_holds_is_refused_before_any_change(run_module, native_api, server):
    server.databases["k0s_edge_shop_1"] = {"user": "someone_else", "password": "x" * 12}
    result, failed = run_module(cluster.main, BASE)
    assert failed and "is taken" in result["msg"] and native_api.writes() == []


def test_moving_a_control_plane_to_another_server_is_refused(run_module, native_api, server):
    run_module(cluster.main, BASE)
    moved = dict(BASE, storage=dict(type="kine", datastore=dict(DATASTORE, host="pg2.example")))
    native_api.calls[:] = []
    result, failed = run_module(cluster.main, moved)
    assert failed and "storage.datastore.host differs" in result["msg"] and "Nothing was changed" in result["msg"]
    assert native_api.writes() == []


def test_delete_with_drop_database_drops_after_the_control_plane_is_gone(run_module, native_api, server):
    run_module(cluster.main, BASE)
    native_api.calls[:] = []
    result, failed = run_module(cluster.main, dict(name="shop-1", namespace="edge", state="absent",
                                                   drop_database=True))
    assert not failed, result
    assert result["datastore_dropped"] == ["dropped database", "dropped user"] and server.databases == {}
    order = verbs(native_api)
    assert order.index("sql-check") < order.index("delete") < order.index("sql-drop")
    # The next run finds nothing to do, as long as it can say where the database was.
    again, failed = run_module(cluster.main, dict(name="shop-1", namespace="edge", state="absent",
                                                  drop_database=True, storage=BASE["storage"]))
    assert not failed and again["changed"] is False, again


def test_delete_without_drop_database_keeps_the_database(run_module, native_api, server):
    run_module(cluster.main, BASE)
    result, failed = run_module(cluster.main, dict(name="shop-1", namespace="edge", state="absent"))
    assert not failed and "k0s_edge_shop_1" in server.databases


@pytest.mark.parametrize("args, expected", [
    (dict(state="absent", drop_database=True, wait=False), "drop_database needs wait: true"),
    (dict(drop_database=True), "drop_database is given with state=present"),
    (dict(engine="k0smotron", state="absent", drop_database=True), "Option 'drop_database' is a native engine"),
    (dict(engine="k0smotron", storage=BASE["storage"]), "storage.datastore (a shared datastore"),
    (dict(storage=dict(type="kine", kine_data_source_url="postgres://u:p@h/d", datastore=DATASTORE)),
     "storage.datastore and a kine data source"),
    (dict(storage=dict(type="kine", datastore=dict(DATASTORE, database="Bad-Name"))), "is not allowed"),
    (dict(storage=dict(type="kine", datastore=dict(DATASTORE, host=None))), "storage.datastore.host is required"),
])
def test_bad_datastore_options_fail_before_any_change(run_module, native_api, server, args, expected):
    run_module(cluster.main, BASE) if args.get("state") == "absent" else None
    native_api.calls[:] = []
    result, failed = run_module(cluster.main, dict(BASE, **args))
    assert failed and expected in result["msg"], result
    assert native_api.writes() == []


def test_default_names_fit_the_shortest_limit_and_stay_distinct():
    short = _shared_datastore.default_name("shop-1", "edge", "mysql")
    assert short == "k0s_edge_shop_1"
    long_a = _shared_datastore.default_name("a-very-long-site-name-number-0001", "edge-europe", "mysql")
    long_b = _shared_datastore.default_name("a-very-long-site-name-number-0002", "edge-europe", "mysql")
    assert len(long_a) <= 32 and long_a != long_b


def test_an_existing_database_without_this_control_planes_password_is_refused(run_module, native_api, server):
    run_module(cluster.main, BASE)
    native_api.calls[:] = []
    other = dict(BASE, name="shop-2", storage=dict(type="kine", datastore=dict(DATASTORE, database="k0s_edge_shop_1")))
    result, failed = run_module(cluster.main, other)
    assert failed and "already has database 'k0s_edge_shop_1'" in result["msg"], result
    assert "Nothing was changed" in result["msg"] and native_api.writes() == []
    assert server.databases["k0s_edge_shop_1"]["password"] == datastore_secret(native_api)["password"]
