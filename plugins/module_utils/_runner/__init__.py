# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The shared runner: what a module does that no engine owns.

``run_module(NAME, ARGUMENT_SPEC)`` is the one call a module makes. It builds the module
(``_module.FleetModule``: shared options, masking), checks the options, chooses the engine,
hands it plain values (``_engine``), writes the token and kubeconfig files, and shapes the
result: ``changed``, ``diff``, check mode and the failure's ``changed`` come from here. One flow
per module: ``_cluster``, ``_info``, ``_kubeconfig``, ``_tokens``, ``_backup``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._engine import EngineContext
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._module import FleetModule
from ansible_collections.k0smotron.fleet.plugins.module_utils._options import check_common_options
from ansible_collections.k0smotron.fleet.plugins.module_utils._runner import _backup, _cluster, _info, _kubeconfig, _tokens
from ansible_collections.k0smotron.fleet.plugins.module_utils._runner._engines import ENGINES
FLOWS = {
    "cluster": _cluster.run,
    "cluster_info": _info.run,
    "kubeconfig": _kubeconfig.run,
    "join_token": _tokens.run,
    "backup": _backup.run,
}


class Run:
    """One module run: the module, its engine and the record of the files it wrote."""

    def __init__(self, module, engine):
        self.module = module
        self.engine = engine
        self.files_written = False

    @property
    def params(self):
        return self.module.params

    @property
    def context(self):
        return self.engine.context

    def diff_wanted(self, changed):
        return self.module.diff_mode and changed


def _given(params, name, default):
    return default if params.get(name) is None else params[name]


def new_context(module):
    params = module.params
    return EngineContext(
        lambda: module.client, check_mode=module.check_mode, protect=module.protect, warn=module.warn,
        progress=module.log, wait_timeout=_given(params, "wait_timeout", 600), wait_sleep=_given(params, "wait_sleep", 5),
        hosted_api_url=params.get("hosted_api_url"), request_timeout=params.get("request_timeout") or 30,
        force_conflicts=bool(params.get("force_conflicts")))


def run_module(name, argument_spec, wait=False, **kwargs):
    """Run module ``name`` (``cluster``, ``cluster_info``, ``kubeconfig``, ``join_token``, ``backup``) to its exit."""
    module = FleetModule(argument_spec, wait=wait, **kwargs)
    run = Run(module, ENGINES[module.params["engine"]](new_context(module)))
    try:
        check_common_options(module.params)
        result = FLOWS[name](run)
    except FleetError as exc:
        module.fail(exc, changed=run.context.changes.written or run.files_written)
    module.exit(result)
