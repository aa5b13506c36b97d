# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A control plane's own connection to its kine database, from its data source URL.

A backup reads, and a restore writes, the ``kine`` table as the control plane's own user (the URL
in its datastore Secret), never as a server admin: the rights it needs are the ones kine has. The
URL is parsed the way kine reads it (``_url``): ``postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=M``
(percent-decoded), ``mysql://USER:PASSWORD@tcp(HOST:PORT)/DB?tls=T`` (the password is the text up
to the last ``@``, as the Go MySQL driver takes it). The connection has transactions on (autocommit
off): ``_backup._kine_rows`` reads in one snapshot and loads in one transaction.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from urllib.parse import parse_qs, unquote, urlsplit

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql import _failures as failures
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql._server import Datastore

_MYSQL = re.compile(r"mysql://(?P<user>[^:@/]+):(?P<password>.*)@tcp\((?P<address>[^)]+)\)/(?P<database>[^?]+)"
                    r"(?:\?(?P<query>.*))?\Z")
# The Go MySQL driver's tls values, back to the sslmode the shared datastore speaks.
_MYSQL_SSLMODE = {None: "disable", "false": "disable", "skip-verify": "require", "preferred": "require",
                  "true": "verify-full"}
DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306}
# Long enough for the read of a large table; kine's own statements are short.
DEFAULT_TIMEOUT = 300


def _refuse(what):
    return FleetError(
        "The control plane's data source URL cannot be used for a backup or restore: %s." % what,
        hint="The URL in its datastore Secret must be postgres://USER:PASSWORD@HOST:PORT/DB or "
             "mysql://USER:PASSWORD@tcp(HOST:PORT)/DB, as kine reads them.")


def _split_address(address):
    """``host:port``, ``[v6]:port`` or a bare host: ``(host, port or None)``."""
    if address.startswith("["):
        host, _sep, rest = address[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif address.count(":") == 1:
        host, port = address.split(":")
    else:
        host, port = address, ""
    if not host:
        raise _refuse("it names no host")
    try:
        return host, int(port) if port else DEFAULT_PORTS["mysql"]
    except ValueError:
        raise _refuse("the port is not a number")


def parse_kine_url(url):
    """``{"driver", "host", "port", "database", "user", "password", "sslmode"}`` of a kine URL."""
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        database = unquote(parts.path.lstrip("/"))
        if not (parts.hostname and parts.username and database):
            raise _refuse("it names no host, user or database")
        try:
            port = parts.port or DEFAULT_PORTS["postgres"]
        except ValueError:
            raise _refuse("the port is not a number")
        sslmode = (parse_qs(parts.query).get("sslmode") or ["prefer"])[0]
        return dict(driver="postgres", host=parts.hostname, port=port, database=database,
                    user=unquote(parts.username), password=unquote(parts.password or ""), sslmode=sslmode)
    found = _MYSQL.match(url)
    if found:
        host, port = _split_address(found.group("address"))
        tls = (parse_qs(found.group("query") or "").get("tls") or [None])[0]
        if tls not in _MYSQL_SSLMODE:
            raise _refuse("its tls value is not one the collection knows")
        return dict(driver="mysql", host=host, port=port, database=found.group("database"), user=found.group("user"),
                    password=found.group("password"), sslmode=_MYSQL_SSLMODE[tls])
    scheme = url.split("://", 1)[0] if "://" in url else "no scheme"
    raise _refuse("its scheme is %s (SQLite in the pod, etcd and NATS are not read this way)" % scheme)


def connect_kine(url, timeout=DEFAULT_TIMEOUT):
    """A connection to the control plane's kine database as its own user, autocommit off, and its
    driver's name: ``(connection, "postgres" or "mysql")``."""
    target = parse_kine_url(url)
    store = Datastore(driver=target["driver"], host=target["host"], port=target["port"], admin_user=target["user"],
                      admin_password=target["password"], sslmode=target["sslmode"], timeout=timeout)
    driver = failures.load_driver(store)
    try:
        if target["driver"] == "postgres":
            connection = driver.connect(
                host=target["host"], port=target["port"], user=target["user"], password=target["password"],
                dbname=target["database"], sslmode=target["sslmode"], connect_timeout=min(int(timeout), 30),
                application_name="k0smotron.fleet")
            connection.autocommit = False
        else:
            tls = {"disable": dict(ssl_disabled=True),
                   "require": dict(ssl={"check_hostname": False, "verify_mode": False})}
            connection = driver.connect(
                host=target["host"], port=target["port"], user=target["user"], password=target["password"],
                database=target["database"], charset="utf8mb4", autocommit=False, connect_timeout=min(timeout, 30),
                read_timeout=timeout, write_timeout=timeout, program_name="k0smotron.fleet",
                **tls.get(target["sslmode"], dict(ssl_verify_cert=True, ssl_verify_identity=True)))
    # Each driver has its own error classes, and any of them means the same here.
    except Exception as exc:  # pylint: disable=broad-except
        raise FleetError("Cannot connect to %s as the control plane's user '%s' (database '%s'): %s." % (
            store.describe(), target["user"], target["database"], failures.scrub(exc, [target["password"]])),
            hint="Check that the database server is reachable from where the module runs and that the URL in "
                 "the control plane's datastore Secret still works; nothing was changed.")
    return connection, target["driver"]
