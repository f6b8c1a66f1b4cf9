#!/usr/bin/env bash
# Run a command with the simulator running, and stop the simulator afterwards
# whatever happens (exit, error, Ctrl-C).
#
#   scripts/with-sim.sh PYTHON [--config PATH]... -- COMMAND [ARGS...]
#
# PYTHON runs scripts/sim.py and the simulator.  The command sees the
# simulator's coordinates as environment variables (SIM_URL, SIM_HTTPS_URL,
# SIM_CA_PATH, CROSSPEER_API_URL, CROSSPEER_HTTPS_URL, CROSSPEER_API_USER,
# CROSSPEER_API_KEY, ACRONIS_DR_URL, ACRONIS_DR_HTTPS_URL and
# ACRONIS_DR_{ADMIN,OPERATOR,READONLY}_CLIENT_{ID,SECRET}: every variable of
# `scripts/sim.py env`) and each --config path holds an integration_config.yml.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="$1"; shift
start_args=()
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
    start_args+=("$1"); shift
done
[ "${1:-}" = "--" ] && shift
if [ "$#" -eq 0 ]; then
    echo "usage: $0 PYTHON [--config PATH]... -- COMMAND [ARGS...]" >&2
    exit 2
fi

trap '"$python" "$here/sim.py" stop || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$python" "$here/sim.py" start "${start_args[@]}"
eval "$("$python" "$here/sim.py" env)"
set +e
"$@"
rc=$?
set -e
exit "$rc"
