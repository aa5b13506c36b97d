#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Log in to a database as a control plane's user, with the kine URL its Secret holds, and say what
happened as JSON: {"login": true} or {"login": false, "error": "..."} (the password masked).

    login.py DRIVER          the URL in the environment variable KINE_URL (never on the command line)
"""

import json
import os
import sys
from urllib.parse import unquote, urlsplit

driver, url = sys.argv[1], os.environ["KINE_URL"]
if driver == "postgres":
    import psycopg2 as module
    parts = urlsplit(url)
    user, password, host, port = unquote(parts.username), unquote(parts.password), parts.hostname, parts.port
    database = parts.path.lstrip("/")
    connect = dict(host=host, port=port, user=user, password=password, dbname=database, sslmode="disable",
                   connect_timeout=10)
else:
    import pymysql as module
    # mysql://USER:PASSWORD@tcp(HOST:PORT)/DB
    rest = url[len("mysql://"):]
    credentials, location = rest.rsplit("@tcp(", 1)
    user, password = credentials.split(":", 1)
    address, database = location.split(")/", 1)
    host, port = address.rsplit(":", 1)
    connect = dict(host=host, port=int(port), user=user, password=password, database=database.split("?")[0],
                   connect_timeout=10)
try:
    module.connect(**connect).close()
    print(json.dumps({"login": True, "user": user, "database": connect.get("dbname") or connect.get("database")}))
except module.Error as exc:
    print(json.dumps({"login": False, "error": str(exc).replace(password, "********")}))
