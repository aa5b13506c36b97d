# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _anchor as objects
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _names, _settings
from ansible_collections.k0smotron.fleet.tests.unit.native_helpers import settings


def test_anchor_records_the_settings_and_nothing_secret():
    spec = settings(storage={"type": "kine", "kine_data_source_secret_name": "db"})
    anchor = objects.anchor("shop-1", "edge", spec)
    assert anchor["metadata"]["labels"][_names.COMPONENT_LABEL] == _names.ANCHOR_COMPONENT
    assert _settings.recorded_settings(anchor) == spec
