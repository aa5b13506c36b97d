# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Names and values the whole collection shares: one place each."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Server-side apply field manager, and the app.kubernetes.io/managed-by label of what the
# collection makes.
FIELD_MANAGER = "k0smotron.fleet"
MANAGED_BY = "k0smotron.fleet"

# The k0s controller image k0s publishes (tags: the version with "+" written "-").
DEFAULT_IMAGE_REPOSITORY = "quay.io/k0sproject/k0s"

# API versions of the objects the engines declare.
K0SMOTRON_API_VERSION = "k0smotron.io/v1beta2"
K0S_CONFIG_API_VERSION = "k0s.k0sproject.io/v1beta1"

# Kubernetes names: a DNS-1123 label is at most this long.
NAME_LIMIT = 63
