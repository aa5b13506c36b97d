# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def fleet_summary(planned, joined_hosts=None):
    """The fleet for AWX workflows (set_stats): per control plane its name, namespace, version,
    endpoint, readiness and how many hosts joined it; nothing secret. ``planned`` is the
    control_plane role's control_plane_planned, ``joined_hosts`` the variables of the hosts that
    joined (their ``worker_cluster`` is read, nothing else)."""
    joined = {}
    for host in joined_hosts or []:
        cluster = host.get("worker_cluster")
        joined[cluster] = joined.get(cluster, 0) + 1
    control_planes = []
    for name in sorted(planned or {}):
        plane = planned[name]
        control_planes.append(dict(
            name=plane.get("name") or name, namespace=plane.get("namespace") or "",
            version=plane.get("version") or "", endpoint=plane.get("api_endpoint") or "",
            ready=bool(plane.get("ready")), hosts_joined=joined.get(name, 0)))
    return dict(control_planes=control_planes, control_planes_ready=sum(1 for p in control_planes if p["ready"]),
                hosts_joined=len(joined_hosts or []))


class FilterModule(object):

    def filters(self):
        return {"fleet_summary": fleet_summary}
