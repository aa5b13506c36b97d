# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A control plane on a shared datastore (``storage.datastore``): one PostgreSQL or MySQL server,
described once, where each control plane gets a database and a user of its own.

The description (driver, address, the admin Secret's name, names) is recorded in the anchor; the
admin credential is read from its Secret at each run; the control plane's generated password and
kine URL live only in the control plane's ``X-datastore`` Secret. ``_sql`` does the database side.

``prepare`` runs before the first write and finds what would fail (admin Secret, server, rights, a
database or user someone else has); ``ensure`` makes the database and user before the StatefulSet
starts; ``DropAfter`` drops them once a deleted control plane is gone, when ``drop_database`` asks.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re
import secrets
import string
from collections import namedtuple

from ansible_collections.k0smotron.fleet.plugins.module_utils import _sql as sql
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql._server import LIMITS, validate_address
from ansible_collections.k0smotron.fleet.plugins.module_utils._engine import Watch
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._k8s_state import secret_bytes
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import SECRET

DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306}
# The admin Secret's keys: those of a kubernetes.io/basic-auth Secret.
ADMIN_USER_KEY = "username"
ADMIN_PASSWORD_KEY = "password"
# The control plane's own password, beside its URL in X-datastore.
PASSWORD_KEY = "password"
PASSWORD_LENGTH = 32
_PASSWORD_ALPHABET = string.ascii_letters + string.digits
# What identifies the database a control plane's data is in: changing one moves the data.
IDENTITY = ("driver", "host", "port", "database", "user")
# What is recorded in the anchor (no secret: the admin password stays in its Secret).
RECORDED = IDENTITY + ("admin_secret_name", "admin_database", "sslmode", "timeout")


def default_name(cluster, namespace, driver):
    """``k0s_<namespace>_<name>`` in the allowed characters; a long one keeps a prefix and a hash,
    within the shortest limit that applies (MySQL's 32-character user names)."""
    limit = min(LIMITS[(driver, "database")], LIMITS[(driver, "user")])
    name = "k0s_" + re.sub(r"[^a-z0-9]", "_", ("%s_%s" % (namespace, cluster)).lower())
    if len(name) > limit:
        digest = hashlib.sha256(("%s/%s" % (namespace, cluster)).encode("utf-8")).hexdigest()[:8]
        name = "%s_%s" % (name[:limit - 9].rstrip("_"), digest)
    return name


def settings_of(given, recorded, cluster, namespace):
    """The datastore's recorded description after this run: ``given`` (the option, None where left
    out) over ``recorded``, with defaults; None when the control plane has none. Moving a control
    plane to another server, database or user is refused: its data would stay behind."""
    if not given and not recorded:
        return None
    merged = dict((key, (recorded or {}).get(key)) for key in RECORDED)
    for key in RECORDED:
        if given and given.get(key) is not None:
            merged[key] = given[key]
    if not merged.get("driver"):
        raise FleetError("storage.datastore.driver is required.", hint="Use postgres or mysql.")
    merged["port"] = merged.get("port") or DEFAULT_PORTS.get(merged["driver"])
    merged["database"] = merged.get("database") or default_name(cluster, namespace, merged["driver"])
    merged["user"] = merged.get("user") or merged["database"]
    merged["sslmode"] = merged.get("sslmode") or "require"
    merged["timeout"] = merged.get("timeout") or sql.DEFAULT_TIMEOUT
    if recorded:
        moved = [key for key in IDENTITY if recorded.get(key) is not None and recorded[key] != merged[key]]
        if moved:
            raise FleetError(
                "storage.datastore.%s differs from the control plane's (%s): that would move it to another "
                "database, leaving its data behind." % (
                    moved[0], ", ".join("%s %s -> %s" % (k, recorded[k], merged[k]) for k in moved)),
                hint="Keep the recorded values (leave them out), or restore the hosted cluster into a new control "
                     "plane on the other database. Nothing was changed.")
    if not merged.get("host"):
        raise FleetError("storage.datastore.host is required.", hint="Give the database server's DNS name or IP.")
    if not merged.get("admin_secret_name"):
        raise FleetError("storage.datastore.admin_secret_name is required.",
                         hint="Name a Secret in the control plane's namespace with keys %s and %s: an account that "
                              "may create databases and users." % (ADMIN_USER_KEY, ADMIN_PASSWORD_KEY))
    validate_address(merged["driver"], merged["host"], merged["port"])
    sql.validate_names(merged["driver"], merged["database"], merged["user"])
    return merged


def connect(context, client, namespace, described):
    """The ``sql.Datastore`` of a description, with the admin credential read from its Secret."""
    name = described["admin_secret_name"]
    secret = client.get(SECRET, name, namespace)
    if secret is None:
        raise FleetError(
            "Secret '%s' (storage.datastore.admin_secret_name) does not exist in namespace '%s'." % (name, namespace),
            hint="Create it with keys %s and %s of an account that may create databases and users, for example "
                 "kubectl create secret generic %s --type kubernetes.io/basic-auth --from-literal=username=... "
                 "--from-literal=password=..." % (ADMIN_USER_KEY, ADMIN_PASSWORD_KEY, name))
    user = (secret_bytes(secret, ADMIN_USER_KEY) or b"").decode("utf-8", "replace")
    password = (secret_bytes(secret, ADMIN_PASSWORD_KEY) or b"").decode("utf-8", "replace")
    if password:
        context.protect(password)
    if not user or not password:
        raise FleetError("Secret '%s' lacks key %s." % (name, ADMIN_USER_KEY if not user else ADMIN_PASSWORD_KEY),
                         hint="Put the admin account's user name under %s and its password under %s."
                              % (ADMIN_USER_KEY, ADMIN_PASSWORD_KEY))
    datastore = sql.Datastore(described["driver"], described["host"], described["port"], user, password,
                              described["sslmode"], described["timeout"], described.get("admin_database"))
    sql.validate_datastore(datastore)
    return datastore


def _capital(text):
    return text[:1].upper() + text[1:]


def generate_password():
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for dummy in range(PASSWORD_LENGTH))


class Prepared(namedtuple("Prepared", ("described", "datastore", "password", "url", "rotated"))):
    """A present control plane's shared datastore, checked: its URL and password are known (kept
    or new), nothing is changed yet."""

    __slots__ = ()

    def __repr__(self):
        # Never the password or the URL, in a traceback or a debug line.
        return "Prepared(%s)" % label(self.datastore, self.described)


def label(datastore, described):
    """How the change log names a control plane's database: 'PostgreSQL database NAME at HOST:PORT'."""
    return "%s database %s at %s" % (datastore.engine, described["database"], datastore.address)


def prepare(context, client, namespace, described, secret_name, rotate):
    """Before the first write: the admin credential, the server and the names checked (``sql.check``:
    bad credentials, an unreachable server, a database or user someone else holds fail here), and
    the control plane's password: the one in its Secret, or a new one (created, or ``rotate``)."""
    datastore = connect(context, client, namespace, described)
    found = sql.check(datastore, described["database"], described["user"])
    kept = (secret_bytes(client.get(SECRET, secret_name, namespace), PASSWORD_KEY) or b"").decode("utf-8", "replace")
    if not kept and (found["database_exists"] or found["user_exists"]):
        # The server cannot tell two control planes that name the same database and user apart; the
        # password can: one with none of its own must not take over a database that exists.
        raise FleetError(
            "%s already has %s '%s', and this control plane has no credentials for it (Secret '%s' holds none): "
            "it belongs to another control plane, or to one deleted without drop_database." % (
                _capital(datastore.describe()), "database" if found["database_exists"] else "user",
                described["database"] if found["database_exists"] else described["user"], secret_name),
            hint="Give storage.datastore.database (and user) names of this control plane's own, or drop what is "
                 "left if nothing uses it any more (state: absent with drop_database on the control plane that "
                 "had it). Nothing was changed.")
    password = generate_password() if rotate or not kept else kept
    context.protect(password)
    url = sql.kine_url(described["driver"], described["host"], described["port"], described["database"],
                       described["user"], password, described["sslmode"])
    context.protect(url)
    return Prepared(described, datastore, password, url, rotated=bool(kept) and rotate)


def ensure(context, prepared):
    """The database and user made (or planned, in check mode) before the control plane starts;
    what changed goes into the run's change log."""
    described = prepared.described
    if context.check_mode:
        done = sql.plan(prepared.datastore, described["database"], described["user"], prepared.password)
    else:
        try:
            done = sql.ensure(prepared.datastore, described["database"], described["user"], prepared.password)
        except FleetError as exc:
            _record(context, label(prepared.datastore, described), exc.details.get("datastore_changes") or [])
            raise
    _record(context, label(prepared.datastore, described), done)
    return done


def _record(context, what, done):
    if done:
        context.changes.record(what, {}, {"done": list(done)})
        if not context.check_mode:
            context.changes.written = True


class DropAfter(Watch):
    """A deletion's watch, then the database and user dropped once the control plane is gone (its
    pods hold connections until then)."""

    def __init__(self, context, inner, datastore, described):
        self.context = context
        self.inner = inner
        self.datastore = datastore
        self.described = described
        self.what = inner.what + ", then its database dropped"

    def poll(self):
        return self.inner.poll()

    def explain(self, timeout):
        self.inner.explain(timeout)
        timeout.hint = ("%s Its database %s was not dropped: run again with drop_database to finish." % (
            timeout.hint or "", self.described["database"])).strip()

    def finish(self):
        facts = dict(self.inner.finish())
        named = label(self.datastore, self.described)
        try:
            done = sql.drop(self.datastore, self.described["database"], self.described["user"])
        except FleetError as exc:
            _record(self.context, named, exc.details.get("datastore_changes") or [])
            raise
        _record(self.context, named, done)
        facts["datastore_dropped"] = done
        return facts


def plan_drop(context, datastore, described):
    """Check mode: what dropping would do, recorded, nothing dropped."""
    _record(context, label(datastore, described),
            sql.drop(datastore, described["database"], described["user"], dry=True))
