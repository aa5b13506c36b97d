# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether a password is the one a PostgreSQL role has, from the verifier the server keeps
(``pg_authid.rolpassword``): SCRAM-SHA-256 (RFC 5802/7677) or the older MD5 form.

Passwords here are printable ASCII (``_server.validate_password``), for which SASLprep changes
nothing, so the password's UTF-8 bytes are what the server hashed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import hmac

SCRAM_PREFIX = "SCRAM-SHA-256$"


def _scram_keys(password, salt, iterations):
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    return hashlib.sha256(client_key).digest(), server_key


def scram_verifier(password, salt, iterations=4096):
    """The verifier PostgreSQL stores for ``password`` with this salt (for tests and comparisons)."""
    stored_key, server_key = _scram_keys(password, salt, iterations)
    return "%s%d:%s$%s:%s" % (SCRAM_PREFIX, iterations, base64.b64encode(salt).decode("ascii"),
                              base64.b64encode(stored_key).decode("ascii"), base64.b64encode(server_key).decode("ascii"))


def password_matches(stored, user, password):
    """True or False when ``stored`` is a verifier this module knows, None when it cannot tell.

    A role with no password (``stored`` None) does not match.
    """
    if stored is None:
        return False
    if stored.startswith(SCRAM_PREFIX):
        try:
            head, keys = stored[len(SCRAM_PREFIX):].split("$", 1)
            iterations, salt = head.split(":", 1)
            stored_key, server_key = keys.split(":", 1)
            expected = _scram_keys(password, base64.b64decode(salt), int(iterations))
            given = (base64.b64decode(stored_key), base64.b64decode(server_key))
        except (ValueError, TypeError, binascii.Error):
            return None
        return hmac.compare_digest(expected[0], given[0]) and hmac.compare_digest(expected[1], given[1])
    if stored.startswith("md5") and len(stored) == 35:
        try:
            digest = hashlib.md5((password + user).encode("utf-8")).hexdigest()  # noqa: S324 - the server's format
        except ValueError:  # FIPS mode: no MD5
            return None
        return hmac.compare_digest("md5" + digest, stored)
    return None
