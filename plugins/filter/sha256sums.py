# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sha256sums filter: a release's checksum file as a dictionary."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.errors import AnsibleFilterError

# "<hex> *<file>" (binary mode, as k0s releases write it) or "<hex>  <file>" (text mode).
_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](\S.*)$")


def sha256sums(text):
    """Map each file named in a sha256sum listing to its checksum (lower-case hex)."""
    if text is None:
        return {}
    if not isinstance(text, str):
        raise AnsibleFilterError("sha256sums expects the text of a sha256sums.txt file, got %s" % type(text).__name__)
    sums = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            raise AnsibleFilterError("sha256sums: line %d is not '<sha256> *<file>': %r" % (number, line[:80]))
        sums[match.group(2).strip().lstrip("./")] = match.group(1).lower()
    return sums


class FilterModule(object):

    def filters(self):
        return {"sha256sums": sha256sums}
