#!/bin/bash
# What checking every read on a seeder costs.  A seeder's view reads the
# set's sources, which their owner may change at any time, so each read is
# answered with bytes read from the source and checked for it: every 16 KiB
# block against its SHA-256, proven by a check of the whole piece on the
# piece's first read; a downloader's view splices from its cache, whose
# pieces were checked once on arrival.  Side by
# side in one run, on loopback, with the view's page cache dropped before
# each read (so every read reaches the helper) and the sources in the page
# cache (so the disk is out of it):
#   source     cat of the source files (the floor)
#   seeder     the seeder's view: every read's blocks read from the source and checked
#   downloader a complete downloader's view: splice from its checked cache
# for (1) the whole set read sequentially and (2) 2000 random 4 KiB reads
# (each checks the 16 KiB block(s) it touches: a page-sized read costs a
# block's hash).
# Medians of ROUNDS (default 5); prints figures, checks nothing.
#   sudo tests/bench/helper/bench_seed_reads.sh [BUILD_DIR] [ROUNDS] [SET_MB] [PIECE]
BUILD=${1:-$(cd "$(dirname "$0")/../../.." && pwd)/build}
ROUNDS=${2:-5}
SET_MB=${3:-256}
PIECE=${4:-256K}
export DSL_HELPER=$BUILD/helper/dsl-helper DSL_TOOL=$BUILD/cli/dsl
DSH_TEST=bench_seed
. "$(dirname "$0")/../../helper/dsh_common.sh"
dsh_need_root
DSH_TMP=$(mktemp -d /tmp/dsh-bseed.XXXXXX)
trap dsh_cleanup EXIT
trap 'exit 1' INT TERM
dsh_in() { shift; "$@"; }   # loopback, no namespace

S=$DSH_TMP/src
mkdir -p "$S"
for i in $(seq 1 8); do head -c $((SET_MB * 1048576 / 8)) /dev/urandom > "$S/part$i.bin"; done
mkdir -p "$DSH_TMP/reg"
"$DSL_TOOL" --registry "$DSH_TMP/reg" create bseed "$S" --piece-size "$PIECE" >/dev/null 2>&1 ||
	{ say "dsl create failed"; exit 1; }
DSH_DESC=$(ls "$DSH_TMP/reg/bseed"/*.json | head -n1)
DSH_TORRENT=$(ls "$DSH_TMP/reg/bseed"/*.torrent | head -n1)
P=$((20000 + RANDOM % 20000))
dsh_helper - seed --seed --listen 127.0.0.1 --port $P || { say "seeder did not start"; exit 1; }
dsh_helper - dl --listen 127.0.0.1 --port $((P + 1)) --peer 127.0.0.1:$P || { say "downloader did not start"; exit 1; }
dsh_wait_complete dl 120 || { say "downloader did not complete"; exit 1; }
cat "$S"/*.bin > /dev/null   # sources in the page cache for every mode

drop() {  # drop the kernel's cached pages of every file under DIR
	python3 -c 'import os, sys
for f in sorted(os.listdir(sys.argv[1])):
    fd = os.open(os.path.join(sys.argv[1], f), os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' "$1"
}
seq_read() {  # DIR -> seconds
	[ "$1" != "$S" ] && drop "$1"
	local t0 t1
	t0=$(date +%s%N); cat "$1"/*.bin > /dev/null || echo "read error in $1" >&2; t1=$(date +%s%N)
	echo "scale=3; ($t1 - $t0) / 1000000000" | bc
}
rand_read() {  # DIR -> seconds for 2000 random 4 KiB reads
	[ "$1" != "$S" ] && drop "$1"
	python3 - "$1" <<'PY'
import os, random, sys, time
d = sys.argv[1]; files = sorted(os.path.join(d, f) for f in os.listdir(d))
fds = [os.open(f, os.O_RDONLY) for f in files]; size = os.fstat(fds[0]).st_size
rng = random.Random(7); t0 = time.monotonic()
for _ in range(2000):
    fd = rng.choice(fds); os.pread(fd, 4096, rng.randrange(0, size - 4096) & ~4095)
print("%.3f" % (time.monotonic() - t0))
PY
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A SEQ RND
for mode in source seeder downloader; do SEQ[$mode]=""; RND[$mode]=""; done
for r in $(seq 1 "$ROUNDS"); do
	for mode in source seeder downloader; do   # interleaved: load hits all alike
		case $mode in source) d=$S ;; seeder) d=$DSH_TMP/seed/view ;; downloader) d=$DSH_TMP/dl/view ;; esac
		SEQ[$mode]="${SEQ[$mode]} $(seq_read "$d")"
		RND[$mode]="${RND[$mode]} $(rand_read "$d")"
	done
done
checks=$(dsh_status seed reads.source_checks) hashed=$(dsh_status seed reads.source_checked_bytes)
printf '\nseeder reads checked on every read vs the alternatives: %s MiB in 8 files, %s pieces, %s rounds (medians)\n' "$SET_MB" "$PIECE" "$ROUNDS"
printf 'load average before: %s, after: %s (2 CPUs, shared)\n\n' "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| read | source (cat) | seeder view (checked per read) | downloader view (checked once) | seeder / downloader |\n|---|---:|---:|---:|---:|\n'
for kind in SEQ RND; do
	declare -n A=$kind
	s=$(echo ${A[source]} | tr ' ' '\n' | median)
	e=$(echo ${A[seeder]} | tr ' ' '\n' | median)
	w=$(echo ${A[downloader]} | tr ' ' '\n' | median)
	if [ $kind = SEQ ]; then
		printf '| whole set, sequential | %s s (%s MB/s) | %s s (%s MB/s) | %s s (%s MB/s) | %s |\n' \
			"$s" "$(echo "$SET_MB * 1.048576 / $s" | bc)" "$e" "$(echo "$SET_MB * 1.048576 / $e" | bc)" \
			"$w" "$(echo "$SET_MB * 1.048576 / $w" | bc)" "$(echo "scale=2; $e / $w" | bc)"
	else
		printf '| 2000 random 4 KiB | %s s | %s s | %s s | %s |\n' "$s" "$e" "$w" "$(echo "scale=2; $e / $w" | bc)"
	fi
done
printf '\nseeder: %s reads checked, %s MiB hashed for them\n' "$checks" "$((hashed / 1048576))"
