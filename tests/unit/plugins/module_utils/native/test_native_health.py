# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _health as health


class Listing:
    """A management API that only lists: the pods and events it was given."""

    def __init__(self, pods=(), events=()):
        self.found = {"pods": list(pods), "events": list(events)}

    def list(self, resource, namespace, label_selector=None):
        return self.found[resource.plural]


class Plane:
    def __init__(self, client):
        self.client, self.name, self.namespace = client, "shop-1", "edge"


IDMAP = ("failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create "
         "failed: unable to start container process: error during container init: failed to fulfil mount request: "
         "failed to set MOUNT_ATTR_IDMAP on /var/lib/k0smotron/shop-1: invalid argument")


def pod(waiting_message):
    return {"metadata": {"name": "kmc-shop-1-0"}, "status": {"phase": "Pending", "initContainerStatuses": [
        {"name": "pki", "state": {"waiting": {"reason": "RunContainerError", "message": waiting_message}}}]}}


def test_a_node_that_cannot_give_a_user_namespace_is_named_with_the_way_out():
    lines, _details = health.diagnose(Plane(Listing(pods=[pod(IDMAP)])), {"metadata": {}})
    assert any("MOUNT_ATTR_IDMAP" in line for line in lines)
    assert any("set pod_security: baseline" in line for line in lines), lines


def test_a_namespace_that_refuses_the_pod_is_named_with_the_level_it_needs():
    event = {"type": "Warning", "involvedObject": {"kind": "StatefulSet", "name": "kmc-shop-1"},
             "lastTimestamp": "2026-12-03T10:00:00Z",
             "message": 'create Pod kmc-shop-1-0 in StatefulSet kmc-shop-1 failed error: pods "kmc-shop-1-0" is '
                        'forbidden: violates PodSecurity "restricted:latest": unrestricted capabilities'}
    lines, _details = health.diagnose(Plane(Listing(events=[event])), {"metadata": {}})
    assert any("enforces baseline" in line for line in lines), lines


def test_an_ordinary_wait_says_nothing_of_pod_security():
    lines, _details = health.diagnose(Plane(Listing(pods=[pod("back-off pulling image")])), {"metadata": {}})
    assert not any("pod_security" in line or "Pod Security" in line for line in lines), lines
