#!/usr/bin/env bash
# Least privilege, proven: each engine's modules as a ServiceAccount bound to the Role of
# docs/rbac/native-namespace-role.yml (native) or docs/rbac/k0smotron-namespace-role.yml
# (k0smotron), then to each variant of it with one verb of one resource taken away (made from the
# file, so a new rule is tested with no change here). Each variant is a host of its own (rbac.yml),
# run in parallel.
set -euo pipefail
export ANSIBLE_FORKS=${ANSIBLE_FORKS:-10}
export ANSIBLE_ROLES_PATH=..   # setup_management, beside this target
exec ansible-playbook -i "$INVENTORY_PATH" -e @../../integration_config.yml rbac.yml "$@"
