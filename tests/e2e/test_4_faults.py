# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults edge sites meet, each followed by the re-run that must survive it with nothing lost."""

from __future__ import annotations

import hashlib
import os
import time

import pytest

pytestmark = pytest.mark.fault


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def test_corrupted_download(lab, detail):
    version = lab.version
    binary = lab.k0s_file(version)
    path = os.path.join(lab.state, "controller-cache", version, binary)
    good = sha256(path)
    with open(path, "ab") as handle:
        handle.write(b"corrupted")
    before = lab.mirror_gets(binary)
    lab.site()
    assert sha256(path) == good, "the corrupted binary in the controller's cache was not replaced"
    fetched = lab.mirror_gets(binary) - before
    # The mirror itself serves a corrupted file: the run must stop before any host gets it.
    origin = os.path.join(lab.state, "mirror", version, binary)
    os.rename(origin, origin + ".good")
    try:
        with open(origin + ".good", "rb") as source, open(origin, "wb") as bad:
            bad.write(source.read(1 << 20))
        with open(path, "ab") as handle:
            handle.write(b"corrupted")
        done, _recap = lab.site(check=False)
        assert done.returncode != 0 and "checksum" in (done.stdout + done.stderr).lower(), \
            "a download that does not match sha256sums.txt was not refused (exit %d)" % done.returncode
        for host in lab.edge_hosts():
            installed = lab.in_host(host, "k0s", "version").stdout.strip()
            assert installed == version, "%s runs %r after the refused download" % (host, installed)
    finally:
        os.replace(origin + ".good", origin)
    lab.site()
    detail("a corrupted cached binary was fetched again (%d download); a bad download was refused before install" % fetched)


def test_token_expired_before_use(lab, detail):
    host = lab.edge_hosts()[-1]
    lab.reset_host(host)
    token = os.path.join(lab.controller_dir, "e2e-expired.token")
    lab.run(["ansible", "localhost", "-m", "k0smotron.fleet.join_token", "-a",
             "cluster=%s namespace=%s name=e2e-expired dest=%s expiry=2s renew_before=0s kubeconfig=%s" % (
                 lab.cluster, lab.namespace, token, lab.management_kubeconfig)])
    time.sleep(5)
    lab.run(["podman", "cp", token, "%s:/etc/k0s/join.token" % host], quiet=True)
    lab.in_host(host, "k0s", "install", "worker", "--token-file", "/etc/k0s/join.token", "--profile", "lab",
                "--ignore-pre-flight-checks")
    lab.in_host(host, "systemctl", "start", "k0sworker")
    time.sleep(20)
    assert host not in lab.hosted_nodes(), "%s joined with an expired token" % host
    lab.site("--limit", host)
    lab.wait_ready([host], timeout=120)
    os.unlink(token)
    detail("an expired token never joined %s; site.yml then joined it with a fresh one" % host)


def test_edge_host_restarted_during_install(lab, detail):
    host = lab.edge_hosts()[0]
    process, handle = lab.rejoin_in_background(host, "/etc/systemd/system/k0sworker.service", "the k0sworker service")
    lab.run(["podman", "restart", "--time", "5", host])
    first = lab.finish_background(process, handle)
    lab.lab_sh("up", timeout=1800)  # the lab's routes and address, as after any host restart
    lab.site("--limit", host)
    lab.wait_ready([host], timeout=300)
    detail("%s restarted during its install (the first run ended %d); the re-run joined it" % (host, first))


def test_control_plane_pod_deleted_mid_join(lab, detail):
    host = lab.edge_hosts()[-1]
    process, handle = lab.rejoin_in_background(host, "/etc/k0s/join.token", "the join's token")
    lab.mgmt_kubectl("delete", "pod", "-n", lab.namespace, "kmc-%s-0" % lab.cluster, "--wait=false")
    first = lab.finish_background(process, handle)
    if first != 0:
        lab.site("--limit", host)
    lab.wait_ready(timeout=300)
    detail("the control-plane pod was deleted during %s's join (first run exit %d); all nodes Ready after, none lost" % (
        host, first))


def test_management_node_restarted(lab, detail):
    lab.run(["podman", "restart", "--time", "30", lab.management])
    lab.lab_sh("up", timeout=1800)
    _done, recap = lab.site()
    lab.wait_ready(timeout=600)
    moved = dict((h, r[1]) for h, r in recap.items() if r[1])
    detail("management node restarted; site.yml converged (changes: %s), every node Ready" % (moved or "none"))
