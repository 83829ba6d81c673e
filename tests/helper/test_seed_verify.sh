#!/bin/bash
# The seeder's own view reads the set's source files on shared storage, which
# libtorrent's seed mode never hashes: each piece must pass the torrent's
# SHA-256 v2 check before the view serves it.  Files of every padding case
# (one block, one piece of several blocks, several pieces with a short last
# one) read back right; a byte flipped in a source after publishing gives EIO
# for that piece only, logged with file and piece, never the bytes.
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
exit $DSH_FAILED
