# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Which engine does the work: the collection itself, or an installed k0smotron operator.
    DOCUMENTATION = r"""
options:
  engine:
    description:
      - Who builds and runs the hosted control plane.
      - V(native) (the default) has the collection create every object itself (certificate authorities,
        k0s configuration, Service, StatefulSet) with rights in one namespace only, and talk to the hosted
        cluster's own API for tokens and health. Nothing has to be installed in the management cluster.
      - V(k0smotron) declares k0smotron objects (C(Cluster), C(JoinTokenRequest)) and waits for an installed
        k0smotron operator to act on them.
      - Can also be set with E(K0SMOTRON_FLEET_ENGINE). All modules of one play should use the same engine.
    type: str
    choices: [native, k0smotron]
    default: native
  hosted_api_url:
    description:
      - With O(engine=native), the URL the module reaches the hosted cluster's API at, when it differs from the
        address workers use (for example through a tunnel, or from outside the management cluster for a
        V(ClusterIP) service).
      - By default the module uses C(https://EXTERNAL_ADDRESS:API_PORT), or the Service's DNS name for a control
        plane without external address (which resolves only inside the management cluster).
      - The module talks to the hosted API to mint and revoke tokens, and to report its health and nodes.
      - With O(engine=k0smotron), k0smotron.fleet.join_token checks a token it would reuse there; by default at the
        server of the admin kubeconfig k0smotron keeps.
    type: str
"""
