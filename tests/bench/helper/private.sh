#!/bin/bash
# private.sh - what a private swarm costs (README, security model): the same
# set, the same seeder and downloaders in network namespaces, three modes
# side by side in one run, rounds interleaved so that the machine's load
# falls on every mode alike:
#   public     no job key: the set's own info-hash, no encryption (before)
#   pe-plain   job key, MSE/PE handshake forced, payload not encrypted (the default)
#   pe-rc4     job key, MSE/PE handshake forced, payload RC4 (DSL_HELPER_PE=rc4)
#
#   sudo tests/bench/helper/private.sh [--build DIR] [--size MIB]
#        [--downloaders N] [--rounds R] [--rates "100mbit none"]
#
# Per rate and mode: the median over rounds of the whole-set time (start of
# the downloaders until the last one has every piece), the downloaders' CPU
# seconds (summed) and the seeder's, and each figure's ratio to "public".
# "none" leaves the links unshaped (veth: CPU-bound, the worst case for RC4).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)
build=${DSL_BUILD_DIR:-$src/build}
size=64 ndown=3 rounds=3 rates="100mbit none"
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--downloaders) ndown=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--rates) rates=$2; shift 2 ;;
	-h|--help) sed -n '2,17p' "$0"; exit 0 ;;
	*) echo "private.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
	esac
done
for v in "$size" "$ndown" "$rounds"; do
	case $v in ''|*[!0-9]*|0) echo "private.sh: '$v': not a positive whole number" >&2; exit 2 ;; esac
done
bench=private
. "$here/bench_common.sh"
DSH_BIG_MB=$size
hz=$(getconf CLK_TCK)
NET=198.18.97
dsh_net dpb $NET || exit 1
dsh_make_set "$DSH_TMP/set" || exit 1
dsh_publish bset "$DSH_TMP/set" "$DSH_TMP/reg" || exit 1
head -c 32 /dev/urandom | xxd -p -c 64 > "$DSH_TMP/key"
echo "uptime: $(uptime)"
echo "set: $size MiB + small files, 256 KiB pieces; 1 seeder, $ndown downloaders; $rounds rounds"

# one RATE MODE ROUND: appends "MODE time down_cpu seed_cpu" to res.RATE; runs
# in this shell (not $(...)) so that its mounts reach dsh_cleanup
one() {
	local rate=$1 mode=$2 r=$3 tag=$1-$2-$3 i key=() env=() peers=() t0 t1 dcpu=0 sp
	mkdir -p "$DSH_TMP/$tag-s/view" "$DSH_TMP/$tag-s/cache"
	case $mode in
	pe-plain) key=(--key-file "$DSH_TMP/key") ;;
	pe-rc4) key=(--key-file "$DSH_TMP/key"); env=(env DSL_HELPER_PE=rc4) ;;
	esac
	dsh_in s "${env[@]}" timeout 30 "$DSL_HELPER" --desc "$DSH_DESC" --torrent "$DSH_TORRENT" \
		--mount "$DSH_TMP/$tag-s/view" --cache "$DSH_TMP/$tag-s/cache" --run-dir "$DSH_TMP/$tag-s/run" \
		--seed --listen $NET.10 --port 7000 "${key[@]}" >/dev/null 2>&1 &
	DSH_MOUNTS="$DSH_MOUNTS $DSH_TMP/$tag-s/view"; DSH_RUNDIRS="$DSH_RUNDIRS $DSH_TMP/$tag-s/run"
	wait
	sp=$(dsh_pid "$tag-s")
	for i in $(seq 1 "$ndown"); do peers+=(--peer $NET.$((10 + i)):7000); done
	t0=$(date +%s.%N)
	for i in $(seq 1 "$ndown"); do
		mkdir -p "$DSH_TMP/$tag-d$i/view" "$DSH_TMP/$tag-d$i/cache"
		DSH_MOUNTS="$DSH_MOUNTS $DSH_TMP/$tag-d$i/view"; DSH_RUNDIRS="$DSH_RUNDIRS $DSH_TMP/$tag-d$i/run"
		dsh_in "d$i" "${env[@]}" timeout 30 "$DSL_HELPER" --desc "$DSH_DESC" --torrent "$DSH_TORRENT" \
			--mount "$DSH_TMP/$tag-d$i/view" --cache "$DSH_TMP/$tag-d$i/cache" \
			--run-dir "$DSH_TMP/$tag-d$i/run" --listen $NET.$((10 + i)) --port 7000 \
			--peer $NET.10:7000 "${peers[@]}" "${key[@]}" >/dev/null 2>&1 &
	done
	wait
	for i in $(seq 1 "$ndown"); do
		dsh_wait_complete "$tag-d$i" 300 || { say "FAIL: $tag: d$i not complete in 5 min"; exit 1; }
	done
	t1=$(date +%s.%N)
	for i in $(seq 1 "$ndown"); do dcpu=$((dcpu + $(dsh_ticks "$(dsh_pid "$tag-d$i")"))); done
	awk -v m="$mode" -v a="$t0" -v b="$t1" -v d="$dcpu" -v s="$(dsh_ticks "$sp")" -v hz="$hz" \
		'BEGIN { printf "%s %.3f %.3f %.3f\n", m, b - a, d / hz, s / hz }' >> "$DSH_TMP/res.$rate"
	bench_stop_round "$tag" "$ndown"
}

modes="public pe-plain pe-rc4"
dsh_node s 10 || exit 1
for i in $(seq 1 "$ndown"); do dsh_node "d$i" $((10 + i)) || exit 1; done
for rate in $rates; do
	# shape what every node sends (or not) for this rate
	bench_shape "$rate" s:10 $(for i in $(seq 1 "$ndown"); do echo "d$i:$((10 + i))"; done)
	: > "$DSH_TMP/res.$rate"
	for r in $(seq 1 "$rounds"); do
		# rotate the order each round: no mode always runs first
		set -- $modes
		for _ in $(seq 2 "$r"); do set -- "${@:2}" "$1"; done
		for m in "$@"; do
			one "$rate" "$m" "$r" || exit 1
		done
	done
	printf '\nlinks: %s\n%-9s %10s %8s %14s %8s %13s %8s\n' "$rate" mode "time s" ratio \
		"down cpu s" ratio "seed cpu s" ratio
	for m in $modes; do
		for col in 2 3 4; do
			awk -v m="$m" -v c=$col '$1 == m { print $c }' "$DSH_TMP/res.$rate" | bench_median
		done | paste -sd' ' > "$DSH_TMP/med.$m"
	done
	read -r bt bd bs < "$DSH_TMP/med.public"
	for m in $modes; do
		read -r t d s < "$DSH_TMP/med.$m"
		awk -v m="$m" -v t="$t" -v d="$d" -v s="$s" -v bt="$bt" -v bd="$bd" -v bs="$bs" 'BEGIN {
			printf "%-9s %10.2f %8.3f %14.2f %8.3f %13.2f %8.3f\n", m, t, t / bt, d, d / (bd ? bd : 1),
				s, s / (bs ? bs : 1) }'
	done
done
echo "uptime: $(uptime)"
