# trk_common.sh - shared by the tracker's shell tests (sourced).
# Needs TRACKER (the dsl-tracker binary) and TRK_UDP_CLIENT in the environment.

: "${TRACKER:?TRACKER not set}"
TRK_FAILS=0
TRK_PIDS=""
TRK_TMP=$(mktemp -d /tmp/trk-test.XXXXXX)

TRK_MUNGE_DIR=""

trk_cleanup() {
	for p in $TRK_PIDS; do kill "$p" 2>/dev/null; done
	if [ -n "$TRK_MUNGE_DIR" ]; then
		[ -f "$TRK_MUNGE_DIR/k/munged.pid" ] && kill "$(cat "$TRK_MUNGE_DIR/k/munged.pid")" 2>/dev/null
		sleep 0.2
		rm -rf "$TRK_MUNGE_DIR"
	fi
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

# A munged of the test's own (key and socket in a fresh directory), for the
# statistics, which only a MUNGE-authenticated root or tracker user (or a
# holder of the secret) may read.  Sets TRK_MUNGE (the socket); returns 1
# when munged cannot run here (no munge user or binary).
trk_munge_start() {
	command -v munged >/dev/null && id munge >/dev/null 2>&1 || return 1
	TRK_MUNGE_DIR=$(mktemp -d /var/tmp/trk-munge.XXXXXX)
	chmod 0755 "$TRK_MUNGE_DIR"
	mkdir "$TRK_MUNGE_DIR/k" "$TRK_MUNGE_DIR/s"
	dd if=/dev/urandom of="$TRK_MUNGE_DIR/k/munge.key" bs=1024 count=1 status=none
	chown -R munge: "$TRK_MUNGE_DIR/k" "$TRK_MUNGE_DIR/s"
	chmod 0700 "$TRK_MUNGE_DIR/k"
	chmod 0400 "$TRK_MUNGE_DIR/k/munge.key"
	chmod 0755 "$TRK_MUNGE_DIR/s"
	TRK_MUNGE=$TRK_MUNGE_DIR/s/munge.socket
	runuser -u munge -- "$(command -v munged)" --socket="$TRK_MUNGE" \
		--key-file="$TRK_MUNGE_DIR/k/munge.key" --pid-file="$TRK_MUNGE_DIR/k/munged.pid" \
		--log-file="$TRK_MUNGE_DIR/k/munged.log" --seed-file="$TRK_MUNGE_DIR/k/munged.seed" \
		--num-threads=2 || return 1
}

# GET /stats with a fresh credential of the caller (root): MUNGE refuses a
# credential it has seen, so every request makes its own.
stats() {
	curl -s -m 5 -H "X-Dsl-Munge: $(munge --socket="$TRK_MUNGE" -n)" \
		"http://127.0.0.1:$PORT/stats${1:+?$1}"
}

trk_finish() {
	if [ "$TRK_FAILS" -ne 0 ]; then
		echo "$TRK_FAILS check(s) failed"
		for f in "$TRK_TMP"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
