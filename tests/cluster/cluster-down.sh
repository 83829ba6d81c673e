#!/bin/bash
# cluster-down.sh - tear down the local cluster of cluster-up.sh, whatever
# state it is in (half booted, daemons dead, run twice).
#
# Every node process is found through its network namespace (`ip netns pids`),
# so whatever a job left behind on a node (a helper, a tracker, a task) goes
# with the node; its mounts go with the last process of its mount namespace.
# DSL_CLUSTER_KEEP_LOGS=DIR copies the logs there first.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster-env.sh"
dir=$DSL_CLUSTER_DIR

# kill_wait PID... : TERM, then KILL whatever is still there after ~2 s.
kill_wait() {
	[ $# -gt 0 ] || return 0
	kill -TERM "$@" 2>/dev/null
	for _ in $(seq 1 20); do
		alive=0
		for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && return 0
		sleep 0.1
	done
	kill -KILL "$@" 2>/dev/null
	sleep 0.2
}

if [ -n "${DSL_CLUSTER_KEEP_LOGS:-}" ] && [ -d "$dir/log" ]; then
	mkdir -p "$DSL_CLUSTER_KEEP_LOGS"
	cp -r "$dir/log/." "$DSL_CLUSTER_KEEP_LOGS/" 2>/dev/null
fi

# Nodes: every process in each of this cluster's namespaces.
nss=$(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${DSL_CLUSTER_PREFIX}[0-9][0-9]*\$")
# All nodes at once (slurmd takes a moment to stop); several rounds, as a
# dying slurmstepd may still start an epilog.
for _ in 1 2 3; do
	pids=$(for n in $nss; do ip netns pids "$n" 2>/dev/null; done)
	[ -n "$pids" ] || break
	# shellcheck disable=SC2086
	kill_wait $pids
done

# Controller and munge, by their pid files.
for f in "$dir/ctld/pid" "$dir/ctld/slurmctld.pid" "$dir/munge/munged.pid"; do
	[ -r "$f" ] && kill_wait "$(cat "$f")"
done

for n in $nss; do
	ip netns del "$n" 2>/dev/null
	ip link del "${n}h" 2>/dev/null
done
ip link del "$DSL_CLUSTER_BRIDGE" 2>/dev/null

# /etc/hosts: drop our block, rewrite in place (it may be a bind mount).
if grep -qF "$(dsl_cluster_hosts_begin)" /etc/hosts; then
	filtered=$(awk -v b="$(dsl_cluster_hosts_begin)" -v e="$(dsl_cluster_hosts_end)" \
		'$0 == b {skip = 1; next} $0 == e {skip = 0; next} !skip' /etc/hosts)
	printf '%s\n' "$filtered" > /etc/hosts
fi

# The per-node parents the prolog made in the host's cgroup hierarchies
# (spank/dsl_cgroup.c: dslswarm/NODE/job-ID; the epilogs removed the jobs'):
# empty directories only, deepest first; dslswarm itself once empty.
for root in /sys/fs/cgroup /sys/fs/cgroup/memory /sys/fs/cgroup/pids; do
	[ -d "$root/dslswarm" ] || continue
	find "$root/dslswarm" -mindepth 1 -maxdepth 2 -depth -type d \
		-path "$root/dslswarm/${DSL_CLUSTER_PREFIX}[0-9]*" -exec rmdir {} + 2>/dev/null
	rmdir "$root/dslswarm" 2>/dev/null
done

if [ -e "$dir/created-user" ]; then
	userdel -r "$DSL_CLUSTER_USER" 2>/dev/null
fi
rm -rf "$dir"
echo "cluster-down: cluster $DSL_CLUSTER_ID removed"
exit 0
