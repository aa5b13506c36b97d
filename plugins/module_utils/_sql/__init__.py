# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A shared datastore: one PostgreSQL or MySQL server, a database and a user per control plane.

Plain values in and out; the engine reads the admin credential from its Secret and keeps the
control plane's password and URL in Secrets of their own (and passes them to ``protect``).

================================================  ============================================
call                                              gives
================================================  ============================================
``Datastore(driver, host, port, admin_user,       the server, described once
admin_password, sslmode, timeout)``
``check(datastore, database, user)``              ``{"database_exists", "user_exists"}``, or a
                                                  FleetError: bad names, driver missing, server
                                                  unreachable, admin refused or short of rights,
                                                  database or user taken by someone else
``plan(datastore, database, user, password)``     what ``ensure`` would do (check mode)
``ensure(datastore, database, user, password)``   what it did: ``[]`` when nothing changed, else
                                                  some of "created user", "password changed",
                                                  "allowed login", "created database",
                                                  "revoked public connect", "granted rights"
``drop(datastore, database, user)``               "dropped database", "dropped user" (or ``[]``)
``kine_url(driver, host, port, database, user,    the data source URL kine expects
password, sslmode)``
================================================  ============================================

Every call checks before it changes anything, and every call that changes something says what
it did, also when it fails half way (the FleetError's ``datastore_changes``). No secret is put into
any message: the drivers' own texts are quoted only with every password masked.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._sql import _mysql, _postgres
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql._failures import load_driver
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql._server import (  # noqa: F401 - the API
    DEFAULT_TIMEOUT,
    Datastore,
    validate_datastore,
    validate_names,
    validate_password,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql._url import kine_url  # noqa: F401 - the API

BACKENDS = {"postgres": _postgres.Backend, "mysql": _mysql.Backend}


class _Session(object):
    """An admin connection to the datastore for one call, closed at its end."""

    def __init__(self, datastore, database, user, password=None):
        validate_datastore(datastore)
        validate_names(datastore.driver, database, user, datastore.admin_user)
        if password is not None:
            validate_password(password)
        driver = load_driver(datastore)
        self.backend = None
        self.args = (datastore, driver)
        self.password = password

    def __enter__(self):
        self.backend = BACKENDS[self.args[0].driver](*self.args)
        if self.password is not None:
            self.backend.secrets.append(self.password)
        return self.backend

    def __exit__(self, *exc_info):
        # Closing must not hide what happened before it.
        try:
            self.backend.close()
        except Exception:  # pylint: disable=broad-except
            pass
        return False


def _run(backend, steps, dry):
    done = []
    for label, doing, statements in steps:
        if not dry:
            backend.execute(doing, statements, done)
        done.append(label)
    return done


def check(datastore, database, user):
    """What exists of the control plane's ``database`` and ``user``; a FleetError, before any
    change, for whatever would make ``ensure`` or ``drop`` fail or touch someone else's data."""
    with _Session(datastore, database, user) as backend:
        state = backend.inspect(database, user)
    return dict(database_exists=state["database_exists"], user_exists=state["user_exists"])


def ensure(datastore, database, user, password, dry=False):
    """Make ``database`` and ``user`` (with ``password``, changed when it differs), the user with
    rights on that database only; the list of what changed (what would, with ``dry``)."""
    with _Session(datastore, database, user, password) as backend:
        state = backend.inspect(database, user)
        state["password_ok"] = backend.password_matches(state, database, user, password)
        return _run(backend, backend.ensure_steps(state, database, user, password), dry)


def plan(datastore, database, user, password):
    """What ``ensure`` would change, changing nothing (check mode)."""
    return ensure(datastore, database, user, password, dry=True)


def drop(datastore, database, user, dry=False):
    """Drop ``database`` and ``user`` where they exist (refused when they belong to someone else);
    the list of what was dropped (would be, with ``dry``)."""
    with _Session(datastore, database, user) as backend:
        state = backend.inspect(database, user)
        return _run(backend, backend.drop_steps(state, database, user), dry)
