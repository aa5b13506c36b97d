# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kine rows (plugins/module_utils/_backup/_kine_rows.py) on real PostgreSQL and MariaDB: loaded into
a control plane's own database with the ids kept, read back the same, the sequence past the last id,
a second load refused, and a read that is one snapshot while another session writes."""

from __future__ import annotations

import os

import pytest

from conftest import _sql  # the checkout's collection, first on sys.path
from ansible_collections.k0smotron.fleet.plugins.module_utils._backup import _kine_rows as kine_rows
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql._kine import connect_kine

ROWS = [
    (1, "compact_rev_key", 0, 0, 0, 0, 0, b"", None),
    (2, "/registry/namespaces/default", 1, 0, 2, 0, 0, b"\x00namespace\xff", None),
    (40, "/registry/pods/default/web-0", 1, 0, 40, 0, 0, b"pod", None),
    (41, "/registry/pods/default/web-0", 0, 0, 40, 40, 0, b"pod-v2", b"pod"),
    (42, "/registry/secrets/default/s", 1, 0, 42, 0, 0, os.urandom(70000), None),
]


def own_database(server):
    """A database and user of their own (as the shared datastore makes them); a connection as that user."""
    database, user = server.names("kine")
    password = "Pw-%s" % database
    _sql.ensure(server.datastore(), database, user, password)
    connection = server.connect(user, password, database)
    connection.autocommit = False
    return connection, database, user, password


def test_rows_round_trip_with_their_ids(server, tmp_path):
    connection = own_database(server)[0]
    try:
        assert kine_rows.load_sql_rows(connection, server.driver, iter(ROWS)) == {"rows": 5, "last_id": 42}
        path = str(tmp_path / "back.db")
        assert kine_rows.copy_sql_rows(connection, server.driver, path) == {"rows": 5, "last_id": 42}
        assert list(kine_rows.read_rows_file(path)) == ROWS
        # What kine writes next gets the next revision, not one a restored object already has.
        cursor = connection.cursor()
        cursor.execute("INSERT INTO kine (name, created, deleted, create_revision, prev_revision, lease, value, "
                       "old_value) VALUES ('/registry/pods/default/new', 1, 0, 0, 0, 0, %s, NULL)", (b"x",))
        cursor.execute("SELECT MAX(id) FROM kine")
        assert cursor.fetchone()[0] == 43
        connection.commit()
        # kine's unique index is there: a second writer of the same revision of a key is refused.
        with pytest.raises(server.errors):
            cursor.execute("INSERT INTO kine (name, created, deleted, create_revision, prev_revision, lease, value, "
                           "old_value) VALUES ('/registry/pods/default/web-0', 0, 0, 40, 40, 0, %s, NULL)", (b"y",))
        connection.rollback()
    finally:
        connection.close()


def test_a_second_load_is_refused_and_changes_nothing(server):
    connection = own_database(server)[0]
    try:
        kine_rows.load_sql_rows(connection, server.driver, iter(ROWS))
        with pytest.raises(FleetError, match="already has a kine table"):
            kine_rows.load_sql_rows(connection, server.driver, iter([(50, "/registry/x", 1, 0, 50, 0, 0, b"", None)]))
        cursor = connection.cursor()
        cursor.execute("SELECT COUNT(*), MAX(id) FROM kine")
        assert tuple(cursor.fetchone()) == (5, 42)
    finally:
        connection.close()


def test_a_failed_load_leaves_no_table(server):
    connection = own_database(server)[0]
    try:
        bad = ROWS[:2] + [(2, "/registry/duplicate-id", 1, 0, 2, 0, 0, b"", None)]
        with pytest.raises(FleetError, match="increasing id order"):
            kine_rows.load_sql_rows(connection, server.driver, iter(bad))
        # The next correct run finishes what the failed one began.
        assert kine_rows.load_sql_rows(connection, server.driver, iter(ROWS))["rows"] == 5
    finally:
        connection.close()


def test_the_read_is_one_snapshot_while_another_session_writes(server, tmp_path, monkeypatch):
    connection, database, user, password = own_database(server)
    writer = server.connect(user, password, database)
    try:
        kine_rows.load_sql_rows(connection, server.driver, iter(ROWS))
        written = []
        real_write_rows = kine_rows.write_rows

        def write_while_reading(target, rows, driver="sqlite"):
            def rows_then_a_write():
                for number, one in enumerate(rows):
                    if number == 1:
                        cursor = writer.cursor()
                        cursor.execute("INSERT INTO kine (name, created, deleted, create_revision, prev_revision, "
                                       "lease, value, old_value) VALUES ('/registry/pods/default/late', 1, 0, 0, 0, "
                                       "0, %s, NULL)", (b"late",))
                        if not getattr(writer, "autocommit", True):
                            writer.commit()
                        written.append(True)
                    yield one
            return real_write_rows(target, rows_then_a_write(), driver)

        monkeypatch.setattr(kine_rows, "write_rows", write_while_reading)
        path = str(tmp_path / "snapshot.db")
        done = kine_rows.copy_sql_rows(connection, server.driver, path)
        assert written, "the other session did not write during the read"
        assert done == {"rows": 5, "last_id": 42}, "a write committed during the read is in it: not one snapshot"
        names = [row[1] for row in kine_rows.read_rows_file(path)]
        assert "/registry/pods/default/late" not in names
    finally:
        writer.close()
        connection.close()


def test_the_control_planes_own_url_connects(server, tmp_path):
    """What a backup does: connect with the URL in the control plane's datastore Secret, as its user."""
    database, user = server.names("url")
    password = "Pw-%s" % database
    _sql.ensure(server.datastore(), database, user, password)
    url = _sql.kine_url(server.driver, server.host, server.port, database, user, password, "disable")
    connection, driver = connect_kine(url, timeout=10)
    try:
        assert driver == server.driver
        kine_rows.load_sql_rows(connection, driver, iter(ROWS))
        assert kine_rows.copy_sql_rows(connection, driver, str(tmp_path / "own.db"))["rows"] == len(ROWS)
    finally:
        connection.close()
    wrong = url.replace(password, "Not-the-password")
    with pytest.raises(FleetError) as failure:
        connect_kine(wrong, timeout=10)
    assert "as the control plane's user '%s'" % user in failure.value.msg
    assert "Not-the-password" not in str(failure.value) and password not in str(failure.value)
