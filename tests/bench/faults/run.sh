#!/bin/bash
# run.sh - the fault campaign: jobs one after another on a real local Slurm
# cluster, each with one random fault at a random moment of its distribution;
# per fault kind: finished correct, failed with a message naming the cause,
# hung, drained, corrupt bytes read, leftovers, slowdown against the same
# job without the fault.
#
#   sudo tests/bench/faults/run.sh [--jobs 100] [--seed S] [-n 16] [--rate 20mbit]
#        [--set-mib 4] [--sizes 4,8,16] [--modes lazy,all] [--baselines 3]
#        [--kinds K,...] [--slack S] [--out DIR] [--build DIR] [--short]
#
# One command on a fresh machine: installs what is missing
# (scripts/install-deps.sh), builds (scripts/build.sh), boots N nodes with
# every link shaped to RATE (tests/cluster/, --shape), publishes a generated
# set of realistic sizes (tests/bench/scale/mkset.py), runs the baselines and
# the jobs (campaign.py), writes DIR/jobs.csv, DIR/faults.csv, DIR/faults.md
# and tears everything down (also on failure or ^C).  The seed is printed;
# --seed S replays the campaign.  --short: 10 jobs, 6 nodes, 2 MiB, job sizes
# 3 and 6 (make check: tests/integration/fault-campaign.test).  --slack S:
# seconds beyond the configured time-outs before a job counts as hung (30).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)
jobs=100
seed=
nodes=16
rate=20mbit
set_mib=4
sizes=4,8,16
modes=lazy,all
baselines=3
kinds=
slack=30
out=$here/results
build=${DSL_BUILD_DIR:-}
read_timeout=15
wait_timeout=45
ready_timeout=30
while [ $# -gt 0 ]; do
	case $1 in
	--jobs) jobs=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	-n) nodes=$2; shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	--set-mib) set_mib=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--modes) modes=$2; shift 2 ;;
	--baselines) baselines=$2; shift 2 ;;
	--kinds) kinds=$2; shift 2 ;;
	--slack) slack=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--short) jobs=10; nodes=6; set_mib=2; sizes=3,6; baselines=2
		read_timeout=10; wait_timeout=30; out=/var/tmp/dsl-faults-short; shift ;;
	-h|--help) sed -n '2,22p' "$0"; exit 0 ;;
	*) echo "bench-faults: unknown argument: $1 (try --help)" >&2; exit 2 ;;
	esac
done
# The system's tools first: a python3 shim of a per-user Python manager
# costs a shell and a look-up per call (seconds each on a loaded machine,
# and the harness calls python3 per node).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
[ "$(id -u)" = 0 ] || { echo "bench-faults: run as root (it boots a cluster in namespaces)" >&2; exit 2; }
for v in "jobs=$jobs" "nodes=$nodes" "baselines=$baselines" ${seed:+"seed=$seed"}; do
	case ${v#*=} in ''|*[!0-9]*) echo "bench-faults: ${v%%=*} ${v#*=}: not a number" >&2; exit 2 ;; esac
done
[ "$nodes" -ge 2 ] && [ "$nodes" -le 64 ] || { echo "bench-faults: -n $nodes: must be 2-64" >&2; exit 2; }
for s in ${sizes//,/ }; do
	case $s in ''|*[!0-9]*) echo "bench-faults: --sizes: '$s' is not a number" >&2; exit 2 ;; esac
	[ "$s" -ge 2 ] && [ "$s" -le "$nodes" ] || { echo "bench-faults: --sizes: $s: must be 2-$nodes" >&2; exit 2; }
done
for m in ${modes//,/ }; do
	case $m in lazy|all) ;; *) echo "bench-faults: --modes: '$m': expected lazy or all" >&2; exit 2 ;; esac
done
case $set_mib in ''|*[!0-9.]*) echo "bench-faults: --set-mib $set_mib: not a number" >&2; exit 2 ;; esac

"$src/scripts/install-deps.sh" >/dev/null || { echo "bench-faults: scripts/install-deps.sh failed" >&2; exit 2; }

unset DSL_CLUSTER_DIR DSL_CLUSTER_USER DSL_CLUSTER_NODES DSL_CLUSTER_NNODES SLURM_CONF
export DSL_CLUSTER_ID=${DSL_BENCH_CLUSTER_ID:-7}
export DSL_CLUSTER_BOOT_TIMEOUT=${DSL_CLUSTER_BOOT_TIMEOUT:-300}
. "$src/tests/cluster/cluster-env.sh"
W=/var/tmp/dsl-faults-$DSL_CLUSTER_ID
CLUSTER=$src/tests/cluster
say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }
cleanup() {
	# A cluster booted again under the same id by something else (its token
	# is not ours) is not ours to tear down.
	if [ -n "${FAULT_TOKEN:-}" ] && [ -e "$DSL_CLUSTER_DIR/up" ] &&
	   [ "$(cat "$DSL_CLUSTER_DIR/faults-token" 2>/dev/null)" != "$FAULT_TOKEN" ]; then
		echo "bench-faults: cluster $DSL_CLUSTER_ID is not this campaign's any more: left alone" >&2
	else
		# The cluster's logs (slurmctld, every slurmd, the nodes' output)
		# go with the results: a drain's or a failure's story is in them.
		rm -rf "$out/cluster-logs"
		DSL_CLUSTER_KEEP_LOGS=$out/cluster-logs "$CLUSTER/cluster-down.sh" >/dev/null 2>&1 || true
	fi
	# Every task's own report (FTASK/FERR lines) and every job's output.
	[ -d "$W/res" ] && { rm -rf "$out/tasks"; cp -r "$W/res" "$out/tasks"; }
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
"$CLUSTER/cluster-down.sh" >/dev/null 2>&1 || true

# --- the set: published, a pristine copy, the manifest tasks check -----------
rm -rf "$W"
mkdir -p "$W/reg" "$W/res" "$out"
. "$src/tests/bench/bench-lib.sh"
bench_install bench-faults "$build" "/var/tmp/dsl-faults-build-$DSL_CLUSTER_ID" "$W"
install -m 0755 "$here/task.py" "$W/bin/"
: > "$W/dsl.conf"
python3 "$src/tests/bench/scale/mkset.py" "$W/set" "$set_mib"
cp -a "$W/set" "$W/pristine"
(cd "$W/set" && find . -type f -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum) > "$W/manifest.sha256"
"$W/bin/dsl" create fset "$W/set" --registry "$W/reg" \
	--env LD_LIBRARY_PATH=lib --env PYTHONPATH=python >/dev/null
# The manifest is the description's: the source still has the bytes the
# torrent was made of.
"$W/bin/dsl" --registry "$W/reg" verify fset >/dev/null ||
	{ echo "bench-faults: dsl verify: the source changed while publishing" >&2; exit 2; }
chmod -R a+rX "$W"
set_bytes=$(du -sb --apparent-size "$W/set" | cut -f1)
say "set: $(wc -l < "$W/manifest.sha256") files, $set_bytes bytes; links $rate"

# --- the cluster ---------------------------------------------------------------
say "booting $nodes nodes; load: $(uptime)"
"$CLUSTER/cluster-up.sh" -n "$nodes" --shape "$rate" --plugin "$W/dsl.so" --plugin-args \
	"registry=$W/reg user_registry= libexec=$W/libexec conf=$W/dsl.conf seeders=2 peer_ports=7168-8191 ready_timeout=$ready_timeout read_timeout=$read_timeout wait_timeout=$wait_timeout wait=lazy" >/dev/null
. "$DSL_CLUSTER_DIR/env.sh"
chown "$DSL_CLUSTER_USER" "$W/res"
# Whose cluster it is: the campaign stops if the cluster is torn down or
# booted again by anything else while it runs (rows would blame the product).
FAULT_TOKEN=$$-$(date +%s%N)
echo "$FAULT_TOKEN" > "$DSL_CLUSTER_DIR/faults-token"
export FAULT_TOKEN
# A node's cache file system as small as a real node's share of a disk
# would be in proportion (the harness gives 4 GiB of tmpfs): filling it
# (cache-fill) then takes 256 MiB of memory, not 4 GiB.
for i in $(seq 1 "$nodes"); do
	"$CLUSTER/cluster-exec.sh" "$(dsl_cluster_node_name "$i")" mount -o remount,size=256m /var/cache/dsl
done

say "campaign: $jobs jobs"
FAULT_CLUSTER=$CLUSTER python3 "$here/campaign.py" --work "$W" --out "$out" --jobs "$jobs" \
	${seed:+--seed "$seed"} --sizes "$sizes" --modes "$modes" --baselines "$baselines" \
	${kinds:+--kinds "$kinds"} --read-timeout "$read_timeout" --wait-timeout "$wait_timeout" \
	--ready-timeout "$ready_timeout" --slack "$slack" 2>&1 | tee "$out/campaign.log"
[ "${PIPESTATUS[0]}" = 0 ] || { echo "bench-faults: campaign.py failed" >&2; exit 1; }
load=$(uptime)
say "load: $load"
python3 "$here/report.py" "$out" "$nodes" "$rate" "$set_bytes" "$load"
cat "$out/faults.md"
