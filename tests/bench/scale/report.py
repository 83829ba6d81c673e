#!/usr/bin/env python3
"""report.py CSV MD RATE CPUS - the Markdown table and the targets of issue 6
from the benchmark's CSV (one row per N and method)."""
import csv
import math
import sys

METHODS = ["naive", "sbcast", "dsl-lazy", "dsl-all"]


def fmt(x, spec="%.1f"):
    return "-" if x is None or math.isnan(x) else spec % x


def main():
    src, dst, rate, cpus = sys.argv[1:5]
    rows = list(csv.DictReader(open(src)))
    if not rows:
        sys.exit("report: %s: no rows" % src)
    get = {(int(r["nodes"]), r["method"]): r for r in rows}
    ns = sorted({int(r["nodes"]) for r in rows})
    ms = [m for m in METHODS if any(r["method"] == m for r in rows)]
    launch = {int(r["nodes"]): float(r["have_s"]) for r in rows if r["method"] == "launch"}
    rows = [r for r in rows if r["method"] != "launch"]
    ideal = float(rows[0]["ideal_s"])
    bad = ["N=%s %s (%s of %s nodes)" % (r["nodes"], r["method"], r["nodes_ok"], r["nodes"])
           for r in rows if r["nodes_ok"] != r["nodes"]]

    def val(n, m, k):
        r = get.get((n, m))
        return float(r[k]) if r and r["nodes_ok"] == r["nodes"] and r[k] not in ("", "nan") else None

    out = []
    out.append("S = %s MiB in %s files, L = %s, S/L = %.2f s; %s CPU cores."
               % (rows[0]["set_mib"], rows[0]["files"], rate, ideal, cpus))
    out.append("")
    out.append("Time from submission until every node has the whole set / every task has loaded it (s):")
    out.append("")
    out.append("| N | S/L | " + " | ".join(ms) + " | empty job |")
    out.append("|---:|---:|" + "---:|" * (len(ms) + 1))
    for n in ns:
        cells = ["%s / %s" % (fmt(val(n, m, "have_s")), fmt(val(n, m, "loaded_s"))) for m in ms]
        out.append("| %d | %.1f | %s | %s |" % (n, ideal, " | ".join(cells), fmt(launch.get(n), "%.2f")))
    out.append("")
    out.append("(empty job: `srun -N N+1` of a shell touching a file, on the same nodes: the launch cost every method includes)")
    out.append("")
    out.append("File server sent (multiples of S) and CPU busy (%% of %s cores) during each run:" % cpus)
    out.append("")
    out.append("| N | " + " | ".join(ms) + " |")
    out.append("|---:|" + "---:|" * len(ms))
    for n in ns:
        cells = ["%sx, %s%%" % (fmt(val(n, m, "fs_sent_over_set"), "%.2f"), fmt(val(n, m, "cpu_busy_pct"), "%.0f"))
                 for m in ms]
        out.append("| %d | %s |" % (n, " | ".join(cells)))
    out.append("")
    busy = ["N=%d %s" % (n, m) for n in ns for m in ms
            if (val(n, m, "cpu_busy_pct") or 0) >= 90]
    out.append("Bottleneck: " + ("the CPU was >= 90%% busy in %s: those figures measure this machine, "
                                 "not the network (the others: the network)." % ", ".join(busy)
                                 if busy else "the network (the CPU was below 90% busy in every run)."))
    out.append("")
    if bad:
        out.append("Incomplete runs (not in the tables): " + ", ".join(bad) + ".")
        out.append("")
    out.append("Targets (dslswarm, time until every node has the whole set):")
    out.append("")
    for m in ("dsl-lazy", "dsl-all"):
        if m not in ms:
            continue
        h = lambda n: val(n, m, "have_s")
        if 32 in ns and h(32) is not None:
            r = h(32) / ideal
            out.append("- %s at N=32: %.1f s = %.2fx S/L (target <= 1.5x): %s"
                       % (m, h(32), r, "met" if r <= 1.5 else "NOT met, by %.0f%%" % (100 * (r / 1.5 - 1))))
        if 8 in ns and 64 in ns and h(8) and h(64) is None:
            out.append("- %s growth N=8 -> 64: not measured (no complete run at N=64)" % m)
        if 8 in ns and 64 in ns and h(8) and h(64):
            g = h(64) / h(8)
            out.append("- %s growth N=8 -> 64: %.2fx (target <= 1.3x): %s"
                       % (m, g, "met" if g <= 1.3 else "NOT met, by %.0f%%" % (100 * (g / 1.3 - 1))))
        if "sbcast" in ms and any(n >= 8 for n in ns):
            worse = [n for n in ns if n >= 8 and h(n) is not None and val(n, "sbcast", "have_s") is not None
                     and h(n) >= val(n, "sbcast", "have_s")]
            faster = ["N=%d %.1fx" % (n, val(n, "sbcast", "have_s") / h(n)) for n in ns
                      if n >= 8 and h(n) and val(n, "sbcast", "have_s")]
            out.append("- %s faster than sbcast at N >= 8: %s (sbcast time / dslswarm time: %s)"
                       % (m, "met" if not worse else "NOT met at N=" + ",".join(map(str, worse)),
                          ", ".join(faster) or "-"))
        sent = [val(n, m, "fs_sent_over_set") for n in ns if val(n, m, "fs_sent_over_set") is not None]
        if sent:
            out.append("- %s file server sends <= 2x S: %s (largest %.2fx)"
                       % (m, "met" if max(sent) <= 2 else "NOT met", max(sent)))
    open(dst, "w").write("\n".join(out) + "\n")


main()
