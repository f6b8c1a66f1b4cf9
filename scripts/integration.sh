#!/usr/bin/env bash
# ansible-test integration for ansible-core 2.21 (at -vvvv, logged) and 2.17,
# plus the secret check.  Run through scripts/with-sim.sh so the simulator is
# up and CROSSPEER_API_KEY and ACRONIS_DR_{ADMIN,OPERATOR,READONLY}_CLIENT_SECRET
# hold the secrets from its ready file.
#
# Environment (set by the Makefile): VENV, VENV_217, TOOLS_BIN, COLL_DIR,
# TEST_PYTHON (e.g. 3.12), LOG_DIR.  For development: TARGETS (ansible-test
# target names or patterns, default all) and SKIP_217=1 (2.21 only).
set -euo pipefail

: "${VENV:?}" "${VENV_217:?}" "${TOOLS_BIN:?}" "${COLL_DIR:?}" "${TEST_PYTHON:?}" "${LOG_DIR:?}"
# The secrets to look for, by the name of the variable that holds each one
# (names are printed, values never).
# (every service's secrets, as the simulator's ready file names them: scripts/sim.py secret-vars).
mapfile -t secret_vars < <("$VENV/bin/python" "$(dirname "${BASH_SOURCE[0]}")/sim.py" secret-vars)
grep_args=()
for var in "${secret_vars[@]}"; do
    if [ -z "${!var:-}" ]; then
        echo "ERROR: $var is empty (the simulator's ready file lacks that secret); cannot run the secret check" >&2
        exit 1
    fi
    grep_args+=(-e "${!var}")
done

shopt -s nullglob
targets=("$COLL_DIR"/tests/integration/targets/*/)
if [ "${#targets[@]}" -eq 0 ]; then
    echo "integration: no targets under tests/integration/targets/ yet -- nothing to run"
    exit 0
fi

mkdir -p "$LOG_DIR"
log="$LOG_DIR/integration-2.21-vvvv.log"

secret_check() {
    # $1 = what was just run
    local hits var
    # (ansible-test copies integration_config.yml, which holds the secrets, into
    # tests/output/.tmp/ while a target runs: that copy is not a leak)
    hits="$( { grep -rlF --exclude=integration_config.yml "${grep_args[@]}" "$COLL_DIR/tests/output" 2>/dev/null || true; \
               grep -lF "${grep_args[@]}" "$log" 2>/dev/null || true; } )"
    if [ -n "$hits" ]; then
        echo "ERROR: a simulator secret leaked into the output of $1:" >&2
        while IFS= read -r line; do printf '    %s\n' "$line" >&2; done <<< "$hits"
        for var in "${secret_vars[@]}"; do
            if grep -rqF --exclude=integration_config.yml -- "${!var}" "$log" "$COLL_DIR/tests/output" 2>/dev/null; then
                echo "  the value of $var, at (file:line; the secret itself is not printed):" >&2
                grep -rnF --exclude=integration_config.yml -- "${!var}" "$log" "$COLL_DIR/tests/output" 2>/dev/null \
                    | cut -d: -f1,2 | head -n 20 >&2 || true
            fi
        done
        exit 1
    fi
    echo "secret check after $1: no simulator secret (${secret_vars[*]}) in the log or tests/output/"
}

cd "$COLL_DIR"
rm -rf tests/output

echo "=== ansible-test integration (ansible-core $("$VENV/bin/python" -c 'import ansible; print(ansible.__version__)'), -vvvv, log: $log)"
set +e
# The -vvvv output (several MB) goes to the log; the console gets one line per target
# and the recap, or the end of the log when something failed.
read -r -a target_args <<< "${TARGETS:-}"
PATH="$TOOLS_BIN:$VENV/bin:$PATH" "$VENV/bin/ansible-test" integration --venv --python "$TEST_PYTHON" --color no -vvvv \
    "${target_args[@]}" > "$log" 2>&1
rc=$?
set -e
grep -E '^(Running .* integration test role|PLAY RECAP|localhost +:)' "$log" || true
[ "$rc" -eq 0 ] || tail -n 150 "$log"
secret_check "ansible-test integration -vvvv (2.21)"
[ "$rc" -eq 0 ] || { echo "ERROR: ansible-test integration (2.21) failed (exit $rc)" >&2; exit "$rc"; }

if [ "${SKIP_217:-0}" = 1 ]; then
    echo "SKIP_217=1: not running the ansible-core 2.17 pass"
    exit 0
fi
echo "=== ansible-test integration (ansible-core $("$VENV_217/bin/python" -c 'import ansible; print(ansible.__version__)'))"
PATH="$TOOLS_BIN:$VENV_217/bin:$PATH" "$VENV_217/bin/ansible-test" integration --venv --python "$TEST_PYTHON" --color no "${target_args[@]}"
secret_check "ansible-test integration (2.17)"
