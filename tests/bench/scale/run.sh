#!/bin/bash
# run.sh - distribution at scale: naive file-server reads, Slurm's sbcast and
# dslswarm (lazy and wait=all) on one real local Slurm cluster, against S/L.
#
#   sudo tests/bench/scale/run.sh [-n "4 8 16 32 64"] [--rate 20mbit] [--size MIB]
#        [--methods "naive sbcast dsl-lazy dsl-all"] [--shares on|off] [--out DIR]
#        [--build DIR] [--smoke]
#
# Boots max(N)+1 nodes once (tests/cluster/, every link shaped to RATE; the
# swarm's peer ports and the HTTP server are in the harness's bulk class,
# 7168-8191, so Slurm's own messages are not queued behind the data).  Node 1 is the file server: it holds the set (S MiB of generated
# shared libraries, tests/bench/scale/mkset.py), serves it over HTTP (naive),
# runs the batch script that sbcasts it, and is dslswarm's only seeder
# (seeders=1), so every method's source bytes leave through one link of rate
# L.  Each run uses nodes 1..N+1 (-w) and reports the time from submission
# until every node had the whole set and until every task had loaded it,
# what the file server sent (its eth0 tx counter) and the CPU use.
# Writes DIR/scale.csv, DIR/scale.md, DIR/scale.png (default: results/ here).
# --smoke: N=4, 2 MiB, 50mbit, to DIR=/var/tmp/dsl-bench-smoke (no timing checks).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)
ns="4 8 16 32 64"
rate=20mbit
size=8
methods="naive sbcast dsl-lazy dsl-all"
shares=on
piece_size=
out=$here/results
build=${DSL_BUILD_DIR:-}
while [ $# -gt 0 ]; do
	case $1 in
	-n) ns=$2; shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--methods) methods=$2; shift 2 ;;
	--shares) shares=$2; shift 2 ;;
	--piece-size) piece_size=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--smoke) ns=4; size=2; rate=50mbit; out=/var/tmp/dsl-bench-smoke; shift ;;
	-h|--help) sed -n '2,20p' "$0"; exit 0 ;;
	*) echo "bench-scale: unknown argument: $1 (try --help)" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "bench-scale: run as root (it boots a cluster in namespaces)" >&2; exit 2; }
for n in $ns; do
	case $n in ''|*[!0-9]*) echo "bench-scale: -n: '$n' is not a number" >&2; exit 2 ;; esac
	[ "$n" -ge 1 ] && [ "$n" -le 150 ] || { echo "bench-scale: -n: $n: must be 1-150" >&2; exit 2; }
done
for m in $methods; do
	case $m in naive|sbcast|dsl-lazy|dsl-all) ;; *) echo "bench-scale: --methods: unknown method '$m'" >&2; exit 2 ;; esac
done
case $shares in on|off) ;; *) echo "bench-scale: --shares $shares: expected on or off" >&2; exit 2 ;; esac
case $size in ''|*[!0-9.]*) echo "bench-scale: --size $size: not a number of MiB" >&2; exit 2 ;; esac
rate_bps=$(python3 -c '
import re, sys
m = re.fullmatch(r"([0-9.]+)(k|m|g)?bit", sys.argv[1])
sys.exit(1) if not m else print(int(float(m[1]) * {None: 1, "k": 1e3, "m": 1e6, "g": 1e9}[m[2]]))' "$rate") ||
	{ echo "bench-scale: --rate $rate: expected e.g. 20mbit" >&2; exit 2; }
# One command on a fresh machine: the project's installer adds what is
# missing (it installs only packages not yet there).
"$src/scripts/install-deps.sh" >/dev/null ||
	{ echo "bench-scale: scripts/install-deps.sh failed" >&2; exit 2; }
for b in gnuplot curl tar sbcast; do
	command -v "$b" >/dev/null || { echo "bench-scale: $b not found (scripts/install-deps.sh)" >&2; exit 2; }
done

unset DSL_CLUSTER_DIR DSL_CLUSTER_USER DSL_CLUSTER_NODES DSL_CLUSTER_NNODES SLURM_CONF
export DSL_CLUSTER_ID=${DSL_BENCH_CLUSTER_ID:-5}
export DSL_CLUSTER_BOOT_TIMEOUT=${DSL_CLUSTER_BOOT_TIMEOUT:-300}
. "$src/tests/cluster/cluster-env.sh"
W=/var/tmp/dsl-bench-$DSL_CLUSTER_ID
CLUSTER=$src/tests/cluster
say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }
now() { date +%s.%N; }

cleanup() {
	"$CLUSTER/cluster-down.sh" >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
"$CLUSTER/cluster-down.sh" >/dev/null 2>&1 || true

# --- build, the set ------------------------------------------------------------
rm -rf "$W"
mkdir -p "$W/reg" "$W/pub" "$out"
. "$src/tests/bench/bench-lib.sh"
bench_install bench-scale "$build" /var/tmp/dsl-bench-build "$W"
install -m 0755 "$here/task.sh" "$here/sbcast-job.sh" "$W/bin/"
: > "$W/dsl.conf"
python3 "$here/mkset.py" "$W/set" "$size"
tar -C "$W" -cf "$W/pub/set.tar" set
set_bytes=$(du -sb --apparent-size "$W/set" | cut -f1)
set_files=$(find "$W/set" -type f | wc -l)
"$W/bin/dsl" create bench "$W/set" --registry "$W/reg" ${piece_size:+--piece-size "$piece_size"} \
	--env LD_LIBRARY_PATH=lib --env PYTHONPATH=python >/dev/null
chmod -R a+rX "$W"
ideal=$(awk -v b="$set_bytes" -v r="$rate_bps" 'BEGIN {printf "%.2f", b * 8 / r}')
say "set: $set_files files, $set_bytes bytes; L=$rate; S/L=$ideal s"

# --- the cluster --------------------------------------------------------------
max=0
for n in $ns; do [ "$n" -gt "$max" ] && max=$n; done
total=$((max + 1))
say "booting $total nodes (1 file server + $max), links $rate"
"$CLUSTER/cluster-up.sh" -n "$total" --shape "$rate" --plugin "$W/dsl.so" --plugin-args \
	"registry=$W/reg user_registry= libexec=$W/libexec conf=$W/dsl.conf seeders=1 ready_timeout=120 peer_ports=7168-8191 shares=$shares" >/dev/null
. "$DSL_CLUSTER_DIR/env.sh"
chown "$DSL_CLUSTER_USER" "$W"
# Slurm's RPCs share the shaped links with the data (ahead of it: the
# harness's bulk class).  Before that class existed, slurmctld's pings
# through its forwarding tree (TreeWidth 50) came back late from nodes whose
# link a swarm saturated, and the nodes behind them were set DOWN; at 64
# nodes (2 cores) a node was declared failed and its job killed.  Flat
# tree, patient timeouts, kept as a second line of defence.
# And 2 cores for 65 slurmd: a step's processes once took over a minute to
# be reaped after a run (load from other work), slurmctld drained the node
# ("Kill task failed") and every later job waited for it.
printf 'TreeWidth=%d\nSlurmdTimeout=600\nMessageTimeout=60\nUnkillableStepTimeout=300\n' \
	$((total + 1)) >> "$DSL_CLUSTER_DIR/slurm.conf"
scontrol reconfigure
FS=$(dsl_cluster_node_name 1)
FS_ADDR=$(dsl_cluster_node_addr 1)
for i in $(seq 1 "$total"); do
	"$CLUSTER/cluster-exec.sh" "$(dsl_cluster_node_name "$i")" install -d -m 1777 /run/bench
done
# The file server's HTTP service, inside its namespace (behind its shaped link).
# (http.server's own listen backlog is 5: at 64 clients connections were
# reset; an NFS server takes them all.)
"$CLUSTER/cluster-exec.sh" "$FS" setsid /usr/bin/python3 -c '
import functools, http.server, sys
class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 256
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2])
Server((sys.argv[1], 8000), handler).serve_forever()' "$FS_ADDR" "$W/pub" </dev/null >"$W/http.log" 2>&1 &
for _ in $(seq 1 50); do
	"$CLUSTER/cluster-exec.sh" "$FS" curl -sf -o /dev/null -r 0-0 "http://$FS_ADDR:8000/set.tar" && break
	sleep 0.2
done

as_user() {
	(cd "$W" && runuser -u "$DSL_CLUSTER_USER" -- env SLURM_CONF="$SLURM_CONF" \
		PATH=/usr/local/bin:/usr/bin:/bin BENCH_FS_NODE="$FS" BENCH_FS_ADDR="$FS_ADDR" \
		BENCH_RESULTS="${BENCH_RESULTS:-}" "$@")
}
cpu_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat; }
fs_tx() { "$CLUSTER/cluster-exec.sh" "$FS" cat /sys/class/net/eth0/statistics/tx_bytes; }
# Bounded: until the queue is empty and every node idle (epilogs done).
wait_idle() {
	for _ in $(seq 1 240); do
		if [ -z "$(squeue -h 2>/dev/null)" ] &&
		   [ "$(sinfo -h -N -o %T | grep -vc '^idle$')" = 0 ]; then
			return 0
		fi
		sleep 0.5
	done
	echo "bench-scale: nodes not idle after 120 s: $(sinfo -h -N -o '%N %T %E' | grep -v idle | head -3)" >&2
	# A drained node would hold every later run that names it: note it
	# (above, in the log) and put it back.
	for n in $(sinfo -h -N -t drain,drained,draining,down -o %N | sort -u); do
		scontrol update NodeName="$n" State=RESUME && echo "bench-scale: resumed $n" >&2
	done
}
set_wait() { # lazy|all
	sed -i 's/ wait=all wait_timeout=600$//' "$DSL_CLUSTER_DIR/plugstack.conf"
	[ "$1" = all ] && sed -i 's/$/ wait=all wait_timeout=600/' "$DSL_CLUSTER_DIR/plugstack.conf"
	return 0
}

# await_job PID RESULTS N NAME: wait for the job's command (PID, a child of
# this shell); its exit status in job_rc.  Once N tasks have written their
# results (files in RESULTS), give the command 60 s, then scancel the job
# (job_cancelled=1), and kill srun/sbatch 10 s after that: count it as done.
# Seen at 33 and 65 nodes on this 2-core machine: one slurmstepd's
# MESSAGE_TASK_EXIT to srun failed ("Connection timed out") and srun waited
# in slurm_step_launch_wait_finish for ever, even after scancel.
# Bounded: 1600 s (and the command's own timeout).
await_job() {
	local pid=$1 res=$2 n=$3 name=$4 since=-1 i rc=0
	local -a f
	job_cancelled=0
	for i in $(seq 1 16000); do
		kill -0 "$pid" 2>/dev/null || break
		if [ "$since" -lt 0 ]; then
			f=("$res"/*)
			[ -e "${f[0]}" ] && [ "${#f[@]}" -ge "$n" ] && since=$i
		elif [ $((i - since)) -eq 600 ]; then
			say "  $name: every task reported, the job's command had not returned 60 s later: cancelled" >&2
			scancel -n "$name" >&2
			job_cancelled=1
		elif [ $((i - since)) -ge 700 ]; then
			say "  $name: still running 10 s after scancel: killed" >&2
			pkill -KILL -u "$DSL_CLUSTER_USER" -x srun
			pkill -KILL -u "$DSL_CLUSTER_USER" -x sbatch
			break
		fi
		sleep 0.1
	done
	wait "$pid" || rc=$?
	[ "$since" -ge 0 ] && rc=0
	job_rc=$rc
}

runs=0   # results directory per job: the same N may be given twice
csv=$out/scale.csv
echo "nodes,method,set_mib,files,rate_mbit,ideal_s,have_s,loaded_s,have_over_ideal,fs_sent_mib,fs_sent_over_set,cpu_busy_pct,nodes_ok,first_have_s,median_have_s,from_peers_pct" > "$csv"
# run_one N METHOD: one job, one CSV row.
run_one() {
	local n=$1 m=$2 all nodes o rc t0 t1 c0 c1 x0 x1 job_rc job_cancelled
	all="$DSL_CLUSTER_PREFIX[1-$((n + 1))]"
	nodes="$DSL_CLUSTER_PREFIX[2-$((n + 1))]"
	o=$W/out-$n-$m
	wait_idle
	if [ "$m" = "${methods%% *}" ]; then
		# The cost of starting any job on these nodes (each task
		# touches a file; if srun hangs, the last file's time).
		runs=$((runs + 1))
		BENCH_RESULTS=$W/res/$runs-$n-launch
		install -d -o "$DSL_CLUSTER_USER" "$BENCH_RESULTS"
		t0=$(now)
		as_user timeout 300 srun -J "bench-$n-launch" -N$((n + 1)) -w "$all" \
			/bin/sh -c 'touch "$BENCH_RESULTS/$(hostname)"' >/dev/null 2>&1 &
		await_job $! "$BENCH_RESULTS" $((n + 1)) "bench-$n-launch"
		t1=$(now)
		[ "$job_cancelled" = 0 ] || t1=$(stat -c %.9Y "$BENCH_RESULTS"/* | sort -n | tail -n 1)
		awk -v n="$n" -v a="$t0" -v b="$t1" -v i="$ideal" 'BEGIN {printf "%d,launch,,,,%.2f,%.2f,%.2f,,,,,%d,,,\n", n, i, b - a, b - a, n}' >> "$csv"
		wait_idle
	fi
	runs=$((runs + 1))
	BENCH_RESULTS=$W/res/$runs-$n-$m
	install -d -o "$DSL_CLUSTER_USER" "$BENCH_RESULTS"
	[ "${m#dsl-}" = "$m" ] || set_wait "${m#dsl-}"
	read -r c0 c1 <<< "$(cpu_ticks)"
	x0=$(fs_tx)
	t0=$(now)
	case $m in
	naive) as_user timeout 1500 srun -J "bench-$n-$m" -N"$n" -w "$nodes" "$W/bin/task.sh" naive > "$o" 2>&1 & ;;
	sbcast) as_user timeout 1500 sbatch -J "bench-$n-$m" --wait -N$((n + 1)) -w "$all" -o "$o" \
			"$W/bin/sbcast-job.sh" "$W/pub/set.tar" "$W/bin/task.sh" >/dev/null 2>&1 & ;;
	dsl-lazy|dsl-all)
		as_user timeout 1500 srun -J "bench-$n-$m" -N$((n + 1)) -w "$all" --dsl-set=bench "$W/bin/task.sh" dsl > "$o" 2>&1 & ;;
	esac
	await_job $! "$BENCH_RESULTS" "$n" "bench-$n-$m"
	rc=$job_rc
	x1=$(fs_tx)
	read -r c0 c1 <<< "$(cpu_ticks | awk -v b="$c0" -v t="$c1" '{print $1 - b, $2 - t}')"
	python3 - "$o" "$BENCH_RESULTS" "$n" "$m" "$t0" "$set_bytes" "$set_files" "$rate_bps" "$ideal" \
		"$((x1 - x0))" "$c0" "$c1" "$rc" >> "$csv" <<'PY'
import os, sys
o, res, n, m, t0, sb, sf, rate, ideal, sent, busy, tot, rc = sys.argv[1:]
n, t0, sb, ideal = int(n), float(t0), int(sb), float(ideal)
have, loaded = [], []
sbcast = None
from_fs = from_peers = 0
for line in open(o, errors="replace"):
    if line.startswith("SBCAST "):
        sbcast = float(line.split()[1])
# The tasks' lines from their files (srun's copy of them may be incomplete).
lines = [open(os.path.join(res, f), errors="replace").read()
         for f in sorted(os.listdir(res)) if not f.startswith(".")]
for line in lines:
    w = line.split()
    if w[:1] == ["BENCH"] and len(w) >= 4:
        loaded.append(float(w[3]))
        if len(w) == 6 and w[4] != "-":
            from_fs += int(w[4])
            from_peers += int(w[5])
        if w[2] != "-":
            have.append(float(w[2]))
if sbcast is not None:
    have = [sbcast] * len(loaded)
ok = len(loaded) == n and rc == "0"
h = max(have) - t0 if ok and have else float("nan")
l = max(loaded) - t0 if ok else float("nan")
hs = sorted(x - t0 for x in have) if ok and have else [float("nan")]
print("%d,%s,%.2f,%s,%.1f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.0f,%d,%.2f,%.2f,%s" % (
    n, m, sb / 1048576, sf, int(rate) / 1e6, ideal, h, l, h / ideal, int(sent) / 1048576,
    int(sent) / sb, 100.0 * int(busy) / max(1, int(tot)), len(loaded), hs[0], hs[len(hs) // 2],
    "%.0f" % (100.0 * from_peers / (from_fs + from_peers)) if from_fs + from_peers else ""))
PY
	tail -n 1 "$csv" | awk -F, -v rc="$rc" '{printf "  N=%-3s %-8s whole set on every node %7s s, loaded %7s s (S/L %s s), file server sent %sx S, CPU %s%%, %s nodes ok%s\n",
		$1, $2, $7, $8, $6, $11, $12, $13, (rc != 0 ? ", exit " rc : "")}'
	[ "$rc" = 0 ] || { echo "bench-scale: $m at N=$n failed (exit $rc):" >&2; grep -v '^BENCH ' "$o" | head -5 >&2; }
}

for n in $ns; do
	say "N=$n"
	for m in $methods; do run_one "$n" "$m"; done
done

# --- table and plot -------------------------------------------------------------
python3 "$here/report.py" "$csv" "$out/scale.md" "$rate" "$(nproc)"
(cd "$out" && gnuplot -e "csv='scale.csv'; png='scale.png'; ideal=$ideal; title='S = $(awk -v b="$set_bytes" 'BEGIN {printf "%.1f", b / 1048576}') MiB, L = $rate'" "$here/plot.gp")
say "wrote $csv, $out/scale.md, $out/scale.png"
cat "$out/scale.md"
fails=$(awk -F, 'NR > 1 && $13 != $1' "$csv" | wc -l)
[ "$fails" = 0 ] || { echo "bench-scale: $fails run(s) incomplete (see the nodes_ok column)" >&2; exit 1; }
