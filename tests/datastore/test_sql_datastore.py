# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A database and user per control plane on one real PostgreSQL and one real MariaDB (each case runs on both)."""

from __future__ import annotations

import concurrent.futures
import socket
from urllib.parse import quote

import pytest

from conftest import FleetError, _sql

PASSWORD = "Pw-1st.secret:zq!"
ROTATED = "Pw-2nd@secret/zq%"


def refused(call, *secrets):
    """The FleetError ``call`` raises, checked to hold none of ``secrets`` in any form."""
    with pytest.raises(FleetError) as caught:
        call()
    error = caught.value
    text = " ".join([str(error), repr(error), repr(error.details), str(error.hint)])
    for secret in secrets:
        for form in (secret, quote(secret, safe="")):
            assert form not in text, "a secret is in the message: %s" % text.replace(form, "<SECRET>")
    return error


def free_port():
    """A loopback port nothing listens on."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def can_login(server, user, password, database):
    try:
        server.connect(user, password, database).close()
    except server.errors:
        return False
    return True


def test_ensure_twice_then_nothing_changes(server):
    database, user = server.names("twice")
    store = server.datastore()
    assert _sql.check(store, database, user) == {"database_exists": False, "user_exists": False}
    assert _sql.plan(store, database, user, PASSWORD) == ["created user", "created database"]
    assert _sql.check(store, database, user) == {"database_exists": False, "user_exists": False}, "plan changed something"
    assert _sql.ensure(store, database, user, PASSWORD) == ["created user", "created database"]
    assert _sql.ensure(store, database, user, PASSWORD) == []
    assert _sql.plan(store, database, user, PASSWORD) == []
    assert _sql.check(store, database, user) == {"database_exists": True, "user_exists": True}
    # The user may do what kine does: create its table, write and read.
    connection = server.connect(user, PASSWORD, database)
    cursor = connection.cursor()
    cursor.execute("CREATE TABLE kine (id INTEGER PRIMARY KEY, name VARCHAR(630))")
    cursor.execute("INSERT INTO kine VALUES (1, 'x')")
    cursor.execute("SELECT name FROM kine")
    assert cursor.fetchall()[0][0] == "x"
    connection.close()


def test_two_control_planes_cannot_read_each_other(server):
    store = server.datastore()
    first, second = server.names("first"), server.names("second")
    for database, user in (first, second):
        _sql.ensure(store, database, user, PASSWORD)
    connection = server.connect(second[1], PASSWORD, second[0])
    connection.cursor().execute("CREATE TABLE kine (id INTEGER)")
    connection.close()
    assert not can_login(server, first[1], PASSWORD, second[0]), "the first user reached the second's database"
    assert not can_login(server, second[1], PASSWORD, first[0]), "the second user reached the first's database"
    if server.driver == "mysql":
        # Nor through a connection without a default database.
        connection = server.connect(first[1], PASSWORD)
        with pytest.raises(Exception, match="denied"):
            connection.cursor().execute("SELECT * FROM %s.kine" % second[0])
        connection.close()
    else:
        granted = server.sql("SELECT has_database_privilege('public', %s, 'CONNECT')", [second[0]])
        assert granted == [(False,)], "PUBLIC may still connect to the second database"


def test_password_rotation(server):
    database, user = server.names("rotate")
    store = server.datastore()
    _sql.ensure(store, database, user, PASSWORD)
    assert _sql.plan(store, database, user, ROTATED) == ["password changed"]
    assert can_login(server, user, PASSWORD, database), "plan changed the password"
    assert _sql.ensure(store, database, user, ROTATED) == ["password changed"]
    assert _sql.ensure(store, database, user, ROTATED) == []
    assert can_login(server, user, ROTATED, database)
    assert not can_login(server, user, PASSWORD, database), "the old password still works"


def test_drop(server):
    database, user = server.names("drop")
    store = server.datastore()
    _sql.ensure(store, database, user, PASSWORD)
    holder = server.connect(user, PASSWORD, database)  # a connection left open, as a pod's would be
    assert _sql.drop(store, database, user, dry=True) == ["dropped database", "dropped user"]
    assert _sql.check(store, database, user) == {"database_exists": True, "user_exists": True}
    assert _sql.drop(store, database, user) == ["dropped database", "dropped user"]
    assert _sql.drop(store, database, user) == []
    assert _sql.check(store, database, user) == {"database_exists": False, "user_exists": False}
    assert not can_login(server, user, PASSWORD, database)
    try:
        holder.close()
    except server.errors:  # PostgreSQL has ended that session already
        pass


def test_bad_admin_password_refused_before_any_change(server):
    database, user = server.names("badadmin")
    wrong = "Wrong-admin-pw-%s" % database[-8:]
    store = server.datastore(admin_password=wrong)
    for call in (lambda: _sql.check(store, database, user), lambda: _sql.ensure(store, database, user, PASSWORD),
                 lambda: _sql.drop(store, database, user)):
        error = refused(call, wrong, PASSWORD, server.admin_password)
        assert "refused the admin user '%s'" % server.admin_user in str(error)
        assert "admin Secret" in error.hint
    assert _sql.check(server.datastore(), database, user) == {"database_exists": False, "user_exists": False}


def test_unreachable_server_refused_within_the_timeout(server, blackhole):
    database, user = server.names("unreachable")
    store = server.datastore(port=blackhole, timeout=3)
    # The call returns (the driver's connect and read timeouts are set from the datastore's): a server
    # that never answers is an error naming the bound, not a hang. How long it takes is not asserted
    # here (timing belongs in benchmarks).
    error = refused(lambda: _sql.ensure(store, database, user, PASSWORD), PASSWORD, server.admin_password)
    assert "Cannot reach the %s datastore at 127.0.0.1:%d (waiting at most 3 s)" % (store.engine, blackhole) in str(error)
    closed = server.datastore(port=free_port(), timeout=3)
    assert "Cannot reach" in str(refused(lambda: _sql.check(closed, database, user), server.admin_password))


def test_database_of_another_owner_refused(server):
    database, user = server.names("taken")
    other = "t_holder_%s" % database[-8:]
    store = server.datastore()
    # Someone else's database, under the name this control plane would use.
    if server.driver == "postgres":
        server.sql("CREATE ROLE %s LOGIN" % other)
        server.sql("CREATE DATABASE %s OWNER %s" % (database, other))
    else:
        server.sql("CREATE USER %s@'%%'", [other])
        server.sql("CREATE DATABASE %s" % database)
        server.sql("GRANT ALL PRIVILEGES ON `%s`.* TO %%s@'%%%%'" % database.replace("_", "\\_"), [other])
    try:
        for call in (lambda: _sql.ensure(store, database, user, PASSWORD), lambda: _sql.drop(store, database, user),
                     lambda: _sql.check(store, database, user)):
            error = refused(call, PASSWORD, server.admin_password)
            assert "The database '%s'" % database in str(error) and "is taken" in str(error)
            assert other in str(error), "the holder is not named"
            assert "another database name" in error.hint
        assert not can_login(server, user, PASSWORD, None), "the refused ensure made the user"
    finally:
        server.sql("DROP DATABASE %s" % database)
        server.sql("DROP ROLE %s" % other if server.driver == "postgres" else "DROP USER %s@'%%'",
                   None if server.driver == "postgres" else [other])


def test_user_with_rights_elsewhere_refused(server):
    database, user = server.names("user")
    other = server.name("elsewhere")
    store = server.datastore()
    _sql.ensure(store, other, other, PASSWORD)
    error = refused(lambda: _sql.ensure(store, database, other, PASSWORD), PASSWORD, server.admin_password)
    assert "The user '%s'" % other in str(error) and other in str(error)
    assert _sql.check(store, database, user)["database_exists"] is False


def test_admin_without_rights_refused(server):
    database, user = server.names("weak")
    weak = server.name("weakadmin")
    _sql.ensure(server.datastore(), weak, weak, PASSWORD)
    error = refused(lambda: _sql.ensure(server.datastore(admin_user=weak, admin_password=PASSWORD), database, user,
                                        ROTATED), PASSWORD, ROTATED)
    assert "may not create databases" in str(error)


@pytest.mark.parametrize("server", ["postgres"], indirect=True)
def test_admin_with_only_the_rights_it_needs(server):
    """PostgreSQL: an admin with CREATEDB and CREATEROLE but no superuser (as managed services give);
    it cannot read password verifiers, so rotation is found by logging in."""
    admin = server.name("manager")
    server.sql("CREATE ROLE %s LOGIN CREATEDB CREATEROLE PASSWORD '%s'" % (admin, PASSWORD))
    try:
        database, user = server.names("managed")
        store = server.datastore(admin_user=admin, admin_password=PASSWORD)
        assert _sql.ensure(store, database, user, ROTATED) == ["created user", "created database"]
        assert _sql.ensure(store, database, user, ROTATED) == []
        assert _sql.ensure(store, database, user, "Third-pw-7781") == ["password changed"]
        assert _sql.drop(store, database, user) == ["dropped database", "dropped user"]
    finally:
        server.sql("DROP ROLE IF EXISTS %s" % admin)


@pytest.mark.parametrize("server", ["mysql"], indirect=True)
def test_reserved_word_refused_on_mysql(server):
    """kine's MySQL driver writes the database name unquoted (PostgreSQL's quotes it)."""
    error = refused(lambda: _sql.ensure(server.datastore(), "select", "t_reserved", PASSWORD), PASSWORD)
    assert "reserves" in str(error)


def test_kine_url_logs_in(server):
    database, user = server.names("url")
    awkward = "A@b/c:d%e?f&g=h#i!j"
    _sql.ensure(server.datastore(), database, user, awkward)
    url = _sql.kine_url(server.driver, server.host, server.port, database, user, awkward, sslmode="disable")
    assert awkward not in url if server.driver == "postgres" else awkward in url
    if server.driver == "postgres":
        import psycopg2
        psycopg2.connect(url, connect_timeout=5).close()  # libpq reads the URL as kine's lib/pq does
    else:
        # The Go MySQL driver's reading: user up to the first ':', password up to the last '@'.
        rest = url[len("mysql://"):]
        credentials, address = rest.rsplit("@", 1)
        name, secret = credentials.split(":", 1)
        assert (name, secret, address) == (user, awkward, "tcp(%s:%d)/%s" % (server.host, server.port, database))
        server.connect(name, secret, database).close()


def test_drift_repaired(server):
    """Rights someone changed by hand come back, and the run says so."""
    database, user = server.names("drift")
    store = server.datastore()
    _sql.ensure(store, database, user, PASSWORD)
    if server.driver == "postgres":
        server.sql("GRANT CONNECT ON DATABASE %s TO PUBLIC" % database)
        assert _sql.ensure(store, database, user, PASSWORD) == ["revoked public connect"]
    else:
        server.sql("REVOKE INSERT ON `%s`.* FROM %%s@'%%%%'" % database.replace("_", "\\_"), [user])
        assert _sql.ensure(store, database, user, PASSWORD) == ["granted rights"]
    assert _sql.ensure(store, database, user, PASSWORD) == []


def test_eight_control_planes_at_once(server):
    """Parallel runs (one per control plane) on one server do not trip over each other."""
    store = server.datastore()
    planes = [server.names("many%d" % index) for index in range(8)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(lambda plane: _sql.ensure(store, plane[0], plane[1], PASSWORD), planes))
        assert made == [["created user", "created database"]] * 8
        dropped = list(pool.map(lambda plane: _sql.drop(store, plane[0], plane[1]), planes))
        assert dropped == [["dropped database", "dropped user"]] * 8
