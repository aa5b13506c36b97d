# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``join_token`` module's flow: options checked, the token file read, the engine asked for a
token that serves (or to revoke), the file written 0600 or removed, the result shaped.

With ``tokens`` the same is done for each entry in one run, as if each were given alone, with one
engine (so one connection, and one admin certificate per control plane, for all of them).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.k0smotron.fleet.plugins.module_utils._engine import TokenRequest
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._options import (
    default_token_name,
    validate_dns_label,
    validate_dns_subdomain,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._secret_files import (
    check_dest,
    read_secret_file,
    remove_file,
    secret_file_state,
    write_secret_file,
)
from ansible_collections.k0smotron.fleet.plugins.module_utils._time import parse_go_duration

# Seconds before its end a token is replaced, when renew_before is not given (and expiry is an hour or more).
DEFAULT_RENEW_BEFORE = 15 * 60


def token_request(params, engine, name, dest, check_mode=False):
    """The request for one token, every option checked: ``name`` and ``dest`` are the entry's."""
    validate_dns_label("cluster", params["cluster"])
    validate_dns_label("namespace", params["namespace"])
    if params["role"] not in engine.token_roles:
        raise FleetError("role=%s is not offered by the %s engine: hosted control planes get their controllers "
                         "from the cluster module (replicas)." % (params["role"], engine.name),
                         hint="Use role: %s." % " or ".join(engine.token_roles))
    name = name or default_token_name(params["cluster"], params["role"], dest)
    validate_dns_subdomain("name", name)
    if len(name) > 63:
        raise FleetError("name '%s' is longer than 63 characters (it is a label value)." % name,
                         hint="Give a shorter name, such as the host's inventory name.")
    expiry = parse_go_duration("expiry", params["expiry"])
    if params["renew_before"] is None:
        renew_before = min(DEFAULT_RENEW_BEFORE, expiry / 4)
    else:
        renew_before = parse_go_duration("renew_before", params["renew_before"], allow_zero=True)
    if params["state"] == "present":
        if not dest:  # not required_if: with tokens, each entry has its own dest
            raise FleetError("dest is required with state=present.",
                             hint="Give a path for the token file in a folder only its owner can read, for example "
                                  "~/.cache/k0smotron-fleet/tokens/HOST.token.")
        if renew_before >= expiry:
            raise FleetError(
                "renew_before (%s) must be shorter than expiry (%s), or every run would mint a new token."
                % (params["renew_before"], params["expiry"]), hint="Lower renew_before or raise expiry.")
    if dest:
        # Before the token is minted or revoked: a file that could not be written would leave a token behind.
        # In check mode the directory may be one that an earlier task, skipped in check mode, would make.
        check_dest("dest", dest, writing=params["state"] == "present" and not check_mode)
    return TokenRequest(cluster=params["cluster"], namespace=params["namespace"], name=name, role=params["role"],
                        expiry=expiry, expiry_text=params["expiry"], renew_before=renew_before,
                        force=params["force"], dest=dest)


def batch_requests(params, engine, check_mode=False):
    """One request per ``tokens`` entry, all checked (each with what it needs, none twice) before any runs."""
    requests, seen = [], set()
    for number, entry in enumerate(params["tokens"], 1):
        missing = [key for key in ("name", "dest") if not entry.get(key)]
        if missing and not (params["state"] == "absent" and missing == ["dest"]):
            raise FleetError("tokens entry %d has no %s." % (number, " or ".join(missing)),
                             hint="Give each entry a name (the host's, for example) and a dest file.")
        for key in ("name", "dest"):
            if entry.get(key) and (key, entry[key]) in seen:
                raise FleetError("tokens entries share %s '%s'." % (key, entry[key]),
                                 hint="Give each host its own name and its own file.")
            seen.add((key, entry.get(key)))
        requests.append(token_request(params, engine, entry["name"], entry.get("dest"), check_mode))
    return requests


def _read_token(run, dest):
    text = read_secret_file(dest) if dest else None
    if text:
        run.module.protect(text)
    return text


def present(run, request):
    outcome = run.engine.ensure_token(request, _read_token(run, request.dest))
    result = dict(name=request.name, namespace=request.namespace, role=request.role, path=request.dest,
                  minted=outcome["minted"], changed=outcome["minted"], waited=round(outcome.get("waited") or 0.0, 1))
    for key in ("token_id", "expires_at", "replaced_because"):
        if outcome.get(key):
            result[key] = outcome[key]
    content = outcome.get("token")
    if content is not None:
        _exists, same, mode_ok = secret_file_state(request.dest, content)
        if not (same and mode_ok):
            result["changed"] = True
            if not run.module.check_mode:
                write_secret_file(request.dest, content)
                run.files_written = True
        if outcome["minted"] and not run.module.check_mode:
            run.engine.retire_replaced_tokens(request, outcome)
    if run.diff_wanted(result["changed"]):
        identity = outcome["identity"]
        result["diff"] = dict(
            before=dict(identity, path=request.dest) if outcome.get("existed", True) else {},
            after=dict(identity, path=request.dest, token="(new)" if result["minted"] else "(unchanged)"))
    return result


def absent(run, request):
    outcome = run.engine.revoke_token(request, _read_token(run, request.dest))
    result = dict(name=request.name, namespace=request.namespace, role=request.role, minted=False,
                  changed=outcome["changed"], waited=round(outcome.get("waited") or 0.0, 1))
    if "revoked" in outcome:
        result["revoked"] = outcome["revoked"]
    if request.dest:
        result["path"] = request.dest
        if os.path.lexists(request.dest):
            result["changed"] = True
            if not run.module.check_mode:
                remove_file(request.dest)
                run.files_written = True
    if run.diff_wanted(result["changed"]):
        result["diff"] = dict(before=outcome["diff_before"], after={})
    return result


def run(run):
    params = run.params
    one = present if params["state"] == "present" else absent
    if not params["tokens"]:
        return one(run, token_request(params, run.engine, params["name"], params["dest"], run.module.check_mode))
    results = [one(run, request) for request in batch_requests(params, run.engine, run.module.check_mode)]
    combined = dict(changed=any(r["changed"] for r in results),
                    waited=round(sum(r.get("waited") or 0 for r in results), 1))
    diffs = [r.pop("diff") for r in results if "diff" in r]
    combined["tokens"] = results
    if run.module.diff_mode and combined["changed"]:
        combined["diff"] = dict(before=[d["before"] for d in diffs], after=[d["after"] for d in diffs])
    return combined
