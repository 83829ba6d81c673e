#!/bin/bash
# Benchmarks of dsl-helper; prints figures, checks nothing.
#   sudo tests/bench/helper/bench_helper.sh [BUILD_DIR] [REPEATS]
# (1) on-demand latency: from mount to the first 4 KiB of a file on a cold
#     node, seeder behind a 100 mbit link, read at once and read while the
#     background prefetch fills the link; prefetch modes pause vs always,
#     shallow (default) vs deep (DSL_HELPER_QUEUES=deep, libtorrent's) queues.
# (2) warm view vs tmpfs: reading the whole set and importing numpy (a copy
#     of Debian's, in the set) from the view and from a tmpfs copy, in one run.
# (3) memory: helper RSS and the node's non-reclaimable memory (Shmem of a
#     tmpfs cache + RSS) against the set size.
BUILD=${1:-/tmp/build-helper}
REPEATS=${2:-5}
PARTS=${3:-123}   # which of the three to run
export DSL_HELPER=$BUILD/helper/dsl-helper DSL_TOOL=$BUILD/cli/dsl
DSH_TEST=bench
. "$(dirname "$0")/../../helper/dsh_common.sh"
dsh_need_root
PY=/usr/bin/python3
$PY -c 'import numpy' 2>/dev/null || { say "SKIP: needs Debian's python3-numpy"; exit 77; }
NUMPY=$($PY -c 'import numpy, os; print(os.path.dirname(numpy.__file__))')

DSH_TMP=$(mktemp -d /tmp/dsh-bench.XXXXXX)
SHM=$(mktemp -d /dev/shm/dsh-bench.XXXXXX)
trap 'dsh_cleanup; rm -rf "$SHM"' EXIT
trap 'exit 1' INT TERM

DSH_BIG_MB=96
dsh_make_set "$DSH_TMP/src" || exit 1
cp -a "$NUMPY" "$DSH_TMP/src/py/numpy"
dsh_publish bset "$DSH_TMP/src" "$DSH_TMP/reg" || exit 1
SETB=$(du -sb --apparent-size "$DSH_TMP/src" | cut -f1)
say "set: $(find "$DSH_TMP/src" -type f | wc -l) files, $((SETB / 1048576)) MiB, 256 KiB pieces"
dsh_net dhz 198.18.46 || exit 1
dsh_node s 10 100mbit
dsh_node d 11
dsh_helper s seed --seed --listen 198.18.46.10 --port 6881 || exit 1
# the same seeder with libtorrent's deep request/send queues (the old mode)
DSL_HELPER_QUEUES=deep dsh_helper s seeddeep --seed --listen 198.18.46.10 --port 6882 || exit 1

now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }

# (1) one cold run: start the helper, optionally wait, read 4 KiB far in.
cold_read() {  # mode delay_ms queues -> prints "mount_ms read_ms"
	local mode=$1 delay=$2 queues=$3 t0 t1 t2 sport=6881
	[ "$queues" = deep ] && sport=6882
	rm -rf "$DSH_TMP/dl"
	t0=$(now)
	DSL_HELPER_QUEUES=$queues dsh_helper d dl --listen 198.18.46.11 --port 6881 \
		--peer 198.18.46.10:$sport --prefetch "$mode" --cache "$SHM/cache" >/dev/null || return 1
	t1=$(now)
	[ "$delay" -gt 0 ] && sleep "$(echo "scale=3; $delay / 1000" | bc)"
	t1b=$(now)
	dd if="$DSH_TMP/dl/view/data/big.bin" of=/dev/null bs=4096 count=1 \
		skip=$(( (DSH_BIG_MB - 8) * 256 + RANDOM % 256 )) status=none
	t2=$(now)
	echo "$(ms $t0 $t1) $(ms $t1b $t2)"
	"$DSL_HELPER" --ctl "$DSH_TMP/dl/run" stop >/dev/null
	sleep 0.3
}
stats() { sort -n | awk '{a[NR]=$1} END {printf "median %d ms, min %d, max %d (n=%d)", a[int((NR+1)/2)], a[1], a[NR], NR}'; }
say "(1) on-demand latency, cold node, seeder behind 100 mbit, 4 KiB at a random offset in the last 8 MiB of a $DSH_BIG_MB MiB file"
case $PARTS in *1*) ;; *) false ;; esac &&
for mode in pause always; do
	for delay in 0 2000; do
		# interleaved, so that load on the machine hits both alike
		: > "$DSH_TMP/lat.shallow"; : > "$DSH_TMP/lat.deep"
		for i in $(seq "$REPEATS"); do
			for q in shallow deep; do cold_read $mode $delay $q >> "$DSH_TMP/lat.$q"; done
		done
		for q in shallow deep; do
			say "    prefetch=$mode, queues=$q, read $((delay / 1000)) s after mount: first 4 KiB $(cut -d' ' -f2 "$DSH_TMP/lat.$q" | stats); mount (start to ready) $(cut -d' ' -f1 "$DSH_TMP/lat.$q" | stats)"
		done
	done
done

# (2) warm view vs tmpfs (after a full download, timed: shallow queues must
#     still fill the link).
for q in deep shallow; do
	sport=6881
	[ $q = deep ] && sport=6882
	rm -rf "$DSH_TMP/dl" "$SHM/cache"
	t0=$(now)
	DSL_HELPER_QUEUES=$q dsh_helper d dl --listen 198.18.46.11 --port 6881 \
		--peer 198.18.46.10:$sport --cache "$SHM/cache" >/dev/null
	dsh_wait_complete dl 120 || { say "download did not complete"; exit 1; }
	say "    full download, queues=$q: $(ms $t0 "$(now)") ms (start to complete, $((SETB / 1048576)) MiB at 100 mbit)"
	[ $q = deep ] && { "$DSL_HELPER" --ctl "$DSH_TMP/dl/run" stop >/dev/null; sleep 0.3; }
done
V=$DSH_TMP/dl/view
cp -a "$DSH_TMP/src" "$SHM/copy"
readall() { find "$1" -type f -print0 | xargs -0 cat > /dev/null; }
imp() { (cd / && PYTHONPATH="$1/py" $PY -c 'import numpy, numpy.linalg, numpy.fft; assert numpy.__file__.startswith("'"$1"'")'); }
timeit() {  # n cmd... -> total ms
	local n=$1 t0 t1
	shift
	t0=$(now)
	for i in $(seq "$n"); do "$@" || return 1; done
	t1=$(now)
	ms $t0 $t1
}
readall "$V"; readall "$SHM/copy"; imp "$V"; imp "$SHM/copy"   # warm both
for round in 1 2; do
	rv=$(timeit 5 readall "$V"); rt=$(timeit 5 readall "$SHM/copy")
	iv=$(timeit 10 imp "$V"); it=$(timeit 10 imp "$SHM/copy")
	say "(2) warm, round $round: read whole set x5: view $rv ms, tmpfs $rt ms, ratio $(echo "scale=3; $rv / $rt" | bc)x; import numpy x10: view $iv ms, tmpfs $it ms, ratio $(echo "scale=3; $iv / $it" | bc)x"
done

# (3) memory.
pid=$(dsh_pid dl)
rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
cache=$(du -sb "$SHM/cache" | cut -f1)
seed_rss=$(awk '/VmRSS/ {print $2}' /proc/$(dsh_pid seed)/status)
say "(3) memory, set $((SETB / 1048576)) MiB: downloader RSS $((rss / 1024)) MiB (peak $((hwm / 1024)) MiB), seeder RSS $((seed_rss / 1024)) MiB; tmpfs cache (non-reclaimable) $((cache / 1048576)) MiB; non-reclaimable total = cache + RSS = $(((cache / 1024 + rss) / 1024)) MiB = set + $(((cache / 1024 + rss) / 1024 - SETB / 1048576)) MiB (target: set + 64 MiB); the view's page cache is reclaimable"
