#!/usr/bin/env bash
# Fail when any tests/sanity/ignore-*.txt has an entry (comments and blank
# lines do not count): sanity findings are fixed, not ignored.
set -euo pipefail
shopt -s nullglob
bad=0
for f in tests/sanity/ignore-*.txt; do
    entries="$(grep -v -E '^[[:space:]]*(#|$)' "$f" || true)"
    if [ -n "$entries" ]; then
        echo "ERROR: $f has entries; fix the findings instead of ignoring them:" >&2
        while IFS= read -r line; do printf '    %s\n' "$line" >&2; done <<< "$entries"
        bad=1
    fi
done
exit "$bad"
