# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every row of tests/bad_inputs/table.yml: a bad input refused before anything changes, with a message
that names the option and the fix; and docs/bad-inputs.md, made from the table, up to date.

A module's row runs its main() with each engine the row names, against the unit tests' fake management
cluster (and the hosted cluster behind it), and checks that it failed, that nothing was written to either
API and that no file appeared. A role's row runs its argument spec (``meta/argument_specs.yml``, as Ansible
checks it when the role starts) or the role's own check task, templated as Ansible would run it, with the
role's defaults and vars under the row's variables.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os

import pytest
import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template
from ansible.utils.collection_loader import AnsibleCollectionConfig
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

from ansible_collections.k0smotron.fleet.plugins.modules import cluster, cluster_info, join_token, kubeconfig
from ansible_collections.k0smotron.fleet.tests.bad_inputs import render

COLLECTION = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
ROWS = render.load_rows()
MODULES = {"cluster": cluster, "cluster_info": cluster_info, "join_token": join_token, "kubeconfig": kubeconfig}
ROLES = {"control_plane role": "control_plane", "worker role": "worker"}
# What a module's rows run against: a control plane that exists (a token or kubeconfig needs one).
EXISTING = dict(name="shop-1", namespace="default", version="v1.36.3+k0s.2")
WRITES = ("apply", "create", "delete")


def module_cases():
    for row in ROWS:
        if row["where"] in MODULES:
            for engine in row.get("engines") or render.ENGINES:
                yield pytest.param(row, engine, id="%s-%s" % (row["id"], engine))


def role_cases():
    return [pytest.param(row, id=row["id"]) for row in ROWS if row["where"] in ROLES]


def with_tmp(value, tmp):
    return json.loads(json.dumps(value).replace("{tmp}", str(tmp)))


def files_under(path):
    return sorted(os.path.join(top, name) for top, dirs, files in os.walk(path) for name in dirs + files)


def expect_refusal(row, message, tmp=""):
    for part in ("option", "fix"):
        wanted = with_tmp(row[part], tmp)
        assert wanted in message, "%s: the message does not name the %s (%r): %s" % (row["id"], part, wanted, message)


# --- the table itself ---------------------------------------------------------------------------------

def test_the_table_has_what_a_reader_needs():
    assert len(ROWS) >= 60
    ids = [row["id"] for row in ROWS]
    assert len(ids) == len(set(ids)), "ids appear twice: %s" % sorted(set(i for i in ids if ids.count(i) > 1))
    for row in ROWS:
        assert row["where"] in MODULES or row["where"] in ROLES, row["id"]
        assert row.get("option") and row.get("fix") and "input" in row, row["id"]
        assert set(row.get("engines") or render.ENGINES) <= set(render.ENGINES), row["id"]
        assert (row["where"] in ROLES) == (row.get("check") in ("argument_spec", "assert")), row["id"]


def test_the_markdown_view_is_made_from_the_table():
    with open(render.DOC) as stream:
        written = stream.read()
    assert written == render.markdown(ROWS), (
        "docs/bad-inputs.md differs from tests/bad_inputs/table.yml: run python tests/bad_inputs/render.py")


# --- modules ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("row, engine", list(module_cases()))
def test_a_bad_module_input_is_refused_before_anything_changes(run_module, request, tmp_path, row, engine):
    api = request.getfixturevalue("native_api" if engine == "native" else "fake_api")
    module = MODULES[row["where"]]
    if module is not cluster:
        result, failed = run_module(cluster.main, dict(EXISTING, engine=engine))
        assert not failed, result
    for before in row.get("before") or []:
        result, failed = run_module(module.main, dict(with_tmp(before, tmp_path), engine=engine))
        assert not failed, result
    api.calls[:] = []
    api.hosted.calls[:] = []
    files = files_under(tmp_path)
    objects = copy.deepcopy(api.objects)

    args = dict({"engine": engine}, **with_tmp(row["input"], tmp_path))
    result, failed = run_module(module.main, args)

    assert failed, "%s was accepted: %s" % (row["id"], result)
    expect_refusal(row, result["msg"], tmp_path)
    assert result.get("changed") in (None, False)
    writes = [call for call in api.calls + api.hosted.calls if call[0] in WRITES]
    assert writes == [], "%s wrote before it refused: %s" % (row["id"], writes)
    assert api.objects == objects
    assert files_under(tmp_path) == files, "%s left files" % row["id"]


# --- roles --------------------------------------------------------------------------------------------

def _load(role, *path):
    with open(os.path.join(COLLECTION, "roles", role, *path)) as stream:
        return yaml.safe_load(stream)


def _trusted(value):
    """Role files as Ansible reads them: their strings are templates."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return dict((k, _trusted(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_trusted(v) for v in value]
    return value


def _templar(variables):
    if AnsibleCollectionConfig.collection_finder is None:
        # Outside ansible-test, which installs it: the collection's filters are found from here.
        _AnsibleCollectionFinder(paths=[os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION)))])._install()
    return Templar(loader=DataLoader(), variables=variables)


def _host_variables(role, row):
    variables = {}
    variables.update(_trusted(_load(role, "defaults", "main.yml")))
    variables.update(_trusted(_load(role, "vars", "main.yml")))
    if role == "worker":
        variables["worker_cluster"] = "shop-1"  # a host of the inventory joins one
    variables.update(copy.deepcopy(row["input"]))
    variables.update(inventory_hostname="edge-1", ansible_check_mode=False,
                     ansible_facts={"architecture": "x86_64", "nodename": "edge-1", "service_mgr": "systemd"})
    return variables


def run_role_check(role, row):
    """The role's check tasks, in order, as Ansible would run them on one host; the failed assert's message,
    or None. The worker role's read of its control planes (cluster_info) is answered with the row's
    ``control_planes`` (by default the control plane shop-1 at v1.36.3+k0s.2), as the module would answer."""
    variables = _host_variables(role, row)
    variables["ansible_play_batch"] = [variables["inventory_hostname"]]
    variables["hostvars"] = {variables["inventory_hostname"]: variables}
    tasks = _load(role, "tasks", "validate.yml" if role == "worker" else "main.yml")
    for task in tasks:
        task_vars = dict(variables, **_trusted(task.get("vars") or {}))
        templar = _templar(task_vars)
        when = task.get("when")
        if when is not None and not templar.evaluate_conditional(trust_as_template(str(when))):
            continue
        if "k0smotron.fleet.cluster_info" in task:
            control_planes = row.get("control_planes", [dict(EXISTING)])
            variables[task["register"]] = {"results": [{"clusters": control_planes}]}
        elif "ansible.builtin.set_fact" in task:
            for name, value in task["ansible.builtin.set_fact"].items():
                variables[name] = templar.template(_trusted(value))
        elif "ansible.builtin.assert" in task:
            check = task["ansible.builtin.assert"]
            that = check["that"] if isinstance(check["that"], list) else [check["that"]]
            if not all(templar.evaluate_conditional(trust_as_template(condition)) for condition in that):
                return templar.template(_trusted(check["fail_msg"]))
        else:
            # The check tasks come first; the first task that would change something ends them.
            break
    return None


@pytest.mark.parametrize("row", role_cases())
def test_a_bad_role_input_is_refused_before_anything_changes(row):
    role = ROLES[row["where"]]
    if row["check"] == "argument_spec":
        spec = _load(role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
        errors = ArgumentSpecValidator(spec).validate(copy.deepcopy(row["input"])).error_messages
        assert errors, "%s was accepted by the argument spec" % row["id"]
        message = " ".join(errors)
    else:
        message = run_role_check(role, row)
        assert message is not None, "%s passed the role's checks" % row["id"]
    expect_refusal(row, message)


@pytest.mark.parametrize("role, good", [
    ("control_plane", {"control_plane_clusters": [{"name": "shop-1", "version": "v1.36.3+k0s.2"}]}),
    ("worker", {}),
    ("worker", {"worker_taints": ["dedicated=edge:NoSchedule", "gpu:NoExecute"], "worker_token_expiry": "1h30m"}),
    ("worker", {"worker_join": False, "worker_cluster": "", "worker_k0s_version": "v1.36.3+k0s.2"}),
])
def test_good_role_input_passes_the_same_checks(role, good):
    assert run_role_check(role, {"id": "good", "input": good}) is None


@pytest.mark.parametrize("module, args", [
    (join_token, {"cluster": "shop-1", "dest": "{tmp}/later/edge-1.token"}),
    (kubeconfig, {"cluster": "shop-1", "dest": "{tmp}/later/shop-1.kubeconfig"}),
])
def test_in_check_mode_a_dest_folder_an_earlier_task_would_make_is_not_refused(
        run_module, native_api, tmp_path, module, args):
    result, failed = run_module(cluster.main, dict(EXISTING))
    assert not failed, result
    result, failed = run_module(module.main, dict(with_tmp(args, tmp_path), _ansible_check_mode=True))
    assert not failed, result
    assert not os.path.exists(str(tmp_path / "later"))
