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
  - Writes a hosted cluster's admin kubeconfig to O(dest) with mode C(0600), owned by the user the module
    runs as, and keeps it in the Secret C(NAME-kubeconfig) (key C(value), type C(cluster.x-k8s.io/secret), as
    Cluster API tools, clusterctl and Argo CD expect).
  - With O(engine=native) the module signs the admin client certificate itself from the cluster CA (user
    C(k0smotron-fleet-admin), group C(system:masters)), valid for O(validity). A later run reuses it until it
    is within O(renew_before) of its end, so a second run changes nothing; a renewed certificate replaces the
    Secret and the file. Kubernetes cannot revoke client certificates, which is why the default is short.
  - With O(engine=k0smotron) the module reads the kubeconfig k0smotron keeps in that Secret.
  - The kubeconfig never appears in the module's result, its diff or its logs; the result says where it
    was written and which server it points at.
  - Optionally rewrites the server address, for clients that reach the hosted API by another address
    than the one k0smotron put in.
  - With O(engine=k0smotron) and O(wait), waits for k0smotron to create the Secret, which it does once a
    control-plane pod is ready.
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - k0smotron.fleet.connection
  - k0smotron.fleet.engine
  - k0smotron.fleet.connection.WAIT
  - k0smotron.fleet.attributes
  - k0smotron.fleet.attributes.MUTATING
attributes:
  diff_mode:
    details:
      - The diff shows the path and the server address only, never the kubeconfig.
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
      - A server URL to write into O(dest) instead of the control plane's own, for example
        V(https://192.0.2.10:30443). The Secret keeps the control plane's own.
    type: str
  validity:
    description:
      - With O(engine=native), how long a newly signed admin certificate is valid, as a Go duration.
    type: str
    default: 24h
  renew_before:
    description:
      - With O(engine=native), sign a new certificate when the current one ends within this duration.
    type: str
    default: 1h
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
  description: The Secret that keeps the kubeconfig.
  returned: always
  type: str
  sample: shop-0042-kubeconfig
expires_at:
  description: When the admin certificate ends (UTC), with O(engine=native).
  returned: with O(engine=native) outside check mode
  type: str
  sample: "2026-11-30T13:00:00Z"
renewed:
  description: Whether a new certificate was signed by this run (native engine).
  returned: with O(engine=native) outside check mode
  type: bool
  sample: false
"""

from ansible_collections.k0smotron.fleet.plugins.module_utils._runner import run_module

ARGUMENT_SPEC = dict(
    cluster=dict(type="str", required=True),
    namespace=dict(type="str", default="default"),
    dest=dict(type="path", required=True),
    server=dict(type="str"),
    validity=dict(type="str", default="24h"),
    renew_before=dict(type="str", default="1h"),
)


def main():
    run_module("kubeconfig", ARGUMENT_SPEC, wait=True)


if __name__ == "__main__":
    main()
