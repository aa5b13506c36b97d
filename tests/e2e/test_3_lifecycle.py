# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet's life after the first join: reset.yml and a re-join, upgrade.yml, a host added with --limit."""

from __future__ import annotations

import os
import time

import pytest

pytestmark = pytest.mark.flow


def test_reset_and_rejoin(lab, detail):
    host = lab.edge_hosts()[-1]
    lab.reset_host(host)
    assert host not in lab.hosted_nodes(), "%s is still a node of %s after reset.yml" % (host, lab.cluster)
    assert not lab.has_file(host, "/var/lib/k0s/kubelet.conf"), "reset.yml left /var/lib/k0s/kubelet.conf on %s" % host
    done, recap = lab.site("--limit", host, "-vvv")
    lab.assert_no_leaks(done, "site.yml -vvv (a join)")
    lab.assert_only(recap, host)
    lab.wait_ready([host], timeout=120)
    assert not lab.has_file(host, "/etc/k0s/join.token"), "the token file is still on %s after the join" % host
    detail("%s reset, re-joined with a new token (-vvv output checked for secrets)" % host)


def test_upgrade(lab, detail):
    old, new = lab.versions["K0S_UPGRADE_VERSION"], lab.versions["K0S_VERSION"]
    if lab.version == new:
        missing = lab.upgrade_files_missing()
        pytest.skip("no k0s %s release files to start from (%s missing; lab/artifacts.sh --expected %s lists them)" % (
            old, " and ".join(missing), old) if missing else "the fleet runs k0s %s already (E2E_K0S_VERSION)" % new)
    start = time.monotonic()
    lab.version = new  # what the inventory declares from here on
    lab.playbook("upgrade")
    seconds = time.monotonic() - start
    for host in lab.edge_hosts():
        installed = lab.in_host(host, "k0s", "version").stdout.strip()
        assert installed == new, "%s runs %s after upgrade.yml" % (host, installed)
    image = lab.mgmt_kubectl("get", "statefulset", "-n", lab.namespace, "kmc-" + lab.cluster, "-o",
                             "jsonpath={.spec.template.spec.containers[0].image}").stdout
    assert image.endswith(new.replace("+", "-")), "the control plane runs %s" % image
    lab.wait_ready(timeout=300)
    _done, recap = lab.playbook("upgrade")
    lab.assert_unchanged(recap, "a second upgrade.yml")
    detail("%s -> %s: control plane, then %d workers drained and upgraded one by one, in %.0fs; a second run "
           "changed nothing" % (old, new, len(lab.edge_hosts()), seconds))


def test_add_host_with_limit(lab, detail):
    env = {"LAB_EDGE_HOSTS": str(len(lab.edge_hosts()) + 1)}
    lab.lab_sh("up", env=env, timeout=1800)
    # Every later lab/lab.sh up and edge_hosts() count the new host.
    os.environ["LAB_EDGE_HOSTS"] = env["LAB_EDGE_HOSTS"]
    host = lab.edge_hosts()[-1]
    _done, recap = lab.site("--limit", host)
    lab.assert_only(recap, host)
    lab.wait_ready([host], timeout=300)
    detail("%s added with --limit; no other host ran" % host)
