# pkg-common.sh - shared by the package tests (sourced): a private work
# directory removed on exit, the source tarball of this build tree
# (`make dist`, so a package is built from what a release would ship), and
# checks that print "ok" or "FAIL: why".
: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${builddir:=$top_builddir/tests/package}"
PKG_FAILS=0
VERSION=$(sed -n 's/^AC_INIT(\[dslswarm\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
PW=$(mktemp -d /var/tmp/dsl-pkg.XXXXXX)
pkg_cleanup() { rm -rf "$PW"; }
trap pkg_cleanup EXIT
trap 'exit 1' INT TERM

check() { printf '%-70s ' "$*"; }
ok() { echo "ok${1:+ ($1)}"; }
fail() { echo "FAIL: $*"; PKG_FAILS=$((PKG_FAILS + 1)); }
pkg_finish() {
	[ "$PKG_FAILS" = 0 ] && { echo "PASS: all checks"; exit 0; }
	echo "FAILED: $PKG_FAILS check(s)"; exit 1
}
pkg_need() {   # COMMAND PACKAGE: skip (77) where the tool is missing
	command -v "$1" >/dev/null || { echo "SKIP: $1 missing (Debian package $2; scripts/install-deps.sh)"; exit 77; }
}

# The dist tarball of this tree in $PW; sets TARBALL.  A sub-make of its
# own: the caller's make flags (a TESTS= list, -k) are not for it.
pkg_dist() {
	check "make dist"
	if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$top_builddir" dist-gzip \
		distdir="dslswarm-$VERSION" >"$PW/dist.log" 2>&1 &&
	   mv "$top_builddir/dslswarm-$VERSION.tar.gz" "$PW/"; then
		TARBALL=$PW/dslswarm-$VERSION.tar.gz; ok
	else
		fail "see below"; tail -n 20 "$PW/dist.log"; pkg_finish
	fi
}
