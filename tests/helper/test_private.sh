#!/bin/bash
# Private swarms (README, security model), with real helpers in namespaces:
# job A (a seeder and a downloader with key A) and job B (the same set, key
# B) share one tracker.  A stranger (user nobody) on job A's downloader
# node and on a node outside both jobs, knowing the set's info-hash and
# the ports, gets no block, no bitfield and no metadata from a raw client
# (plaintext and MSE handshakes) or a libtorrent client, no peers from the
# tracker; a replayed handshake captured between two helpers of job A is
# refused; job B's helpers get nothing from job A's even when dialling them.
# The probe's own positive control: with job A's info-hash it does get a
# bitfield and block 0 (so the refusals are not the probe failing).
# peer_networks= keeps everyone outside the given ranges out, key or not.
DSH_TEST=test_private
. "$(dirname "$0")/dsh_common.sh"
dsh_need_root
[ -x "$DSL_TRACKER" ] || { say "SKIP: dsl-tracker not built"; exit 77; }
PY=/usr/bin/python3
PROBE="$PY $(cd "$(dirname "$0")" && pwd)/bt_probe.py"
$PY -c 'import libtorrent' 2>/dev/null ||
	{ say "FAIL: python3-libtorrent missing (scripts/install-deps.sh installs it)"; exit 1; }

DSH_TMP=$(mktemp -d /tmp/dsh-private.XXXXXX)
chmod 0755 "$DSH_TMP"
trap dsh_cleanup EXIT
[ -n "${DSH_DEBUG:-}" ] && set -x
trap 'exit 1' INT TERM

DSH_BIG_MB=8
N=198.18.46
dsh_make_set "$DSH_TMP/src" || { fail "cannot make the test set"; exit 1; }
dsh_publish pset "$DSH_TMP/src" "$DSH_TMP/reg" || { fail "dsl create"; exit 1; }
chmod -R a+rX "$DSH_TMP/reg"
PUB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["infohash"])' "$DSH_DESC")
dsh_net dpv $N || { fail "cannot create bridge"; exit 1; }
dsh_node t 2
dsh_node s 10 100mbit
dsh_node a 11
dsh_node s2 12 100mbit
dsh_node b 13
dsh_node x 20

KA=$DSH_TMP/key-a; KB=$DSH_TMP/key-b
head -c 32 /dev/urandom | xxd -p -c 64 > "$KA"
head -c 32 /dev/urandom | xxd -p -c 64 > "$KB"
chmod 0600 "$KA" "$KB"
HA=$($PROBE jobhash "$DSH_TORRENT" "$(head -c 32 "$KA")")
HB=$($PROBE jobhash "$DSH_TORRENT" "$(head -c 32 "$KB")")

dsh_bg t "$DSL_TRACKER" --listen $N.2 --port 6969 --interval 10 --foreground \
	--log-file "$DSH_TMP/tracker.log"
sleep 0.5
TR="--tracker http://$N.2:6969/announce"
COMMON="--port 6881 --read-timeout 30"

# A proxy between job A's downloader and its seeder keeps the downloader's
# side of a real handshake for the replay below.
dsh_bg t $PROBE proxy $N.2:7000 $N.10 6881 "$DSH_TMP/capture" 60 >"$DSH_TMP/proxy.out"
PROXY_PID=$DSH_BG_PID
# peer_networks on job A's seeder: the proxy's and the downloader's
# addresses only (a site gives its node networks).
dsh_helper s seed --seed --listen $N.10 --key-file "$KA" --peer-networks $N.2/32,$N.11/32 $TR $COMMON ||
	{ fail "job A's seeder did not start"; exit 1; }
dsh_helper a a --listen $N.11 --key-file "$KA" --peer $N.2:7000 $COMMON ||
	{ fail "job A's downloader did not start"; exit 1; }
dsh_helper s2 seed2 --seed --listen $N.12 --key-file "$KB" $TR $COMMON ||
	{ fail "job B's seeder did not start"; exit 1; }
# Job B's downloader is also told job A's nodes, as if misdirected.
dsh_helper b b --listen $N.13 --key-file "$KB" $TR --peer $N.10:6881 --peer $N.11:6881 $COMMON ||
	{ fail "job B's downloader did not start"; exit 1; }

dsh_wait_complete a 60 && dsh_check_view "$DSH_TMP/a/view" "$DSH_TMP/src" &&
	pass "job A: the downloader completes through its own seeder, byte for byte" ||
	fail "job A's downloader did not complete: $(dsh_status a pieces.done)"
dsh_wait_complete b 60 && dsh_check_view "$DSH_TMP/b/view" "$DSH_TMP/src" &&
	pass "job B: the same set with another key completes among its own nodes" ||
	fail "job B's downloader did not complete: $(dsh_status b pieces.done)"
from_a=$("$DSL_HELPER" --ctl "$DSH_TMP/b/run" status | python3 -c '
import json, sys
print(sum(p["received"] for p in json.load(sys.stdin).get("peers", [])
          if p["addr"] in ("'$N.10'", "'$N.11'")))')
[ "$from_a" = 0 ] && pass "job B received 0 bytes from job A's nodes it dialled" ||
	fail "job B received $from_a bytes from job A's nodes"

# Probes as user nobody: on job A's downloader node (a) and outside (x).
probe() { local node=$1; shift; dsh_in "$node" runuser -u nobody -- timeout 40 $PROBE "$@" 2>&1 | grep RESULT; }
want() {   # want WHAT "RESULT line" key=value...
	local what=$1 line=$2 kv bad=""
	shift 2
	for kv in "$@"; do
		case " $line " in *" $kv "*) ;; *) bad="$bad $kv" ;; esac
	done
	[ -z "$bad" ] && pass "$what" || fail "$what: wanted$bad, got: $line"
}
for node in a x; do
	where="nobody on $([ $node = a ] && echo "a node of the job" || echo "a node outside the job")"
	for tgt in $N.10 $N.11; do
		r=$(probe $node plain $tgt 6881 ${PUB:0:40})
		want "$where -> $tgt: plaintext handshake, public hash: closed, 0 bytes" "$r" \
			received=0 closed=1 handshake=0
		r=$(probe $node mse $tgt 6881 ${PUB:0:40})
		want "$where -> $tgt: MSE with the public hash: no handshake" "$r" accepted=0
		r=$(probe $node mse $tgt 6881 ${HB:0:40})
		want "$where -> $tgt: MSE with another job's hash: no handshake" "$r" accepted=0
	done
	r=$(probe $node lt "$DSH_TORRENT" 8 $N.10:6881 $N.11:6881)
	want "$where: libtorrent with the set's torrent: no piece, no bitfield" "$r" \
		pieces=0 downloaded=0 bitfield=0
	r=$(probe $node lt magnet:$PUB 8 $N.10:6881 $N.11:6881)
	want "$where: libtorrent with a magnet of the set: no metadata" "$r" metadata=0 bitfield=0
	r=$(dsh_in $node runuser -u nobody -- curl -s -m 5 \
		"http://$N.2:6969/announce?info_hash=$(printf %s ${PUB:0:40} | sed 's/../%&/g')&peer_id=-PR0001-abcdefghijkl&port=9&uploaded=0&downloaded=0&left=5&compact=1" | xxd -p | tr -d '\n')
	# compact peers: the helpers at 198.18.46.10-13 port 6881 are c6122e0a1ae1
	# to c6122e0d1ae1 (strangers may
	# meet each other there: that swarm is theirs, not a job's)
	case "$r" in
	*c6122e0[abcd]1ae1*|"") fail "$where: the tracker gave a job's node (or nothing): $r" ;;
	*) pass "$where: the tracker gives no job node for the set's hash" ;; esac
	r=$(dsh_in $node runuser -u nobody -- curl -s -m 5 -w ' HTTP%{http_code}' "http://$N.2:6969/stats")
	case "$r" in *HTTP403*) pass "$where: the tracker's /stats refuses" ;;
		*) fail "$where: /stats answered: $(printf %s "$r" | head -c 200)" ;; esac
done

# Positive control: the same probe with job A's hash is served.
r=$(probe a mse $N.10 6881 ${HA:0:40})
want "control: the probe with job A's hash gets a bitfield and block 0" "$r" \
	accepted=1 handshake=1 bitfield=1 block=1
# peer_networks: from outside them even job A's hash gets nothing.
r=$(probe x mse $N.10 6881 ${HA:0:40})
want "peer_networks: job A's hash from outside the networks: nothing" "$r" accepted=0
r=$(probe x mse $N.11 6881 ${HA:0:40})
want "  ... while the downloader (no peer_networks) serves it" "$r" accepted=1 bitfield=1

# Replay of the handshake job A's downloader made through the proxy.
kill "$PROXY_PID" 2>/dev/null; sleep 0.5
[ -s "$DSH_TMP/capture" ] && pass "captured $(stat -c %s "$DSH_TMP/capture") bytes of a real handshake" ||
	fail "nothing captured: $(cat "$DSH_TMP/proxy.out")"
for tgt in $N.10 $N.11; do
	r=$(probe x replay $tgt 6881 "$DSH_TMP/capture")
	want "replayed handshake -> $tgt: nothing beyond the DH reply, closed" "$r" beyond_dh=0 closed=1
done
r=$(probe x replay $N.10 6881 "$DSH_TMP/capture")
want "  ... and again (a fresh DH key every time)" "$r" beyond_dh=0 closed=1
[ "$DSH_FAILED" = 0 ] || { tail -5 "$DSH_TMP/tracker.log"; exit 1; }
say "PASS"
