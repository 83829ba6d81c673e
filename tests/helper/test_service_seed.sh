#!/bin/bash
# test_service_seed.sh - `dsl seed NAME` (what dsl-seeder@NAME.service runs)
# on loopback: a cluster tracker, a service seeder, and a downloading helper
# that is given only the tracker (no --peer): it must find the seeder there
# and get every byte from it.  Then the seeder stops on SIGTERM (systemd's
# stop) and unmounts its view.  Bounded waits; everything removed on exit.
set -u
DSH_TEST=test_service_seed
: "${DSL_HELPER:?}" "${DSL_TOOL:?}" "${DSL_TRACKER:?}"
say() { printf '%s: %s\n' "$DSH_TEST" "$*"; }
FAILED=0
fail() { say "FAIL: $*"; FAILED=1; }
pass() { say "ok: $*"; }
if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ]; then say "SKIP: needs root and /dev/fuse"; exit 77; fi
W=$(mktemp -d /tmp/dsl-svcseed.XXXXXX)
PIDS=""
cleanup() {
	[ -S "$W/d/run/ctl.sock" ] && timeout 5 "$DSL_HELPER" --ctl "$W/d/run" stop >/dev/null 2>&1
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.5
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	for m in "$W/d/view" "$W/seed/view"; do
		mountpoint -q "$m" 2>/dev/null && umount -l "$m"
	done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
# three free loopback ports (bound and released: another test may take one
# in between, which fails this test loudly rather than silently)
read -r PT PS PD < <(python3 -c '
import socket
s = [socket.socket() for _ in range(3)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
mkdir -p "$W/src/lib" "$W/reg" "$W/d/view" "$W/d/cache" "$W/d/run"
head -c 3000000 /dev/urandom > "$W/src/lib/libbig.so"
echo 'VALUE = 7' > "$W/src/mod.py"
"$DSL_TOOL" create svc "$W/src" --registry "$W/reg" >/dev/null 2>&1 || { fail "dsl create"; exit 1; }
printf 'libexec=%s\ntracker=http://127.0.0.1:%s/announce\n' "$(dirname "$DSL_HELPER")" "$PT" > "$W/dsl.conf"
export DSL_CONF=$W/dsl.conf

out=$(DSL_CONF=/dev/null "$DSL_TOOL" seed svc --registry "$W/reg" 2>&1)
[ $? = 1 ] && grep -q "tracker=job: a service seeder needs a cluster tracker" <<<"$out" &&
	pass "tracker=job refused with a message" || fail "tracker=job: $out"
out=$("$DSL_TOOL" seed nosuch --registry "$W/reg" 2>&1)
[ $? = 1 ] && grep -q "^dsl seed: .*nosuch" <<<"$out" && pass "unknown set named" || fail "unknown set: $out"

"$DSL_TRACKER" --listen 127.0.0.1 --port "$PT" --foreground >"$W/tracker.log" 2>&1 &
PIDS="$PIDS $!"
"$DSL_TOOL" seed svc --registry "$W/reg" --listen 127.0.0.1 --port "$PS" --run-dir "$W/seed" \
	>"$W/seed.log" 2>&1 &
SEED=$!
PIDS="$PIDS $SEED"
for _ in $(seq 1 100); do
	grep -q "listening on 127.0.0.1:$PS" "$W/seed.log" && break
	kill -0 "$SEED" 2>/dev/null || break
	sleep 0.1
done
grep -q "listening on 127.0.0.1:$PS" "$W/seed.log" && pass "dsl seed became a seeding helper" ||
	{ fail "seeder did not start: $(tail -3 "$W/seed.log")"; exit 1; }
[ "$(readlink "/proc/$SEED/exe")" = "$(readlink -f "$DSL_HELPER")" ] &&
	pass "it is the helper itself (exec: systemd supervises it)" || fail "pid $SEED is $(readlink "/proc/$SEED/exe")"

json=$(ls "$W"/reg/svc/*.json)
timeout 30 "$DSL_HELPER" --desc "$json" --torrent "${json%.json}.torrent" --mount "$W/d/view" \
	--cache "$W/d/cache" --run-dir "$W/d/run" --tracker "http://127.0.0.1:$PT/announce" \
	--listen 127.0.0.1 --port "$PD" || { fail "downloader did not start"; exit 1; }
if timeout 60 cmp "$W/d/view/lib/libbig.so" "$W/src/lib/libbig.so" &&
   [ "$(cat "$W/d/view/mod.py")" = "VALUE = 7" ]; then
	pass "downloader with only the tracker reads the set from the service seeder"
else
	fail "view differs from the source"
fi
st=$("$DSL_HELPER" --ctl "$W/d/run" status)
python3 -c '
import json, sys
s = json.loads(sys.argv[1]); b = s["bytes"]
assert b["from_seeders"] >= 3000000 and b["from_peers"] == 0, b' "$st" &&
	pass "every byte came from the service seeder" || fail "status: ${st:0:300}"

kill -TERM "$SEED"
for _ in $(seq 1 100); do kill -0 "$SEED" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SEED" 2>/dev/null; then fail "seeder still running 10 s after SIGTERM"
elif mountpoint -q "$W/seed/view"; then fail "seeder's view still mounted"
else pass "SIGTERM stops the seeder and unmounts its view"; fi
[ "$FAILED" = 0 ]
