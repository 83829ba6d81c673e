#!/bin/bash
# Benchmarks of dsl-helper; prints figures, checks nothing.
#   sudo tests/bench/helper/bench_helper.sh [BUILD_DIR] [REPEATS]
# (1) on-demand latency: from mount to the first 4 KiB of a file on a cold
#     node, seeder behind a 100 mbit link, read at once and read while the
#     background prefetch fills the link; prefetch modes pause vs always,
#     shallow (default) vs deep (DSL_HELPER_QUEUES=deep, libtorrent's) queues.
# (2) warm view vs tmpfs: reading the whole set and importing numpy (a copy
#     of Debian's, in the set) from the view, from the overlay the plugin puts
#     over it (what a job sees) and from a tmpfs copy, in one run, interleaved
#     (order rotated every round, so load from elsewhere on the machine hits
#     all alike); medians and their ratios, the load average, the helper's CPU.
#     WARM_N iterations (default 30); DL_ARGS, if set, are added to the
#     downloader's options (to compare settings).
# (3) memory: helper RSS and the node's non-reclaimable memory (Shmem of a
#     tmpfs cache + RSS) against the set size.
BUILD=${1:-/tmp/build-helper}
REPEATS=${2:-5}
PARTS=${3:-123}   # which of the three to run
WARM_N=${WARM_N:-30}
# names (bridge, namespaces) and /24 of the test network, so a run can sit
# beside another setup using the defaults
BENCH_P=${BENCH_P:-dhz}
NET=${BENCH_NET:-198.18.46}
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
dsh_net "$BENCH_P" "$NET" || exit 1
dsh_node s 10 100mbit
dsh_node d 11
dsh_helper s seed --seed --listen $NET.10 --port 6881 || exit 1
# the same seeder with libtorrent's deep request/send queues (the old mode)
DSL_HELPER_QUEUES=deep dsh_helper s seeddeep --seed --listen $NET.10 --port 6882 || exit 1

now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }

# (1) one cold run: start the helper, optionally wait, read 4 KiB far in.
cold_read() {  # mode delay_ms queues -> prints "mount_ms read_ms"
	local mode=$1 delay=$2 queues=$3 t0 t1 t2 sport=6881
	[ "$queues" = deep ] && sport=6882
	rm -rf "$DSH_TMP/dl"
	t0=$(now)
	DSL_HELPER_QUEUES=$queues dsh_helper d dl --listen $NET.11 --port 6881 \
		--peer $NET.10:$sport --prefetch "$mode" --cache "$SHM/cache" >/dev/null || return 1
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
#     still fill the link).  (3) needs the download too.
case $PARTS in *[23]*) ;; *) exit 0 ;; esac
for q in deep shallow; do
	sport=6881
	[ $q = deep ] && sport=6882
	rm -rf "$DSH_TMP/dl" "$SHM/cache"
	t0=$(now)
	DSL_HELPER_QUEUES=$q dsh_helper d dl --listen $NET.11 --port 6881 \
		--peer $NET.10:$sport --cache "$SHM/cache" ${DL_ARGS:-} >/dev/null
	dsh_wait_complete dl 120 || { say "download did not complete"; exit 1; }
	say "    full download, queues=$q: $(ms $t0 "$(now)") ms (start to complete, $((SETB / 1048576)) MiB at 100 mbit)"
	[ $q = deep ] && { "$DSL_HELPER" --ctl "$DSH_TMP/dl/run" stop >/dev/null; sleep 0.3; }
done
V=$DSH_TMP/dl/view
cp -a "$DSH_TMP/src" "$SHM/copy"
readall() { find "$1" -type f -print0 | xargs -0 cat > /dev/null; }
imp() { (cd / && PYTHONPATH="$1/py" $PY -c 'import numpy, numpy.linalg, numpy.fft; assert numpy.__file__.startswith("'"$1"'")'); }
us_of() {  # cmd... -> its wall time in us (or fails)
	local t0 t1
	t0=$(now)
	"$@" || return 1
	t1=$(now)
	echo $(((t1 - t0) / 1000))
}
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cpu_ms() { awk '{print ($14 + $15) * 10}' "/proc/$1/stat"; }   # USER_HZ 100
# interleaved NAME CMD: WARM_N rounds of "CMD DIR" for the FUSE view, the
# overlay over it (what the plugin shows a job) and the tmpfs copy, the order
# rotated every round; prints "view overlay tmpfs load cpu_ms" (medians, us).
interleaved() {
	local name=$1 cmd=$2 i k c0 la dirs=("$V" "$O" "$SHM/copy") tags=(view ovl tmpfs)
	for k in 0 1 2; do : > "$DSH_TMP/$name.${tags[$k]}"; done
	la=$(cut -d' ' -f1 /proc/loadavg)
	c0=$(cpu_ms "$(dsh_pid dl)")
	for i in $(seq "$WARM_N"); do
		for k in $((i % 3)) $(((i + 1) % 3)) $(((i + 2) % 3)); do
			us_of $cmd "${dirs[$k]}" >> "$DSH_TMP/$name.${tags[$k]}" || return 1
		done
	done
	echo "$(median "$DSH_TMP/$name.view") $(median "$DSH_TMP/$name.ovl") $(median "$DSH_TMP/$name.tmpfs")" \
		"$la-$(cut -d' ' -f1 /proc/loadavg) $(($(cpu_ms "$(dsh_pid dl)") - c0))"
}
ms1() { echo "$(($1 / 1000)).$(($1 % 1000 / 100))"; }
ratio() { echo "scale=3; $1 / $2" | bc | sed 's/^\./0./'; }
if case $PARTS in *2*) true ;; *) false ;; esac; then
	# The view as a job sees it: the plugin puts a read-only overlay over
	# the FUSE mount (spank/dsl_fusemount.h), which answers ioctls itself.
	O=$DSH_TMP/ovl
	mkdir -p "$O" "$DSH_TMP/empty"
	mount -t overlay dsl-view -o ro,lowerdir="$V:$DSH_TMP/empty" "$O" || { say "cannot mount the overlay"; exit 1; }
	DSH_MOUNTS="$O $DSH_MOUNTS"
	for d in "$V" "$O" "$SHM/copy"; do readall "$d"; imp "$d"; done   # warm all
	say "(2) warm view vs tmpfs, $WARM_N interleaved rounds, medians${DL_ARGS:+ (downloader: $DL_ARGS)}:"
	for what in "import numpy:imp" "read whole set:readall"; do
		r=$(interleaved "${what#*:}" "${what#*:}") || { say "    ${what%%:*} failed"; exit 1; }
		set -- $r
		say "    ${what%%:*}: overlay over the view (what jobs see) $(ms1 "$2") ms, FUSE view $(ms1 "$1") ms, tmpfs $(ms1 "$3") ms: ratio $(ratio "$2" "$3")x (overlay), $(ratio "$1" "$3")x (FUSE view) (load average $4; helper CPU $5 ms)"
	done
	umount "$O"   # before the helper unmounts the view under it
fi

# (3) memory.
case $PARTS in *3*) ;; *) exit 0 ;; esac
pid=$(dsh_pid dl)
rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
cache=$(du -sb "$SHM/cache" | cut -f1)
seed_rss=$(awk '/VmRSS/ {print $2}' /proc/$(dsh_pid seed)/status)
say "(3) memory, set $((SETB / 1048576)) MiB: downloader RSS $((rss / 1024)) MiB (peak $((hwm / 1024)) MiB), seeder RSS $((seed_rss / 1024)) MiB; tmpfs cache (non-reclaimable) $((cache / 1048576)) MiB; non-reclaimable total = cache + RSS = $(((cache / 1024 + rss) / 1024)) MiB = set + $(((cache / 1024 + rss) / 1024 - SETB / 1048576)) MiB (target: set + 64 MiB); the view's page cache is reclaimable"
