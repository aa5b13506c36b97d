# k0smotron.fleet: every command a developer, CI or a user needs. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Everything built or installed lives outside the repository, keyed by what it was made from.
CACHE ?= $(or $(K0SMOTRON_FLEET_CACHE),$(HOME)/.cache/k0smotron-fleet)
PYTHON ?= python3
REQUIREMENTS := tests/requirements.txt
VENV := $(CACHE)/venv-$(shell sha256sum $(REQUIREMENTS) | cut -c1-12)
TREE := $(CACHE)/tree-$(shell echo '$(CURDIR)' | sha256sum | cut -c1-12)
# ansible-test wants the collection at .../ansible_collections/k0smotron/fleet: a copy of the
# files git tracks is made there for it; playbooks use a link to the repository itself.
TEST_COLLECTION := $(TREE)/test/ansible_collections/k0smotron/fleet
RUN_COLLECTIONS := $(TREE)/run
PYTHON_VERSION := 3.11

export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(RUN_COLLECTIONS)
export ANSIBLE_FORCE_COLOR ?= 0

.PHONY: bench bench-api bench-api-quick datastore demo lab-up lab-status lab-down molecule e2e e2e-fleet-faults e2e-if-artifacts pip-bootstrap help venv collection env shell build install-check host-tools sanity units script-tests integration lab-hosts-test lint test clean-cache

help: ## List the commands
	@# The name column is as wide as the longest target name.
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' \
	  '{ name[NR] = $$1; text[NR] = $$2; if (length($$1) > width) width = length($$1) } \
	   END { for (i = 1; i <= NR; i++) printf ("  make %-" width "s  %s\n", name[i], text[i]) }'

venv: $(VENV)/.installed ## Install the Python tools (ansible, kubernetes client, linters) into the cache

$(VENV)/.installed:
	@echo "[venv] installing $(REQUIREMENTS) into $(VENV)"
	@start=$$(date +%s); \
	rm -rf '$(VENV)'; $(PYTHON) -m venv '$(VENV)'; \
	'$(VENV)/bin/pip' install --quiet --disable-pip-version-check -r $(REQUIREMENTS); \
	touch '$@'; echo "[venv] done in $$(( $$(date +%s) - start ))s"

collection: venv ## Make k0smotron.fleet (this checkout) visible to ansible-playbook and ansible-doc
	@mkdir -p '$(RUN_COLLECTIONS)/ansible_collections/k0smotron'
	@ln -sfn '$(CURDIR)' '$(RUN_COLLECTIONS)/ansible_collections/k0smotron/fleet'

# The two variables a shell needs to run this checkout's ansible with k0smotron.fleet from it.
env: ## Print the exports for this checkout's ansible and collection: eval "$(make -s env)"
	@# Installing goes to stderr: stdout is only the lines that eval runs.
	@$(MAKE) --no-print-directory collection >&2
	@printf 'export PATH=%q:"$$PATH"\nexport ANSIBLE_COLLECTIONS_PATH=%q\n' '$(VENV)/bin' '$(RUN_COLLECTIONS)'

shell: collection ## Open a shell with this checkout's ansible and collection (PATH, ANSIBLE_COLLECTIONS_PATH)
	@echo "[shell] ansible from $(VENV)/bin, k0smotron.fleet from $(CURDIR); 'exit' to leave" >&2
	@# Make's own variables would leak into a nested make run from that shell.
	@# Interactive on a terminal; commands piped in (make -s shell <<<'...') run without prompts.
	@if [ -t 0 ]; then interactive=-i; else interactive=-s; fi; \
	exec env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES bash "$$interactive"

DIST := $(TREE)/dist
INSTALLED := $(TREE)/installed

build: venv ## Build the collection tarball into the cache (path printed)
	@mkdir -p '$(DIST)'
	ansible-galaxy collection build --force --output-path '$(DIST)' .

install-check: build ## Install the built tarball and render every module's docs from it
	@rm -rf '$(INSTALLED)'
	@# --no-deps: Galaxy is not reachable here; kubernetes.core comes with the ansible package.
	ansible-galaxy collection install --no-deps --force -p '$(INSTALLED)' \
	  "$$(ls -t '$(DIST)'/k0smotron-fleet-*.tar.gz | head -n1)"
	@for module in $$(ls plugins/modules/*.py | xargs -n1 basename | sed 's/\.py$$//'); do \
	  ANSIBLE_COLLECTIONS_PATH='$(INSTALLED)' ansible-doc k0smotron.fleet.$$module > /dev/null \
	    && echo "[docs] k0smotron.fleet.$$module renders from the installed collection" || exit 1; \
	done

$(TEST_COLLECTION): FORCE
	@rm -rf '$@' && mkdir -p '$@'
	@# What git tracks (staged included), as a clean clone in CI would have it; a file deleted in the
	@# work tree and not yet staged is left out.
	@git ls-files -z | tar --null --ignore-failed-read -cf - -T - 2>/dev/null | tar -xf - -C '$@'
	@# The collections this one depends on, beside it, where ansible-test looks for them: the copies
	@# that come with the ansible package (the versions CI pins in tests/requirements.txt).
	@for dependency in kubernetes/core; do \
	  source=$$(python -c "import importlib, sys; print(list(importlib.import_module('ansible_collections.' + sys.argv[1].replace('/', '.')).__path__)[0])" $$dependency); \
	  rm -rf '$(TREE)/test/ansible_collections/'$$dependency; mkdir -p "$$(dirname '$(TREE)/test/ansible_collections/'$$dependency)"; \
	  cp -a "$$source" '$(TREE)/test/ansible_collections/'$$dependency; \
	done

FORCE:

# ansible-test bootstraps pip in its venvs with a script from a host that is not reachable here;
# tests/utils/get_pip.py does the same from the standard library and PyPI.
ANSIBLE_TEST_PIP := $$(python -c 'import re, ansible_test._internal.python_requirements as r; \
	print(re.search(r"pip=.([0-9.]+).", open(r.__file__).read()).group(1))')
pip-bootstrap: venv
	@version=$(ANSIBLE_TEST_PIP); target=~/.ansible/test/cache/get_pip_$${version//./_}.py; \
	mkdir -p "$$(dirname "$$target")"; cmp -s tests/utils/get_pip.py "$$target" || cp tests/utils/get_pip.py "$$target"

sanity: venv pip-bootstrap $(TEST_COLLECTION) ## ansible-test sanity, no ignore files
	cd '$(TEST_COLLECTION)' && ansible-test sanity --python $(PYTHON_VERSION) --requirements --color no

units: venv pip-bootstrap $(TEST_COLLECTION) ## Unit tests (pytest through ansible-test)
	cd '$(TEST_COLLECTION)' && ansible-test units --python $(PYTHON_VERSION) --requirements --color no

integration: venv pip-bootstrap $(TEST_COLLECTION) ## Module integration tests against a real kube-apiserver (built from Go modules)
	lab/build/build.sh kubernetes etcd
	tests/apiserver/run-integration.sh '$(TEST_COLLECTION)'

demo: collection ## The main job: site.yml on the local lab (lab up, site.yml, status.yml; each phase timed)
	lab/demo.sh

bench: collection ## The benchmark on the lab with real k0s, then the API tier's (tests/output/bench: results.json, results.md, charts)
	lab/build/build.sh kubernetes etcd
	python tests/bench/bench.py lab $(BENCH_ARGS)

bench-api: collection ## The benchmark's figures on the real kube-apiserver tiers, no k0s (tests/output/bench)
	lab/build/build.sh kubernetes etcd
	python tests/bench/bench.py api $(BENCH_ARGS)

# make test runs the API benchmark small (tests/output/bench-quick), so that its harness cannot rot.
bench-api-quick: collection
	lab/build/build.sh kubernetes etcd
	python tests/bench/bench.py api --quick

lab-up: ## The lab: a management k0s cluster and edge hosts in podman (root; finds or downloads k0s, see README)
	lab/lab.sh up

lab-status: ## What the lab runs: nodes, the management cluster's pods, memory
	lab/lab.sh status

lab-down: ## Remove the lab: every container, volume and network it made
	lab/lab.sh down

molecule: collection ## The worker role's Molecule scenario on lab edge-host containers (a stand-in binary, no join; root)
	lab/host/setup.sh >/dev/null
	lab/images/build-node-image.sh >/dev/null
	cd roles/worker && molecule test -s stand-in-binary

e2e: collection ## End-to-end tests on real k0s in the lab (summary: tests/output/e2e-summary.json)
	@# pytest (tests/e2e/conftest.py); PYTEST_ADDOPTS='-k NAME' runs some cases only. The JUnit
	@# report goes beside ansible-test's, where make test's closing line counts it.
	python -m pytest tests/e2e --junitxml='$(TEST_COLLECTION)/tests/output/junit/e2e.xml'

# The fleet's cases only (test_6 to test_8), with the faults at fleet size that make test leaves out
# (tests/e2e/test_7_fleet_faults.py: 12-13 minutes more than CI's 90 minutes safely leave), on the lab as it is
# (lab-up makes it when it is not running).
e2e-fleet-faults: collection ## The fleet's e2e cases with its faults (every CP pod killed, SQL restart, host cut off, management restart)
	E2E_FLEET_FAULTS=1 E2E_REUSE_LAB=1 python -m pytest tests/e2e -k 'lab_up or fleet' \
	  --junitxml='$(TEST_COLLECTION)/tests/output/junit/e2e-fleet.xml'

# make test runs the end-to-end suite when the k0s release files are in the artifacts folder
# (lab/artifacts.sh --expected says where), and says in one line that it skipped it otherwise.
e2e-if-artifacts: collection
	@if LAB_OFFLINE=1 lab/artifacts.sh >/dev/null 2>&1; then $(MAKE) --no-print-directory e2e; else \
	  echo "e2e: skipped: no k0s $$(. lab/versions.env; echo $$K0S_VERSION) release files in" \
	    "$${K0SMOTRON_FLEET_ARTIFACTS:-$(CACHE)/artifacts} (lab/artifacts.sh --expected lists them)"; fi

datastore: venv $(TEST_COLLECTION) ## The shared-datastore layer against throwaway PostgreSQL and MariaDB servers (Debian's packages, root to install)
	bash tests/datastore/run.sh --junitxml='$(TEST_COLLECTION)/tests/output/junit/datastore.xml'

lab-hosts-test: ## Edge-host containers (systemd, sshd, nested containerd) build, boot and clean up (root)
	lab/host/selftest.sh

# ansible-lint installs a copy of the collection into $ANSIBLE_HOME/collections; by default that
# is ~/.ansible/collections, where any later ansible run outside this project would find it.
lint: collection ## ansible-lint at the production profile
	ANSIBLE_HOME='$(TREE)/ansible-home' ansible-lint --profile production

host-tools: ## Install the system tools the tests use (shellcheck), as root, when missing
	@command -v shellcheck >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then echo "[host] installing shellcheck"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; \
	  else echo "[host] shellcheck missing: run 'sudo apt-get install shellcheck'" >&2; exit 1; fi; }

script-tests: ## Tests of the Makefile and the lab scripts (tests/shell)
	tests/shell/run.sh

test: host-tools sanity units script-tests datastore integration bench-api-quick lab-hosts-test molecule lint install-check e2e-if-artifacts ## Every test CI runs: sanity, unit, scripts, the shared datastore on real PostgreSQL and MariaDB, integration against a real kube-apiserver, the API benchmark in quick mode, lab hosts, Molecule, lint, build + install + docs, and end-to-end on real k0s when its release files are found
	@python tests/utils/junit_summary.py '$(TEST_COLLECTION)/tests/output/junit'

clean-cache: ## Remove this checkout's copies in the cache (builds and the venv stay)
	rm -rf '$(TREE)'
