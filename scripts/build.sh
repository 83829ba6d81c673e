#!/bin/sh
# Configure and build out of tree in ./build (or $DSL_BUILD_DIR).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${DSL_BUILD_DIR:-$top/build}
cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	autoreconf -fi
fi
mkdir -p "$build"
cd "$build"
[ -f Makefile ] || "$top/configure" --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
	--libexecdir=/usr/libexec
make -j"$(nproc)"
