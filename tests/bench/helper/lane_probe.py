#!/usr/bin/env python3
"""lane_probe.py - what a separate connection for urgent pieces would see:
one 16 KiB piece asked for and answered over its own TCP connection between
two benchmark nodes, while the swarm fills their links (urgent.sh --probe).

  lane_probe.py serve IP PORT
  lane_probe.py ask IP PORT GAP_MS persistent|fresh OUT

The server answers each 4-byte request with its node's send rate (bytes/s
over the last half second, from /proc/self/net/dev in its namespace) and
16 KiB.  The client asks every GAP_MS until killed, on one connection
(persistent) or a new one each time (fresh), and writes per answer
"LATENCY_MS SERVER_SEND_RATE" to OUT (a failure: "err REASON")."""
import socket
import struct
import sys
import threading
import time

PIECE = 16384


def sent_bytes():
    total = 0
    with open('/proc/self/net/dev') as f:
        for line in f.readlines()[2:]:
            name, rest = line.split(':', 1)
            if name.strip() != 'lo':
                total += int(rest.split()[8])
    return total


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d:
            raise OSError('connection closed')
        buf += d
    return bytes(buf)


def serve(ip, port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((ip, port))
    ls.listen(16)
    lock = threading.Lock()
    window = {'t': time.monotonic(), 'b': sent_bytes(), 'rate': 0.0}
    piece = b'\0' * PIECE

    def rate():
        with lock:
            now, b = time.monotonic(), sent_bytes()
            if now - window['t'] >= 0.5:
                window['rate'] = (b - window['b']) / (now - window['t'])
                window['t'], window['b'] = now, b
            return window['rate']

    def one(c):
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.settimeout(30)
        try:
            while True:
                recv_exact(c, 4)
                c.sendall(struct.pack('!d', rate()) + piece)
        except OSError:
            pass
        finally:
            c.close()

    while True:
        c, _ = ls.accept()
        threading.Thread(target=one, args=(c,), daemon=True).start()


def ask(ip, port, gap_ms, mode, out):
    s = None
    with open(out, 'w') as f:
        for _ in range(100000):   # killed at the round's end long before
            t0 = time.monotonic()
            try:
                if s is None or mode == 'fresh':
                    if s is not None:
                        s.close()
                    s = socket.create_connection((ip, port), timeout=5)
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.sendall(b'\0\0\0\1')
                r = struct.unpack('!d', recv_exact(s, 8))[0]
                recv_exact(s, PIECE)
                f.write('%.1f %.0f\n' % ((time.monotonic() - t0) * 1000, r))
            except OSError as e:
                f.write('err %s\n' % e)
                s = None
            f.flush()
            time.sleep(gap_ms / 1000)


if __name__ == '__main__':
    if len(sys.argv) == 4 and sys.argv[1] == 'serve':
        serve(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 7 and sys.argv[1] == 'ask' and sys.argv[5] in ('persistent', 'fresh'):
        ask(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6])
    else:
        sys.exit(__doc__)
