# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The README's "Rights the modules need" row says what docs/rbac grants, no more and no less."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
ROLE = os.path.join(ROOT, "docs", "rbac", "native-namespace-role.yml")
NODES = os.path.join(ROOT, "docs", "rbac", "native-nodes-clusterrole.yml")

# "ConfigMaps (get, list)", "Pods and Events (list)": README kinds, then their verbs.
_KINDS_VERBS = re.compile(r"((?:[A-Z][A-Za-z]+)(?: and [A-Z][A-Za-z]+)*) \(([a-z]+(?:, [a-z]+)*)\)")
_CLUSTER_WIDE = re.compile(r"`([a-z]+)` \(([a-z]+(?:, [a-z]+)*)\), cluster-wide")


def native_rights_cell():
    with open(os.path.join(ROOT, "README.md")) as readme:
        rows = [line for line in readme if line.startswith("| Rights the modules need |")]
    assert len(rows) == 1, "the README has one 'Rights the modules need' row"
    return rows[0].split("|")[2].strip()


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
