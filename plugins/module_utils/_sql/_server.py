# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A shared datastore server as plain values, and the checks its values, names and passwords pass
before anything is sent to it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError

DRIVERS = ("postgres", "mysql")
ENGINE_NAMES = {"postgres": "PostgreSQL", "mysql": "MySQL"}
# What kine's PostgreSQL driver (lib/pq) takes; the MySQL driver maps them (see _url).
SSL_MODES = ("disable", "require", "verify-ca", "verify-full")
DEFAULT_TIMEOUT = 10

# Database and user names: what both servers, and kine, take without quoting. kine's MySQL driver
# writes the database name into CREATE DATABASE unquoted, so the allow-list is what keeps it safe.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
LIMITS = {
    ("postgres", "database"): 63,
    ("postgres", "user"): 63,
    ("mysql", "database"): 64,
    ("mysql", "user"): 32,
}
SYSTEM_DATABASES = {
    "postgres": ("postgres", "template0", "template1"),
    "mysql": ("mysql", "information_schema", "performance_schema", "sys"),
}
SYSTEM_USERS = {
    "postgres": ("postgres", "public", "none", "current_user", "session_user", "current_role"),
    "mysql": ("root", "mysql", "mariadb_sys", "public", "none"),
}
# Passwords: printable ASCII without a space, a double quote or a backslash (a k0s configuration
# cannot carry the last two, and kine's MySQL driver takes the password as it is, unencoded).
PASSWORD_PATTERN = re.compile(r'^[!#-\[\]-~]+$')
PASSWORD_LIMITS = (8, 128)
HOST_PATTERN = re.compile(r"^([A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?|\[?[0-9A-Fa-f:.]+\]?)$")


_FIELDS = ("driver", "host", "port", "admin_user", "admin_password", "sslmode", "timeout", "admin_database")


class Datastore(namedtuple("Datastore", _FIELDS, defaults=("require", DEFAULT_TIMEOUT, None))):
    """One shared database server: its driver (``postgres`` or ``mysql``), address, admin
    credential (user and password, as the caller read them from a Secret), TLS mode, how many
    seconds each wait on it may take (connecting, logging in, each statement) and, for PostgreSQL,
    the database the admin connects to (default ``postgres``; managed services may have another)."""

    __slots__ = ()

    def __repr__(self):
        # Never the password, in a traceback or a debug line.
        return "Datastore(driver=%r, host=%r, port=%r, admin_user=%r)" % (
            self.driver, self.host, self.port, self.admin_user)

    @property
    def engine(self):
        return ENGINE_NAMES.get(self.driver, self.driver)

    @property
    def address(self):
        return "%s:%s" % (self.host, self.port)

    def describe(self):
        """How messages name this server: 'the PostgreSQL datastore at HOST:PORT'."""
        return "the %s datastore at %s" % (self.engine, self.address)


def validate_driver(driver):
    if driver not in DRIVERS:
        raise FleetError("The datastore driver must be one of %s, got %r." % (", ".join(DRIVERS), driver),
                         hint="Use postgres for PostgreSQL and mysql for MySQL or MariaDB.")


def validate_address(driver, host, port):
    validate_driver(driver)
    if not isinstance(host, str) or not HOST_PATTERN.match(host):
        raise FleetError("The datastore host %r is not a host name or an IP address." % (host,),
                         hint="Give the server's DNS name or IP address alone, without a scheme, port or path.")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise FleetError("The datastore port must be a number from 1 to 65535, got %r." % (port,),
                         hint="PostgreSQL listens on 5432 and MySQL on 3306 unless configured otherwise.")


def validate_sslmode(sslmode):
    if sslmode not in SSL_MODES:
        raise FleetError("The datastore sslmode must be one of %s, got %r." % (", ".join(SSL_MODES), sslmode),
                         hint="Use require (TLS, no certificate check), verify-full (TLS, checked) or disable.")


def validate_datastore(datastore):
    """Refuse a description the drivers could not use, naming the value at fault."""
    validate_address(datastore.driver, datastore.host, datastore.port)
    validate_sslmode(datastore.sslmode)
    if not datastore.admin_user or not isinstance(datastore.admin_user, str):
        raise FleetError("The datastore's admin user is empty.",
                         hint="The admin Secret must hold the user name of an account that may create databases "
                              "and users.")
    if not datastore.admin_password or not isinstance(datastore.admin_password, str):
        raise FleetError("The datastore's admin password is empty.",
                         hint="The admin Secret must hold that account's password.")
    timeout = datastore.timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 2 <= timeout <= 600:
        raise FleetError("The datastore timeout must be from 2 to 600 seconds, got %r." % (timeout,),
                         hint="The default, %d s, is enough for a server on the same network." % DEFAULT_TIMEOUT)
    if datastore.admin_database is not None:
        validate_name(datastore.driver, "database", datastore.admin_database, system_ok=True)


def validate_name(driver, kind, name, system_ok=False):
    """A database (``kind="database"``) or user name: the allow-list, the engine's length limit and,
    unless ``system_ok``, none of the names the server keeps for itself."""
    validate_driver(driver)
    limit = LIMITS[(driver, kind)]
    what = "%s %s name" % (ENGINE_NAMES[driver], kind)
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise FleetError("The %s %r is not allowed: it must start with a lowercase letter and hold only lowercase "
                         "letters, digits and underscores." % (what, name),
                         hint="Derive it from the control plane's name with dashes turned into underscores.")
    if len(name) > limit:
        raise FleetError("The %s '%s' is %d characters long; %s allows at most %d."
                         % (what, name, len(name), ENGINE_NAMES[driver], limit),
                         hint="Shorten it, for example by keeping a prefix and a short hash of the full name.")
    reserved = SYSTEM_DATABASES[driver] if kind == "database" else SYSTEM_USERS[driver]
    if not system_ok and (name in reserved or (driver == "postgres" and name.startswith("pg_"))):
        raise FleetError("The %s '%s' is one the server keeps for itself." % (what, name),
                         hint="Give the control plane's %s a name of its own." % kind)


def validate_names(driver, database, user, admin_user=None):
    """The database and user names one control plane gets; the user must not be the admin."""
    validate_name(driver, "database", database)
    validate_name(driver, "user", user)
    if admin_user is not None and user == admin_user:
        raise FleetError("The control plane's database user '%s' is the datastore's admin user." % user,
                         hint="Give each control plane a user of its own: the admin account is never handed to one.")


def validate_password(password):
    """A control plane's password: what every driver, kine and a k0s configuration carry unchanged."""
    low, high = PASSWORD_LIMITS
    # Never the password itself in the message: only what is wrong with it.
    if not isinstance(password, str) or not low <= len(password) <= high:
        raise FleetError("The control plane's database password must be %d to %d characters long." % (low, high),
                         hint="Generate it, for example 32 random letters and digits.")
    if not PASSWORD_PATTERN.match(password):
        raise FleetError("The control plane's database password holds a character that is not allowed (a space, a "
                         "double quote, a backslash or a character outside printable ASCII).",
                         hint="Generate it from letters, digits and punctuation other than those.")
