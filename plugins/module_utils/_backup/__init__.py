# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Backups of hosted control planes: ``_archive`` is the file format (one backup, one file)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
