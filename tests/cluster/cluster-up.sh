#!/bin/bash
# cluster-up.sh - boot a real Slurm 22.05 cluster on this one machine.
#
#   cluster-up.sh [-n NODES] [--shape RATE] [--bulk-ports LO-HI] [--plugin DSL.SO]
#                 [--plugin-args "k=v ..."] [--root DIR]
#
# munged and slurmctld run on the host (on a bridge address); every node is a
# network namespace (own address, veth on the bridge), a UTS namespace (own
# hostname) and a mount namespace (own /run and cache tmpfs) running its own
# slurmd.  Node names go into /etc/hosts, as DNS would provide them on a real
# cluster.  A non-root user ($DSL_CLUSTER_USER) is created for jobs.
# --root DIR: every node sees DIR/usr over its /usr (a read-only overlay in
# the node's mount namespace): an unpacked package runs from its installed
# paths on the nodes without being installed on this machine (--plugin is
# then a path inside DIR).
# Prints the file to source for SLURM_CONF and friends (DIR/env.sh).
# On any failure it tears down what it built (cluster-down.sh).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster-env.sh"

nodes=4
shape=
bulk_ports=7168-8191
plugin=
plugin_args=
root=
while [ $# -gt 0 ]; do
	case $1 in
	-n) nodes=$2; shift 2 ;;
	--shape) shape=$2; shift 2 ;;
	--bulk-ports) bulk_ports=$2; shift 2 ;;
	--plugin) plugin=$2; shift 2 ;;
	--plugin-args) plugin_args=$2; shift 2 ;;
	--root) root=$(cd "$2" && pwd) || exit 2; shift 2 ;;
	-h|--help) sed -n '2,19p' "$0"; exit 0 ;;
	*) echo "cluster-up: unknown argument: $1" >&2; exit 2 ;;
	esac
done
case $nodes in
''|*[!0-9]*) echo "cluster-up: -n $nodes: not a number" >&2; exit 2 ;;
esac
if [ "$nodes" -lt 1 ] || [ "$nodes" -gt "$DSL_CLUSTER_WIDE_MAX" ]; then
	echo "cluster-up: -n $nodes: must be 1-$DSL_CLUSTER_WIDE_MAX" >&2; exit 2
fi
# More nodes than a /24 holds: the cluster's wide range (cluster-env.sh).
DSL_CLUSTER_WIDE=0
[ "$nodes" -gt "$DSL_CLUSTER_SMALL_MAX" ] && DSL_CLUSTER_WIDE=1
dsl_cluster_net_setup
# The bulk class matches ports with one u32 value/mask: an aligned block.
bulk_match=$(python3 -c '
import sys
lo, _, hi = sys.argv[1].partition("-")
lo, hi = int(lo), int(hi)
size = hi - lo + 1
assert 0 < lo <= hi < 65536 and size & (size - 1) == 0 and lo % size == 0
print("0x%04x 0x%04x" % (lo, 0xffff & ~(size - 1)))' "$bulk_ports" 2>/dev/null) || {
	echo "cluster-up: --bulk-ports $bulk_ports: expected an aligned power-of-two block LO-HI, e.g. 7168-8191" >&2
	exit 2; }
if [ -n "$root" ] && [ ! -d "$root/usr" ]; then
	echo "cluster-up: --root $root: no usr/ in it" >&2; exit 2
fi
if [ -n "$plugin" ] && [ ! -r "$root$plugin" ]; then
	echo "cluster-up: --plugin $plugin: no such file" >&2; exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "cluster-up: must run as root (namespaces, mounts, /etc/hosts)" >&2; exit 2
fi
for b in munged slurmctld slurmd ip unshare runuser; do
	command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || {
		echo "cluster-up: $b not found (apt-get install slurmctld slurmd slurm-client munge iproute2)" >&2
		exit 2; }
done
if [ -e "$DSL_CLUSTER_DIR/up" ]; then
	echo "cluster-up: cluster $DSL_CLUSTER_ID already up ($DSL_CLUSTER_DIR); run cluster-down.sh first" >&2
	exit 1
fi

fail() {
	echo "cluster-up: $*" >&2
	exit 1
}
on_exit() {
	rc=$?
	if [ $rc != 0 ]; then
		echo "cluster-up: failed; logs:" >&2
		tail -n 20 "$DSL_CLUSTER_DIR"/log/*.log >&2 2>/dev/null || true
		"$here/cluster-down.sh" >&2 || true
	fi
}
trap on_exit EXIT

dir=$DSL_CLUSTER_DIR
rm -rf "$dir"
mkdir -p "$dir/log" "$dir/spool" "$dir/ctld" "$dir/munge"
chmod 0755 "$dir"
echo "$nodes" > "$dir/nodes"
# For cluster-fault.sh (a link slowed or cut and put back).
echo "$shape" > "$dir/shape"
echo "$bulk_match" > "$dir/bulk-match"

# --- the test user ---------------------------------------------------------
if ! id -u "$DSL_CLUSTER_USER" >/dev/null 2>&1; then
	useradd -m -s /bin/bash "$DSL_CLUSTER_USER"
	touch "$dir/created-user"
fi

# --- munge: a key and a socket of this cluster's own (munge-up.sh) ----------
"$here/munge-up.sh" "$dir" || fail "munged did not start"
sock=$dir/munge-sock/munge.socket

# --- network: a bridge, one namespace + veth per node ------------------------
# shape_link DEV [NETNS]: one link of rate $shape, two classes sharing it.
# Bulk (the swarm's peer ports and the benchmark's HTTP server, both in
# $bulk_ports) waits behind everything else: Slurm's RPCs, srun's I/O, the
# tracker, sbcast.  With one FIFO (tbf) a saturated link delayed and
# dropped slurmd's replies until slurmctld set nodes DOWN and a step's
# completion never arrived; a real cluster keeps its control traffic out of
# the data's way too.  Every byte still crosses the one rate: sbcast and
# naive reads are shaped exactly as before.  (This kernel has htb, tbf,
# pfifo and u32 only: no fq_codel, prio or flower.)  The bulk queue holds
# 200 ms of the rate (at least 64 packets): with 50 ms (82 packets at
# 20mbit) 64 clients of one HTTP server had ~1 packet each, lost SYNs and
# whole windows, and curl gave up after 134 s of connect retries.
shape_link() {
	local dev=$1 pre=() q
	[ -n "${2:-}" ] && pre=(ip netns exec "$2")
	q=$(python3 -c 'import re,sys; m=re.fullmatch(r"([0-9.]+)(k|m|g)?bit",sys.argv[1]); print(max(64, int(float(m[1])*{None:1,"k":1e3,"m":1e6,"g":1e9}[m[2]]*0.2/8/1514)))' "$shape") || return 1
	"${pre[@]}" tc qdisc add dev "$dev" root handle 1: htb default 10 &&
	"${pre[@]}" tc class add dev "$dev" parent 1: classid 1:1 htb rate "$shape" ceil "$shape" quantum 3028 &&
	"${pre[@]}" tc class add dev "$dev" parent 1:1 classid 1:10 htb rate "$shape" ceil "$shape" prio 0 quantum 3028 &&
	"${pre[@]}" tc class add dev "$dev" parent 1:1 classid 1:20 htb rate 8kbit ceil "$shape" prio 1 quantum 3028 &&
	"${pre[@]}" tc qdisc add dev "$dev" parent 1:10 pfifo limit 1000 &&
	"${pre[@]}" tc qdisc add dev "$dev" parent 1:20 pfifo limit "$q" &&
	"${pre[@]}" tc filter add dev "$dev" parent 1: protocol ip prio 1 u32 match ip sport $bulk_match flowid 1:20 &&
	"${pre[@]}" tc filter add dev "$dev" parent 1: protocol ip prio 2 u32 match ip dport $bulk_match flowid 1:20
}
# The kernel's neighbour (ARP) table is one for every namespace: its default
# hard limit of 1024 entries overflowed at 100 nodes (each node's entries for
# its peers and the controller), and the nodes that lost theirs stopped
# answering slurmctld.  Raise the limits, never lower them.
for kv in gc_thresh1=4096 gc_thresh2=32768 gc_thresh3=65536; do
	k=net.ipv4.neigh.default.${kv%=*}
	[ "$(sysctl -n "$k")" -ge "${kv#*=}" ] || sysctl -qw "$k=${kv#*=}"
done
ip link add "$DSL_CLUSTER_BRIDGE" type bridge
ip addr add "$DSL_CLUSTER_CTL_ADDR/$DSL_CLUSTER_PREFIXLEN" dev "$DSL_CLUSTER_BRIDGE"
ip link set "$DSL_CLUSTER_BRIDGE" up
for i in $(seq 1 "$nodes"); do
	n=$(dsl_cluster_node_name "$i")
	a=$(dsl_cluster_node_addr "$i")
	ip netns add "$n"
	ip link add "${n}h" type veth peer name "${n}p" netns "$n"
	ip link set "${n}h" master "$DSL_CLUSTER_BRIDGE" up
	ip -n "$n" link set "${n}p" name eth0
	ip -n "$n" addr add "$a/$DSL_CLUSTER_PREFIXLEN" dev eth0
	ip -n "$n" link set eth0 up
	ip -n "$n" link set lo up
	ip -n "$n" route add default via "$DSL_CLUSTER_CTL_ADDR"
	if [ -n "$shape" ]; then
		# Both ends: the host side shapes what the node receives, the
		# namespace side what it sends.
		shape_link "${n}h" || fail "cannot shape ${n}h to $shape (tc)"
		shape_link eth0 "$n" || fail "cannot shape $n's eth0 to $shape (tc)"
	fi
done

# --- names: what DNS gives a real cluster -----------------------------------
{
	dsl_cluster_hosts_begin
	echo "$DSL_CLUSTER_CTL_ADDR $DSL_CLUSTER_CTL"
	for i in $(seq 1 "$nodes"); do
		echo "$(dsl_cluster_node_addr "$i") $(dsl_cluster_node_name "$i")"
	done
	dsl_cluster_hosts_end
} > "$dir/hosts"
# Append in place (no rename: /etc/hosts may be a bind mount), on a line of its own.
[ -z "$(tail -c 1 /etc/hosts)" ] || echo >> /etc/hosts
cat "$dir/hosts" >> /etc/hosts

# --- configuration ---------------------------------------------------------
if [ -n "$plugin" ]; then
	echo "required $plugin $plugin_args" > "$dir/plugstack.conf"
else
	: > "$dir/plugstack.conf"
fi
echo "CgroupPlugin=cgroup/v1" > "$dir/cgroup.conf"
range="${DSL_CLUSTER_PREFIX}[1-$nodes]"
[ "$nodes" = 1 ] && range="${DSL_CLUSTER_PREFIX}1"
cat > "$dir/slurm.conf" <<EOF
# Generated by tests/cluster/cluster-up.sh for cluster $DSL_CLUSTER_ID.
ClusterName=dsl$DSL_CLUSTER_ID
SlurmctldHost=$DSL_CLUSTER_CTL($DSL_CLUSTER_CTL_ADDR)
SlurmctldPort=$DSL_CLUSTER_CTL_PORT
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/ctld
SlurmctldPidFile=$dir/ctld/slurmctld.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmctldDebug=info
SlurmdSpoolDir=$dir/spool/%n
SlurmdPidFile=$dir/spool/%n/slurmd.pid
SlurmdLogFile=$dir/log/slurmd-%n.log
SlurmdDebug=info
SlurmdParameters=config_overrides
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
PrologFlags=Alloc
PrologEpilogTimeout=180
PlugStackConfig=$dir/plugstack.conf
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=60
MessageTimeout=20
InactiveLimit=0
KillWait=5
MinJobAge=60
NodeName=DEFAULT CPUs=4 RealMemory=1024 State=UNKNOWN
EOF
for i in $(seq 1 "$nodes"); do
	echo "NodeName=$(dsl_cluster_node_name "$i") NodeAddr=$(dsl_cluster_node_addr "$i")" >> "$dir/slurm.conf"
done
echo "PartitionName=main Nodes=$range Default=YES MaxTime=INFINITE State=UP" >> "$dir/slurm.conf"
chmod 0644 "$dir/slurm.conf" "$dir/cgroup.conf" "$dir/plugstack.conf"
cat > "$dir/env.sh" <<EOF
export SLURM_CONF=$dir/slurm.conf
export DSL_CLUSTER_ID=$DSL_CLUSTER_ID
export DSL_CLUSTER_DIR=$dir
export DSL_CLUSTER_USER=$DSL_CLUSTER_USER
export DSL_CLUSTER_NODES=$range
export DSL_CLUSTER_NNODES=$nodes
export DSL_CLUSTER_WIDE=$DSL_CLUSTER_WIDE
DSL_CLUSTER_CTL_ADDR=$DSL_CLUSTER_CTL_ADDR
EOF
touch "$dir/up"

# --- daemons ---------------------------------------------------------------
# slurmctld checks that its hostname matches SlurmctldHost: own UTS namespace.
setsid unshare --uts -- /bin/sh -c "hostname $DSL_CLUSTER_CTL && exec /usr/sbin/slurmctld -D -i -f $dir/slurm.conf" \
	</dev/null >"$dir/log/slurmctld.out" 2>&1 &
echo $! > "$dir/ctld/pid"
for i in $(seq 1 "$nodes"); do
	n=$(dsl_cluster_node_name "$i")
	mkdir -p "$dir/spool/$n"
	# shellcheck disable=SC2086
	DSL_NODE_ROOT=$root setsid ip netns exec "$n" unshare --uts --mount --propagation private -- \
		/bin/sh "$here/node-init.sh" "$n" "$dir/slurm.conf" $DSL_CLUSTER_PRIVATE \
		</dev/null >"$dir/log/node-$n.out" 2>&1 &
	echo $! > "$dir/spool/$n/pid"
done

# --- wait until every node is idle (bounded) -------------------------------
export SLURM_CONF=$dir/slurm.conf
deadline=$((SECONDS + DSL_CLUSTER_BOOT_TIMEOUT))
while :; do
	idle=$(sinfo -h -N -o '%N %T' 2>/dev/null | awk '$2 == "idle" {c++} END {print c+0}')
	[ "$idle" -ge "$nodes" ] && break
	kill -0 "$(cat "$dir/ctld/pid")" 2>/dev/null || fail "slurmctld exited (see $dir/log/slurmctld.log)"
	[ $SECONDS -lt $deadline ] || {
		sinfo -N >&2 || true
		fail "only $idle of $nodes nodes idle after ${DSL_CLUSTER_BOOT_TIMEOUT}s"
	}
	sleep 0.5
done
echo "cluster-up: $nodes nodes ($range) idle after $((SECONDS - deadline + DSL_CLUSTER_BOOT_TIMEOUT))s; source $dir/env.sh"
