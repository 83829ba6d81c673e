#!/bin/bash
# Hashing throughput of `dsl create` on a large set, next to sha256sum over
# the same files (the floor for a SHA-256 v2 torrent) in the same run.
# usage: tests/bench/create-bench.sh [FILES] [TOTAL_MIB]   (default 20000 2048)
set -eu
nfiles=${1:-20000}
total_mib=${2:-2048}
top=$(cd "$(dirname "$0")/../.." && pwd)
DSL=${DSL:-$top/build/cli/dsl}
W=$(mktemp -d /var/tmp/dsl-create-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/reg" "$W/set"
echo "generating $nfiles files, $total_mib MiB in $W/set ..."
python3 - "$W/set" "$nfiles" "$total_mib" <<'PY'
import os, random, sys
root, n, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) << 20
random.seed(1)
# Shared-library-like sizes: most files small, a few large (log-uniform).
sizes = [int(2 ** random.uniform(10, 24)) for _ in range(n)]
scale = total / sum(sizes)
block = os.urandom(1 << 20)
for i, s in enumerate(sizes):
    d = os.path.join(root, "d%03d" % (i % 200))
    os.makedirs(d, exist_ok=True)
    s = max(1, int(s * scale))
    with open(os.path.join(d, "lib%05d.so" % i), "wb") as f:
        while s > 0:
            f.write(block[: min(s, len(block))]); s -= len(block)
PY
sync
bytes=$(du -sb "$W/set" | cut -f1)
# Both runs read from the page cache: drop nothing, warm once.
cat $(find "$W/set" -type f) > /dev/null
t0=$(date +%s.%N)
find "$W/set" -type f -print0 | xargs -0 -n 500 sha256sum > /dev/null
t1=$(date +%s.%N)
"$DSL" create bench "$W/set" --registry "$W/reg" > "$W/out" 2>&1
t2=$(date +%s.%N)
python3 - "$bytes" "$t0" "$t1" "$t2" "$nfiles" <<'PY'
import sys
b, t0, t1, t2, n = int(sys.argv[1]), *map(float, sys.argv[2:5]), int(sys.argv[5])
sha, dsl = t1 - t0, t2 - t1
print(f"| files | size | sha256sum | dsl create | dsl / sha256sum |")
print(f"|---|---|---|---|---|")
print(f"| {n} | {b/2**20:.0f} MiB | {sha:.2f} s ({b/sha/1e6:.0f} MB/s) | {dsl:.2f} s ({b/dsl/1e6:.0f} MB/s) | {dsl/sha:.2f}x |")
PY
