/* fuzz_trk_request.c - libFuzzer target for everything a client controls:
 * query strings (announce and scrape), BEP 15 packets through the whole
 * UDP answer path, and announce sequences against a tiny store (so the
 * caps, per address and in total, the index, peer ownership and the
 * seeder partition are hit hard).
 * The first byte picks the target. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "trk_request.h"
#include "trk_store.h"
#include "trk_tracker.h"
#include "trk_udp.h"
#include "trk_udp_proto.h"

static const char *to_announce(void *a, const char *k, const char *v, size_t n)
{
	return trk_announce_arg(a, k, v, n);
}

static const char *to_scrape(void *s, const char *k, const char *v, size_t n)
{
	return trk_scrape_arg(s, k, v, n);
}

static void fuzz_query(const uint8_t *d, size_t n)
{
	struct trk_announce a;
	struct trk_scrape s;
	trk_announce_init(&a);
	if (!trk_query_parse((const char *)d, n, to_announce, &a))
		trk_announce_finish(&a);
	trk_scrape_init(&s);
	trk_query_parse((const char *)d, n, to_scrape, &s);
}

/* A whole tracker (allow-list off, secret on half the time), as the UDP
 * socket would drive it; two packets so a connect can precede an announce. */
static void fuzz_udp(const uint8_t *d, size_t n)
{
	struct trk_opts o;
	struct dsl_log log;
	struct trk_tracker t;
	uint8_t out[1400], ip[16] = { 0 };
	memset(&o, 0, sizeof(o));
	o.interval = 30;
	o.peer_timeout = 60;
	o.max_swarms = 4;
	o.max_peers = 8;
	o.numwant_max = 50;
	o.udp_conn_ttl = 60;
	o.secret = n && (d[0] & 1) ? "s" : NULL;
	dsl_log_init(&log, "fuzz", NULL);
	if (trk_tracker_init(&t, &o, &log) < 0)
		return;
	ip[10] = ip[11] = 0xff;
	ip[15] = 1;
	size_t half = n / 2;
	trk_udp_answer(&t, d, half, ip, 1, 1000, 5, out, sizeof(out));
	/* give the second packet a valid connection id */
	uint8_t pkt[2048];
	size_t m = n - half < sizeof(pkt) ? n - half : sizeof(pkt);
	memcpy(pkt, d + half, m);
	if (m >= 8)
		trk_put64(pkt, trk_udp_conn_id(&t.conn_key, ip, 1000, 5, 60));
	trk_udp_answer(&t, pkt, m, ip, 1, 1000, 5, out, sizeof(out));
	trk_tracker_free(&t);
}

/* 4-byte operations: swarm, peer, left/stop bits, time step. */
static void fuzz_store(const uint8_t *d, size_t n)
{
	struct trk_store st;
	uint8_t v4[6 * 16], v6[18 * 16];
	struct trk_peerlist l = { v4, v6, 0, 0 };
	uint32_t s, le;
	int64_t now = 0;
	if (trk_store_init(&st, 3, 6) < 0)
		return;
	st.lim.max_total_peers = 10;
	st.lim.max_peers_per_addr = 4;
	st.lim.takeover_after = 7;
	for (size_t i = 0; i + 4 <= n; i += 4) {
		struct trk_peer_in in;
		memset(&in, 0, sizeof(in));
		memset(in.hash, d[i] % 5, TRK_HASH_LEN);
		in.v4 = !(d[i + 1] & 0x80);
		in.ip[15] = d[i + 1] & 0x0f;
		in.port = (uint16_t)(1 + (d[i + 2] & 0x07));
		in.left = d[i + 2] & 0x08 ? 0 : 10;
		in.downloaded = d[i + 2] & 0x10 ? 1 : 0;
		in.peer_id[0] = d[i + 1] & 0x40 ? 1 : 0;   /* two processes per address and port */
		in.stopped = (d[i + 2] & 0x60) == 0x60;
		in.completed = (d[i + 2] & 0x60) == 0x20;
		now += d[i + 3] & 0x0f;
		if (d[i + 3] & 0x80)
			trk_store_expire(&st, now, 20);
		else
			trk_store_announce(&st, &in, now, d[i + 3] >> 4, &l, &s, &le);
		if (st.nswarms > 3 || l.n4 + l.n6 > 15 || st.npeers > 10 || st.addrs.n > st.npeers)
			__builtin_trap();
	}
	trk_store_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0: fuzz_query(data + 1, size - 1); break;
	case 1: fuzz_udp(data + 1, size - 1); break;
	default: fuzz_store(data + 1, size - 1); break;
	}
	return 0;
}
