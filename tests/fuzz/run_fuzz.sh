#!/bin/bash
# Builds the tracker's fuzz target with clang's libFuzzer (ASan+UBSan) and
# runs it for a bounded time (FUZZ_SECONDS, default 20).  Skips (77) when
# clang or its libFuzzer runtime is not installed.
set -u
srcdir=${srcdir:-$(dirname "$0")}
top=$(cd "$srcdir/../.." && pwd)
secs=${FUZZ_SECONDS:-20}
out=${FUZZ_OUT:-$PWD/fuzz-out}
CLANG=${CLANG:-clang}

command -v "$CLANG" >/dev/null || { echo "SKIP: no clang (apt-get install clang)"; exit 77; }
probe=$(mktemp -d /tmp/fuzz-probe.XXXXXX)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n > 99999; }' > "$probe/p.c"
if ! "$CLANG" -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" 2>/dev/null; then
	echo "SKIP: $CLANG has no libFuzzer runtime (-fsanitize=fuzzer)"; exit 77
fi

mkdir -p "$out/corpus"
T=$top/tracker
srcs="$srcdir/fuzz_trk_request.c $T/trk_request.c $T/trk_store.c $T/trk_siphash.c $T/trk_udp_proto.c
      $T/trk_udp.c $T/trk_tracker.c $top/lib/dsl_log.c"
echo "building fuzz_trk_request with $CLANG -fsanitize=fuzzer,address,undefined"
"$CLANG" -g -O1 -D_GNU_SOURCE -DPACKAGE_VERSION='"fuzz"' -I"$T" -I"$top/lib" \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-o "$out/fuzz_trk_request" $srcs || { echo "FAIL: cannot build the fuzz target"; exit 1; }

# seeds: an announce query, a UDP connect, a UDP announce, a store sequence
printf '\x00info_hash=%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41%%41&port=6881&left=0&event=started&dsl_secret=x' > "$out/corpus/seed-query"
printf '\x01\x00\x00\x04\x17\x27\x10\x19\x80\x00\x00\x00\x00\x00\x00\x00\x07' > "$out/corpus/seed-connect"
{ printf '\x01'; head -c 8 /dev/zero; printf '\x00\x00\x00\x01\x00\x00\x00\x07'; head -c 80 /dev/zero | tr '\0' 'A'; printf '\x00\x00\x00\x00\x02\x0e/announce?dsl_secret=s\x00'; } > "$out/corpus/seed-udp"
printf '\x02\x00\x01\x02\x13\x01\x02\x0a\x21\x00\x03\x60\x05\x02\x01\x00\x81' > "$out/corpus/seed-store"

echo "running for ${secs}s"
"$out/fuzz_trk_request" -max_total_time="$secs" -max_len=2048 -timeout=5 -rss_limit_mb=1024 \
	-print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" > "$out/fuzz.log" 2>&1
rc=$?
tail -15 "$out/fuzz.log"
if [ $rc -ne 0 ]; then
	echo "FAIL: the fuzzer found a crash (exit $rc); reproducer in $out/"
	exit 1
fi
echo "PASS: no crash in ${secs}s"
exit 0
