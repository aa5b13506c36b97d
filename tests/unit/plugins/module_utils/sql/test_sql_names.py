# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils import _sql
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql._server import (
    validate_datastore,
    validate_name,
    validate_names,
    validate_password,
)

PASSWORD = "Plane-secret-4242"


@pytest.mark.parametrize("driver, kind, longest", [
    ("postgres", "database", 63), ("postgres", "user", 63), ("mysql", "database", 64), ("mysql", "user", 32)])
def test_length_limits(driver, kind, longest):
    validate_name(driver, kind, "k" * longest)
    with pytest.raises(FleetError, match="%d characters long.*at most %d" % (longest + 1, longest)):
        validate_name(driver, kind, "k" * (longest + 1))


@pytest.mark.parametrize("name", ["Shop", "1shop", "shop-1", "shop.1", "shop`x", "sh\"op", "shop 1", "", None, "ß",
                                  "a;drop", "x'y"])
def test_names_that_cannot_be_used_unquoted_are_refused(name):
    for driver in ("postgres", "mysql"):
        with pytest.raises(FleetError, match="not allowed"):
            validate_name(driver, "database", name)


@pytest.mark.parametrize("driver, kind, name", [
    ("postgres", "database", "template1"), ("postgres", "user", "pg_monitor"), ("postgres", "user", "public"),
    ("mysql", "database", "mysql"), ("mysql", "database", "information_schema"), ("mysql", "user", "root")])
def test_system_names_refused(driver, kind, name):
    with pytest.raises(FleetError, match="keeps for itself"):
        validate_name(driver, kind, name)


def test_the_admin_is_never_a_control_planes_user():
    with pytest.raises(FleetError, match="is the datastore's admin user"):
        validate_names("postgres", "shop_1", "fleet_admin", admin_user="fleet_admin")


@pytest.mark.parametrize("password", ["short", "x" * 129, "has space 123", 'quote"123456', "back\\slash12", "ümlaut1234",
                                      None, "tab\tinside"])
def test_passwords_refused_without_showing_them(password):
    with pytest.raises(FleetError) as caught:
        validate_password(password)
    if password:
        assert password not in str(caught.value)


def test_datastore_values_checked():
    good = dict(driver="postgres", host="db.example", port=5432, admin_user="admin", admin_password="pw")
    validate_datastore(_sql.Datastore(**good))
    for change, message in ((dict(driver="sqlite"), "driver must be one of"), (dict(port=0), "port must be"),
                            (dict(port="5432"), "port must be"), (dict(host="db.example/x"), "not a host name"),
                            (dict(admin_password=""), "admin password is empty"), (dict(sslmode="prefer"), "sslmode"),
                            (dict(timeout=0.5), "timeout must be"), (dict(admin_user=None), "admin user is empty")):
        with pytest.raises(FleetError, match=message):
            validate_datastore(_sql.Datastore(**dict(good, **change)))


def test_datastore_repr_hides_the_password():
    store = _sql.Datastore("mysql", "db", 3306, "admin", "Admin-secret-9911")
    assert "Admin-secret-9911" not in repr(store)
    assert store.describe() == "the MySQL datastore at db:3306"


def test_kine_url_postgres_encodes_the_credentials():
    url = _sql.kine_url("postgres", "db.example", 5432, "shop_1", "shop_1", "p@ss/w:rd%x?#", sslmode="verify-full")
    assert url == "postgres://shop_1:p%40ss%2Fw%3Ard%25x%3F%23@db.example:5432/shop_1?sslmode=verify-full"


def test_kine_url_mysql_takes_the_password_as_it_is():
    # The Go MySQL driver does not percent-decode: the password goes in unchanged.
    url = _sql.kine_url("mysql", "10.0.0.5", 3306, "shop_1", "shop_1", "p@ss/w:rd%x", sslmode="disable")
    assert url == "mysql://shop_1:p@ss/w:rd%x@tcp(10.0.0.5:3306)/shop_1"
    assert _sql.kine_url("mysql", "db", 3306, "d", "u", PASSWORD).endswith("/d?tls=skip-verify")
    assert _sql.kine_url("mysql", "db", 3306, "d", "u", PASSWORD, sslmode="verify-full").endswith("/d?tls=true")


def test_kine_url_ipv6_hosts_in_brackets():
    assert "@[fd00::5]:5432/" in _sql.kine_url("postgres", "fd00::5", 5432, "d", "u", PASSWORD)
    assert "@tcp([fd00::5]:3306)/" in _sql.kine_url("mysql", "[fd00::5]", 3306, "d", "u", PASSWORD)


def test_kine_url_refuses_what_kine_could_not_read():
    with pytest.raises(FleetError, match="not allowed"):
        _sql.kine_url("mysql", "db", 3306, "shop-1", "u", PASSWORD)
    with pytest.raises(FleetError, match="sslmode"):
        _sql.kine_url("postgres", "db", 5432, "d", "u", PASSWORD, sslmode="prefer")
    with pytest.raises(FleetError, match="password holds a character"):
        _sql.kine_url("mysql", "db", 3306, "d", "u", 'bad"password')
