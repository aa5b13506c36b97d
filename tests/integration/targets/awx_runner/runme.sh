#!/usr/bin/env bash
# AWX as it runs: playbooks/site.yml, playbooks/status.yml and a token's mint and revocation
# through ansible-runner, with only the environment AWX's Kubernetes credential injects (K8S_AUTH_*,
# a ServiceAccount bound to docs/rbac/native-namespace-role.yml); then every secret the runs
# handled is searched for in the runner's artifacts, and site.yml's set_stats is read from them.
# API tier only (tests/apiserver/run-integration.sh); awx_run.py says what it does step by step.
set -euo pipefail
exec python awx_run.py ../../integration_config.yml
