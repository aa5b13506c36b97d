# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml on the fleet: the first run joins every host, a second run and check mode change nothing, status.yml shows it."""

from __future__ import annotations

import re
import time

import pytest


@pytest.mark.flow
def test_site(lab, detail):
    # The version the fleet starts at, from here on: the upgrade case's first version when the lab has it.
    version = lab.version
    lab.version = version
    binary = lab.k0s_file(version)
    before = lab.mirror_gets(binary)
    start = time.monotonic()
    done, _recap = lab.playbook("site", "-e", "lab_k0s_version=" + version)
    seconds = time.monotonic() - start
    lab.assert_no_leaks(done, "site.yml")
    ready, state = lab.all_ready(lab.edge_hosts())
    assert ready, state
    downloads = lab.mirror_gets(binary) - before
    assert downloads <= 1, "the binary was downloaded %d times for %d hosts (once per version and architecture expected)" % (
        downloads, len(lab.edge_hosts()))
    detail("control plane %s and %d workers Ready in %.0fs; binary fetched %d time(s) from the mirror" % (
        version, len(lab.edge_hosts()), seconds, downloads))


@pytest.mark.idempotence
def test_site_again_no_change(lab, detail):
    _done, recap = lab.site()
    lab.assert_unchanged(recap, "the second site.yml")
    restarts = lab.in_host("fleet-edge-1", "systemctl", "show", "k0sworker", "-p", "NRestarts").stdout.strip()
    detail("no change on %d hosts (%s)" % (len(recap), restarts))


@pytest.mark.idempotence
def test_check_mode(lab, detail):
    done, recap = lab.site("--check", "--diff")
    lab.assert_unchanged(recap, "site.yml --check")
    lab.assert_no_leaks(done, "site.yml --check --diff")
    detail("--check --diff ran through with no change and no secret shown")


@pytest.mark.flow
def test_status_table(lab, detail):
    done, _recap = lab.playbook("status")
    for host in lab.edge_hosts():
        assert re.search(r"%s\s+\S+\s+Ready" % re.escape(host), done.stdout), "status.yml's table has no Ready row for %s" % host
    table = [line.strip().strip('",') for line in done.stdout.splitlines() if "CLUSTER" in line or lab.cluster in line]
    detail("; ".join(table[:4]))
