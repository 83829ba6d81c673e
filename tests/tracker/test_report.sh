#!/bin/bash
# POST /report: a helper's status document is kept with its peer entry,
# shown in /stats as "report" and summed in /metrics, dropped with the peer;
# every bad report is refused with a message naming the problem, and none
# crashes the tracker.  Allow-list and secret are on.
. "$(dirname "$0")/trk_common.sh"
trk_munge_start || { echo "SKIP: no munged here"; exit 77; }

GOOD=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa   # 64 hex (v2)
G20=${GOOD:0:40}
OTHER=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
S=job42-s3cr3t

start_tracker rep --munge-socket "$TRK_MUNGE" --allow $GOOD --secret $S || { echo "FAIL: tracker did not start"; exit 1; }
echo "tracker on 127.0.0.1:$PORT (allow-list, secret)"
base="peer_id=-TE0001-abcdefghijkl&uploaded=0&downloaded=0&left=10"
PID_ARG="peer_id=-TE0001-abcdefghijkl"
Q="dsl_secret=$S&info_hash=$(esc $G20)&port=6881&$PID_ARG"

# post QUERY BODY -> "CODE BODY"
post() {
	curl -s -m 5 -w ' HTTP%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "$2" "http://127.0.0.1:$PORT/report?$1"
}
REP='{"set":"scipy","infohash":"'$GOOD'","job":42,"node":"n1","role":"downloader",
"complete":false,"pieces":{"done":3,"total":10},"bytes":{"received":3000,"sent":500,
"from_seeders":2000,"from_peers":1000},"rates":{"down":1500}}'

r=$(post "$Q" "$REP")
check "report before any announce refused (unknown peer)" "unknown peer" "$r"
check "  ... with HTTP 404" "HTTP404" "$r"
http "/announce?$Q&$base" >/dev/null
r=$(post "$Q" "$REP")
check "report after the announce accepted" "HTTP200" "$r"
check "  ... answered ok" "ok" "$r"
s=$(stats)
check "/stats shows the report with its peer" '"report":{"set":"scipy"' "$s"
check "/stats keeps the report's numbers" '"from_seeders":2000' "$s"
check "/stats gives the report's age" '"report_age":' "$s"
check "/stats counts reports" '"reports":1' "$s"
m=$(http /metrics)
check "/metrics: reports counted" "dsl_tracker_reports_total 1" "$m"
check "/metrics: reporting peers" "dsl_tracker_reporting_peers 1" "$m"
check "/metrics: received bytes summed" 'dsl_tracker_reported_bytes{kind="received"} 3000' "$m"
check "/metrics: bytes from seeders summed" 'dsl_tracker_reported_bytes{kind="from_seeders"} 2000' "$m"
r=$(post "$Q" "${REP/\"complete\":false/\"complete\":true}")
m=$(http /metrics)
check "a newer report replaces the older one" "dsl_tracker_reported_complete_peers 1" "$m"
check "  ... not added to it" "dsl_tracker_reporting_peers 1" "$m"

# --- bad reports --------------------------------------------------------
r=$(post "info_hash=$(esc $G20)&port=6881" "$REP")
check "missing secret refused" "missing dsl_secret" "$r"
check "  ... with HTTP 403" "HTTP403" "$r"
r=$(post "dsl_secret=nope&info_hash=$(esc $G20)&port=6881" "$REP")
check "wrong secret refused" "wrong dsl_secret" "$r"
r=$(post "dsl_secret=$S&info_hash=$(esc $OTHER)&port=6881" '{"set":"x"}')
check "swarm not on the allow-list refused" "unknown swarm" "$r"
r=$(post "dsl_secret=$S&port=6881" "$REP")
check "missing info_hash refused" "report: missing info_hash" "$r"
r=$(post "dsl_secret=$S&info_hash=$(esc $G20)" "$REP")
check "missing port refused" "report: missing port" "$r"
r=$(post "dsl_secret=$S&info_hash=$(esc ${G20:0:38})&port=6881" "$REP")
check "19-byte info_hash refused" "invalid info_hash" "$r"
r=$(post "$Q&port=6999" "$REP")
check "report for another port of the same address refused" "unknown peer" "$r"
r=$(post "dsl_secret=$S&info_hash=$(esc $G20)&port=6881&peer_id=-XX0001-someoneelse1" "$REP")
check "report with another peer_id for this address and port refused" "held by a peer with another peer_id" "$r"
check "  ... with HTTP 403" "HTTP403" "$r"
r=$(post "dsl_secret=$S&info_hash=$(esc $G20)&port=6881" "$REP")
check "report without the peer_id refused" "held by a peer with another peer_id" "$r"
r=$(post "$Q" "")
check "empty body refused" "report: empty body" "$r"
check "  ... with HTTP 400" "HTTP400" "$r"
r=$(post "$Q" '{"set":"scipy",')
check "truncated JSON refused" "report: not valid JSON" "$r"
r=$(post "$Q" '{"a":1} {"b":2}')
check "trailing data after the object refused" "report: not valid JSON (or trailing data" "$r"
r=$(post "$Q" '[1,2,3]')
check "JSON array refused" "report: not a JSON object" "$r"
r=$(post "$Q" '"text"')
check "JSON string refused" "report: not a JSON object" "$r"
r=$(post "$Q" '{"a":[[[[[[[[[[[[1]]]]]]]]]]]]}')
check "deep nesting refused" "report: JSON nested deeper than 8 levels" "$r"
r=$(post "$Q" '{"infohash":"'$OTHER'"}')
# "infohash" is the set's version; a job's private swarm has its own hash
check "infohash of the set's version taken (private swarms differ)" "ok" "$r"
post "$Q" "${REP/\"complete\":false/\"complete\":true}" >/dev/null   # the good one back
r=$(post "$Q" '{"infohash":"xyz"}')
check "malformed infohash refused" "is not 40 or 64 hex digits" "$r"
r=$(post "$Q" '{"bytes":{"received":-5}}')
check "negative byte counter refused" '"bytes" counters must be integers >= 0' "$r"
r=$(post "$Q" '{"bytes":{"received":"lots"}}')
check "string byte counter refused" '"bytes" counters must be integers >= 0' "$r"
r=$(printf '{"set":"a\0b"}' | curl -s -m 5 -w ' HTTP%{http_code}' --data-binary @- \
	"http://127.0.0.1:$PORT/report?$Q")
check "NUL byte in the body refused" "report: NUL byte" "$r"
big="{\"pad\":\"$(head -c 9000 /dev/zero | tr '\0' x)\"}"
r=$(post "$Q" "$big")
check "9 kB report refused" "report: larger than 8192 bytes" "$r"
check "  ... with HTTP 413" "HTTP413" "$r"
huge=$(head -c 3000000 /dev/zero | tr '\0' x)
r=$(printf %s "$huge" | curl -s -m 10 -w ' HTTP%{http_code}' --data-binary @- \
	"http://127.0.0.1:$PORT/report?$Q")
check "3 MB body refused, not stored" "HTTP413" "$r"
r=$(curl -s -m 5 -w ' HTTP%{http_code}' -X POST --data-binary x "http://127.0.0.1:$PORT/announce")
check "POST elsewhere refused" "only GET (and POST /report)" "$r"
r=$(curl -s -m 5 -w ' HTTP%{http_code}' "http://127.0.0.1:$PORT/report?$Q")
check "GET /report is not a report" "HTTP405" "$r"
s=$(stats)
check "after the bad reports the good one is still there" '"complete":true' "$s"
check "  ... and the tracker still answers" '"reports":4' "$s"

# --- dropped with the peer ----------------------------------------------
http "/announce?$Q&$base&event=stopped" >/dev/null
s=$(stats)
case "$s" in *'"report"'*) bad "report still shown after event=stopped: $s" ;;
	*) ok "the report goes with its peer (event=stopped)" ;; esac
m=$(http /metrics)
check "/metrics: no reporting peer left" "dsl_tracker_reporting_peers 0" "$m"
r=$(post "$Q" "$REP")
check "a report after stopped is refused" "unknown peer" "$r"

# many reports for many peers: bounded, the store stays consistent
for p in $(seq 7000 7049); do http "/announce?dsl_secret=$S&info_hash=$(esc $G20)&port=$p&$base" >/dev/null; done
n=0
for p in $(seq 7000 7049); do
	r=$(post "dsl_secret=$S&info_hash=$(esc $G20)&port=$p&$PID_ARG" "{\"bytes\":{\"received\":$p}}")
	case "$r" in ok*HTTP200) n=$((n + 1)) ;; esac
done
[ $n = 50 ] && ok "50 peers report" || bad "only $n of 50 reports accepted"
m=$(http /metrics)
check "/metrics sums 50 reports" "dsl_tracker_reported_bytes{kind=\"received\"} $(( (7000 + 7049) * 25 ))" "$m"
for p in $(seq 7000 7024); do http "/announce?dsl_secret=$S&info_hash=$(esc $G20)&port=$p&$base&event=stopped" >/dev/null; done
m=$(http /metrics)
check "/metrics after 25 of them stopped" "dsl_tracker_reported_bytes{kind=\"received\"} $(( (7025 + 7049) * 25 / 2 ))" "$m"
check "refusals were logged" "refused 127.0.0.1: report:" "$(cat "$TRK_TMP/rep.log")"
stop_tracker rep && ok "clean SIGTERM with reports stored" || bad "tracker did not stop"
trk_finish
