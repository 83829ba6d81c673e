# cluster-env.sh - names and addresses of one local test cluster (sourced).
#
# Several clusters can exist side by side (a developer's, `make check`'s, the
# main job's): DSL_CLUSTER_ID (0-9) picks the bridge, the /24 inside
# 198.18.0.0/15 (reserved for network benchmarks, so never a real address),
# the node-name prefix and the controller port.  Everything a cluster owns is
# derived from it here, so cluster-up.sh and cluster-down.sh always agree.

DSL_CLUSTER_ID=${DSL_CLUSTER_ID:-0}
case $DSL_CLUSTER_ID in
[0-9]) ;;
*) echo "dsl-cluster: DSL_CLUSTER_ID=$DSL_CLUSTER_ID: must be one digit 0-9" >&2; exit 2 ;;
esac

# Not under /run or /tmp-like private mounts: every node namespace shares it
# (spool, logs, munge socket, slurm.conf), as a cluster shares /etc/slurm.
DSL_CLUSTER_DIR=${DSL_CLUSTER_DIR:-/var/tmp/dsl-cluster-$DSL_CLUSTER_ID}
DSL_CLUSTER_USER=${DSL_CLUSTER_USER:-dsltest$DSL_CLUSTER_ID}
DSL_CLUSTER_BRIDGE=dslbr$DSL_CLUSTER_ID
DSL_CLUSTER_CTL=dslctl$DSL_CLUSTER_ID
# Addresses: up to DSL_CLUSTER_SMALL_MAX nodes, the /24 198.18.ID.0 (node K
# at .10+K); a wide cluster (DSL_CLUSTER_WIDE=1, set by cluster-up.sh for
# more nodes and kept in env.sh) the /20 198.19.(16*ID).0: up to 4085 nodes,
# node K at offset 10+K, the controller at offset 1.  The two halves of
# 198.18.0.0/15 never overlap, nor do two ids' ranges.
DSL_CLUSTER_SMALL_MAX=${DSL_CLUSTER_SMALL_MAX:-200}
DSL_CLUSTER_WIDE_MAX=4085
dsl_cluster_net_setup() {
	if [ "${DSL_CLUSTER_WIDE:-0}" = 1 ]; then
		DSL_CLUSTER_NET=198.19.$((16 * DSL_CLUSTER_ID))
		DSL_CLUSTER_PREFIXLEN=20
	else
		DSL_CLUSTER_NET=198.18.$DSL_CLUSTER_ID
		DSL_CLUSTER_PREFIXLEN=24
	fi
	DSL_CLUSTER_CTL_ADDR=$DSL_CLUSTER_NET.1
}
dsl_cluster_net_setup
DSL_CLUSTER_PREFIX=c${DSL_CLUSTER_ID}n
DSL_CLUSTER_CTL_PORT=$((16817 + 2 * DSL_CLUSTER_ID))
# Directories each node gets as its own tmpfs (node-local storage).
DSL_CLUSTER_PRIVATE="/run /var/cache/dsl"
# Bounds for every wait loop (seconds).
DSL_CLUSTER_BOOT_TIMEOUT=${DSL_CLUSTER_BOOT_TIMEOUT:-60}

dsl_cluster_node_name() { echo "$DSL_CLUSTER_PREFIX$1"; }
dsl_cluster_node_addr() {
	if [ "${DSL_CLUSTER_WIDE:-0}" = 1 ]; then
		echo "198.19.$((16 * DSL_CLUSTER_ID + (10 + $1) / 256)).$(((10 + $1) % 256))"
	else
		echo "$DSL_CLUSTER_NET.$((10 + $1))"
	fi
}
dsl_cluster_hosts_begin() { echo "# dsl-cluster-$DSL_CLUSTER_ID begin"; }
dsl_cluster_hosts_end() { echo "# dsl-cluster-$DSL_CLUSTER_ID end"; }
