# backupdr.cloud offline get-pip stand-in (installed by scripts/install_get_pip.py)
#
# ansible-test bootstraps pip into each virtual environment it creates by
# running a "get-pip.py" that it downloads from the Ansible project's CI file
# host.  That host is not reachable here, but ansible-test first looks for a
# cached copy at ~/.ansible/test/cache/get_pip_<version>.py -- this file.
#
# It is executed (via runpy, as __main__) by the venv's interpreter with the
# arguments ansible-test would pass to get-pip.py, e.g.
#   --disable-pip-version-check pip==25.2 --no-setuptools --no-wheel
# It bootstraps pip from the interpreter's bundled wheel (ensurepip) and then
# installs the requested packages from the configured package index.
import os
import subprocess
import sys

MARKER = "backupdr.cloud offline get-pip stand-in"


def main():
    args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    env = dict(os.environ)
    env.pop("GET_PIP", None)
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], env=env,
                          stdout=subprocess.DEVNULL)
    if args:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--upgrade", "--quiet"] + args, env=env)


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as ex:
        sys.stderr.write("%s failed: %s\n" % (MARKER, ex))
        sys.exit(ex.returncode or 1)
