#!/usr/bin/env python3
"""report.py DIR NODES RATE SET_BYTES LOAD - the fault campaign's table per
fault kind (DIR/faults.csv, DIR/faults.md) from DIR/jobs.csv."""
import csv
import math
import os
import re
import statistics
import sys

ORDER = ["none", "kill-downloader", "kill-seeder", "kill-tracker", "link-cut", "slurmd-stop",
         "corrupt-source", "cache-fill", "slow-peer"]


def pct(xs, p):
    """Nearest-rank percentile."""
    if not xs:
        return None
    xs = sorted(xs)
    return xs[max(0, math.ceil(p / 100.0 * len(xs)) - 1)]


def fmt(x):
    return "-" if x is None else "%.2f" % x


def main():
    out, nodes, rate, set_bytes, load = sys.argv[1:6]
    rows = list(csv.DictReader(open(os.path.join(out, "jobs.csv"))))
    # Slowdown against the campaign's final baseline of the job's shape
    # (every baseline run, the ones after the faulted jobs included).
    # (From jobs.csv itself, so that a campaign stopped early is reported too.)
    times = {}
    for r in rows:
        if r["kind"] == "none" and r["outcome"] == "correct":
            times.setdefault((r["nodes"], r["mode"]), []).append(float(r["time_s"]))
    base = {k: statistics.median(v) for k, v in times.items()}
    for r in rows:
        b = base.get((r["nodes"], r["mode"]))
        if b and r["outcome"] == "correct":
            r["baseline_s"], r["slowdown"] = "%.2f" % b, "%.2f" % (float(r["time_s"]) / b)
    seed = ""
    try:
        m = re.search(r"seed (\d+)", open(os.path.join(out, "campaign.log")).read())
        seed = m.group(1) if m else ""
    except OSError:
        pass
    cols = ["kind", "node_fault", "jobs", "injected", "correct", "failed_named", "failed_unnamed",
            "hung", "hung_slurm", "drained_jobs", "drained_wrong_jobs", "corrupt_bytes", "leftover_jobs",
            "slowdown_p50", "slowdown_p99", "slowdown_max"]
    table = []
    for k in ORDER:
        rs = [r for r in rows if r["kind"] == k]
        if not rs:
            continue
        sl = [float(r["slowdown"]) for r in rs if r["slowdown"]]
        table.append({
            "kind": "baseline (no fault)" if k == "none" else k,
            "node_fault": rs[0]["node_fault"] if k != "none" else "-",
            "jobs": len(rs),
            "injected": sum(r["injected"] == "yes" for r in rs) if k != "none" else "-",
            "correct": sum(r["outcome"] == "correct" for r in rs),
            "failed_named": sum(r["outcome"] == "failed-named" for r in rs),
            "failed_unnamed": sum(r["outcome"] == "failed-unnamed" for r in rs),
            "hung": sum(r["outcome"] == "hung" for r in rs),
            "hung_slurm": sum(r["outcome"] == "hung-slurm" for r in rs),
            "drained_jobs": sum(bool(r["drained"]) for r in rs),
            "drained_wrong_jobs": sum(bool(r["drained_wrong"]) for r in rs),
            "corrupt_bytes": sum(int(r["corrupt_bytes"] or 0) for r in rs),
            "leftover_jobs": sum(bool(r["leftovers"]) for r in rs),
            "slowdown_p50": fmt(pct(sl, 50)), "slowdown_p99": fmt(pct(sl, 99)),
            "slowdown_max": fmt(max(sl) if sl else None),
        })
    with open(os.path.join(out, "faults.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(table)
    faults = [r for r in rows if r["kind"] != "none"]
    md = ["Fault campaign: %d jobs with a fault, %d baseline jobs; %s nodes, links %s, set %.2f MiB; "
          "seed %s." % (len(faults), len(rows) - len(faults), nodes, rate, int(set_bytes) / 1048576.0, seed),
          "Load at the end: `%s`." % load.strip(), "",
          "| fault | node fault | jobs | injected | finished correct | failed, cause named | "
          "failed, cause not named | hung | hung in Slurm | drained (wrong) | corrupt bytes read | leftovers | "
          "slowdown p50 / p99 / max |",
          "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for t in table:
        md.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s (%s) | %s | %s | %s / %s / %s |" % (
            t["kind"], t["node_fault"], t["jobs"], t["injected"], t["correct"], t["failed_named"],
            t["failed_unnamed"], t["hung"], t["hung_slurm"], t["drained_jobs"], t["drained_wrong_jobs"],
            t["corrupt_bytes"], t["leftover_jobs"], t["slowdown_p50"], t["slowdown_p99"],
            t["slowdown_max"]))
    md.append("")
    md.append("hung in Slurm: over the time-outs only because the faulted node's slurmstepd could "
              "not send srun the launch response or a task's exit over the cut link (Slurm sends "
              "neither again), every task having ended.")
    md.append("slowdown: the job's time (submission to srun's return) over the median of the same "
              "job shape (size, mode) without a fault, over the jobs that finished correct.")
    # What the failed jobs said (the first message naming the cause, else
    # the first message), and the drains, counted per kind.
    said = {}
    for r in rows:
        if r["outcome"] not in ("correct",):
            m = re.sub(r"c\d+n\d+", "NODE", r["message"])
            m = re.sub(r"/\d+/", "/JOB/", re.sub(r"\d+(\.\d+)? s\b", "N s", m))
            said.setdefault((r["kind"], r["outcome"], m[:140]), 0)
            said[(r["kind"], r["outcome"], m[:140])] += 1
        for d in filter(None, r["drained"].split(";")):
            k = (r["kind"], "drained", re.sub(r"^c\d+n\d+:", "NODE:", d)[:140])
            said[k] = said.get(k, 0) + 1
    if said:
        md += ["", "| fault | outcome | jobs | message (first naming the cause, else first) / drain |",
               "|---|---|---:|---|"]
        for (k, o, m), c in sorted(said.items(), key=lambda x: (ORDER.index(x[0][0]), x[0][1], -x[1])):
            md.append("| %s | %s | %d | `%s` |" % (k, o, c, m.replace("|", "/").replace("`", "'")))
    with open(os.path.join(out, "faults.md"), "w") as f:
        f.write("\n".join(md) + "\n")


main()
