# bench-lib.sh - shared by the cluster benchmarks (sourced).

# bench_install NAME BUILD DEFAULT_BUILD W: build the tree into DEFAULT_BUILD
# when BUILD is empty (scripts/build.sh: configure once, make, so it is up to
# date with the source), check the programs are there, and install them into
# the work directory W the test user can read: W/libexec (dsl-helper,
# dsl-tracker), W/bin/dsl, W/dsl.so.  Sets bench_build.  Exits 2 on failure,
# naming NAME.
bench_install() {
	local name=$1 f
	bench_build=$2
	if [ -z "$bench_build" ]; then
		bench_build=$3
		printf '%s building into %s\n' "$(date -u +%H:%M:%S)" "$bench_build"
		DSL_BUILD_DIR=$bench_build "$(dirname "${BASH_SOURCE[0]}")/../../scripts/build.sh" >/dev/null ||
			{ echo "$name: build in $bench_build failed" >&2; exit 2; }
	fi
	for f in helper/dsl-helper tracker/dsl-tracker cli/dsl spank/.libs/dsl.so; do
		[ -r "$bench_build/$f" ] || { echo "$name: $bench_build/$f: not built" >&2; exit 2; }
	done
	mkdir -p "$4/libexec" "$4/bin"
	install -m 0755 "$bench_build/helper/dsl-helper" "$bench_build/tracker/dsl-tracker" "$4/libexec/"
	install -m 0755 "$bench_build/cli/dsl" "$4/bin/"
	install -m 0755 "$bench_build/spank/.libs/dsl.so" "$4/dsl.so"
}
