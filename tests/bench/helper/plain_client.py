#!/usr/bin/python3
"""A plain libtorrent client, the yardstick of tests/bench/helper/cpu.sh.

  plain_client.py TORRENT SAVE_DIR LISTEN_IP PORT READY_FILE

Listens on LISTEN_IP:PORT, writes READY_FILE once its torrent is added, and
downloads the torrent from whoever connects (the benchmark's seeder dials
it) with libtorrent's default settings
(python3-libtorrent, the same libtorrent as the helper), except what has no
place on a cluster network: no DHT, local discovery, UPnP or NAT-PMP, and no
encryption (the helper's public swarms send plaintext too).  Prints one line
"cpu SECONDS wall SECONDS": its CPU (all threads) from the torrent's start to
its last piece, and the time it took; exits 1 after 600 s without it."""
import resource
import sys
import time

import libtorrent as lt


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    torrent, save, ip, port, ready = sys.argv[1:6]
    pack = lt.default_settings()
    pack.update({
        "listen_interfaces": ip + ":" + port,
        "alert_mask": lt.alert.category_t.status_notification | lt.alert.category_t.error_notification,
        "enable_dht": False, "enable_lsd": False,
        "enable_upnp": False, "enable_natpmp": False,
        "out_enc_policy": lt.enc_policy.disabled,
        "in_enc_policy": lt.enc_policy.disabled,
    })
    ses = lt.session(pack)
    c0, t0 = cpu(), time.monotonic()
    ses.add_torrent({"ti": lt.torrent_info(torrent), "save_path": save})
    open(ready, "w").close()
    while time.monotonic() - t0 < 600:
        # woken by libtorrent's alerts, not a poll of the status
        ses.wait_for_alert(1000)
        for a in ses.pop_alerts():
            if isinstance(a, lt.torrent_finished_alert):
                print("cpu %.3f wall %.3f" % (cpu() - c0, time.monotonic() - t0))
                return 0
    print("plain_client: not complete in 600 s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
