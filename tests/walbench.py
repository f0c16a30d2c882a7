#!/usr/bin/env python3
"""PostgreSQL's side of archive_command and restore_command, for the bench:
one `sh -c COMMAND` per file, in order, as the archiver and the startup
process call them, and what they then do themselves in C (a rename of the
.ready status file; a size check, a rename and, once replayed, a removal of
the restored segment) done here in-process too, so that a tool is charged
for its own processes only.

usage: walbench.py archive DIR COMMAND NAME...
       walbench.py restore DIR COMMAND NAME...

COMMAND has %p and %f replaced as PostgreSQL does (archive: DIR/NAME;
restore: DIR/RECOVERYXLOG). restore runs as a child subreaper and waits for
every process a command leaves behind (walfetch's prefetcher), so that its
time, CPU and memory count. Exits 1 when a command fails or restores a
segment of the wrong size.
"""
import ctypes
import os
import subprocess
import sys

SEGMENT = 16 << 20
PR_SET_CHILD_SUBREAPER = 36


def run(cmd, path, name):
    c = cmd.replace("%p", path).replace("%f", name)
    if subprocess.run(["sh", "-c", c]).returncode != 0:
        sys.exit(f"walbench: command failed on {name}: {c}")


def archive(d, cmd, names):
    for name in names:
        run(cmd, os.path.join(d, name), name)
        status = os.path.join(d, "archive_status", name)
        os.rename(status + ".ready", status + ".done")


def restore(d, cmd, names):
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    xlog = os.path.join(d, "RECOVERYXLOG")
    for name in names:
        run(cmd, xlog, name)
        if os.stat(xlog).st_size != SEGMENT:
            sys.exit(f"walbench: {name} restored short")
        os.rename(xlog, os.path.join(d, name))
        os.unlink(os.path.join(d, name))
    while True:
        try:
            os.wait()
        except ChildProcessError:
            break


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("archive", "restore"):
        sys.exit(__doc__)
    (archive if sys.argv[1] == "archive" else restore)(sys.argv[2], sys.argv[3], sys.argv[4:])


main()
