# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The engines, by the name the ``engine`` option gives them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.k0smotron.fleet.plugins.module_utils._k0smotron import K0smotronEngine
from ansible_collections.k0smotron.fleet.plugins.module_utils._native import NativeEngine

ENGINES = dict((engine.name, engine) for engine in (NativeEngine, K0smotronEngine))
