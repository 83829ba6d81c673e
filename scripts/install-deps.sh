#!/bin/sh
# Installs every package dslswarm needs to build, test and run its local
# cluster, from Debian's archive.  Idempotent; safe to run again.
set -eu
. "$(dirname "$0")/as-root.sh"
dsl_as_root "$@"
PKGS="build-essential autoconf automake libtool pkg-config
      libslurm-dev libtorrent-rasterbar-dev libboost-dev libfuse3-dev fuse3 libjson-c-dev
      libmicrohttpd-dev check libmunge-dev python3-libtorrent
      slurmctld slurmd slurm-client munge
      iproute2 util-linux procps psmisc python3 curl
      clang opentracker gnuplot-nox
      python3-numpy python3-scipy
      man-db groff-base
      dpkg-dev debhelper fakeroot lintian rpm cpio"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
# The Debian packages start daemons we run ourselves, per test cluster.
for svc in slurmctld slurmd munge; do
	if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
		systemctl disable --now "$svc" >/dev/null 2>&1 || true
	fi
done
