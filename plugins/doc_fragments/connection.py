# -*- coding: utf-8 -*-
# Copyright (c) k0smotron.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # The connection to the management cluster. Same names, aliases and environment variables
    # as kubernetes.core's k8s_auth_options, so one module_defaults block serves both.
    DOCUMENTATION = r"""
options:
  kubeconfig:
    description:
      - Path to the management cluster's kubeconfig, or the kubeconfig itself as a dictionary.
      - When neither this, O(host) nor E(K8S_AUTH_KUBECONFIG) is given, C(~/.kube/config) (or the first
        file in E(KUBECONFIG)) is used, and in a pod the service account is used.
      - When O(host) comes with credentials (O(api_key), O(username) and O(password), or O(client_cert) and
        O(client_key)) and neither this nor O(context) is given, no kubeconfig is read, as with kubernetes.core.
      - Read on the host the module runs on, usually the controller.
    type: raw
  context:
    description:
      - The kubeconfig context to use. Defaults to the kubeconfig's current context.
      - Can also be set with E(K8S_AUTH_CONTEXT).
    type: str
  host:
    description:
      - URL of the management cluster's API server, for example V(https://10.0.0.1:6443).
      - Overrides the server of the kubeconfig. Can also be set with E(K8S_AUTH_HOST).
    type: str
  api_key:
    description:
      - A bearer token for the API. Can also be set with E(K8S_AUTH_API_KEY).
    type: str
  username:
    description:
      - User name for basic authentication. Can also be set with E(K8S_AUTH_USERNAME).
    type: str
  password:
    description:
      - Password for basic authentication. Can also be set with E(K8S_AUTH_PASSWORD).
    type: str
  validate_certs:
    description:
      - Whether to verify the API server's certificate. Defaults to the kubeconfig's setting, which is to verify.
      - Can also be set with E(K8S_AUTH_VERIFY_SSL).
    type: bool
    aliases: [verify_ssl]
  ca_cert:
    description:
      - Path to a CA certificate that signed the API server's certificate.
      - Can also be set with E(K8S_AUTH_SSL_CA_CERT).
    type: path
    aliases: [ssl_ca_cert]
  client_cert:
    description:
      - Path to a client certificate for authentication. Can also be set with E(K8S_AUTH_CERT_FILE).
    type: path
    aliases: [cert_file]
  client_key:
    description:
      - Path to the key of O(client_cert). Can also be set with E(K8S_AUTH_KEY_FILE).
    type: path
    aliases: [key_file]
  proxy:
    description:
      - URL of an HTTP proxy to reach the API through. Can also be set with E(K8S_AUTH_PROXY).
    type: str
  no_proxy:
    description:
      - Comma-separated hosts, domains, IP addresses or CIDRs to reach without O(proxy).
      - Can also be set with E(K8S_AUTH_NO_PROXY).
    type: str
  proxy_headers:
    description:
      - Headers to send to the proxy.
    type: dict
    suboptions:
      proxy_basic_auth:
        description:
          - C(user:password) for the proxy's basic authentication.
        type: str
      basic_auth:
        description:
          - C(user:password) for basic authentication.
        type: str
      user_agent:
        description:
          - The User-Agent header to send.
        type: str
  persist_config:
    description:
      - Accepted so that kubernetes.core's module_defaults apply unchanged. This collection never
        writes to the kubeconfig, so refreshed credentials are not saved back.
    type: bool
  impersonate_user:
    description:
      - The user to act as, through Kubernetes impersonation. Can also be set with E(K8S_AUTH_IMPERSONATE_USER).
    type: str
  impersonate_groups:
    description:
      - The groups to act as, through Kubernetes impersonation (one C(Impersonate-Group) header each).
      - Can also be set with E(K8S_AUTH_IMPERSONATE_GROUPS), comma-separated.
    type: list
    elements: str
  request_timeout:
    description:
      - Seconds each API call may take before it fails, connecting included. A call that could not connect is
        tried once more within the same time, so an unreachable API is reported after at most this long.
    type: float
    default: 30
notes:
  - >-
    The modules talk to the management cluster from wherever they run; run them on the controller
    (C(delegate_to: localhost), or a play on C(localhost)) unless the hosts can reach that API.
requirements:
  - python >= 3.8
  - kubernetes >= 24.2.0 (the Python client)
"""

    WAIT = r"""
options:
  wait:
    description:
      - Whether to wait until the object reaches the state asked for.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait before failing with a diagnosis.
      - The default suits slow sites; hosted control planes usually start within two minutes.
    type: int
    default: 600
  wait_sleep:
    description:
      - Seconds between checks while waiting.
    type: int
    default: 5
"""
