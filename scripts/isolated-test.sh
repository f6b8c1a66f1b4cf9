#!/usr/bin/env bash
# Run ansible-test on a private copy of the collection, with a private simulator, so that several
# people (or helpers) can test at once without sharing .build/, .sim/ or ports.
#
#   scripts/isolated-test.sh NAME integration [TARGET...]      # ansible-core 2.21 (-v), your targets
#   scripts/isolated-test.sh NAME integration-217 [TARGET...]  # the same with ansible-core 2.17
#   scripts/isolated-test.sh NAME sanity [ansible-test sanity args, e.g. --test pylint plugins/modules/x.py]
#   scripts/isolated-test.sh NAME units [paths]
#
# The copy lives in /tmp/backupdr-iso-NAME/ansible_collections/backupdr/cloud (re-synced from the work
# tree on every call); the simulator's state in /tmp/backupdr-iso-NAME/sim. Needs `make venv` once.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name="${1:?usage: $0 NAME integration|integration-217|sanity|units [ARGS...]}"
what="${2:?usage: $0 NAME integration|integration-217|sanity|units [ARGS...]}"
shift 2
base="/tmp/backupdr-iso-$name"
coll="$base/ansible_collections/backupdr/cloud"
venv="$root/.venv"
venv217="$root/.venv-2.17"
tools="$root/.tools/bin"
[ -x "$venv/bin/python" ] || { echo "run 'make venv' first" >&2; exit 2; }
mkdir -p "$base"
"$venv/bin/python" "$root/scripts/sync_collection.py" "$coll" >/dev/null

case "$what" in
    integration|integration-217)
        export BACKUPDR_SIM_DIR="$base/sim"
        trap '"$venv/bin/python" "$root/scripts/sim.py" stop >/dev/null 2>&1 || true' EXIT
        "$venv/bin/python" "$root/scripts/sim.py" start --config "$coll/tests/integration/integration_config.yml" >/dev/null
        eval "$("$venv/bin/python" "$root/scripts/sim.py" env)"
        if [ "$what" = integration ]; then bin="$venv/bin"; else bin="$venv217/bin"; fi
        cd "$coll"
        PATH="$tools:$bin:$PATH" "$bin/ansible-test" integration --venv --python 3.12 --color no -v "$@"
        ;;
    sanity)
        cd "$coll"
        PATH="$tools:$venv/bin:$PATH" "$venv/bin/ansible-test" sanity --venv --python 3.12 --color no "$@"
        ;;
    units)
        cd "$coll"
        PATH="$tools:$venv/bin:$PATH" "$venv/bin/ansible-test" units --venv --python 3.12 --color no "$@"
        ;;
    *)
        echo "unknown command $what" >&2; exit 2;;
esac
