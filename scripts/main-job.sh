#!/bin/bash
# main-job.sh - dslswarm end to end on this one machine.
#
#   scripts/main-job.sh [-n NODES] [--shape RATE|none] [--seeders K] [--build DIR]
#
# Builds the project (unless DIR already has it), boots a real local Slurm
# cluster (tests/cluster/: slurmctld + NODES slurmd, each node in its own
# network namespace, links shaped to RATE), publishes a real library set -
# the scientific Python stack from Debian's packages (numpy, scipy, BLAS,
# LAPACK, gfortran runtime), unpacked into a directory that is NOT on the
# system's search paths - and runs `srun -N NODES --dsl-set=scipy python3 ...`
# as a non-root user.  Every task imports numpy and scipy from its node's
# view and computes something with them.  Prints per node: time until the
# view was ready (the prolog), bytes received from seeders vs. other peers,
# and the time the task's imports took.  Tears everything down at the end,
# also after a failure.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
nodes=6
shape=1gbit
seeders=1
build=${DSL_BUILD_DIR:-/var/tmp/dsl-main-build}
args=("$@")
while [ $# -gt 0 ]; do
	case $1 in
	-n) nodes=$2; shift 2 ;;
	--shape) shape=$2; shift 2 ;;
	--seeders) seeders=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	-h|--help) sed -n '2,17p' "$0"; exit 0 ;;
	*) echo "main-job: unknown argument: $1 (try --help)" >&2; exit 2 ;;
	esac
done
# root: it boots a cluster in namespaces (through sudo where there is one)
. "$here/as-root.sh"
dsl_as_root "${args[@]}"

unset DSL_CLUSTER_DIR DSL_CLUSTER_USER SLURM_CONF
export DSL_CLUSTER_ID=${DSL_MAIN_CLUSTER_ID:-3}
. "$src/tests/cluster/cluster-env.sh"
W=/var/tmp/dsl-main-$DSL_CLUSTER_ID
step() { printf '\n== %s\n' "$*"; }

cleanup() {
	"$src/tests/cluster/cluster-down.sh" >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- build ------------------------------------------------------------------
# scripts/build.sh configures once and brings the build up to date with the
# source tree (make), so a build left from an older source is never reused.
if [ ! -x "$build/helper/dsl-helper" ] || [ ! -r "$build/spank/.libs/dsl.so" ]; then
	step "building into $build"
	# Debian packages the build needs (the project's own installer, when present).
	if [ -x "$here/install-deps.sh" ]; then
		"$here/install-deps.sh" >/dev/null || { echo "main-job: scripts/install-deps.sh failed" >&2; exit 1; }
	fi
fi
DSL_BUILD_DIR=$build "$here/build.sh" >/dev/null || { echo "main-job: build in $build failed" >&2; exit 1; }

# --- the set: Debian's scientific Python stack, outside the system paths -----
step "publishing the set 'scipy' (Debian's python3-numpy, python3-scipy and their libraries)"
"$src/tests/cluster/cluster-down.sh" >/dev/null 2>&1 || true
rm -rf "$W"
mkdir -p "$W/debs" "$W/scipy" "$W/reg" "$W/libexec" "$W/bin"
debs="python3-numpy python3-scipy python3-decorator libblas3 liblapack3 libgfortran5 libquadmath0 liblbfgsb0"
(cd "$W/debs" && apt-get download $debs >/dev/null 2>&1) || {
	echo "main-job: apt-get download $debs failed (no Debian archive reachable?)" >&2; exit 1; }
for d in "$W"/debs/*.deb; do dpkg -x "$d" "$W/scipy"; done
install -m 0755 "$build/helper/dsl-helper" "$build/tracker/dsl-tracker" "$W/libexec/"
install -m 0755 "$build/cli/dsl" "$W/bin/"
install -m 0755 "$build/spank/.libs/dsl.so" "$W/dsl.so"
: > "$W/dsl.conf"
lib=usr/lib/x86_64-linux-gnu
"$W/bin/dsl" create scipy "$W/scipy" --registry "$W/reg" \
	--env PYTHONPATH=usr/lib/python3/dist-packages \
	--env LD_LIBRARY_PATH=$lib/blas --env LD_LIBRARY_PATH=$lib/lapack --env LD_LIBRARY_PATH=$lib
chmod -R a+rX "$W"
set_bytes=$(du -sb --apparent-size "$W/scipy" | cut -f1)

# --- the cluster --------------------------------------------------------------
step "booting $nodes nodes (links: $shape, seeders: $seeders)"
shape_arg=
[ "$shape" != none ] && shape_arg="--shape $shape"
# shellcheck disable=SC2086
"$src/tests/cluster/cluster-up.sh" -n "$nodes" $shape_arg --plugin "$W/dsl.so" --plugin-args \
	"registry=$W/reg user_registry= libexec=$W/libexec conf=$W/dsl.conf seeders=$seeders ready_timeout=60"
. "$DSL_CLUSTER_DIR/env.sh"
chown "$DSL_CLUSTER_USER" "$W"

# --- the job --------------------------------------------------------------------
cat > "$W/bin/task" <<'EOF'
#!/bin/bash
# One task: import the stack from the view, compute, then report this node.
# With "direct SRC": the same straight from the source directory (no dslswarm).
set -u
if [ "${1:-}" = direct ]; then
	lib=$2/usr/lib/x86_64-linux-gnu
	export PYTHONPATH=$2/usr/lib/python3/dist-packages DSL_SET_ROOT=$2
	export LD_LIBRARY_PATH=$lib/blas:$lib/lapack:$lib
fi
imports() {
	python3 -c '
import time
t0 = time.time()
import numpy, scipy, scipy.linalg, scipy.sparse, scipy.optimize, scipy.special, scipy.fft
t1 = time.time()
a = numpy.random.default_rng(1).standard_normal((300, 300))
s = scipy.linalg.svdvals(a)
r = scipy.optimize.minimize_scalar(lambda x: (x - 2) ** 2).x
assert numpy.__file__.startswith(__import__("os").environ["DSL_SET_ROOT"]), numpy.__file__
print("%.3f %.6f %.4f %s" % (t1 - t0, s[0], r, numpy.__file__))
'
}
imp=$(imports) || { echo "NODE $(hostname) FAILED"; exit 1; }
[ "${1:-}" = direct ] && { echo "DIRECT $(hostname) ${imp%% *}"; exit 0; }
st=/run/dsl/job/$SLURM_JOB_ID/scipy/status.json
for _ in $(seq 1 600); do
	grep -q '"complete":true' "$st" 2>/dev/null && break
	sleep 0.2
done
sleep 2
# Again, now that the whole set is on the node: the cost of the view itself.
warm=$(imports) || warm="- -"
python3 - "$st" "/run/dsl/job/$SLURM_JOB_ID/prolog.json" "$imp" "${warm%% *}" <<'PY'
import json, socket, sys
s = json.load(open(sys.argv[1]))
p = json.load(open(sys.argv[2]))
print("NODE " + json.dumps({"node": socket.gethostname(), "role": s["role"], "complete": s["complete"],
      "ready": p["ready_seconds"], "import": sys.argv[3].split(), "warm": sys.argv[4],
      "peers": [[x["addr"], x["received"]] for x in s["peers"]]}))
PY
EOF
chmod 0755 "$W/bin/task"
step "srun -N$nodes --dsl-set=scipy (as $DSL_CLUSTER_USER)"
t0=$(date +%s.%N)
out=$(cd "$W" && runuser -u "$DSL_CLUSTER_USER" -- env SLURM_CONF="$SLURM_CONF" \
	srun -N"$nodes" --dsl-set=scipy "$W/bin/task" 2>&1) || { echo "$out"; echo "main-job: the job failed" >&2; exit 1; }
t1=$(date +%s.%N)
step "the same imports without dslswarm, straight from the source directory (for comparison)"
direct=$(cd "$W" && runuser -u "$DSL_CLUSTER_USER" -- env SLURM_CONF="$SLURM_CONF" \
	srun -N"$nodes" "$W/bin/task" direct "$W/scipy" 2>&1 | sed -n 's/^DIRECT //p' | paste -sd,) || true

# --- the report -----------------------------------------------------------------
seed_addrs=$(for i in $(seq 1 "$seeders"); do dsl_cluster_node_addr "$i"; done | paste -sd,)
echo "$out" | sed -n 's/^NODE //p' | python3 -c '
import json, sys
rows = sorted((json.loads(l) for l in sys.stdin), key=lambda r: int(r["node"].split("n")[-1]))
seeds = set(sys.argv[1].split(","))
size, n, wall = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
mib = lambda b: b / 1048576
print("\nset scipy: %.1f MiB in %s files; %d nodes; job wall time %.1f s\n" % (mib(size), sys.argv[5], n, wall))
direct = dict(x.split() for x in sys.argv[6].split(",") if x)
print("%-6s %-10s %7s %13s %13s %9s %7s %8s" % ("node", "role", "ready s", "from seeders", "from peers", "imports s", "again s", "direct s"))
tot_s = tot_p = 0
for r in rows:
    fs = sum(b for a, b in r["peers"] if a in seeds)
    fp = sum(b for a, b in r["peers"] if a not in seeds)
    if r["role"] != "seeder":
        tot_s += fs; tot_p += fp
    print("%-6s %-10s %7.2f %9.1f MiB %9.1f MiB %9s %7s %8s" % (r["node"], r["role"], r["ready"], mib(fs), mib(fp), r["import"][0], r["warm"], direct.get(r["node"], "-")))
print("\nsource read by the seeders: %.2fx the set (without the swarm: %dx, once per node)" % (tot_s / size, n - len(seeds)))
print("bytes the nodes served each other: %.1f MiB (%.0f%% of all received)" % (mib(tot_p), 100.0 * tot_p / max(1, tot_s + tot_p)))
print("every task: numpy from %s, svd and minimize ok" % rows[0]["import"][3].rsplit("/numpy/", 1)[0])
print("(ready s: the prolog until the view was mounted; imports s: the imports at job start, while")
print(" the set arrives; again s: the same once the set is on the node; direct s: the same imports from the source")
print(" directory on the local disk, already in the page cache: a best case no shared file system reaches)")
' "$seed_addrs" "$set_bytes" "$nodes" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" "$(find "$W/scipy" -type f | wc -l)" "$direct"
step "tearing down"
