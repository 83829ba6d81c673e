#!/usr/bin/env python3
"""Floods a dsl-tracker the way a hostile user could: many fake peers, each
announcing and then posting a report of about REPORT_BYTES, from one or more
loopback source addresses, over keep-alive HTTP.  Prints one JSON line of
counts: accepted, and refused by reason.  Every request has a time-out and
the whole run a deadline, so it cannot hang a test.

  trk_flood.py PORT HASH40 --addrs A --peers N [--report-bytes B]
               [--secret S] [--first-addr 127.0.1.1] [--deadline SEC]
"""
import argparse
import http.client
import ipaddress
import json
import re
import sys
import time
import urllib.parse


def reason(body):
    m = re.search(rb"failure reason(\d+):", body)
    if m:
        n = int(m.group(1))
        return body[m.end():m.end() + n].decode(errors="replace")
    return body.decode(errors="replace").strip()[:120]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("hash")
    ap.add_argument("--addrs", type=int, default=1)
    ap.add_argument("--peers", type=int, default=100, help="per address")
    ap.add_argument("--report-bytes", type=int, default=0)
    ap.add_argument("--secret", default="")
    ap.add_argument("--first-addr", default="127.0.1.1")
    ap.add_argument("--deadline", type=float, default=120)
    a = ap.parse_args()
    t0 = time.monotonic()
    ih = urllib.parse.quote(bytes.fromhex(a.hash), safe="")
    sec = "&dsl_secret=" + a.secret if a.secret else ""
    out = {"announce_ok": 0, "report_ok": 0, "announce_refused": {}, "report_refused": {},
           "requests": 0}
    pad = max(a.report_bytes - 40, 0)
    first = ipaddress.ip_address(a.first_addr)
    for k in range(a.addrs):
        src = str(first + k)
        c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=5, source_address=(src, 0))
        for i in range(a.peers):
            if time.monotonic() - t0 > a.deadline:
                out["deadline_hit"] = True
                break
            port = 10000 + i
            pid = urllib.parse.quote(("-FL0001-%012d" % (k * 100000 + i)).encode(), safe="")
            q = "info_hash=%s&peer_id=%s&port=%d&uploaded=0&downloaded=0&left=10%s" % (
                ih, pid, port, sec)
            for kind in ("announce", "report"):
                if kind == "report" and not a.report_bytes:
                    break
                try:
                    if kind == "announce":
                        c.request("GET", "/announce?" + q)
                    else:
                        body = json.dumps({"set": "flood", "pad": "x" * pad})
                        c.request("POST", "/report?" + q, body=body,
                                  headers={"Content-Type": "application/json"})
                    r = c.getresponse()
                    data = r.read()
                except (OSError, http.client.HTTPException) as e:
                    c.close()
                    c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=5,
                                                   source_address=(src, 0))
                    data, r = str(e).encode(), None
                out["requests"] += 1
                good = r is not None and r.status == 200 and b"failure reason" not in data
                if good:
                    out[kind + "_ok"] += 1
                else:
                    why = reason(data)
                    d = out[kind + "_refused"]
                    d[why] = d.get(why, 0) + 1
        c.close()
    out["seconds"] = round(time.monotonic() - t0, 2)
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
