#!/bin/bash
# Man pages: each renders with `man -l` without a warning, and every option
# the code accepts appears in its page.  The options are read from the code,
# not listed here, so this stays true as options are added:
#   cli/*.c      getopt_long tables          -> man/dsl.1
#   helper/*.c   getopt_long tables          -> man/dsl-helper.8
#   tracker/*.c  getopt_long tables          -> man/dsl-tracker.8
#   lib/dsl_config.c  strcmp(key, "KEY")     -> man/dsl.conf.5 (KEY=)
#   spank/*.c    struct spank_option names   -> man/dsl.conf.5 (--NAME)
#   cli/dsl_main.c  the commands it dispatches -> man/dsl.1
# Whoever adds an option or a key adds it to that man page too; this test
# fails until they do.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
man=$top/man
W=$(mktemp -d /tmp/dsl-man-test.XXXXXX)
trap 'rm -rf "$W"' EXIT
pass=0 fail=0
ok()  { echo "ok   - $*"; pass=$((pass + 1)); }
bad() { echo "FAIL - $*"; fail=$((fail + 1)); }

if ! command -v man >/dev/null; then
	echo "SKIP: man is not installed (Debian package man-db; scripts/install-deps.sh)"; exit 77
fi

# Long options of the getopt_long tables in FILES (DSL_OPT_STD adds --help
# and --version); one per line.
long_opts() {
	python3 - "$@" <<'PY'
import re, sys
opts = set()
for f in sys.argv[1:]:
    s = open(f).read()
    opts.update(re.findall(r'\{\s*"([a-z][a-z0-9-]*)"\s*,\s*(?:no|required|optional)_argument', s))
    if "DSL_OPT_STD" in s and not f.endswith("dsl_opt.h"):
        opts.update(["help", "version"])
print("\n".join(sorted(opts)))
PY
}

# render PAGE: the page as text, 200 columns, ASCII (so "\-" is "-").
render() {
	LC_ALL=C MANWIDTH=200 timeout 20 man --warnings -l "$1" 2>"$W/warn"
}

# has TEXTFILE WORD: WORD stands alone (--port is not found in --ports;
# "key=" is followed by its value).
has() {
	local after='([^A-Za-z0-9_-]|$)'
	[ "${2%=}" != "$2" ] && after=""
	grep -qE -- "(^|[^A-Za-z0-9_-])$2$after" "$1"
}

check_page() {   # PAGE WHAT PREFIX SUFFIX WORDS...
	local page=$1 what=$2 pre=$3 suf=$4; shift 4
	local txt=$W/$(basename "$page").txt missing="" n=0
	[ -s "$txt" ] || return
	for w in "$@"; do
		n=$((n + 1))
		has "$txt" "$pre$w$suf" || missing="$missing $pre$w$suf"
	done
	[ "$n" -gt 0 ] || { bad "$(basename "$page"): no $what found in the code (extraction broken?)"; return; }
	[ -z "$missing" ] && ok "$(basename "$page"): all $n $what documented" ||
		bad "$(basename "$page"): $what missing from the page:$missing"
}

pages="dsl.1 dsl-helper.8 dsl-tracker.8 dsl.conf.5"
for p in $pages; do
	f=$man/$p
	[ -r "$f" ] || { bad "$p: missing"; continue; }
	if render "$f" >"$W/$p.txt" && [ -s "$W/$p.txt" ] && [ ! -s "$W/warn" ]; then
		ok "$p renders with man -l, no warnings"
	else
		bad "$p: man -l failed or warned: $(head -c 300 "$W/warn")"; rm -f "$W/$p.txt"; continue
	fi
	name=${p%.[0-9]}
	grep -qE "^NAME" "$W/$p.txt" && grep -qF -- "$name - " "$W/$p.txt" &&
		ok "$p has NAME '$name - ...'" || bad "$p: no NAME line for $name"
	# every page is installed (man/Makefile.am) and in the Debian package
	grep -qE "(^|[ 	])$p( |$)" "$man/Makefile.am" && ok "$p installed by make install" ||
		bad "$p not in man/Makefile.am"
done

check_page "$man/dsl.1" "options of dsl" -- "" $(long_opts "$top"/cli/*.c)
check_page "$man/dsl.1" "commands of dsl" "" "" \
	$(sed -n 's/.*if (!strcmp(cmd, "\([a-z]*\)")).*/\1/p' "$top/cli/dsl_main.c" | grep -v '^help$')
check_page "$man/dsl-helper.8" "options of dsl-helper" -- "" $(long_opts "$top"/helper/*.c)
check_page "$man/dsl-tracker.8" "options of dsl-tracker" -- "" $(long_opts "$top"/tracker/*.c)
check_page "$man/dsl.conf.5" "configuration keys" "" "=" \
	$(sed -n 's/.*strcmp(key, "\([a-z_]*\)").*/\1/p' "$top/lib/dsl_config.c" | sort -u)
check_page "$man/dsl.conf.5" "the plugin's Slurm options" -- "=" \
	$(python3 -c '
import re, sys, glob
for f in glob.glob(sys.argv[1] + "/spank/*.c"):
    for m in re.finditer(r"struct spank_option\s+\w+(?:\[\])?\s*=\s*\{\s*\{?\s*\"([a-z0-9-]+)\"", open(f).read()):
        print(m.group(1))' "$top")

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
