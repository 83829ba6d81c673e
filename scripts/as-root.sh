# as-root.sh - sourced by the scripts that need root (apt-get, namespaces,
# mounts): `. scripts/as-root.sh; dsl_as_root "$@"`.  As root it does
# nothing, so the README's commands work verbatim on a fresh machine that
# has no sudo; a user with sudo is re-run through it (keeping the DSL_*
# settings, which sudo would reset); anyone else gets a message.  POSIX sh.
dsl_as_root() {
	[ "$(id -u)" = 0 ] && return 0
	if command -v sudo >/dev/null 2>&1; then
		keep=$(env | sed -n 's/^\(DSL_[A-Za-z0-9_]*\)=.*/\1/p' | paste -sd, -)
		exec sudo ${keep:+--preserve-env="$keep"} -- "$0" "$@"
	fi
	echo "$(basename "$0"): run as root (there is no sudo here)" >&2
	exit 1
}
