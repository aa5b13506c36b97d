# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""``FleetModule``: an ``AnsibleModule`` with the collection's shared options, composed, not extended.

It adds the connection options (kubernetes.core's), ``engine`` (and the wait options with
``wait=True``) to a module's own, finds every secret among the options before Ansible logs or
echoes anything, and is the one place a module exits through.

Secrets that Ansible does not know of (the credentials inside an inline kubeconfig, a database
URL under a misspelled or free-form option) must be masked before Ansible first shows the
options: in the invocation it logs when the module starts, and in the failure it returns for an
option it rejects. ``AnsibleModule`` offers no hook between reading its options and using them,
so the options are read first with ``ansible.module_utils.basic._load_params`` (the function
ansible-core provides for modules that look at their options before the module is made), checked
with the public ``ArgumentSpecValidator``, and only then handed to ``AnsibleModule``, with its own
invocation log off until the masks are in.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.k0smotron.fleet.plugins.module_utils._client import ManagementClient
from ansible_collections.k0smotron.fleet.plugins.module_utils._connection import (
    HAS_KUBERNETES,
    KUBERNETES_IMPORT_ERROR,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._masking import kubeconfig_secrets, nested_secrets
from ansible_collections.k0smotron.fleet.plugins.module_utils._options import (
    CONNECTION_ARG_SPEC,
    ENGINE_ARG_SPEC,
    WAIT_ARG_SPEC,
)

# Keyword arguments of AnsibleModule that constrain the options, and so the early validation.
_CONSTRAINTS = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")


def module_spec(argument_spec, wait=False):
    """A module's own options with the shared ones: connection, engine, and wait when it waits."""
    spec = dict(CONNECTION_ARG_SPEC)
    spec.update(ENGINE_ARG_SPEC)
    if wait:
        spec.update(WAIT_ARG_SPEC)
    spec.update(argument_spec)
    return spec


def secrets_in_options(raw, spec):
    """Every secret value among the raw options that Ansible's ``no_log`` does not cover."""
    known = set(spec)
    for option in spec.values():
        known.update(option.get("aliases") or [])
    found = set()
    for name, value in raw.items():
        if not isinstance(name, str) or name.startswith("_ansible_"):
            continue
        # A declared option's own name says nothing (no_log options are masked by Ansible).
        found.update(nested_secrets(value, key=None if name in known else name))
    found.update(kubeconfig_secrets(raw.get("kubeconfig")))
    return found


class FleetModule:
    """The running module: its options, and the only way out (``exit`` and ``fail``)."""

    def __init__(self, argument_spec, wait=False, **kwargs):
        spec = module_spec(argument_spec, wait)
        kwargs.setdefault("supports_check_mode", True)
        raw = basic._load_params()
        # None: no options were handed over, as when ansible-test reads the argument spec.
        secrets = secrets_in_options(raw, spec) if raw is not None else set()
        if raw is not None:
            self._refuse_invalid_options(spec, raw, secrets, kwargs)
        # no_log=True keeps AnsibleModule from logging its invocation before the masks are in.
        self.ansible = AnsibleModule(argument_spec=spec, no_log=True, **kwargs)
        self.ansible.no_log_values.update(secrets)
        self.ansible.no_log = False
        self.ansible.log("Invoked with %s" % json.dumps(
            remove_values(self.ansible.params, self.ansible.no_log_values), sort_keys=True, default=str))
        self._client = None
        if not HAS_KUBERNETES:
            self.ansible.fail_json(msg=missing_required_lib("kubernetes"), exception=str(KUBERNETES_IMPORT_ERROR))

    @staticmethod
    def _refuse_invalid_options(spec, raw, secrets, kwargs):
        options = dict((k, v) for k, v in raw.items() if not k.startswith("_ansible_"))
        validator = ArgumentSpecValidator(spec, **dict((k, kwargs.get(k)) for k in _CONSTRAINTS))
        errors = validator.validate(options).errors
        if not errors.errors:
            return
        # Ansible's own message, from a module that accepts any option, so that its failure
        # (which echoes the options) goes out with the secrets masked.
        bare = AnsibleModule(argument_spec=dict((k, dict(type="raw")) for k in options), no_log=True,
                             supports_check_mode=True)
        bare.no_log_values.update(secrets)
        message = errors.msg
        if any(isinstance(error, UnsupportedError) for error in errors):
            message = "Unsupported parameters for module: %s" % message
        bare.fail_json(msg=message)

    # What the runner and the engines read --------------------------------------------------------

    @property
    def params(self):
        return self.ansible.params

    @property
    def argument_spec(self):
        """Every option of the module, the shared ones included."""
        return self.ansible.argument_spec

    @property
    def check_mode(self):
        return self.ansible.check_mode

    @property
    def diff_mode(self):
        # AnsibleModule has no public name for it; kubernetes.core reads the same attribute.
        return self.ansible._diff

    @property
    def client(self):
        """The management-cluster client, made on first use; the API server's warnings become the task's."""
        if self._client is None:
            self._client = ManagementClient.from_params(self.params)
            self._client.warn = self.warn
        return self._client

    def protect(self, value):
        """Mask ``value`` in anything this module returns or logs."""
        if value:
            self.ansible.no_log_values.add(value)

    def warn(self, text):
        self.ansible.warn(text)

    def log(self, text):
        self.ansible.log(text)

    # The way out ---------------------------------------------------------------------------------

    def exit(self, result):
        self.ansible.exit_json(**result)

    def fail(self, error, changed=False):
        """End the task with a ``FleetError``: its message, hint and details, and whether anything
        was changed before it (a re-run is then not a first run)."""
        failure = error.to_result()
        failure["changed"] = changed
        self.ansible.fail_json(**failure)
