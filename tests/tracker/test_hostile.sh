#!/bin/bash
# A hostile user against the tracker: floods of fake peers with 8 KiB
# reports from one address and from many, 10,000 announces from one
# address, a stopped announce and a report from another process on the same
# host, a report storm.  Asserts that memory (VmRSS) and every /stats answer
# stay bounded, that the caps answer with messages naming them, and that a
# peer is changed or removed only by itself.  Loopback only (127.0.0.0/8).
. "$(dirname "$0")/trk_common.sh"
trk_munge_start || { echo "SKIP: no munged here"; exit 77; }
FLOOD=${TRK_FLOOD:-$(dirname "$0")/trk_flood.py}
H=cccccccccccccccccccccccccccccccccccccccc
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }   # kB
jget() { printf %s "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"; }

# --- the reported case, default limits: 2,000 fake peers with 8 KiB reports,
# all from one address; then 10,000 announces from one address -------------
start_tracker def --munge-socket "$TRK_MUNGE" || { echo "FAIL: tracker did not start"; exit 1; }
r0=$(rss "$PID_def")
out=$(python3 "$FLOOD" "$PORT" $H --addrs 1 --peers 2000 --report-bytes 8192 --first-addr 127.0.0.1 --deadline 60)
echo "flood 1 address x 2000 peers, 8 KiB reports: $out"
[ "$(jget "$out" 'd["announce_ok"]')" = 64 ] && ok "one address holds 64 peers (--max-peers-per-addr default)" \
	|| bad "peers accepted from one address: $out"
check "  ... the rest refused naming the cap" "too many peers from this address (--max-peers-per-addr)" "$out"
[ "$(jget "$out" 'd["report_ok"]')" -le 64 ] && ok "reports only for the 64 peers" || bad "reports: $out"
out=$(python3 "$FLOOD" "$PORT" $H --addrs 1 --peers 10000 --first-addr 127.0.0.2 --deadline 90)
echo "flood 1 address x 10,000 announces: $(jget "$out" 'd["announce_ok"]') accepted in $(jget "$out" 'd["seconds"]') s"
[ "$(jget "$out" 'd["announce_ok"]')" = 64 ] && ok "10,000 announces from one address: 64 kept" || bad "10,000 from one address: $out"
r1=$(rss "$PID_def")
sz=$(stats | wc -c)
echo "VmRSS ${r0} kB -> ${r1} kB; /stats $sz bytes (128 peers, 64 reports of 8 KiB)"
[ $((r1 - r0)) -lt 8192 ] && ok "memory grew $((r1 - r0)) kB (< 8 MiB)" || bad "memory grew $((r1 - r0)) kB"
[ "$sz" -lt 1000000 ] && ok "/stats is $sz bytes (the unbounded tracker answered 16.5 MB)" || bad "/stats $sz bytes"
stop_tracker def

# --- caps in total: 100 addresses x 70 peers with 8 KiB reports against
# --max-peers-total 3000 and --max-report-bytes 8 MiB ----------------------
start_tracker tot --munge-socket "$TRK_MUNGE" --max-peers-total 3000 --max-report-bytes 8388608 --stats-max-peers 200 \
	|| { echo "FAIL: tracker did not start"; exit 1; }
r0=$(rss "$PID_tot")
out=$(python3 "$FLOOD" "$PORT" $H --addrs 100 --peers 70 --report-bytes 8192 --first-addr 127.0.3.1 --deadline 120)
echo "flood 100 addresses x 70 peers, 8 KiB reports: $out"
[ "$(jget "$out" 'd["announce_ok"]')" = 3000 ] && ok "3000 peers in total (--max-peers-total)" || bad "total: $out"
check "  ... the rest refused naming the cap" "tracker full: too many peers (--max-peers-total)" "$out"
check "reports beyond the budget refused naming it" "report budget is used up (--max-report-bytes)" "$out"
nrep=$(jget "$out" 'd["report_ok"]')
[ "$nrep" -ge 900 ] && [ "$nrep" -le 1030 ] && ok "$nrep reports of 8 KiB kept (8 MiB budget)" || bad "$nrep reports kept"
r1=$(rss "$PID_tot")
s=$(stats "peers=0")
rb=$(jget "$s" 'd["totals"]["report_bytes"]')
[ "$rb" -le 8388608 ] && ok "reports hold $rb bytes (<= 8 MiB)" || bad "report bytes $rb"
echo "VmRSS ${r0} kB -> ${r1} kB (without the caps this flood held 7000 peers and 57 MB of reports)"
[ $((r1 - r0)) -lt 24576 ] && ok "memory grew $((r1 - r0)) kB (< 24 MiB: 8 MiB reports, 3000 peers, buffers)" \
	|| bad "memory grew $((r1 - r0)) kB"
# /stats: every answer bounded, the pages add up to every peer once
off=0 pages=0 listed=0 max=0
while [ $pages -lt 40 ]; do
	page=$(stats "offset=$off")
	n=$(printf %s "$page" | wc -c); [ "$n" -gt "$max" ] && max=$n
	listed=$((listed + $(jget "$page" 'd["peers_listed"]')))
	pages=$((pages + 1))
	off=$(jget "$page" 'd.get("next_offset", "")')
	[ -z "$off" ] && break
done
[ $listed = 3000 ] && ok "/stats in $pages pages of <= 200 peers lists all 3000" || bad "/stats pages listed $listed"
[ "$max" -lt 2000000 ] && ok "largest /stats answer $max bytes (<= 200 peers with reports)" || bad "/stats answer $max bytes"
r=$(curl -s -m 5 -w ' HTTP%{http_code}' "http://127.0.0.1:$PORT/stats?offset=-1")
check "/stats with a bad offset refused" "HTTP400" "$r"
r=$(curl -s -m 5 -w ' HTTP%{http_code}' "http://127.0.0.1:$PORT/stats?info_hash=xyz")
check "/stats with a bad info_hash refused" "stats: info_hash must be 40 or 64 hex digits" "$r"
one=$(stats "peers=0&info_hash=dddddddddddddddddddddddddddddddddddddddd")
[ "$(jget "$one" 'len(d["swarms"])')" = 0 ] && ok "/stats?info_hash= of an unknown swarm shows no swarm" || bad "filter: $one"
stop_tracker tot

# --- a peer is its address, port and peer id -------------------------------
start_tracker own --munge-socket "$TRK_MUNGE" || { echo "FAIL: tracker did not start"; exit 1; }
base="info_hash=$(esc $H)&port=7000&uploaded=0&downloaded=0&left=10"
mine="peer_id=-DS0001-victimvictim"
evil="peer_id=-XX0001-attackerattk"
http "/announce?$base&$mine" >/dev/null
r=$(http "/announce?$base&$evil&event=stopped")
check "stopped with another peer id refused" "stopped refused: peer_id does not match" "$r"
r=$(http "/announce?$base&event=stopped")
check "stopped without a peer id refused" "stopped refused" "$r"
r=$(http "/announce?$base&$evil&left=0")
check "announce with another peer id for a live peer refused" "held by a peer with another peer_id" "$r"
s=$(stats)
check "  ... the peer is still there, unchanged" '"port":7000,"state":"leecher"' "$s"
post() { curl -s -m 5 -w ' HTTP%{http_code}' --data-binary "$2" "http://127.0.0.1:$PORT/report?$1"; }
r=$(post "$base&$evil" '{"set":"forged"}')
check "report with another peer id refused" "HTTP403" "$r"
codes=""
for i in 1 2 3 4 5 6; do codes="$codes $(post "$base&$mine" '{"set":"x"}' | grep -o 'HTTP[0-9]*')"; done
check "a report storm: 4 at once, then 429" "HTTP200 HTTP200 HTTP200 HTTP200 HTTP429" "$codes"
s=$(stats)
check "  ... no forged report shown" '"report":{"set":"x"}' "$s"
r=$(http "/announce?$base&$mine&event=stopped")
s=$(stats "peers=0")
check "the peer itself can stop" '"peers":0' "$s"
check "refusals logged" "refused 127.0.0.1: stopped refused" "$(cat "$TRK_TMP/own.log")"
stop_tracker own

# --listen-fd: the socket the prolog bound as root (a port below 1024 that
# no user can take first); anything but a listening TCP socket on --port is
# refused, naming it.
lf_run() { # KIND PORT [TRACKER ARGS...]: the tracker with a KIND socket as fd 3
	python3 - "$TRACKER" "$@" <<'PY'
import os, socket, sys
tracker, kind, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
if kind == "tcp":
    s.listen(16)
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)    # dup2 onto itself keeps close-on-exec
os.execv(tracker, [tracker, "--listen", "127.0.0.1", "--port", str(port), "--listen-fd", "3"]
         + sys.argv[4:])
PY
}
LPORT=$((20000 + (RANDOM % 30000)))
r=$(lf_run udp "$LPORT" --foreground 2>&1)
check "--listen-fd: a UDP socket refused" "--listen-fd 3: not a listening TCP socket on port $LPORT" "$r"
r=$(lf_run bound "$LPORT" --foreground 2>&1)
check "--listen-fd: a socket that does not listen refused" "not a listening TCP socket" "$r"
r=$(lf_run tcp "$LPORT" --foreground --port $((LPORT + 1)) 2>&1)
check "--listen-fd: a socket on another port than --port refused" "not a listening TCP socket on port $((LPORT + 1))" "$r"
if lf_run tcp "$LPORT" --secret lfd --pid-file "$TRK_TMP/lfd.pid" --log-file "$TRK_TMP/lfd.log" \
	2>"$TRK_TMP/lfd.err"; then
	TRK_PIDS="$TRK_PIDS $(cat "$TRK_TMP/lfd.pid")"
	PORT=$LPORT
	r=$(http "/announce?dsl_secret=lfd&info_hash=$(esc aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa)&port=6881&peer_id=-TE0001-abcdefghijkl&uploaded=0&downloaded=0&left=1")
	check "--listen-fd: HTTP served on the socket given" "8:intervali30e" "$r"
	check "--listen-fd: no UDP of its own" "HTTP, on the socket given" "$(cat "$TRK_TMP/lfd.log")"
else
	bad "--listen-fd: the tracker did not start: $(cat "$TRK_TMP/lfd.err")"
fi
trk_finish
