# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kine data source URLs read back the way kine reads them (_sql._kine), for backups and restores."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql import kine_url
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql._kine import parse_kine_url


@pytest.mark.parametrize("driver, host, sslmode", [
    ("postgres", "db.example.com", "verify-full"),
    ("postgres", "fd00::5", "disable"),
    ("mysql", "10.0.0.7", "disable"),
    ("mysql", "db.example.com", "require"),
    ("mysql", "fd00::5", "verify-full"),
])
def test_what_kine_url_writes_reads_back(driver, host, sslmode):
    password = "p%40ss:w/rd@x" if driver == "postgres" else "pass:word@x"
    url = kine_url(driver, host, 6543, "k0s_fleet_shop_1", "k0s_fleet_shop_1", password, sslmode)
    assert parse_kine_url(url) == dict(driver=driver, host=host, port=6543, database="k0s_fleet_shop_1",
                                       user="k0s_fleet_shop_1", password=password, sslmode=sslmode)


def test_default_ports_and_sslmode():
    assert parse_kine_url("postgres://u:p@db/kine")["port"] == 5432
    assert parse_kine_url("postgres://u:p@db/kine")["sslmode"] == "prefer"
    assert parse_kine_url("mysql://u:p@tcp(db)/kine")["port"] == 3306


@pytest.mark.parametrize("url, words", [
    ("sqlite:///var/lib/k0s/db/state.db", "scheme is sqlite"),
    ("etcd://10.0.0.1:2379", "scheme is etcd"),
    ("postgres://db/kine", "no host, user or database"),
    ("postgres://u:p@db:notaport/kine", "not a number"),
    ("mysql://u:p@tcp(db:x)/kine", "not a number"),
    ("mysql://u:p@tcp(db)/kine?tls=custom", "tls value"),
    ("no-scheme-at-all", "scheme is no scheme"),
])
def test_urls_that_cannot_be_used(url, words):
    with pytest.raises(FleetError) as failure:
        parse_kine_url(url)
    assert words in failure.value.msg
    assert "postgres://USER:PASSWORD@HOST:PORT/DB" in failure.value.hint


def test_the_password_is_never_in_the_message():
    with pytest.raises(FleetError) as failure:
        parse_kine_url("postgres://u:sekrit-pw@db:99999999/kine")
    assert "sekrit-pw" not in str(failure.value)
