#!/bin/bash
# Who may read what (tracker/trk_auth.h): /stats only with the secret or a
# MUNGE credential of root / the tracker's user (everything) or of a user
# whose helpers report there (that user's swarms only); a replayed
# credential is refused; no full scrape; /metrics counts only; the secret
# arrives through --secret-fd and is not in the tracker's argv.
. "$(dirname "$0")/trk_common.sh"
trk_munge_start || { echo "SKIP: no munged here"; exit 77; }

H1=1111111111111111111111111111111111111111
H2=2222222222222222222222222222222222222222
S=0123456789abcdef0123456789abcdef
OTHER_USER=nobody
OUID=$(id -u $OTHER_USER)

exec 4< <(printf '%s\n' "$S")
start_tracker auth --munge-socket "$TRK_MUNGE" --secret-fd 4 || { echo "FAIL: tracker did not start"; exit 1; }
exec 4<&-
eval "pid=\$PID_auth"
case "$(tr '\0' ' ' < /proc/$pid/cmdline)" in
*"$S"*) bad "the secret is in the tracker's argv" ;;
*) ok "the secret is not in the tracker's argv (--secret-fd)" ;;
esac
ann() { http "/announce?dsl_secret=$S&info_hash=$(esc "$1")&peer_id=-TE0001-abcdefghijkl&port=$2&uploaded=0&downloaded=0&left=5&compact=1"; }
ann $H1 7001 >/dev/null
ann $H2 7002 >/dev/null
post() {
	curl -s -m 5 -w ' HTTP%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "$3" "http://127.0.0.1:$PORT/report?dsl_secret=$S&info_hash=$(esc "$1")&port=$2&peer_id=-TE0001-abcdefghijkl"
}
r=$(post $H2 7002 '{"set":"b","job":7,"uid":'"$OUID"'}')
check "report with the helper's uid taken" "ok" "$r"

r=$(curl -s -m 5 -w ' HTTP%{http_code}' "http://127.0.0.1:$PORT/stats")
check "/stats without credential: refused" "HTTP403" "$r"
check "  ... saying what is needed" "need the job's key or a MUNGE credential" "$r"
case "$r" in *"$H1"*|*"$H2"*) bad "refusal names a swarm" ;; *) ok "  ... naming no swarm" ;; esac
r=$(curl -s -m 5 "http://127.0.0.1:$PORT/stats?dsl_secret=$S")
check "/stats with the secret: every swarm" "$H1" "$r"
r=$(curl -s -m 5 -w ' HTTP%{http_code}' "http://127.0.0.1:$PORT/stats?dsl_secret=wrong")
check "/stats with a wrong secret: refused" "HTTP403" "$r"
r=$(stats)
check "/stats as root (MUNGE): every swarm" "$H1" "$r"
check "  ... both" "$H2" "$r"
cred=$(runuser -u $OTHER_USER -- munge --socket="$TRK_MUNGE" -n)
r=$(curl -s -m 5 -H "X-Dsl-Munge: $cred" "http://127.0.0.1:$PORT/stats")
check "/stats as another user: that user's swarm" "$H2" "$r"
case "$r" in *"$H1"*) bad "  ... and someone else's: $r" ;; *) ok "  ... and no one else's" ;; esac
r=$(curl -s -m 5 -w ' HTTP%{http_code}' -H "X-Dsl-Munge: $cred" "http://127.0.0.1:$PORT/stats")
check "a replayed credential is refused" "Replayed" "$r"
cred=$(runuser -u daemon -- munge --socket="$TRK_MUNGE" -n)
r=$(curl -s -m 5 -w ' HTTP%{http_code}' -H "X-Dsl-Munge: $cred" "http://127.0.0.1:$PORT/stats")
check "a user without swarms here is refused" "HTTP403" "$r"
check "  ... saying so" "has no swarm on this tracker" "$r"
r=$(curl -s -m 5 -w ' HTTP%{http_code}' -H "X-Dsl-Munge: garbage" "http://127.0.0.1:$PORT/stats")
check "a forged credential is refused" "MUNGE credential refused" "$r"
big=$(head -c 5000 /dev/zero | tr '\0' A)
r=$(curl -s -m 5 -w ' HTTP%{http_code}' -H "X-Dsl-Munge: $big" "http://127.0.0.1:$PORT/stats")
check "an oversized credential is refused" "HTTP4" "$r"
r=$(http "/scrape?dsl_secret=$S")
check "full scrape refused (it would list every info-hash)" "full scrape not served" "$r"
r=$(http "/scrape?dsl_secret=$S&info_hash=$(esc $H1)")
check "scrape of a named swarm" "d5:filesd20:" "$r"
r=$(http "/metrics")
check "/metrics: counts" "dsl_tracker_swarms 2" "$r"
case "$r" in *"$H1"*|*"$H2"*|*127.0.0.1*) bad "/metrics names a swarm or a peer" ;;
*) ok "/metrics names no swarm and no peer" ;; esac
r=$(curl -s -m 5 -w ' HTTP%{http_code}' "http://127.0.0.1:$PORT/announce?info_hash=$(esc $H1)&peer_id=-TE0001-abcdefghijkl&port=9&uploaded=0&downloaded=0&left=5&compact=1")
check "announce without the secret: refused, no peers" "missing dsl_secret" "$r"
stop_tracker auth && ok "clean stop" || bad "did not stop"
trk_finish
