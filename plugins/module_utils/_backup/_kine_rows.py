# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A hosted cluster's datastore as kine rows, in one neutral form: a SQLite file in kine's schema.

Kine (the datastore layer of k0s's default storage) keeps every write as a row of one table,
``kine``: ``id`` (the revision: every Kubernetes resourceVersion is one), ``name`` (the key, such as
``/registry/pods/default/web-0``), ``created`` and ``deleted`` (0 or 1), ``create_revision``,
``prev_revision``, ``lease``, ``value`` and ``old_value``. A backup carries these rows with their ids,
so that every resourceVersion survives a restore: kubelets and controllers that watch from one carry
on instead of meeting a history that went backwards.

The rows travel as a SQLite database with that table, whatever the datastore was: a PostgreSQL or
MySQL database is read into one (``copy_sql_rows``), and SQLite in the pod already is one (its
``state.db``). The same file is then the pod's ``state.db`` on a SQLite restore, or is loaded into an
empty PostgreSQL or MySQL database (``load_sql_rows``), which is also how a control plane moves from
SQLite to a SQL server. Kine creates its indexes itself when it starts (``CREATE INDEX IF NOT
EXISTS``); the tables made here carry the columns and types kine's own DDL gives them (kine v0.16,
``pkg/drivers/{sqlite,pgsql,mysql}``), so kine takes them as its own.

Plain values in and out: paths, DB-API connections the caller opened (psycopg2 or PyMySQL, as the
shared datastore uses), dicts. Row contents are the hosted cluster's objects, its Secrets among
them: never put into a message or a result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sqlite3
import sys

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError

COLUMNS = ("id", "name", "created", "deleted", "create_revision", "prev_revision", "lease", "value", "old_value")
_SELECT = "SELECT %s FROM kine ORDER BY id" % ", ".join(COLUMNS)
_INSERT = "INSERT INTO kine (%s) VALUES (%s)"
BATCH = 500

# The table as kine makes it on each driver (the columns and their types; kine adds the indexes).
TABLE = {
    "sqlite": ("CREATE TABLE kine (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, created INTEGER, "
               "deleted INTEGER, create_revision INTEGER, prev_revision INTEGER, lease INTEGER, value BLOB, "
               "old_value BLOB)"),
    "postgres": ('CREATE TABLE kine (id BIGSERIAL PRIMARY KEY, name text COLLATE "C", created INTEGER, '
                 "deleted INTEGER, create_revision BIGINT, prev_revision BIGINT, lease INTEGER, value bytea, "
                 "old_value bytea)"),
    "mysql": ("CREATE TABLE kine (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, name varchar(630) CHARACTER SET ascii, "
              "created INTEGER, deleted INTEGER, create_revision BIGINT UNSIGNED, prev_revision BIGINT UNSIGNED, "
              "lease INTEGER, value MEDIUMBLOB, old_value MEDIUMBLOB, PRIMARY KEY (id)) "
              "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"),
}
# Kine's indexes, which a restore makes itself: kine's MySQL driver makes none on a table that
# exists, and the unique one is what refuses two writers of the same revision of a key.
INDEXES = (
    "CREATE INDEX kine_name_index ON kine (name)",
    "CREATE INDEX kine_name_id_index ON kine (name,id)",
    "CREATE INDEX kine_id_deleted_index ON kine (id,deleted)",
    "CREATE INDEX kine_prev_revision_index ON kine (prev_revision)",
    "CREATE UNIQUE INDEX kine_name_prev_revision_uindex ON kine (name, prev_revision)",
)
# A consistent cut while the API serves: the whole read in one snapshot transaction (for
# PostgreSQL the first statement of the transaction the driver opens).
SNAPSHOT = {
    "postgres": "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY",
    "mysql": "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
}
# Placeholders of each driver's DB-API module.
_PARAM = {"sqlite": "?", "postgres": "%s", "mysql": "%s"}
# Kine's own keys, which are not objects of the hosted cluster.
_KINE_KEYS = ("compact_rev_key", "compact_rev_key_apiserver")


def _sqlite_error(path, exc):
    return FleetError(
        "'%s' is not a kine datastore that can be read: %s." % (path, exc.__class__.__name__),
        hint="Take the backup again; if it came from the pod's state.db, the file was damaged on the way.")


def new_rows_file(path):
    """An empty rows file at PATH (which must not exist), with kine's table; an open connection."""
    if os.path.lexists(path):
        raise FleetError("'%s' exists already." % path, hint="Give a path for a new file.")
    connection = sqlite3.connect(path)
    os.chmod(path, 0o600)
    connection.execute(TABLE["sqlite"])
    return connection


def _rows_of(connection, path):
    columns = [row[1] for row in connection.execute("PRAGMA table_info(kine)")]
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise FleetError(
            "'%s' has no kine table with the columns %s (it lacks %s)." % (path, ", ".join(COLUMNS), ", ".join(missing)),
            hint="Give the state.db of a kine datastore, or a rows file a backup made.")
    return connection.execute(_SELECT)


def read_rows_file(path):
    """Every row of the rows file (or a kine state.db) at PATH, in id order: tuples in COLUMNS' order."""
    try:
        connection = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    except sqlite3.Error as exc:
        raise _sqlite_error(path, exc)
    try:
        check = connection.execute("PRAGMA integrity_check").fetchone()
        if not check or check[0] != "ok":
            raise FleetError("'%s' fails SQLite's integrity check." % path,
                             hint="Take the backup again from a healthy control plane.")
        for row in _rows_of(connection, path):
            yield _plain(row)
    except sqlite3.Error as exc:
        raise _sqlite_error(path, exc)
    finally:
        connection.close()


def _plain(row):
    """A row with its blobs as bytes (drivers give memoryview or bytearray) and its ints as ints."""
    values = list(row)
    for index in (7, 8):
        if values[index] is not None and not isinstance(values[index], bytes):
            values[index] = bytes(values[index])
    for index in (0, 2, 3, 4, 5, 6):
        if values[index] is not None:
            values[index] = int(values[index])
    return tuple(values)


def write_rows(connection, rows, driver="sqlite"):
    """Insert ROWS (tuples in COLUMNS' order, ids kept) through CONNECTION; ``{"rows", "last_id"}``."""
    statement = _INSERT % (", ".join(COLUMNS), ", ".join([_PARAM[driver]] * len(COLUMNS)))
    cursor = connection.cursor()
    count, last_id, batch = 0, 0, []
    for row in rows:
        if row[0] <= last_id:
            raise FleetError("The rows are not in increasing id order (id %d after %d)." % (row[0], last_id),
                             hint="This is a bug: the rows of a backup are read in id order.")
        last_id = row[0]
        batch.append(row)
        if len(batch) >= BATCH:
            cursor.executemany(statement, batch)
            count += len(batch)
            batch = []
    if batch:
        cursor.executemany(statement, batch)
        count += len(batch)
    return {"rows": count, "last_id": last_id}


def _streaming_cursor(connection, driver):
    """A cursor that brings the rows in batches, not all at once: psycopg2's server-side (named)
    cursor, PyMySQL's unbuffered one (the driver is loaded by then: the caller connected with it)."""
    if driver == "postgres":
        return connection.cursor(name="k0smotron_fleet_kine_rows")
    cursors = sys.modules.get("pymysql.cursors")
    return connection.cursor(cursors.SSCursor) if cursors else connection.cursor()


def copy_sql_rows(connection, driver, path):
    """Read the ``kine`` table of a PostgreSQL or MySQL database in one snapshot transaction (the API
    may keep serving) into a new rows file at PATH; ``{"rows", "last_id"}``."""
    connection.cursor().execute(SNAPSHOT[driver])
    try:
        rows = _streaming_cursor(connection, driver)
        rows.execute(_SELECT)
        target = new_rows_file(path)
        try:
            done = write_rows(target, (_plain(row) for row in iter(rows.fetchone, None)))
            target.commit()
        finally:
            target.close()
        rows.close()
    finally:
        connection.rollback()
    return done


def load_sql_rows(connection, driver, rows):
    """Create kine's table in an empty PostgreSQL or MySQL database and load ROWS with their ids, the id
    sequence set past the last one and kine's indexes made; ``{"rows", "last_id"}``. A database that has
    a ``kine`` table already is refused before anything is written; a load that fails leaves none
    (PostgreSQL rolls the whole transaction back; MySQL commits DDL on its own, so the table is
    dropped)."""
    cursor = connection.cursor()
    if driver == "postgres":
        cursor.execute("SELECT to_regclass('kine') IS NOT NULL")
    else:
        cursor.execute("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
                       "AND table_name = 'kine'")
    if cursor.fetchone()[0]:
        connection.rollback()
        raise FleetError(
            "The database already has a kine table: restoring into it would mix two clusters' data.",
            hint="Restore into a new, empty database, or drop this one first if its data is not needed.")
    created = False
    try:
        cursor.execute(TABLE[driver])
        created = True
        done = write_rows(connection, rows, driver)
        if driver == "postgres" and done["last_id"]:
            cursor.execute("SELECT setval(pg_get_serial_sequence('kine', 'id'), %s)", (done["last_id"],))
        elif driver == "mysql" and done["last_id"]:
            cursor.execute("ALTER TABLE kine AUTO_INCREMENT = %d" % (done["last_id"] + 1))
        for statement in INDEXES:
            cursor.execute(statement)
        connection.commit()
    except Exception:
        connection.rollback()
        if created and driver == "mysql":
            cursor.execute("DROP TABLE IF EXISTS kine")
            connection.commit()
        raise
    return done


def resource_of(key):
    """The kind of object a registry key holds: ``/registry/pods/ns/x`` -> ``pods``,
    ``/registry/apps/deployments/ns/x`` and ``/registry/deployments/ns/x`` -> ``deployments``... as the
    path's first part, or its first two when the first is an API group (has a dot)."""
    parts = key.split("/")
    if len(parts) < 3 or parts[1] != "registry":
        return None
    if "." in parts[2] and len(parts) > 3:
        return "%s/%s" % (parts[2], parts[3])
    return parts[2]


def summarize(rows):
    """What the rows hold, for the manifest: ``rows``, ``revision`` (the last id), ``keys`` (live keys),
    and ``objects`` ({resource: live keys}); nothing of the values."""
    latest = {}
    count, revision = 0, 0
    for row in rows:
        count += 1
        revision = max(revision, row[0])
        name = row[1]
        if name in _KINE_KEYS or not isinstance(name, str):
            continue
        latest[name] = bool(row[3])
    live = [name for name, deleted in latest.items() if not deleted]
    objects = {}
    for name in live:
        resource = resource_of(name)
        if resource:
            objects[resource] = objects.get(resource, 0) + 1
    return {"rows": count, "revision": revision, "keys": len(live), "objects": objects}
