#!/usr/bin/env bash
# ansible-test integration, as `make integration` and CI run it:
#
# * ansible-core 2.21 at -vvvv on every target, and ansible-core 2.17 on the targets whose `aliases`
#   file lists `backupdr/core217` (a representative subset: every module family and inventory plugin
#   of every service once, the roles);
# * in SHARDS shards run at the same time (default 2, one per core): each shard has its own copy of
#   the collection (COLL_DIR.shardN) and its own simulator (.build/sim-shardN), targets are dealt to
#   the shards by their recorded durations (longest first), so the shards end at about the same time;
# * then the secret check: no simulator secret in any -vvvv log or tests/output/.
#
# Environment (set by the Makefile): VENV, VENV_217, TOOLS_BIN, COLL_DIR, TEST_PYTHON (e.g. 3.12),
# LOG_DIR.  For development: TARGETS (target names, default all), SKIP_217=1 (2.21 only), SHARDS=N.
set -euo pipefail

: "${VENV:?}" "${VENV_217:?}" "${TOOLS_BIN:?}" "${COLL_DIR:?}" "${TEST_PYTHON:?}" "${LOG_DIR:?}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
py="$VENV/bin/python"
shards="${SHARDS:-2}"
build="$(dirname "$(dirname "$(dirname "$COLL_DIR")")")"   # .build
durations="$root/tests/integration/durations.txt"           # "target seconds" lines, from the last run

shopt -s nullglob
all_targets=()
for dir in "$COLL_DIR"/tests/integration/targets/*/; do
    name="$(basename "$dir")"
    case "$name" in setup_*) continue;; esac
    # hidden targets (cpm_setup, cloudendure_setup...) only serve others as dependencies: ansible-test refuses
    # to run them by name
    grep -qxE 'disabled|hidden' "$dir/aliases" 2>/dev/null && continue
    all_targets+=("$name")
done
if [ "${#all_targets[@]}" -eq 0 ]; then
    echo "integration: no targets under tests/integration/targets/ yet -- nothing to run"
    exit 0
fi
if [ -n "${TARGETS:-}" ]; then
    read -r -a all_targets <<< "$TARGETS"
fi
core217=()
for name in "${all_targets[@]}"; do
    grep -qx 'backupdr/core217' "$COLL_DIR/tests/integration/targets/$name/aliases" 2>/dev/null && core217+=("$name")
done

mkdir -p "$LOG_DIR"
rm -f "$LOG_DIR"/integration-*.log

# Deal targets to shards: longest first, each to the shard with the least work so far.
deal() {  # $1 = number of shards, then target names; prints "shard target" lines
    local n="$1"; shift
    "$py" - "$n" "$durations" "$@" <<'PY'
import sys
n, path, targets = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
known = {}
try:
    for line in open(path, encoding='utf-8'):
        parts = line.split()
        if len(parts) == 2:
            known[parts[0]] = float(parts[1])
except OSError:
    pass
default = sorted(known.values())[len(known) // 2] if known else 60.0
load = [0.0] * n
for target in sorted(targets, key=lambda t: -known.get(t, default)):
    shard = load.index(min(load))
    load[shard] += known.get(target, default)
    print(shard, target)
PY
}

# One shard: its own collection copy and simulator; runs 2.21 -vvvv then 2.17 on its share.
run_shard() {  # $1 = shard number; the targets come from the files written by the dealer
    local shard="$1" copy="$build/shard$1/ansible_collections/backupdr/cloud" simdir="$build/sim-shard$1" rc=0
    local log221="$LOG_DIR/integration-2.21-vvvv.shard$shard.log" log217="$LOG_DIR/integration-2.17.shard$shard.log"
    local t221 t217
    read -r -a t221 < "$build/shard$shard.221" || true  # no newline at the end: read returns 1
    read -r -a t217 < "$build/shard$shard.217" || true
    "$py" "$root/scripts/sync_collection.py" "$copy" > /dev/null
    export BACKUPDR_SIM_DIR="$simdir"
    "$py" "$root/scripts/sim.py" start --config "$copy/tests/integration/integration_config.yml" > "$LOG_DIR/sim.shard$shard.log"
    (
        cd "$copy"
        rm -rf tests/output
        if [ "${#t221[@]}" -gt 0 ]; then
            PATH="$TOOLS_BIN:$VENV/bin:$PATH" "$VENV/bin/ansible-test" integration --venv --python "$TEST_PYTHON" \
                --color no -vvvv "${t221[@]}" > "$log221" 2>&1 || exit 1
        fi
        if [ "${SKIP_217:-0}" != 1 ] && [ "${#t217[@]}" -gt 0 ]; then
            PATH="$TOOLS_BIN:$VENV_217/bin:$PATH" "$VENV_217/bin/ansible-test" integration --venv --python "$TEST_PYTHON" \
                --color no "${t217[@]}" > "$log217" 2>&1 || exit 2
        fi
    ) || rc=$?
    "$py" "$root/scripts/sim.py" stop > /dev/null 2>&1 || true
    return "$rc"
}

# ansible-test makes its SSH key pair (~/.ansible/test/id_rsa) on its first run; with a fresh HOME two shards
# starting at once race on it (the second ssh-keygen asks whether to overwrite and fails).  Make it once here,
# as ansible-test does.
keydir="$HOME/.ansible/test"
if [ ! -f "$keydir/id_rsa" ] || [ ! -f "$keydir/id_rsa.pub" ]; then
    mkdir -p "$keydir"
    rm -f "$keydir/id_rsa" "$keydir/id_rsa.pub"
    ssh-keygen -m PEM -q -t rsa -N '' -f "$keydir/id_rsa"
    sed -i -E 's/(BEGIN|END) PRIVATE KEY/\1 RSA PRIVATE KEY/' "$keydir/id_rsa"
fi

for ((s = 0; s < shards; s++)); do : > "$build/shard$s.221"; : > "$build/shard$s.217"; done
while read -r shard target; do printf '%s ' "$target" >> "$build/shard$shard.221"; done < <(deal "$shards" "${all_targets[@]}")
if [ "${#core217[@]}" -gt 0 ]; then
    while read -r shard target; do printf '%s ' "$target" >> "$build/shard$shard.217"; done < <(deal "$shards" "${core217[@]}")
fi

echo "=== ansible-test integration: ${#all_targets[@]} target(s) with ansible-core $("$py" -c 'import ansible; print(ansible.__version__)') (-vvvv)," \
     "${#core217[@]} with $("$VENV_217/bin/python" -c 'import ansible; print(ansible.__version__)')$([ "${SKIP_217:-0}" = 1 ] && echo ' (skipped: SKIP_217=1)'), in $shards shard(s)"
for ((s = 0; s < shards; s++)); do
    echo "shard $s: 2.21: $(cat "$build/shard$s.221")| 2.17: $(cat "$build/shard$s.217")"
done

started=$(date +%s)
pids=()
for ((s = 0; s < shards; s++)); do
    run_shard "$s" & pids+=($!)
done
failed=0
for ((s = 0; s < shards; s++)); do
    if ! wait "${pids[$s]}"; then failed=1; echo "ERROR: shard $s failed" >&2; fi
done
echo "integration: $(( $(date +%s) - started )) s"

# Per-target run times, from ansible-test's own records (tests/output/data/integration-*.json), into
# $LOG_DIR/durations.txt; copy it to tests/integration/durations.txt to improve the dealing.
"$py" - "$LOG_DIR/durations.txt" "$build" "$shards" <<'PY' || true
import glob, json, sys
out, build, shards = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = {}
for shard in range(shards):
    for path in glob.glob('%s/shard%d/ansible_collections/backupdr/cloud/tests/output/data/integration-*.json' % (build, shard)):
        try:
            targets = json.load(open(path, encoding='utf-8')).get('targets', {})
        except (OSError, ValueError):
            continue
        for name, info in targets.items():
            times[name] = times.get(name, 0) + int(info.get('run_time_seconds') or 0)
with open(out, 'w', encoding='utf-8') as handle:
    for name in sorted(times):
        handle.write('%s %d\n' % (name, times[name]))
print('per-target seconds (2.21 + 2.17): ' + ', '.join('%s %d' % (n, t) for n, t in sorted(times.items(), key=lambda i: -i[1])))
PY

for log in "$LOG_DIR"/integration-*.log; do
    grep -E '^(Running .* integration test role|localhost +:|testhost +:)' "$log" | sed "s|^|$(basename "$log"): |" || true
done
if [ "$failed" -ne 0 ]; then
    for log in "$LOG_DIR"/integration-*.log; do
        if grep -q 'FATAL\|failed=[1-9]' "$log"; then
            echo "---- end of $log"; tail -n 120 "$log"
        fi
    done
fi

# The secret check: every secret the simulator's services name (scripts/sim.py secret-vars), in every log.
export BACKUPDR_SIM_DIR="$build/sim-shard0"
"$py" "$root/scripts/sim.py" start > /dev/null   # only to read the secrets it publishes
eval "$("$py" "$root/scripts/sim.py" env)"
mapfile -t secret_vars < <("$py" "$root/scripts/sim.py" secret-vars)
"$py" "$root/scripts/sim.py" stop > /dev/null 2>&1 || true
grep_args=()
for var in "${secret_vars[@]}"; do
    if [ -z "${!var:-}" ]; then
        echo "ERROR: $var is empty (the simulator's ready file lacks that secret); cannot run the secret check" >&2
        exit 1
    fi
    grep_args+=(-e "${!var}")
done
outputs=()
for ((s = 0; s < shards; s++)); do outputs+=("$build/shard$s/ansible_collections/backupdr/cloud/tests/output"); done
# (ansible-test copies integration_config.yml, which holds the secrets, into tests/output/.tmp/ while a
# target runs: that copy is not a leak)
hits="$( { grep -rlF --exclude=integration_config.yml "${grep_args[@]}" "${outputs[@]}" 2>/dev/null || true; \
           grep -lF "${grep_args[@]}" "$LOG_DIR"/integration-*.log 2>/dev/null || true; } )"
if [ -n "$hits" ]; then
    echo "ERROR: a simulator secret leaked into:" >&2
    while IFS= read -r line; do printf '    %s\n' "$line" >&2; done <<< "$hits"
    for var in "${secret_vars[@]}"; do
        if grep -rqF --exclude=integration_config.yml -- "${!var}" "$LOG_DIR" "${outputs[@]}" 2>/dev/null; then
            echo "  the value of $var, at (file:line; the secret itself is not printed):" >&2
            grep -rnF --exclude=integration_config.yml -- "${!var}" "$LOG_DIR" "${outputs[@]}" 2>/dev/null \
                | cut -d: -f1,2 | head -n 20 >&2 || true
        fi
    done
    exit 1
fi
echo "secret check: no simulator secret (${secret_vars[*]}) in the integration logs or tests/output/"
[ "$failed" -eq 0 ] || { echo "ERROR: ansible-test integration failed" >&2; exit 1; }
