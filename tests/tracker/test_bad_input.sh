#!/bin/bash
# Bad input: every malformed request gets a clear refusal, none crashes the
# tracker or makes it grow.  Allow-list and secret are on.
. "$(dirname "$0")/trk_common.sh"
trk_munge_start || { echo "SKIP: no munged here"; exit 77; }
U=$TRK_UDP_CLIENT

GOOD=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa   # 64 hex (v2)
G20=${GOOD:0:40}
OTHER=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
S=job42-s3cr3t

start_tracker bad --munge-socket "$TRK_MUNGE" --allow $GOOD --secret $S --udp-conn-ttl 1 --numwant-max 50 \
	|| { echo "FAIL: tracker did not start"; exit 1; }
echo "tracker on 127.0.0.1:$PORT (allow-list, secret)"
base="peer_id=-TE0001-abcdefghijkl&uploaded=0&downloaded=0&left=10"

r=$(http "/announce?dsl_secret=$S&info_hash=$(esc $G20)&port=6881&$base")
check "good announce (secret first, libtorrent appends &info_hash=...)" "8:intervali30e" "$r"
r=$(http "/announce?info_hash=$(esc $G20)&port=6881&$base")
check "missing secret refused" "failure reason" "$r"
check "missing secret named" "missing dsl_secret" "$r"
r=$(http "/announce?dsl_secret=nope&info_hash=$(esc $G20)&port=6881&$base")
check "wrong secret refused" "wrong dsl_secret" "$r"
r=$(http "/announce?dsl_secret=$S&info_hash=$(esc $OTHER)&port=6881&$base")
check "unknown swarm under the allow-list refused" "unknown swarm" "$r"
r=$(http "/announce?dsl_secret=$S&info_hash=$(esc ${G20:0:38})&port=6881&$base")
check "19-byte info_hash refused" "invalid info_hash: must be 20 bytes" "$r"
r=$(http "/announce?dsl_secret=$S&info_hash=$(esc ${G20}aa)&port=6881&$base")
check "21-byte info_hash refused" "invalid info_hash: must be 20 bytes" "$r"
r=$(http "/announce?dsl_secret=$S&info_hash=$(esc $G20)&$base")
check "missing port refused" "missing port" "$r"
r=$(http "/announce?dsl_secret=$S&info_hash=$(esc $G20)&port=70000&$base")
check "port out of range refused" "invalid port" "$r"
r=$(http "/announce?dsl_secret=$S&info_hash=$(esc $G20)&port=6881&$base&left=-1")
check "negative left refused" "invalid left" "$r"
r=$(http "/announce?dsl_secret=$S&info_hash=$(esc $G20)&port=6881&$base&uploaded=99999999999999999999999")
check "overflowing number refused" "invalid uploaded" "$r"
r=$(http "/announce?dsl_secret=$S&info_hash=$(esc $G20)&port=6882&$base&numwant=999999999999999999999999" | tr "\0" @)
check "huge numwant capped, not refused" "8:intervali30e" "$r"
r=$(http "/announce?dsl_secret=$S&info_hash=$(esc $G20)&port=6882&$base&event=bogus")
check "unknown event refused" "invalid event" "$r"
r=$(http "/announce")
check "empty query refused" "failure reason" "$r"
r=$(http "/announce?&&&==&=&info_hash&port")
check "truncated arguments refused" "failure reason" "$r"
r=$(http "/announce?info_hash=%zz%4&port=%")
check "broken %-escapes refused" "failure reason" "$r"
r=$(http "/announce?dsl_secret=$S&info_hash=%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00&port=1")
check "all-zero binary info_hash (NUL bytes) parsed and refused by the allow-list" "unknown swarm" "$r"
long=$(head -c 20000 /dev/zero | tr '\0' 'x')
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/announce?x=$long")
case "$code" in 4*) ok "20 kB query answered with HTTP $code" ;; *) bad "20 kB query: HTTP $code" ;; esac
long=$(head -c 8000 /dev/zero | tr '\0' 'y')
r=$(http "/announce?dsl_secret=$long&info_hash=$(esc $G20)&port=6881")
check "long secret refused" "failure reason" "$r"
r=$(http "/scrape?info_hash=$(esc $G20)")
check "scrape without secret refused" "missing dsl_secret" "$r"
r=$(http "/scrape?dsl_secret=$S&info_hash=$(esc $G20)")
check "scrape with secret" "d5:filesd20:" "$r"
q="dsl_secret=$S"; for i in $(seq 1 70); do q="$q&info_hash=$(esc $G20)"; done
r=$(http "/scrape?$q")
check "scrape with 70 hashes refused" "too many info_hash" "$r"

# UDP
r=$($U 127.0.0.1 $PORT raw 0102)
check "2-byte UDP packet: dropped, no answer" "no answer" "$r"
r=$($U 127.0.0.1 $PORT raw 00000417271019810000000000000007)
check "connect with wrong protocol id" "error: connect: wrong protocol id" "$r"
r=$($U 127.0.0.1 $PORT raw 00000417271019800000000900000007)
check "unknown action" "error: unknown action" "$r"
r=$($U 127.0.0.1 $PORT raw 0000041727101980000000010000000700112233)
check "truncated announce" "error: announce too short" "$r"
r=$($U 127.0.0.1 $PORT badconn $G20 6881 10)
check "made-up connection id" "error: unknown or expired connection id" "$r"
r=$($U 127.0.0.1 $PORT announce $G20 6881 10)
check "UDP announce without secret refused" "error: missing dsl_secret" "$r"
r=$($U -s "/announce?dsl_secret=wrong" 127.0.0.1 $PORT announce $G20 6881 10)
check "UDP announce with wrong secret refused" "error: wrong dsl_secret" "$r"
r=$($U -s "/announce?dsl_secret=$S" 127.0.0.1 $PORT announce $G20 6883 10 started)
check "UDP announce with secret in BEP 41 URL data" "announce interval=30" "$r"
r=$($U -s "/announce?dsl_secret=$S" 127.0.0.1 $PORT announce $OTHER 6883 10)
check "UDP: unknown swarm under the allow-list" "error: unknown swarm" "$r"
r=$($U -s "/announce?dsl_secret=$S" 127.0.0.1 $PORT stale $G20 6883 3)
check "expired connection id (--udp-conn-ttl 1, 3 s later)" "error: unknown or expired connection id" "$r"
for i in $(seq 1 200); do head -c $((RANDOM % 1400 + 1)) /dev/urandom | xxd -p | tr -d '\n' > "$TRK_TMP/g"; $U 127.0.0.1 $PORT raw "$(cat $TRK_TMP/g)" >/dev/null; done
ok "200 random UDP datagrams sent"

r=$(stats)
check "still alive, one swarm, three peers" '"totals":{"swarms":1,"peers":3' "$r"
check "stats reports the allow-list and secret (not the secret itself)" '"allow_list":1,"secret":true' "$r"
case "$r" in *"$S"*) bad "stats leaks the secret" ;; *) ok "stats does not show the secret" ;; esac
stop_tracker bad && ok "clean stop" || bad "did not stop"
trk_finish
