# trk_common.sh - shared by the tracker's shell tests (sourced).
# Needs TRACKER (the dsl-tracker binary) and TRK_UDP_CLIENT in the environment.

: "${TRACKER:?TRACKER not set}"
TRK_FAILS=0
TRK_PIDS=""
TRK_TMP=$(mktemp -d /tmp/trk-test.XXXXXX)

trk_cleanup() {
	for p in $TRK_PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in $TRK_PIDS; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$TRK_TMP"
}
trap trk_cleanup EXIT INT TERM

ok()   { echo "ok:   $*"; }
bad()  { echo "FAIL: $*"; TRK_FAILS=$((TRK_FAILS + 1)); }

# check "what" "needle" "haystack"
check() {
	case "$3" in
	*"$2"*) ok "$1" ;;
	*) bad "$1: expected '$2' in: $(printf %s "$3" | head -c 300 | tr -c '[:print:]\n' '.')" ;;
	esac
}

# hex (40 digits) -> %XX%XX...
esc() { printf %s "$1" | sed 's/../%&/g'; }

# start_tracker NAME ARGS... : daemon mode on a free port; sets PORT, PIDFILE_<NAME>
start_tracker() {
	name=$1; shift
	for try in 1 2 3 4 5 6 7 8; do
		PORT=$((20000 + (RANDOM % 30000)))
		pidf="$TRK_TMP/$name.pid"
		if "$TRACKER" --listen 127.0.0.1 --port "$PORT" --pid-file "$pidf" \
			--log-file "$TRK_TMP/$name.log" "$@" 2>"$TRK_TMP/$name.err"; then
			pid=$(cat "$pidf")
			TRK_PIDS="$TRK_PIDS $pid"
			eval "PID_$name=$pid"
			return 0
		fi
		grep -q "in use" "$TRK_TMP/$name.err" || { cat "$TRK_TMP/$name.err"; return 1; }
	done
	return 1
}

stop_tracker() {
	eval "pid=\$PID_$1"
	kill "$pid" 2>/dev/null
	for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}

http() { curl -s -m 5 "http://127.0.0.1:$PORT$1"; }

trk_finish() {
	if [ "$TRK_FAILS" -ne 0 ]; then
		echo "$TRK_FAILS check(s) failed"
		for f in "$TRK_TMP"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
