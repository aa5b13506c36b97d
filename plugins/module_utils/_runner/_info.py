# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``cluster_info`` module's flow: which control planes, and their summaries. Reads only."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._engine import ClusterQuery
from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._options import validate_dns_label


def run(run):
    params = run.params
    if params["namespace"] is not None:
        validate_dns_label("namespace", params["namespace"])
    if params["name"] is not None:
        validate_dns_label("name", params["name"])
        if params["namespace"] is None:  # not required_by: Ansible's message says nothing of why
            raise FleetError("name needs namespace.", hint="Give the namespace of the control plane too.")
    query = ClusterQuery(name=params["name"], namespace=params["namespace"],
                         label_selectors=list(params["label_selectors"] or []), health=params["health"])
    return dict(changed=False, clusters=run.engine.describe_clusters(query))
