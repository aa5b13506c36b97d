# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Builder: the anchor ConfigMap ``kmc-X``, which records a control plane's settings and owns every
other object of it, so that deleting it deletes the control plane (garbage collection)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.k0smotron.fleet.plugins.module_utils._native._names import ANCHOR_COMPONENT, COMPONENT_LABEL, anchor_name, common_labels, metadata
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._settings import SPEC_KEY


def owner_reference(anchor):
    """Everything is owned by the anchor, so deleting it deletes the control plane (garbage collection)."""
    meta = anchor["metadata"]
    # A dry run (check mode) of a new anchor may come back without a uid.
    uid = meta.get("uid") or "00000000-0000-0000-0000-000000000000"
    return {"apiVersion": "v1", "kind": "ConfigMap", "name": meta["name"], "uid": uid,
            "controller": True, "blockOwnerDeletion": True}


def anchor(cluster, namespace, spec):
    """The ConfigMap that stands for the control plane: its settings, and the owner of its objects."""
    labels = common_labels(cluster, spec)
    labels[COMPONENT_LABEL] = ANCHOR_COMPONENT
    meta = metadata(anchor_name(cluster), namespace, cluster, spec, labels=labels)
    if spec.get("annotations"):
        meta["annotations"] = dict(spec["annotations"])
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
            "data": {SPEC_KEY: json.dumps(spec, sort_keys=True, indent=1)}}
