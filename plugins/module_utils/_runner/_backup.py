# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``backup`` module's flow: what the engine exports of a control plane, written as one backup
file (``_backup._archive``: mode 0600, optionally encrypted) at ``dest``.

A backup of the same control plane already at ``dest`` is kept (no change) unless ``force``: a
playbook that backs up into a dated path runs once per date, and a re-run after a failure later in
the play does not take a second one. Anything else at ``dest`` is refused. In check mode the control
plane and its key material are read (nothing is written, the datastore is not read)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import tempfile

from ansible_collections.k0smotron.fleet.plugins.module_utils._backup import _archive as archive
from ansible_collections.k0smotron.fleet.plugins.module_utils._engine import BackupRequest
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._options import validate_dns_label
from ansible_collections.k0smotron.fleet.plugins.module_utils._secret_files import check_dest


def check_options(params, check_mode=False):
    validate_dns_label("cluster", params["cluster"])
    validate_dns_label("namespace", params["namespace"])
    check_dest("dest", params["dest"], writing=not check_mode)
    archive.check_secrets(params.get("passphrase"), params.get("key"))
    return BackupRequest(cluster=params["cluster"], namespace=params["namespace"], datastore=params["datastore"],
                         workdir=None)


def _existing(params, engine_name):
    """The header of the backup at dest, if it is one of this control plane; None when dest is absent;
    refused when something else is there."""
    dest = params["dest"]
    if not os.path.lexists(dest):
        return None
    try:
        header = archive.inspect_backup(dest)
    except FleetError:
        if params["force"]:
            return None
        raise FleetError("dest '%s' exists and is not a backup file." % dest,
                         hint="Choose another dest, remove the file, or give force: true to replace it.")
    cluster = header["cluster"]
    wanted = {"name": params["cluster"], "namespace": params["namespace"], "engine": engine_name}
    if cluster != wanted and not params["force"]:
        raise FleetError(
            "dest '%s' holds a backup of control plane '%s' in namespace '%s' (engine %s), not of '%s' in '%s'." % (
                dest, cluster.get("name"), cluster.get("namespace"), cluster.get("engine"), params["cluster"],
                params["namespace"]),
            hint="Give each control plane a dest of its own, or force: true to replace that backup.")
    return header


def _summary(written, manifest):
    datastore = manifest.get("datastore") or {}
    return dict(path=written["path"], size=written["size"], sha256=written["sha256"],
                format_version=written["format_version"], encrypted=written["encrypted"],
                members=dict((name, {"size": member["size"]}) for name, member in written["members"].items()),
                datastore=dict(datastore), version=manifest.get("version"))


def run(run):
    params = run.params
    request = check_options(params, run.module.check_mode)
    header = _existing(params, run.engine.name)
    if header is not None and not params["force"]:
        return dict(changed=False, path=params["dest"], created=header["created"],
                    encrypted=header["encryption"]["algorithm"] != "none", format_version=header["format_version"])
    if run.module.check_mode:
        # What would be backed up exists and is readable; the datastore is left alone.
        run.engine.export_control_plane(request._replace(datastore="skip"))
        return dict(changed=True, path=params["dest"])
    workdir = tempfile.mkdtemp(prefix=".k0smotron-fleet-backup-", dir=os.path.dirname(os.path.abspath(params["dest"])))
    opened = []
    try:
        export = run.engine.export_control_plane(request._replace(workdir=workdir))
        members = dict(export["members"])
        for name, path in export["member_files"].items():
            # Closed in the finally below, with the others.
            handle = open(path, "rb")  # pylint: disable=consider-using-with
            opened.append(handle)
            members[name] = handle
        written = archive.write_backup(
            params["dest"], members, export["manifest"],
            {"name": params["cluster"], "namespace": params["namespace"], "engine": run.engine.name},
            passphrase=params.get("passphrase"), key=params.get("key"))
        run.files_written = True
    finally:
        for handle in opened:
            handle.close()
        shutil.rmtree(workdir, ignore_errors=True)
    result = dict(changed=True, **_summary(written, export["manifest"]))
    if run.diff_wanted(True):
        result["diff"] = dict(before={"path": params["dest"], "state": "absent" if header is None else "replaced"},
                              after={"path": params["dest"], "mode": "0600", "encrypted": written["encrypted"]})
    return result
