# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the native engine's builder tests share: settings as a control plane has them, an owner."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._native._settings import merge_settings

OWNER = {"apiVersion": "v1", "kind": "ConfigMap", "name": "kmc-shop-1", "uid": "u-1", "controller": True,
         "blockOwnerDeletion": True}


def settings(**given):
    """A new control plane's settings with ``given`` over the defaults (version pinned)."""
    base = {"version": "v1.36.3+k0s.2"}
    base.update(given)
    return merge_settings(None, base)
