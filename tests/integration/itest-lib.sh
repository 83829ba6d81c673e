# itest-lib.sh - shared by the integration tests (sourced).
#
# A test boots one local cluster (tests/cluster/), runs its checks against it
# and always tears it down (trap), also when a check fails or it is
# interrupted.  Every check prints what it checks and "ok" or "FAIL: why".
# The built programs are copied into a work directory readable by the test
# user (the build tree may be in root's home), as an installation would be.

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
top_builddir=$(cd "$top_builddir" && pwd)
top_srcdir=$(cd "$top_srcdir" && pwd)
CLUSTER=$top_srcdir/tests/cluster
# A cluster id of the test's own (never one a developer sourced env.sh for):
# the test tears down whatever cluster of that id is left from a crashed run.
unset DSL_CLUSTER_DIR DSL_CLUSTER_USER DSL_CLUSTER_NODES DSL_CLUSTER_NNODES DSL_CLUSTER_WIDE SLURM_CONF
export DSL_CLUSTER_ID=${DSL_ITEST_CLUSTER_ID:-1}
. "$CLUSTER/cluster-env.sh"
W=/var/tmp/dsl-itest-$DSL_CLUSTER_ID
ITEST_FAILS=0
ITEST_PIDS=

itest_log() { printf '%s\n' "$*"; }
check() {
	printf '%-66s ' "$*"
	ITEST_T0=$SECONDS
}
ok() { echo "ok${1:+ ($1)} [$((SECONDS - ${ITEST_T0:-0})) s]"; }
fail() {
	echo "FAIL: $* [$((SECONDS - ${ITEST_T0:-0})) s]"
	ITEST_FAILS=$((ITEST_FAILS + 1))
}

# Skip (77) only when this machine cannot make namespaces at all.
itest_require_root_and_netns() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: needs root (network namespaces, mounts)"; exit 77
	fi
	if ! unshare --net --uts --mount true 2>/dev/null; then
		echo "SKIP: cannot create namespaces here"; exit 77
	fi
}

itest_cleanup() {
	for p in $ITEST_PIDS; do kill "$p" 2>/dev/null; done
	if [ "$ITEST_FAILS" != 0 ] || [ -n "${ITEST_KEEP_LOGS:-}" ]; then
		DSL_CLUSTER_KEEP_LOGS=${ITEST_KEEP_LOGS:-$top_builddir/tests/integration/logs-$DSL_CLUSTER_ID} \
			"$CLUSTER/cluster-down.sh" >/dev/null 2>&1
	else
		"$CLUSTER/cluster-down.sh" >/dev/null 2>&1
	fi
	rm -rf "$W"
}

itest_finish() {
	if [ "$ITEST_FAILS" = 0 ]; then
		echo "PASS: all checks"
		exit 0
	fi
	echo "FAILED: $ITEST_FAILS check(s)"
	exit 1
}

# Copy the built programs where the test user can run them.
itest_install() {
	mkdir -p "$W/libexec" "$W/bin" "$W/reg" "$W/src"
	chmod 0755 "$W" "$W/libexec" "$W/bin" "$W/reg" "$W/src"
	install -m 0755 "$top_builddir/helper/dsl-helper" "$W/libexec/dsl-helper"
	install -m 0755 "$top_builddir/tracker/dsl-tracker" "$W/libexec/dsl-tracker"
	install -m 0755 "$top_builddir/cli/dsl" "$W/bin/dsl"
	install -m 0755 "$top_builddir/spank/.libs/dsl.so" "$W/dsl.so"
}

# Plugin arguments of the test cluster (more may be appended by the caller).
itest_plugin_args() {
	echo "registry=$W/reg user_registry= libexec=$W/libexec conf=$W/dsl.conf" \
	     "mount=/run/dsl/view run=/run/dsl/job cache=/var/cache/dsl ready_timeout=30"
}

# itest_boot NODES PLUGIN_ARGS [SHAPE]
itest_boot() {
	# The cluster's own munged (tests/cluster): trackers check `dsl status`'s
	# credentials with it.
	echo "munge_socket=$DSL_CLUSTER_DIR/munge-sock/munge.socket" > "$W/dsl.conf"
	chmod 0644 "$W/dsl.conf"
	"$CLUSTER/cluster-up.sh" -n "$1" ${3:+--shape "$3"} --plugin "$W/dsl.so" --plugin-args "$2" || {
		echo "FAIL: the cluster did not boot"; exit 1; }
	. "$DSL_CLUSTER_DIR/env.sh"
}

# Run a command as the test user with the cluster's SLURM_CONF, from $W.
as_user() {
	(cd "$W" && runuser -u "$DSL_CLUSTER_USER" -- env SLURM_CONF="$SLURM_CONF" \
		PATH=/usr/local/bin:/usr/bin:/bin "$@")
}

node_exec() { "$CLUSTER/cluster-exec.sh" "$@"; }
node_names() {
	for i in $(seq 1 "$DSL_CLUSTER_NNODES"); do dsl_cluster_node_name "$i"; done
}

# Nodes not idle/mixed/allocated (drained, down): must stay empty.
bad_nodes() {
	sinfo -h -N -o '%N %T' | awk '$2 !~ /^(idle|mixed|allocated|completing)$/ {print}'
}

# Wait (bounded) until no job is left in the queue.
wait_queue_empty() {
	for _ in $(seq 1 "${1:-120}"); do
		[ -z "$(squeue -h 2>/dev/null)" ] && return 0
		sleep 0.5
	done
	return 1
}

# What a job may leave on a node: dsl mounts, processes of the test user,
# job directories.  Prints them; empty output means clean.
node_leftovers() {
	local n=$1
	node_exec "$n" sh -c '
		grep " /run/dsl/" /proc/self/mountinfo | sed "s/^/mount: /"
		ls -d /run/dsl/job/* /run/dsl/view/* /var/cache/dsl/job-* 2>/dev/null | sed "s/^/dir: /"
		true'
	for p in $(ip netns pids "$n" 2>/dev/null); do
		u=$(stat -c %U "/proc/$p" 2>/dev/null) || continue
		[ "$u" = "$DSL_CLUSTER_USER" ] && echo "process: $p $(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null)"
	done
}

all_nodes_clean() {
	local out=""
	for n in $(node_names); do
		out="$out$(node_leftovers "$n")"
	done
	[ -z "$out" ] || { echo "$out" | head -5; return 1; }
}

# Wait (bounded) until the epilogs have cleaned every node.
wait_nodes_clean() {
	for _ in $(seq 1 "${1:-40}"); do
		all_nodes_clean >/dev/null && return 0
		sleep 0.5
	done
	all_nodes_clean
}

# Ports as lib/dsl_config.c computes them (defaults: trackers 700-899,
# peers 7000-7999): MIN + splitmix64(x) mod range, x = JOBID for the tracker,
# JOBID * 8 + set index for the peers; tracker candidate k adds k * (200 / 3).
port_of() {
	python3 -c '
import sys
m = (1 << 64) - 1
def mix(z):
    z = (z + 0x9e3779b97f4a7c15) & m
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & m
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & m
    return z ^ (z >> 31)
kind, job, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if kind == "peer":
    print(7000 + mix(job * 8) % 1000)
else:
    print(700 + (mix(job) % 200 + k * 66) % 200)
' "$@"
}
peer_port() { port_of peer "$1" 0; }
tracker_port() { port_of tracker "$1" 0; }
