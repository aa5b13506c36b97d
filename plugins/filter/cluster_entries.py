# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The cluster_entries filter: a role's list of control planes as k0smotron.fleet.cluster's ``clusters``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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


class FilterModule(object):

    def filters(self):
        return {"cluster_entries": cluster_entries}
