#!/bin/bash
# sbcast-job.sh TAR TASK - the batch script of the sbcast method: Slurm's own
# broadcast of the set's tarball (from the file-server node, where the batch
# script runs) to every node's /run/bench, then one task per node.
set -u
# Blocks of 256 KiB: sbcast sends each block to all nodes (a forwarding tree
# of width TreeWidth=50) and waits for every ack within MessageTimeout (20 s
# here); with the default 8 MiB blocks one block to 9 nodes at 20 Mbit/s
# already takes 30 s and sbcast fails with "Socket timed out".
sbcast -f -s "${BENCH_SBCAST_BLOCK:-256k}" "$1" "/run/bench/set-$SLURM_JOB_ID.tar" || { echo "BENCHERR sbcast failed"; exit 1; }
echo "SBCAST $(date +%s.%N)"
# (Slurm runs a copy of this script from its spool: TASK by absolute path.)
srun "$2" sbcast
