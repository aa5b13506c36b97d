# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The connection options themselves are kubernetes.core's (its k8s_auth_options fragment, and
    # the same argument spec): this adds what the collection has beyond them.
    DOCUMENTATION = r"""
options:
  request_timeout:
    description:
      - Seconds each API call may take before it fails, connecting included. A call that could not connect is
        tried once more within the same time, so an unreachable API is reported after at most this long.
    type: float
    default: 30
notes:
  - >-
    The modules talk to the management cluster from wherever they run; run them on the controller
    (C(delegate_to: localhost), or a play on C(localhost)) unless the hosts can reach that API.
  - >-
    The connection options are kubernetes.core's, read from the same E(K8S_AUTH_*) variables, so one
    C(module_defaults) block for C(group/k0smotron.fleet.k0smotron) serves both collections.
    When O(host) comes with credentials (O(api_key), O(username) and O(password), or O(client_cert) and
    O(client_key)) and neither O(kubeconfig) nor O(context) is given, no kubeconfig is read.
  - >-
    An inline O(kubeconfig) (a dictionary) is not hidden whole: the credentials in it (tokens, passwords, keys)
    are masked in every result and log, its other values are shown.
requirements:
  - python >= 3.8
  - kubernetes >= 24.2.0 (the Python client)
"""

    WAIT = r"""
options:
  wait:
    description:
      - Whether to wait until the object reaches the state asked for.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait before failing with a diagnosis.
      - The default suits slow sites; hosted control planes usually start within two minutes.
    type: int
    default: 600
  wait_sleep:
    description:
      - Seconds between checks while waiting.
    type: int
    default: 5
"""
