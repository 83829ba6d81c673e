#!/bin/bash
# Tracker benchmark: dsl-tracker against Debian's opentracker, same load
# generator, same swarms, same run.  Prints a markdown table.
#
# usage: tests/bench/tracker/run_bench.sh [DSL_TRACKER] [SECONDS] [ROUNDS]
#   DSL_TRACKER  the built binary (default: ./tracker/dsl-tracker)
#   SECONDS      steady-phase length per case (default 3)
#   ROUNDS       rounds, each with fresh trackers; the table shows each
#                tracker's best round (default 2: a shared 2-CPU machine is noisy)
# Each case: "fill" announces every peer once (event=started), "steady"
# re-announces random peers for SECONDS.  16 concurrent clients, numwant=50.
# With two or more CPUs the tracker runs on CPU 1 and the load on CPU 0.
set -u
here=$(cd "$(dirname "$0")" && pwd)
TRACKER=${1:-./tracker/dsl-tracker}
SECS=${2:-3}
ROUNDS=${3:-2}
OT=/usr/bin/opentracker
CONNS=16

[ -x "$TRACKER" ] || { echo "run_bench: no dsl-tracker at $TRACKER (build it first)"; exit 1; }
[ -x "$OT" ] || { echo "run_bench: $OT missing (apt-get install opentracker)"; exit 77; }
tmp=$(mktemp -d /tmp/trk-bench.XXXXXX)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; sleep 0.3; for p in $pids; do kill -9 "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

${CC:-cc} -O2 -Wall -Wextra -D_GNU_SOURCE -o "$tmp/loadgen" "$here/trk_loadgen.c" || exit 1
pin_srv=""; pin_cli=""
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then pin_srv="taskset -c 1"; pin_cli="taskset -c 0"; fi

free_port() { echo $((20000 + RANDOM % 30000)); }
rss_kb() { awk '/VmRSS/ {print $2}' /proc/$1/status 2>/dev/null || echo 0; }

start_dsl() {   # swarms -> sets DSL_PORT DSL_PID
	"$tmp/loadgen" hashes "$1" | sed 's/^/--allow\n/' > "$tmp/allow.args"
	for i in 1 2 3 4 5; do
		DSL_PORT=$(free_port)
		if $pin_srv "$TRACKER" --listen 127.0.0.1 --port "$DSL_PORT" --max-swarms 1000 \
			--max-peers 10000 --numwant-max 200 --max-peers-per-addr 0 --pid-file "$tmp/dsl.pid" \
			--log-file "$tmp/dsl.log" $(cat "$tmp/allow.args") 2>/dev/null; then
			DSL_PID=$(cat "$tmp/dsl.pid"); pids="$pids $DSL_PID"; return 0
		fi
	done
	echo "run_bench: dsl-tracker did not start"; exit 1
}

start_ot() {    # swarms -> sets OT_PORT OT_PID (opentracker is built with a whitelist)
	mkdir -p "$tmp/ot"
	"$tmp/loadgen" hashes "$1" > "$tmp/ot/whitelist.txt"
	OT_PORT=$(free_port)
	(cd "$tmp/ot" && exec $pin_srv "$OT" -i 127.0.0.1 -p "$OT_PORT" -P "$OT_PORT" -d "$tmp/ot" \
		-w whitelist.txt -u nobody >"$tmp/ot.log" 2>&1) &
	OT_PID=$!; pids="$pids $OT_PID"
	for i in $(seq 1 50); do
		curl -s -m 1 -o /dev/null "http://127.0.0.1:$OT_PORT/stats" && return 0; sleep 0.1
	done
	echo "run_bench: opentracker did not start"; cat "$tmp/ot.log"; exit 1
}

# field NAME LINE
field() { printf %s "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | tr -d 'us'; }

echo "dsl-tracker vs opentracker (Debian $(dpkg-query -W -f '${Version}' opentracker 2>/dev/null)), loopback, $CONNS clients, numwant=50, steady ${SECS}s, best of $ROUNDS rounds"
echo "command: tests/bench/tracker/run_bench.sh $TRACKER $SECS $ROUNDS ($(nproc) CPUs${pin_srv:+, tracker pinned to CPU 1, load to CPU 0})"
echo

# run all cases, ROUNDS times, fresh trackers each round
for round in $(seq 1 "$ROUNDS"); do
	for shape in "1 10000" "1000 50"; do
		set -- $shape
		sw=$1; pe=$2
		start_dsl "$sw"; start_ot "$sw"
		for proto in http http-close udp; do
			$pin_cli "$tmp/loadgen" $proto 127.0.0.1 "$DSL_PORT" "$sw" "$pe" "$SECS" $CONNS > "$tmp/r.$sw.$proto.dsl.$round"
			$pin_cli "$tmp/loadgen" $proto 127.0.0.1 "$OT_PORT" "$sw" "$pe" "$SECS" $CONNS > "$tmp/r.$sw.$proto.ot.$round"
		done
		echo "$(rss_kb $DSL_PID) $(rss_kb $OT_PID)" > "$tmp/rss.$sw.$round"
		kill "$DSL_PID" "$OT_PID" 2>/dev/null; sleep 0.3
	done
done

# best "PHASE ..." line of one tracker over the rounds (highest rate)
best() {   # sw proto who phase
	cat "$tmp"/r.$1.$2.$3.* | grep "^$4 " | awk '{ r = $0; sub(/.*rate=/, "", r); sub(/ .*/, "", r); if (r + 0 > m) { m = r + 0; l = $0 } } END { print l }'
}

printf '| swarms x peers | protocol | phase | dsl-tracker ann/s | p50 / p99 us | opentracker ann/s | p50 / p99 us | ratio |\n'
printf '|---|---|---|---:|---:|---:|---:|---:|\n'
errors=$(cat "$tmp"/r.* | sed -n 's/.*errors=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
for shape in "1 10000" "1000 50"; do
	set -- $shape
	sw=$1; pe=$2
	for proto in http http-close udp; do
		for phase in fill steady; do
			dl=$(best "$sw" $proto dsl $phase); ol=$(best "$sw" $proto ot $phase)
			dr=$(field rate "$dl"); orr=$(field rate "$ol")
			ratio=$(awk -v a="$dr" -v b="$orr" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
			label=$proto; [ $proto = http ] && label="http keep-alive"; [ $proto = http-close ] && label="http, new conn each"
			printf '| %s x %s | %s | %s | %s | %s / %s | %s | %s / %s | %s |\n' "$sw" "$pe" "$label" "$phase" \
				"$dr" "$(field p50 "$dl")" "$(field p99 "$dl")" "$orr" "$(field p50 "$ol")" "$(field p99 "$ol")" "$ratio"
		done
	done
	read -r d o < "$tmp/rss.$sw.1"
	echo "| $sw x $pe | memory (VmRSS) | after the runs | $d kB | | $o kB | | |"
done
echo
echo "request errors (non-200, failure reason, lost UDP answers), all rounds: $errors"
