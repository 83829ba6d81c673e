#!/usr/bin/env python3
"""mkset.py DIR MIB - generate a library set of about MIB MiB in DIR.

Like an unpacked Python stack: a few large shared libraries and many small
ones and modules; sizes drawn log-uniformly from 2 KiB to MIB/32 (seeded, so
every run publishes the same layout), contents random (a wire carries
compiled code about as badly compressible).  Plus one real shared library
and one real Python package, so that a task can dlopen and import from
whatever place the method put the set.
"""
import os
import random
import subprocess
import sys


def sizes(total, rng):
    lo, hi = 2048, max(8192, total // 32)
    out = []
    while sum(out) < total:
        out.append(int(lo * (hi / lo) ** rng.random()))
    out[-1] -= sum(out) - total
    return [s for s in out if s > 0]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mkset.py DIR MIB")
    top, mib = sys.argv[1], float(sys.argv[2])
    rng = random.Random(20261123)
    lib, py = os.path.join(top, "lib"), os.path.join(top, "python", "benchpkg")
    os.makedirs(lib, exist_ok=True)
    os.makedirs(py, exist_ok=True)
    for i, size in enumerate(sizes(int(mib * 1048576), rng)):
        sub = lib if i % 3 else py
        ext = ".so" if sub == lib else ".cpython-311-x86_64-linux-gnu.so"
        with open(os.path.join(sub, "libgen%03d%s" % (i, ext)), "wb") as f:
            f.write(rng.randbytes(size))
    with open(os.path.join(py, "__init__.py"), "w") as f:
        f.write("ANSWER = 42\n")
    c = os.path.join(top, "bench.c")
    with open(c, "w") as f:
        f.write("int bench_answer(void) { return 42; }\n")
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", os.path.join(lib, "libbench.so.1"), c], check=True)
    os.unlink(c)


main()
