#!/usr/bin/env bash
# Run galaxy-importer on the built tarball (no container) and fail when it
# reports anything: it exits 0 on lint findings and only prints them as
# WARNING:/ERROR: lines.
#   scripts/importer.sh PYTHON LOG_DIR TARBALL
set -euo pipefail
python="$1"; log_dir="$2"; tarball="$3"
[ -f "$tarball" ] || { echo "ERROR: no tarball $tarball (run make build)" >&2; exit 1; }
mkdir -p "$log_dir"
log="$log_dir/importer.log"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tarball="$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")"
venv_bin="$(dirname "$python")"

# galaxy-importer reads its config from GALAXY_IMPORTER_CONFIG (or
# /etc/galaxy-importer/galaxy-importer.cfg): use ours, so a machine-wide file
# cannot switch on ansible-test (which means --docker) or change the checks.
export GALAXY_IMPORTER_CONFIG="$here/galaxy-importer.cfg"
for v in $(compgen -e | grep '^GALAXY_IMPORTER_' | grep -v '^GALAXY_IMPORTER_CONFIG$' || true); do unset "$v"; done
unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS

echo "galaxy-importer $("$python" -c 'import importlib.metadata as m; print(m.version("galaxy-importer"))') on $(basename "$tarball")"
set +e
(cd "$work" && PATH="$venv_bin:$PATH" "$python" -m galaxy_importer.main "$tarball") >"$log" 2>&1
rc=$?
set -e
cat "$log"
if [ "$rc" -ne 0 ]; then
    echo "ERROR: galaxy-importer failed (exit $rc)" >&2
    exit "$rc"
fi
if grep -E '^(WARNING|ERROR|CRITICAL)\b|^[^ ]*(WARNING|ERROR):' "$log" >/dev/null; then
    echo >&2
    echo "ERROR: galaxy-importer reported findings:" >&2
    grep -E '^(WARNING|ERROR|CRITICAL)\b|^[^ ]*(WARNING|ERROR):' "$log" | sed 's/^/    /' >&2
    exit 1
fi
echo "importer: no WARNING/ERROR lines (log: $log)"
