#!/bin/bash
# The README's commands need root: as root they run as they are (a fresh
# Debian machine has no sudo); a user with sudo is re-run through sudo,
# keeping the DSL_* settings; a user without sudo is told to be root.
# Checked as `nobody`, with a stand-in sudo on PATH that records how it was
# called (a real sudo cannot be used here: it would ask for a password).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
pass=0 fail=0
ok()  { echo "ok   - $*"; pass=$((pass + 1)); }
bad() { echo "FAIL - $*"; fail=$((fail + 1)); }
if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root (to run the scripts as another user)"; exit 77; fi
W=$(mktemp -d /tmp/dsl-asroot.XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 0755 "$W"
mkdir "$W/bin" "$W/nobin"
cat > "$W/bin/sudo" <<'EOS'
#!/bin/sh
printf '%s\n' "$@" > "$SUDO_RECORD"
EOS
chmod 0755 "$W/bin/sudo" "$W/nobin"
# the scripts must be reachable by nobody: a copy of scripts/
cp -r "$top/scripts" "$W/scripts"
chmod -R a+rX "$W/scripts"
touch "$W/rec" && chmod 0666 "$W/rec"
as_nobody() {   # PATHDIR SCRIPT ARGS...
	local p=$1; shift
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env -i PATH="$p:/usr/bin:/bin" HOME=/nonexistent SUDO_RECORD="$W/rec" \
		DSL_BUILD_DIR=/var/tmp/x DSL_MAIN_CLUSTER_ID=7 OTHER=1 "$@"
}
for s in test.sh main-job.sh install-deps.sh; do
	: > "$W/rec"
	out=$(cd "$W" && as_nobody "$W/bin" "$W/scripts/$s" -n 3 2>&1); rc=$?
	want=$(printf '%s\n' "--preserve-env=DSL_BUILD_DIR,DSL_MAIN_CLUSTER_ID" -- "$W/scripts/$s" -n 3)
	want2=$(printf '%s\n' "--preserve-env=DSL_MAIN_CLUSTER_ID,DSL_BUILD_DIR" -- "$W/scripts/$s" -n 3)
	got=$(cat "$W/rec")
	if [ $rc = 0 ] && { [ "$got" = "$want" ] || [ "$got" = "$want2" ]; }; then
		ok "$s as a user with sudo: re-run through sudo with its arguments and DSL_* kept"
	else
		bad "$s with sudo: rc=$rc sudo called with '$(echo $got)' ($out)"
	fi
	out=$(cd "$W" && as_nobody "$W/nobin" "$W/scripts/$s" 2>&1); rc=$?
	[ $rc = 1 ] && [ "$out" = "$s: run as root (there is no sudo here)" ] &&
		ok "$s as a user without sudo: told to run as root" || bad "$s without sudo: rc=$rc '$out'"
done
# as root nothing happens: the function returns (the scripts go on)
out=$(PATH="$W/bin:$PATH" SUDO_RECORD="$W/rec" sh -c ". '$top/scripts/as-root.sh'; : > '$W/rec'; dsl_as_root x; echo went-on")
[ "$out" = went-on ] && [ ! -s "$W/rec" ] && ok "as root: no sudo, the script goes on" || bad "as root: '$out'"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
