#!/bin/bash
# One machine, loopback: bad input gets clear errors; detaching reports the
# child's error; the control socket; SIGTERM; a per-node cache kept and
# re-verified; and the unprivileged path: the view mounted by root
# (dsh_premount, as the prolog does) and served by a helper running as
# "nobody" via --mount /dev/fd/N --mountpoint DIR.
DSH_TEST=test_local
. "$(dirname "$0")/dsh_common.sh"
dsh_need_root

DSH_TMP=$(mktemp -d /tmp/dsh-local.XXXXXX)
chmod 755 "$DSH_TMP"
trap dsh_cleanup EXIT
trap 'exit 1' INT TERM
[ -n "${DSH_DEBUG:-}" ] && set -x
H=$DSL_HELPER

DSH_BIG_MB=8
dsh_make_set "$DSH_TMP/src" || { fail "cannot make the test set"; exit 1; }
dsh_publish tset "$DSH_TMP/src" "$DSH_TMP/reg" || { fail "dsl create"; exit 1; }
chmod -R a+rX "$DSH_TMP/reg"
# loopback only, no namespace: dsh_in runs the command as it is
dsh_in() { shift; "$@"; }
P=$((20000 + RANDOM % 20000))

# 1. Bad input.
expect_err() {  # expected-exit-code expected-text args...
	local want=$1 text=$2
	shift 2
	"$H" "$@" >"$DSH_TMP/out" 2>&1
	local rc=$?
	if [ $rc = "$want" ] && grep -q -- "$text" "$DSH_TMP/out"; then
		pass "error ($rc): $(head -n1 "$DSH_TMP/out")"
	else
		fail "expected exit $want and '$text', got $rc: $(cat "$DSH_TMP/out")"
	fi
}
A="--torrent $DSH_TORRENT --mount $DSH_TMP/v --cache $DSH_TMP/c --run-dir $DSH_TMP/r"
mkdir -p "$DSH_TMP/v"
expect_err 2 "missing option --desc" $A
expect_err 2 "--port 0: expected a port" --desc "$DSH_DESC" $A --port 0
expect_err 3 "/nonexistent.json" --desc /nonexistent.json $A
printf 'not bencode' > "$DSH_TMP/bad.torrent"
expect_err 3 "bad.torrent: not a valid torrent" --desc "$DSH_DESC" --torrent "$DSH_TMP/bad.torrent" \
	--mount "$DSH_TMP/v" --cache "$DSH_TMP/c" --run-dir "$DSH_TMP/r"
# A FIFO in place of the torrent or the description: refused at once (the
# user's fault, exit 3), never a helper blocked in open().
mkfifo "$DSH_TMP/fifo.torrent" "$DSH_TMP/fifo.json"
expect_err 3 "fifo.torrent: not a regular file" --desc "$DSH_DESC" --torrent "$DSH_TMP/fifo.torrent" \
	--mount "$DSH_TMP/v" --cache "$DSH_TMP/c" --run-dir "$DSH_TMP/r"
expect_err 3 "fifo.json: not a regular file" --desc "$DSH_TMP/fifo.json" $A
expect_err 1 "peer \"nohost.invalid:1\"\|--peer nohost.invalid:1: cannot resolve" --desc "$DSH_DESC" $A --peer nohost.invalid:1
expect_err 1 "cannot connect" --ctl "$DSH_TMP/nowhere" status
mountpoint -q "$DSH_TMP/v" && fail "a failed start left a mount"

# 2. Seeder on loopback; control socket; status document.
dsh_helper - seed --seed --listen 127.0.0.1 --port $P || { fail "seeder did not start"; exit 1; }
st=$("$H" --ctl "$DSH_TMP/seed/run" status)
if echo "$st" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for k in ("set", "infohash", "role", "pieces", "bytes", "rates", "peers", "reads", "hash_failures"):
    assert k in d, k
assert d["role"] == "seeder" and d["complete"] is True
assert set(d["bytes"]) >= {"received", "sent", "from_seeders", "from_peers"}
assert set(d["reads"]) >= {"on_demand_waits", "wait_latency_ms", "timeouts"}'; then
	pass "status over the control socket: a complete JSON document"
else
	fail "status document: $st"
fi
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$DSH_TMP/seed/run/status.json" &&
	pass "status file is valid JSON" || fail "status file"
[ "$(printf 'bogus\n' | python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"bogus\n")
print(s.recv(200).decode().strip())' "$DSH_TMP/seed/run/ctl.sock")" = 'error: unknown command "bogus" (status, stop, wait-complete)' ] &&
	pass "unknown control command answered with an error" || fail "unknown command"

# 2b. The FUSE request loop under concurrency: 8 readers of different
#     files plus ioctl()s (Python's isatty(), which always reach the helper)
#     at once; then "stop" while readers are still busy must end the helper
#     promptly.
FILES="data/big.bin data/medium.bin data/small.bin data/empty lib/libdslanswer.so.1
py/dslpkg/__init__.py py/dslpkg/sub/__init__.py py/dslpkg/sub/mod.py"
ISATTY='import os, sys
fds = [os.open(p, os.O_RDONLY) for p in sys.argv[2:]]
for i in range(int(sys.argv[1])):
    assert not any(os.isatty(fd) for fd in fds)'
dsh_helper - busy --seed --listen 127.0.0.1 --port $((P + 3)) ||
	fail "second seeder did not start"
SV=$DSH_TMP/busy/view
VF=$(for f in $FILES; do printf '%s ' "$SV/$f"; done)
for round in 1 2 3; do
	pids=""
	for f in $FILES; do
		timeout 30 cmp "$SV/$f" "$DSH_TMP/src/$f" > "$DSH_TMP/cmp.${f//\//_}.$round" 2>&1 &
		pids="$pids $!"
	done
	timeout 30 python3 -c "$ISATTY" 300 $VF 2> "$DSH_TMP/isatty.$round" &
	pids="$pids $!"
	bad=0
	for p in $pids; do wait "$p" || bad=$((bad + 1)); done
	if [ $bad = 0 ]; then
		pass "loop, round $round: 8 concurrent readers got the right bytes, 2400 isatty() answered"
	else
		fail "loop, round $round: $bad of 9 concurrent readers failed: $(cat "$DSH_TMP"/cmp.*."$round" "$DSH_TMP/isatty.$round" | head -n3)"
	fi
done
spid=$(dsh_pid busy)
busy=""
for f in $FILES; do
	(for i in $(seq 200); do cat "$SV/$f" > /dev/null 2>&1 || break; done) &
	busy="$busy $!"
done
timeout 30 python3 -c "$ISATTY" 100000 $VF 2>/dev/null &
busy="$busy $!"
DSH_PIDS="$DSH_PIDS $busy"
sleep 0.5
t0=$(date +%s%N)
timeout 5 "$H" --ctl "$DSH_TMP/busy/run" stop >/dev/null
for i in $(seq 50); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
ms=$((($(date +%s%N) - t0) / 1000000))
if kill -0 "$spid" 2>/dev/null || mountpoint -q "$SV"; then
	fail "stop during activity: helper still running or mounted after ${ms} ms"
else
	pass "stop during activity: unmounted and exited in ${ms} ms (bound 5000)"
fi
kill $busy 2>/dev/null
wait $busy 2>/dev/null

# 3. A downloader keeping its cache; SIGTERM; a second start re-verifies
#    the cache and completes with no peer at all.
dsh_helper - keep --listen 127.0.0.1 --port $((P + 1)) --peer 127.0.0.1:$P --cache-policy keep ||
	fail "keep did not start"
dsh_wait_complete keep 30 || fail "keep did not complete"
kpid=$(dsh_pid keep)
kill -TERM "$kpid"
for i in $(seq 50); do kill -0 "$kpid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$kpid" 2>/dev/null || mountpoint -q "$DSH_TMP/keep/view"; then
	fail "SIGTERM did not stop and unmount"
else
	pass "SIGTERM: unmounted and exited"
fi
[ -n "$(ls -A "$DSH_TMP/keep/cache")" ] && pass "cache kept (cache-policy keep)" || fail "cache not kept"
dsh_helper - keep --listen 127.0.0.1 --port $((P + 1)) --cache-policy keep || fail "keep restart"
if dsh_wait_complete keep 30 && dsh_check_view "$DSH_TMP/keep/view" "$DSH_TMP/src"; then
	pass "restart with the kept cache: complete without peers, re-verified, matches"
else
	fail "kept cache not reused"
fi
"$H" --ctl "$DSH_TMP/keep/run" stop >/dev/null

# 4. Unprivileged helper on a view pre-mounted by root.
if [ -x "${DSH_PREMOUNT_EXEC:-}" ] && id nobody >/dev/null 2>&1; then
	U=$DSH_TMP/user
	mkdir -p "$U/view" "$U/cache" "$U/run"
	chown nobody "$U/cache" "$U/run"
	DSH_MOUNTS="$DSH_MOUNTS $U/view"
	DSH_RUNDIRS="$DSH_RUNDIRS $U/run"
	if "$DSH_PREMOUNT_EXEC" "$U/view" nobody "$H" --desc "$DSH_DESC" --torrent "$DSH_TORRENT" \
		--cache "$U/cache" --run-dir "$U/run" --listen 127.0.0.1 --port $((P + 2)) \
		--peer 127.0.0.1:$P 2>"$DSH_TMP/pm.err"; then
		upid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$U/run/status.json")
		DSH_PIDS="$DSH_PIDS $upid"
		[ "$(stat -c %U /proc/$upid)" = nobody ] && pass "helper runs as nobody (pid $upid)" ||
			fail "helper not running as nobody"
		if setpriv --reuid nobody --regid nogroup --clear-groups \
			cmp "$U/view/data/big.bin" "$DSH_TMP/src/data/big.bin"; then
			pass "view pre-mounted by root (fd passed as /dev/fd/N), served as nobody, read by nobody: matches"
		else
			fail "reading the pre-mounted view as nobody"
		fi
		if cat "$U/view/data/small.bin" >/dev/null 2>&1; then
			fail "root could read the user's view (should be the user's alone)"
		else
			pass "the view is the user's alone (root gets EACCES)"
		fi
		setpriv --reuid nobody --regid nogroup --clear-groups "$H" --ctl "$U/run" stop >/dev/null
		for i in $(seq 50); do kill -0 "$upid" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$upid" 2>/dev/null; then
			fail "unprivileged helper did not stop"
		else
			pass "unprivileged helper stopped on request"
		fi
		umount -l "$U/view" 2>/dev/null   # the epilog's part
	else
		fail "premount + unprivileged helper: $(cat "$DSH_TMP/pm.err")"
	fi
else
	say "skip: premount part (no premount_exec or no user nobody)"
fi
"$H" --ctl "$DSH_TMP/seed/run" stop >/dev/null
exit $DSH_FAILED
