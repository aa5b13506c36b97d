# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The base every module of the collection is built on.

The contract for module authors:

* declare only the module's own options; ``FleetModule`` adds the connection options, the
  ``engine`` option (and the wait options when ``wait=True``), and their documentation comes
  from the doc fragments;
* keep the module thin: parse, hand the work to ``module.engine.<module name>(module)``, return.
  Each engine (``engine_native``, ``engine_k0smotron``) has one function per module;
* validate every option before the first API call, raising ``FleetError``;
* do the work in one function passed to ``run``: any ``FleetError`` it raises ends the task
  with the error's message, hint and details; nothing else is caught, so bugs stay visible;
* never put a token, a kubeconfig or a data-source URL in the result; register any secret
  value the module handles with ``protect`` so that Ansible masks it wherever it appears.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.k0smotron.fleet.plugins.module_utils import engine_k0smotron, engine_native
from ansible_collections.k0smotron.fleet.plugins.module_utils.args import (
    CONNECTION_ARG_SPEC,
    ENGINE_ARG_SPEC,
    WAIT_ARG_SPEC,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils.client import (
    HAS_KUBERNETES,
    KUBERNETES_IMPORT_ERROR,
    ManagementClient,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils.waiter import Waiter


ENGINES = {"native": engine_native, "k0smotron": engine_k0smotron}
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


class FleetModule(AnsibleModule):
    """An ``AnsibleModule`` that talks to the management cluster."""

    def __init__(self, argument_spec, wait=False, **kwargs):
        spec = dict(CONNECTION_ARG_SPEC)
        spec.update(ENGINE_ARG_SPEC)
        if wait:
            spec.update(WAIT_ARG_SPEC)
        spec.update(argument_spec)
        kwargs.setdefault("supports_check_mode", True)
        super(FleetModule, self).__init__(argument_spec=spec, **kwargs)
        self._client = None
        # Set once the module has changed something, so that a later failure still reports changed.
        self.made_changes = False
        if not HAS_KUBERNETES:
            self.fail_json(msg=missing_required_lib("kubernetes"), exception=str(KUBERNETES_IMPORT_ERROR))

    def _load_params(self):
        # Runs inside AnsibleModule.__init__ before the options are validated: a secret under an
        # option or sub-option Ansible does not know (storage: {kine: {dataSourceURL: ...}} written
        # the API's way) is masked too, although the failed task shows the options it was given.
        super(FleetModule, self)._load_params()
        known = set(self.argument_spec)
        for spec in self.argument_spec.values():
            known.update(spec.get("aliases") or [])
        for name, value in self.params.items():
            if not isinstance(name, str) or name.startswith("_ansible_"):
                continue
            # A declared option's own name says nothing (no_log options are masked by Ansible).
            self.no_log_values.update(nested_secrets(value, key=None if name in known else name))

    def _log_invocation(self):
        # Runs inside AnsibleModule.__init__, before anything is logged: an inline kubeconfig's
        # credentials are masked from here on, in the log and in every result.
        self.no_log_values.update(kubeconfig_secrets(self.params.get("kubeconfig")))
        super(FleetModule, self)._log_invocation()

    @property
    def client(self):
        """The management-cluster client, made on first use; the API server's warnings become the task's."""
        if self._client is None:
            self._client = ManagementClient.from_params(self.params)
            self._client.warn = self.warn
        return self._client

    @property
    def engine(self):
        """The engine module that does the work: one function per module, same names in each."""
        return ENGINES[self.params["engine"]]

    def protect(self, value):
        """Mask ``value`` in anything this module returns or logs."""
        if value:
            self.no_log_values.add(value)

    def waiter(self, timeout=None, sleep=None):
        return Waiter(
            timeout=self.params["wait_timeout"] if timeout is None else timeout,
            sleep=self.params["wait_sleep"] if sleep is None else sleep,
            progress=self.log,
        )

    def for_each(self, option, work):
        """Run ``work(self)`` once per entry of the list option ``option``, each entry's keys over the
        other options, as if each were given alone; one result with every entry's in ``option``.

        Entries are checked (each with the keys the module needs, none twice) before any is run.
        """
        entries = self.params[option]
        seen = set()
        for number, entry in enumerate(entries, 1):
            missing = [key for key in ("name", "dest") if not entry.get(key)]
            if missing and not (self.params.get("state") == "absent" and missing == ["dest"]):
                raise FleetError("%s entry %d has no %s." % (option, number, " or ".join(missing)),
                                 hint="Give each entry a name (the host's, for example) and a dest file.")
            for key in ("name", "dest"):
                if entry.get(key) and (key, entry[key]) in seen:
                    raise FleetError("%s entries share %s '%s'." % (option, key, entry[key]),
                                     hint="Give each host its own name and its own file.")
                seen.add((key, entry.get(key)))
        base = dict(self.params)
        results = []
        diff = dict(before=[], after=[])
        try:
            for entry in entries:
                self.params = dict(base, **dict((k, v) for k, v in entry.items() if v is not None))
                self.params[option] = None
                result = work(self)
                if "diff" in result:
                    diff["before"].append(result["diff"]["before"])
                    diff["after"].append(result["diff"]["after"])
                results.append(dict((k, v) for k, v in result.items() if k != "diff"))
        finally:
            self.params = base
        combined = dict(changed=any(r.get("changed") for r in results), waited=round(sum(
            r.get("waited") or 0 for r in results), 1))
        combined[option] = results
        if self._diff and combined["changed"]:
            combined["diff"] = diff
        return combined

    def run(self, work):
        """Run ``work()`` and exit with the result it returns, or with the FleetError it raises."""
        try:
            result = work()
        except FleetError as exc:
            failure = exc.to_result()
            # What was created or changed before the failure must show: a re-run is not a first run.
            failure["changed"] = self.made_changes
            self.fail_json(**failure)
        self.exit_json(**result)
