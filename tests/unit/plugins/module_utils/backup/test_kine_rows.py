# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kine rows form of a datastore: the SQLite rows file, its checks, the counts for the manifest,
and the SQL side's statements (against a recording DB-API fake; tests/datastore runs them on real
PostgreSQL and MariaDB)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sqlite3
import stat

import pytest

from ansible_collections.k0smotron.fleet.plugins.module_utils._backup import _kine_rows as kine_rows
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError


def row(id_, name, deleted=0, value=b"v", old_value=None, created=0, create_revision=0, prev_revision=0):
    return (id_, name, created, deleted, create_revision, prev_revision, 0, value, old_value)


ROWS = (
    row(1, "compact_rev_key", value=b""),
    row(2, "/registry/pods/default/web-0", created=1, value=b"\x00pod-bytes\xff"),
    row(3, "/registry/deployments/default/web", created=1),
    row(4, "/registry/pods/default/web-0", prev_revision=2, value=b"pod-v2", old_value=b"\x00pod-bytes\xff"),
    row(5, "/registry/pods/default/gone", created=1),
    row(6, "/registry/pods/default/gone", deleted=1, prev_revision=5),
    row(7, "/registry/apiextensions.k8s.io/customresourcedefinitions/things.example.com", created=1),
    row(8, "/registry/example.com/things/default/one", created=1),
    row(9, "gap-9", deleted=1, value=None),
)


def rows_file(tmp_path, rows=ROWS, name="rows.db"):
    path = str(tmp_path / name)
    connection = kine_rows.new_rows_file(path)
    kine_rows.write_rows(connection, rows)
    connection.commit()
    connection.close()
    return path


def test_round_trip_keeps_ids_and_bytes(tmp_path):
    path = rows_file(tmp_path)
    assert list(kine_rows.read_rows_file(path)) == list(ROWS)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_the_rows_file_is_kines_own_table(tmp_path):
    """What kine's SQLite driver makes: the same columns, in its order, with its types."""
    path = rows_file(tmp_path)
    connection = sqlite3.connect(path)
    columns = [(r[1], r[2]) for r in connection.execute("PRAGMA table_info(kine)")]
    connection.close()
    assert columns == [("id", "INTEGER"), ("name", "TEXT"), ("created", "INTEGER"), ("deleted", "INTEGER"),
                       ("create_revision", "INTEGER"), ("prev_revision", "INTEGER"), ("lease", "INTEGER"),
                       ("value", "BLOB"), ("old_value", "BLOB")]


def test_a_new_rows_file_never_overwrites(tmp_path):
    path = rows_file(tmp_path)
    with pytest.raises(FleetError, match="exists already"):
        kine_rows.new_rows_file(path)


def test_rows_out_of_order_are_refused(tmp_path):
    connection = kine_rows.new_rows_file(str(tmp_path / "x.db"))
    with pytest.raises(FleetError, match="increasing id order"):
        kine_rows.write_rows(connection, [row(2, "a"), row(2, "b")])


def test_batches_of_any_size(tmp_path, monkeypatch):
    monkeypatch.setattr(kine_rows, "BATCH", 3)
    rows = [row(i, "/registry/configmaps/default/c%d" % i, created=1) for i in range(1, 11)]
    path = str(tmp_path / "b.db")
    connection = kine_rows.new_rows_file(path)
    assert kine_rows.write_rows(connection, rows) == {"rows": 10, "last_id": 10}
    connection.commit()
    connection.close()
    assert list(kine_rows.read_rows_file(path)) == rows


def test_a_database_without_kines_columns_is_refused(tmp_path):
    path = str(tmp_path / "other.db")
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE kine (id INTEGER PRIMARY KEY, name TEXT)")
    connection.commit()
    connection.close()
    with pytest.raises(FleetError, match="lacks created, deleted"):
        list(kine_rows.read_rows_file(path))


@pytest.mark.parametrize("content", [b"not a database at all, just text" * 40, b""])
def test_a_file_that_is_no_database_is_refused(tmp_path, content):
    path = str(tmp_path / "junk.db")
    with open(path, "wb") as handle:
        handle.write(content)
    with pytest.raises(FleetError) as failure:
        list(kine_rows.read_rows_file(path))
    assert "junk.db" in failure.value.msg


def test_a_damaged_database_is_refused(tmp_path):
    rows = [row(i, "/registry/secrets/default/s%d" % i, created=1, value=os.urandom(3000)) for i in range(1, 200)]
    path = rows_file(tmp_path, rows)
    with open(path, "r+b") as handle:
        handle.seek(4096 * 3 + 100)
        handle.write(b"\xff" * 2000)
    with pytest.raises(FleetError):
        list(kine_rows.read_rows_file(path))


def test_summary_counts_live_objects_only(tmp_path):
    summary = kine_rows.summarize(kine_rows.read_rows_file(rows_file(tmp_path)))
    assert summary == {"rows": 9, "revision": 9, "keys": 4, "objects": {
        "pods": 1, "deployments": 1, "apiextensions.k8s.io/customresourcedefinitions": 1, "example.com/things": 1}}


@pytest.mark.parametrize("key, resource", [
    ("/registry/pods/default/x", "pods"),
    ("/registry/namespaces/default", "namespaces"),
    ("/registry/apiregistration.k8s.io/apiservices/v1.apps", "apiregistration.k8s.io/apiservices"),
    ("compact_rev_key", None),
    ("/other/pods/x", None),
])
def test_resource_of(key, resource):
    assert kine_rows.resource_of(key) == resource


# --- the SQL side, against a recording fake ---------------------------------------------------------

class FakeCursor(object):
    def __init__(self, connection, name=None):
        self.connection = connection
        self.name = name
        self.rows = []

    def execute(self, statement, params=None):
        self.connection.log.append((self.name, statement, params))
        if statement.startswith("SELECT to_regclass") or statement.startswith("SELECT COUNT(*)"):
            self.rows = [(self.connection.has_table,)]
        elif statement.startswith("SELECT id, name"):
            self.rows = list(self.connection.table)
        if self.connection.fail_on and self.connection.fail_on in statement:
            raise RuntimeError("the server went away")

    def executemany(self, statement, rows):
        self.connection.log.append((self.name, statement, len(rows)))
        self.connection.inserted.extend(rows)

    def fetchone(self):
        return self.rows.pop(0) if self.rows else None

    def close(self):
        self.connection.log.append((self.name, "close", None))


class FakeConnection(object):
    def __init__(self, table=(), has_table=False, fail_on=None):
        self.table = table
        self.has_table = has_table
        self.fail_on = fail_on
        self.log = []
        self.inserted = []

    def cursor(self, *args, **kwargs):
        return FakeCursor(self, kwargs.get("name"))

    def commit(self):
        self.log.append((None, "commit", None))

    def rollback(self):
        self.log.append((None, "rollback", None))

    def statements(self):
        return [entry[1] for entry in self.log]


def test_sql_rows_are_read_in_one_snapshot_with_a_server_side_cursor(tmp_path):
    connection = FakeConnection(table=[(r[0], r[1], r[2], r[3], r[4], r[5], r[6], memoryview(r[7]) if r[7] is not None else None,
                                        bytearray(r[8]) if r[8] is not None else None) for r in ROWS])
    path = str(tmp_path / "from-pg.db")
    assert kine_rows.copy_sql_rows(connection, "postgres", path) == {"rows": 9, "last_id": 9}
    statements = connection.statements()
    assert statements[0] == "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"
    select = [entry for entry in connection.log if entry[1].startswith("SELECT id")]
    assert select[0][0] == "k0smotron_fleet_kine_rows", "the rows are not read through a server-side cursor"
    assert statements[-1] == "rollback", "the read-only snapshot is not ended"
    assert list(kine_rows.read_rows_file(path)) == list(ROWS)


def test_mysql_reads_start_a_consistent_snapshot(tmp_path):
    connection = FakeConnection(table=ROWS)
    kine_rows.copy_sql_rows(connection, "mysql", str(tmp_path / "from-my.db"))
    assert connection.statements()[0] == "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"


@pytest.mark.parametrize("driver", ["postgres", "mysql"])
def test_load_refuses_a_database_with_a_kine_table(driver):
    connection = FakeConnection(has_table=True)
    with pytest.raises(FleetError, match="already has a kine table"):
        kine_rows.load_sql_rows(connection, driver, iter(ROWS))
    assert not any(s.startswith("CREATE") for s in connection.statements())
    assert connection.inserted == []


def test_load_into_postgres_keeps_ids_and_moves_the_sequence():
    connection = FakeConnection()
    assert kine_rows.load_sql_rows(connection, "postgres", iter(ROWS)) == {"rows": 9, "last_id": 9}
    statements = connection.statements()
    assert statements[1].startswith("CREATE TABLE kine (id BIGSERIAL")
    assert [r[0] for r in connection.inserted] == list(range(1, 10))
    setval = [entry for entry in connection.log if "setval" in entry[1]]
    assert setval and setval[0][2] == (9,)
    assert sum(1 for s in statements if s.startswith("CREATE UNIQUE INDEX kine_name_prev_revision_uindex")) == 1
    assert statements[-1] == "commit"


def test_load_into_mysql_sets_auto_increment_and_indexes():
    connection = FakeConnection()
    kine_rows.load_sql_rows(connection, "mysql", iter(ROWS))
    statements = connection.statements()
    assert "ALTER TABLE kine AUTO_INCREMENT = 10" in statements
    assert len([s for s in statements if s.startswith("CREATE") and "INDEX" in s]) == 5


def test_a_failed_mysql_load_leaves_no_table():
    """MySQL commits DDL on its own: the table made before the failure is dropped."""
    connection = FakeConnection(fail_on="ALTER TABLE kine AUTO_INCREMENT")
    with pytest.raises(RuntimeError):
        kine_rows.load_sql_rows(connection, "mysql", iter(ROWS))
    statements = connection.statements()
    assert statements[-2:] == ["DROP TABLE IF EXISTS kine", "commit"]


def test_a_failed_postgres_load_is_rolled_back():
    connection = FakeConnection(fail_on="setval")
    with pytest.raises(RuntimeError):
        kine_rows.load_sql_rows(connection, "postgres", iter(ROWS))
    assert connection.statements()[-1] == "rollback"
    assert "DROP TABLE IF EXISTS kine" not in connection.statements()
