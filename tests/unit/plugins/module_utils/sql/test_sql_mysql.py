# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The MySQL side with a stand-in PyMySQL: what is read, what is refused, what is sent."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils import _sql
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql._mysql import identifier
from ansible_collections.k0smotron.fleet.tests.unit.plugins.module_utils.sql.sql_fakes import (
    ADMIN_PASSWORD,
    PASSWORD,
    fake_pymysql,
)

STORE = _sql.Datastore("mysql", "db.example", 3306, "fleet_admin", ADMIN_PASSWORD, sslmode="disable", timeout=7)
ADMIN_RIGHTS = [(right, "YES") for right in ("SELECT", "CREATE", "DROP", "CREATE USER")]
PRIVILEGES = ("Select_priv", "Insert_priv", "Create_priv", "Drop_priv", "Grant_priv")


def grant_row(user, host="%", full=True):
    row = dict((column, "Y" if full or column == "Select_priv" else "N") for column in PRIVILEGES)
    row.update(Db="shop\\_1", User=user, Host=host, Grant_priv="N")
    return row


def catalog(database=False, grants=(), tables=0, user=False, elsewhere=(), global_rights=(), admin=ADMIN_RIGHTS):
    names = ["Db", "User", "Host"] + list(PRIVILEGES)
    return {
        "SELECT CURRENT_USER()": ([("fleet_admin@10.0.0.9",)], ["account"]),
        "SELECT PRIVILEGE_TYPE, IS_GRANTABLE": (list(admin), ["PRIVILEGE_TYPE", "IS_GRANTABLE"]),
        "SELECT 1 AS": [(1,)],
        "SELECT 1 FROM information_schema.SCHEMATA": ([(1,)] if database else [], ["1"]),
        "SELECT * FROM mysql.db": ([tuple(row[name] for name in names) for row in grants], names),
        "SELECT COUNT(*)": ([(tables,)], ["n"]),
        "SELECT 1 FROM mysql.user": ([(1,)] if user else [], ["1"]),
        "SELECT Db FROM mysql.db": ([(name,) for name in elsewhere], ["Db"]),
        "SELECT PRIVILEGE_TYPE FROM": ([(name,) for name in global_rights], ["PRIVILEGE_TYPE"]),
    }


@pytest.fixture
def server(monkeypatch):
    def install(answers):
        module = fake_pymysql(answers)
        monkeypatch.setattr(_sql, "load_driver", lambda datastore: module)
        return module
    return install


def test_a_new_control_plane(server):
    module = server(catalog())
    assert _sql.ensure(STORE, "shop_1", "shop_1", PASSWORD) == ["created user", "created database"]
    changes = [(text, args) for text, args in module.driver.executed if not text.startswith("SELECT")]
    assert changes == [
        ("CREATE USER %s@%s IDENTIFIED BY %s", ["shop_1", "%", PASSWORD]),  # bound by the driver, not written in
        ("CREATE DATABASE `shop_1`", None),
        ("GRANT ALL PRIVILEGES ON `shop\\_1`.* TO %s@%s", ["shop_1", "%"]),
    ]
    login = module.driver.logins[0]
    assert (login["connect_timeout"], login["read_timeout"], login["ssl_disabled"]) == (7, 7, True)


def test_check_mode_sends_nothing(server):
    module = server(catalog())
    assert _sql.plan(STORE, "shop_1", "shop_1", PASSWORD) == ["created user", "created database"]
    assert module.driver.changes() == []


def test_nothing_to_do_then_rotation_found_by_logging_in(server):
    module = server(catalog(database=True, grants=[grant_row("shop_1")], user=True))
    assert _sql.ensure(STORE, "shop_1", "shop_1", PASSWORD) == []
    assert module.driver.changes() == []
    assert module.driver.logins[-1]["user"] == "shop_1"
    module.driver.refuse = lambda kwargs: module.OperationalError(1045, "Access denied") if kwargs["user"] == "shop_1" else None
    assert _sql.ensure(STORE, "shop_1", "shop_1", PASSWORD) == ["password changed"]
    assert module.driver.changes() == ["ALTER USER %s@%s IDENTIFIED BY %s"]


def test_missing_rights_granted(server):
    module = server(catalog(database=True, grants=[grant_row("shop_1", full=False)], user=True))
    assert _sql.ensure(STORE, "shop_1", "shop_1", PASSWORD) == ["granted rights"]
    assert module.driver.changes() == ["GRANT ALL PRIVILEGES ON `shop\\_1`.* TO %s@%s"]


@pytest.mark.parametrize("state, message", [
    (dict(database=True, grants=[grant_row("shop_2")]), "account(s) 'shop_2'@'%' have rights on it"),
    (dict(database=True, grants=[grant_row("shop_1", host="localhost")]), "'shop_1'@'localhost'"),
    (dict(database=True, tables=3), "holds 3 table(s) and user 'shop_1' has no rights on it"),
    (dict(user=True, elsewhere=["shop_2"]), "rights on database(s) shop_2"),
    (dict(user=True, global_rights=["SUPER"]), "the global right(s) SUPER"),
    (dict(admin=[("CREATE", "YES")]), "may not create databases and users"),
    (dict(admin=[(right, "NO") for right in ("CREATE", "DROP", "CREATE USER")]), "may not create databases and users"),
])
def test_refused_before_any_change(server, state, message):
    module = server(catalog(**state))
    for call in (lambda: _sql.ensure(STORE, "shop_1", "shop_1", PASSWORD), lambda: _sql.drop(STORE, "shop_1", "shop_1")):
        with pytest.raises(FleetError) as caught:
            call()
        assert message in str(caught.value)
    assert module.driver.changes() == []


def test_an_empty_database_nobody_has_rights_on_is_taken_over(server):
    # What a run that stopped between CREATE DATABASE and GRANT leaves.
    server(catalog(database=True, user=True))
    assert _sql.ensure(STORE, "shop_1", "shop_1", PASSWORD) == ["granted rights"]


def test_reserved_word_refused(server):
    module = server(catalog())
    module.driver.answers["SELECT 1 AS"] = module.MySQLError(1064, "You have an error in your SQL syntax")
    with pytest.raises(FleetError, match="is a word MySQL reserves"):
        _sql.ensure(STORE, "select", "shop_1", PASSWORD)


@pytest.mark.parametrize("code, message", [
    (1045, "refused the admin user 'fleet_admin'"), (1130, "does not let user 'fleet_admin' connect from this host"),
    (2003, "waiting at most 7 s"), (2013, "waiting at most 7 s"), (2026, "cannot do TLS")])
def test_connection_failures_named_without_secrets(server, code, message):
    module = server(catalog())
    module.driver.refuse = lambda kwargs: module.OperationalError(code, "failed for %s" % ADMIN_PASSWORD)
    with pytest.raises(FleetError) as caught:
        _sql.check(STORE, "shop_1", "shop_1")
    assert message in str(caught.value) and ADMIN_PASSWORD not in str(caught.value)


def test_tls_modes_reach_the_driver(server):
    module = server(catalog())
    for mode, expected in (("require", {"ssl": {"check_hostname": False, "verify_mode": False}}),
                           ("verify-full", {"ssl_verify_cert": True, "ssl_verify_identity": True})):
        store = _sql.Datastore("mysql", "db", 3306, "fleet_admin", ADMIN_PASSWORD, sslmode=mode)
        _sql.check(store, "shop_1", "shop_1")
        login = module.driver.logins[-1]
        assert dict((key, login[key]) for key in expected) == expected


def test_drop(server):
    module = server(catalog(database=True, grants=[grant_row("shop_1")], user=True))
    assert _sql.drop(STORE, "shop_1", "shop_1", dry=True) == ["dropped database", "dropped user"]
    assert module.driver.changes() == []
    assert _sql.drop(STORE, "shop_1", "shop_1") == ["dropped database", "dropped user"]
    assert module.driver.changes() == ["DROP DATABASE `shop_1`", "DROP USER %s@%s"]


def test_identifier_refuses_what_it_cannot_quote():
    assert identifier("shop_1") == "`shop_1`"
    with pytest.raises(ValueError):
        identifier("shop`; DROP DATABASE x; --")
