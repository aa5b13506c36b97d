# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a backup of a native control plane holds (docs/design/backup-restore.md).

================================  ===============================================================
member                            holds
================================  ===============================================================
``settings.json``                 the recorded settings (the anchor's), nothing secret in them
``pki-ca.json``                   the cluster CA: ``tls.crt`` and ``tls.key`` as the Secret has them
``pki-proxy.json``                the front-proxy CA
``pki-sa.json``                   the service-account key pair
``kine-rows.sqlite``              the datastore's rows, ids kept (``_backup._kine_rows``)
================================  ===============================================================

The datastore is read as the control plane's own database user, from the URL in its datastore
Secret, in one snapshot while the API serves. SQLite inside the pod cannot be read without
``pods/exec`` (or stopping the pod), which this version does not do: such a control plane is refused
with ``datastore: include``, and ``datastore: skip`` backs up its identity and settings alone.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.k0smotron.fleet.plugins.module_utils._backup import _kine_rows as kine_rows
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._k8s_state import secret_bytes
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._datastore import datastore_url
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._key_material import KINDS
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._settings import recorded_settings
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import SECRET
from ansible_collections.k0smotron.fleet.plugins.module_utils._sql._kine import connect_kine

SETTINGS = "settings.json"
ROWS = "kine-rows.sqlite"


def key_member(kind):
    return "pki-%s.json" % kind


def _json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _key_material(context, plane):
    members = {}
    for kind in KINDS:
        name = plane.names[kind]
        secret = context.client.get(SECRET, name, plane.namespace)
        cert, key = secret_bytes(secret, "tls.crt"), secret_bytes(secret, "tls.key")
        if not (cert and key):
            raise FleetError(
                "Secret '%s' of control plane '%s' in namespace '%s' holds no tls.crt and tls.key." % (
                    name, plane.name, plane.namespace),
                hint="A control plane without its key material cannot be backed up: restore the Secret from an "
                     "earlier backup, or let k0smotron.fleet.cluster make the control plane first.")
        context.protect(key.decode("utf-8", "replace"))
        members[key_member(kind)] = _json({"tls.crt": cert.decode("ascii"), "tls.key": key.decode("ascii")})
    return members


def _rows(context, plane, spec, workdir):
    url = datastore_url(context, context.client, spec, plane.namespace, None)
    if url is None:
        raise FleetError(
            "Control plane '%s' in namespace '%s' keeps its datastore in SQLite inside its pod, which this version "
            "cannot read without pods/exec." % (plane.name, plane.namespace),
            hint="Give datastore: skip to back up its key material and settings alone, or move it to a PostgreSQL "
                 "or MySQL datastore, whose rows a backup reads as the control plane's own user.")
    connection, driver = connect_kine(url)
    path = os.path.join(workdir, ROWS)
    try:
        copied = kine_rows.copy_sql_rows(connection, driver, path)
    finally:
        connection.close()
    counts = kine_rows.summarize(kine_rows.read_rows_file(path))
    counts.update(driver=driver, last_id=copied["last_id"])
    return path, counts


def export(context, plane, request):
    """``{"members", "member_files", "manifest"}`` of the native control plane ``plane``."""
    anchor = plane.anchor()
    if anchor is None:
        raise FleetError("Control plane '%s' does not exist in namespace '%s'." % (plane.name, plane.namespace),
                         hint="Check name and namespace; a backup is taken of a control plane that exists.")
    spec = recorded_settings(anchor)
    if spec is None:
        raise FleetError("ConfigMap '%s' holds no recorded settings." % anchor["metadata"]["name"],
                         hint="It is the control plane's anchor; run k0smotron.fleet.cluster for it once, then back up.")
    members = {SETTINGS: _json(spec)}
    members.update(_key_material(context, plane))
    files = {}
    datastore = {"included": False}
    if request.datastore == "include":
        files[ROWS], counts = _rows(context, plane, spec, request.workdir)
        datastore = dict(counts, included=True)
    manifest = {"engine": "native", "version": spec.get("version"), "key_material": list(KINDS),
                "datastore": datastore}
    return {"members": members, "member_files": files, "manifest": manifest}
