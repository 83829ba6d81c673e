#!/usr/bin/python3
"""bt_probe.py - what a stranger gets from a helper: a small BitTorrent client.

Run as any user; prints one line "RESULT key=value ..." and exits 0 (the
caller judges).  Every socket operation has a time-out; nothing loops
without a bound.

  bt_probe.py plain HOST PORT HASH40        plaintext BitTorrent handshake
  bt_probe.py mse HOST PORT HASH40 [FILE]   MSE/PE handshake with SKEY=HASH40,
                                            then the BitTorrent handshake, then
                                            ask for block 0; FILE: save what
                                            this client sent (for replay)
  bt_probe.py replay HOST PORT FILE         send FILE's bytes as they are
  bt_probe.py proxy LPORT HOST PORT FILE SECONDS
                                            forward every connection on
                                            127.0.0.1:LPORT (or LHOST:LPORT) to
                                            HOST:PORT; save the first
                                            connection's client bytes to FILE
  bt_probe.py lt TORRENT SECONDS HOST:PORT...
                                            a libtorrent client with the set's
                                            torrent (or "magnet:HASH40")
  bt_probe.py jobhash TORRENT SWARMKEY      the job's info-hash (hex, 64)
"""
import hashlib
import os
import select
import socket
import struct
import sys
import time

P = int("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
        "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
        "4FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563", 16)
PSTR = b"\x13BitTorrent protocol"
T = 5.0          # seconds per blocking step


def out(**kw):
    print("RESULT " + " ".join("%s=%s" % (k, v) for k, v in kw.items()))
    sys.stdout.flush()


def sha1(*parts):
    return hashlib.sha1(b"".join(parts)).digest()


class RC4:
    def __init__(self, key):
        s = list(range(256))
        j = 0
        for i in range(256):
            j = (j + s[i] + key[i % len(key)]) & 255
            s[i], s[j] = s[j], s[i]
        self.s, self.i, self.j = s, 0, 0
        self.crypt(bytes(1024))          # MSE discards the first 1024 bytes

    def crypt(self, data):
        s, i, j, o = self.s, self.i, self.j, bytearray(len(data))
        for n, c in enumerate(data):
            i = (i + 1) & 255
            j = (j + s[i]) & 255
            s[i], s[j] = s[j], s[i]
            o[n] = c ^ s[(s[i] + s[j]) & 255]
        self.i, self.j = i, j
        return bytes(o)


def recv_some(sk, want, deadline):
    """Up to want bytes before deadline; b"" on close."""
    buf = b""
    while len(buf) < want and time.time() < deadline:
        r, _, _ = select.select([sk], [], [], max(0.0, deadline - time.time()))
        if not r:
            break
        try:
            d = sk.recv(want - len(buf))
        except OSError:
            break
        if not d:
            break
        buf += d
    return buf


def drain(sk, seconds):
    """Everything until close or time-out: (bytes, closed)."""
    buf, end = b"", time.time() + seconds
    while time.time() < end and len(buf) < (1 << 20):
        r, _, _ = select.select([sk], [], [], max(0.0, end - time.time()))
        if not r:
            return buf, False
        try:
            d = sk.recv(65536)
        except OSError:
            return buf, True
        if not d:
            return buf, True
        buf += d
    return buf, False


def connect(host, port):
    return socket.create_connection((host, int(port)), timeout=T)


def bt_handshake(ih):
    reserved = bytes([0, 0, 0, 0, 0, 0x10, 0, 0x04])     # extensions, fast
    return PSTR + reserved + ih + b"-PR0001-" + os.urandom(6).hex().encode()


class Msgs:
    """BitTorrent messages read from a (decrypted) stream."""

    def __init__(self, read):
        self.read, self.buf = read, b""

    def need(self, n, deadline):
        while len(self.buf) < n and time.time() < deadline:
            d = self.read(deadline)
            if not d:
                return False
            self.buf += d
        return len(self.buf) >= n

    def take(self, n):
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def handshake(self, deadline):
        if not self.need(68, deadline) or not self.buf.startswith(PSTR):
            return None
        return self.take(68)

    def next(self, deadline):
        if not self.need(4, deadline):
            return None
        n = struct.unpack(">I", self.buf[:4])[0]
        if n > (1 << 20) or not self.need(4 + n, deadline):
            return None
        m = self.take(4 + n)[4:]
        return (m[0], m[1:]) if m else (-1, b"")


def session(msgs, send, deadline):
    """After the handshakes: what the peer shows and whether it sends block 0."""
    got = {"bitfield": 0, "have": 0, "metadata": 0, "block": 0}
    asked = False
    while time.time() < deadline:
        m = msgs.next(deadline)
        if m is None:
            break
        mid, body = m
        if mid in (5, 14):                      # bitfield, have_all
            got["bitfield"] = 1
        elif mid == 4:
            got["have"] += 1
        elif mid == 20 and body[:1] != b"\0":   # an extension message: ut_metadata
            got["metadata"] = 1
        elif mid == 7:
            got["block"] = 1
            got["block_sha256"] = hashlib.sha256(body[8:]).hexdigest()[:16]
            break
        if got["bitfield"] and not asked:
            send(struct.pack(">IB", 1, 2))                      # interested
            send(struct.pack(">IBIII", 13, 6, 0, 0, 16384))     # request block 0
            asked = True
    return got


def cmd_plain(host, port, h40):
    sk = connect(host, port)
    sk.sendall(bt_handshake(bytes.fromhex(h40)))
    data, closed = drain(sk, T)
    out(mode="plain", received=len(data), closed=int(closed),
        handshake=int(data.startswith(PSTR)))


def cmd_mse(host, port, h40, save=None):
    skey = bytes.fromhex(h40)
    xa = int.from_bytes(os.urandom(20), "big")
    ya = pow(2, xa, P).to_bytes(96, "big")
    sk = connect(host, port)
    sent = bytearray()

    def send(b):
        sent.extend(b)
        sk.sendall(b)
    send(ya + os.urandom(32))
    deadline = time.time() + T
    yb = recv_some(sk, 96, deadline)
    if len(yb) < 96:
        out(mode="mse", stage="dh", received=len(yb), accepted=0)
        return
    s = pow(int.from_bytes(yb, "big"), xa, P).to_bytes(96, "big")
    enc = RC4(sha1(b"keyA", s, skey))
    dec = RC4(sha1(b"keyB", s, skey))
    ia = bt_handshake(skey)
    step3 = enc.crypt(bytes(8) + struct.pack(">IH", 3, 0) + struct.pack(">H", len(ia)) + ia)
    send(sha1(b"req1", s) + bytes(a ^ b for a, b in zip(sha1(b"req2", skey), sha1(b"req3", s))))
    send(step3)
    # B answers ENCRYPT(VC) somewhere within its padding (at most 512 bytes).
    want = dec.crypt(bytes(8))
    stream = b""
    while want not in stream and len(stream) < 512 + 8 and time.time() < deadline:
        d = recv_some(sk, 1, deadline)
        if not d:
            break
        stream += d
    if save:
        with open(save, "wb") as f:
            f.write(bytes(sent))
    if want not in stream:
        rest, closed = drain(sk, 2)
        out(mode="mse", stage="skey", accepted=0, received=96 + len(stream) + len(rest),
            closed=int(closed))
        return
    head = dec.crypt(recv_some(sk, 6, deadline))
    select_, padlen = struct.unpack(">IH", head)
    dec.crypt(recv_some(sk, padlen, deadline))
    rc4 = select_ == 2

    def read(dl):
        d = recv_some(sk, 4096, min(dl, time.time() + 0.5)) or recv_some(sk, 1, dl)
        return dec.crypt(d) if rc4 and d else d

    def send_msg(b):
        send(enc.crypt(b) if rc4 else b)
    msgs = Msgs(read)
    hs = msgs.handshake(time.time() + T)
    got = session(msgs, send_msg, time.time() + T) if hs else {}
    out(mode="mse", accepted=1, crypto="rc4" if rc4 else "plaintext",
        handshake=int(hs is not None), **got)


def cmd_replay(host, port, path):
    with open(path, "rb") as f:
        data = f.read()
    sk = connect(host, port)
    try:
        sk.sendall(data)
    except OSError:
        pass
    # The responder finds no valid sync hash in the replayed bytes and keeps
    # reading until its handshake time-out (libtorrent's handshake_timeout,
    # 10 s) before it closes: wait past that, not T.
    got, closed = drain(sk, 20)
    # Only the responder's DH value and padding (96 + at most 512 bytes) may
    # come back; anything after that would be the peer's encrypted answer.
    out(mode="replay", sent=len(data), received=len(got), closed=int(closed),
        beyond_dh=int(len(got) > 96 + 512))


def cmd_proxy(lport, host, port, path, seconds):
    lhost = "127.0.0.1"
    if ":" in lport:
        lhost, lport = lport.rsplit(":", 1)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((lhost, int(lport)))
    ls.listen(8)
    pairs, first, up, down = {}, None, 0, 0
    end = time.time() + float(seconds)
    saved = bytearray()
    while time.time() < end:
        r, _, _ = select.select([ls] + list(pairs), [], [], 0.5)
        for s in r:
            if s is ls:
                c, _ = ls.accept()
                try:
                    u = connect(host, port)
                except OSError:
                    c.close()
                    continue
                first = first or c
                pairs[c], pairs[u] = u, c
                continue
            try:
                d = s.recv(65536)
            except OSError:
                d = b""
            peer = pairs.get(s)
            if not d or peer is None:
                for x in (s, peer):
                    if x is not None:
                        pairs.pop(x, None)
                        x.close()
                continue
            if s is first:
                up += len(d)
                if len(saved) < 4096:       # kept at once: the caller may kill us
                    saved.extend(d[:4096 - len(saved)])
                    with open(path, "wb") as f:
                        f.write(bytes(saved))
            elif peer is first:
                down += len(d)
            try:
                peer.sendall(d)
            except OSError:
                pass
    out(mode="proxy", client_bytes=up, server_bytes=down)


def cmd_lt(torrent, seconds, peers):
    import libtorrent as lt
    ses = lt.session({"listen_interfaces": "0.0.0.0:0", "enable_dht": False,
                      "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
                      "alert_mask": lt.alert.category_t.all_categories})
    atp = lt.add_torrent_params()
    if torrent.startswith("magnet:"):
        atp = lt.parse_magnet_uri("magnet:?xt=urn:btmh:1220" + torrent[7:]
                                  if len(torrent) == 7 + 64 else
                                  "magnet:?xt=urn:btih:" + torrent[7:])
    else:
        atp.ti = lt.torrent_info(torrent)
    atp.save_path = "/tmp/bt_probe_lt.%d" % os.getpid()
    h = ses.add_torrent(atp)
    end = time.time() + float(seconds)
    seen_bitfield = 0
    while time.time() < end:
        for p in peers:
            hp, pp = p.rsplit(":", 1)
            h.connect_peer((hp, int(pp)))
        time.sleep(1)
        for pi in h.get_peer_info():
            if any(pi.pieces):
                seen_bitfield = 1
        ses.pop_alerts()
    st = h.status()
    out(mode="lt", pieces=st.num_pieces, downloaded=st.total_payload_download,
        metadata=int(st.has_metadata and torrent.startswith("magnet:")),
        bitfield=seen_bitfield, peers=st.num_peers)
    os.system("rm -rf '%s'" % atp.save_path)


def bdecode(b, i=0):
    c = b[i:i + 1]
    if c == b"i":
        e = b.index(b"e", i)
        return int(b[i + 1:e]), e + 1
    if c in (b"l", b"d"):
        i += 1
        items = []
        while b[i:i + 1] != b"e":
            v, i = bdecode(b, i)
            items.append(v)
        return (dict(zip(items[::2], items[1::2])) if c == b"d" else items), i + 1
    colon = b.index(b":", i)
    n = int(b[i:colon])
    return b[colon + 1:colon + 1 + n], colon + 1 + n


def bencode(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    return b"d" + b"".join(bencode(k) + bencode(v[k]) for k in sorted(v)) + b"e"


def cmd_jobhash(torrent, swarm_key):
    with open(torrent, "rb") as f:
        t, _ = bdecode(f.read())
    info = t[b"info"]
    info[b"private"] = 1
    info[b"x-dsl-job"] = swarm_key.encode()
    print(hashlib.sha256(bencode(info)).hexdigest())


def main(a):
    cmds = {"plain": cmd_plain, "mse": cmd_mse, "replay": cmd_replay, "proxy": cmd_proxy,
            "jobhash": cmd_jobhash}
    try:
        if a and a[0] == "lt":
            cmd_lt(a[1], a[2], a[3:])
        elif a and a[0] in cmds:
            cmds[a[0]](*a[1:])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except (OSError, ValueError, struct.error) as e:
        out(mode=a[0], error=type(e).__name__, accepted=0, received=0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
