# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The last of the fleet's cases: one member deleted with its database dropped; the others serve on."""

from __future__ import annotations

import json

import pytest

from test_6_fleet import NAMESPACE, database, databases, members, names, node_ready, workload_running

pytestmark = pytest.mark.flow


def test_fleet_member_deleted_with_its_database(lab, detail):
    gone = names()[-1]
    lab.run(["ansible", "localhost", "-m", "k0smotron.fleet.cluster", "-a", json.dumps({
        "name": gone, "namespace": NAMESPACE, "state": "absent", "drop_database": True,
        "kubeconfig": lab.management_kubeconfig, "wait_timeout": 300})], quiet=True)
    assert database(gone, NAMESPACE) not in databases(lab)
    left = lab.mgmt_kubectl("get", "all,configmaps,secrets", "-n", NAMESPACE, "-l",
                            "app.kubernetes.io/instance=" + gone, "-o", "name").stdout.split()
    assert not left, "%s left %s" % (gone, left)
    for cluster, host in members():
        if cluster == gone:
            continue
        ready, state = node_ready(lab, cluster, host)
        assert ready, "%s in %s: %s after %s was deleted" % (host, cluster, state, gone)
    for cluster in names()[:-1]:
        running, state = workload_running(lab, cluster)
        assert running, "the workload on %s: %s after %s was deleted" % (cluster, state, gone)
    detail("%s deleted with its database dropped, nothing of it left in the namespace; the other %d control "
           "planes' nodes Ready and workloads running" % (gone, len(names()) - 1))
