# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The PostgreSQL side with a stand-in psycopg2: what is read, what is refused, what is sent."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils import _sql
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql._scram import scram_verifier
from ansible_collections.k0smotron.fleet.tests.unit.plugins.module_utils.sql.sql_fakes import (
    ADMIN_PASSWORD,
    PASSWORD,
    fake_psycopg2,
)

STORE = _sql.Datastore("postgres", "db.example", 5432, "fleet_admin", ADMIN_PASSWORD, sslmode="disable", timeout=7)
OWN_ROLE = (False, False, False, False, False, True, [], [])


def catalog(database=None, role=None, verifier=None, admin=(True, True, True)):
    return {
        "SELECT rolsuper": [admin],
        "SELECT pg_catalog.pg_get_userbyid": [database] if database else [],
        "SELECT r.rolsuper": [role] if role else [],
        "SELECT rolpassword": [(verifier,)],
    }


@pytest.fixture
def server(monkeypatch):
    def install(answers, refuse=None):
        module = fake_psycopg2(answers, refuse)
        monkeypatch.setattr(_sql, "load_driver", lambda datastore: module)
        return module
    return install


def test_a_new_control_plane(server):
    driver = server(catalog()).driver
    assert _sql.ensure(STORE, "shop_1", "shop_1", PASSWORD) == ["created user", "created database"]
    assert driver.changes() == [
        "CREATE ROLE \"shop_1\" WITH LOGIN PASSWORD 'SCRAM-SHA-256$4096:fake-for-shop_1'",
        'CREATE DATABASE "shop_1" OWNER "shop_1"',
        'REVOKE ALL ON DATABASE "shop_1" FROM PUBLIC',
    ]
    login = driver.logins[0]
    assert (login["connect_timeout"], login["dbname"], login["sslmode"]) == (7, "postgres", "disable")
    assert "statement_timeout=7000" in login["options"]


def test_check_mode_sends_nothing(server):
    driver = server(catalog()).driver
    assert _sql.plan(STORE, "shop_1", "shop_1", PASSWORD) == ["created user", "created database"]
    assert driver.changes() == []


def test_nothing_to_do_when_all_is_there(server):
    driver = server(catalog(database=("shop_1", False), role=OWN_ROLE,
                            verifier=scram_verifier(PASSWORD, b"salt-salt-salt!!"))).driver
    assert _sql.ensure(STORE, "shop_1", "shop_1", PASSWORD) == []
    assert driver.changes() == []


def test_rotation_and_repair(server):
    driver = server(catalog(database=("shop_1", True), role=OWN_ROLE, verifier=scram_verifier("Old-password-1", b"s" * 16))).driver
    assert _sql.ensure(STORE, "shop_1", "shop_1", PASSWORD) == ["password changed", "revoked public connect"]
    assert driver.changes()[0].startswith('ALTER ROLE "shop_1" WITH LOGIN PASSWORD')


def test_non_superuser_admin_logs_in_as_the_user_and_acts_through_membership(server):
    module = server(catalog(database=None, role=OWN_ROLE, admin=(False, True, True)))
    module.driver.answers["SELECT rolpassword"] = module.Error("permission denied for table pg_authid", "42501")
    assert _sql.ensure(STORE, "shop_1", "shop_1", PASSWORD) == ["created database"]
    assert [login["user"] for login in module.driver.logins] == ["fleet_admin", "shop_1"]
    assert module.driver.changes()[0] == 'GRANT "shop_1" TO CURRENT_USER'


@pytest.mark.parametrize("database, role, message", [
    (("someone_else", False), None, "is taken: it belongs to user 'someone_else'"),
    (("fleet_admin", False), None, "belongs to user 'fleet_admin' (the admin)"),
    (None, (True, False, False, False, False, True, [], []), "the attribute(s) SUPERUSER"),
    (None, (False, False, False, False, False, True, ["shop_2"], []), "database(s) shop_2 of its own"),
    (None, (False, False, False, False, False, True, [], ["pg_read_all_data"]), "membership in role(s) pg_read_all_data"),
])
def test_someone_elses_database_or_user_refused_before_any_change(server, database, role, message):
    driver = server(catalog(database=database, role=role)).driver
    for call in (lambda: _sql.ensure(STORE, "shop_1", "shop_1", PASSWORD), lambda: _sql.drop(STORE, "shop_1", "shop_1")):
        with pytest.raises(FleetError) as caught:
            call()
        assert message in str(caught.value)
    assert driver.changes() == []


def test_admin_without_rights_refused(server):
    server(catalog(admin=(False, True, False)))
    with pytest.raises(FleetError, match="may not create databases and roles") as caught:
        _sql.check(STORE, "shop_1", "shop_1")
    assert "CREATEDB CREATEROLE" in caught.value.hint


@pytest.mark.parametrize("text, message", [
    ('connection to server at "db.example" failed: FATAL:  password authentication failed for user "fleet_admin"',
     "refused the admin user 'fleet_admin'"),
    ('FATAL:  no pg_hba.conf entry for host "10.0.0.9", user "fleet_admin"', "no pg_hba.conf entry matches"),
    ("connection to server at \"db.example\" failed: timeout expired", "waiting at most 7 s"),
    ("server does not support SSL, but SSL was required", "does not offer TLS"),
])
def test_connection_failures_named_without_secrets(server, text, message):
    leaky = "%s (dsn: password=%s)" % (text, ADMIN_PASSWORD)
    module = server(catalog())
    module.driver.refuse = lambda kwargs: module.OperationalError(leaky)
    with pytest.raises(FleetError) as caught:
        _sql.check(STORE, "shop_1", "shop_1")
    assert message in str(caught.value)
    assert ADMIN_PASSWORD not in str(caught.value)


def test_a_statement_refused_half_way(server):
    module = server(catalog())
    module.driver.answers["CREATE DATABASE"] = module.Error("could not write: password %s" % PASSWORD, "53100")
    with pytest.raises(FleetError) as caught:
        _sql.ensure(STORE, "shop_1", "shop_1", PASSWORD)
    assert caught.value.details["datastore_changes"] == ["created user"]
    assert "create database 'shop_1'" in str(caught.value) and PASSWORD not in str(caught.value)


def test_drop_forces_out_sessions(server):
    driver = server(catalog(database=("shop_1", False), role=OWN_ROLE)).driver
    assert _sql.drop(STORE, "shop_1", "shop_1") == ["dropped database", "dropped user"]
    assert driver.changes() == ['DROP DATABASE IF EXISTS "shop_1" WITH (FORCE)', 'DROP ROLE IF EXISTS "shop_1"']
