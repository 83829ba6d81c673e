#!/bin/bash
# sbcast-job.sh TAR TASK - the batch script of the sbcast method: Slurm's own
# broadcast of the set's tarball (from the file-server node, where the batch
# script runs) to every node's /run/bench, then one task per node.
set -u
sbcast -f "$1" "/run/bench/set-$SLURM_JOB_ID.tar" || { echo "BENCHERR sbcast failed"; exit 1; }
echo "SBCAST $(date +%s.%N)"
# (Slurm runs a copy of this script from its spool: TASK by absolute path.)
srun "$2" sbcast
