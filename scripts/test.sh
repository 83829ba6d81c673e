#!/bin/bash
# The project's test command: install dependencies, build, run every test
# (unit tests with ASan/UBSan, the tool, the tracker, the helper in network
# namespaces, the plugin on a real local Slurm cluster), then print
# "N passed, N failed, N skipped" as the last line.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/as-root.sh"
dsl_as_root "$@"
build=${DSL_BUILD_DIR:-$top/build}
"$top/scripts/install-deps.sh" || exit 1
"$top/scripts/build.sh" || { echo "0 passed, 1 failed"; exit 1; }
cd "$build"
find . -name "*.trs" -delete
# -k: run every test directory even when an earlier one fails.
make -k check >"$build/check.out" 2>&1
rc=$?
grep -E '^(PASS|FAIL|SKIP|XFAIL|XPASS|ERROR):' "$build/check.out"
# Show the log of every failed test, so CI output says why.
for log in $(grep -l -E '^:test-result: (FAIL|ERROR)' $(find . -name '*.trs') 2>/dev/null); do
	echo "==== ${log%.trs}.log"
	tail -n 60 "${log%.trs}.log"
done
[ $rc -ne 0 ] && ! grep -qE '^(FAIL|ERROR):' "$build/check.out" && { tail -n 40 "$build/check.out"; }
pass=$(cat $(find . -name '*.trs') /dev/null | grep -c '^:test-result: PASS')
fail=$(cat $(find . -name '*.trs') /dev/null | grep -cE '^:test-result: (FAIL|ERROR|XPASS)')
skip=$(cat $(find . -name '*.trs') /dev/null | grep -c '^:test-result: SKIP')
# A build failure inside make check counts as a failure too.
[ $rc -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
