#!/bin/bash
# The `dsl` tool end to end: create/list/show/verify/remove, --from-exe, and
# every bad input with its message, none leaving a partial set behind.
set -u
DSL=${DSL:-$(cd "$(dirname "$0")/../.." && pwd)/cli/dsl}
W=$(mktemp -d /tmp/dsl-cli-test.XXXXXX)
trap 'chmod -R u+rwx "$W" 2>/dev/null; rm -rf "$W"' EXIT
export HOME=$W/home DSL_CONF=$W/dsl.conf
mkdir -p "$HOME"
: > "$DSL_CONF"
pass=0 fail=0
ok()   { echo "ok   - $*"; pass=$((pass + 1)); }
bad()  { echo "FAIL - $*"; fail=$((fail + 1)); }
# expect_fail DESC PATTERN CMD...: non-zero exit and PATTERN in stderr
expect_fail() {
	local desc=$1 pat=$2; shift 2
	local out
	if out=$("$@" 2>&1 >/dev/null); then bad "$desc: exit 0"; return; fi
	if grep -q -- "$pat" <<<"$out"; then ok "$desc ($out)"; else bad "$desc: '$out' lacks '$pat'"; fi
}
R=$W/reg
mkdir -p "$R" "$W/src/lib/sub" "$W/src/py/pkg" "$W/outside"
head -c 200000 /dev/urandom > "$W/src/lib/libfoo.so.1"
ln -s libfoo.so.1 "$W/src/lib/libfoo.so"
echo 'VALUE = 42' > "$W/src/py/pkg/__init__.py"
echo data > "$W/outside/ext.txt"
ln -s "$W/outside/ext.txt" "$W/src/lib/ext.txt"
ln -s /nonexistent/x "$W/src/lib/dangling"
mkfifo "$W/src/lib/fifo"

# --- a good set ---------------------------------------------------------
out=$("$DSL" create demo "$W/src" --registry "$R" --env LD_LIBRARY_PATH=lib --env PYTHONPATH=py 2>&1)
if [ $? -eq 0 ] && grep -q "published set 'demo'" <<<"$out"; then ok "create demo"; else bad "create demo: $out"; fi
grep -q "skipping .*fifo" <<<"$out" && ok "fifo skipped with a warning" || bad "no fifo warning: $out"
grep -q "skipping .*dangling" <<<"$out" && ok "dangling outside symlink skipped" || bad "no dangling warning"
json=$("$DSL" --registry "$R" show demo --json)
grep -q '"path":"lib\/libfoo.so"\|"path": "lib/libfoo.so"' <<<"$json" && ok "show --json has the tree" || bad "show --json: $json"
python3 - "$json" <<'PY' && ok "in-set symlink kept, outside symlink followed" || bad "tree types wrong"
import json, sys
d = json.loads(sys.argv[1]); t = {n["path"]: n for n in d["tree"]}
assert t["lib/libfoo.so"]["type"] == "symlink" and t["lib/libfoo.so"]["target"] == "libfoo.so.1"
assert t["lib/ext.txt"]["type"] == "file" and t["lib/ext.txt"]["size"] == 5
assert "lib/fifo" not in t and "lib/dangling" not in t
assert d["env"] == {"LD_LIBRARY_PATH": ["lib"], "PYTHONPATH": ["py"]}
assert d["file_count"] == 3
PY
"$DSL" --registry "$R" list | grep -q '^demo ' && ok "list shows demo" || bad "list"
"$DSL" --registry "$R" show demo | grep -q 'LD_LIBRARY_PATH=\$DSL_SET_ROOT/lib' && ok "show human" || bad "show human"
"$DSL" --registry "$R" verify demo >/dev/null && ok "verify clean set" || bad "verify clean set"
v1=$("$DSL" --registry "$R" show demo --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["infohash"])')
printf 'X' | dd of="$W/src/lib/libfoo.so.1" bs=1 seek=1000 conv=notrunc 2>/dev/null
out=$("$DSL" --registry "$R" verify demo 2>&1)
[ $? -ne 0 ] && grep -q 'changed:  lib/libfoo.so.1 (content' <<<"$out" && ok "verify names the changed file" || bad "verify after change: $out"

# --- new version, pinning, remove -------------------------------------------
expect_fail "existing name without --force" "already exists" "$DSL" create demo "$W/src" --registry "$R"
"$DSL" create demo "$W/src" --registry "$R" --force >/dev/null 2>&1 && ok "create --force" || bad "create --force"
v2=$("$DSL" --registry "$R" show demo --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["infohash"])')
[ "$v1" != "$v2" ] && ok "new version has a new info-hash" || bad "same version after change"
"$DSL" --registry "$R" show demo --set-version "$v1" >/dev/null && ok "old version still readable" || bad "old version"
expect_fail "remove current version" "current version" "$DSL" --registry "$R" remove demo --set-version "$v2"
"$DSL" --registry "$R" remove demo --set-version "$v1" >/dev/null && ok "remove old version" || bad "remove old version"

# --- bad input --------------------------------------------------------------
expect_fail "bad name" "invalid set name 'a b'" "$DSL" create "a b" "$W/src" --registry "$R"
expect_fail "name too long" "1 to 64" "$DSL" create "$(printf 'x%.0s' {1..65})" "$W/src" --registry "$R"
expect_fail "missing path" "cannot read $W/nope" "$DSL" create s1 "$W/nope" --registry "$R"
mkdir -p "$W/empty/d"
expect_fail "empty set" "empty" "$DSL" create s2 "$W/empty" --registry "$R"
expect_fail "bad --env" "not a directory in the set" "$DSL" create s3 "$W/src" --registry "$R" --env PATH=bin
expect_fail "bad piece size" "power of two" "$DSL" create s4 "$W/src" --registry "$R" --piece-size 1000
expect_fail "registry missing" "no such directory" "$DSL" create s5 "$W/src" --registry "$W/noreg"
expect_fail "unknown set" "available sets: demo" "$DSL" --registry "$R" show nosuch
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$W" "$W/src" ; chmod -R a+rX "$W/src" "$W/outside" "$R"
	mkdir -p "$W/secret"; echo s > "$W/secret/f"; chmod 700 "$W/secret"
	expect_fail "unreadable path as the invoking user" "cannot read" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent "$DSL" create s6 "$W/secret" --registry /tmp
	expect_fail "registry not writable" "not writable" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent "$DSL" create s7 "$W/src" --registry "$R"
fi
ls "$R" | grep -q '^s[0-9]' && bad "a partial set was left behind: $(ls "$R")" || ok "no partial set left behind"

# --- hostile input to create: variable names, special bits, private sources --
for v in LD_PRELOAD LD_AUDIT LD_DEBUG_OUTPUT GLIBC_TUNABLES GCONV_PATH DSL_SET_ROOT; do
	expect_fail "--env $v refused" "$v is refused" "$DSL" create h1 "$W/src" --registry "$R" --env "$v=lib"
done
for v in lower 1X A-B "$(printf 'A\nB')" "$(printf 'A\033[2JB')"; do
	expect_fail "--env '$(printf %q "$v")' refused" 'not an environment variable name for a set (\[A-Z_\]' \
		"$DSL" create h2 "$W/src" --registry "$R" --env "$v=lib"
done
out=$("$DSL" create h3 "$W/src" --registry "$R" --env "$(printf 'A\033[2JB')=lib" 2>&1)
grep -q $'\033' <<<"$out" && bad "an escape in a refused name was echoed raw" || ok "a refused name is shown escaped ($out)"
mkdir -p "$W/suid/bin" "$W/suid/tmp"
printf '#!/bin/sh\n' > "$W/suid/bin/tool"; printf 'x' > "$W/suid/bin/g"
chmod 4755 "$W/suid/bin/tool"; chmod 2755 "$W/suid/bin/g"; chmod 3777 "$W/suid/tmp"; chmod 2755 "$W/suid/bin"
"$DSL" create suid "$W/suid" --registry "$R" >/dev/null 2>&1 && ok "create a set with setuid/setgid/sticky sources" || bad "create suid"
"$DSL" --registry "$R" show suid --json | python3 -c '
import json, sys
d = json.load(sys.stdin); m = {n["path"]: n.get("mode") for n in d["tree"]}
assert m == {"bin": 0o755, "bin/g": 0o755, "bin/tool": 0o755, "tmp": 0o777}, m' \
	&& ok "modes masked to 0777 (no setuid, setgid, sticky)" || bad "special bits kept in the description"
mkdir -p "$W/priv/lib" "$W/priv/closed"
echo a > "$W/priv/lib/open.so"; echo b > "$W/priv/lib/mine.so"; echo c > "$W/priv/closed/x.so"
chmod 755 "$W/priv" "$W/priv/lib"; chmod 644 "$W/priv/lib/open.so"; chmod 600 "$W/priv/lib/mine.so"
chmod 644 "$W/priv/closed/x.so"; chmod 700 "$W/priv/closed"
chmod 755 "$W"
out=$("$DSL" create priv "$W/priv" --registry "$R" 2>&1)
if grep -q "warning: set 'priv' goes to $R, which other users' jobs read" <<<"$out" &&
   grep -q "$W/priv/lib/mine.so (mode 0600)" <<<"$out" &&
   grep -q "$W/priv/closed/x.so (directory $W/priv/closed is mode 0700)" <<<"$out" &&
   ! grep -q "open.so" <<<"$out"; then
	ok "private sources named in a warning for a shared registry"
else
	bad "private-source warning: $out"
fi
if [ "$(id -u)" = 0 ]; then
	# a user's own registry is for their own jobs: a file only they can read is fine
	mkdir -p "$W/nb/home" "$W/nb/src"; echo m > "$W/nb/src/mine.so"; chmod 600 "$W/nb/src/mine.so"
	chown -R nobody "$W/nb"
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$W/nb/home" "$DSL" create privmine "$W/nb/src" 2>&1)
	if grep -q "published set 'privmine'" <<<"$out" && ! grep -q "warning" <<<"$out"; then
		ok "no warning for a private source in the per-user registry"
	else
		bad "per-user registry: $out"
	fi
fi
chmod 700 "$W"

# --- corrupt registry entries: list and show keep working for the others ------
"$DSL" create good "$W/src" --registry "$R" >/dev/null 2>&1
"$DSL" create brk "$W/src" --registry "$R" >/dev/null 2>&1
"$DSL" create brk2 "$W/src" --registry "$R" >/dev/null 2>&1
j=$(readlink "$R/brk/current"); head -c 50 "$R/brk/$j.json" > "$R/brk/x" && mv "$R/brk/x" "$R/brk/$j.json"
j=$(readlink "$R/brk2/current"); : > "$R/brk2/$j.torrent"
out=$("$DSL" --registry "$R" list 2>&1)
grep -q '^good ' <<<"$out" && grep -q 'brk .*(broken)' <<<"$out" && grep -q 'truncated' <<<"$out" \
	&& ok "list survives a truncated description" || bad "list with broken: $out"
"$DSL" --registry "$R" show good >/dev/null && ok "show of a good set next to broken ones" || bad "show good"
expect_fail "show of a truncated description" "truncated" "$DSL" --registry "$R" show brk
expect_fail "verify of a truncated torrent" "brk2" "$DSL" --registry "$R" verify brk2

"$DSL" --registry "$R" remove brk >/dev/null 2>&1 && [ ! -e "$R/brk" ] && ok "a broken set can be removed" || bad "remove broken"

# --- --from-exe ------------------------------------------------------------
mkdir -p "$W/exe/lib" "$W/exe/bin"
printf 'int dsltest_answer(void) { return 42; }\n' > "$W/exe/a.c"
printf 'int dsltest_answer(void);\nint main(void) { return dsltest_answer() == 42 ? 0 : 1; }\n' > "$W/exe/m.c"
cc -shared -fPIC -Wl,-soname,libdsltest.so.1 -o "$W/exe/lib/libdsltest.so.1" "$W/exe/a.c"
ln -s libdsltest.so.1 "$W/exe/lib/libdsltest.so"
cc -o "$W/exe/bin/app" "$W/exe/m.c" -L"$W/exe/lib" -ldsltest
expect_fail "--from-exe with an unresolvable library" "cannot find libdsltest.so.1" \
	"$DSL" create app --from-exe "$W/exe/bin/app" --registry "$R"
out=$(LD_LIBRARY_PATH=$W/exe/lib "$DSL" create app --from-exe "$W/exe/bin/app" --registry "$R" 2>&1)
json=$("$DSL" --registry "$R" show app --json)
python3 - "$json" <<'PY' && ok "--from-exe: bin/app + lib/libdsltest.so.1, libc excluded" || bad "--from-exe: $out $json"
import json, sys
d = json.loads(sys.argv[1]); paths = {n["path"] for n in d["tree"] if n["type"] == "file"}
assert paths == {"bin/app", "lib/libdsltest.so.1"}, paths
assert d["env"]["LD_LIBRARY_PATH"] == ["lib"] and d["env"]["PATH"] == ["bin"]
PY
expect_fail "--from-exe on a script" "not a 64-bit ELF" "$DSL" create sh --from-exe "$0" --registry "$R"

# --at-path: the directory given is the set's root, even when all its files
# sit in one subdirectory; what the plugin would refuse is refused here.
mkdir -p "$W/ap/app/lib"
echo x > "$W/ap/app/lib/libx.so"
json=$("$DSL" create ap "$W/ap/app" --at-path --registry "$R" >/dev/null && "$DSL" --registry "$R" show ap --json)
python3 - "$json" "$(realpath "$W/ap/app")" <<'PY' && ok "--at-path: source_root is the directory, at_path recorded" || bad "--at-path: $json"
import json, sys
d = json.loads(sys.argv[1])
assert d["source_root"] == sys.argv[2] and d["at_path"] is True, d
PY
expect_fail "--at-path with several paths" "made from one directory" \
	"$DSL" create ap2 "$W/ap/app/lib" "$W/src" --at-path --registry "$R"
expect_fail "--at-path from a system directory" "/etc is a system directory" \
	"$DSL" create ap3 /etc/default --at-path --registry "$R"
ln -s /etc/hostname "$W/ap/app/lib/out"
expect_fail "--at-path with a symlink out of the directory" "a symlink out of the directory" \
	"$DSL" create ap4 "$W/ap/app" --at-path --registry "$R"
expect_fail "profile without a command" "missing the command" "$DSL" --registry "$R" profile ap
expect_fail "profile of an unknown set" "nosuch" "$DSL" --registry "$R" profile nosuch -- true

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
