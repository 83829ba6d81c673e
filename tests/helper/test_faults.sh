#!/bin/bash
# Faults, each in its own network namespace: a downloader killed mid-transfer,
# the seeder gone once the swarm holds every piece, the tracker gone (direct
# peers), and corrupted bytes at the seeder (rejected, EIO, never served).
DSH_TEST=test_faults
. "$(dirname "$0")/dsh_common.sh"
dsh_need_root
[ -x "$DSL_TRACKER" ] || { say "SKIP: dsl-tracker not built"; exit 77; }

DSH_TMP=$(mktemp -d /tmp/dsh-faults.XXXXXX)
trap dsh_cleanup EXIT
trap 'exit 1' INT TERM
[ -n "${DSH_DEBUG:-}" ] && set -x

DSH_BIG_MB=48
dsh_make_set "$DSH_TMP/src" || { fail "cannot make the test set"; exit 1; }
dsh_publish tset "$DSH_TMP/src" "$DSH_TMP/reg" || { fail "dsl create"; exit 1; }
# names and /24 overridable, so runs beside each other do not collide
NETP=${DSH_FAULTS_P:-dhb} NET=${DSH_FAULTS_NET:-198.18.45}
dsh_net "$NETP" "$NET" || { fail "cannot create bridge"; exit 1; }
dsh_node t 2
dsh_node s 10 100mbit
for i in 1 2 3 4 5; do dsh_node d$i $((10 + i)) 200mbit; done
dsh_bg t "$DSL_TRACKER" --listen $NET.2 --port 6969 --interval 10 --foreground \
	--log-file "$DSH_TMP/tracker.log"
TRACKER_PID=$DSH_BG_PID
sleep 0.5
TR="--tracker http://$NET.2:6969/announce"
COMMON="--port 6881 --read-timeout 20"
total=$((DSH_BIG_MB * 1048576))

dsh_helper s seed --seed --listen $NET.10 $TR $COMMON || { fail "seeder did not start"; exit 1; }
for i in 1 2 3; do
	dsh_helper d$i d$i --listen $NET.1$i $TR $COMMON || { fail "d$i did not start"; exit 1; }
done

# A. d2 killed mid-transfer (and its view torn down, as an epilog would).
sleep 1
done2=$(dsh_status d2 pieces.done)
kill -9 "$(dsh_pid d2)"
umount -l "$DSH_TMP/d2/view"
say "killed d2 at $done2/$(dsh_status d1 pieces.total) pieces"

# B. The seeder gone once the swarm holds every piece (d1 complete); d3
#    and a late d4 still complete, from the other nodes only.
if dsh_wait_complete d1 60; then
	kill -9 "$(dsh_pid seed)"
	umount -l "$DSH_TMP/seed/view"
	say "seeder killed when d1 completed; d3 at $(dsh_status d3 pieces.done) pieces"
	dsh_helper d4 d4 --listen $NET.14 $TR $COMMON || fail "d4 did not start"
	ok=1
	for n in d1 d3 d4; do
		if ! dsh_wait_complete $n 60 || ! dsh_check_view "$DSH_TMP/$n/view" "$DSH_TMP/src"; then
			fail "$n did not complete after d2 was killed and the seeder left"
			ok=0
		fi
	done
	[ $ok = 1 ] && pass "d2 killed mid-transfer, seeder gone after the swarm held every piece: d1, d3 and late d4 complete and match (d4: $(dsh_status d4 bytes.from_seeders) B from seeders)"
else
	fail "d1 did not complete"
fi

# C. The tracker gone: a new node with direct peer addresses completes.
kill "$TRACKER_PID"
wait "$TRACKER_PID" 2>/dev/null
dsh_helper d5 d5 --listen $NET.15 $TR $COMMON --peer $NET.11:6881 \
	--peer $NET.13:6881 || fail "d5 did not start"
if dsh_wait_complete d5 60 && dsh_check_view "$DSH_TMP/d5/view" "$DSH_TMP/src"; then
	pass "tracker gone: d5 completes from direct peers and matches"
else
	fail "d5 did not complete without the tracker"
fi

# D. Corrupted bytes at the only seeder of a second set.
mkdir -p "$DSH_TMP/src2/data"
head -c 2000000 /dev/urandom > "$DSH_TMP/src2/data/bad.bin"
head -c 300000 /dev/urandom > "$DSH_TMP/src2/data/good.bin"
dsh_publish cset "$DSH_TMP/src2" "$DSH_TMP/reg" || { fail "dsl create cset"; exit 1; }
cp "$DSH_TMP/src2/data/bad.bin" "$DSH_TMP/bad.orig"
# one byte flipped in the middle of piece 4 of bad.bin (256 KiB pieces)
off=$((4 * 262144 + 1000))
python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xff]))' \
	"$DSH_TMP/src2/data/bad.bin" $off
cmp -s "$DSH_TMP/src2/data/bad.bin" "$DSH_TMP/bad.orig" && fail "corruption not applied"
dsh_node c 20
dsh_node d6 16
dsh_helper c cseed --seed --listen $NET.20 --port 6881 || fail "corrupt seeder did not start"
dsh_helper d6 d6 --listen $NET.16 --port 6881 --read-timeout 5 --peer $NET.20:6881 ||
	fail "d6 did not start"
V6=$DSH_TMP/d6/view
cmp -s "$V6/data/good.bin" "$DSH_TMP/src2/data/good.bin" || fail "good file of the corrupt set differs"
head -c $((4 * 262144)) "$V6/data/bad.bin" > "$DSH_TMP/head.view"
cmp -s "$DSH_TMP/head.view" <(head -c $((4 * 262144)) "$DSH_TMP/bad.orig") ||
	fail "verified pieces before the corrupt one differ"
if dd if="$V6/data/bad.bin" of="$DSH_TMP/bad.view" bs=262144 skip=4 count=1 status=none 2>"$DSH_TMP/dd.err"; then
	fail "read of the corrupted piece returned data"
elif grep -q "Input/output error" "$DSH_TMP/dd.err" &&
     grep -q "bad.bin: read of .* piece" "$DSH_TMP/d6/run/helper.log"; then
	pass "corrupted piece never served: EIO after the time-out, logged with file and piece; hash failures at d6: $(dsh_status d6 hash_failures)"
else
	fail "corrupted piece: unexpected $(cat "$DSH_TMP/dd.err")"
fi
exit $DSH_FAILED
