#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Play kine's part for the backup target, and read a backup back, with the collection under test.

    kine.py load COUNT     kine's table in the database of the URL in KINE_URL, with COUNT objects written
    kine.py read FILE      the backup FILE read with BACKUP_PASSPHRASE (if set): its manifest, as JSON, or
                           {"error": MESSAGE} when it is refused

Nothing secret is printed: not the URL, the passphrase, the key material or the rows.
"""

import json
import os
import sys

here = os.path.abspath(__file__)
while os.path.basename(here) != "ansible_collections":
    here = os.path.dirname(here)
sys.path.insert(0, os.path.dirname(here))

from ansible_collections.k0smotron.fleet.plugins.module_utils._backup import _archive, _kine_rows  # noqa: E402
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError  # noqa: E402
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql._kine import connect_kine  # noqa: E402


def load(count):
    rows = [(1, "compact_rev_key", 0, 0, 0, 0, 0, b"", None)]
    for number in range(count):
        rows.append((number + 2, "/registry/configmaps/default/cm-%d" % number, 1, 0, number + 2, 0, 0,
                     b"configmap %d" % number, None))
    connection, driver = connect_kine(os.environ["KINE_URL"], timeout=30)
    try:
        print(json.dumps(_kine_rows.load_sql_rows(connection, driver, iter(rows))))
    finally:
        connection.close()


def read(path):
    try:
        header, manifest, members = _archive.read_backup(path, passphrase=os.environ.get("BACKUP_PASSPHRASE"))
    except FleetError as exc:
        print(json.dumps({"error": exc.msg}))
        return
    ca = json.loads(members["pki-ca.json"])
    print(json.dumps({"cluster": header["cluster"], "datastore": manifest["datastore"], "members": sorted(members),
                      "ca_is_a_pair": "BEGIN CERTIFICATE" in ca["tls.crt"] and "PRIVATE KEY" in ca["tls.key"]}))


if __name__ == "__main__":
    if sys.argv[1] == "load":
        load(int(sys.argv[2]))
    else:
        read(sys.argv[2])
