# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Finding the secret values among a module's options, so that Ansible masks them everywhere.

Ansible masks the options declared ``no_log``. Two kinds of secrets are not: the credentials
inside a kubeconfig given inline as a dictionary (the option itself is not ``no_log``: Ansible
would then mask every leaf, even "v1"), and credentials under free-form options (``spec``,
``k0s_config``) or misspelled ones. kubernetes.core 6.x has no helper for either (it marks the
whole kubeconfig ``no_log``), so they are found here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Keys of a kubeconfig whose values are credentials.
_KUBECONFIG_SECRET_KEYS = frozenset((
    "token", "password", "client-key-data", "client-certificate-data", "id-token", "refresh-token",
    "access-token", "client-secret", "tokenFile"))


# Keys inside free-form dictionaries (spec, k0s_config...) and inside misspelled options whose
# values are credentials, as users copy them from k0smotron's and Kubernetes' documents; names of
# Secrets (dataSourceSecretName, secretRef...) are not secrets.
_SECRET_KEY = re.compile(r"(?i)(password|passwd|secret|token|credential|private.?key|data.?source.?url|dsn)")
_SECRET_NAME = re.compile(r"(?i)(name|ref|refs)$")
# A URL with a password in it (postgres://user:password@host/db).
_URL_WITH_PASSWORD = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@\s]*:[^/@\s]*@")


def nested_secrets(value, found=None, key=None):
    """Credential values anywhere below the options: under a key that names one, or a URL holding a
    password. Found before the options are validated, so that an option Ansible rejects (and
    echoes back in the invocation shown at -vvv) does not show them either."""
    found = set() if found is None else found
    if isinstance(value, dict):
        for sub_key, item in value.items():
            nested_secrets(item, found, sub_key if isinstance(sub_key, str) else None)
    elif isinstance(value, list):
        for item in value:
            nested_secrets(item, found, key)
    elif isinstance(value, str) and value:
        if _URL_WITH_PASSWORD.match(value) or (
                key and _SECRET_KEY.search(key) and not _SECRET_NAME.search(key)):
            found.add(value)
    return found


def kubeconfig_secrets(value, found=None):
    """The credential values inside a kubeconfig given as a dictionary (every user's token, key...)."""
    found = set() if found is None else found
    if isinstance(value, dict):
        for key, item in value.items():
            if key in _KUBECONFIG_SECRET_KEYS and isinstance(item, str) and item:
                found.add(item)
            elif key == "env" and isinstance(item, list):  # exec plugins' environment
                found.update(e.get("value") for e in item if isinstance(e, dict) and e.get("value"))
            else:
                kubeconfig_secrets(item, found)
    elif isinstance(value, list):
        for item in value:
            kubeconfig_secrets(item, found)
    return found
