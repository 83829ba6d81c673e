#!/bin/bash
# The seeder's own view reads the set's source files on shared storage, which
# libtorrent's seed mode never hashes: each piece must pass the torrent's
# SHA-256 v2 check before the view serves it.  Files of every padding case
# (one block, one piece of several blocks, several pieces with a short last
# one) read back right; a byte flipped in a source after publishing gives EIO
# for that piece only, logged with file and piece, never the bytes; and a
# byte changed in a source after its piece was checked and served is never
# served (the next read that reaches the source gets EIO, logged with the
# block).
DSH_TEST=test_seed_verify
. "$(dirname "$0")/dsh_common.sh"
dsh_need_root

DSH_TMP=$(mktemp -d /tmp/dsh-sverify.XXXXXX)
trap dsh_cleanup EXIT
trap 'exit 1' INT TERM
[ -n "${DSH_DEBUG:-}" ] && set -x
dsh_in() { shift; "$@"; }   # loopback, no namespace
PS=262144

S=$DSH_TMP/src
mkdir -p "$S/d"
head -c 2000000 /dev/urandom > "$S/d/multi.bin"   # 8 pieces, the last short
head -c $((2 * PS)) /dev/urandom > "$S/d/exact.bin"  # 2 full pieces
head -c 100000 /dev/urandom > "$S/d/one.bin"      # 1 piece, 7 blocks
head -c 1000 /dev/urandom > "$S/d/tiny.bin"       # 1 block
head -c 300000 /dev/urandom > "$S/d/two.bin"      # 2 pieces
head -c 300000 /dev/urandom > "$S/d/onebad.bin"   # corrupted below
head -c $((24 * PS)) /dev/urandom > "$S/d/late.bin"  # changed after its first check
dsh_publish vset "$S" "$DSH_TMP/reg" || { fail "dsl create"; exit 1; }
cp -a "$S" "$DSH_TMP/orig"

flip() {  # FILE OFFSET: one byte inverted in place
	python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xff]))' "$1" "$2"
}
flip "$S/d/multi.bin" $((4 * PS + 1000))
flip "$S/d/onebad.bin" $((PS + 5))

P=$((20000 + RANDOM % 20000))
dsh_helper - seed --seed --listen 127.0.0.1 --port $P || { fail "seeder did not start"; exit 1; }
V=$DSH_TMP/seed/view
LOG=$DSH_TMP/seed/run/helper.log

for f in exact one tiny two; do
	if cmp -s "$V/d/$f.bin" "$DSH_TMP/orig/d/$f.bin"; then
		pass "seeder view: $f.bin verified and matches"
	else
		fail "seeder view: $f.bin differs or unreadable"
	fi
done

# multi.bin: pieces 0-3 and 5-7 right, piece 4 EIO.
ok=1
for p in 0 1 2 3 5 6 7; do
	dd if="$V/d/multi.bin" bs=$PS skip=$p count=1 status=none > "$DSH_TMP/got" 2>/dev/null &&
		cmp -s "$DSH_TMP/got" <(dd if="$DSH_TMP/orig/d/multi.bin" bs=$PS skip=$p count=1 status=none) ||
		{ fail "multi.bin piece $p through the seeder's view"; ok=0; }
done
[ $ok = 1 ] && pass "multi.bin: the intact pieces read right around the corrupted one"
check_eio() {  # FILE PIECE-IN-FILE
	if dd if="$V/d/$1" of="$DSH_TMP/bad.out" bs=$PS skip="$2" count=1 status=none 2>"$DSH_TMP/dd.err"; then
		fail "$1 piece $2: corrupted source served"
	elif grep -q "Input/output error" "$DSH_TMP/dd.err" &&
	     grep -q "d/$1 (source .*): piece [0-9]*: SHA-256 check failed" "$LOG" &&
	     grep -q "d/$1: read of .* piece [0-9]* failed its SHA-256 check" "$LOG"; then
		pass "$1 piece $2: EIO, logged: $(grep -m1 -o "d/$1 (source .*): piece [0-9]*: SHA-256 check failed" "$LOG" | sed "s/(source [^)]*)//")"
	else
		fail "$1 piece $2: $(cat "$DSH_TMP/dd.err"); log: $(tail -n3 "$LOG")"
	fi
}
check_eio multi.bin 4
check_eio onebad.bin 1
# A second read of the bad piece stays refused (verified pieces only are kept).
dd if="$V/d/multi.bin" bs=$PS skip=4 count=1 status=none >/dev/null 2>&1 &&
	fail "multi.bin piece 4 served on a second read"

# late.bin: read whole (every piece checked once), then a byte of piece 2 is
# changed in the source.  With the kernel's cached pages dropped, the next
# read of piece 2 goes back to the source, where its block no longer matches
# the hash its piece's check proved: EIO, never the new byte.
cmp -s "$V/d/late.bin" "$DSH_TMP/orig/d/late.bin" && pass "late.bin read whole through the view" ||
	fail "late.bin first read"
flip "$S/d/late.bin" $((2 * PS + 77))
drop_view_cache() {
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' "$1"
}
drop_view_cache "$V/d/late.bin"
dd if="$V/d/late.bin" of=/dev/null bs=$PS skip=4 count=20 status=none 2>/dev/null ||
	fail "late.bin: unchanged pieces 4-23 unreadable"
drop_view_cache "$V/d/late.bin"
if dd if="$V/d/late.bin" of="$DSH_TMP/late.out" bs=$PS skip=2 count=1 status=none 2>"$DSH_TMP/dd.err"; then
	if cmp -s "$DSH_TMP/late.out" <(dd if="$DSH_TMP/orig/d/late.bin" bs=$PS skip=2 count=1 status=none); then
		fail "late.bin piece 2: served from a cache older than the change (test did not reach the source)"
	else
		fail "late.bin piece 2: the changed byte was served"
	fi
elif grep -q "Input/output error" "$DSH_TMP/dd.err" &&
     grep -q "d/late.bin (source .*): piece [0-9]*: block [0-9]*: SHA-256 check failed (source changed since its piece was checked)" "$LOG" &&
     grep -q "d/late.bin: read of .* failed its SHA-256 check at the source" "$LOG"; then
	pass "late.bin: a byte changed after the first check gives EIO, logged: $(grep -m1 -o "d/late.bin: read of .* failed its SHA-256 check at the source" "$LOG")"
else
	fail "late.bin piece 2: $(cat "$DSH_TMP/dd.err"); log: $(tail -n3 "$LOG")"
fi
# pieces around it still read right, and the status counts the checks
dd if="$V/d/late.bin" bs=$PS skip=3 count=1 status=none 2>/dev/null |
	cmp -s - <(dd if="$DSH_TMP/orig/d/late.bin" bs=$PS skip=3 count=1 status=none) &&
	pass "late.bin piece 3 still reads right" || fail "late.bin piece 3"
st=$(cat "$DSH_TMP/seed/run/status.json" 2>/dev/null)
case "$st" in *'"source_checks":'*) pass "status.json counts the seeder's source checks" ;;
	*) fail "status.json without source_checks: $(printf %s "$st" | head -c 300)" ;; esac
exit $DSH_FAILED
