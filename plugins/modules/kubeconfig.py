#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: kubeconfig
short_description: Write a hosted cluster's admin kubeconfig to a file only its owner can read
version_added: 0.1.0
description:
  - Reads the admin kubeconfig k0smotron keeps for a hosted cluster (the Secret C(NAME-kubeconfig)) and
    writes it to O(dest) with mode C(0600), owned by the user the module runs as.
  - The kubeconfig never appears in the module's result, its diff or its logs; the result says where it
    was written and which server it points at.
  - Optionally rewrites the server address, for clients that reach the hosted API by another address
    than the one k0smotron put in.
  - With O(wait), waits for k0smotron to create the Secret, which it does once a control-plane pod is ready.
author:
  - k0smotron.fleet maintainers (@k0smotron)
extends_documentation_fragment:
  - k0smotron.fleet.connection
  - k0smotron.fleet.connection.WAIT
  - k0smotron.fleet.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the path and the server address only, never the kubeconfig.
  idempotent:
    support: full
options:
  cluster:
    description:
      - Name of the hosted cluster (the k0smotron C(Cluster)).
    type: str
    required: true
  namespace:
    description:
      - Namespace of the Cluster in the management cluster.
    type: str
    default: default
  dest:
    description:
      - Where to write the kubeconfig, on the host the module runs on. The directory must exist.
      - An existing file there is replaced when its content differs, and its mode set to C(0600).
    type: path
    required: true
  server:
    description:
      - A server URL to write instead of the one k0smotron put in, for example V(https://192.0.2.10:30443).
    type: str
seealso:
  - module: k0smotron.fleet.cluster
"""

EXAMPLES = r"""
- name: Keep the admin kubeconfig of a shop's cluster on the controller
  k0smotron.fleet.kubeconfig:
    cluster: shop-0042
    namespace: edge
    dest: "{{ playbook_dir }}/.kube/shop-0042.kubeconfig"
  delegate_to: localhost

- name: Use it
  kubernetes.core.k8s_info:
    kubeconfig: "{{ playbook_dir }}/.kube/shop-0042.kubeconfig"
    kind: Node
  delegate_to: localhost
"""

RETURN = r"""
path:
  description: Where the kubeconfig was written.
  returned: always
  type: str
  sample: /home/ops/.kube/shop-0042.kubeconfig
server:
  description:
    - The API server URL the written kubeconfig points at.
    - Null in check mode when the kubeconfig Secret does not exist yet.
  returned: always
  type: str
  sample: https://192.0.2.10:30443
context:
  description: The kubeconfig's current context; null in check mode when the Secret does not exist yet.
  returned: always
  type: str
  sample: shop-0042
secret:
  description: The Secret the kubeconfig was read from.
  returned: always
  type: str
  sample: shop-0042-kubeconfig
"""

import base64

from ansible.module_utils.common.text.converters import to_bytes, to_text

from ansible_collections.k0smotron.fleet.plugins.module_utils import cluster as model
from ansible_collections.k0smotron.fleet.plugins.module_utils.args import validate_dns_label
from ansible_collections.k0smotron.fleet.plugins.module_utils.client import CLUSTER, SECRET
from ansible_collections.k0smotron.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.k0smotron.fleet.plugins.module_utils.files import secret_file_state, write_secret_file
from ansible_collections.k0smotron.fleet.plugins.module_utils.module import FleetModule

try:
    import yaml
    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML comes with ansible-core
    HAS_YAML = False

ARGUMENT_SPEC = dict(
    cluster=dict(type="str", required=True),
    namespace=dict(type="str", default="default"),
    dest=dict(type="path", required=True),
    server=dict(type="str"),
)


def render(kubeconfig_text, server):
    """The kubeconfig to write, its server and its context; the server rewritten if asked."""
    try:
        config = yaml.safe_load(kubeconfig_text)
    except yaml.YAMLError:
        config = None
    if not isinstance(config, dict) or not config.get("clusters"):
        raise FleetError(
            "The kubeconfig Secret does not hold a kubeconfig.",
            hint="Check the Secret in the management cluster; k0smotron rewrites it when the control plane restarts.")
    if server:
        for entry in config["clusters"]:
            entry.setdefault("cluster", {})["server"] = server
        text = yaml.safe_dump(config, default_flow_style=False, sort_keys=False)
    else:
        text = kubeconfig_text
    current = config.get("current-context")
    return to_bytes(text), config["clusters"][0].get("cluster", {}).get("server"), current


def main():
    module = FleetModule(ARGUMENT_SPEC, wait=True)

    def work():
        params = module.params
        validate_dns_label("cluster", params["cluster"])
        validate_dns_label("namespace", params["namespace"])
        if params["server"] and not params["server"].startswith("https://"):
            raise FleetError("server '%s' is not an https URL." % params["server"],
                             hint="Write it as https://ADDRESS:PORT, for example https://192.0.2.10:30443.")
        if not HAS_YAML:
            raise FleetError("PyYAML is required to read kubeconfigs.", hint="Install PyYAML where the module runs.")
        client = module.client
        secret_name = model.kubeconfig_secret_name(params["cluster"])

        def fetch():
            return client.get(SECRET, secret_name, params["namespace"])

        secret = fetch()
        if secret is None and module.check_mode:
            # In a checked run nothing was created, so the kubeconfig may not exist yet.
            module.warn("The kubeconfig Secret '%s' does not exist (yet): the file would be written once it "
                        "does." % secret_name)
            return dict(changed=True, path=params["dest"], server=None, context=None, secret=secret_name)
        if secret is None:
            if client.get(CLUSTER, params["cluster"], params["namespace"]) is None:
                raise FleetError(
                    "Cluster '%s' does not exist in namespace '%s'." % (params["cluster"], params["namespace"]),
                    hint="Create it first with k0smotron.fleet.cluster.")
            if not params["wait"]:
                raise FleetError(
                    "The kubeconfig Secret '%s' does not exist yet." % secret_name,
                    hint="k0smotron writes it once a control-plane pod is ready; set wait=true or wait for the cluster.")
            secret = module.waiter().until(
                "kubeconfig Secret %s/%s" % (params["namespace"], secret_name), fetch,
                lambda s: (s is not None, "present" if s is not None else "not created yet"))

        encoded = (secret.get("data") or {}).get("value")
        if not encoded:
            raise FleetError("The Secret '%s' has no key 'value'." % secret_name,
                             hint="Check the Secret; k0smotron writes the kubeconfig under 'value'.")
        kubeconfig_text = to_text(base64.b64decode(encoded))
        module.protect(kubeconfig_text)
        module.protect(encoded)
        content, server, context = render(kubeconfig_text, params["server"])

        exists, same, mode_ok = secret_file_state(params["dest"], content)
        changed = not (same and mode_ok)
        result = dict(changed=changed, path=params["dest"], server=server, context=context, secret=secret_name)
        if module._diff and changed:
            result["diff"] = dict(
                before={"path": params["dest"], "state": "matches" if same else ("differs" if exists else "absent")},
                after={"path": params["dest"], "server": server, "mode": "0600"},
            )
        if changed and not module.check_mode:
            write_secret_file(params["dest"], content)
        return result

    module.run(work)


if __name__ == "__main__":
    main()
