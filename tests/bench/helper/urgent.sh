#!/bin/bash
# urgent.sh - reads while the prefetch fills the links, and what the file
# server sends, with and without the seeder's hold-back (helper/dsh_hold.hpp),
# side by side in one run, rounds interleaved:
#   plain   DSL_HELPER_HOLD=off: every request to the seeder served
#   urgent0 DSL_HELPER_URGENT_HOLD_MS=0: prefetch requests for pieces another
#           node has or is being sent are held back; pieces a read waits for
#           are marked urgent and served at once
#   hold    the default: the same, and an urgent request for a piece another
#           node is being sent is held until that node announces it, one for
#           a piece another node has for DSH_URGENT_HOLD_MS
#           (helper/dsh_holdback.h), for that node to pass it on
#   utp     hold, the swarm on uTP (DSL_HELPER_UTP_DELAY_MS=25: LEDBAT keeps
#           the queue at each node's link near 25 ms); not in the default
#           modes
#   bbr, cubic  hold, every node's TCP with that congestion control (the
#           namespaces' net.ipv4.tcp_congestion_control; the other modes
#           keep what a new namespace gets, printed at the start); not in
#           the default modes
#
#   sudo tests/bench/helper/urgent.sh [--build DIR] [--nodes N] [--rate R]
#        [--files F] [--file-kib K] [--gap-ms G] [--rounds R] [--no-reads]
#        [--piece-size P] [--trace DIR] [--probe]
#   DSH_URGENT_MODES="urgent0 hold": only those modes (rotated each round)
#
# One seeder and N downloaders in network namespaces, each sending at R
# (tc tbf), each dialling the seeder and 8 others.  The set: F files of K
# KiB.  Right after its mount, every node reads the first 4 KiB of every
# file in the same order (what a job's imports do), G ms apart, while its
# helper fetches the set: the worst case for the hold-back, whose urgent
# marks must keep those reads from waiting behind it.  --no-reads: nobody
# reads (a wait=all job).  Per mode:
# the read latencies over all nodes (p50, p99, max; reads the helper had
# to fetch first are the slow ones), the on-demand waits, the whole set's
# time (start until every node has every piece) and the file server's
# bytes (what the seeder sent / the set).  Medians of rounds for the times.
# --piece-size: the set's (dsl create --piece-size; "auto": what dsl create
# picks for it, 16 KiB for the default set), 256K unless given.
# --trace DIR: every helper logs its piece traffic (DSL_HELPER_TRACE,
# helper/dsh_trace.h) and every reader its reads into DIR (its *.trace and
# *.reads from before are removed), and urgent_phases.py prints where the
# slow reads' time went.
# --probe: what a separate connection for urgent pieces would see
# (lane_probe.py): during each round d1 asks d2 for 16 KiB every 30 ms on
# one TCP connection, d3 asks d4 on a new connection each time; printed per
# mode over the answers given while the answering node sent at >= 90% of R.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)
build=${DSL_BUILD_DIR:-$src/build}
nodes=16 rate=20mbit nfiles=200 kib=128 gap=20 rounds=3 reads=1 psize=256K trace= probe=0
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--nodes) nodes=$2; shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	--files) nfiles=$2; shift 2 ;;
	--file-kib) kib=$2; shift 2 ;;
	--gap-ms) gap=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--no-reads) reads=0; shift ;;
	--piece-size) psize=$2; shift 2 ;;
	--trace) trace=$2; shift 2 ;;
	--probe) probe=1; shift ;;
	-h|--help) sed -n '2,48p' "$0"; exit 0 ;;
	*) echo "urgent.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
	esac
done
for v in "$nodes" "$nfiles" "$kib" "$rounds"; do
	case $v in ''|*[!0-9]*|0) echo "urgent.sh: '$v': not a positive whole number" >&2; exit 2 ;; esac
done
[ "$nodes" -le 60 ] || { echo "urgent.sh: at most 60 nodes" >&2; exit 2; }
[ "$probe" = 0 ] || [ "$nodes" -ge 4 ] || { echo "urgent.sh: --probe needs 4 nodes or more" >&2; exit 2; }
if [ -n "$trace" ]; then
	mkdir -p "$trace" && trace=$(cd "$trace" && pwd) || { echo "urgent.sh: --trace $trace: cannot create" >&2; exit 2; }
	rm -f "$trace"/*.trace "$trace"/*.reads
fi
bench=urgent
. "$here/bench_common.sh"
NET=198.18.98
dsh_net dub $NET || exit 1
mkdir -p "$DSH_TMP/set"
for k in $(seq -w 1 "$nfiles"); do
	head -c $((kib * 1024)) /dev/urandom > "$DSH_TMP/set/f$k.bin"
done
chmod -R a+rX "$DSH_TMP/set"
DSH_PIECE_SIZE=$psize dsh_publish uset "$DSH_TMP/set" "$DSH_TMP/reg" 2>/dev/null ||
	{ echo "urgent.sh: dsl create (--piece-size $psize) failed" >&2; exit 1; }
pbytes=$("$DSL_TOOL" --registry "$DSH_TMP/reg" show uset 2>/dev/null | awk '/^piece size:/ { print $3 }')
setbytes=$(du -sb --apparent-size "$DSH_TMP/set" | cut -f1)
dsh_node s 10 "$rate" || exit 1
for i in $(seq 1 "$nodes"); do dsh_node "d$i" $((10 + i)) "$rate" || exit 1; done
ccdefault=$(ip netns exec "$DSH_P-s" cat /proc/sys/net/ipv4/tcp_congestion_control)
echo "uptime: $(uptime)"
echo "TCP congestion control of a new namespace: $ccdefault"
echo "set: $nfiles files of $kib KiB ($setbytes B), ${pbytes:-?} KiB pieces; 1 seeder, $nodes downloaders at $rate; reads ${gap} ms apart; $rounds rounds"

# Writes OUT (one latency in ms per line) and OUT.reads ("START_MS
# LATENCY_MS NAME", CLOCK_MONOTONIC as in the helpers' traces).
cat > "$DSH_TMP/reader.py" <<'PY'
import os, sys, time
view, gap, out = sys.argv[1], float(sys.argv[2]) / 1000, sys.argv[3]
reads = []
for name in sorted(os.listdir(view)):
    t = time.monotonic()
    with open(os.path.join(view, name), "rb") as f:
        f.read(4096)
    reads.append((t * 1000, (time.monotonic() - t) * 1000, name))
    time.sleep(gap)
open(out, "w").write("".join("%.3f\n" % r[1] for r in reads))
open(out + ".reads", "w").write("".join("%.3f %.3f %s\n" % r for r in reads))
PY

# one MODE ROUND: appends "MODE time server_ratio waits" to res and the
# read latencies to lat.MODE
one() {
	local mode=$1 r=$2 tag=$1-$2 i env=() peers=() t0 t1 sent waits=0 w tr=()
	case $mode in
	plain) env=(env DSL_HELPER_HOLD=off) ;;
	urgent0) env=(env DSL_HELPER_URGENT_HOLD_MS=0) ;;
	utp) env=(env DSL_HELPER_UTP_DELAY_MS=25) ;;
	esac
	local cc=$ccdefault
	case $mode in bbr|cubic) cc=$mode ;; esac
	for i in s $(seq 1 "$nodes"); do
		[ "$i" = s ] || i=d$i
		ip netns exec "$DSH_P-$i" sh -c "echo $cc > /proc/sys/net/ipv4/tcp_congestion_control" ||
			{ say "FAIL: $tag: cannot set $cc in $i"; return 1; }
	done
	[ -n "$trace" ] && tr=(env DSL_HELPER_TRACE="$trace/$tag-s.trace")
	mkdir -p "$DSH_TMP/$tag-s/view" "$DSH_TMP/$tag-s/cache"
	DSH_MOUNTS="$DSH_MOUNTS $DSH_TMP/$tag-s/view"; DSH_RUNDIRS="$DSH_RUNDIRS $DSH_TMP/$tag-s/run"
	dsh_in s "${env[@]}" "${tr[@]}" timeout 30 "$DSL_HELPER" --desc "$DSH_DESC" --torrent "$DSH_TORRENT" \
		--mount "$DSH_TMP/$tag-s/view" --cache "$DSH_TMP/$tag-s/cache" --run-dir "$DSH_TMP/$tag-s/run" \
		--seed --listen $NET.10 --port 7000 >/dev/null 2>&1 || return 1
	local probes= nodepids=
	if [ "$probe" = 1 ]; then
		dsh_bg d2 python3 "$here/lane_probe.py" serve $NET.12 7100; probes="$probes $DSH_BG_PID"
		dsh_bg d4 python3 "$here/lane_probe.py" serve $NET.14 7100; probes="$probes $DSH_BG_PID"
		sleep 0.3
		dsh_bg d1 python3 "$here/lane_probe.py" ask $NET.12 7100 30 persistent "$DSH_TMP/$tag.probe-persistent"
		probes="$probes $DSH_BG_PID"
		dsh_bg d3 python3 "$here/lane_probe.py" ask $NET.14 7100 30 fresh "$DSH_TMP/$tag.probe-fresh"
		probes="$probes $DSH_BG_PID"
	fi
	# Each node dials the seeder and up to 8 others (as dsl_roles gives).
	t0=$(date +%s.%N)
	for i in $(seq 1 "$nodes"); do
		peers=(--peer $NET.10:7000)
		for k in 1 2 3 4 5 6 7 8; do
			j=$(( (i - 1 + k) % nodes + 1 ))
			[ "$j" != "$i" ] && peers+=(--peer $NET.$((10 + j)):7000)
		done
		mkdir -p "$DSH_TMP/$tag-d$i/view" "$DSH_TMP/$tag-d$i/cache"
		DSH_MOUNTS="$DSH_MOUNTS $DSH_TMP/$tag-d$i/view"; DSH_RUNDIRS="$DSH_RUNDIRS $DSH_TMP/$tag-d$i/run"
		[ -n "$trace" ] && tr=(env DSL_HELPER_TRACE="$trace/$tag-d$i.trace")
		( dsh_in "d$i" "${env[@]}" "${tr[@]}" timeout 30 "$DSL_HELPER" --desc "$DSH_DESC" --torrent "$DSH_TORRENT" \
			--mount "$DSH_TMP/$tag-d$i/view" --cache "$DSH_TMP/$tag-d$i/cache" \
			--run-dir "$DSH_TMP/$tag-d$i/run" --listen $NET.$((10 + i)) --port 7000 \
			--share "$((i - 1))/$nodes" "${peers[@]}" >/dev/null 2>&1 &&
		  if [ "$reads" = 1 ]; then
			python3 "$DSH_TMP/reader.py" "$DSH_TMP/$tag-d$i/view" "$gap" "$DSH_TMP/$tag-d$i.lat"
		  else
			echo 0 > "$DSH_TMP/$tag-d$i.lat"
		  fi ) &
		nodepids="$nodepids $!"
	done
	wait $nodepids   # not the probes, which run until killed
	for i in $(seq 1 "$nodes"); do
		dsh_wait_complete "$tag-d$i" 600 || { say "FAIL: $tag: d$i not complete in 10 min"; return 1; }
	done
	t1=$(date +%s.%N)
	if [ -n "$probes" ]; then
		kill $probes 2>/dev/null
		wait $probes 2>/dev/null
		cat "$DSH_TMP/$tag.probe-persistent" >> "$DSH_TMP/probe.$mode.persistent"
		cat "$DSH_TMP/$tag.probe-fresh" >> "$DSH_TMP/probe.$mode.fresh"
	fi
	sent=$(dsh_status "$tag-s" bytes.sent)
	say "$tag: seeder held $(dsh_status "$tag-s" hold.held), rejected $(dsh_status "$tag-s" hold.rejected), urgent marks received $(dsh_status "$tag-s" hold.urgent_marked)"
	for i in $(seq 1 "$nodes"); do
		w=$(dsh_status "$tag-d$i" reads.on_demand_waits); waits=$((waits + w))
		cat "$DSH_TMP/$tag-d$i.lat" >> "$DSH_TMP/lat.$mode"
		[ -z "$trace" ] || [ ! -f "$DSH_TMP/$tag-d$i.lat.reads" ] ||
			cp "$DSH_TMP/$tag-d$i.lat.reads" "$trace/$tag-d$i.reads"
	done
	awk -v m="$mode" -v a="$t0" -v b="$t1" -v s="$sent" -v S="$setbytes" -v w="$waits" -v n="$nodes" \
		'BEGIN { printf "%s %.3f %.3f %.1f\n", m, b - a, s / S, w / n }' >> "$DSH_TMP/res"
	bench_stop_round "$tag" "$nodes"
}

modes=${DSH_URGENT_MODES:-"plain urgent0 hold"}
: > "$DSH_TMP/res"
order=$modes
for r in $(seq 1 "$rounds"); do
	for m in $order; do
		one "$m" "$r" || exit 1
	done
	# rotated: each mode in each place (one mode alone: as it is; rotated,
	# "hold" became "hold hold" and ran twice a round under one tag)
	case $order in *" "*) order="${order#* } ${order%% *}" ;; esac
done
echo "rounds (mode, whole set s, file server/S, waits/node):"
sed 's/^/  /' "$DSH_TMP/res"
printf '\n%-6s %12s %14s %12s %10s %10s %10s\n' mode "whole set s" "file server/S" "waits/node" \
	"read p50" "read p99" "read max"
for m in $modes; do
	python3 - "$DSH_TMP/res" "$DSH_TMP/lat.$m" "$m" <<'PY'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1]) if l.split()[0] == sys.argv[3]]
lat = sorted(float(x) for x in open(sys.argv[2]))
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print("%-6s %12.2f %14.2f %12.1f %8.1f ms %7.1f ms %7.0f ms" % (sys.argv[3],
      st.median(float(r[1]) for r in rows), st.median(float(r[2]) for r in rows),
      st.median(float(r[3]) for r in rows), q(0.5), q(0.99), lat[-1]))
PY
done
echo "uptime: $(uptime)"
if [ "$probe" = 1 ]; then
	echo; echo "a separate connection for one 16 KiB piece (lane_probe.py), answers while the answering node sent >= 90% of $rate:"
	printf '%-6s %-10s %8s %8s %9s %9s %9s %9s\n' mode connection answers errors p50 p90 p99 max
	for m in $modes; do
		for c in persistent fresh; do
			python3 - "$DSH_TMP/probe.$m.$c" "$m" "$c" "$rate" <<'PY'
import os, re, sys
path, mode, conn, rate = sys.argv[1:5]
num, unit = re.fullmatch(r'([0-9.]+)([kmg]?)bit', rate.lower()).groups()
full = float(num) * {'': 1, 'k': 1e3, 'm': 1e6, 'g': 1e9}[unit] / 8
lines = [l.split() for l in open(path)] if os.path.exists(path) else []
errs = sum(1 for l in lines if l and l[0] == 'err')
lat = sorted(float(l[0]) for l in lines if l and l[0] != 'err' and float(l[1]) >= 0.9 * full)
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float('nan')
print('%-6s %-10s %8d %8d %6.1f ms %6.1f ms %6.1f ms %6.1f ms' % (mode, conn, len(lat), errs,
      q(0.5), q(0.9), q(0.99), lat[-1] if lat else float('nan')))
PY
		done
	done
fi
if [ -n "$trace" ]; then
	for m in $modes; do
		echo; echo "where the reads of $m slower than 300 ms waited (urgent_phases.py, round 1):"
		python3 "$here/urgent_phases.py" --threshold 300 "$trace" "$m-1"
	done
fi
