# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Names of objects derived from a control plane's name, shortened to fit Kubernetes' limit."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

from ansible_collections.k0smotron.fleet.plugins.module_utils._constants import NAME_LIMIT


def object_name(pattern, cluster, digest="sha256"):
    """``pattern % cluster``, or, when that is longer than a label may be, its first 57
    characters, a dash and 5 hex digits of its hash.

    The native engine names its objects with sha256. The k0smotron engine predicts the names the
    operator gives, and k0smotron shortens with md5 (``digest="md5"``): a name, not security.
    """
    name = pattern % cluster
    if len(name) > NAME_LIMIT:
        hashed = hashlib.new(digest, name.encode("utf-8")).hexdigest()[:5]  # noqa: S324 - a name, not security
        name = "%s-%s" % (name[:NAME_LIMIT - 6], hashed)
    return name
