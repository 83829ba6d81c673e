# dsh_common.sh - shared by the helper's integration tests (sourced).
#
# A test names its resources with a prefix P and a /24 in 198.18.0.0/15, so
# tests can run side by side: bridge ${P}br, namespaces ${P}-NAME, one veth
# pair per namespace.  Helpers run in a namespace's network but in the host's
# mount namespace (nsenter --net), so their views are visible here.
# Everything made is recorded and undone by dsh_cleanup (trap EXIT).

: "${DSL_HELPER:?DSL_HELPER (path of dsl-helper) not set}"
: "${DSL_TOOL:?DSL_TOOL (path of dsl) not set}"
: "${DSL_TRACKER:=}"

DSH_NS=""
DSH_VETH=""
DSH_MOUNTS=""
DSH_RUNDIRS=""
DSH_PIDS=""
DSH_FAILED=0

say() { printf '%s: %s\n' "${DSH_TEST:-test}" "$*"; }
fail() { say "FAIL: $*"; DSH_FAILED=1; }
pass() { say "ok: $*"; }

dsh_need_root() {
	if [ "$(id -u)" != 0 ]; then
		say "SKIP: needs root (network namespaces, FUSE mounts)"
		exit 77
	fi
	if [ ! -c /dev/fuse ] || ! command -v nsenter >/dev/null; then
		say "SKIP: needs /dev/fuse and nsenter"
		exit 77
	fi
}

dsh_cleanup() {
	local d m p
	for d in $DSH_RUNDIRS; do
		[ -S "$d/ctl.sock" ] && timeout 5 "$DSL_HELPER" --ctl "$d" stop >/dev/null 2>&1
	done
	sleep 0.3
	for p in $DSH_PIDS; do
		kill "$p" 2>/dev/null
	done
	# Not only what mountpoint(1) sees: the mount of a helper that died is
	# "not connected" to it, and would keep rm -rf below from its directory.
	for m in $DSH_MOUNTS; do
		umount -l "$m" 2>/dev/null
	done
	# SIGTERM first; SIGKILL only what is still there after 3 s.
	local i alive
	for ((i = 0; i < 30; i++)); do
		alive=
		for p in $DSH_PIDS; do kill -0 "$p" 2>/dev/null && { alive=1; break; }; done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for p in $DSH_PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	wait $DSH_PIDS 2>/dev/null
	for d in $DSH_VETH; do
		ip link del "$d" 2>/dev/null
	done
	for d in $DSH_NS; do
		ip netns del "$d" 2>/dev/null
	done
	[ -n "${DSH_BR:-}" ] && ip link del "$DSH_BR" 2>/dev/null
	[ -n "${DSH_TMP:-}" ] && rm -rf "$DSH_TMP"
}

# dsh_net PREFIX NET24 (e.g. dha 198.18.44): the bridge, host at .1.
# DSH_TAG (a short suffix, e.g. 12) is added to PREFIX, so two copies of a
# test (two checkouts) make distinct bridges, namespaces and veths; each
# bridge is its own link, so the same NET24 on both does not mix them.
dsh_net() {
	DSH_P=$1${DSH_TAG:-}
	DSH_NET=$2
	DSH_BR=${DSH_P}br
	ip link del "$DSH_BR" 2>/dev/null
	ip link add "$DSH_BR" type bridge || return 1
	ip addr add "$DSH_NET.1/24" dev "$DSH_BR"
	ip link set "$DSH_BR" up
}

# dsh_node NAME HOSTNUM [RATE]: a namespace at NET.HOSTNUM; RATE shapes
# what the node sends (tc tbf on its end of the veth), e.g. 100mbit.
dsh_node() {
	local ns=$DSH_P-$1 a=$DSH_P$2a b=$DSH_P$2b
	ip link del "$a" 2>/dev/null   # left by a killed run
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" || return 1
	DSH_NS="$DSH_NS $ns"
	DSH_VETH="$DSH_VETH $a"
	ip link add "$a" type veth peer name "$b"
	ip link set "$b" netns "$ns"
	ip link set "$a" master "$DSH_BR" up
	ip -n "$ns" addr add "$DSH_NET.$2/24" dev "$b"
	ip -n "$ns" link set "$b" up
	ip -n "$ns" link set lo up
	if [ -n "${3:-}" ]; then
		ip netns exec "$ns" tc qdisc add dev "$b" root tbf rate "$3" burst 32kbit latency 50ms
	fi
}

# dsh_in NAME CMD...: run in the node's network, the host's mounts.
dsh_in() {
	local ns=$DSH_P-$1
	shift
	# exec: a caller's "dsh_in ... &" then gets the program's own pid in $!
	(exec nsenter --net="/run/netns/$ns" "$@")
}

# dsh_bg NODE CMD...: start CMD in the background in NODE's network;
# its pid (nsenter execs it) in DSH_BG_PID, killed by dsh_cleanup.
dsh_bg() {
	local ns=$DSH_P-$1
	shift
	nsenter --net="/run/netns/$ns" "$@" &
	DSH_BG_PID=$!
	DSH_PIDS="$DSH_PIDS $DSH_BG_PID"
}

# dsh_make_set DIR: a set with a shared library, a Python package, a
# symlink, an empty file, and $DSH_BIG_MB MiB of random data.
dsh_make_set() {
	local d=$1
	mkdir -p "$d/lib" "$d/py/dslpkg/sub" "$d/data"
	printf 'int dsl_answer(int x) { return 6 * x + 4; }\n' > "$DSH_TMP/answer.c"
	cc -shared -fPIC -o "$d/lib/libdslanswer.so.1" "$DSH_TMP/answer.c" || return 1
	ln -s libdslanswer.so.1 "$d/lib/libdslanswer.so"
	printf 'from .sub.mod import VALUE\n\ndef answer():\n    return VALUE\n' \
		> "$d/py/dslpkg/__init__.py"
	: > "$d/py/dslpkg/sub/__init__.py"
	printf 'VALUE = 42\n' > "$d/py/dslpkg/sub/mod.py"
	head -c "$((${DSH_BIG_MB:-16} * 1048576))" /dev/urandom > "$d/data/big.bin"
	head -c 300000 /dev/urandom > "$d/data/medium.bin"
	head -c 1000 /dev/urandom > "$d/data/small.bin"
	: > "$d/data/empty"
	chmod -R a+rX "$d"
}

# dsh_publish NAME DIR REG: sets DSH_DESC and DSH_TORRENT.  256 KiB pieces,
# or DSH_PIECE_SIZE's (dsl create --piece-size; "auto": what dsl create picks).
dsh_publish() {
	local ps=(--piece-size "${DSH_PIECE_SIZE:-256K}")
	[ "${DSH_PIECE_SIZE:-}" = auto ] && ps=()
	mkdir -p "$3"
	"$DSL_TOOL" --registry "$3" create "$1" "$2" "${ps[@]}" >/dev/null || return 1
	DSH_DESC=$(ls "$3/$1"/*.json | head -n1)
	DSH_TORRENT=$(ls "$3/$1"/*.torrent | head -n1)
	[ -f "$DSH_DESC" ] && [ -f "$DSH_TORRENT" ]
}

# dsh_helper NODE NAME [ARGS...]: start a detached helper in NODE's network;
# mount at $DSH_TMP/NAME/view, run dir $DSH_TMP/NAME/run.
dsh_helper() {
	local node=$1 name=$2 dir=$DSH_TMP/$2
	shift 2
	mkdir -p "$dir/view" "$dir/cache"
	DSH_MOUNTS="$DSH_MOUNTS $dir/view"
	DSH_RUNDIRS="$DSH_RUNDIRS $dir/run"
	dsh_in "$node" timeout 30 "$DSL_HELPER" --desc "$DSH_DESC" --torrent "$DSH_TORRENT" \
		--mount "$dir/view" --cache "$dir/cache" --run-dir "$dir/run" "$@" || return 1
	DSH_PIDS="$DSH_PIDS $(dsh_pid "$name")"
	return 0
}

# dsh_ticks PID: the process's CPU so far (utime + stime, in clock ticks),
# 0 when it is gone
dsh_ticks() {
	awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

dsh_pid() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' \
		"$DSH_TMP/$1/run/status.json" 2>/dev/null
}

# dsh_status NAME FIELD.PATH: one value from the helper's status
dsh_status() {
	"$DSL_HELPER" --ctl "$DSH_TMP/$1/run" status | python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$2"
}

# dsh_wait_complete NAME SECONDS
dsh_wait_complete() {
	local i
	for i in $(seq 1 $(($2 * 5))); do
		[ "$(dsh_status "$1" complete 2>/dev/null)" = True ] && return 0
		sleep 0.2
	done
	return 1
}

# dsh_check_view VIEW SRC: every regular file's SHA-256 matches the source
dsh_check_view() {
	(cd "$2" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$DSH_TMP/src.sum"
	(cd "$1" && sha256sum -c --quiet "$DSH_TMP/src.sum")
}

# dsh_sum_of VIEW: hash of every file, read through the view (parallel
# readers use this to compare views with each other)
dsh_sums() {
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}
