# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _settings
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _statefulset as objects
from ansible_collections.k0smotron.fleet.tests.unit.native_helpers import OWNER, settings


def pod_of(spec):
    return objects.statefulset("shop-1", "edge", spec, OWNER, "abc")["spec"]["template"]["spec"]


def test_a_new_control_plane_is_strict_every_container_locked_down_in_a_user_namespace():
    pod = pod_of(settings())
    assert pod["hostUsers"] is False
    assert pod["securityContext"] == {"seccompProfile": {"type": "RuntimeDefault"}}
    for container in pod["initContainers"] + pod["containers"]:
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False and context["readOnlyRootFilesystem"] is True
        # Every capability but the one k0s needs to start its components as root (setgroups).
        assert context["capabilities"] == {"drop": ["ALL"], "add": ["SETGID"]}
        assert "privileged" not in context


def test_a_read_only_root_has_somewhere_to_write_for_k0s_and_the_start_script():
    pod = pod_of(settings())
    controller = pod["containers"][0]
    mounts = dict((m["mountPath"], m["name"]) for m in controller["volumeMounts"])
    volumes = dict((v["name"], v) for v in pod["volumes"])
    # The rendered configuration (START_SCRIPT), k0s's run directory, /tmp, and the data volume.
    for path in ("/run/k0smotron-fleet", "/run/k0s", "/tmp", objects.DATA_DIR):
        assert path in mounts, path
    for name in ("tmp", "runtime", "k0s-run"):
        assert volumes[name] == {"name": name, "emptyDir": {}}
    assert "/run/k0smotron-fleet/k0s.yaml" in objects.START_SCRIPT
    assert {"name": "HOME", "value": "/tmp"} in controller["env"]


def test_baseline_is_the_same_outside_a_user_namespace_and_the_default_with_a_host_path():
    spec = settings(persistence={"type": "hostPath", "host_path": "/var/lib/k0smotron/shop-1"})
    assert spec["pod_security"] == "baseline"
    pod = pod_of(spec)
    assert "hostUsers" not in pod
    assert pod["containers"][0]["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert settings(persistence={"type": "pvc"})["pod_security"] == "strict"
    assert settings(pod_security="baseline")["pod_security"] == "baseline"


def test_none_is_the_pod_as_before_byte_for_byte():
    pod = pod_of(settings(pod_security="none"))
    assert "hostUsers" not in pod and "securityContext" not in pod
    for container in pod["initContainers"] + pod["containers"]:
        assert "securityContext" not in container
    assert sorted(v["name"] for v in pod["volumes"]) == ["config", "data", "pki-source"]
    assert not any(e["name"] == "HOME" for e in pod["containers"][0]["env"])


def test_a_control_plane_recorded_before_the_setting_keeps_none_and_no_network_policy():
    old = settings()
    del old["pod_security"]
    del old["network_policy"]
    merged = _settings.merge_settings(old, {"version": None})
    assert merged["pod_security"] == "none"
    assert merged["network_policy"] == {"enabled": False, "from": None}
    assert _settings.merge_settings(old, {"pod_security": "strict"})["pod_security"] == "strict"
    # The record is not shared between runs (a merge never changes the table of old defaults).
    merged["network_policy"]["enabled"] = True
    assert _settings.RECORDED_BEFORE["network_policy"]["enabled"] is False


def test_the_level_picked_at_creation_stays_when_persistence_changes_later():
    recorded = settings()
    assert recorded["pod_security"] == "strict"
    later = _settings.merge_settings(recorded, {"persistence": {"type": "hostPath", "host_path": "/x"}})
    assert later["pod_security"] == "strict"
