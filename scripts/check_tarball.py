"""Check a built collection tarball: no generated files inside, simulator shipped.

    python scripts/check_tarball.py .build/dist/backupdr-cloud-X.Y.Z.tar.gz

Fails when a file that build_ignore in galaxy.yml should have kept out is in
the tarball (virtualenvs, the ansible-test copy, simulator state, test output,
the generated integration config with the simulator's API key, caches), or
when tests/simulator/ exists in the source tree but was not packaged.
"""

import os
import re
import sys
import tarfile

FORBIDDEN = [
    (r"(^|/)\.venv[^/]*(/|$)", "virtualenv"),
    (r"(^|/)(site-packages|dist-packages)(/|$)|(^|/)pyvenv\.cfg$", "virtualenv"),
    (r"^[^/]*\.log$", "log file"),
    (r"^\.build(/|$)", "build directory"),
    (r"^\.sim(/|$)", "simulator state"),
    (r"^\.bench(/|$)", "bench results"),
    (r"^\.tools(/|$)", "interpreter symlinks"),
    (r"^\.ansible(/|$)", "ansible-lint cache"),
    (r"^\.git(/|$)", "git metadata"),
    (r"^tests/output(/|$)", "ansible-test output"),
    (r"^tests/integration/inventory$", "ansible-test inventory"),
    (r"^tests/integration/integration_config\.yml$", "generated integration config (holds the API key)"),
    (r"^changelogs/\.plugin-cache\.yaml$", "antsibull-changelog cache"),
    (r"(^|/)__pycache__(/|$)", "bytecode cache"),
    (r"\.py[co]$", "bytecode"),
    (r"(^|/)\.(pytest|mypy|ruff)_cache(/|$)|(^|/)\.benchmarks(/|$)", "tool cache"),
    (r"\.tar\.gz$", "tarball"),
]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    if not os.path.isfile(path):
        sys.exit("ERROR: %s: no such tarball" % path)
    with tarfile.open(path) as tar:
        names = [m.name[2:] if m.name.startswith("./") else m.name for m in tar.getmembers()]
    bad = []
    for name in names:
        for pattern, what in FORBIDDEN:
            if re.search(pattern, name):
                bad.append("%s  (%s)" % (name, what))
                break
    if os.path.isfile(os.path.join("tests", "simulator", "run.py")) and "tests/simulator/run.py" not in names:
        bad.append("tests/simulator/run.py missing (the simulator must ship)")
    for required in ("MANIFEST.json", "FILES.json", "LICENSE", "README.md"):
        if required not in names:
            bad.append("%s missing" % required)
    if bad:
        print("ERROR: %s has unexpected content (fix build_ignore in galaxy.yml):" % path)
        for line in bad[:50]:
            print("    " + line)
        sys.exit(1)
    print("%s: %d entries, %d bytes, no generated files" % (os.path.basename(path), len(names), os.path.getsize(path)))


if __name__ == "__main__":
    main()
