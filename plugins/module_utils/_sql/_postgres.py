# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""PostgreSQL through psycopg2: one role per control plane that owns one database, which PUBLIC may
not connect to. Identifiers go through ``psycopg2.sql.Identifier``, values through ``sql.Literal``
or parameters; passwords are sent already hashed (``encrypt_password``) where the driver can."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql import _failures as failures
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql._scram import password_matches

ADMIN_RIGHTS = "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_catalog.pg_roles WHERE rolname = current_user"
DATABASE = (
    "SELECT pg_catalog.pg_get_userbyid(d.datdba), EXISTS (SELECT 1 FROM pg_catalog.aclexplode("
    "COALESCE(d.datacl, pg_catalog.acldefault('d', d.datdba))) a WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT') "
    "FROM pg_catalog.pg_database d WHERE d.datname = %s")
ROLE = (
    "SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls, r.rolcanlogin, "
    "ARRAY(SELECT d.datname::text FROM pg_catalog.pg_database d WHERE d.datdba = r.oid AND d.datname <> %s "
    "ORDER BY 1), "
    "ARRAY(SELECT g.rolname::text FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid "
    "WHERE m.member = r.oid ORDER BY 1) "
    "FROM pg_catalog.pg_roles r WHERE r.rolname = %s")
VERIFIER = "SELECT rolpassword FROM pg_catalog.pg_authid WHERE rolname = %s"
ELEVATED = ("SUPERUSER", "CREATEROLE", "CREATEDB", "REPLICATION", "BYPASSRLS")
INSUFFICIENT_PRIVILEGE = "42501"


class Backend(object):
    """An admin session on one PostgreSQL server."""

    def __init__(self, datastore, driver):
        self.datastore = datastore
        self.driver = driver
        self.secrets = [datastore.admin_password]
        self.admin_database = datastore.admin_database or "postgres"
        self.conn = self._connect(datastore.admin_user, datastore.admin_password, self.admin_database)
        self.conn.autocommit = True
        self.superuser = False

    def close(self):
        self.conn.close()

    # --- connecting -------------------------------------------------------------------------------

    def _connect(self, user, password, database):
        store = self.datastore
        milliseconds = int(store.timeout * 1000)
        try:
            return self.driver.connect(
                host=store.host.strip("[]"), port=store.port, user=user, password=password, dbname=database,
                sslmode=store.sslmode, connect_timeout=int(math.ceil(store.timeout)),
                application_name="k0smotron.fleet",
                options="-c statement_timeout=%d -c lock_timeout=%d" % (milliseconds, milliseconds))
        except self.driver.Error as exc:
            raise self._connect_error(exc, user, database)

    def _connect_error(self, exc, user, database):
        store = self.datastore
        text = failures.scrub(exc, self.secrets)
        if "authentication failed" in text:
            if user == store.admin_user:
                return failures.admin_refused(store)
            return FleetError("%s refused user '%s'." % (failures.capital(store.describe()), user))
        if "no pg_hba.conf entry" in text:
            return failures.host_refused(store, user)
        if 'database "%s" does not exist' % database in text:
            return FleetError("There is no database '%s' on %s for the admin to connect to." % (database, store.describe()),
                              hint="Name the admin's own database (admin_database), for example the one the "
                                   "provider made; nothing was changed.")
        if "does not support SSL" in text:
            return FleetError("%s does not offer TLS, and sslmode is %s." % (failures.capital(store.describe()), store.sslmode),
                              hint="Enable TLS on the server, or set sslmode: disable for a server on a trusted "
                                   "network; nothing was changed.")
        return failures.unreachable(store, text)

    def _fetchone(self, query, args):
        cursor = self.conn.cursor()
        try:
            cursor.execute(query, args)
            return cursor.fetchone()
        except self.driver.Error as exc:
            raise failures.statement_failed(self.datastore, "read the catalog", self._reason(exc), [])
        finally:
            cursor.close()

    def _reason(self, exc):
        return failures.scrub(getattr(exc, "pgerror", None) or exc, self.secrets)

    # --- reading ----------------------------------------------------------------------------------

    def inspect(self, database, user):
        """What exists of ``database`` and ``user``; a FleetError when the admin may not make them
        or when either belongs to someone else."""
        store = self.datastore
        rights = self._fetchone(ADMIN_RIGHTS, None)
        self.superuser = bool(rights and rights[0])
        if not (self.superuser or (rights and rights[1] and rights[2])):
            raise failures.admin_lacks(store, "create databases and roles",
                                       "ALTER ROLE %s CREATEDB CREATEROLE" % store.admin_user)
        found = self._fetchone(DATABASE, [database])
        if found and found[0] != user:
            holder = "it belongs to user '%s'" % found[0]
            if found[0] == store.admin_user:
                holder += " (the admin), not to '%s'" % user
            raise failures.database_taken(store, database, holder + ", so another control plane or application uses it")
        role = self._fetchone(ROLE, [database, user])
        if role:
            elevated = [name for name, value in zip(ELEVATED, role[:5]) if value]
            if elevated:
                raise failures.user_taken(store, user, "the attribute(s) %s" % ", ".join(elevated))
            if role[6]:
                raise failures.user_taken(store, user, "database(s) %s of its own" % ", ".join(role[6]))
            if role[7]:
                raise failures.user_taken(store, user, "membership in role(s) %s" % ", ".join(role[7]))
        return dict(database_exists=bool(found), user_exists=bool(role), public_connect=bool(found and found[1]),
                    can_login=bool(role and role[5]))

    def password_matches(self, state, database, user, password):
        """Whether ``user`` has ``password`` now: from its verifier when the admin may read it, else
        by logging in as the user."""
        if not state["user_exists"]:
            return False
        verdict = None
        cursor = self.conn.cursor()
        try:
            cursor.execute(VERIFIER, [user])
            row = cursor.fetchone()
            verdict = password_matches(row[0] if row else None, user, password)
        except self.driver.Error as exc:
            if getattr(exc, "pgcode", None) != INSUFFICIENT_PRIVILEGE:  # not a superuser: log in instead
                raise failures.statement_failed(self.datastore, "read user '%s'" % user, self._reason(exc), [])
        finally:
            cursor.close()
        if verdict is None:
            verdict = self._login_works(database if state["database_exists"] else self.admin_database, user, password)
        return bool(verdict)

    def _login_works(self, database, user, password):
        try:
            self._connect(user, password, database).close()
        except FleetError:
            # Wrong password, or a login this host may not make: either way the password is set again.
            return False
        return True

    # --- changing ---------------------------------------------------------------------------------

    def _password(self, user, password):
        """What ``PASSWORD`` gets: the verifier libpq computes for the server's password_encryption
        (so the password itself never reaches a server log), or the password when libpq cannot."""
        try:
            hashed = self.driver.extensions.encrypt_password(password, user, self.conn)
        except (AttributeError, self.driver.Error):
            return password
        self.secrets.append(hashed)
        return hashed

    def ensure_steps(self, state, database, user, password):
        """The steps that make ``database`` owned by ``user`` with ``password``: (label, doing, statements)."""
        sql = self.driver.sql
        role, db = sql.Identifier(user), sql.Identifier(database)
        steps = []
        if not state["user_exists"]:
            steps.append(("created user", "create user '%s'" % user, [
                sql.SQL("CREATE ROLE {} WITH LOGIN PASSWORD {}").format(role, sql.Literal(self._password(user, password)))]))
        elif not state["password_ok"]:
            steps.append(("password changed", "change the password of user '%s'" % user, [
                sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(role, sql.Literal(self._password(user, password)))]))
        elif not state["can_login"]:
            steps.append(("allowed login", "allow user '%s' to log in" % user, [sql.SQL("ALTER ROLE {} WITH LOGIN").format(role)]))
        revoke = sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db)
        if not state["database_exists"]:
            statements = [] if self.superuser else [self._membership(role)]
            statements += [sql.SQL("CREATE DATABASE {} OWNER {}").format(db, role), revoke]
            steps.append(("created database", "create database '%s'" % database, statements))
        elif state["public_connect"]:
            steps.append(("revoked public connect", "revoke PUBLIC's rights on database '%s'" % database, [revoke]))
        return steps

    def drop_steps(self, state, database, user):
        """The steps that drop ``database`` and ``user`` where they exist."""
        sql = self.driver.sql
        role, db = sql.Identifier(user), sql.Identifier(database)
        steps = []
        if state["database_exists"]:
            force = " WITH (FORCE)" if self.conn.server_version >= 130000 else ""
            statements = [] if self.superuser else [self._membership(role)]
            statements.append(sql.SQL("DROP DATABASE IF EXISTS {}" + force).format(db))
            steps.append(("dropped database", "drop database '%s'" % database, statements))
        if state["user_exists"]:
            steps.append(("dropped user", "drop user '%s'" % user, [sql.SQL("DROP ROLE IF EXISTS {}").format(role)]))
        return steps

    def _membership(self, role):
        # A non-superuser admin acts for the role through membership (CREATE DATABASE ... OWNER needs it).
        return self.driver.sql.SQL("GRANT {} TO CURRENT_USER").format(role)

    def execute(self, doing, statements, done):
        cursor = self.conn.cursor()
        try:
            for statement in statements:
                cursor.execute(statement)
        except self.driver.Error as exc:
            raise failures.statement_failed(self.datastore, doing, self._reason(exc), done)
        finally:
            cursor.close()
