#!/usr/bin/env bash
# Create/update a virtual environment from pinned requirement files.
#
#   scripts/ensure-venv.sh VENV_DIR PYTHON REQUIREMENTS_FILE...
#
# A stamp file (VENV_DIR/.backupdr-stamp) holds a hash of the interpreter and
# of the requirement files; when it matches nothing is done, so re-running is
# instant.  When the interpreter changed the venv is recreated.  Afterwards the
# offline get-pip stand-in for that venv's ansible-test is (re)installed.
set -euo pipefail

venv="$1"; python="$2"; shift 2
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ ! -x "$python" ]; then
    echo "ERROR: interpreter '$python' does not exist" >&2
    exit 1
fi

stamp_file="$venv/.backupdr-stamp"
want="$({
    echo "python=$("$python" -c 'import sys; print(sys.version)')"
    echo "path=$python"
    for f in "$@"; do echo "== $f"; cat "$f"; done
    # a change to this script or to the nested requirement files invalidates too
    cat "$here/ensure-venv.sh"
} | sha256sum | cut -d' ' -f1)"

if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$want" ] && [ -x "$venv/bin/python" ]; then
    echo "$venv: up to date"
else
    if [ -d "$venv" ]; then
        have_py="$(cat "$venv/.backupdr-python" 2>/dev/null || true)"
        if [ "$have_py" != "$python" ] || [ ! -x "$venv/bin/python" ]; then
            echo "$venv: interpreter changed, recreating"
            rm -rf "$venv"
        fi
    fi
    if [ ! -d "$venv" ]; then
        echo "$venv: creating with $python"
        "$python" -m venv "$venv"
        echo "$python" > "$venv/.backupdr-python"
    fi
    rm -f "$stamp_file"
    req_args=()
    for f in "$@"; do req_args+=(-r "$f"); done
    echo "$venv: installing ${*}"
    start=$(date +%s)
    # pip's config on these machines names local extra indexes that may not
    # exist; its "Location ... is ignored" warnings are noise, drop them.
    set +e
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet "${req_args[@]}" 2>&1 \
        | grep -v -E "^WARNING: Location '.*' is ignored: it is neither a file nor a directory\.$"
    rc=${PIPESTATUS[0]}
    set -e
    if [ "$rc" -ne 0 ]; then
        echo "ERROR: pip install into $venv failed (exit $rc)" >&2
        exit "$rc"
    fi
    "$venv/bin/python" -m pip check >/dev/null 2>&1 || {
        echo "WARNING: 'pip check' reports conflicts in $venv:" >&2
        "$venv/bin/python" -m pip check >&2 || true
    }
    echo "$want" > "$stamp_file"
    echo "$venv: ready in $(( $(date +%s) - start )) s"
fi

if "$venv/bin/python" -c 'import ansible_test' >/dev/null 2>&1; then
    "$venv/bin/python" "$here/install_get_pip.py"
fi
