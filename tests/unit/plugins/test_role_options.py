# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The roles against what they promise: the control_plane role takes every option of the cluster
module from its one list, and each role documents exactly the variables it defaults."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import os

import pytest
import yaml

from ansible_collections.k0smotron.fleet.plugins.modules import cluster as cluster_module
from ansible_collections.k0smotron.fleet.plugins.modules.cluster import ARGUMENT_SPEC

COLLECTION = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
ROLES = os.path.join(COLLECTION, "roles")

# What the role sets itself, never from an entry: engine and connection (module_defaults), waiting.
ROLE_SETS = {"engine", "kubeconfig", "wait", "wait_timeout", "clusters", "parallel"}
# Options the shared base adds that the cluster module takes but never uses (it does not reach the
# hosted API): an entry may not give them.
UNUSED_BASE_OPTIONS = {"hosted_api_url"}


def load(*path):
    with open(os.path.join(ROLES, *path)) as stream:
        return yaml.safe_load(stream)


def role_options():
    return load("control_plane", "vars", "main.yml")["control_plane_options"]


def documented_options(module):
    """The options a module's documentation names: its own and those of this collection's doc fragments
    (another collection's, such as kubernetes.core's connection options, document none of the role's)."""
    documentation = yaml.safe_load(module.DOCUMENTATION)
    options = set(documentation.get("options") or {})
    for fragment in documentation.get("extends_documentation_fragment") or []:
        parts = fragment.split(".")
        if parts[:2] != ["k0smotron", "fleet"]:
            continue
        source = importlib.import_module("ansible_collections.k0smotron.fleet.plugins.doc_fragments." + parts[2])
        text = getattr(source.ModuleDocFragment, parts[3] if len(parts) > 3 else "DOCUMENTATION")
        options.update((yaml.safe_load(text) or {}).get("options") or {})
    return options


def test_the_control_plane_role_takes_every_option_of_the_cluster_module():
    options = set(role_options())
    expected = set(ARGUMENT_SPEC) - ROLE_SETS - UNUSED_BASE_OPTIONS
    missing, extra = sorted(expected - options), sorted(options - expected)
    assert not missing and not extra, (
        "roles/control_plane/vars/main.yml control_plane_options and the options of k0smotron.fleet.cluster "
        "(ARGUMENT_SPEC) differ: missing %s; not options of the module %s"
        % (", ".join(missing) or "none", ", ".join(extra) or "none"))


def test_each_option_once():
    options = role_options()
    twice = sorted(set(option for option in options if options.count(option) > 1))
    assert not twice, "control_plane_options names %s more than once" % ", ".join(twice)


def test_every_option_of_the_list_is_one_the_module_documents():
    undocumented = sorted(set(role_options()) - documented_options(cluster_module))
    assert not undocumented, "control_plane_options has %s, which k0smotron.fleet.cluster does not document" % (
        ", ".join(undocumented))


def test_what_the_role_sets_itself_an_entry_cannot():
    assert not ROLE_SETS & set(role_options())


def test_the_cluster_task_names_no_option_of_its_own_but_the_batch_and_waiting():
    tasks = load("control_plane", "tasks", "main.yml")
    declare = [task for task in tasks if "k0smotron.fleet.cluster" in task]
    assert len(declare) == 1, "the role runs k0smotron.fleet.cluster in one task, for every control plane"
    task = declare[0]
    own = {"clusters", "parallel", "wait", "wait_timeout"}
    assert set(task["k0smotron.fleet.cluster"]) == own, (
        "the cluster task lists options itself (%s): they come from control_plane_options"
        % ", ".join(sorted(set(task["k0smotron.fleet.cluster"]) - own)))
    assert "control_plane_entries" in task["k0smotron.fleet.cluster"]["clusters"]
    assert "control_plane_management" in task["module_defaults"]["k0smotron.fleet.cluster"]
    entries = load("control_plane", "vars", "main.yml")["control_plane_entries"]
    assert "options=control_plane_options" in entries and "cluster_entries" in entries


@pytest.mark.parametrize("role", ["control_plane", "worker"])
def test_every_default_is_documented_and_every_documented_variable_has_its_default(role):
    defaults = set(load(role, "defaults", "main.yml"))
    specs = load(role, "meta", "argument_specs.yml")["argument_specs"]
    for entry_point, spec in specs.items():
        documented = set(spec.get("options") or {})
        assert documented == defaults, "%s role, entry point %s: defaults without argument spec %s; argument spec " \
            "without default %s" % (role, entry_point, sorted(defaults - documented), sorted(documented - defaults))


@pytest.mark.parametrize("role", ["control_plane", "worker"])
def test_the_roles_own_variables_are_prefixed_and_no_setting_is_shadowed(role):
    own = set(load(role, "vars", "main.yml"))
    unprefixed = sorted(name for name in own if not name.startswith(role + "_"))
    assert not unprefixed, "%s role vars without the role's prefix: %s" % (role, ", ".join(unprefixed))
    # vars/main.yml outranks the inventory: a setting there could not be changed by a user.
    shadowed = sorted(own & set(load(role, "defaults", "main.yml")))
    assert not shadowed, "%s role: %s both a setting (defaults) and a role variable (vars)" % (role, ", ".join(shadowed))
