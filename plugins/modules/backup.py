#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: backup
short_description: Back up a hosted control plane into one file, optionally encrypted
version_added: 0.1.0
description:
  - Writes one file at O(dest), mode C(0600), that holds what a native control plane needs to come back with
    its workers still joined - its key material (cluster CA, front-proxy CA, service-account key pair), its
    recorded settings, and its datastore's rows with their revisions kept - and a manifest (format version,
    time, object counts, checksums).
  - The datastore is read as the control plane's own database user (the URL in its datastore Secret), in one
    snapshot transaction while its API keeps serving. A control plane whose datastore is SQLite inside its pod
    cannot be read this way yet; O(datastore=skip) backs up its key material and settings alone.
  - With O(passphrase) or O(key) everything after the file's clear header is encrypted (AES-256-GCM; the key is
    derived from a passphrase with scrypt). The clear header names the control plane and the format and holds
    nothing secret.
  - Nothing secret appears in the result, the diff or the logs. The file holds the control plane's keys; keep it
    where only its owners can read it, and encrypted unless that place is.
  - A backup of the same control plane already at O(dest) is kept (no change) unless O(force); anything else at
    O(dest) is refused. So a playbook that backs up into a dated path takes one backup per date.
  - Only O(engine=native) control planes can be backed up.
  - See C(docs/design/backup-restore.md) for what a backup holds and why.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - k0smotron.fleet.connection
  - k0smotron.fleet.engine
  - k0smotron.fleet.attributes
  - k0smotron.fleet.attributes.MUTATING
attributes:
  check_mode:
    details:
      - Reads the control plane and its key material, writes nothing and does not read the datastore.
  diff_mode:
    details:
      - The diff shows the path and whether the file is encrypted, never its contents.
options:
  cluster:
    description:
      - Name of the control plane.
    type: str
    required: true
  namespace:
    description:
      - Namespace of the control plane in the management cluster.
    type: str
    default: default
  dest:
    description:
      - The backup file to write, on the host the module runs on. The directory must exist; a private
        working folder is made in it while the backup is taken and removed after.
    type: path
    required: true
  datastore:
    description:
      - V(include) backs up the datastore's rows too (PostgreSQL or MySQL datastores).
      - V(skip) backs up the key material and settings alone, for example where the datastore is backed up by
        other means or is SQLite inside the pod.
    type: str
    choices: [include, skip]
    default: include
  passphrase:
    description:
      - Encrypt the file with a key derived from this passphrase (scrypt). Give it from a vault.
      - Mutually exclusive with O(key).
    type: str
  key:
    description:
      - Encrypt the file with this key, 32 random bytes in base64 (for example from C(openssl rand -base64 32)).
      - Mutually exclusive with O(passphrase).
    type: str
  force:
    description:
      - Take a new backup even when O(dest) holds one of this control plane, and replace whatever is at O(dest).
    type: bool
    default: false
seealso:
  - module: k0smotron.fleet.cluster
"""

EXAMPLES = r"""
- name: Back up a shop's control plane, encrypted, once a day
  k0smotron.fleet.backup:
    cluster: shop-0042
    namespace: edge
    dest: "/srv/backups/shop-0042-{{ now(utc=true).strftime('%Y-%m-%d') }}.k0sbackup"
    passphrase: "{{ vault_backup_passphrase }}"
  delegate_to: localhost

- name: Only the identity and settings of a control plane on SQLite
  k0smotron.fleet.backup:
    cluster: lab-1
    dest: /srv/backups/lab-1-identity.k0sbackup
    datastore: skip
    key: "{{ vault_backup_key }}"
"""

RETURN = r"""
path:
  description: The backup file.
  returned: always
  type: str
  sample: /srv/backups/shop-0042-2026-12-04.k0sbackup
size:
  description: Its size in bytes.
  returned: when a backup was taken
  type: int
  sample: 48213
sha256:
  description: The SHA-256 of the whole file, to check a copy of it.
  returned: when a backup was taken
  type: str
  sample: 6f1ed002ab5595859014ebf0951522d9a4a0e2e4e5e0b8e1d8a4d0c5f2d4a1b7
encrypted:
  description: Whether the file is encrypted.
  returned: when a backup was taken or one was kept
  type: bool
  sample: true
format_version:
  description: The format of the file.
  returned: when a backup was taken or one was kept
  type: int
  sample: 1
created:
  description: When the kept backup was taken (UTC), when O(dest) already held one.
  returned: when a backup was kept
  type: str
  sample: "2026-12-04T03:00:00Z"
members:
  description: What the file holds, each with its size in bytes (never the contents).
  returned: when a backup was taken
  type: dict
  sample: {"settings.json": {"size": 812}, "pki-ca.json": {"size": 2950}, "kine-rows.sqlite": {"size": 40960}}
datastore:
  description:
    - What was read of the datastore - V(included), and when it was, the V(driver), V(rows), V(revision)
      (the last revision), V(keys) (live keys) and V(objects) (live objects per resource).
  returned: when a backup was taken
  type: dict
  sample: {"included": true, "driver": "postgres", "rows": 1532, "revision": 1611, "keys": 402,
           "objects": {"pods": 12, "deployments": 3}}
version:
  description: The k0s version the control plane runs, as its settings record it.
  returned: when a backup was taken
  type: str
  sample: v1.36.3+k0s.2
"""

from ansible_collections.k0smotron.fleet.plugins.module_utils._runner import run_module

ARGUMENT_SPEC = dict(
    cluster=dict(type="str", required=True),
    namespace=dict(type="str", default="default"),
    dest=dict(type="path", required=True),
    datastore=dict(type="str", choices=["include", "skip"], default="include"),
    passphrase=dict(type="str", no_log=True),
    key=dict(type="str", no_log=True),
    force=dict(type="bool", default=False),
)


def main():
    run_module("backup", ARGUMENT_SPEC, mutually_exclusive=[("passphrase", "key")])


if __name__ == "__main__":
    main()
