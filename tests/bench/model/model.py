#!/usr/bin/env python3
"""Time until every node has the whole set, versus N up to 16,384: a model
built from figures measured on this machine, next to the measured points.

    tests/bench/model/model.py [--csv SCALE_CSV] [--out DIR]

Inputs (each measured here; the README says by which command):
  - the scale benchmark's results (tests/bench/scale/results/scale.csv):
    S/L, the launch cost of an empty job at N = 4..64, and the times of
    naive, sbcast and dslswarm (lazy) at N = 4..64 (S = 8 MiB, L = 20 Mbit/s);
  - the prolog's time, flat from 64 to 16,384 nodes (prolog-scale.test);
  - the tracker's latency under the start-of-job burst of 16,384 announces
    (tests/bench/tracker/burst.sh);
  - the direct-peer graph's diameter, computed from lib/dsl_roles.c's rule.

Model (seconds):
  launch(N)  = a + b log2 N, fitted to the empty jobs
  dslswarm   = launch + prolog + tracker p99 + f S/L + D(N) P/L
               f: (T - launch) / (S/L) at N = 4..16, where the CPU was not the
               limit; D(N): hops across the direct-peer graph; P: piece size
  sbcast     = launch + min(N, W) S/L + (ceil(log_W N) - 1) W B/L, W = 16
               (a tree of width W, blocks of B = 256 KiB pipelined level to level)
  naive      = launch + N S/L   (every node reads the file server's link)
Writes model.csv and model.png (gnuplot) into --out."""
import argparse, collections, csv, math, os, subprocess

PROLOG_S = 0.15          # prolog-scale.test: 0.08-0.19 s at 64..16,384 nodes
TRACKER_P99_S = 0.030    # burst.sh: 16,384 announces, p99 29.7 ms
PIECE = 16 * 1024        # dsl create's piece size for the 8 MiB set
BLOCK = 256 * 1024       # sbcast -s 256k
WIDTH = 16
SIZES = [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]


def offsets(n, k=8):     # lib/dsl_roles.c: dsl_roles_neighbours
    m = k // 2
    lo, hi = 1.0, float(n)
    for _ in range(64):
        mid = (lo + hi) / 2
        if mid ** m < n:
            lo = mid
        else:
            hi = mid
    out, prev, p = [], 0, 1.0
    for _ in range(m):
        o = int(p + 0.5)
        if o <= prev:
            o = prev + 1
        if o > n // 2:
            o = prev + 1
        if o > n // 2:
            break
        out.append(o)
        prev = o
        p *= hi
    return out


def diameter(n):
    offs = offsets(n)
    dist = {0: 0}
    q = collections.deque([0])
    while q:
        u = q.popleft()
        for o in offs:
            for v in ((u + o) % n, (u - o) % n):
                if v not in dist:
                    dist[v] = dist[u] + 1
                    q.append(v)
    return max(dist.values())   # a circulant looks the same from every node


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", default=os.path.join(here, "../scale/results/scale.csv"))
    ap.add_argument("--out", default=os.path.join(here, "results"))
    a = ap.parse_args()
    rows = list(csv.DictReader(open(a.csv)))
    meas = collections.defaultdict(dict)
    for r in rows:
        if r["method"] == "launch" or r["nodes_ok"] == r["nodes"]:
            meas[r["method"]][int(r["nodes"])] = float(r["have_s"])
    ideal = float(rows[0]["ideal_s"])
    rate = float(next(r for r in rows if r["rate_mbit"])["rate_mbit"]) * 1e6 / 8
    # launch: least squares on log2 N
    xs = [math.log2(n) for n in meas["launch"]]
    ys = list(meas["launch"].values())
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    a0 = my - b * mx
    launch = lambda n: a0 + b * math.log2(n)
    f = sorted((meas["dsl-lazy"][n] - meas["launch"][n]) / ideal for n in (4, 8, 16))[1]
    os.makedirs(a.out, exist_ok=True)
    out = os.path.join(a.out, "model.csv")
    with open(out, "w") as w:
        w.write("nodes,hops,launch,dsl,sbcast,naive,meas_dsl,meas_sbcast,meas_naive\n")
        for n in SIZES:
            d = diameter(n)
            dsl = launch(n) + PROLOG_S + TRACKER_P99_S + f * ideal + d * PIECE / rate
            depth = max(1, math.ceil(math.log(n, WIDTH) - 1e-9))
            sb = launch(n) + min(n, WIDTH) * ideal + (depth - 1) * WIDTH * BLOCK / rate
            nv = launch(n) + n * ideal
            m = lambda k: "%.2f" % meas[k][n] if n in meas[k] else ""
            w.write("%d,%d,%.2f,%.2f,%.2f,%.2f,%s,%s,%s\n" % (n, d, launch(n), dsl, sb, nv,
                    m("dsl-lazy"), m("sbcast"), m("naive")))
    print("S/L = %.2f s; launch(N) = %.2f + %.3f log2 N s; f = %.2f; prolog %.2f s; "
          "tracker p99 %.0f ms; piece %d KiB" % (ideal, a0, b, f, PROLOG_S,
                                                  TRACKER_P99_S * 1000, PIECE // 1024))
    print("| N | hops | dslswarm | sbcast (W=16) | naive | measured dsl / sbcast / naive |")
    print("|---:|---:|---:|---:|---:|---|")
    for r in csv.DictReader(open(out)):
        print("| %s | %s | %s | %s | %s | %s |" % (r["nodes"], r["hops"], r["dsl"], r["sbcast"],
              r["naive"], " / ".join(x or "-" for x in (r["meas_dsl"], r["meas_sbcast"], r["meas_naive"]))))
    subprocess.run(["gnuplot", "-e", "csv='%s'; png='%s'; ideal=%f" % (
        out, os.path.join(a.out, "model.png"), ideal), os.path.join(here, "model.gp")], check=True)


if __name__ == "__main__":
    main()
