#!/usr/bin/env python3
"""task.py - one task of a fault-campaign job (srun runs it on every node).

Loads the set as a program would (dlopen a real library and import a real
package from the view), then (whether or not that worked) reads every file of the set through the view
($DSL_SET_ROOT) and checks its SHA-256 against the manifest written when the
set was published ($FAULT_MANIFEST, `sha256sum` format, checked against the
published torrent with `dsl verify` at that time).  A file whose bytes differ
although every read succeeded is corrupt data handed to the task: its bytes
are compared with the pristine copy ($FAULT_PRISTINE) and counted.  The first
read error ends the task, as it would end a real program; its message (the
system's, e.g. "Input/output error") is reported as it came.

The result goes to $FAULT_RESULTS/HOST (the nodes share the machine's file
system; srun's own copy of the output may be incomplete), one line
    FTASK HOST OK|FAIL FILES_OK FILES_CORRUPT CORRUPT_BYTES START END
then the error messages, one a line.
"""
import ctypes
import hashlib
import os
import socket
import sys
import time


def load(root):
    sys.path.insert(0, os.path.join(root, "python"))
    import benchpkg  # noqa: E402  (from the view)
    lib = ctypes.CDLL(os.path.join(root, "lib", "libbench.so.1"))
    if lib.bench_answer() != benchpkg.ANSWER:
        raise RuntimeError("libbench.so.1 and benchpkg disagree")


def differing(a, b):
    """Bytes of A that differ from B (both bytes), plus the length gap."""
    n = sum(1 for x, y in zip(a, b) if x != y)
    return n + abs(len(a) - len(b))


def main():
    host = socket.gethostname()
    start = time.time()
    res = os.environ.get("FAULT_RESULTS", "")
    root = os.environ.get("DSL_SET_ROOT", "")
    ok = corrupt_files = corrupt_bytes = 0
    errors = []
    try:
        if not root:
            raise RuntimeError("DSL_SET_ROOT is not set")
        try:
            load(root)
        except Exception as e:  # noqa: BLE001 - reported; the bytes are still checked
            errors.append("%s: %s" % (type(e).__name__, e))
        # Every file, also after a failed load: wrong bytes that made the
        # load fail are still counted as corrupt bytes read.
        for line in open(os.environ["FAULT_MANIFEST"]):
            digest, rel = line.rstrip("\n").split("  ", 1)
            with open(os.path.join(root, rel), "rb") as f:
                data = f.read()
            if hashlib.sha256(data).hexdigest() == digest:
                ok += 1
                continue
            with open(os.path.join(os.environ["FAULT_PRISTINE"], rel), "rb") as f:
                corrupt_bytes += differing(data, f.read())
            corrupt_files += 1
            errors.append("%s: SHA-256 differs from the set's description" % rel)
    except Exception as e:  # noqa: BLE001 - every failure is reported as it came
        errors.append("%s: %s" % (type(e).__name__, e))
    failed = bool(errors)
    out = "FTASK %s %s %d %d %d %.3f %.3f\n" % (host, "FAIL" if failed else "OK", ok, corrupt_files,
                                                corrupt_bytes, start, time.time())
    out += "".join("FERR %s %s\n" % (host, " ".join(e.split())) for e in errors)
    sys.stdout.write(out)
    if res:
        tmp = os.path.join(res, "." + host)
        with open(tmp, "w") as f:
            f.write(out)
        os.rename(tmp, os.path.join(res, host))
    return 1 if failed else 0


sys.exit(main())
