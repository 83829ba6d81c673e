#!/bin/bash
# Prefetch order (--order): a downloader behind a shaped seeder, given an
# order that names 8 pieces scattered over the big file.  Once it
# has about a quarter of the set, reading those 2 MiB must not wait (its first
# pieces were exactly those); the control, the same without an order, waits.  Also: an order of another version is
# logged and ignored; --record-order writes the view's first reads in order.
DSH_TEST=test_order
. "$(dirname "$0")/dsh_common.sh"
dsh_need_root

DSH_TMP=$(mktemp -d /tmp/dsh-order.XXXXXX)
trap dsh_cleanup EXIT
trap 'exit 1' INT TERM
[ -n "${DSH_DEBUG:-}" ] && set -x

DSH_BIG_MB=16
dsh_make_set "$DSH_TMP/src" || { fail "cannot make the test set"; exit 1; }
dsh_publish tset "$DSH_TMP/src" "$DSH_TMP/reg" || { fail "dsl create"; exit 1; }
dsh_net dho 198.18.46 || { fail "cannot create bridge"; exit 1; }
dsh_node s 10 10mbit
dsh_node d1 11
dsh_node d2 12
dsh_node d0 13
IH=$(basename "$DSH_DESC" .json)
# data/big.bin is the first big file (256 KiB pieces); small files may be
# packed before it, so its first piece B is learnt from a helper's record.
COMMON="--port 6881 --read-timeout 30 --peer 198.18.46.10:6881"
dsh_helper s seed --seed --listen 198.18.46.10 --port 6881 || { fail "seeder did not start"; exit 1; }
NP=$(dsh_status seed pieces.total)
# Scattered over the file: libtorrent fetches 4 MiB extents together, so the
# control (no order) rarely holds all of them early.
ORDER="63 52 41 30 19 8 3 47"
dsh_helper d0 d0 --listen 198.18.46.13 --port 6881 --peer 198.18.46.10:6881 \
	--record-order "$DSH_TMP/d0.recorded" || { fail "d0 did not start"; exit 1; }
dd if="$DSH_TMP/d0/view/data/big.bin" of=/dev/null bs=4k count=1 2>/dev/null
"$DSL_HELPER" --ctl "$DSH_TMP/d0/run" stop >/dev/null
for _ in $(seq 1 100); do [ -s "$DSH_TMP/d0.recorded" ] && break; sleep 0.1; done
B=$(sed -n 2p "$DSH_TMP/d0.recorded")
[ -n "$B" ] || { fail "no record of big.bin's first piece"; exit 1; }
{ echo "dsl-order 1 $IH $NP"; for p in $ORDER; do echo $((B + p)); done; } > "$DSH_TMP/good.order"
{ echo "dsl-order 1 $(printf '%064d' 1) $NP"; echo 0; } > "$DSH_TMP/other.order"
# One downloader at a time, each alone with the seeder: the first pieces it
# gets are the ones it asked the seeder for first.
ahead() { # NAME ARGS...: start, wait for NP/4 pieces, read the ordered pieces; AHEAD_WAITS
	local n=$1
	shift
	dsh_helper "$n" "$n" "$@" || { fail "$n did not start"; return 1; }
	for _ in $(seq 1 400); do
		[ "$(dsh_status "$n" pieces.done)" -ge $((NP / 4)) ] && break
		sleep 0.05
	done
	# A piece becomes readable a disk write after libtorrent counts it.
	sleep 0.5
	[ "$(dsh_status "$n" complete)" = True ] && fail "$n completed before the check (link not slow enough)"
	# 4 KiB at the start of each: the kernel's read-ahead stays in the piece.
	for p in $ORDER; do
		dd if="$DSH_TMP/$n/view/data/big.bin" of=/dev/null bs=4k skip=$((p * 64)) count=1 2>/dev/null
	done
	AHEAD_WAITS=$(dsh_status "$n" reads.on_demand_waits)
}
stop_wait() { # NAME: stop the helper and wait (bounded) until it is gone
	local pid
	pid=$(dsh_pid "$1")
	"$DSL_HELPER" --ctl "$DSH_TMP/$1/run" stop >/dev/null
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	fail "$1 did not stop within 10 s"
}
# Not in $(...): dsh_helper records the mounts and pids for the clean-up.
# The control first, while the seeder has not read those pieces yet.
ahead d2 --listen 198.18.46.12 $COMMON
w2=$AHEAD_WAITS
stop_wait d2
ahead d1 --listen 198.18.46.11 $COMMON --order "$DSH_TMP/other.order" \
	--order "$DSH_TMP/good.order" --record-order "$DSH_TMP/d1.recorded"
w1=$AHEAD_WAITS
stop_wait d1
if [ "$w1" = 0 ] && [ "${w2:-0}" -gt 0 ]; then
	pass "ordered pieces first: reading them waited 0 times with --order, $w2 times without"
else
	fail "on-demand waits: $w1 with --order (want 0), $w2 without (want > 0)"
fi
grep -q "prefetch order not used: $DSH_TMP/other.order:1: the order of another version" \
	"$DSH_TMP/d1/run/helper.log" && grep -q "prefetch order: 8 of $NP pieces first, from $DSH_TMP/good.order" \
	"$DSH_TMP/d1/run/helper.log" && pass "an order of another version is skipped with the reason" ||
	fail "helper log: $(grep 'prefetch order' "$DSH_TMP/d1/run/helper.log")"

# --record-order: the reads above (the ordered pieces, in that order), written
# when the helper stopped.
for _ in $(seq 1 100); do [ -s "$DSH_TMP/d1.recorded" ] && break; sleep 0.1; done
rec=$(tail -n +2 "$DSH_TMP/d1.recorded" 2>/dev/null | paste -sd,)
want=$(for p in $ORDER; do echo $((B + p)); done | paste -sd,)
case $rec in
"$want") pass "recorded first reads in order: $rec" ;;
*) fail "recorded order: '$rec' ($(head -1 "$DSH_TMP/d1.recorded" 2>&1))" ;;
esac
exit $DSH_FAILED
