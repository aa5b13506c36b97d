# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""MySQL and MariaDB through PyMySQL: one account ``'USER'@'%'`` per control plane with every
right on one database and none elsewhere. Account names and passwords are bound as parameters;
database names, which SQL cannot bind, are the allow-listed ones of ``_server.NAME_PATTERN``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql import _failures as failures
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql._server import NAME_PATTERN

# The pods connect from addresses nobody knows in advance.
USER_HOST = "%"
ACCESS_DENIED, HOST_NOT_ALLOWED, SYNTAX_ERROR = 1045, 1130, 1064
UNREACHABLE = (2002, 2003, 2006, 2013)
SSL_ERROR = 2026
ADMIN_NEEDS = ("CREATE", "DROP", "CREATE USER")


def allow_listed(name):
    """``name`` itself, once it is known to match the allow-list (so that it needs no escaping)."""
    if not NAME_PATTERN.match(name):
        raise ValueError("not an allow-listed database name")
    return name


def identifier(name, grant=False):
    """A database name in backquotes. community.mysql's mysql_quote_identifier is not used: that
    collection is not a dependency, and it splits on dots; the allow-list checked here leaves
    nothing to escape. In GRANT, ``_`` is a wildcard and is escaped (``grant=True``)."""
    name = allow_listed(name)
    return "`%s`" % (name.replace("_", "\\_") if grant else name)


def _grantee(user, host):
    return "'%s'@'%s'" % (user, host)


class Backend(object):
    """An admin session on one MySQL or MariaDB server."""

    def __init__(self, datastore, driver):
        self.datastore = datastore
        self.driver = driver
        self.secrets = [datastore.admin_password]
        self.conn = self._connect(datastore.admin_user, datastore.admin_password)

    def close(self):
        self.conn.close()

    # --- connecting -------------------------------------------------------------------------------

    def _tls(self):
        mode = self.datastore.sslmode
        if mode == "disable":
            return dict(ssl_disabled=True)
        if mode == "require":
            return dict(ssl={"check_hostname": False, "verify_mode": False})
        return dict(ssl_verify_cert=True, ssl_verify_identity=mode == "verify-full")

    def _connect(self, user, password):
        store = self.datastore
        try:
            return self.driver.connect(
                host=store.host.strip("[]"), port=store.port, user=user, password=password, charset="utf8mb4",
                autocommit=True, connect_timeout=store.timeout, read_timeout=store.timeout,
                write_timeout=store.timeout, program_name="k0smotron.fleet", **self._tls())
        except self.driver.MySQLError as exc:
            raise self._connect_error(exc, user)

    def _connect_error(self, exc, user):
        store = self.datastore
        code = exc.args[0] if exc.args else None
        if code == ACCESS_DENIED:
            if user == store.admin_user:
                return failures.admin_refused(store)
            return FleetError("%s refused user '%s'." % (failures.capital(store.describe()), user))
        if code == HOST_NOT_ALLOWED:
            return FleetError("%s does not let user '%s' connect from this host." % (failures.capital(store.describe()), user),
                              hint="Create that account for this host too (or for '%%'); nothing was changed.")
        if code == SSL_ERROR:
            return FleetError("%s cannot do TLS, and sslmode is %s." % (failures.capital(store.describe()), store.sslmode),
                              hint="Enable TLS on the server, or set sslmode: disable for a server on a trusted "
                                   "network; nothing was changed.")
        return failures.unreachable(store, self._reason(exc))

    def _reason(self, exc):
        text = exc.args[1] if len(exc.args) > 1 else exc
        return failures.scrub(text, self.secrets)

    def _rows(self, query, args=None):
        cursor = self.conn.cursor()
        try:
            cursor.execute(query, args)
            names = [column[0] for column in cursor.description or ()]
            return [dict(zip(names, row)) for row in cursor.fetchall()]
        except self.driver.MySQLError as exc:
            raise failures.statement_failed(self.datastore, "read the grant tables", self._reason(exc), [])
        finally:
            cursor.close()

    # --- reading ----------------------------------------------------------------------------------

    def _check_admin(self):
        store = self.datastore
        current = self._rows("SELECT CURRENT_USER() AS account")[0]["account"]
        name, host = current.rsplit("@", 1)
        rows = self._rows("SELECT PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.USER_PRIVILEGES "
                          "WHERE GRANTEE = %s", [_grantee(name, host)])
        held = set(row["PRIVILEGE_TYPE"] for row in rows)
        missing = [right for right in ADMIN_NEEDS if right not in held]
        if missing or not any(row["IS_GRANTABLE"] == "YES" for row in rows):
            raise failures.admin_lacks(store, "create databases and users and grant rights on them",
                                       "GRANT ALL PRIVILEGES ON *.* TO '%s'@'%s' WITH GRANT OPTION" % (name, host))

    def _check_word(self, database):
        # kine runs CREATE DATABASE with the name unquoted: a reserved word must fail here, first.
        cursor = self.conn.cursor()
        try:
            cursor.execute("SELECT 1 AS %s" % allow_listed(database))
        except self.driver.MySQLError as exc:
            if exc.args and exc.args[0] == SYNTAX_ERROR:
                raise FleetError("The database name '%s' is a word %s reserves; kine writes the name unquoted, so it "
                                 "cannot use it." % (database, self.datastore.engine),
                                 hint="Give the control plane's database another name, for example with a prefix.")
            raise failures.statement_failed(self.datastore, "check the database name", self._reason(exc), [])
        finally:
            cursor.close()

    def inspect(self, database, user):
        """What exists of ``database`` and ``user``; a FleetError when the admin may not make them
        or when either belongs to someone else."""
        store = self.datastore
        self._check_admin()
        self._check_word(database)
        names = [database, database.replace("_", "\\_")]
        exists = bool(self._rows("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", [database]))
        grants = self._rows("SELECT * FROM mysql.db WHERE Db IN (%s, %s)", names)
        others = sorted(set(_grantee(row["User"], row["Host"]) for row in grants
                            if (row["User"], row["Host"]) != (user, USER_HOST)))
        if others:
            raise failures.database_taken(store, database, "account(s) %s have rights on it" % ", ".join(others))
        ours = [row for row in grants if (row["User"], row["Host"]) == (user, USER_HOST)]
        full = bool(ours) and all(value == "Y" for row in ours for column, value in row.items()
                                  if column.endswith("_priv") and column != "Grant_priv")
        if exists and not ours:
            tables = self._rows("SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s",
                                [database])[0]["n"]
            if tables:
                raise failures.database_taken(store, database, "it holds %d table(s) and user '%s' has no rights on "
                                                               "it" % (tables, user))
        user_exists = bool(self._rows("SELECT 1 FROM mysql.user WHERE User = %s AND Host = %s", [user, USER_HOST]))
        if user_exists:
            elsewhere = self._rows("SELECT Db FROM mysql.db WHERE User = %s AND Host = %s AND Db NOT IN (%s, %s)",
                                   [user, USER_HOST] + names)
            if elsewhere:
                raise failures.user_taken(store, user, "rights on database(s) %s"
                                          % ", ".join(sorted(row["Db"] for row in elsewhere)))
            granted = self._rows("SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = %s "
                                 "AND PRIVILEGE_TYPE <> 'USAGE'", [_grantee(user, USER_HOST)])
            if granted:
                raise failures.user_taken(store, user, "the global right(s) %s"
                                          % ", ".join(sorted(row["PRIVILEGE_TYPE"] for row in granted)))
        return dict(database_exists=exists, user_exists=user_exists, full_rights=full)

    def password_matches(self, state, database, user, password):
        """Whether ``user`` has ``password`` now, by logging in as the user."""
        if not state["user_exists"]:
            return False
        try:
            self._connect(user, password).close()
        except FleetError:
            return False
        return True

    # --- changing ---------------------------------------------------------------------------------

    def ensure_steps(self, state, database, user, password):
        """The steps that give ``user`` with ``password`` every right on ``database``: (label, doing, statements)."""
        account = [user, USER_HOST]
        steps = []
        if not state["user_exists"]:
            steps.append(("created user", "create user '%s'" % user,
                          [("CREATE USER %s@%s IDENTIFIED BY %s", account + [password])]))
        elif not state["password_ok"]:
            steps.append(("password changed", "change the password of user '%s'" % user,
                          [("ALTER USER %s@%s IDENTIFIED BY %s", account + [password])]))
        if not state["database_exists"]:
            steps.append(("created database", "create database '%s'" % database,
                          [("CREATE DATABASE %s" % identifier(database), None)]))
        if not state["full_rights"]:
            grant = ("GRANT ALL PRIVILEGES ON %s.* TO %%s@%%s" % identifier(database, grant=True), account)
            if steps:
                steps[-1][2].append(grant)
            else:
                steps.append(("granted rights", "grant user '%s' its rights on '%s'" % (user, database), [grant]))
        return steps

    def drop_steps(self, state, database, user):
        """The steps that drop ``database`` and ``user`` where they exist."""
        steps = []
        if state["database_exists"]:
            steps.append(("dropped database", "drop database '%s'" % database,
                          [("DROP DATABASE %s" % identifier(database), None)]))
        if state["user_exists"]:
            steps.append(("dropped user", "drop user '%s'" % user, [("DROP USER %s@%s", [user, USER_HOST])]))
        return steps

    def execute(self, doing, statements, done):
        cursor = self.conn.cursor()
        try:
            for query, args in statements:
                cursor.execute(query, args)
        except self.driver.MySQLError as exc:
            raise failures.statement_failed(self.datastore, doing, self._reason(exc), done)
        finally:
            cursor.close()
