#!/bin/bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for a
# bounded time: FUZZ_SECONDS (default 6) each, under a malloc limit (one
# allocation over FUZZ_MALLOC_MB, default 64, is a failure) and an RSS limit
# (FUZZ_RSS_MB, default 512).  FUZZ_TARGETS picks some (default: all):
#   trk_request  tracker query strings, BEP 15 packets, announce sequences
#   trk_report   the tracker's POST /report body
#   desc         the set description (JSON)
#   config       dsl.conf and plugstack.conf key=value arguments
#   task_env     the task environment file (RUN/JOBID/task.env)
#   pin          DSL_PIN from the job's environment, and dsl_printable()
# Skips (77) when clang or its libFuzzer runtime is not installed.
set -u
srcdir=${srcdir:-$(dirname "$0")}
top=$(cd "$srcdir/../.." && pwd)
secs=${FUZZ_SECONDS:-6}
out=${FUZZ_OUT:-$PWD/fuzz-out}
targets=${FUZZ_TARGETS:-trk_request trk_report desc config task_env pin}
CLANG=${CLANG:-clang}

command -v "$CLANG" >/dev/null || { echo "SKIP: no clang (apt-get install clang)"; exit 77; }
probe=$(mktemp -d /tmp/fuzz-probe.XXXXXX)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n > 99999; }' > "$probe/p.c"
if ! "$CLANG" -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" 2>/dev/null; then
	echo "SKIP: $CLANG has no libFuzzer runtime (-fsanitize=fuzzer)"; exit 77
fi

T=$top/tracker L=$top/lib S=$top/spank
LIBC="$L/dsl_err.c $L/dsl_util.c $L/dsl_desc.c"
JSONC=$(pkg-config --cflags --libs json-c)
H64=$(printf 'ab%.0s' $(seq 32))

sources() {
	case $1 in
	trk_request) echo "$T/trk_request.c $T/trk_store.c $T/trk_addr.c $T/trk_siphash.c $T/trk_udp_proto.c
		$T/trk_udp.c $T/trk_tracker.c $L/dsl_log.c" ;;
	trk_report) echo "$T/trk_report.c $T/trk_request.c" ;;
	desc) echo "$LIBC" ;;
	config) echo "$LIBC $L/dsl_config.c $L/dsl_cidr.c" ;;
	task_env) echo "$LIBC $L/dsl_config.c $L/dsl_cidr.c $L/dsl_registry.c $S/dsl_job.c $S/dsl_setlist.c $S/dsl_task_env.c" ;;
	pin) echo "$LIBC $S/dsl_setlist.c" ;;
	*) return 1 ;;
	esac
}

seeds() {  # TARGET DIR
	local d=$2
	case $1 in
	trk_request)
		printf '\x00info_hash=%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41&port=6881&left=0&event=started&dsl_secret=x' > "$d/seed-query"
		printf '\x01\x00\x00\x04\x17\x27\x10\x19\x80\x00\x00\x00\x00\x00\x00\x00\x07' > "$d/seed-connect"
		{ printf '\x01'; head -c 8 /dev/zero; printf '\x00\x00\x00\x01\x00\x00\x00\x07'; head -c 80 /dev/zero | tr '\0' 'A'; printf '\x00\x00\x00\x00\x02\x0e/announce?dsl_secret=s\x00'; } > "$d/seed-udp"
		printf '\x02\x00\x01\x02\x13\x01\x02\x0a\x21\x00\x03\x60\x05\x02\x01\x00\x81' > "$d/seed-store" ;;
	trk_report)
		printf '{"infohash":"%s","complete":true,"bytes":{"received":10,"sent":5,"from_seeders":7,"from_peers":3},"pieces":{"done":4,"total":4},"version":"0.1"}' "${H64:0:40}" > "$d/seed-report" ;;
	desc)
		printf '{"schema":1,"name":"s","created":1,"infohash":"%s","piece_size":16384,"total_size":3,"file_count":1,"source_root":"/src","torrent":"%s.torrent","env":{"LD_LIBRARY_PATH":["lib"],"PYTHONPATH":[".","lib/py"]},"tree":[{"path":"lib","type":"dir","mode":493},{"path":"lib/a.so","type":"file","mode":420,"size":3,"src":"lib/a.so"},{"path":"lib/b.so","type":"symlink","target":"a.so"},{"path":"lib/py","type":"dir","mode":493}]}' "$H64" "$H64" > "$d/seed-desc" ;;
	config)
		printf '\x01# dsl.conf\nregistry = /etc/dsl/sets\nuser_registry=~/.dsl/sets\nseeders=2\npeer_ports=7000-7999\ntracker=job\nwait=all\ncache_policy=keep\nshares=on\n' > "$d/seed-file"
		printf '\x00registry=/x\0seeders=3\0tracker_ports=6969-6999\0ready_timeout=30\0tracker=udp://h:1/announce' > "$d/seed-args" ;;
	task_env)
		printf 'DSL_SET_ROOT=/run/dsl/view/1/a\nDSL_SET_ROOT_A=/run/dsl/view/1/a\n+LD_LIBRARY_PATH=/run/dsl/view/1/a/lib\n+PYTHONPATH=/run/dsl/view/1/a/py\n' > "$d/seed-env" ;;
	pin)
		printf 'numpy:%s,scipy-1.2:%s' "$H64" "$H64" > "$d/seed-pin" ;;
	esac
}

failed=0
for t in $targets; do
	srcs=$(sources "$t") || { echo "FAIL: unknown fuzz target $t"; failed=1; continue; }
	mkdir -p "$out/corpus-$t"
	seeds "$t" "$out/corpus-$t"
	echo "building fuzz_$t with $CLANG -fsanitize=fuzzer,address,undefined"
	# shellcheck disable=SC2086
	if ! "$CLANG" -g -O1 -D_GNU_SOURCE -DPACKAGE_VERSION='"fuzz"' -I"$T" -I"$L" -I"$S" -Wno-macro-redefined \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o "$out/fuzz_$t" "$srcdir/fuzz_$t.c" $srcs $JSONC; then
		echo "FAIL: cannot build fuzz_$t"; failed=1; continue
	fi
	echo "running fuzz_$t for ${secs}s"
	"$out/fuzz_$t" -max_total_time="$secs" -max_len=${FUZZ_MAX_LEN:-16384} -timeout=5 \
		-rss_limit_mb="${FUZZ_RSS_MB:-512}" -malloc_limit_mb="${FUZZ_MALLOC_MB:-64}" \
		-print_final_stats=1 -artifact_prefix="$out/$t-" "$out/corpus-$t" \
		> "$out/fuzz_$t.log" 2>&1
	rc=$?
	grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE' "$out/fuzz_$t.log" | tail -3
	if [ $rc -ne 0 ]; then
		tail -30 "$out/fuzz_$t.log"
		echo "FAIL: fuzz_$t found a crash, leak or limit breach (exit $rc); reproducer in $out/$t-*"
		failed=1
	else
		echo "PASS: fuzz_$t, no crash in ${secs}s"
	fi
done
exit $failed
