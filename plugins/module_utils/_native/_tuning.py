# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ``tuning`` setting: what a hosted control plane's pod runs beyond the user's flags, to keep
its memory small without losing anything workers need, and the resource requests the scheduler
places it by.

``lean`` (new control planes): k0s's components that a hosted control plane has no use for are
off, each Go component gets a soft memory limit (``GOMEMLIMIT``, which k0s hands to a component
through its ``COMPONENT_`` environment prefix), and the pod requests what it was measured to use.
``none``: k0s as it comes (control planes made before this setting existed keep it, so that
upgrading the collection restarts nothing). The figures are the lab's, measured on k0s v1.36
(README, Fleets).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

TUNINGS = ("lean", "none")

# Components of `k0s controller` that serve nothing in a hosted control plane: autopilot (k0s's
# own upgrades; the module upgrades the image), helm (charts; the module applies no charts),
# update-prober (calls home for updates). Kept: everything workers need (konnectivity-server,
# kube-proxy, CoreDNS, the network provider, csr-approver for kubelet serving certificates, the
# API endpoint reconciler, worker config) - and windows-node: with it off, k0s v1.36 writes no
# kube-proxy and no CoreDNS manifests at all (seen on the lab), so Linux workers lose both.
LEAN_DISABLED_COMPONENTS = ("autopilot", "helm", "update-prober")

# Soft limits, per process: the Go runtime collects sooner as a process nears its limit, instead
# of letting the heap grow to twice the live data. Soft: past it the process runs on, collecting
# more often (the runtime lets the collector take up to half the process's CPU), never killed.
# Only for the components whose COMPONENT_ prefix k0s v1.36 hands on (kine, konnectivity-server;
# seen in /proc/PID/environ on the lab). No plain GOMEMLIMIT: every other process k0s starts
# inherits it, and kube-apiserver under k0s's 96MiB (its live heap at idle is about 100 MiB)
# kept its collector at its cap: `make bench` measured a lean control plane idling at 1.2-1.4
# cores against 0.1 untuned. The KUBE-APISERVER_, KUBE-CONTROLLER-MANAGER_ and KUBE-SCHEDULER_
# prefixes are not handed on, so those components are bounded by the pod's resources instead.
LEAN_MEMORY_LIMITS = (
    ("KINE_GOMEMLIMIT", "48MiB"),
    ("KONNECTIVITY_GOMEMLIMIT", "32MiB"),
)

# What the pod requests when the user gives no resources: its measured use, idle with a worker; and
# its limits, so that one control plane cannot starve the others on a shared node. Memory: twice
# the request (the lab measured a 327 MiB working set idle); past it the kernel kills the pod, which
# restarts. CPU: one core, which a start (about 10 CPU-seconds) and a busy API stay within.
LEAN_REQUESTS = {"requests": {"cpu": "100m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}


def controller_flags(spec):
    """Flags for ``k0s controller`` before the user's own (``control_plane_flags``, which k0s reads
    after these: a repeated ``--disable-components`` adds to the list)."""
    if spec.get("tuning") != "lean":
        return []
    return ["--disable-components=" + ",".join(LEAN_DISABLED_COMPONENTS)]


def controller_env(spec):
    """The container's environment for the tuning."""
    if spec.get("tuning") != "lean":
        return []
    return [{"name": name, "value": value} for name, value in LEAN_MEMORY_LIMITS]


def resources(spec):
    """The container's resources: the user's, else the tuning's requests."""
    if spec.get("resources"):
        return copy.deepcopy(spec["resources"])
    if spec.get("tuning") == "lean":
        return copy.deepcopy(LEAN_REQUESTS)
    return None
