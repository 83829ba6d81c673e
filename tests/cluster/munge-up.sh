#!/bin/bash
# munge-up.sh DIR - start a munged of its own for the test cluster.
#
# DIR/munge/ (0700, user munge): a fresh key, pid, log and seed files and the
# listen shim (munged-backlog.c, compiled here); DIR/munge-sock/munge.socket:
# the socket (AuthInfo=socket=).  Its own socket so that it neither needs nor
# disturbs the machine's munged; a path socket, so every namespace reaches it.
# One munged serves every slurmd, slurmstepd and client of the cluster, so it
# gets what one per node would have had: 10 threads (munge's own advice after
# "Resource temporarily unavailable"), the largest listen backlog
# (munged-backlog.c) and a higher CPU priority than the nodes' daemons, whose
# bursts (hundreds of prologs and step launches at once) it must answer.
# Stop it with: kill $(cat DIR/munge/munged.pid).  Exit status 1 on failure.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: munge-up.sh DIR}
fail() { echo "munge-up: $*" >&2; exit 1; }
for b in cc ss; do
	command -v "$b" >/dev/null 2>&1 || fail "$b not found (apt-get install gcc iproute2)"
done
mkdir -p "$dir/munge" "$dir/munge-sock"
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
cc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$dir/munge/munged-backlog.so" \
	"$here/munged-backlog.c" || fail "cannot compile $here/munged-backlog.c"
chown -R munge: "$dir/munge" "$dir/munge-sock"
chmod 0700 "$dir/munge"
chmod 0400 "$dir/munge/munge.key"
chmod 0755 "$dir/munge-sock"
sock=$dir/munge-sock/munge.socket
nice -n -10 runuser -u munge -- env LD_PRELOAD="$dir/munge/munged-backlog.so" \
	/usr/sbin/munged --socket="$sock" --key-file="$dir/munge/munge.key" \
	--pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
	--seed-file="$dir/munge/munged.seed" --num-threads=10 \
	|| fail "munged did not start (see $dir/munge/munged.log)"
# ss shows a listening socket's backlog as its Send-Q.
backlog=$(ss -xlnH src "$sock" | awk '{ print $4; exit }')
[ "${backlog:-0}" -ge 1024 ] \
	|| fail "munged listens with a backlog of ${backlog:-?} (the shim did not take; want >= 1024)"
munge --socket="$sock" -n | unmunge --socket="$sock" >/dev/null \
	|| fail "munge credential round trip failed"
