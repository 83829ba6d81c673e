#!/bin/sh
# node-init.sh NODE CONF PRIVATE_DIRS... - turn the current namespaces into a
# compute node, then become its slurmd.
#
# Runs as `ip netns exec NODE unshare --uts --mount --propagation private`, so
# the hostname and every mount below belong to this node alone: a FUSE view
# mounted by the node's prolog is seen by this slurmd, its slurmstepd and its
# tasks only, as on separate machines.
set -eu
node=$1
conf=$2
shift 2

hostname "$node"

# Node-local storage (/run for views and sockets, the data cache).
for d in "$@"; do
	mkdir -p "$d"
	mount -t tmpfs -o mode=0755,size=4g "dsl-$node" "$d"
done

# `ip netns exec` remounted /sys, which dropped the cgroup mounts; slurmd
# 22.05 needs cgroup v1 controllers (cgroup/v2 says "Hybrid mode is not
# supported" here).
mount -t tmpfs -o mode=0755 cgroup /sys/fs/cgroup
for c in cpu cpuacct cpuset memory devices freezer pids; do
	mkdir -p "/sys/fs/cgroup/$c"
	mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c"
done

# cluster-up.sh --root DIR: DIR/usr over /usr, this node only.
if [ -n "${DSL_NODE_ROOT:-}" ]; then
	mount -t overlay -o ro,lowerdir="$DSL_NODE_ROOT/usr:/usr" "dsl-root-$node" /usr
fi

ip link set lo up
exec /usr/sbin/slurmd -D -N "$node" -f "$conf"
