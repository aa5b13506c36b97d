# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``kubeconfig`` module's flow: the engine's admin kubeconfig, its server rewritten if asked,
written to ``dest`` with mode 0600 only when it differs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._engine import KubeconfigRequest
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._k0s import dump_kubeconfig, load_kubeconfig, point_at
from ansible_collections.k0smotron.fleet.plugins.module_utils._options import validate_dns_label, validate_https_url
from ansible_collections.k0smotron.fleet.plugins.module_utils._secret_files import (
    check_dest,
    secret_file_state,
    write_secret_file,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._time import parse_go_duration


def check_options(params, check_mode=False):
    validate_dns_label("cluster", params["cluster"])
    validate_dns_label("namespace", params["namespace"])
    if params.get("server"):
        validate_https_url("server", params["server"])
    # Before the admin Secret is written; in check mode the directory may be one an earlier task would make.
    check_dest("dest", params["dest"], writing=not check_mode)
    validity = parse_go_duration("validity", params["validity"], lives="an admin certificate")
    renew_before = parse_go_duration("renew_before", params["renew_before"], allow_zero=True)
    if renew_before >= validity:
        raise FleetError("renew_before (%s) must be shorter than validity (%s)." % (
            params["renew_before"], params["validity"]), hint="Lower renew_before or raise validity.")
    return KubeconfigRequest(cluster=params["cluster"], namespace=params["namespace"], validity=validity,
                             renew_before=renew_before, wait=params["wait"])


def with_server(text, server, protect):
    """The kubeconfig ``text`` (bytes) with every cluster's server set to ``server``, and that server."""
    config = load_kubeconfig(text)
    if not server:
        return text, config["clusters"][0].get("cluster", {}).get("server"), config.get("current-context")
    content = dump_kubeconfig(point_at(config, server))
    protect(content.decode("utf-8"))
    return content, server, config.get("current-context")


def run(run):
    params = run.params
    request = check_options(params, run.module.check_mode)
    kubeconfig = run.engine.admin_kubeconfig(request)
    dest = params["dest"]
    if kubeconfig["text"] is None:
        # Check mode before the control plane exists: the file would be written once it does.
        return dict(changed=True, path=dest, server=None, context=None, secret=kubeconfig["secret"])
    content, server, context = with_server(kubeconfig["text"], params["server"], run.module.protect)
    exists, same, mode_ok = secret_file_state(dest, content)
    file_changed = not (same and mode_ok)
    if file_changed and not run.module.check_mode:
        write_secret_file(dest, content)
        run.files_written = True
    renewed = bool(run.context.changes.changes)
    result = dict(changed=renewed or file_changed, path=dest, server=server, context=context,
                  secret=kubeconfig["secret"])
    result.update(dict((k, v) for k, v in kubeconfig.items() if k not in ("text", "server", "context", "secret")))
    if run.diff_wanted(result["changed"]):
        after = {"path": dest, "server": server, "mode": "0600"}
        if "renewed" in kubeconfig:
            after["certificate"] = "renewed" if kubeconfig["renewed"] else "unchanged"
        result["diff"] = dict(
            before={"path": dest, "state": "matches" if same else ("differs" if exists else "absent")}, after=after)
    return result
