# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The README's "Rights the modules need" row says what docs/rbac grants, no more and no less, for
each engine: its column names what that engine's Role grants."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
ROLE = os.path.join(ROOT, "docs", "rbac", "native-namespace-role.yml")
NODES = os.path.join(ROOT, "docs", "rbac", "native-nodes-clusterrole.yml")
K0SMOTRON_ROLE = os.path.join(ROOT, "docs", "rbac", "k0smotron-namespace-role.yml")

# "ConfigMaps (get, list)", "Pods and Events (list)": README kinds, then their verbs.
_KINDS_VERBS = re.compile(r"((?:[A-Z][A-Za-z]+)(?: and [A-Z][A-Za-z]+)*) \(([a-z]+(?:, [a-z]+)*)\)")
_CLUSTER_WIDE = re.compile(r"`([a-z]+)` \(([a-z]+(?:, [a-z]+)*)\), cluster-wide")


def rights_cell(engine):
    """The row's cell in the column of ``engine`` (the engines table's header names the columns)."""
    with open(os.path.join(ROOT, "README.md")) as readme:
        lines = readme.readlines()
    rows = [number for number, line in enumerate(lines) if line.startswith("| Rights the modules need |")]
    assert len(rows) == 1, "the README has one 'Rights the modules need' row"
    header = [line for line in lines[:rows[0]] if line.startswith("| | ")][-1]
    columns = [cell.strip() for cell in header.split("|")]
    assert [c for c in columns if c.startswith("`")] == ["`native` (the default)", "`k0smotron`"]
    return lines[rows[0]].split("|")[columns.index(next(c for c in columns if c.startswith("`%s`" % engine)))].strip()


def native_rights_cell():
    return rights_cell("native")


def readme_rights(cell):
    namespaced, cluster_wide = cell.split(";", 1)
    found = set()
    for kinds, verbs in _KINDS_VERBS.findall(namespaced):
        for kind in kinds.split(" and "):
            found.update((kind.lower(), verb) for verb in verbs.split(", "))
    wide = set()
    for resource, verbs in _CLUSTER_WIDE.findall(cluster_wide):
        wide.update((resource, verb) for verb in verbs.split(", "))
    return found, wide


def granted(path, kind):
    with open(path) as stream:
        documents = [d for d in yaml.safe_load_all(stream) if d]
    assert [d["kind"] for d in documents] == [kind]
    return set((resource, verb) for rule in documents[0]["rules"]
               for resource in rule["resources"] for verb in rule["verbs"])


def test_the_readme_lists_exactly_the_namespace_role():
    namespaced = readme_rights(native_rights_cell())[0]
    role = granted(ROLE, "Role")
    assert role, "the Role grants something"
    assert sorted(namespaced - role) == [], "in the README, not in %s" % ROLE
    assert sorted(role - namespaced) == [], "in %s, not in the README" % ROLE


def test_the_readme_lists_exactly_the_optional_cluster_role():
    cluster_wide = readme_rights(native_rights_cell())[1]
    assert cluster_wide == granted(NODES, "ClusterRole") == set([("nodes", "list")])


def test_the_row_links_both_files():
    cell = native_rights_cell()
    assert "docs/rbac/native-namespace-role.yml" in cell
    assert "docs/rbac/native-nodes-clusterrole.yml" in cell


def test_the_parser_sees_a_difference():
    # A README that drifts (a verb more, a kind less) must not read as the same rights.
    cell = native_rights_cell()
    drifted = cell.replace("Secrets (get, create, patch)", "Secrets (get, list, create, patch)")
    assert drifted != cell
    assert readme_rights(drifted)[0] - granted(ROLE, "Role") == set([("secrets", "list")])
    assert granted(ROLE, "Role") - readme_rights(cell.replace("Pods and Events (list)", "Pods (list)"))[0] == set(
        [("events", "list")])


def test_the_readme_lists_exactly_the_k0smotron_role():
    namespaced, cluster_wide = readme_rights(rights_cell("k0smotron"))
    role = granted(K0SMOTRON_ROLE, "Role")
    assert role, "the Role grants something"
    assert sorted(namespaced - role) == [], "in the README, not in %s" % K0SMOTRON_ROLE
    assert sorted(role - namespaced) == [], "in %s, not in the README" % K0SMOTRON_ROLE
    # Nothing cluster-wide for the modules: cluster-admin is for installing the operator only.
    assert cluster_wide == set()


def test_the_k0smotron_role_names_each_resource_in_its_api_group():
    with open(K0SMOTRON_ROLE) as stream:
        rules = yaml.safe_load(stream)["rules"]
    groups = dict((resource, rule["apiGroups"]) for rule in rules for resource in rule["resources"])
    assert groups == {"clusters": ["k0smotron.io"], "jointokenrequests": ["k0smotron.io"], "secrets": [""],
                      "statefulsets": ["apps"], "pods": [""], "events": [""]}


def test_the_k0smotron_cell_links_its_role_and_keeps_the_operator_install_apart():
    cell = rights_cell("k0smotron")
    assert "docs/rbac/k0smotron-namespace-role.yml" in cell
    assert "native-namespace-role.yml" not in cell
    assert "cluster-admin once, to install the operator" in cell.split(";", 1)[1]


def test_the_parser_sees_a_k0smotron_difference():
    cell = rights_cell("k0smotron")
    drifted = cell.replace("JoinTokenRequests (get, create, delete)", "JoinTokenRequests (get, list, create, delete)")
    assert drifted != cell
    assert readme_rights(drifted)[0] - granted(K0SMOTRON_ROLE, "Role") == set([("jointokenrequests", "list")])
    assert granted(K0SMOTRON_ROLE, "Role") - readme_rights(cell.replace("StatefulSets (get), ", ""))[0] == set(
        [("statefulsets", "get")])
