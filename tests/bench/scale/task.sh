#!/bin/bash
# task.sh METHOD - one task of a benchmark job (run by srun on every node).
#
# Prints "BENCH HOST HAVE LOADED": the wall-clock times (seconds since the
# epoch; every node shares the machine's clock) when this node had the whole
# set and when this task had loaded all of it (dsl: then the bytes it got
# from the file server's seeder and from other nodes): read every byte of every file
# (as the loader touches every page of what it maps), dlopen a real library
# and import a real package from it.  The file-server node ($BENCH_FS_NODE)
# takes part only as the source and prints nothing.
#   naive  - fetch the set from the file server over HTTP into node-local /run
#   sbcast - unpack the tarball the batch script sbcast to /run/bench
#   dsl    - from the dslswarm view ($DSL_SET_ROOT); HAVE is when the
#            helper had the last piece (status.json: started + complete_seconds)
set -u
now() { date +%s.%N; }
host=$(hostname)
if [ "$host" = "${BENCH_FS_NODE:-}" ]; then
	rm -f "/run/bench/set-${SLURM_JOB_ID:-}.tar"
	exit 0
fi
load() {
	find "$1" -type f -print0 | xargs -0 cat > /dev/null || return 1
	python3 -c '
import ctypes, sys
sys.path.insert(0, sys.argv[1] + "/python")
import benchpkg
assert ctypes.CDLL(sys.argv[1] + "/lib/libbench.so.1").bench_answer() == benchpkg.ANSWER == 42
' "$1"
}
d=/run/bench/$SLURM_JOB_ID
mkdir -p "$d" || { echo "BENCHERR $host mkdir $d"; exit 1; }
trap 'rm -rf "$d"' EXIT
case $1 in
naive)
	# A file, not a pipe into tar, so that curl can retry: 64 clients at
	# once saw 2 connections reset (what NFS would retry by itself).
	timeout 1200 curl -sSf --retry 5 --retry-all-errors --retry-delay 1 \
		-o "$d/set.tar" "http://$BENCH_FS_ADDR:8000/set.tar" &&
		tar -x -C "$d" -f "$d/set.tar" && rm -f "$d/set.tar" ||
		{ echo "BENCHERR $host naive fetch"; exit 1; }
	have=$(now)
	load "$d/set" || { echo "BENCHERR $host load"; exit 1; }
	;;
sbcast)
	tar -x -C "$d" -f "/run/bench/set-$SLURM_JOB_ID.tar" || { echo "BENCHERR $host untar"; exit 1; }
	rm -f "/run/bench/set-$SLURM_JOB_ID.tar"
	have=-
	load "$d/set" || { echo "BENCHERR $host load"; exit 1; }
	;;
dsl)
	st=/run/dsl/job/$SLURM_JOB_ID/bench/status.json
	(
		for _ in $(seq 1 12000); do
			grep -q '"complete":true' "$st" 2>/dev/null && break
			sleep 0.1
		done
		now > "$d/have"
	) &
	poller=$!
	load "$DSL_SET_ROOT" || { echo "BENCHERR $host load"; exit 1; }
	loaded=$(now)
	wait "$poller"
	# HAVE: when the helper itself had the last piece (its start time plus
	# complete_seconds, both its own clock readings), not when this task
	# saw it: with wait=all the task starts only after the prolog returned.
	# Then where this node's bytes came from (the seeder is the file server).
	read -r have from < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
fs = sum(p["received"] for p in s["peers"] if p["addr"] == sys.argv[2])
have = s["started"] + s["complete_seconds"] if s.get("complete_seconds") else float(sys.argv[3])
print("%.3f" % have, fs, sum(p["received"] for p in s["peers"]) - fs)
' "$st" "$BENCH_FS_ADDR" "$(cat "$d/have")" 2>/dev/null) || { have=$(cat "$d/have"); from="- -"; }
	[ -n "$have" ] || { have=$(cat "$d/have"); from="- -"; }
	echo "BENCH $host $have $loaded $from"
	exit 0
	;;
*) echo "BENCHERR $host unknown method $1"; exit 1 ;;
esac
echo "BENCH $host $have $(now)"
