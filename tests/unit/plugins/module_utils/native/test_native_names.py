# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._native import _names as objects


def test_long_names_are_shortened_the_same_way_every_time():
    name = "s" * 60
    assert len(objects.workload_name(name)) <= 63
    assert objects.workload_name(name) == objects.workload_name(name)
    assert objects.config_name(name) != objects.workload_name(name)
