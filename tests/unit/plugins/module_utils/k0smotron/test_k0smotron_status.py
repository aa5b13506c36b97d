# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._k0smotron import _cluster_status as status


def cluster(conditions):
    return {"metadata": {"name": "shop-1", "generation": 3}, "spec": {"replicas": 1, "service": {"type": "NodePort"}},
            "status": {"readyReplicas": 1, "conditions": conditions}}


def test_a_condition_that_is_not_true_is_told_with_its_message():
    # What k0smotron v2.1.0 said on the lab after service.apiPort changed: only details.conditions had it.
    message = ('Get "https://10.89.40.10:30443/readyz": dial tcp 10.89.40.10:30443:\n connect: connection refused')
    ready, state = status.readiness(cluster([
        {"type": "ControlPlaneUpToDate", "status": "True", "observedGeneration": 3},
        {"type": "KubeconfigSecretAvailable", "status": "True", "observedGeneration": 3},
        {"type": "Available", "status": "False", "reason": "HealthCheckFailed", "message": message,
         "observedGeneration": 3}]))
    assert ready is False
    assert "Available=False (HealthCheckFailed: Get \"https://10.89.40.10:30443/readyz\": dial tcp " in state
    assert "\n" not in state


def test_a_long_message_is_shortened_and_no_message_says_only_the_reason():
    _ready, state = status.readiness(cluster([
        {"type": "ControlPlaneUpToDate", "status": "False", "reason": "Rolling", "observedGeneration": 3},
        {"type": "KubeconfigSecretAvailable", "status": "False", "reason": "Waiting", "message": "x" * 1000,
         "observedGeneration": 3}]))
    assert "ControlPlaneUpToDate=False (Rolling)" in state
    assert "KubeconfigSecretAvailable=False (Waiting: " + "x" * 237 + "...)" in state
