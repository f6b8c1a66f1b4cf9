#!/usr/bin/env bash
# Run make targets in order, stop at the first failure, print how long each
# step took.   scripts/run-steps.sh TARGET...
set -uo pipefail

make_cmd="${MAKE:-make}"
names=(); times=(); results=()
total_start=$(date +%s)
failed=""

summary() {
    echo
    echo "==================== summary ===================="
    local i s
    for i in "${!names[@]}"; do
        printf '  %-14s %-6s %5d s\n' "${names[$i]}" "${results[$i]}" "${times[$i]}"
    done
    for s in "$@"; do
        case " ${names[*]} " in *" $s "*) ;; *) printf '  %-14s %-6s\n' "$s" "skip" ;; esac
    done
    local status=ok npass=0 nfail=0
    [ -n "$failed" ] && status=FAIL
    for i in "${!results[@]}"; do
        if [ "${results[$i]}" = ok ]; then npass=$((npass + 1)); else nfail=$((nfail + 1)); fi
    done
    printf '  %-14s %-6s %5d s\n' "total" "$status" "$(( $(date +%s) - total_start ))"
    echo "================================================="
    echo "steps: $npass passed, $nfail failed"
}

for step in "$@"; do
    echo
    echo ">>>>>>>>>>>>>>>>>>>> make $step"
    start=$(date +%s)
    $make_cmd --no-print-directory "$step"
    rc=$?
    names+=("$step"); times+=("$(( $(date +%s) - start ))")
    if [ "$rc" -ne 0 ]; then
        results+=("FAIL"); failed="$step"
        summary "$@"
        echo "make test: step '$failed' failed (exit $rc)" >&2
        exit "$rc"
    fi
    results+=("ok")
done
summary "$@"
