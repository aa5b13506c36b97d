# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The status_rows filter: cluster_info's clusters as the rows of the fleet's status table."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

# The columns of each row, for text_table's headers.
COLUMNS = ("CLUSTER", "CONTROL PLANE", "NODE", "KUBELET", "READY")


def _text(value):
    # As Jinja's `~` writes a value: None is 'None', True is 'True'.
    return str(value)


def _control_plane(cluster):
    """VERSION ready|NOT READY READY_REPLICAS/REPLICAS."""
    return "%s %s %s/%s" % (
        _text(cluster.get("version")),
        "ready" if cluster.get("ready") else "NOT READY",
        _text(cluster.get("ready_replicas")),
        _text(cluster.get("replicas")),
    )


def status_rows(clusters):
    """One row per node each hosted API lists, or one row saying why a cluster has none to list."""
    rows = []
    for number, cluster in enumerate(clusters or [], 1):
        if not isinstance(cluster, Mapping):
            raise AnsibleFilterError("status_rows: entry %d is not a cluster (a dictionary from cluster_info's clusters), "
                                     "got %s" % (number, type(cluster).__name__))
        name = cluster.get("name")
        plane = _control_plane(cluster)
        api = cluster.get("api") or {}
        if not api.get("reachable"):
            rows.append([name, plane, "(API unreachable)", "", ""])
        elif not api.get("node_list"):
            rows.append([name, plane, "(no nodes)", "", ""])
        else:
            for node in api["node_list"]:
                rows.append([name, plane, node.get("name"), node.get("kubelet_version"),
                             "Ready" if node.get("ready") else "NOT READY"])
    return rows


class FilterModule(object):

    def filters(self):
        return {"status_rows": status_rows}
