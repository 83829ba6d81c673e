#!/usr/bin/env python3
"""urgent_phases.py - where the slow reads of an urgent.sh round waited.

    urgent_phases.py [--threshold MS] [--rows N] DIR TAG

DIR holds urgent.sh --trace's files of round TAG (e.g. "hold-1"):
TAG-s.trace, TAG-dI.trace (helper/dsh_trace.h) and TAG-dI.reads
("START_MS LATENCY_MS NAME").  The nodes' addresses are those urgent.sh
gives them (NET.10 the seeder, NET.(10+I) node dI), read from the traces.

A read slower than the threshold waited for the pieces made urgent while it
ran (D events; one read can wait for several: the kernel and Python read
more than the 4 KiB asked).  Of those, the piece that passed last decided
its time, and of that piece the block written last.  That block's way is
split into
  pick     the read's start until libtorrent first picked the block (R; 0
           if it was picked before the read: prefetch in flight)
  again    until it was picked for the last time: requests held by a
           seeder and rejected, or timed out, and asked again
  ask      picked until the request reached the peer (Q at the peer): the
           time it sat in the downloader's request queue and on the wire
  sender   at the peer until its block went into the send buffer (S): the
           requests queued ahead of it there, or the seeder's hold-back
  wire     send buffer until the block was written here (F): the bytes
           queued ahead of it on that connection and the link's share
  answer   the piece passed (P) until the read returned
Phases that cannot be joined (a peer without
a trace, a piece found in the kept cache) are left out of their column.
Medians and 90th percentiles over the slow reads; --rows N also prints the
N slowest one by one.
"""
import argparse
import collections
import glob
import os
import statistics
import sys


def load_trace(path):
    """Events by kind; malformed lines (a trace cut short) are skipped."""
    ev = collections.defaultdict(list)
    with open(path) as f:
        for line in f:
            x = line.split()
            try:
                t, kind, piece = float(x[0]), x[1], int(x[2])
                if kind in "RFQS":
                    ev[kind].append((t, piece, int(x[3]), x[4]))
                elif kind in "DP":
                    ev[kind].append((t, piece))
            except (IndexError, ValueError):
                continue
    return ev


def quantile(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threshold", type=float, default=300.0)
    ap.add_argument("--rows", type=int, default=0)
    ap.add_argument("dir")
    ap.add_argument("tag")
    a = ap.parse_args()

    traces = {}
    for p in glob.glob(os.path.join(a.dir, a.tag + "-*.trace")):
        name = os.path.basename(p)[len(a.tag) + 1:-len(".trace")]
        traces[name] = load_trace(p)
    if not traces:
        sys.exit("urgent_phases.py: no %s-*.trace in %s" % (a.tag, a.dir))
    # urgent.sh's addresses: the seeder .10, node dI .(10+I), one prefix.
    prefix = None
    for ev in traces.values():
        for kind in "RFQS":
            if ev[kind]:
                prefix = ev[kind][0][3].rsplit(".", 1)[0]
                break
        if prefix:
            break
    ip_of = {n: "%s.%d" % (prefix, 10 if n == "s" else 10 + int(n[1:])) for n in traces}
    name_of = {ip: n for n, ip in ip_of.items()}

    # At each sender: (requester ip, piece, block) -> times of Q and of S.
    at_sender = {}
    for n, ev in traces.items():
        for kind in "QS":
            for t, piece, block, peer in ev[kind]:
                at_sender.setdefault((n, peer, piece, block), {}).setdefault(kind, []).append(t)

    phases = collections.defaultdict(list)
    rows = []
    nslow = nreads = 0
    for n, ev in sorted(traces.items()):
        rp = os.path.join(a.dir, "%s-%s.reads" % (a.tag, n))
        if n == "s" or not os.path.exists(rp):
            continue
        passed = {}
        for t, piece in ev["P"]:
            passed.setdefault(piece, t)
        picks = collections.defaultdict(list)
        for t, piece, block, peer in ev["R"]:
            picks[(piece, block)].append((t, peer))
        written = collections.defaultdict(list)
        for t, piece, block, peer in ev["F"]:
            written[piece].append((t, block, peer))
        with open(rp) as f:
            reads = [(float(x[0]), float(x[1]), x[2]) for x in (l.split() for l in f) if len(x) == 3]
        for start, lat, fname in reads:
            nreads += 1
            if lat < a.threshold:
                continue
            nslow += 1
            end = start + lat
            waited = {p for t, p in ev["D"] if start <= t <= end}
            known = [p for p in waited if p in passed]
            if not known:
                phases["(no piece joined)"].append(lat)
                continue
            crit = max(known, key=lambda p: passed[p])
            row = {"read": lat, "answer": end - passed[crit]}
            if written[crit]:
                tf, block, peer = max(written[crit])
                every = [x for x in picks[(crit, block)] if x[0] <= tf]
                asks = [x for x in every if x[1] == peer]
                if asks:
                    tr = asks[-1][0]
                    first = max(start, every[0][0])
                    row["pick"] = first - start
                    row["again"] = max(0.0, tr - first)
                    sender = name_of.get(peer)
                    s = at_sender.get((sender, ip_of[n], crit, block), {})
                    q = [t for t in s.get("Q", []) if tr <= t <= tf]
                    sv = [t for t in s.get("S", []) if tr <= t <= tf]
                    if q:
                        row["ask"] = q[0] - tr
                        if sv:
                            row["sender"] = max(0.0, sv[-1] - q[0])
                            row["wire"] = tf - sv[-1]
                    row["from"] = sender or peer
            for k, v in row.items():
                if k != "from":
                    phases[k].append(v)
            rows.append((lat, n, fname, len(waited), row))

    print("%d of %d reads slower than %.0f ms" % (nslow, nreads, a.threshold))
    if not nslow:
        return
    print("  %-8s %6s %10s %10s" % ("phase", "reads", "median ms", "p90 ms"))
    for k in ["read", "pick", "again", "ask", "sender", "wire", "answer", "(no piece joined)"]:
        v = phases.get(k)
        if v:
            print("  %-8s %6d %10.0f %10.0f" % (k, len(v), statistics.median(v), quantile(v, 0.9)))
    for lat, n, fname, npieces, row in sorted(rows, reverse=True)[:a.rows]:
        print("  %s %s %.0f ms, %d pieces: " % (n, fname, lat, npieces) +
              " ".join("%s %s" % (k, v if isinstance(v, str) else "%.0f" % v)
                       for k, v in row.items() if k != "read"))


if __name__ == "__main__":
    main()
