#!/bin/bash
# End to end: a tracker, one seeder and four downloaders, each in its own
# network namespace with its own FUSE view.  Checks the view before data,
# reads right after mount, every file's SHA-256 through every view, dlopen
# and Python import from a view, EROFS, status, stop and clean-up.
DSH_TEST=test_swarm
. "$(dirname "$0")/dsh_common.sh"
dsh_need_root
[ -x "$DSL_TRACKER" ] || { say "SKIP: dsl-tracker not built"; exit 77; }

DSH_TMP=$(mktemp -d /tmp/dsh-swarm.XXXXXX)
trap dsh_cleanup EXIT
[ -n "${DSH_DEBUG:-}" ] && set -x
trap 'exit 1' INT TERM

DSH_BIG_MB=24
dsh_make_set "$DSH_TMP/src" || { fail "cannot make the test set"; exit 1; }
dsh_publish tset "$DSH_TMP/src" "$DSH_TMP/reg" || { fail "dsl create"; exit 1; }
# names and /24 overridable, so runs beside each other do not collide
NETP=${DSH_SWARM_P:-dha} NET=${DSH_SWARM_NET:-198.18.44}
dsh_net "$NETP" "$NET" || { fail "cannot create bridge"; exit 1; }
dsh_node t 2
dsh_node s 10 200mbit
for i in 1 2 3 4; do dsh_node d$i $((10 + i)); done

# With a secret, as the plugin starts a job's tracker (statistics need it).
dsh_bg t "$DSL_TRACKER" --listen $NET.2 --port 6969 --interval 10 --foreground \
	--secret swarmtest --log-file "$DSH_TMP/tracker.log"
sleep 0.5
TR="--tracker http://$NET.2:6969/announce?dsl_secret=swarmtest"
COMMON="--port 6881 --read-timeout 30"

# 1. A downloader alone: the tree is there before any byte is.
dsh_helper d1 d1 --listen $NET.11 $TR $COMMON || { fail "d1 did not start"; exit 1; }
V1=$DSH_TMP/d1/view
(cd "$DSH_TMP/src" && find . -printf '%y %m %s %p %l\n' | grep -v '^d' | sort) > "$DSH_TMP/src.ls"
(cd "$V1" && find . -printf '%y %m %s %p %l\n' | grep -v '^d' | sort) > "$DSH_TMP/view.ls"
sed -i 's/^f \([0-7]*\)/f X/' "$DSH_TMP/src.ls" "$DSH_TMP/view.ls"
if diff "$DSH_TMP/src.ls" "$DSH_TMP/view.ls" >/dev/null && ls -R "$V1" >/dev/null &&
   [ "$(stat -c %s "$V1/data/big.bin")" = $((DSH_BIG_MB * 1048576)) ] &&
   [ "$(dsh_status d1 pieces.done)" = 0 ]; then
	pass "ls -R and stat answer before any data (0 pieces on the node)"
else
	fail "tree before data differs"; diff "$DSH_TMP/src.ls" "$DSH_TMP/view.ls" | head
fi
[ "$(stat -c %U:%a "$V1/data/small.bin")" = "root:444" ] &&
	pass "files owned by the helper's user, without write bits" ||
	fail "owner/mode: $(stat -c %U:%a "$V1/data/small.bin")"
if touch "$V1/new" 2>"$DSH_TMP/err" || ! grep -q "Read-only" "$DSH_TMP/err"; then
	fail "write did not get EROFS: $(cat "$DSH_TMP/err")"
else
	pass "writes get EROFS"
fi

# wait=all's way (dsh_ctl.h): "wait-complete" is answered when the last
# piece is on the node, and that is when the status says complete.
wait_complete() {
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.settimeout(60); s.connect(sys.argv[1])
t0 = time.time(); s.sendall(b"wait-complete\n"); r = b""
while not r.endswith(b"\n"):
    b = s.recv(100)
    if not b: break
    r += b
print(r.decode().strip(), "%.1f" % (time.time() - t0))' "$DSH_TMP/$1/run/ctl.sock"
}
# d1 has nothing and no source yet: its answer has to wait for the seeder.
wait_complete d1 > "$DSH_TMP/d1.wait" 2>&1 &
DSH_PIDS="$DSH_PIDS $!"
sleep 1

# 2. The seeder (from the source files, seed mode), then the others; d2
#    reads the last 4 KiB of the big file right after its view is mounted.
dsh_helper s seed --seed --listen $NET.10 $TR $COMMON || { fail "seeder did not start"; exit 1; }
dsh_helper d2 d2 --listen $NET.12 $TR $COMMON --peer $NET.10:6881 ||
	{ fail "d2 did not start"; exit 1; }
t0=$(date +%s.%N)
tail -c 4096 "$DSH_TMP/d2/view/data/big.bin" > "$DSH_TMP/tail.view"
t1=$(date +%s.%N)
done_at_read=$(dsh_status d2 pieces.done)
total=$(dsh_status d2 pieces.total)
if cmp -s "$DSH_TMP/tail.view" <(tail -c 4096 "$DSH_TMP/src/data/big.bin"); then
	pass "read right after mount: right bytes in $(echo "($t1 - $t0) * 1000" | bc) ms ($done_at_read/$total pieces on the node after it)"
else
	fail "read right after mount returned wrong bytes"
fi
for i in 3 4; do
	dsh_helper d$i d$i --listen $NET.1$i $TR $COMMON || fail "d$i did not start"
done

# 3. Everything, through every view.
dsh_wait_complete d1 60
for i in $(seq 50); do [ -s "$DSH_TMP/d1.wait" ] && break; sleep 0.2; done
read -r ans secs < "$DSH_TMP/d1.wait"
if [ "$ans" = complete ] && [ "$(dsh_status d1 complete)" = True ] &&
   [ "$(echo "$secs >= 1" | bc)" = 1 ]; then
	pass "wait-complete held while d1 had no source, answered when it had the whole set (${secs} s)"
else
	fail "wait-complete on d1: '$(cat "$DSH_TMP/d1.wait")' (status complete: $(dsh_status d1 complete))"
fi
for n in d1 d2 d3 d4; do
	if dsh_wait_complete $n 60 && dsh_check_view "$DSH_TMP/$n/view" "$DSH_TMP/src"; then
		pass "$n: every file matches the source (SHA-256); from seeders $(dsh_status $n bytes.from_seeders) B, from peers $(dsh_status $n bytes.from_peers) B"
	else
		fail "$n: incomplete or wrong ($(dsh_status $n pieces.done)/$total pieces)"
	fi
done
dsh_check_view "$DSH_TMP/seed/view" "$DSH_TMP/src" && pass "seeder's view matches" ||
	fail "seeder's view differs"

# 4. dlopen a library from a view and call it; import a Python package.
out=$(python3 -c 'import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
print(lib.dsl_answer(6))' "$DSH_TMP/d3/view/lib/libdslanswer.so")
[ "$out" = 40 ] && pass "dlopen from the view, dsl_answer(6) = 40" || fail "dlopen: got '$out'"
out=$(cd / && PYTHONPATH="$DSH_TMP/d4/view/py" python3 -B -c 'import dslpkg; print(dslpkg.answer(), dslpkg.__file__)')
case "$out" in
"42 $DSH_TMP/d4/view/py/dslpkg/__init__.py") pass "Python package imported from the view" ;;
*) fail "python import: '$out'" ;;
esac

# 4b. Every helper posted its status to the tracker (POST /report, every
#     2 s and when complete): /stats shows it with the helper's peer entry.
sleep 2.5
stats=$(dsh_in t curl -s -m 5 "http://$NET.2:6969/stats?dsl_secret=swarmtest")
read -r nrep ncomplete recv sent <<< "$(printf '%s' "$stats" | python3 -c '
import json, sys
peers = [p for s in json.load(sys.stdin)["swarms"] for p in s["peers"]]
reps = [p["report"] for p in peers if "report" in p]
print(len(reps), sum(1 for r in reps if r["complete"]),
      sum(r["bytes"]["received"] for r in reps if r["role"] != "seeder"),
      sum(r["bytes"]["sent"] for r in reps))' 2>/dev/null)"
if [ "${nrep:-0}" = 5 ] && [ "${ncomplete:-0}" = 5 ] && [ "${recv:-0}" -gt 0 ]; then
	pass "the tracker has all 5 helpers' reports, all complete; received $recv B, sent $sent B"
else
	fail "tracker reports: ${nrep:-0} (complete ${ncomplete:-0}): $(printf '%s' "$stats" | head -c 400)"
fi

# 5. Stop: unmounted, cache removed, exit 0.
for n in d1 d2 d3 d4 seed; do
	"$DSL_HELPER" --ctl "$DSH_TMP/$n/run" stop >/dev/null || fail "$n: stop failed"
done
sleep 1
left=0
for n in d1 d2 d3 d4 seed; do
	mountpoint -q "$DSH_TMP/$n/view" && left=1
	[ -n "$(ls -A "$DSH_TMP/$n/cache" 2>/dev/null)" ] && left=1
done
[ $left = 0 ] && pass "stop unmounted every view and removed every cache" ||
	fail "something left after stop"
exit $DSH_FAILED
