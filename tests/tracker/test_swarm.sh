#!/bin/bash
# One libtorrent seeder and three downloaders (127.0.0.2-5) complete a real
# set through dsl-tracker alone: once over HTTP, once over UDP.
. "$(dirname "$0")/trk_common.sh"
: "${TEST_SWARM:?TEST_SWARM not set}"
for mode in http udp; do
	dir="$TRK_TMP/$mode"; mkdir -p "$dir"
	echo "== $mode"
	if timeout 150 "$TEST_SWARM" "$TRACKER" "$mode" "$dir"; then
		ok "$mode: set complete on every downloader"
		log="$dir/tracker.log"
		n=$(grep -c "announce.* from 127.0.0.[2-5] " "$log")
		[ "$n" -ge 4 ] && ok "$mode: tracker served $n announces from the peers" \
			|| bad "$mode: only $n announces in the tracker log"
		grep -q "announce started from 127.0.0.2 " "$log" && ok "$mode: seeder announced from its own address" \
			|| bad "$mode: no announce from 127.0.0.2"
		grep -qE "announce.* from 127\.0\.0\.[3-5] .*: [2-9]\+0 peers" "$log" \
			&& ok "$mode: downloaders were given each other, not only the seeder" \
			|| bad "$mode: no downloader got more than the seeder"
		grep -q refused "$log" && bad "$mode: tracker refused a client: $(grep refused "$log" | head -2)" \
			|| ok "$mode: no refusals"
	else
		bad "$mode: swarm did not complete"
		tail -20 "$dir/tracker.log"
	fi
	pidf="$dir/tracker.pid"; [ -f "$pidf" ] && kill "$(cat "$pidf")" 2>/dev/null
done
trk_finish
