#!/usr/bin/env bash
# ansible-test units in the collection copy.
#   scripts/units.sh COLL_DIR PATH ANSIBLE_TEST_ARGS...
# No unit tests yet is not an error (ansible-test maps pytest's exit code 5,
# "no tests collected", to success; a missing tests/unit is skipped here).
set -euo pipefail
coll="$1"; path="$2"; shift 2
cd "$coll"
if [ -z "$(find tests/unit -name 'test_*.py' -print -quit 2>/dev/null)" ]; then
    echo "units: no tests/unit/**/test_*.py yet -- nothing to run"
    exit 0
fi
export PATH="$path"
echo "=== ansible-test units (ansible-core $(python -c 'import ansible; print(ansible.__version__)' 2>/dev/null || echo '?'))"
set +e
ansible-test units "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "units: pytest collected no tests (exit 5) -- not an error"
    exit 0
fi
exit "$rc"
