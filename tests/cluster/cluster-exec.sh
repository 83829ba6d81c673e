#!/bin/bash
# cluster-exec.sh NODE COMMAND... - run a command inside a node of the local
# cluster, as root, in that node's network, UTS and mount namespaces (so it
# sees the node's views, /run and cache, as a login on that node would).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster-env.sh"
node=$1
shift
pidf=$DSL_CLUSTER_DIR/spool/$node/slurmd.pid
[ -r "$pidf" ] || { echo "cluster-exec: $node: no such node in cluster $DSL_CLUSTER_ID" >&2; exit 2; }
exec nsenter -t "$(cat "$pidf")" -m -n -u -- "$@"
