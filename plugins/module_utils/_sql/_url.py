# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The kine data source URL of one control plane on a shared datastore.

kine reads the two forms differently: a ``postgres://`` URL is parsed as a URL (user and password
percent-decoded), a ``mysql://`` one is handed to the Go MySQL driver, which takes the text between
``:`` and the last ``@`` as the password unchanged. So only the PostgreSQL form is percent-encoded;
the password rules in ``_server`` keep the MySQL one unambiguous.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import quote

from ansible_collections.k0smotron.fleet.plugins.module_utils._sql._server import (
    validate_address,
    validate_names,
    validate_password,
    validate_sslmode,
)

# The Go MySQL driver's tls parameter for each sslmode (it has no CA-only check: verify-ca checks both).
MYSQL_TLS = {"disable": None, "require": "skip-verify", "verify-ca": "true", "verify-full": "true"}


def _bracketed(host):
    host = host.strip("[]")
    return "[%s]" % host if ":" in host else host


def kine_url(driver, host, port, database, user, password, sslmode="require"):
    """The data source URL kine expects for ``database`` on ``host:port`` as ``user``:

    - ``postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=MODE``
    - ``mysql://USER:PASSWORD@tcp(HOST:PORT)/DB`` (with ``?tls=...`` unless ``sslmode=disable``)

    It holds the password: the caller keeps it only in a Secret and passes it to ``protect``.
    """
    validate_address(driver, host, port)
    validate_names(driver, database, user)
    validate_password(password)
    validate_sslmode(sslmode)
    if driver == "postgres":
        return "postgres://%s:%s@%s:%d/%s?sslmode=%s" % (
            quote(user, safe=""), quote(password, safe=""), _bracketed(host), port, quote(database, safe=""), sslmode)
    tls = MYSQL_TLS[sslmode]
    return "mysql://%s:%s@tcp(%s:%d)/%s%s" % (
        user, password, _bracketed(host), port, database, "?tls=%s" % tls if tls else "")
