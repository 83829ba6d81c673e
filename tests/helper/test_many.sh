#!/bin/bash
# A swarm without Slurm: N helpers (default 24; DSH_MANY_NODES=128 or more
# for the benchmark figure), each in its own network namespace with its own
# FUSE view, started as the plugin starts them: from a job spec
# (dslswarm-spec/1, dsl-helper --spec FILE) with 8 direct peers on the
# circulant over the node list (the same offsets as lib/dsl_roles.c), two
# seeders, a tracker with the prolog's settings, a job key (the MSE
# handshake on every connection, as in a job).  Checks that every view
# has every file's right bytes and that the helpers met a bounded number
# of peers on average: 8 direct, 8 from their one announce before they
# were complete (a complete helper asks for none), and about as many that
# were given them (each of the others' 8-peer samples holds a helper with
# probability 8/(N-1)); a mean over 48 means helpers find more peers than
# that (e.g. asking the tracker again, exchanging peers, or dialling again
# nodes that refused them).  Prints the maximum (a seeder, which many are
# given, meets more), the busiest helpers, the time to the whole set
# everywhere, the helpers' CPU, and what the complete swarm costs after.
DSH_TEST=test_many
. "$(dirname "$0")/dsh_common.sh"
dsh_need_root
[ -x "$DSL_TRACKER" ] || { say "SKIP: dsl-tracker not built"; exit 77; }
N=${DSH_MANY_NODES:-24}
[ "$N" -ge 4 ] && [ "$N" -le 240 ] || { say "DSH_MANY_NODES=$N: 4-240"; exit 2; }
DSH_TMP=$(mktemp -d /tmp/dsh-many.XXXXXX)
trap dsh_cleanup EXIT
trap 'exit 1' INT TERM
# Names and /24 overridable so that concurrent runs do not collide.
NET=${DSH_MANY_NET:-198.18.70}
PORT=7300

DSH_BIG_MB=${DSH_MANY_MB:-4}
dsh_make_set "$DSH_TMP/src" || { fail "cannot make the test set"; exit 1; }
dsh_publish mset "$DSH_TMP/src" "$DSH_TMP/reg" || { fail "dsl create"; exit 1; }
SET_BYTES=$(du -sb "$DSH_TMP/src" | awk '{print $1}')
dsh_net "${DSH_MANY_P:-dhm}" "$NET" || { fail "cannot create bridge"; exit 1; }
dsh_node t 2
t_net=$SECONDS
for i in $(seq 1 "$N"); do dsh_node n$i $((9 + i)) || { fail "namespace n$i"; exit 1; }; done
say "$N namespaces in $((SECONDS - t_net)) s"

interval=$(( (N + 499) / 500 )); [ "$interval" -lt 30 ] && interval=30
dsh_bg t "$DSL_TRACKER" --listen $NET.2 --port 6969 --interval "$interval" --numwant-max 32 \
	--foreground --log-file "$DSH_TMP/tracker.log"
sleep 0.3

# One spec per node, as the prolog writes it.
# The job key, as the plugin makes one per job (DSH_MANY_KEY=none: the
# set's public swarm, no MSE handshake).
key=${DSH_MANY_KEY:-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}
python3 - "$DSH_TMP" "$N" "$NET" "$PORT" "$DSH_DESC" "$DSH_TORRENT" "$key" <<'EOF'
import json, os, sys
tmp, n, net, port, desc, torrent, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7]
def offsets(n, k=8):          # lib/dsl_roles.c: dsl_roles_neighbours
    m = k // 2
    lo, hi = 1.0, float(n)
    for _ in range(64):
        mid = (lo + hi) / 2
        if mid ** m < n: lo = mid
        else: hi = mid
    out, prev, p = [], 0, 1.0
    for _ in range(m):
        o = int(p + 0.5)
        if o <= prev: o = prev + 1
        if o > n // 2: o = prev + 1
        if o > n // 2: break
        out.append(o); prev = o; p *= hi
    return out
offs = offsets(n)
for i in range(n):
    nb = sorted({(i + o) % n for o in offs} | {(i - o) % n for o in offs} - {i})
    d = "%s/n%d" % (tmp, i + 1)
    spec = {
        "schema": "dslswarm-spec/1", "job": 4242, "node": "n%d" % (i + 1),
        "hostlist": "n[1-%d]" % n, "nnodes": n, "index": i, "set": "mset",
        "desc": desc, "torrent": torrent, "mount": d + "/view", "mountpoint": d + "/view",
        "cache": d + "/cache", "run_dir": d + "/run", "log_file": d + "/helper.log",
        "cache_policy": "remove", "roles": {"seeder": i < 2, "tracker": i == 0},
        "share": None if i < 2 else {"index": i - 2, "count": n - 2},
        "port": {"listen": port, "min": port, "max": port + 7},
        "trackers": ["http://%s.2:6969/announce" % net],
        "peers": [{"node": "n%d" % (j + 1), "addr": "%s.%d:%d" % (net, 10 + j, port)} for j in nb],
        "timeouts": {"read": 60, "ready": 30},
        "report_every_ms": max(2000, n * 1000 // 500),
    }
    if key != "none":   # a private swarm, as the prolog always makes
        spec["key"] = key
    os.makedirs(d + "/view", exist_ok=True); os.makedirs(d + "/cache", exist_ok=True)
    json.dump(spec, open(d + "/spec.json", "w"), indent=1)
EOF

# Seeders read the set where it was published (seed mode): their spec's
# desc/torrent point at the registry, the data at the source files.
t0=$(date +%s.%N)
starters=""
for i in $(seq 1 "$N"); do
	DSH_MOUNTS="$DSH_MOUNTS $DSH_TMP/n$i/view"
	DSH_RUNDIRS="$DSH_RUNDIRS $DSH_TMP/n$i/run"
	dsh_in n$i timeout 60 "$DSL_HELPER" --spec "$DSH_TMP/n$i/spec.json" \
		> "$DSH_TMP/n$i/start.out" 2>&1 &
	starters="$starters $!"
done
# shellcheck disable=SC2086
wait $starters   # each exits when its helper is ready (not the tracker)
t_ready=$(date +%s.%N)
started=0
for i in $(seq 1 "$N"); do
	p=$(dsh_pid n$i)
	if [ -n "$p" ]; then
		DSH_PIDS="$DSH_PIDS $p"; started=$((started + 1))
	else
		say "n$i: $(cat "$DSH_TMP/n$i/start.out")"
	fi
done
[ "$started" = "$N" ] && pass "$N helpers started from job specs" ||
	{ fail "$started of $N helpers started"; exit 1; }

# Until every helper has the whole set (bounded).
deadline=$((SECONDS + 180))
while :; do
	done_n=0
	for i in $(seq 1 "$N"); do
		[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["complete"])' \
			"$DSH_TMP/n$i/run/status.json" 2>/dev/null)" = True ] && done_n=$((done_n + 1))
	done
	[ "$done_n" = "$N" ] && break
	[ $SECONDS -lt $deadline ] || break
	sleep 0.5
done
# When the last helper completed, from the helpers' own clocks.
t_done=$(for i in $(seq 1 "$N"); do cat "$DSH_TMP/n$i/run/status.json"; echo; done | python3 -c '
import json, sys
print(max(d["started"] + d.get("complete_seconds", 1e9) for d in map(json.loads, filter(str.strip, sys.stdin))))')
[ "$done_n" = "$N" ] && pass "all $N helpers complete" || fail "$done_n of $N complete after 180 s"

bad=0
for i in $(seq 1 "$N"); do
	dsh_check_view "$DSH_TMP/n$i/view" "$DSH_TMP/src" >/dev/null 2>&1 || bad=$((bad + 1))
done
[ "$bad" = 0 ] && pass "every view has every file's right bytes" || fail "$bad views differ"

# Per helper, one line: name, peers met, CPU ticks (utime + stime),
# seconds to the set, and its connections (status "connections").
for i in $(seq 1 "$N"); do
	p=$(dsh_pid n$i)
	"$DSL_HELPER" --ctl "$DSH_TMP/n$i/run" status | python3 -c '
import json, sys
d = json.load(sys.stdin); c = d.get("connections", {}); k = c.get("closed", {})
print(len(d.get("peers", [])), d.get("complete_seconds", -1), c.get("dialled", 0), c.get("incoming", 0),
      k.get("connect_failed", 0), k.get("refused_full", 0), k.get("duplicate", 0), k.get("other", 0))' |
		sed "s/^/n$i $(dsh_ticks "$p") /"
done > "$DSH_TMP/pernode.txt"
read -r maxpeers meanpeers cpu_total cpu_max <<< "$(awk -v hz="$(getconf CLK_TCK)" '{
	if ($3 > mp) mp = $3; sp += $3; c = $2 / hz; ct += c; if (c > cm) cm = c }
	END { printf "%d %.1f %.2f %.2f", mp, sp / NR, ct, cm }' "$DSH_TMP/pernode.txt")"
[ "${meanpeers%.*}" -lt 48 ] && pass "peers met per helper: mean $meanpeers, max $maxpeers" ||
	fail "helpers met $meanpeers peers on average (max $maxpeers), more than twice 8 direct + 8 + 8"
say "busiest helpers (CPU s, seconds to the set): $(sort -k2 -n -r "$DSH_TMP/pernode.txt" | head -6 |
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%s %.2f/%.1f  ", $1, $2 / hz, $4 }')(n1, n2: seeders)"
say "connections per helper (each one a key exchange): $(awk '{ for (f = 5; f <= 10; f++) t[f] += $f }
	END { printf "dialled %.1f, incoming %.1f; closed: connect failed %.1f, refused at a cap %.1f, same peer twice %.1f, other %.1f",
		t[5] / NR, t[6] / NR, t[7] / NR, t[8] / NR, t[9] / NR, t[10] / NR }' "$DSH_TMP/pernode.txt")"
# What the complete swarm costs the machine afterwards: every helper's CPU
# and open connections over DSH_MANY_IDLE_S seconds (default 5) once all
# have the set (nothing reads; libtorrent's rates still decay for a minute).
idle_s=${DSH_MANY_IDLE_S:-5}
cpu_of_all() { for p in $DSH_PIDS; do dsh_ticks "$p"; done |
	awk '{ s += $1 } END { print s + 0 }'; }
c0=$(cpu_of_all); sleep "$idle_s"; c1=$(cpu_of_all)
conns=$(for i in $(seq 1 "$N"); do dsh_in n$i ss -Htn state established 2>/dev/null | wc -l; done |
	awk '{ s += $1; if ($1 > m) m = $1 } END { printf "%.1f %d", s / NR, m }')
say "afterwards, over ${idle_s} s: the $N complete helpers used $(awk -v a="$c0" -v b="$c1" \
	-v hz="$(getconf CLK_TCK)" -v s="$idle_s" -v n="$N" 'BEGIN { printf "%.1f%% of a core in all, %.3f%% each", 100 * (b - a) / hz / s, 100 * (b - a) / hz / s / n }'); TCP connections per helper: mean ${conns% *}, max ${conns#* }"
awk -v a="$t0" -v r="$t_ready" -v d="$t_done" -v n="$N" -v s="$SET_BYTES" -v ct="$cpu_total" \
	-v cm="$cpu_max" -v up="$(uptime | sed 's/.*load/load/')" 'BEGIN {
	printf "test_many: %d helpers, set %.1f MiB, no Slurm: all started in %.2f s, whole set everywhere %.2f s after the first start; CPU of all helpers %.2f s (%.3f s each, max %.2f s); %s\n",
		n, s / 1048576, r - a, d - a, ct, ct / n, cm, up }'
[ "$DSH_FAILED" = 0 ] || exit 1
