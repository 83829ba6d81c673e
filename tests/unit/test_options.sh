#!/bin/bash
# The command-line convention (lib/dsl_opt.h) in every program: `dsl`, each
# of its commands (read from dsl_main.c's dispatch, so a new command is
# checked too), dsl-helper and dsl-tracker:
#   --help      usage on stdout, nothing on stderr, exit 0
#   --version   "NAME (dslswarm) VERSION" on stdout, exit 0
#   a bad option: one line "NAME: OPTION: reason (try 'NAME --help')" on
#   stderr, nothing on stdout, exit 2
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${DSL_TOP_BUILDDIR:-$top/build}
DSL=${DSL:-$build/cli/dsl}
HELPER=${DSL_HELPER:-$build/helper/dsl-helper}
TRACKER=${DSL_TRACKER:-$build/tracker/dsl-tracker}
W=$(mktemp -d /tmp/dsl-opt-test.XXXXXX)
trap 'rm -rf "$W"' EXIT
export HOME=$W DSL_CONF=$W/dsl.conf
: > "$DSL_CONF"
pass=0 fail=0
ok()  { echo "ok   - $*"; pass=$((pass + 1)); }
bad() { echo "FAIL - $*"; fail=$((fail + 1)); }

# run NAME-OF-CHECK WANT_RC CMD...: sets $out, $err, $rc (10 s bound each).
run() {
	local what=$1 want=$2; shift 2
	timeout 10 "$@" >"$W/out" 2>"$W/err"; rc=$?
	out=$(cat "$W/out"); err=$(cat "$W/err")
	[ "$rc" = "$want" ] || { bad "$what: exit $rc, expected $want (stderr: $err)"; return 1; }
}

version=$(sed -n 's/^AC_INIT(\[dslswarm\], \[\([^]]*\)\].*/\1/p' "$top/configure.ac")
cmds=$(sed -n 's/.*if (!strcmp(cmd, "\([a-z]*\)")).*/\1/p' "$top/cli/dsl_main.c" | sort -u)
[ -n "$cmds" ] && ok "commands of dsl: $(echo $cmds)" || bad "no commands found in cli/dsl_main.c"

# check NAME CMD...: NAME is how the program names itself ("dsl create").
check() {
	local name=$1; shift
	if run "$name --help" 0 "$@" --help; then
		if [ "${out#usage: }" != "$out" ] && [ -z "$err" ]; then ok "$name --help"
		else bad "$name --help: stdout '${out:0:60}', stderr '$err'"; fi
	fi
	if run "$name -h" 0 "$@" -h; then
		[ "${out#usage: }" != "$out" ] && ok "$name -h" || bad "$name -h: '${out:0:60}'"
	fi
	if run "$name --version" 0 "$@" --version; then
		[ "$out" = "$name (dslswarm) $version" ] && [ -z "$err" ] && ok "$name --version" ||
			bad "$name --version: '$out' '$err'"
	fi
	if run "$name --no-such-option" 2 "$@" --no-such-option=1; then
		[ "$err" = "$name: --no-such-option: unknown option (try '$name --help')" ] && [ -z "$out" ] &&
			ok "$name: unknown option named, points to --help" || bad "$name unknown option: '$err' '$out'"
	fi
	if run "$name -Z" 2 "$@" -Z; then
		[ "$err" = "$name: -Z: unknown option (try '$name --help')" ] &&
			ok "$name: unknown short option" || bad "$name -Z: '$err'"
	fi
}

check dsl "$DSL"
for c in $cmds; do
	[ "$c" = help ] && continue
	check "dsl $c" "$DSL" "$c"
done
check dsl-helper "$HELPER"
check dsl-tracker "$TRACKER"

# Options before the command are dsl's, after it the command's.
run "dsl --registry DIR list --help" 0 "$DSL" --registry "$W" list --help &&
	{ [ "${out#usage: dsl list}" != "$out" ] && ok "dsl --registry DIR list --help" || bad "list --help: $out"; }
run "dsl help" 0 "$DSL" help && { [ "${out#usage: dsl }" != "$out" ] && ok "dsl help" || bad "dsl help: $out"; }
# A missing value, a value where none is taken, an unknown command, no command.
run "missing value" 2 "$DSL" create --piece-size &&
	{ [ "$err" = "dsl create: --piece-size: needs a value (try 'dsl create --help')" ] &&
		ok "missing value named" || bad "missing value: '$err'"; }
run "value not taken" 2 "$DSL" status --watch=3 1 &&
	{ [ "$err" = "dsl status: --watch: takes no value (try 'dsl status --help')" ] &&
		ok "value given to a flag named" || bad "flag with value: '$err'"; }
run "tracker missing value" 2 "$TRACKER" --listen 127.0.0.1 --port &&
	{ [ "$err" = "dsl-tracker: --port: needs a value (try 'dsl-tracker --help')" ] &&
		ok "dsl-tracker: missing value named" || bad "dsl-tracker --port: '$err'"; }
run "unknown command" 2 "$DSL" frobnicate &&
	{ [ "$err" = "dsl: frobnicate: unknown command (try 'dsl --help')" ] && ok "unknown command named" ||
		bad "unknown command: '$err'"; }
run "no command" 2 "$DSL" && { [ "$err" = "dsl: no COMMAND given (try 'dsl --help')" ] &&
	ok "no command" || bad "no command: '$err'"; }
run "missing operand" 2 "$DSL" show && { [ "$err" = "dsl show: missing set NAME (try 'dsl show --help')" ] &&
	ok "missing operand" || bad "missing operand: '$err'"; }
run "create without PATH" 2 "$DSL" create x && { [ "$err" = "dsl create: no PATH given (try 'dsl create --help')" ] &&
	ok "create: missing PATH is a usage error" || bad "create x: '$err'"; }
run "bad job id" 2 "$DSL" status 12x && { [ "$err" = "dsl status: 12x: not a job id (try 'dsl status --help')" ] &&
	ok "bad job id" || bad "bad job id: '$err'"; }
# An abbreviation that fits one option is that option (getopt_long), two is an error.
run "abbreviation" 0 "$DSL" --regis "$W" list && ok "unique abbreviation accepted"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
