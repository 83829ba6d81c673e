# bench_common.sh - the start of a helper benchmark, sourced after its
# options with $bench (its name), $build and $src set: the build's programs
# (exit 2 if they are not there), tests/helper/dsh_common.sh, root, and
# DSH_TMP, removed on exit with everything else dsh_cleanup knows.
export DSL_HELPER=$build/helper/dsl-helper DSL_TOOL=$build/cli/dsl DSL_TRACKER=$build/tracker/dsl-tracker
[ -x "$DSL_HELPER" ] && [ -x "$DSL_TOOL" ] ||
	{ echo "$bench: $build: no dsl-helper/dsl built there (--build DIR)" >&2; exit 2; }
DSH_TEST=bench-$bench
. "$src/tests/helper/dsh_common.sh"
dsh_need_root
DSH_TMP=$(mktemp -d "/tmp/dsh-$bench-bench.XXXXXX")
trap dsh_cleanup EXIT
trap 'exit 1' INT TERM

# bench_stop_round TAG N: stop the seeder TAG-s and the downloaders
# TAG-d1..N of one round and remove their caches.
bench_stop_round() {
	local i run
	for i in $(seq 1 "$2") s; do
		run=$DSH_TMP/$1-d$i/run
		[ "$i" = s ] && run=$DSH_TMP/$1-s/run
		timeout 5 "$DSL_HELPER" --ctl "$run" stop >/dev/null 2>&1 || true
	done
	sleep 0.5
	rm -rf "$DSH_TMP/$1"-*/cache
}

# bench_median: the median of the numbers on stdin (the mean of the middle
# two for an even count).
bench_median() {
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_shape RATE NODE:HOSTNUM...: what each node (dsh_node NODE HOSTNUM)
# sends, shaped to RATE (tc tbf), or unshaped for "none".
bench_shape() {
	local rate=$1 nh
	shift
	for nh in "$@"; do
		ip netns exec "$DSH_P-${nh%%:*}" tc qdisc del dev "$DSH_P${nh#*:}b" root 2>/dev/null
		[ "$rate" = none ] || ip netns exec "$DSH_P-${nh%%:*}" tc qdisc add \
			dev "$DSH_P${nh#*:}b" root tbf rate "$rate" burst 32kbit latency 50ms
	done
}
