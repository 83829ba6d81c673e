#!/bin/bash
# idle.sh - what a complete, idle helper costs the node: wake-ups and CPU.
# A tracker, one seeder and N downloaders in network namespaces; once every
# downloader has the whole set and nothing reads, each helper is watched for
# --seconds: its threads' context switches (voluntary + involuntary: each is a
# wake-up) and its CPU time, from /proc.  With --before DIR, a second build
# (e.g. an older commit's) runs the same, in the same run, its helpers beside
# this build's, so the figures compare under the same load.
#
#   sudo tests/bench/helper/idle.sh [--build DIR] [--before DIR]
#        [--downloaders N] [--seconds S] [--settle S] [--size MIB]
#
# --settle (default 70 s) is how long after completion the watch starts:
# libtorrent's transfer rates decay by 0.8 a second and reach zero about a
# minute after the last block; until then the status changes every second.
#
# Prints per build: context switches per second per helper (median over the
# downloaders; per thread name, and the busiest threads: libtorrent does not
# name its own), CPU % of one core per helper.
# Target (issue 14): a complete idle helper under 0.2% of a core.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)
build=${DSL_BUILD_DIR:-$src/build}
before= ndown=3 secs=20 size=16 settle=70
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--before) before=$2; shift 2 ;;
	--downloaders) ndown=$2; shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--settle) settle=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	-h|--help) sed -n '2,21p' "$0"; exit 0 ;;
	*) echo "idle.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
	esac
done
for v in "$ndown" "$secs" "$size" "$settle"; do
	case $v in ''|*[!0-9]*|0) echo "idle.sh: '$v': not a positive whole number" >&2; exit 2 ;; esac
done
for b in "$build" $before; do
	[ -x "$b/helper/dsl-helper" ] && [ -x "$b/cli/dsl" ] && [ -x "$b/tracker/dsl-tracker" ] ||
		{ echo "idle.sh: $b: no dsl-helper/dsl/dsl-tracker built there" >&2; exit 2; }
done
bench=idle
. "$here/bench_common.sh"
DSH_BIG_MB=$size
NET=198.18.98
dsh_net dib $NET || exit 1
dsh_make_set "$DSH_TMP/set" || exit 1
dsh_publish iset "$DSH_TMP/set" "$DSH_TMP/reg" || exit 1
# A tracker per build: the two swarms of the same set must not meet.
dsh_node t 2
dsh_node t2 3
dsh_bg t "$DSL_TRACKER" --listen $NET.2 --port 6969 --interval 30 --foreground \
	--secret idle --log-file "$DSH_TMP/tracker.log"
dsh_bg t2 "$DSL_TRACKER" --listen $NET.3 --port 6969 --interval 30 --foreground \
	--secret idle --log-file "$DSH_TMP/tracker2.log"
sleep 0.5
echo "uptime: $(uptime)"
echo "set: $size MiB + small files; 1 seeder and $ndown downloaders per build; watched ${secs} s from ${settle} s after completion"

# start one build's swarm: TAG BUILD HOSTBASE TRACKER_HOST
start() {
	local tag=$1 b=$2 base=$3 i TR="--tracker http://$NET.$4:6969/announce?dsl_secret=idle"
	dsh_node ${tag}s $base
	DSL_HELPER=$b/helper/dsl-helper dsh_helper ${tag}s ${tag}s --seed --listen $NET.$base \
		$TR --port 6881 || { echo "idle.sh: $tag seeder did not start" >&2; exit 1; }
	for ((i = 1; i <= ndown; i++)); do
		dsh_node ${tag}d$i $((base + i))
		DSL_HELPER=$b/helper/dsl-helper dsh_helper ${tag}d$i ${tag}d$i \
			--listen $NET.$((base + i)) $TR --port 6881 --peer $NET.$base:6881 ||
			{ echo "idle.sh: $tag d$i did not start" >&2; exit 1; }
	done
}
tags="new"
start new "$build" 10 2
[ -n "$before" ] && { tags="old new"; start old "$before" 40 3; }
for t in $tags; do
	for ((i = 1; i <= ndown; i++)); do
		dsh_wait_complete ${t}d$i 120 || { echo "idle.sh: $t d$i not complete in 120 s" >&2; exit 1; }
	done
done
sleep "$settle"

# snap PID: "cpu_ticks comm:switches ..." over the process's threads
snap() {
	local t c
	printf '%s' "$(dsh_ticks "$1")"
	for t in /proc/$1/task/*; do
		c=$(awk '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/ {s += $2} END {print s}' "$t/status")
		printf ' %s/%s:%s' "$(tr ' ' _ < "$t/comm")" "${t##*/}" "$c"
	done
	echo
}
declare -A pid0 s0
for t in $tags; do
	for ((i = 1; i <= ndown; i++)); do
		pid0[$t$i]=$(dsh_pid ${t}d$i)
		s0[$t$i]=$(snap "${pid0[$t$i]}")
	done
done
sleep "$secs"
hz=$(getconf CLK_TCK)
for t in $tags; do
	for ((i = 1; i <= ndown; i++)); do
		echo "$t ${s0[$t$i]}"
		echo "$t $(snap "${pid0[$t$i]}")"
	done
done | python3 -c '
import sys, statistics, collections
secs, hz, ndown = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
lines = [l.split() for l in sys.stdin]
res = collections.defaultdict(list)
for k in range(0, len(lines), 2):
    a, b = lines[k], lines[k + 1]
    tag = a[0]
    cpu = (float(b[1]) - float(a[1])) / hz / secs * 100
    th0 = collections.Counter()
    th1 = collections.Counter()
    # per thread (name/tid); shown per name, the busiest threads of a name
    # listed apart (libtorrent does not name its threads)
    for x in a[2:]:
        n, c = x.rsplit(":", 1); th0[n] += int(c)
    for x in b[2:]:
        n, c = x.rsplit(":", 1); th1[n] += int(c)
    tid = {n: (th1[n] - th0.get(n, 0)) / secs for n in th1}
    per = collections.defaultdict(float)
    for n, v in tid.items():
        per[n.split("/")[0]] += v
    per["threads"] = -len(tid)
    per["busiest"] = -max(tid.values())
    per["top"] = sorted(tid.values(), reverse=True)[:6]
    res[tag].append((cpu, sum(tid.values()), per))
print("%-6s %14s %12s   %s" % ("build", "switches/s", "CPU % core", "context switches/s by thread name (median helper)"))
for tag in sorted(res, reverse=True):
    r = sorted(res[tag], key=lambda x: x[1])
    med = r[len(r) // 2]
    p = dict(med[2]); nth = -p.pop("threads"); p.pop("busiest"); top = p.pop("top")
    names = ", ".join("%s %.1f" % (n, v) for n, v in sorted(p.items(), key=lambda x: -x[1]) if v >= 0.05)
    names += " (%d threads; the busiest: %s)" % (nth, " ".join("%.1f" % v for v in top))
    print("%-6s %14.1f %12.2f   %s" % (tag, med[1], statistics.median(x[0] for x in r), names))
' "$secs" "$hz" "$ndown"
echo "uptime: $(uptime)"
