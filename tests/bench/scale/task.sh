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
# The line goes to stdout and to the file $BENCH_RESULTS/HOST (on the
# machine's file system, which every node shares): at 64 nodes srun once lost
# task exits and output (MESSAGE_TASK_EXIT timed out at load 43), so the
# harness takes the figures from the files.
report() {
	echo "$1"
	[ -n "${BENCH_RESULTS:-}" ] || return 0
	echo "$1" > "$BENCH_RESULTS/.$host" && mv "$BENCH_RESULTS/.$host" "$BENCH_RESULTS/$host"
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
	load "$DSL_SET_ROOT" || { echo "BENCHERR $host load"; exit 1; }
	loaded=$(now)
	# HAVE: when the helper itself had the last piece (its start time plus
	# complete_seconds, both its own clock readings), not when this task
	# saw it: with wait=all the task starts only after the prolog returned.
	# Then where this node's bytes came from (the seeder is the file server).
	# One process polls (a grep and a sleep forked 10 times a second by each
	# of 64 tasks was a core of this 2-core machine).
	read -r have from < <(python3 -c '
import json, sys, time
s = {}
for _ in range(12000):  # 0.1 s each: 20 min at most
    try:
        with open(sys.argv[1]) as f:
            s = json.load(f)
    except (OSError, ValueError):
        s = {}
    if s.get("complete") and s.get("complete_seconds") is not None:
        break
    time.sleep(0.1)
else:
    print("- - -")
    sys.exit(0)
fs = sum(p["received"] for p in s["peers"] if p["addr"] == sys.argv[2])
print("%.3f" % (s["started"] + s["complete_seconds"]), fs, sum(p["received"] for p in s["peers"]) - fs)
' "/run/dsl/job/$SLURM_JOB_ID/bench/status.json" "$BENCH_FS_ADDR" 2>/dev/null)
	[ -n "${have:-}" ] || { have=-; from="- -"; }
	report "BENCH $host $have $loaded $from"
	exit 0
	;;
*) echo "BENCHERR $host unknown method $1"; exit 1 ;;
esac
report "BENCH $host $have $(now)"
