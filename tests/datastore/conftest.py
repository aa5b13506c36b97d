# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared-datastore layer (plugins/module_utils/_sql) against real servers (servers.sh).

    bash tests/datastore/run.sh                 start the servers, run these tests, stop the servers
    eval "$(tests/datastore/servers.sh env)"    on servers already started: python -m pytest tests/datastore

The servers come from the DATASTORE_* variables servers.sh prints; without them every case is
skipped, saying so. The collection is imported from this checkout.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import sys
import tempfile
import threading
import uuid

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV = ("DATASTORE_HOST", "DATASTORE_PG_PORT", "DATASTORE_MYSQL_PORT", "DATASTORE_ADMIN_USER", "DATASTORE_ADMIN_PASSWORD")


def _import_path():
    """A folder where ansible_collections/k0smotron/fleet is this checkout, first on sys.path."""
    top = tempfile.mkdtemp(prefix="k0smotron-fleet-datastore-")
    atexit.register(shutil.rmtree, top, True)
    os.makedirs(os.path.join(top, "ansible_collections", "k0smotron"))
    os.symlink(REPO, os.path.join(top, "ansible_collections", "k0smotron", "fleet"))
    sys.path.insert(0, top)
    # ansible_collections is a namespace package: one already imported must see the new folder too.
    if "ansible_collections" in sys.modules:
        sys.modules["ansible_collections"].__path__.append(os.path.join(top, "ansible_collections"))


_import_path()

from ansible_collections.k0smotron.fleet.plugins.module_utils import _sql  # noqa: E402
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError  # noqa: E402


def pytest_collection_modifyitems(items):
    missing = [name for name in ENV if not os.environ.get(name)]
    if missing:
        skip = pytest.mark.skip(reason="no servers: %s unset (run bash tests/datastore/run.sh)" % ", ".join(missing))
        for item in items:
            item.add_marker(skip)


class Server:
    """One real server: its Datastore as the admin, and helpers to act as another user."""

    def __init__(self, driver):
        self.driver = driver
        self.port = int(os.environ["DATASTORE_PG_PORT" if driver == "postgres" else "DATASTORE_MYSQL_PORT"])
        self.host = os.environ["DATASTORE_HOST"]
        self.admin_user = os.environ["DATASTORE_ADMIN_USER"]
        self.admin_password = os.environ["DATASTORE_ADMIN_PASSWORD"]
        self.made = []  # (database, user) pairs to drop after the case

    def datastore(self, **changes):
        values = dict(driver=self.driver, host=self.host, port=self.port, admin_user=self.admin_user,
                      admin_password=self.admin_password, sslmode="disable", timeout=5)
        values.update(changes)
        return _sql.Datastore(**values)

    def name(self, label):
        """A fresh name (for a database, a user or both) that the case's end drops."""
        name = "t_%s_%s" % (label, uuid.uuid4().hex[:8])
        self.made.append((name, name))
        return name

    def names(self, label):
        """A fresh database and user name for one control plane of this case."""
        name = self.name(label)
        return name, name

    @property
    def errors(self):
        """The driver's base error class."""
        if self.driver == "postgres":
            import psycopg2
            return psycopg2.Error
        import pymysql
        return pymysql.MySQLError

    def connect(self, user, password, database=None):
        """A connection as ``user`` (to ``database``), with the driver itself."""
        if self.driver == "postgres":
            import psycopg2
            connection = psycopg2.connect(host=self.host, port=self.port, user=user, password=password,
                                          dbname=database or "postgres", sslmode="disable", connect_timeout=5)
            connection.autocommit = True
            return connection
        import pymysql
        return pymysql.connect(host=self.host, port=self.port, user=user, password=password, database=database,
                               autocommit=True, connect_timeout=5, ssl_disabled=True)

    def admin(self, database=None):
        return self.connect(self.admin_user, self.admin_password, database)

    def sql(self, statement, args=None, database=None):
        """Run one statement as the admin (set-up the cases need); the rows, if any."""
        connection = self.admin(database)
        try:
            cursor = connection.cursor()
            cursor.execute(statement, args)
            return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def cleanup(self):
        for database, user in self.made:
            try:
                _sql.drop(self.datastore(), database, user)
            except FleetError:
                pass


@pytest.fixture(params=["postgres", "mysql"])
def server(request):
    server = Server(request.param)
    yield server
    server.cleanup()


@pytest.fixture
def blackhole():
    """A loopback port that accepts TCP connections and never answers: a server that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def hold():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()
