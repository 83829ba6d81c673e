/* trk_udp_proto.c - BEP 15 request parsing and connection ids. */
#include "trk_udp_proto.h"

#include <string.h>

void trk_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void trk_put64(uint8_t *p, uint64_t v)
{
	trk_put32(p, (uint32_t)(v >> 32));
	trk_put32(p + 4, (uint32_t)v);
}

uint32_t trk_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t trk_get64(const uint8_t *p)
{
	return (uint64_t)trk_get32(p) << 32 | trk_get32(p + 4);
}

#define URLDATA_MAX 1024

static const char *secret_arg(void *arg, const char *key, const char *val, size_t vlen)
{
	/* only the secret: URL data must not override the binary fields */
	if (strcmp(key, TRK_SECRET_PARAM) != 0)
		return NULL;
	return trk_announce_arg(arg, key, val, vlen);
}

/* BEP 41 options after the fixed announce: the URL's path and query,
 * possibly split over several URLData options. */
static const char *parse_options(const uint8_t *p, size_t n, struct trk_announce *a)
{
	char url[URLDATA_MAX];
	size_t ulen = 0, i = 0;
	while (i < n) {
		uint8_t type = p[i++];
		if (type == 0)
			break;
		if (type == 1)
			continue;
		if (i >= n)
			return "malformed option";
		size_t len = p[i++];
		if (len > n - i)
			return "malformed option: truncated";
		if (type == 2) {
			if (ulen + len > sizeof(url))
				return "URL data too long";
			memcpy(url + ulen, p + i, len);
			ulen += len;
		}
		i += len;
	}
	const char *q = memchr(url, '?', ulen);
	if (!q)
		return NULL;
	return trk_query_parse(q + 1, ulen - (size_t)(q + 1 - url), secret_arg, a);
}

static const char *parse_announce(const uint8_t *p, size_t n, struct trk_announce *a)
{
	if (n < 98)
		return "announce too short";
	trk_announce_init(a);
	memcpy(a->info_hash, p + 16, 20);
	memcpy(a->peer_id, p + 36, 20);
	a->downloaded = trk_get64(p + 56);
	a->left = trk_get64(p + 64);
	a->uploaded = trk_get64(p + 72);
	uint32_t ev = trk_get32(p + 80);
	if (ev > 3)
		return "invalid event";
	a->event = (enum trk_event)ev;
	/* p + 84: ip (ignored: the packet's source is the peer), p + 88: key */
	uint32_t nw = trk_get32(p + 92);
	if (nw != UINT32_MAX) {     /* -1: the tracker's default */
		a->numwant = nw;
		a->seen |= TRK_SEEN_NUMWANT;
	}
	a->port = (uint16_t)(p[96] << 8 | p[97]);
	if (a->port == 0)
		return "invalid port: must be 1-65535";
	a->seen |= TRK_SEEN_HASH | TRK_SEEN_PORT | TRK_SEEN_PEERID | TRK_SEEN_LEFT;
	return parse_options(p + 98, n - 98, a);
}

static const char *parse_scrape(const uint8_t *p, size_t n, struct trk_scrape *s)
{
	trk_scrape_init(s);
	size_t count = (n - 16) / TRK_HASH_LEN;
	if ((n - 16) % TRK_HASH_LEN)
		return "scrape: length not a multiple of 20";
	if (count == 0)
		return "scrape: no info_hash";
	if (count > TRK_SCRAPE_MAX)
		return "too many info_hash in one scrape (at most 64)";
	for (size_t i = 0; i < count; i++)
		memcpy(s->hashes[i], p + 16 + i * TRK_HASH_LEN, TRK_HASH_LEN);
	s->n = count;
	return NULL;
}

int trk_udp_parse(const uint8_t *pkt, size_t n, struct trk_udp_req *r, const char **why)
{
	*why = NULL;
	if (n < 16)
		return -1;
	r->conn_id = trk_get64(pkt);
	r->action = trk_get32(pkt + 8);
	r->tid = trk_get32(pkt + 12);
	switch (r->action) {
	case TRK_UDP_CONNECT:
		if (r->conn_id != TRK_UDP_PROTOCOL_ID)
			*why = "connect: wrong protocol id";
		break;
	case TRK_UDP_ANNOUNCE:
		*why = parse_announce(pkt, n, &r->ann);
		break;
	case TRK_UDP_SCRAPE:
		*why = parse_scrape(pkt, n, &r->scr);
		break;
	default:
		*why = "unknown action";
	}
	return *why ? 1 : 0;
}

/* Keyed on the address only, not the port: libtorrent keeps one connection
 * id per tracker and uses it from every socket of the process. */
static uint64_t conn_hash(const struct trk_sipkey *key, const uint8_t ip[16],
			  uint16_t port, int64_t period)
{
	uint8_t buf[24];
	(void)port;
	memcpy(buf, ip, 16);
	trk_put64(buf + 16, (uint64_t)period);
	return trk_siphash(key, buf, sizeof(buf));
}

uint64_t trk_udp_conn_id(const struct trk_sipkey *key, const uint8_t ip[16],
			 uint16_t port, int64_t now, int64_t ttl)
{
	return conn_hash(key, ip, port, now / ttl);
}

int trk_udp_conn_ok(const struct trk_sipkey *key, const uint8_t ip[16], uint16_t port,
		    int64_t now, int64_t ttl, uint64_t id)
{
	int64_t period = now / ttl;
	return id == conn_hash(key, ip, port, period) || id == conn_hash(key, ip, port, period - 1);
}
