#!/bin/bash
# Bash completion for dsl (etc/bash-completion/dsl): commands, every option
# each command's --help names (so a new option must be added to the
# completion too), and set names read from the registries.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
DSL=${DSL:-$top/build/cli/dsl}
W=$(mktemp -d /tmp/dsl-compl-test.XXXXXX)
trap 'rm -rf "$W"' EXIT
export HOME=$W/home DSL_CONF=$W/dsl.conf
mkdir -p "$HOME" "$W/reg" "$W/src"
echo "registry=$W/sysreg" > "$DSL_CONF"   # not this machine's /etc/dsl/sets
mkdir -p "$W/sysreg"
pass=0 fail=0
ok()  { echo "ok   - $*"; pass=$((pass + 1)); }
bad() { echo "FAIL - $*"; fail=$((fail + 1)); }

# shellcheck source=/dev/null
. "$top/etc/bash-completion/dsl" || { echo "FAIL - cannot source the completion"; exit 1; }
# complete WORDS...: the candidates for the last word (may be "").
complete_words() {
	COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
	_dsl
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

echo x > "$W/src/a"
for s in alpha beta-2; do
	"$DSL" create "$s" "$W/src" --registry "$W/reg" >/dev/null 2>&1 || bad "create $s"
done
mkdir "$W/reg/broken"

got=$(complete_words "$DSL" "")
want=$(sed -n 's/.*if (!strcmp(cmd, "\([a-z]*\)")).*/\1/p' "$top/cli/dsl_main.c" | sort -u)
[ "$got" = "$want" ] && ok "commands: $(echo $got)" || bad "commands: got '$(echo $got)', code has '$(echo $want)'"

for c in "" $want; do
	[ "$c" = help ] && continue
	# dsl's own options are on the first line of its usage
	opts=$("$DSL" $c --help | { [ -z "$c" ] && head -1 || cat; } | grep -oE -- '--[a-z][a-z-]*' | sort -u)
	[ -z "$c" ] && opts=$(printf '%s\n' $opts --help --version | sort -u)
	got=$(complete_words "$DSL" $c --)
	missing=$(comm -23 <(echo "$opts") <(echo "$got"))
	[ -n "$opts" ] && [ -z "$missing" ] && ok "dsl $c --<TAB> offers every option of its --help" ||
		bad "dsl $c --<TAB>: missing $(echo $missing) (got $(echo $got))"
done

got=$(complete_words "$DSL" --registry "$W/reg" show "")
[ "$got" = "$(printf 'alpha\nbeta-2')" ] && ok "set names from the registry (broken one left out)" ||
	bad "set names: '$(echo $got)'"
got=$(complete_words "$DSL" verify --registry "$W/reg" b)
[ "$got" = beta-2 ] && ok "--registry after the command is used too" || bad "verify --registry: '$(echo $got)'"
got=$(complete_words "$DSL" remove "")
[ -z "$got" ] && ok "no set names from registries not given (per-user one empty)" ||
	bad "unexpected: '$(echo $got)'"
got=$(complete_words "$DSL" --registry "$W/reg" remove --set-version x "")
[ "$got" = "$(printf 'alpha\nbeta-2')" ] && ok "an option's value is not the NAME" ||
	bad "remove --set-version x <TAB>: '$(echo $got)'"
got=$(complete_words "$DSL" --registry "$W/reg" show alpha "")
[ -z "$got" ] && ok "one NAME only" || bad "second operand: '$(echo $got)'"
HOME=$W/home2 mkdir -p "$W/home2/.dsl/sets"
got=$(cd "$W" && complete_words "$DSL" --registry "$W/reg" create newset sr)
[ "$got" = "src" ] && ok "create NAME PATH completes files" || bad "create PATH: '$(echo $got)'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
