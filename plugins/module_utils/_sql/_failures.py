# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a datastore's failures become: a FleetError that names the server, the problem and the fix.

A driver's own text can hold a connection string, so it is only ever quoted after every secret in
play (in every form it may take there) has been masked, and shortened to its first line.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
from urllib.parse import quote

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError

MASK = "********"
# The pip package that provides each driver's module; the same ones community.postgresql and
# community.mysql use.
DRIVER_PACKAGES = {"postgres": ("psycopg2", "psycopg2-binary"), "mysql": ("pymysql", "PyMySQL")}
SUBMODULES = {"postgres": ("sql", "extensions"), "mysql": ()}


def load_driver(datastore):
    """The driver module for ``datastore`` (psycopg2 or pymysql), or a FleetError naming the package."""
    module, package = DRIVER_PACKAGES[datastore.driver]
    try:
        driver = importlib.import_module(module)
        for submodule in SUBMODULES[datastore.driver]:
            importlib.import_module("%s.%s" % (module, submodule))
        return driver
    except ImportError:
        raise FleetError(
            "%s needs the Python package %s (module %s), which is not installed in the Python that runs the "
            "module." % (capital(datastore.describe()), package, module),
            hint="Install it there: pip install %s (on the host the task runs on, usually the controller)." % package)


def scrub(text, secrets):
    """``text`` with every secret masked (as given, percent-encoded and escaped), first line only."""
    text = str(text).strip().split("\n", 1)[0]
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        for form in (secret, quote(secret, safe=""), secret.replace("'", "''"), repr(secret)[1:-1]):
            text = text.replace(form, MASK)
    return text[:300]


def unreachable(datastore, reason):
    return FleetError(
        "Cannot reach %s (waiting at most %s s): %s." % (datastore.describe(), datastore.timeout, reason),
        hint="Check the datastore's host and port, that the server runs and listens there, and that no firewall "
             "drops connections from this host; nothing was changed.")


def admin_refused(datastore):
    return FleetError(
        "%s refused the admin user '%s': the user name or the password is wrong."
        % (capital(datastore.describe()), datastore.admin_user),
        hint="Correct the user and password in the datastore's admin Secret (used as given, with no trailing "
             "newline); nothing was changed.")


def host_refused(datastore, user):
    return FleetError(
        "%s does not let user '%s' connect from this host (no pg_hba.conf entry matches)."
        % (capital(datastore.describe()), user),
        hint="Add a pg_hba.conf line for this host and that user (and for the control planes' pods), then reload "
             "the server; nothing was changed.")


def admin_lacks(datastore, missing, grant):
    return FleetError(
        "The admin user '%s' of %s may not %s." % (datastore.admin_user, datastore.describe(), missing),
        hint="Give it those rights (%s) or use an admin that has them; nothing was changed." % grant)


def database_taken(datastore, database, holder):
    return FleetError(
        "The database '%s' on %s is taken: %s." % (database, datastore.describe(), holder),
        hint="Give this control plane another database name; if that database is a leftover nobody uses, drop it "
             "on the server first. Nothing was changed.")


def user_taken(datastore, user, rights):
    return FleetError(
        "The user '%s' on %s already exists with %s, more than one control plane's user may have."
        % (user, datastore.describe(), rights),
        hint="Give this control plane another user name, or remove those rights from that user; nothing was "
             "changed.")


def statement_failed(datastore, doing, reason, done):
    """A statement the server refused half way: what was being done, and what had been done before."""
    error = FleetError(
        "%s failed while trying to %s: %s." % (capital(datastore.describe()), doing, reason),
        hint=("Already done: %s. " % ", ".join(done) if done else "Nothing was changed. ")
        + "Fix the cause and run again: what is done is kept and the rest is finished.")
    error.details["datastore_changes"] = list(done)
    return error


def capital(text):
    """``text`` with its first letter in upper case."""
    return text[0].upper() + text[1:]
