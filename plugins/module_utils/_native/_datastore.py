# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Builder: the kine data source. The URL (it holds the database password) lives only in a Secret:
``X-datastore`` when the URL is given inline, or the Secret the user names. k0s's configuration
holds a placeholder that the pod's start script replaces from the environment."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

from ansible_collections.k0smotron.fleet.plugins.module_utils._errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils._k8s_state import secret_bytes
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._names import metadata
from ansible_collections.k0smotron.fleet.plugins.module_utils._native._settings import DATASOURCE_KEY, validate_datasource_url
from ansible_collections.k0smotron.fleet.plugins.module_utils._resources import SECRET

DATASOURCE_PLACEHOLDER = "__K0SMOTRON_FLEET_KINE_DATASOURCE__"


def datastore_url(context, client, spec, namespace, given_url):
    """The kine data source URL (masked from everything), from the option or the Secret it names."""
    if given_url is not None:
        context.protect(given_url)
        return given_url
    name = (spec.get("storage") or {}).get("kine_data_source_secret_name")
    if not name:
        return None
    secret = client.get(SECRET, name, namespace)
    if secret is None:
        raise FleetError(
            "Secret '%s' (storage.kine_data_source_secret_name) does not exist in namespace '%s'." % (name, namespace),
            hint="Create it with key %s holding the data source URL, or give storage.kine_data_source_url."
                 % DATASOURCE_KEY)
    raw = secret_bytes(secret, DATASOURCE_KEY)
    if not raw:
        raise FleetError(
            "Secret '%s' has no key %s." % (name, DATASOURCE_KEY),
            hint="Put the data source URL under that key (the same key k0smotron reads).")
    url = raw.decode("utf-8", "replace")
    context.protect(url)
    validate_datasource_url("The URL in Secret '%s'" % name, url)
    return url


def datastore_secret(name, namespace, cluster, spec, owner, url, extra=None):
    """The Secret ``X-datastore`` that keeps a data source URL given inline, or made for a shared
    datastore (``extra``: its generated password, under its own key)."""
    data = dict((key, value) for key, value in (extra or {}).items())
    data[DATASOURCE_KEY] = url
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": metadata(name, namespace, cluster, spec, owner),
            "data": dict((key, base64.b64encode(value.encode("utf-8")).decode("ascii")) for key, value in data.items())}
