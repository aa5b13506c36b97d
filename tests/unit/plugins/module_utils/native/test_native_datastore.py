# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _datastore as builder
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._settings import DATASOURCE_KEY
from ansible_collections.k0smotron.fleet.tests.unit.native_helpers import OWNER, settings

URL = "postgres://fleet:pw-4711@db.example:5432/shop1"


class Context:
    def __init__(self):
        self.protected = []

    def protect(self, value):
        self.protected.append(value)


class Secrets:
    def __init__(self, **secrets):
        self.secrets = secrets

    def get(self, resource, name, namespace=None):
        return self.secrets.get(name)


def with_secret(name, **data):
    return settings(storage={"type": "kine", "kine_data_source_secret_name": name}), Secrets(**{name: {"data": dict(
        (k, base64.b64encode(v.encode()).decode()) for k, v in data.items())}})


def test_an_inline_url_is_protected_and_used():
    context = Context()
    assert builder.datastore_url(context, Secrets(), settings(), "edge", URL) == URL
    assert context.protected == [URL]


def test_the_url_is_read_from_the_named_secret_and_protected():
    spec, secrets = with_secret("shop-1-db", **{DATASOURCE_KEY: URL})
    context = Context()
    assert builder.datastore_url(context, secrets, spec, "edge", None) == URL and URL in context.protected


def test_sqlite_in_the_pod_needs_no_url():
    assert builder.datastore_url(Context(), Secrets(), settings(), "edge", None) is None


@pytest.mark.parametrize("secrets, wanted", [
    (Secrets(), "does not exist in namespace 'edge'"),
    (Secrets(**{"shop-1-db": {"data": {"other": "eA=="}}}), "has no key %s" % DATASOURCE_KEY),
])
def test_a_missing_secret_or_key_is_named(secrets, wanted):
    spec = settings(storage={"type": "kine", "kine_data_source_secret_name": "shop-1-db"})
    with pytest.raises(FleetError) as caught:
        builder.datastore_url(Context(), secrets, spec, "edge", None)
    assert wanted in caught.value.msg and caught.value.hint


def test_a_url_in_the_secret_is_checked_like_an_inline_one():
    spec, secrets = with_secret("shop-1-db", **{DATASOURCE_KEY: "no-scheme"})
    with pytest.raises(FleetError) as caught:
        builder.datastore_url(Context(), secrets, spec, "edge", None)
    assert "The URL in Secret 'shop-1-db' is not a data source URL" in caught.value.msg


def test_the_inline_url_goes_into_its_own_secret_under_the_key_k0smotron_reads():
    secret = builder.datastore_secret("shop-1-datastore", "edge", "shop-1", settings(), OWNER, URL)
    assert base64.b64decode(secret["data"][DATASOURCE_KEY]).decode() == URL
    assert secret["metadata"]["ownerReferences"] == [OWNER]
