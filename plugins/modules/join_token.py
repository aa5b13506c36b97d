#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: join_token
short_description: Mint a short-lived k0s join token for a hosted control plane, straight into a root-only file
version_added: 0.1.0
description:
  - Mints a k0s join token for a hosted cluster and writes it to O(dest) with mode C(0600), owned by the user
    the module runs as.
  - With O(engine=native) the module makes the bootstrap token itself through the hosted cluster's own API (a
    Secret C(bootstrap-token-ID) in its C(kube-system), with a real expiry that the hosted cluster's token
    cleaner enforces), with no C(exec) into a pod, and encodes it as k0s does. The hosted API must be reachable
    from where the module runs (see O(hosted_api_url)).
  - With O(engine=k0smotron) it asks k0smotron for one (a C(JoinTokenRequest)) and waits until k0smotron has
    minted it.
  - The token never appears in the module's result, its diff or its logs. The result holds the
    request's name, the token's public id and when it expires, which is enough to track and revoke it.
  - Every token has an explicit, short lifetime (O(expiry)); the API's default of a token that never
    expires is refused.
  - A second run reuses the token while it has more than O(renew_before) left and O(dest) already holds
    it, so it reports no change. With the native engine the token is checked where it lives, in the hosted
    cluster, so a token that was revoked, expired, or lost with the control plane's state is replaced, and so
    is one made with another O(expiry). A replaced token is revoked.
  - With O(engine=k0smotron) a request made with another O(expiry) is replaced too, and the token is checked in
    the hosted cluster (its C(kube-system/bootstrap-token-ID) Secret, through the admin kubeconfig k0smotron keeps,
    or O(hosted_api_url)), so a token the control plane lost with its state is replaced. When the hosted API cannot
    be reached from where the module runs (within 10 seconds) the token is reused with a warning.
  - Two runs that make the same request at the same moment (hosts sharing O(name)) fail with a clear error rather
    than sharing a token; the default O(name) is one per O(dest).
  - O(state=absent) revokes the token (with the native engine, every token of O(name), and the one in O(dest))
    and removes O(dest).
extends_documentation_fragment:
  - kubernetes.core.k8s_auth_options
  - k0smotron.fleet.connection
  - k0smotron.fleet.engine
  - k0smotron.fleet.attributes
  - k0smotron.fleet.attributes.MUTATING
attributes:
  diff_mode:
    details:
      - The diff shows the request, token id, expiry and path, never the token.
  idempotent:
    details:
      - A token is reused until it is within O(renew_before) of its expiry; after that a run mints a new one.
options:
  cluster:
    description:
      - Name of the hosted cluster (the k0smotron C(Cluster)) the token joins.
    type: str
    required: true
  namespace:
    description:
      - Namespace of the Cluster; the request and its Secret are made there too.
    type: str
    default: default
  name:
    description:
      - Name of the C(JoinTokenRequest) and of the Secret k0smotron stores the token in.
      - With O(engine=native), the name the hosted cluster's token Secret is labelled with, so that O(state=absent)
        can find and revoke it; at most 63 characters.
      - Defaults to C(CLUSTER-ROLE-HASH) where C(HASH) is taken from O(dest), so that hosts writing to their own
        files never share, renew or revoke each other's tokens. Giving the host's inventory name is clearer.
    type: str
  role:
    description:
      - What the token joins as. The native engine mints worker tokens (controllers of a hosted control plane
        are its replicas).
    type: str
    choices: [worker, controller]
    default: worker
  expiry:
    description:
      - How long the token stays valid, as a Go duration (V(30m), V(1h), V(2h30m)). Zero (never) is refused.
    type: str
    default: 1h
  renew_before:
    description:
      - Mint a new token instead of reusing the current one when the current one expires within this
        duration. V(0s) reuses a token until it has expired.
      - When not given, V(15m), or a quarter of O(expiry) when that is shorter (so that O(expiry=10m) alone
        gives a token that is reused for 7.5 minutes).
    type: str
  force:
    description:
      - Always mint a new token, invalidating the current one.
    type: bool
    default: false
  dest:
    description:
      - Where to write the token, on the host the module runs on. The directory must exist.
      - Required with O(state=present). With O(state=absent) the file is removed if given.
    type: path
  tokens:
    description:
      - Tokens for many hosts in one call (a whole site, or a fleet), each with its own O(tokens[].name) and
        O(tokens[].dest) and everything else from the other options; the result lists each one under C(tokens).
      - Mutually exclusive with O(name) and O(dest). Entries are checked (each with a name and a dest, no name or
        file twice) before any token is minted.
    type: list
    elements: dict
    suboptions:
      name:
        description: The token's name, as O(name).
        type: str
        required: true
      dest:
        description: Its file, as O(dest).
        type: path
  state:
    description:
      - V(present) makes sure a valid token is in O(dest); V(absent) revokes it.
    type: str
    choices: [present, absent]
    default: present
  wait_timeout:
    description:
      - Seconds to wait for the control plane to serve before a token is minted or checked.
      - With O(engine=native), for its hosted API to answer C(/readyz). A control plane made moments ago,
        or a node port Kubernetes has just allocated and the management cluster's proxies do not forward
        yet, is waited for rather than failed. The time waited is in RV(waited).
      - With O(engine=k0smotron), for a ready control-plane pod, for k0smotron to mint the token, or for a
        deleted request to be gone. k0smotron retries a failed attempt after a minute, so allow a few minutes.
    type: int
    default: 300
  wait_sleep:
    description:
      - Seconds between checks while waiting.
    type: int
    default: 2
notes:
  - The file holds a secret. Copy it to the host being joined with C(no_log) and C(diff) off, and remove it
    once the host has joined; the k0smotron.fleet.worker role does exactly that.
  - Deleting the hosted cluster deletes its requests and so invalidates their tokens.
seealso:
  - module: k0smotron.fleet.cluster
"""

EXAMPLES = r"""
# On the controller, in a directory of the user running ansible-playbook: in an AWX / Automation
# Controller execution environment that user may not write /run or /etc.
- name: A directory for tokens, readable by that user only
  ansible.builtin.file:
    path: "{{ lookup('ansible.builtin.env', 'HOME') }}/.cache/k0smotron-fleet/tokens"
    state: directory
    mode: "0700"
  delegate_to: localhost
  run_once: true

- name: A one-hour worker token for this host, kept on the controller
  k0smotron.fleet.join_token:
    cluster: shop-0042
    namespace: edge
    name: "shop-0042-worker-{{ inventory_hostname }}"
    expiry: 1h
    dest: "{{ lookup('ansible.builtin.env', 'HOME') }}/.cache/k0smotron-fleet/tokens/{{ inventory_hostname }}.token"
  delegate_to: localhost
  register: token

- name: Put it on the host, showing nothing
  ansible.builtin.copy:
    src: "{{ token.path }}"
    dest: /etc/k0s/join-token
    mode: "0600"
  no_log: true
  diff: false

- name: Revoke it once the host has joined
  k0smotron.fleet.join_token:
    cluster: shop-0042
    namespace: edge
    name: "shop-0042-worker-{{ inventory_hostname }}"
    dest: "{{ lookup('ansible.builtin.env', 'HOME') }}/.cache/k0smotron-fleet/tokens/{{ inventory_hostname }}.token"
    state: absent
  delegate_to: localhost

- name: One token for each host of a site, in one call on the controller
  k0smotron.fleet.join_token:
    cluster: shop-0042
    namespace: edge
    expiry: 30m
    tokens:
      - {name: shop-0042-a, dest: /home/ops/.cache/k0smotron-fleet/tokens/shop-0042-a.token}
      - {name: shop-0042-b, dest: /home/ops/.cache/k0smotron-fleet/tokens/shop-0042-b.token}
  register: site_tokens
"""

RETURN = r"""
name:
  description: Name of the JoinTokenRequest (and of the Secret holding the token).
  returned: always
  type: str
  sample: shop-0042-worker-edge-1
namespace:
  description: Its namespace.
  returned: always
  type: str
  sample: edge
role:
  description: The role the token joins as.
  returned: always
  type: str
  sample: worker
token_id:
  description: The token's public id, as C(k0s token list) shows it. Not a secret.
  returned: when O(state=present) outside check mode
  type: str
  sample: 9k2kbc
expires_at:
  description: When the token stops working (UTC, approximate to the second).
  returned: when O(state=present) outside check mode
  type: str
  sample: "2026-11-23T20:15:00Z"
minted:
  description: Whether a new token was minted by this run.
  returned: always
  type: bool
  sample: true
replaced_because:
  description: Why the previous request was not reused, when it was replaced.
  returned: when a request was replaced
  type: str
  sample: its token expires at 2026-11-23T19:20:00Z
path:
  description: The file holding the token.
  returned: when O(dest) is given
  type: str
  sample: /home/runner/.cache/k0smotron-fleet/tokens/edge-1.token
waited:
  description: Seconds spent waiting.
  returned: always
  type: float
  sample: 3.1
tokens:
  description:
    - With O(tokens), one result per entry, in order, each with the keys above (C(name), C(path), C(token_id),
      C(expires_at), C(minted), C(changed)...). Never a token.
  returned: when O(tokens) is given
  type: list
  elements: dict
  sample:
    - name: shop-1-a
      path: /home/ops/.cache/k0smotron-fleet/tokens/shop-1-a.token
      token_id: 9k2kbc
      minted: true
      changed: true
"""

from ansible_collections.k0smotron.fleet.plugins.module_utils._runner import run_module

ARGUMENT_SPEC = dict(
    cluster=dict(type="str", required=True),
    namespace=dict(type="str", default="default"),
    name=dict(type="str"),
    role=dict(type="str", choices=["worker", "controller"], default="worker"),
    expiry=dict(type="str", default="1h"),
    renew_before=dict(type="str"),
    force=dict(type="bool", default=False),
    dest=dict(type="path"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    wait_timeout=dict(type="int", default=300),
    wait_sleep=dict(type="int", default=2),
    # Names and file paths, not tokens: nothing secret to mask.
    tokens=dict(type="list", elements="dict", no_log=False, options=dict(
        name=dict(type="str", required=True),
        dest=dict(type="path"),
    )),
)


def main():
    run_module("join_token", ARGUMENT_SPEC, mutually_exclusive=[("tokens", "name"), ("tokens", "dest")])


if __name__ == "__main__":
    main()
