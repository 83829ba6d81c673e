#!/bin/bash
# cluster-fault.sh NODE ACTION [ARG] - inject a node fault into the local
# cluster of cluster-up.sh, or take it back (root).
#
#   link down|up        cut the node's link (its veth, host side) / restore it
#   rate RATE|restore   shape both ends of the node's link to RATE (e.g. 1mbit),
#                       or back to the cluster's --shape (needs --shape at boot)
#   slurmd stop|cont    SIGSTOP / SIGCONT the node's slurmd (a hung daemon)
#   pids NAME           pids of the processes named NAME (exe or comm) running
#                       in the node's network namespace, one a line
#
# Processes are found through the node's network namespace (`ip netns pids`),
# never through pid files: whatever wrote a pid file may be gone or lie.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster-env.sh"
[ $# -ge 2 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
node=$1 action=$2 arg=${3:-}
dir=$DSL_CLUSTER_DIR
ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$node" ||
	{ echo "cluster-fault: $node: no such node in cluster $DSL_CLUSTER_ID" >&2; exit 2; }

# ns_pids NAME: processes of the node's namespace whose executable or
# command name is NAME.
ns_pids() {
	local p exe
	for p in $(ip netns pids "$node" 2>/dev/null); do
		exe=$(readlink "/proc/$p/exe" 2>/dev/null) || exe=
		if [ "${exe##*/}" = "$1" ] || [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ]; then
			echo "$p"
		fi
	done
}

# set_rate DEV RATE [NETNS]: change the three htb classes of cluster-up.sh's
# shape_link (the link, control first, bulk second) to RATE.
set_rate() {
	local dev=$1 r=$2 pre=()
	[ -n "${3:-}" ] && pre=(ip netns exec "$3")
	"${pre[@]}" tc class change dev "$dev" parent 1: classid 1:1 htb rate "$r" ceil "$r" quantum 3028 &&
	"${pre[@]}" tc class change dev "$dev" parent 1:1 classid 1:10 htb rate "$r" ceil "$r" prio 0 quantum 3028 &&
	"${pre[@]}" tc class change dev "$dev" parent 1:1 classid 1:20 htb rate 8kbit ceil "$r" prio 1 quantum 3028
}

case $action/$arg in
link/down) ip link set "${node}h" down ;;
link/up) ip link set "${node}h" up ;;
rate/?*)
	shape=$(cat "$dir/shape" 2>/dev/null) || shape=
	[ -n "$shape" ] || { echo "cluster-fault: rate: the cluster was booted without --shape" >&2; exit 2; }
	[ "$arg" = restore ] && arg=$shape
	set_rate "${node}h" "$arg" && set_rate eth0 "$arg" "$node" ||
		{ echo "cluster-fault: cannot shape $node's link to $arg" >&2; exit 1; }
	;;
slurmd/stop|slurmd/cont)
	pids=$(ns_pids slurmd)
	[ -n "$pids" ] || { echo "cluster-fault: $node: no slurmd running" >&2; exit 1; }
	sig=STOP; [ "$arg" = cont ] && sig=CONT
	# shellcheck disable=SC2086
	kill -"$sig" $pids
	;;
pids/?*) ns_pids "$arg" ;;
*) echo "cluster-fault: unknown action: $action $arg (try without arguments)" >&2; exit 2 ;;
esac
