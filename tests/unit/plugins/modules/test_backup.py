# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The backup module with the native engine, against the fake management API (the datastore
connection faked at its boundary; tests/datastore reads real PostgreSQL and MariaDB)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import stat

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils._backup import _archive as archive
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _export as export
from ansible_collections.k0smotron.fleet.plugins.modules import backup, cluster

BASE = dict(name="shop-1", namespace="edge", version="v1.36.3+k0s.2")
PG_URL = "postgres://k0s_edge_shop_1:db-Passw0rd-xyz@10.0.0.9:5432/k0s_edge_shop_1?sslmode=disable"
PASSPHRASE = "correct horse battery staple"
KEY = base64.b64encode(b"k" * 32).decode("ascii")
ROWS = [(1, "compact_rev_key", 0, 0, 0, 0, 0, b"", None),
        (7, "/registry/pods/default/web-0", 1, 0, 7, 0, 0, b"pod", None),
        (9, "/registry/secrets/default/s", 1, 0, 9, 0, 0, b"hosted-secret-value", None)]


class Cursor(object):
    def __init__(self, log):
        self.log, self.rows = log, []

    def execute(self, statement, params=None):
        self.log.append(statement)
        if statement.startswith("SELECT id"):
            self.rows = list(ROWS)

    def fetchone(self):
        return self.rows.pop(0) if self.rows else None

    def close(self):
        pass


class Connection(object):
    def __init__(self):
        self.log = []
        self.closed = False

    def cursor(self, *args, **kwargs):
        return Cursor(self.log)

    def rollback(self):
        self.log.append("rollback")

    def close(self):
        self.closed = True


@pytest.fixture
def sql_datastore(monkeypatch):
    """The control plane's database, as connect_kine would give it; the URLs it was asked for."""
    asked = []
    connection = Connection()

    def connect(url, timeout=300):
        asked.append(url)
        return connection, "postgres"
    monkeypatch.setattr(export, "connect_kine", connect)
    return asked, connection


def create(run_module, **options):
    result, failed = run_module(cluster.main, dict(BASE, **options))
    assert not failed, result
    return result


def take(run_module, dest, **options):
    return run_module(backup.main, dict(dict(cluster="shop-1", namespace="edge", dest=str(dest)), **options))


def no_secret_in(result, *more):
    text = json.dumps(result)
    for secret in ("PRIVATE KEY", "LS0tLS1CRUdJTi", PASSPHRASE, KEY, "db-Passw0rd-xyz", "hosted-secret-value") + more:
        assert secret not in text, "%r in the result" % secret


def test_identity_and_settings_of_a_sqlite_control_plane(run_module, native_api, tmp_path):
    create(run_module)
    dest = tmp_path / "shop-1.k0sbackup"
    result, failed = take(run_module, dest, datastore="skip", _ansible_diff=True)
    assert not failed, result
    assert result["changed"] is True and result["encrypted"] is False
    assert sorted(result["members"]) == ["pki-ca.json", "pki-proxy.json", "pki-sa.json", "settings.json"]
    assert result["datastore"] == {"included": False} and result["version"] == "v1.36.3+k0s.2"
    assert result["diff"]["after"] == {"path": str(dest), "mode": "0600", "encrypted": False}
    assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o600
    assert not [n for n in os.listdir(str(tmp_path)) if n != dest.name], "the working folder was left behind"
    no_secret_in(result)
    header, manifest, members = archive.read_backup(str(dest))
    assert header["cluster"] == {"name": "shop-1", "namespace": "edge", "engine": "native"}
    ca = native_api.objects[("secrets", "edge", "shop-1-ca")]["data"]
    kept = json.loads(members["pki-ca.json"])
    assert base64.b64encode(kept["tls.key"].encode()).decode() == ca["tls.key"]
    assert json.loads(members["settings.json"])["version"] == "v1.36.3+k0s.2"
    assert manifest["key_material"] == ["ca", "proxy", "sa"]


def test_the_rows_of_a_sql_datastore_as_its_own_user(run_module, native_api, tmp_path, sql_datastore):
    asked, connection = sql_datastore
    create(run_module, storage={"type": "kine", "kine_data_source_url": PG_URL})
    dest = tmp_path / "b"
    result, failed = take(run_module, dest, passphrase=PASSPHRASE)
    assert not failed, result
    assert asked == [PG_URL], "the backup did not use the control plane's own URL"
    assert connection.log[0].startswith("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ") and connection.closed
    assert result["datastore"] == {"included": True, "driver": "postgres", "rows": 3, "revision": 9, "last_id": 9,
                                   "keys": 2, "objects": {"pods": 1, "secrets": 1}}
    assert result["encrypted"] is True and "kine-rows.sqlite" in result["members"]
    no_secret_in(result)
    with open(str(dest), "rb") as handle:
        content = handle.read()
    for secret in (b"hosted-secret-value", b"PRIVATE KEY", b"db-Passw0rd-xyz", PASSPHRASE.encode()):
        assert secret not in content, "%r in clear in an encrypted backup" % secret
    _header, manifest, members = archive.read_backup(str(dest), passphrase=PASSPHRASE)
    assert manifest["datastore"]["rows"] == 3 and members["kine-rows.sqlite"][:16] == b"SQLite format 3\x00"


def test_sqlite_in_the_pod_is_refused_before_anything_is_written(run_module, native_api, tmp_path):
    create(run_module)
    dest = tmp_path / "b"
    result, failed = take(run_module, dest)
    assert failed and result["changed"] is False
    assert "SQLite inside its pod" in result["msg"] and "datastore: skip" in result["msg"]
    assert os.listdir(str(tmp_path)) == []


def test_a_second_run_keeps_the_backup_and_force_takes_a_new_one(run_module, native_api, tmp_path):
    create(run_module)
    dest = tmp_path / "b"
    take(run_module, dest, datastore="skip", key=KEY)
    first = dest.read_bytes()
    again, failed = take(run_module, dest, datastore="skip", key=KEY)
    assert not failed and again["changed"] is False and again["encrypted"] is True
    assert dest.read_bytes() == first
    forced, failed = take(run_module, dest, datastore="skip", key=KEY, force=True)
    assert not failed and forced["changed"] is True and dest.read_bytes() != first
    no_secret_in(forced)


def test_check_mode_writes_nothing(run_module, native_api, tmp_path):
    create(run_module)
    result, failed = take(run_module, tmp_path / "b", datastore="skip", _ansible_check_mode=True)
    assert not failed and result["changed"] is True
    assert os.listdir(str(tmp_path)) == []


def test_a_dest_of_another_control_plane_or_another_file_is_refused(run_module, native_api, tmp_path):
    create(run_module)
    create(run_module, name="shop-2")
    dest = tmp_path / "b"
    take(run_module, dest, datastore="skip")
    result, failed = take(run_module, dest, cluster="shop-2", datastore="skip")
    assert failed and "holds a backup of control plane 'shop-1'" in result["msg"]
    other = tmp_path / "notes.txt"
    other.write_text("not a backup")
    result, failed = take(run_module, other, datastore="skip")
    assert failed and "is not a backup file" in result["msg"] and "force: true" in result["msg"]
    assert other.read_text() == "not a backup"
    result, failed = take(run_module, other, datastore="skip", force=True)
    assert not failed and result["changed"] is True


@pytest.mark.parametrize("options, words", [
    (dict(passphrase=PASSPHRASE, key=KEY), "mutually exclusive"),
    (dict(key="c2hvcnQ="), "key is 5 bytes"),
    (dict(key="not base64!"), "key is not valid base64"),
    (dict(passphrase="   "), "passphrase is empty"),
    (dict(cluster="Shop_1"), "cluster"),
    (dict(datastore="all"), "datastore"),
])
def test_bad_input_is_refused_before_anything(run_module, native_api, tmp_path, options, words):
    create(run_module)
    native_api.calls[:] = []
    result, failed = take(run_module, tmp_path / "b", **options)
    assert failed and words in result["msg"], result["msg"]
    assert os.listdir(str(tmp_path)) == []
    no_secret_in(result)


def test_a_missing_control_plane(run_module, native_api, tmp_path):
    result, failed = take(run_module, tmp_path / "b", datastore="skip")
    assert failed and "does not exist in namespace 'edge'" in result["msg"]
    assert os.listdir(str(tmp_path)) == []


def test_the_k0smotron_engine_cannot_back_up_yet(run_module, fake_api, tmp_path):
    result, failed = take(run_module, tmp_path / "b", engine="k0smotron", datastore="skip")
    assert failed and "k0smotron engine cannot back up" in result["msg"] and "engine: native" in result["msg"]
