# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils import _sql
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql import _failures

SECRET = "p@ss w'rd/1"


def test_scrub_masks_every_form_of_a_secret():
    text = "dsn=postgres://u:%s@h/d password='%s' quoted='%s' %s\nsecond line %s" % (
        "p%40ss%20w%27rd%2F1", SECRET, SECRET.replace("'", "''"), repr(SECRET), SECRET)
    scrubbed = _failures.scrub(text, [SECRET, None, ""])
    assert "p@ss" not in scrubbed and "p%40ss" not in scrubbed and "second line" not in scrubbed
    assert scrubbed.count(_failures.MASK) == 4


@pytest.mark.parametrize("driver, package", [("postgres", "psycopg2-binary"), ("mysql", "PyMySQL")])
def test_missing_driver_names_the_pip_package(monkeypatch, driver, package):
    def missing(name):
        raise ImportError("No module named %r" % name)

    monkeypatch.setattr(importlib, "import_module", missing)
    store = _sql.Datastore(driver, "db", 5432, "admin", "Admin-secret-9911")
    with pytest.raises(FleetError) as caught:
        _sql.check(store, "shop_1", "shop_1")
    assert "needs the Python package %s" % package in str(caught.value)
    assert "pip install %s" % package in caught.value.hint


def test_a_failure_half_way_says_what_was_done():
    store = _sql.Datastore("postgres", "db", 5432, "admin", "Admin-secret-9911")
    error = _failures.statement_failed(store, "create database 'shop_1'", "disk full", ["created user"])
    assert error.details["datastore_changes"] == ["created user"]
    assert "Already done: created user." in error.hint
