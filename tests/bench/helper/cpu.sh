#!/bin/bash
# cpu.sh - a downloading helper's CPU against a plain libtorrent client's on
# the same transfer (issue: within 1.2x), side by side in one run:
#   helper   dsl-helper, a downloader of the set (its view mounted, the
#            piece plan, status, reports)
#   plain    plain_client.py: libtorrent's python binding, default settings
# The same seeder (a dsl-helper) sends the same set to one downloader in
# another network namespace; rounds alternate the two, so the machine's
# load falls on both alike.
#
#   sudo tests/bench/helper/cpu.sh [--build DIR] [--size MIB] [--rounds R]
#        [--rates "20mbit 100mbit"]
#
# The downloader starts first and is idle when the seeder starts and dials
# it: its CPU is counted from then to its last piece (the helper's from
# /proc, all threads; the client's own getrusage), so neither start-up is
# in it.  Per rate: medians over rounds of the transfer time and the
# downloader's CPU seconds, and helper / plain.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)
build=${DSL_BUILD_DIR:-$src/build}
size=32 rounds=5 rates="20mbit 100mbit"
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--rates) rates=$2; shift 2 ;;
	-h|--help) sed -n '2,20p' "$0"; exit 0 ;;
	*) echo "cpu.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
	esac
done
for v in "$size" "$rounds"; do
	case $v in ''|*[!0-9]*|0) echo "cpu.sh: '$v': not a positive whole number" >&2; exit 2 ;; esac
done
/usr/bin/python3 -c 'import libtorrent' 2>/dev/null ||
	{ echo "cpu.sh: needs python3-libtorrent (apt-get install python3-libtorrent)" >&2; exit 2; }
bench=cpu
. "$here/bench_common.sh"
DSH_BIG_MB=$size
hz=$(getconf CLK_TCK)
NET=198.18.98
dsh_net dcb $NET || exit 1
dsh_make_set "$DSH_TMP/set" || exit 1
dsh_publish cset "$DSH_TMP/set" "$DSH_TMP/reg" || exit 1
echo "uptime: $(uptime)"
echo "set: $size MiB + small files; 1 seeder, 1 downloader; $rounds rounds"

# seeder TAG: the seeder, which dials the downloader at $NET.11:7000
seeder() {
	mkdir -p "$DSH_TMP/$1-s/view" "$DSH_TMP/$1-s/cache"
	DSH_MOUNTS="$DSH_MOUNTS $DSH_TMP/$1-s/view"; DSH_RUNDIRS="$DSH_RUNDIRS $DSH_TMP/$1-s/run"
	dsh_in s timeout 30 "$DSL_HELPER" --desc "$DSH_DESC" --torrent "$DSH_TORRENT" \
		--mount "$DSH_TMP/$1-s/view" --cache "$DSH_TMP/$1-s/cache" --run-dir "$DSH_TMP/$1-s/run" \
		--seed --listen $NET.10 --port 7000 --peer $NET.11:7000 >/dev/null 2>&1
}

# one RATE MODE ROUND: appends "MODE time cpu" to res.RATE (in this shell,
# so that its mounts reach dsh_cleanup)
one() {
	local rate=$1 mode=$2 tag=$1-$2-$3 t0 t1 c0 c1 pid out
	mkdir -p "$DSH_TMP/$tag-d1/view" "$DSH_TMP/$tag-d1/cache"
	if [ "$mode" = helper ]; then
		DSH_MOUNTS="$DSH_MOUNTS $DSH_TMP/$tag-d1/view"; DSH_RUNDIRS="$DSH_RUNDIRS $DSH_TMP/$tag-d1/run"
		dsh_in d1 timeout 30 "$DSL_HELPER" --desc "$DSH_DESC" --torrent "$DSH_TORRENT" \
			--mount "$DSH_TMP/$tag-d1/view" --cache "$DSH_TMP/$tag-d1/cache" \
			--run-dir "$DSH_TMP/$tag-d1/run" --listen $NET.11 --port 7000 >/dev/null 2>&1 ||
			{ say "FAIL: $tag: the helper did not start"; return 1; }
		pid=$(dsh_pid "$tag-d1")
		c0=$(dsh_ticks "$pid")
		t0=$(date +%s.%N)
		seeder "$tag" || { say "FAIL: $tag: the seeder did not start"; return 1; }
		dsh_wait_complete "$tag-d1" 300 || { say "FAIL: $tag: not complete in 5 min"; return 1; }
		t1=$(date +%s.%N)
		c1=$(dsh_ticks "$pid")
		out=$(awk -v a="$c0" -v b="$c1" -v hz="$hz" 'BEGIN { printf "%.3f", (b - a) / hz }')
	else
		dsh_in d1 /usr/bin/python3 "$here/plain_client.py" "$DSH_TORRENT" "$DSH_TMP/$tag-d1/cache" \
			$NET.11 7000 "$DSH_TMP/$tag-ready" > "$DSH_TMP/$tag-out" 2>&1 &
		pid=$!
		for _ in $(seq 1 100); do [ -e "$DSH_TMP/$tag-ready" ] && break; sleep 0.1; done
		[ -e "$DSH_TMP/$tag-ready" ] || { say "FAIL: $tag: the client did not start"; return 1; }
		t0=$(date +%s.%N)
		seeder "$tag" || { say "FAIL: $tag: the seeder did not start"; return 1; }
		wait "$pid" || { say "FAIL: $tag: $(cat "$DSH_TMP/$tag-out")"; return 1; }
		t1=$(date +%s.%N)
		out=$(awk '$1 == "cpu" { print $2 }' "$DSH_TMP/$tag-out")
	fi
	awk -v m="$mode" -v a="$t0" -v b="$t1" -v c="$out" \
		'BEGIN { printf "%s %.3f %s\n", m, b - a, c }' >> "$DSH_TMP/res.$rate"
	bench_stop_round "$tag" 1
}

dsh_node s 10 || exit 1
dsh_node d1 11 || exit 1
for rate in $rates; do
	bench_shape "$rate" s:10 d1:11
	: > "$DSH_TMP/res.$rate"
	for r in $(seq 1 "$rounds"); do
		if [ $((r % 2)) = 1 ]; then set -- helper plain; else set -- plain helper; fi
		for m in "$@"; do
			one "$rate" "$m" "$r" || exit 1
		done
	done
	printf '\nlinks: %s\n%-7s %10s %12s\n' "$rate" mode "time s" "cpu s"
	for m in helper plain; do
		t=$(awk -v m="$m" '$1 == m { print $2 }' "$DSH_TMP/res.$rate" | bench_median)
		c=$(awk -v m="$m" '$1 == m { print $3 }' "$DSH_TMP/res.$rate" | bench_median)
		printf '%-7s %10.2f %12.3f\n' "$m" "$t" "$c"
		echo "$c" > "$DSH_TMP/cpu.$m"
	done
	awk -v h="$(cat "$DSH_TMP/cpu.helper")" -v p="$(cat "$DSH_TMP/cpu.plain")" \
		'BEGIN { printf "helper / plain CPU: %.2fx\n", (p > 0 ? h / p : 0) }'
done
echo "uptime: $(uptime)"
