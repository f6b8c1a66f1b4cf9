# Build/test toolchain of the backupdr.cloud Ansible collection.
#
# Everything is installed from PyPI by the targets themselves; `make test` is
# what CI runs (.ci/run).  `make help` lists the targets.
#
# Layout of generated files (all git-ignored and excluded from the build):
#   .venv/        ansible-core 2.21 + ansible-lint, antsibull-*, galaxy-importer ...
#   .venv-2.17/   ansible-core 2.17 (oldest supported) + pytest
#   .tools/bin/   symlinks to the real python3.12/python3.13 (pyenv shims fail
#                 under ansible-test, which strips PYENV_VERSION)
#   .build/ansible_collections/backupdr/cloud/   copy for ansible-test
#   .build/dist/  built collection tarball      .build/collections/  installed
#   .build/logs/  logs (integration -vvvv)      .sim/  simulator state/ready file
#   .bench/       results of make bench

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

NAMESPACE   := backupdr
NAME        := cloud
ROOT        := $(CURDIR)
VENV        := $(ROOT)/.venv
VENV_217    := $(ROOT)/.venv-2.17
TOOLS_BIN   := $(ROOT)/.tools/bin
BUILD       := $(ROOT)/.build
COLL_DIR    := $(BUILD)/ansible_collections/$(NAMESPACE)/$(NAME)
DIST        := $(BUILD)/dist
INSTALL_DIR := $(BUILD)/collections
LOG_DIR     := $(BUILD)/logs
PY          := $(VENV)/bin/python
# Python version ansible-test runs the tests with (--python); it must be a
# real binary in $(TOOLS_BIN).
TEST_PYTHON ?= 3.12

# PATH for the tools: real interpreters first, then the venv's console scripts.
PATH_221 := $(TOOLS_BIN):$(VENV)/bin:$(PATH)
PATH_217 := $(TOOLS_BIN):$(VENV_217)/bin:$(PATH)
ANSIBLE_TEST_ARGS := --venv --python $(TEST_PYTHON) --color no

# Sub-tools must never wait for a terminal or call home.
export ANSIBLE_NOCOLOR := 1
export ANSIBLE_FORCE_COLOR := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PY_COLORS := 0
export ANSIBLE_LINT_SKIP_SCHEMA_UPDATE := 1

# Order of `make test`: cheap static checks first, then the slow ansible-test runs.
TEST_STEPS := venv collection changelog-lint docs-lint api-coverage-check lint build importer awx-ee \
              sanity sanity-2.17 units integration awx examples

.PHONY: help venv venv-2.21 venv-2.17 tools collection sanity sanity-2.21 sanity-2.17 \
        units units-2.21 units-2.17 integration lint docs-lint changelog-lint build \
        importer install demo bench sim-start sim-stop simulator test clean distclean awx awx-ee faults examples \
        api-coverage api-coverage-check

help:
	@echo "backupdr.cloud -- make targets"
	@echo "  venv           .venv (ansible-core 2.21 + tools) and .venv-2.17, .tools/bin, offline get-pip stand-ins"
	@echo "  collection     copy the source files to $(patsubst $(ROOT)/%,%,$(COLL_DIR))"
	@echo "  sanity         ansible-test sanity, ansible-core 2.21     (sanity-2.17: with 2.17)"
	@echo "  units          ansible-test units, 2.21 and 2.17"
	@echo "  integration    simulator + ansible-test integration, 2.21 (-vvvv + secret check) and 2.17"
	@echo "  lint           ansible-lint (production profile)"
	@echo "  docs-lint      antsibull-docs lint-collection-docs --plugin-docs"
	@echo "  changelog-lint antsibull-changelog lint"
	@echo "  build          ansible-galaxy collection build -> .build/dist/"
	@echo "  importer       galaxy-importer on the built tarball (fails on WARNING/ERROR)"
	@echo "  awx            AWX credential types: schema/collection checks + one ansible-runner job per service vs the simulator"
	@echo "  awx-ee         ansible-builder create on an EE with the tarball + offline introspection of its requirements"
	@echo "  examples       every EXAMPLES block and docs yaml block against the simulator (tests/examples/)"
	@echo "  test           all of the above in order, with a timing summary (what CI runs)"
	@echo "  sim-start      start the simulator in the background, write integration_config.yml"
	@echo "  sim-stop       stop it                  simulator: run it in the foreground (8450/8451)"
	@echo "  demo           build, install, run the demo playbooks (every service) against the simulator"
	@echo "  bench          run tests/bench/run.py against the simulator"
	@echo "  faults         the fault matrix: every write operation under every injected fault (tests/faults/matrix.py)"
	@echo "  api-coverage   regenerate docs/api-coverage.md (every endpoint of every seed: the module that reaches it)"
	@echo "  clean          remove generated files (keeps the venvs); distclean: also the venvs"

# ---------------------------------------------------------------- environments

venv: venv-2.21 venv-2.17 tools

venv-2.21:
	@py="$$(scripts/find-python.sh 3.12 3.13)"; \
	scripts/ensure-venv.sh "$(VENV)" "$$py" requirements-dev.txt requirements.txt

venv-2.17:
	@py="$$(scripts/find-python.sh 3.12)"; \
	scripts/ensure-venv.sh "$(VENV_217)" "$$py" requirements-217.txt requirements.txt

# Real interpreters for ansible-test (--python X.Y looks up pythonX.Y on PATH),
# and shellcheck (from .venv) for the shellcheck sanity test of both cores.
tools: venv-2.21
	@mkdir -p "$(TOOLS_BIN)"; \
	ln -sfn "$(VENV)/bin/shellcheck" "$(TOOLS_BIN)/shellcheck"; \
	found=0; \
	for v in 3.12 3.13; do \
	    if py="$$(scripts/find-python.sh $$v 2>/dev/null)"; then \
	        ln -sfn "$$py" "$(TOOLS_BIN)/python$$v"; found=1; \
	    else \
	        rm -f "$(TOOLS_BIN)/python$$v"; \
	    fi; \
	done; \
	[ "$$found" = 1 ] || { echo "ERROR: neither python3.12 nor python3.13 found" >&2; exit 1; }; \
	if [ ! -e "$(TOOLS_BIN)/python$(TEST_PYTHON)" ]; then \
	    echo "ERROR: python$(TEST_PYTHON) not found (TEST_PYTHON=$(TEST_PYTHON)); ansible-test needs it" >&2; exit 1; \
	fi; \
	echo "$(patsubst $(ROOT)/%,%,$(TOOLS_BIN)): $$(cd "$(TOOLS_BIN)" && for f in *; do printf '%s -> %s  ' "$$f" "$$(readlink "$$f")"; done)"

# ------------------------------------------------------------ collection copy

collection: venv-2.21
	@"$(PY)" scripts/sync_collection.py "$(COLL_DIR)"

# ------------------------------------------------------------------- ansible-test

sanity: sanity-2.21

sanity-2.21: venv collection
	@scripts/check-sanity-ignores.sh
	cd "$(COLL_DIR)" && PATH="$(PATH_221)" ansible-test sanity $(ANSIBLE_TEST_ARGS)

sanity-2.17: venv collection
	@scripts/check-sanity-ignores.sh
	cd "$(COLL_DIR)" && PATH="$(PATH_217)" ansible-test sanity $(ANSIBLE_TEST_ARGS)

units: units-2.21 units-2.17

units-2.21: venv collection
	@scripts/units.sh "$(COLL_DIR)" "$(PATH_221)" $(ANSIBLE_TEST_ARGS)

units-2.17: venv collection
	@scripts/units.sh "$(COLL_DIR)" "$(PATH_217)" $(ANSIBLE_TEST_ARGS)

# Sharded (SHARDS, default 2): each shard has its own collection copy and simulator (scripts/integration.sh).
integration: venv collection
	@env VENV="$(VENV)" VENV_217="$(VENV_217)" TOOLS_BIN="$(TOOLS_BIN)" COLL_DIR="$(COLL_DIR)" \
	    TEST_PYTHON="$(TEST_PYTHON)" LOG_DIR="$(LOG_DIR)" scripts/integration.sh

# ---------------------------------------------------------------------- linters

# ANSIBLE_COLLECTIONS_PATH stays unset: with it set ansible-lint installs the
# collection into ~/.ansible/collections.
lint: venv
	env -u ANSIBLE_COLLECTIONS_PATH -u ANSIBLE_COLLECTIONS_PATHS PATH="$(VENV)/bin:$(PATH)" ansible-lint

docs-lint: venv collection
	cd "$(COLL_DIR)" && PATH="$(VENV)/bin:$(PATH)" antsibull-docs lint-collection-docs --plugin-docs .

changelog-lint: venv
	PATH="$(VENV)/bin:$(PATH)" antsibull-changelog lint

# ------------------------------------------------------------------- packaging

# Built from the collection copy, which holds only the files git lists
# (tracked + untracked-not-ignored), so stray local files (a venv, logs) in the
# work tree can never end up in the tarball; build_ignore drops the rest.
build: venv collection
	@mkdir -p "$(DIST)"
	@rm -f "$(DIST)"/$(NAMESPACE)-$(NAME)-*.tar.gz
	cd "$(COLL_DIR)" && PATH="$(VENV)/bin:$(PATH)" ansible-galaxy collection build --force --output-path "$(DIST)"
	@"$(PY)" scripts/check_tarball.py "$(DIST)"/$(NAMESPACE)-$(NAME)-*.tar.gz

importer: build
	@scripts/importer.sh "$(PY)" "$(LOG_DIR)" "$(DIST)"/$(NAMESPACE)-$(NAME)-*.tar.gz

install: build
	rm -rf "$(INSTALL_DIR)/ansible_collections/$(NAMESPACE)/$(NAME)"
	ANSIBLE_GALAXY_COLLECTIONS_PATH_WARNING=false PATH="$(VENV)/bin:$(PATH)" \
	    ansible-galaxy collection install --offline --force \
	    -p "$(INSTALL_DIR)" "$(DIST)"/$(NAMESPACE)-$(NAME)-*.tar.gz

# ------------------------------------------------------------------------- AWX

# Credential types (extensions/awx/credential_types/) rendered as the controller does, one ansible-runner job
# per service against the simulator, with ansible-core 2.21 and 2.17.
awx: venv install
	@scripts/with-sim.sh "$(PY)" -- bash -c '"$$0" tests/awx/check_credential_types.py --collections-path "$$1" && \
	    "$$0" tests/awx/check_credential_types.py --collections-path "$$1" --ansible-bin-dir "$$2"' \
	    "$(PY)" "$(INSTALL_DIR)" "$(VENV_217)/bin"

# Every EXAMPLES block and yaml block of the docs against the simulator (tests/examples/README.md).
# Extra arguments: make examples EXAMPLES_ARGS="--only docs/crosspeer --keep"
EXAMPLES_ARGS ?=
# Two shards at once (the blocks of a source stay together), each against its own simulator.
examples: venv install
	@rm -f "$(LOG_DIR)"/examples.*.log; mkdir -p "$(LOG_DIR)"; pids=""; \
	for k in 0 1; do \
	    BACKUPDR_SIM_DIR="$(BUILD)/sim-examples$$k" scripts/with-sim.sh "$(PY)" -- "$(PY)" tests/examples/run_examples.py \
	        --collections-path "$(INSTALL_DIR)" --ansible-bin-dir "$(VENV)/bin" --shard $$k/2 $(EXAMPLES_ARGS) \
	        > "$(LOG_DIR)/examples.$$k.log" 2>&1 & pids="$$pids $$!"; \
	done; rc=0; for pid in $$pids; do wait $$pid || rc=1; done; \
	cat "$(LOG_DIR)"/examples.*.log; exit $$rc

# meta/execution-environment.yml through `ansible-builder create` (no container engine needed).
awx-ee: venv build
	@"$(PY)" tests/awx/check_ee.py --tarball "$(DIST)"/$(NAMESPACE)-$(NAME)-*.tar.gz

# -------------------------------------------------------------------- simulator

sim-start: venv-2.21
	@if [ -d "$(COLL_DIR)/tests/integration" ]; then extra=(--config "$(COLL_DIR)/tests/integration/integration_config.yml"); else extra=(); fi; \
	"$(PY)" scripts/sim.py start --config tests/integration/integration_config.yml "$${extra[@]}"

sim-stop:
	@if [ -x "$(PY)" ]; then "$(PY)" scripts/sim.py stop; else python3 scripts/sim.py stop; fi

simulator: venv-2.21
	"$(PY)" tests/simulator/run.py

demo: venv install
	@scripts/with-sim.sh "$(PY)" -- env ANSIBLE_COLLECTIONS_PATH="$(INSTALL_DIR)" PATH="$(VENV)/bin:$(PATH)" \
	    ansible-playbook -i playbooks/inventory/demo.crosspeer.yml playbooks/demo.yml playbooks/demo_acronis_dr.yml \
	    playbooks/demo_rax_backup.yml playbooks/demo_cpm.yml playbooks/demo_cloudendure.yml

# Every write operation under every injected fault; FAULTS_ARGS="--only 'drive create'" narrows it.
FAULTS_ARGS ?=
faults: venv collection
	@scripts/with-sim.sh "$(PY)" -- "$(PY)" tests/faults/matrix.py --ready-file "$(ROOT)/.sim/ready.json" \
	    --collection-root "$(COLL_DIR)" --output "$(LOG_DIR)/faults.json" $(FAULTS_ARGS)

# docs/api-coverage.md from the simulator's routes, the modules' `# api:` lines and scripts/api_coverage_map.yml
# (the units step fails when it is stale).
api-coverage: venv
	"$(PY)" scripts/api_coverage.py

# Fails when docs/api-coverage.md is not what `make api-coverage` would write (part of make test).
api-coverage-check: venv
	"$(PY)" scripts/api_coverage.py --check

# Extra arguments: make bench BENCH_ARGS="--only transfer"
BENCH_ARGS ?=
bench: venv install
	@scripts/with-sim.sh "$(PY)" -- env ANSIBLE_COLLECTIONS_PATH="$(INSTALL_DIR)" PATH="$(VENV)/bin:$(PATH)" \
	    "$(PY)" tests/bench/run.py --ready-file "$(ROOT)/.sim/ready.json" --ansible-bin-dir "$(VENV)/bin" \
	    --collections-path "$(INSTALL_DIR)" $(BENCH_ARGS)

# ------------------------------------------------------------------------- all

test:
	@MAKE="$(MAKE)" scripts/run-steps.sh $(TEST_STEPS)

clean: sim-stop
	rm -rf .build .sim .tools .bench tests/output tests/integration/inventory \
	    tests/integration/integration_config.yml changelogs/.plugin-cache.yaml \
	    .ansible .pytest_cache .benchmarks importer_result.json
	find . -path ./.git -prune -o -path './.venv*' -prune -o -type d -name __pycache__ -print0 | xargs -0 rm -rf

distclean: clean
	rm -rf .venv .venv-2.17
