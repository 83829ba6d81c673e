#!/bin/bash
# helper-cpu.sh - what one downloading helper costs in CPU, by link rate and
# piece size: one seeder and one downloader in two network namespaces, the
# seeder's link shaped (tbf), S MiB of random data.  Explains the scale
# benchmark's CPU column: N downloaders on one machine need N times this.
#
#   sudo tests/bench/scale/helper-cpu.sh [--build DIR] [--size MIB]
#        [--cases "16K@5mbit 64K@5mbit 16K@20mbit 256K@20mbit"]
#
# Prints, per case: transfer time, CPU seconds of downloader and seeder
# (utime+stime from /proc, whole process lives), the downloader's CPU per
# second of transfer and per MiB, and its busiest thread's share.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)
build=${DSL_BUILD_DIR:-/var/tmp/dsl-bench-build}
size=8
cases="16K@5mbit 64K@5mbit 16K@20mbit 256K@20mbit"
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--cases) cases=$2; shift 2 ;;
	-h|--help) sed -n '2,14p' "$0"; exit 0 ;;
	*) echo "helper-cpu: unknown argument: $1 (try --help)" >&2; exit 2 ;;
	esac
done
case $size in ''|*[!0-9]*) echo "helper-cpu: --size $size: not a whole number of MiB" >&2; exit 2 ;; esac
export DSL_HELPER=$build/helper/dsl-helper DSL_TOOL=$build/cli/dsl
[ -x "$DSL_HELPER" ] && [ -x "$DSL_TOOL" ] ||
	{ echo "helper-cpu: $build: no dsl-helper/dsl built there (--build DIR)" >&2; exit 2; }
DSH_TEST=helper-cpu
. "$src/tests/helper/dsh_common.sh"
dsh_need_root
DSH_TMP=$(mktemp -d /tmp/dsh-cpu.XXXXXX)
trap dsh_cleanup EXIT
trap 'exit 1' INT TERM
DSH_BIG_MB=$size
hz=$(getconf CLK_TCK)
# The busiest thread's ticks (libtorrent's network thread, in every run seen).
top_thread() { for t in /proc/$1/task/*; do dsh_ticks "$1/task/${t##*/}"; done | sort -n | tail -n 1; }

dsh_net dcp 198.18.98 || exit 1
dsh_make_set "$DSH_TMP/set" || exit 1
printf '%-12s %8s %10s %10s %12s %12s %10s\n' case "time s" "down cpu s" "seed cpu s" "down cpu %" "down ms/MiB" "top thread"
n=0
for c in $cases; do
	ps=${c%@*} rate=${c#*@}
	n=$((n + 1))
	dsh_node "s$n" $((10 + 2 * n)) "$rate" || exit 1
	dsh_node "d$n" $((11 + 2 * n)) || exit 1
	reg=$DSH_TMP/reg$n
	mkdir -p "$reg"
	"$DSL_TOOL" --registry "$reg" create "cpu$n" "$DSH_TMP/set" --piece-size "$ps" >/dev/null || exit 1
	DSH_DESC=$(ls "$reg/cpu$n"/*.json)
	DSH_TORRENT=$(ls "$reg/cpu$n"/*.torrent)
	dsh_helper "s$n" "seed$n" --seed --listen "198.18.98.$((10 + 2 * n))" --port 7000 || exit 1
	t0=$(date +%s.%N)
	dsh_helper "d$n" "down$n" --peer "198.18.98.$((10 + 2 * n)):7000" \
		--listen "198.18.98.$((11 + 2 * n))" --port 7001 || exit 1
	sp=$(dsh_pid "seed$n")
	dp=$(dsh_pid "down$n")
	dsh_wait_complete "down$n" 120 || { say "FAIL: $c: not complete within 2 min"; exit 1; }
	t1=$(date +%s.%N)
	awk -v c="$c" -v a="$t0" -v b="$t1" -v d="$(dsh_ticks "$dp")" -v s="$(dsh_ticks "$sp")" \
	    -v t="$(top_thread "$dp")" -v hz="$hz" -v mib="$size" 'BEGIN {
		printf "%-12s %8.2f %10.2f %10.2f %11.1f%% %12.1f %9.0f%%\n", c, b - a, d / hz, s / hz,
			100 * d / hz / (b - a), 1000 * d / hz / mib, 100 * t / (d ? d : 1)}'
	timeout 5 "$DSL_HELPER" --ctl "$DSH_TMP/down$n/run" stop >/dev/null 2>&1 || true
	timeout 5 "$DSL_HELPER" --ctl "$DSH_TMP/seed$n/run" stop >/dev/null 2>&1 || true
done
exit 0
