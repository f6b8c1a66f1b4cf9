"""Mirror the collection's source files into a real ansible_collections tree.

    python scripts/sync_collection.py DEST

ansible-test needs the collection at a real
``.../ansible_collections/<namespace>/<name>/`` path (a symlink is refused).
This copies every tracked file and every untracked file that git does not
ignore (``git ls-files -co --exclude-standard``) to DEST, skipping files
whose size and mtime already match, and deletes files in DEST that are no
longer part of the source -- except the output that the tools write there
(``tests/output/``, the generated integration config and inventory).

DEST is made a git work tree of its own (``git init``, nothing committed):
ansible-test lists a collection's files with git when it finds a ``.git``
above the collection, and the copy lives in the (git-ignored) ``.build/`` of
the source repository, where git would list nothing.  With its own ``.git``
the copy's files are found via ``git ls-files -co --exclude-standard`` with
the copied ``.gitignore`` applied, like in the source tree.
"""

import os
import shutil
import subprocess
import sys

KEEP_PREFIXES = (
    ".git/",
    "tests/output/",
    "tests/integration/integration_config.yml",
    "tests/integration/inventory",
)


def source_files(root):
    out = subprocess.run(
        ["git", "ls-files", "-z", "-co", "--exclude-standard"],
        cwd=root, check=True, stdout=subprocess.PIPE,
    ).stdout.decode("utf-8", "surrogateescape")
    files = set()
    for rel in out.split("\0"):
        if not rel:
            continue
        path = os.path.join(root, rel)
        # deleted-but-still-tracked files are listed too; skip them
        if os.path.lexists(path) and not os.path.isdir(path):
            files.add(rel)
    return files


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = os.path.abspath(os.getcwd())
    dest = os.path.abspath(sys.argv[1])
    if not os.path.isdir(os.path.join(root, ".git")) and subprocess.call(
            ["git", "rev-parse", "--is-inside-work-tree"], cwd=root,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) != 0:
        sys.exit("ERROR: %s is not a git work tree" % root)
    wanted = source_files(root)
    os.makedirs(dest, exist_ok=True)
    if not os.path.exists(os.path.join(dest, ".git")):
        subprocess.run(["git", "init", "-q", dest], check=True)

    copied = 0
    for rel in sorted(wanted):
        src = os.path.join(root, rel)
        dst = os.path.join(dest, rel)
        if os.path.islink(src):
            link = os.readlink(src)
            if os.path.islink(dst) and os.readlink(dst) == link:
                continue
            if os.path.lexists(dst):
                os.remove(dst)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.symlink(link, dst)
            copied += 1
            continue
        st = os.stat(src)
        try:
            dt = os.lstat(dst)
            if (not os.path.islink(dst) and dt.st_size == st.st_size
                    and int(dt.st_mtime) == int(st.st_mtime) and dt.st_mode == st.st_mode):
                continue
        except FileNotFoundError:
            pass
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.lexists(dst) and (os.path.islink(dst) or os.path.isdir(dst)):
            if os.path.isdir(dst) and not os.path.islink(dst):
                shutil.rmtree(dst)
            else:
                os.remove(dst)
        shutil.copy2(src, dst)
        copied += 1

    removed = 0
    for dirpath, dirnames, filenames in os.walk(dest, topdown=True):
        reldir = os.path.relpath(dirpath, dest)
        reldir = "" if reldir == "." else reldir + "/"
        # never descend into tool output
        dirnames[:] = [d for d in dirnames if not (reldir + d + "/").startswith(KEEP_PREFIXES)]
        for name in filenames:
            rel = reldir + name
            if rel in wanted or rel.startswith(KEEP_PREFIXES):
                continue
            os.remove(os.path.join(dirpath, name))
            removed += 1
    # drop directories that became empty
    for dirpath, dirnames, filenames in os.walk(dest, topdown=False):
        rel = os.path.relpath(dirpath, dest) + "/"
        if dirpath != dest and not rel.startswith(KEEP_PREFIXES) and not os.listdir(dirpath):
            os.rmdir(dirpath)

    print("collection copy %s: %d file(s) copied, %d stale removed, %d total"
          % (os.path.relpath(dest, root), copied, removed, len(wanted)))


if __name__ == "__main__":
    main()
