#!/bin/bash
# HTTP and UDP announce/scrape against a real dsl-tracker daemon on loopback:
# compact answers, peer selection, stopped, expiry, stats, caps, daemon behaviour.
. "$(dirname "$0")/trk_common.sh"
trk_munge_start || { echo "SKIP: no munged here"; exit 77; }
U=$TRK_UDP_CLIENT

H1=1111111111111111111111111111111111111111
H2=2222222222222222222222222222222222222222
H3=3333333333333333333333333333333333333333

start_tracker main --munge-socket "$TRK_MUNGE" --interval 20 --peer-timeout 2 --max-swarms 2 --max-peers 3 --numwant-max 2 \
	|| { echo "FAIL: tracker did not start"; exit 1; }
echo "tracker on 127.0.0.1:$PORT"
ann() { http "/announce?info_hash=$(esc "$1")&peer_id=-TE0001-abcdefghijkl&port=$2&uploaded=0&downloaded=${4:-0}&left=$3&compact=1${5:+&event=$5}"; }

r=$(ann $H1 7001 0 0 started)
check "HTTP announce: seeder counted" "d8:completei1e10:incompletei0e8:intervali20e12:min intervali10e5:peers0:e" "$r"
r=$(ann $H1 7002 100 0 started | xxd -p | tr -d '\n')
# the new leecher gets the seeder: 127.0.0.1:7001 = 7f000001 1b59
check "HTTP announce: leecher gets the seeder as a compact peer" "7f0000011b59" "$r"
r=$(ann $H1 7003 100 5 | tr "\0" @)
check "HTTP announce: counts after 3 peers" "completei1e10:incompletei2e" "$r"
r=$(ann $H1 7004 100 5)
check "cap --max-peers: 4th peer refused" "failure reason" "$r"
check "cap --max-peers: reason names the option" "max-peers" "$r"
r=$(ann $H1 7003 100 5 | xxd -p | tr -d '\n')
check "numwant capped at --numwant-max 2 (12 bytes of peers)" "353a706565727331323a" "$r"
case "$r" in *7f0000011b5b*) bad "asker 7003 got itself back" ;; *) ok "never the asker itself" ;; esac
r=$(ann $H2 7001 0)
check "second swarm accepted" "completei1e" "$r"
r=$(ann $H3 7001 0)
check "cap --max-swarms: 3rd swarm refused" "too many swarms" "$r"

r=$(http "/scrape?info_hash=$(esc $H1)")
check "HTTP scrape" "d8:completei1e10:downloadedi0e10:incompletei2eee" "$r"

# UDP on the same port
r=$($U 127.0.0.1 $PORT announce $H1 7005 100 started)
check "UDP announce refused at max-peers too" "error: swarm full" "$r"
r=$($U 127.0.0.1 $PORT announce $H2 7006 100 started)
check "UDP announce: leecher gets the seeder" "announce interval=20 leechers=1 seeders=1 peers=127.0.0.1:7001" "$r"
r=$($U 127.0.0.1 $PORT scrape $H2)
check "UDP scrape" "scrape seeders=1 completed=0 leechers=1" "$r"
r=$($U 127.0.0.1 $PORT announce $H2 7006 0 completed)
r=$($U 127.0.0.1 $PORT scrape $H2)
check "event=completed counted, peer now a seeder" "scrape seeders=2 completed=1 leechers=0" "$r"

# stopped removes at once
r=$(ann $H1 7002 100 0 stopped)
r=$(stats)
check "stopped peer gone at once (stats)" '"seeders":1,"leechers":1' "$r"
check "stats lists peers with state" '"address":"127.0.0.1","port":7001,"state":"seeder"' "$r"
check "stats totals" '"totals":{"swarms":2,"peers":4' "$r"
r=$(stats peers=0)
case "$r" in *'"peers":['*) bad "stats?peers=0 still lists peers" ;; *) ok "stats?peers=0 leaves out peer lists" ;; esac
r=$(http "/metrics")
check "metrics: announces by protocol" 'dsl_tracker_announces_total{proto="udp"}' "$r"
check "metrics: refusals" 'dsl_tracker_refusals_total 3' "$r"

# expiry after --peer-timeout 2 (sweep every second or so)
sleep 4
r=$(stats)
check "silent peers expire after --peer-timeout" '"totals":{"swarms":0,"peers":0' "$r"

r=$(http "/nothing")
check "unknown path: 404 text" "not found" "$r"
r=$(curl -s -m 5 -X POST -d x=y "http://127.0.0.1:$PORT/announce")
check "POST refused" "only GET" "$r"

# daemon behaviour
r=$("$TRACKER" --listen 127.0.0.1 --port "$PORT" 2>&1); rc=$?
[ $rc -eq 1 ] && ok "port in use: exit 1" || bad "port in use: exit $rc"
check "port in use: message" "dsl-tracker: cannot bind 127.0.0.1:$PORT/tcp: Address already in use" "$r"
r=$("$TRACKER" --listen 127.0.0.1 --port 0 2>&1); rc=$?
check "bad --port named" "invalid --port '0'" "$r"
r=$("$TRACKER" --listen nowhere --port 1 2>&1)
check "bad --listen named" "invalid --listen 'nowhere'" "$r"
r=$("$TRACKER" --listen 127.0.0.1 --port 1 --allow xyz 2>&1)
check "bad --allow named" "invalid --allow 'xyz'" "$r"
r=$("$TRACKER" --listen 127.0.0.1 --port 1 --secret 'a b' 2>&1)
check "bad --secret named" "invalid --secret" "$r"
r=$("$TRACKER" --listen 127.0.0.1 --port 1 --pid-file /nonexistent/dir/x.pid --foreground 2>&1); rc=$?
check "unwritable pid file named (foreground)" "cannot write pid file /nonexistent/dir/x.pid" "$r"
r=$("$TRACKER" --listen 127.0.0.1 --port $((PORT + 1)) --pid-file /nonexistent/dir/x.pid 2>&1); rc=$?
[ $rc -eq 1 ] && ok "daemon start-up failure reaches the caller: exit 1" || bad "daemon start-up failure: exit $rc"
check "daemon start-up failure: message" "cannot write pid file" "$r"

pf=$TRK_TMP/main.pid
stop_tracker main && ok "SIGTERM: daemon exits" || bad "SIGTERM: daemon still running"
[ ! -e "$pf" ] && ok "SIGTERM: pid file removed" || bad "SIGTERM: pid file left"
check "log says who was refused" "refused 127.0.0.1: swarm full" "$(cat $TRK_TMP/main.log)"
check "log names a new swarm and who started it" "new swarm $H1, first announce from 127.0.0.1 port 7001 (seeder)" "$(cat $TRK_TMP/main.log)"
# under load the 4 may expire in two sweeps: add up what the log says
n=$(sed -n 's/.*expired \([0-9]*\) peers.*/\1/p' "$TRK_TMP/main.log" | awk '{ n += $1 } END { print n + 0 }')
[ "$n" = 4 ] && ok "log says when silent peers expire (4 peers)" ||
	bad "log says when silent peers expire: $n peers in: $(grep expired "$TRK_TMP/main.log")"
check "log says why it stopped" "signal 15 from pid" "$(cat $TRK_TMP/main.log)"
n=$(grep -c "refused 127.0.0.1: swarm full" $TRK_TMP/main.log)
[ "$n" -le 2 ] && ok "refusals logged once per peer and reason ($n lines)" || bad "refusal logged $n times"

trk_finish
