# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab every later case runs on (lab/lab.sh up): a management cluster and the edge hosts."""

from __future__ import annotations

import os
import time

import pytest

pytestmark = pytest.mark.setup


def test_lab_up(lab, detail):
    # From a fresh lab: what a first site.yml meets. E2E_REUSE_LAB=1 keeps a running one.
    if os.environ.get("E2E_REUSE_LAB") != "1":
        lab.lab_sh("down", timeout=600)
        # The controller starts with an empty cache, so that "downloaded once" can be counted.
        lab.run(["rm", "-rf", os.path.join(lab.state, "controller-cache")], quiet=True)
    start = time.monotonic()
    lab.lab_sh("up", timeout=3600)
    detail("management cluster and %d edge hosts up in %.0fs" % (len(lab.edge_hosts()), time.monotonic() - start))
