#!/usr/bin/env bash
# Print the absolute path of a real (non-shim) CPython interpreter of the
# requested minor version(s), newest patch first.
#
#   scripts/find-python.sh 3.12 [3.13 ...]
#
# Looks in pyenv's versions folder first (the pyenv shims fail unless
# PYENV_VERSION is set, and ansible-test strips that variable), then on PATH.
# Every candidate is executed and must report the right version, so a broken
# shim is never returned.  Exits 1 with a message on stderr when none is found.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    set -- 3.12 3.13
fi

# Every place a pyenv installation may be: $PYENV_ROOT, `pyenv root`, the
# folder of the pyenv executable, ~/.pyenv, and the parent of a shims folder
# on PATH (HOME may point elsewhere, e.g. in CI).
pyenv_roots=()
[ -n "${PYENV_ROOT:-}" ] && pyenv_roots+=("$PYENV_ROOT")
if command -v pyenv >/dev/null 2>&1; then
    r="$(pyenv root 2>/dev/null || true)"; [ -n "$r" ] && pyenv_roots+=("$r")
    r="$(readlink -f "$(command -v pyenv)" 2>/dev/null || true)"
    [ -n "$r" ] && pyenv_roots+=("$(dirname "$(dirname "$r")")")
fi
pyenv_roots+=("$HOME/.pyenv")
IFS=: read -r -a path_dirs <<< "$PATH"
for d in "${path_dirs[@]}"; do
    case "$d" in */shims) pyenv_roots+=("$(dirname "$d")") ;; esac
done

check() {
    # $1 = candidate path, $2 = wanted "X.Y"
    local cand="$1" want="$2" got
    [ -x "$cand" ] || return 1
    got="$("$cand" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" || return 1
    [ "$got" = "$want" ] || return 1
    # the interpreter must be able to create virtual environments with pip
    "$cand" -c 'import venv, ensurepip' >/dev/null 2>&1 || return 1
    return 0
}

for want in "$@"; do
    candidates=()
    for pyenv_root in "${pyenv_roots[@]}"; do
        [ -d "$pyenv_root/versions" ] || continue
        # newest patch release first (sort -V), skip dev/rc builds
        while IFS= read -r d; do
            candidates+=("$d/bin/python$want")
        done < <(find "$pyenv_root/versions" -mindepth 1 -maxdepth 1 -name "$want.*" 2>/dev/null \
                 | grep -E "/$want\.[0-9]+$" | sort -rV)
    done
    while IFS= read -r p; do
        candidates+=("$p")
    done < <(type -ap "python$want" 2>/dev/null || true)
    candidates+=("/usr/local/bin/python$want" "/usr/bin/python$want")

    for cand in "${candidates[@]}"; do
        if check "$cand" "$want"; then
            # resolve symlinks so the result is the real binary, never a shim
            real="$("$cand" -c 'import os, sys; print(os.path.realpath(sys.executable))')"
            echo "$real"
            exit 0
        fi
    done
done

echo "ERROR: no working Python interpreter found for version(s): $*" >&2
echo "       install one (e.g. 'pyenv install 3.12') or put python3.12 on PATH." >&2
exit 1
