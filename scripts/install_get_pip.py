"""Install the offline get-pip stand-in for the ansible-test of this interpreter.

Run it with the Python of a virtual environment that has ansible-core
installed:  .venv/bin/python scripts/install_get_pip.py

It reads the pip version that ansible-test pins for its virtual environments
(``get_venv_packages`` in ``ansible_test/_internal/python_requirements.py``)
and writes ``scripts/get_pip_standin.py`` to
``~/.ansible/test/cache/get_pip_<version with underscores>.py`` -- where
ansible-test looks before it tries to download get-pip.py.  A real get-pip.py
already cached there is left alone.
"""

import importlib.util
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "get_pip_standin.py")
MARKER = "backupdr.cloud offline get-pip stand-in"


def pinned_pip_version():
    spec = importlib.util.find_spec("ansible_test")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("ERROR: ansible_test is not installed for %s" % sys.executable)
    path = os.path.join(list(spec.submodule_search_locations)[0], "_internal", "python_requirements.py")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"def get_venv_packages\b.*?\bpip\s*=\s*['\"]([0-9][0-9A-Za-z.]*)['\"]", text, re.S)
    if not m:
        sys.exit("ERROR: cannot find the pinned pip version in %s" % path)
    return m.group(1)


def main():
    version = pinned_pip_version()
    cache_dir = os.path.expanduser("~/.ansible/test/cache")
    target = os.path.join(cache_dir, "get_pip_%s.py" % version.replace(".", "_"))
    with open(STANDIN, encoding="utf-8") as f:
        content = f.read()
    if os.path.exists(target):
        with open(target, encoding="utf-8", errors="replace") as f:
            current = f.read()
        if current == content:
            print("get-pip stand-in for pip %s: up to date (%s)" % (version, target))
            return
        if MARKER not in current:
            print("get-pip for pip %s: keeping existing real script %s" % (version, target))
            return
    os.makedirs(cache_dir, exist_ok=True)
    tmp = target + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(content)
    os.replace(tmp, target)
    print("get-pip stand-in for pip %s: installed %s" % (version, target))


if __name__ == "__main__":
    main()
