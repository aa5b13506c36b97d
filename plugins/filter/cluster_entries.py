# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The control_plane role's filters: its list of control planes checked (cluster_entry_problems), as
k0smotron.fleet.cluster's ``clusters`` (cluster_entries), and what the module made of them for the
worker role (planned_control_planes). Each is one pass over the list, so that a fleet of hundreds of
control planes costs one templating per task, not one per control plane."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.dict_transformations import dict_merge


def cluster_entries(clusters, defaults=None, options=None, namespace="default", state="present"):
    """Each cluster over ``defaults`` (recursively, the cluster's value winning), over the role's
    ``namespace`` and ``state``, keeping only the keys in ``options`` (the module's options)."""
    if defaults is not None and not isinstance(defaults, Mapping):
        raise AnsibleFilterError("cluster_entries: defaults must be a dictionary, got %s" % type(defaults).__name__)
    entries = []
    for number, cluster in enumerate(clusters or [], 1):
        if not isinstance(cluster, Mapping):
            raise AnsibleFilterError("cluster_entries: entry %d is not a dictionary, got %s"
                                     % (number, type(cluster).__name__))
        merged = dict_merge(dict(defaults or {}), dict(cluster))
        entry = {"namespace": namespace, "state": state}
        entry.update((key, value) for key, value in merged.items() if options is None or key in options)
        entries.append(entry)
    return entries


DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def cluster_entry_problems(clusters, defaults=None, options=None, state="present"):
    """One message per control plane the role cannot pass on, naming the entry and the fix."""
    problems = []
    unknown_defaults = sorted(set(defaults or {}) - set(options)) if options is not None else []
    if unknown_defaults:
        problems.append("control_plane_defaults: unknown setting(s) %s; the settings are the options of "
                        "k0smotron.fleet.cluster: %s." % (", ".join(unknown_defaults), ", ".join(options)))
    for number, cluster in enumerate(clusters or [], 1):
        if not isinstance(cluster, Mapping):
            problems.append("control_plane_clusters entry #%d: it is a %s, not a dictionary with a name."
                            % (number, type(cluster).__name__))
            continue
        name = cluster.get("name")
        where = "control_plane_clusters entry %s:" % (name if name else "#%d" % number)
        unknown = sorted(set(cluster) - set(options)) if options is not None else []
        if not name:
            problems.append("%s it has no name." % where)
        elif not isinstance(name, str) or not DNS_LABEL.match(name):
            problems.append("%s '%s' is not a DNS-1123 label (lower-case letters, digits and '-', at most 63)."
                            % (where, name))
        elif "hosted_api_url" in unknown:
            problems.append("%s hosted_api_url is not a setting of a control plane (declaring one never reaches its "
                            "API): give it to the worker role as worker_hosted_api_urls: {%s: URL}." % (where, name))
        elif unknown:
            problems.append("%s unknown setting(s) %s; the settings are the options of k0smotron.fleet.cluster: %s."
                            % (where, ", ".join(unknown), ", ".join(options)))
        elif "version" not in cluster and "version" not in (defaults or {}) \
                and cluster.get("state", state) != "absent":
            problems.append("%s no version: set version (or control_plane_defaults.version)." % where)
    return problems


def planned_control_planes(entries, results):
    """{name: {name, namespace, version, api_endpoint, ready}} of the entries that are present, from
    the cluster module's per-cluster results (in the entries' order; none in check mode before any)."""
    planned = {}
    for number, entry in enumerate(entries or []):
        result = (results or [])[number] if number < len(results or []) else {}
        if entry.get("state", "present") != "present":
            continue
        planned[entry["name"]] = {
            "name": entry["name"], "namespace": entry.get("namespace"),
            "version": result.get("version") or entry.get("version") or "",
            "api_endpoint": result.get("api_endpoint") or "", "ready": bool(result.get("ready", False))}
    return planned


class FilterModule(object):

    def filters(self):
        return {"cluster_entries": cluster_entries, "cluster_entry_problems": cluster_entry_problems,
                "planned_control_planes": planned_control_planes}
