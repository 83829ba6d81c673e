#!/bin/bash
# run.sh - prefetch in the order the tasks read: the same job's imports at
# job start, side by side in one run on one cluster:
#   lazy        wait=lazy, no recorded order (prefetch by share/rarest first)
#   lazy+order  wait=lazy, with the order `dsl profile` published
#   all         wait=all (each task starts once the whole set is on its node)
#   warm        the same imports again in each job, once the sets are there
#
#   tests/bench/profile/run.sh [-n NODES] [--shape RATE] [--rounds R]
#                              [--modules M] [--build DIR]
#
# Two sets: 'scipy' (Debian's numpy/scipy stack, as scripts/main-job.sh
# publishes it, found through PYTHONPATH/LD_LIBRARY_PATH) and 'pyn',
# Pynamic-like generated Python extension modules, each linked to a library
# of its own through a RUNPATH naming the source directory, published with
# --at-path (no LD_LIBRARY_PATH).  Variants are interleaved, the order
# rotated every round.  Per variant: median over all tasks of the seconds
# from srun's start until the task's imports were done, the imports' own
# time, on-demand waits per node (reads the helper had to fetch first) and
# their p99.  Prints `uptime` first and last (the machine is shared), and
# how the machine's CPUs spent the imports' time (from /proc/stat every
# 100 ms: user, system, softirq, idle; the median over the tasks' import
# windows, at job start per variant and warm over all).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)
nodes=8
shape=100mbit
rounds=3
nmod=100
build=${DSL_BUILD_DIR:-$src/build}
while [ $# -gt 0 ]; do
	case $1 in
	-n) nodes=$2; shift 2 ;;
	--shape) shape=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--modules) nmod=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	-h|--help) sed -n '2,21p' "$0"; exit 0 ;;
	*) echo "profile bench: unknown argument: $1 (try --help)" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "profile bench: run as root (it boots a cluster)" >&2; exit 2; }
unset DSL_CLUSTER_DIR DSL_CLUSTER_USER SLURM_CONF
export DSL_CLUSTER_ID=${DSL_BENCH_CLUSTER_ID:-4}
. "$src/tests/cluster/cluster-env.sh"
W=/var/tmp/dsl-profile-bench-$DSL_CLUSTER_ID
DEBS=/var/tmp/dsl-bench-debs
step() { printf '\n== %s\n' "$*" >&2; }
sampler=
cleanup() {
	[ -z "$sampler" ] || kill "$sampler" 2>/dev/null
	"$src/tests/cluster/cluster-down.sh" >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
echo "uptime at start: $(uptime)"
DSL_BUILD_DIR=$build "$src/scripts/build.sh" >/dev/null || { echo "profile bench: build failed" >&2; exit 1; }
"$src/tests/cluster/cluster-down.sh" >/dev/null 2>&1 || true
rm -rf "$W"
mkdir -p "$W/scipy" "$W/reg" "$W/libexec" "$W/bin" "$DEBS"
install -m 0755 "$build/helper/dsl-helper" "$build/tracker/dsl-tracker" "$W/libexec/"
install -m 0755 "$build/cli/dsl" "$W/bin/"
install -m 0755 "$build/spank/.libs/dsl.so" "$W/dsl.so"
echo "libexec=$W/libexec" > "$W/cli.conf"
dsl() { "$W/bin/dsl" --conf "$W/cli.conf" "$@"; }

# --- the sets ---------------------------------------------------------------
step "set 'scipy' (Debian's python3-numpy, python3-scipy and their libraries)"
debs="python3-numpy python3-scipy python3-decorator libblas3 liblapack3 libgfortran5 libquadmath0 liblbfgsb0"
(cd "$DEBS" && for d in $debs; do ls "$d"_*.deb >/dev/null 2>&1 || apt-get download "$d" >/dev/null 2>&1; done) ||
	{ echo "profile bench: apt-get download failed" >&2; exit 1; }
for d in "$DEBS"/*.deb; do dpkg -x "$d" "$W/scipy"; done
lib=usr/lib/x86_64-linux-gnu
dsl create scipy "$W/scipy" --registry "$W/reg" --env PYTHONPATH=usr/lib/python3/dist-packages \
	--env LD_LIBRARY_PATH=$lib/blas --env LD_LIBRARY_PATH=$lib/lapack --env LD_LIBRARY_PATH=$lib >/dev/null

step "set 'pyn' ($nmod generated extension modules + libraries, RUNPATH to the source, --at-path)"
P=$W/pyn
mkdir -p "$P/lib" "$P/py" "$W/gen"
inc=$(python3-config --includes)
for k in $(seq 1 "$nmod"); do
	cat > "$W/gen/l$k.c" <<C
const char pyn_pad$k[$((60000 + (k % 7) * 20000))] = { $k };
int pyn_f$k(void) { return $k + pyn_pad$k[0] - $k; }
C
	cat > "$W/gen/m$k.c" <<C
#include <Python.h>
int pyn_f$k(void);
static PyObject *f(PyObject *s, PyObject *a) { (void)s; (void)a; return PyLong_FromLong(pyn_f$k()); }
static PyMethodDef m[] = { { "f", f, METH_NOARGS, "" }, { 0 } };
static struct PyModuleDef d = { PyModuleDef_HEAD_INIT, "pynmod$k", 0, -1, m };
PyMODINIT_FUNC PyInit_pynmod$k(void) { return PyModule_Create(&d); }
C
done
for k in $(seq 1 "$nmod"); do
	gcc -O0 -shared -fPIC -o "$P/lib/libpyn$k.so" "$W/gen/l$k.c" &&
	gcc -O0 -shared -fPIC $inc -o "$P/py/pynmod$k.so" "$W/gen/m$k.c" -L"$P/lib" -lpyn$k \
		-Wl,--enable-new-dtags,-rpath,"$P/lib" || exit 1
done
dsl create pyn "$P" --registry "$W/reg" --env PYTHONPATH=py --at-path >/dev/null
chmod -R a+rX "$W"

# What a task imports (also the profile's command).
cat > "$W/bin/imports.py" <<PY
import importlib, json, os, socket, sys, time
t0 = time.time()
what = sys.argv[1] if len(sys.argv) > 1 else "both"
if what in ("scipy", "both"):
    import numpy, scipy, scipy.linalg, scipy.sparse, scipy.optimize, scipy.special, scipy.fft
    scipy.linalg.svdvals(numpy.ones((50, 50)))
t1 = time.time()
if what in ("pyn", "both"):
    for k in range(1, $nmod + 1):
        assert importlib.import_module("pynmod%d" % k).f() == k
t2 = time.time()
print(json.dumps({"node": socket.gethostname(), "scipy": t1 - t0, "pyn": t2 - t1,
                  "imports": t2 - t0, "done": t2}))
PY
step "dsl profile: the order in which the imports read each set"
dsl profile scipy --registry "$W/reg" -- python3 "$W/bin/imports.py" scipy >&2
dsl profile pyn --registry "$W/reg" -- python3 "$W/bin/imports.py" pyn >&2
mkdir -p "$W/orders/scipy" "$W/orders/pyn"
cp "$W"/reg/scipy/*.order "$W/orders/scipy/"
cp "$W"/reg/pyn/*.order "$W/orders/pyn/"
chmod -R a+rX "$W"

# --- the cluster ----------------------------------------------------------------
step "booting $nodes nodes (links: $shape)"
: > "$W/dsl.conf"
"$src/tests/cluster/cluster-up.sh" -n "$nodes" --shape "$shape" --plugin "$W/dsl.so" --plugin-args \
	"registry=$W/reg user_registry= libexec=$W/libexec conf=$W/dsl.conf seeders=1 ready_timeout=60" >&2
. "$DSL_CLUSTER_DIR/env.sh"
chown "$DSL_CLUSTER_USER" "$W"
uhome=$(getent passwd "$DSL_CLUSTER_USER" | cut -d: -f6)

cat > "$W/bin/task" <<'EOF2'
#!/bin/bash
# One task: the imports at job start, then (once both sets are on the node)
# the same imports again, then the helpers' read statistics.
set -u
first=$(python3 "$(dirname "$0")/imports.py") || { echo "TASK $(hostname) FAILED"; exit 1; }
for s in scipy pyn; do
	st=/run/dsl/job/$SLURM_JOB_ID/$s/status.json
	for _ in $(seq 1 1200); do grep -q '"complete":true' "$st" 2>/dev/null && break; sleep 0.1; done
done
warm=$(python3 "$(dirname "$0")/imports.py")
python3 - "$first" "$warm" /run/dsl/job/$SLURM_JOB_ID <<'PY'
import json, sys
first, warm = json.loads(sys.argv[1]), json.loads(sys.argv[2])
waits, p99 = 0, 0.0
for s in ("scipy", "pyn"):
    r = json.load(open("%s/%s/status.json" % (sys.argv[3], s)))["reads"]
    waits += r["on_demand_waits"]
    p99 = max(p99, r["wait_latency_ms"]["p99"])
first.update(warm=warm["imports"], warm_done=warm["done"], waits=waits, p99=p99)
print("TASK " + json.dumps(first))
PY
EOF2
chmod 0755 "$W/bin/task"

variant() { # NAME: set the configuration and the orders for it
	rm -f "$W"/reg/scipy/*.order "$W"/reg/pyn/*.order
	rm -rf "$uhome/.dsl/profiles"
	case $1 in
	lazy) echo "wait=lazy" > "$W/dsl.conf" ;;
	lazy+order) echo "wait=lazy" > "$W/dsl.conf"
		cp -p "$W"/orders/scipy/*.order "$W/reg/scipy/"
		cp -p "$W"/orders/pyn/*.order "$W/reg/pyn/" ;;
	all) echo "wait=all" > "$W/dsl.conf" ;;
	esac
}

: > "$W/results"
# The machine's CPU time by kind every 100 ms: "TIME user system softirq
# idle" in jiffies since the sample before (nice counted as user, iowait
# as idle, irq as softirq).
python3 - "$W/cpu" <<'PY' &
import sys, time
prev = None
with open(sys.argv[1], "w") as out:
    for _ in range(36000):   # one hour; killed at the end long before
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:8]]
        now = time.time()
        cur = (v[0] + v[1], v[2], v[5] + v[6], v[3] + v[4])
        if prev:
            out.write("%.3f %d %d %d %d\n" % ((now,) + tuple(c - p for c, p in zip(cur, prev))))
            out.flush()
        prev = cur
        time.sleep(0.1)
PY
sampler=$!
variants="lazy lazy+order all"
for r in $(seq 1 "$rounds"); do
	for v in $variants; do
		variant "$v"
		step "round $r: $v"
		t0=$(date +%s.%N)
		out=$(cd "$W" && runuser -u "$DSL_CLUSTER_USER" -- env SLURM_CONF="$SLURM_CONF" \
			timeout 600 srun -N"$nodes" --dsl-set=scipy,pyn "$W/bin/task" 2>&1) ||
			{ echo "$out" | tail -5 >&2; echo "profile bench: job failed ($v)" >&2; exit 1; }
		echo "$out" | sed -n 's/^TASK //p' | sed "s/^{/{\"variant\": \"$v\", \"t0\": $t0, /" >> "$W/results"
		for _ in $(seq 1 60); do [ -z "$(squeue -h)" ] && break; sleep 0.5; done
	done
	variants="${variants#* } ${variants%% *}"
done

echo
echo "set sizes: scipy $(du -sh --apparent-size "$W/scipy" | cut -f1), pyn $(du -sh --apparent-size "$P" | cut -f1) ($nmod modules); $nodes nodes, links $shape, 1 seeder, $rounds rounds"
python3 - "$W/results" "$W/cpu" <<'PY'
import json, statistics as st, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
cpu = [[float(x) for x in l.split()] for l in open(sys.argv[2]) if len(l.split()) == 5]
med = lambda xs: st.median(xs) if xs else float("nan")
print("%-11s %6s %14s %11s %11s %13s %11s" % ("variant", "tasks", "srun->done s", "imports s", "warm s",
      "waits/node", "wait p99 ms"))
res = {}
for v in ("lazy", "lazy+order", "all"):
    rs = [r for r in rows if r["variant"] == v]
    res[v] = dict(start=med([r["done"] - r["t0"] for r in rs]), imp=med([r["imports"] for r in rs]),
                  warm=med([r["warm"] for r in rs]), waits=med([r["waits"] for r in rs]),
                  p99=med([r["p99"] for r in rs]))
    x = res[v]
    print("%-11s %6d %14.2f %11.2f %11.2f %13.1f %11.0f" % (v, len(rs), x["start"], x["imp"], x["warm"],
          x["waits"], x["p99"]))
lo, lp, al = res["lazy"], res["lazy+order"], res["all"]
print("\ntargets:")
print("  lazy+order never slower than wait=all (srun->done): %.2f s vs %.2f s: %s" %
      (lp["start"], al["start"], "met" if lp["start"] <= al["start"] else "NOT met"))
print("  on-demand waits drop >= 10x: %.1f -> %.1f per node (%.1fx): %s" %
      (lo["waits"], lp["waits"], lo["waits"] / max(lp["waits"], 0.5),
       "met" if lp["waits"] * 10 <= lo["waits"] else "NOT met"))
print("  imports at job start within 1.5x of warm: %.2f s vs %.2f s (%.2fx): %s" %
      (lp["imp"], lp["warm"], lp["imp"] / lp["warm"], "met" if lp["imp"] <= 1.5 * lp["warm"] else "NOT met"))

def shares(a, b):   # the CPUs' time in [a, b] by kind, fractions
    t = [sum(c[k] for c in cpu if a <= c[0] <= b + 0.1) for k in (1, 2, 3, 4)]
    return [x / sum(t) for x in t] if sum(t) else None
print("\nthe CPUs during the imports (median over the tasks' windows; %d samples of 100 ms):" % len(cpu))
print("%-22s %7s %7s %8s %7s" % ("imports", "user", "system", "softirq", "idle"))
windows = [("at job start: " + v, [(r["done"] - r["imports"], r["done"]) for r in rows if r["variant"] == v])
           for v in ("lazy", "lazy+order", "all")]
windows.append(("warm (all variants)", [(r["warm_done"] - r["warm"], r["warm_done"]) for r in rows]))
for name, ws in windows:
    sh = [x for x in (shares(a, b) for a, b in ws) if x]
    if sh:
        print("%-22s %6.0f%% %6.0f%% %7.0f%% %6.0f%%" % ((name,) + tuple(100 * st.median(x[k] for x in sh)
                                                              for k in range(4))))
PY
echo "uptime at end: $(uptime)"
