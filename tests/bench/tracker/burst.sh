#!/bin/bash
# The start-of-job burst: every helper of a job of N nodes announces once
# (event=started, nothing downloaded yet), all at once, to a dsl-tracker
# started as the prolog starts it (--numwant-max 32, --interval and
# --max-peers from the job's size).  256 concurrent clients, a new TCP
# connection per announce (as libtorrent's HTTP announces).  Prints, per N:
# the time to take all N announces, the rate, latency p50/p99 and the
# tracker's memory after the burst (VmRSS).
#
# usage: tests/bench/tracker/burst.sh [DSL_TRACKER] [SIZES]
#   DSL_TRACKER  the built binary (default ./tracker/dsl-tracker)
#   SIZES        job sizes (default "1024 4096 16384")
set -u
here=$(cd "$(dirname "$0")" && pwd)
TRACKER=${1:-./tracker/dsl-tracker}
SIZES=${2:-1024 4096 16384}
CONNS=256
[ -x "$TRACKER" ] || { echo "burst: no dsl-tracker at $TRACKER (build it first)"; exit 1; }
tmp=$(mktemp -d /tmp/trk-burst.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
${CC:-cc} -O2 -Wall -Wextra -D_GNU_SOURCE -o "$tmp/loadgen" "$here/trk_loadgen.c" || exit 1
pin_srv=""; pin_cli=""
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then pin_srv="taskset -c 1"; pin_cli="taskset -c 0"; fi

echo "start-of-job burst: N helpers announce once, $CONNS concurrent clients, new connection each"
echo "command: tests/bench/tracker/burst.sh $TRACKER \"$SIZES\"  ($(nproc) CPUs${pin_srv:+, tracker on CPU 1, load on CPU 0})"
echo "uptime: $(uptime)"
echo
printf '| nodes | all announced in | announces/s | p50 | p99 | errors | tracker VmRSS |\n|---:|---:|---:|---:|---:|---:|---:|\n'
for n in $SIZES; do
	interval=$(( (n + 499) / 500 )); [ "$interval" -lt 30 ] && interval=30
	maxp=$((n + 64)); [ "$maxp" -lt 10000 ] && maxp=10000
	hash=$("$tmp/loadgen" hashes 1)
	port=""
	for _ in 1 2 3 4 5; do
		p=$((20000 + RANDOM % 30000))
		if $pin_srv "$TRACKER" --listen 127.0.0.1 --port "$p" --allow "$hash" --numwant-max 32 \
			--interval "$interval" --max-peers "$maxp" --pid-file "$tmp/t.pid" \
			--log-file "$tmp/t.log" 2>/dev/null; then port=$p; break; fi
	done
	[ -n "$port" ] || { echo "burst: dsl-tracker did not start"; exit 1; }
	pid=$(cat "$tmp/t.pid")
	line=$($pin_cli "$tmp/loadgen" http-close 127.0.0.1 "$port" 1 "$n" 0 "$CONNS" | grep '^fill ')
	rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
	f() { printf %s "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
	printf '| %s | %s s | %s | %s | %s | %s | %s kB |\n' "$n" "$(f seconds)" "$(f rate)" "$(f p50)" \
		"$(f p99)" "$(f errors)" "$rss"
	kill "$pid"; pid=""; sleep 0.3
done
