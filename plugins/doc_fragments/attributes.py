# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Attributes shared by every module of the collection, and its authors.
    DOCUMENTATION = r"""
options: {}
author:
  - k0smotron.fleet maintainers (@k0smotron)
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode with the same arguments, the second run reports no change.
  action_group:
    description:
      - Use C(group/k0smotron.fleet.k0smotron) in C(module_defaults) to set defaults for this module.
      - The group extends C(kubernetes.core.k8s), so the same block sets them for kubernetes.core's modules too.
    support: full
    membership:
      - k0smotron.fleet.k0smotron
"""

    # For modules that change things: check mode, diff mode and idempotence in full. A module adds
    # its own details (what its diff shows, when a second run changes something).
    MUTATING = r"""
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
"""

    # For modules that only read.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
  idempotent:
    support: full
"""
