/* trk_udp_proto.h - BEP 15 packets (and BEP 41 URL data) without sockets.
 *
 * Kept apart from trk_udp.c so that the fuzz target and the unit tests
 * reach the parser without a socket. */
#ifndef TRK_UDP_PROTO_H
#define TRK_UDP_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "trk_request.h"
#include "trk_siphash.h"

#define TRK_UDP_PROTOCOL_ID 0x41727101980ULL

enum trk_udp_action {
	TRK_UDP_CONNECT = 0,
	TRK_UDP_ANNOUNCE = 1,
	TRK_UDP_SCRAPE = 2,
	TRK_UDP_ERROR = 3,
};

struct trk_udp_req {
	uint32_t action, tid;
	uint64_t conn_id;
	struct trk_announce ann;     /* action announce */
	struct trk_scrape scr;       /* action scrape */
};

/* 0: parsed (r->action says which); 1: malformed but the transaction id is
 * known (answer with *why as an error); -1: too short to answer at all. */
int trk_udp_parse(const uint8_t *pkt, size_t n, struct trk_udp_req *r, const char **why);

/* Connection ids: a keyed hash of the client's IP address (port ignored)
 * and the current period of ttl seconds; valid in that period and the next. */
uint64_t trk_udp_conn_id(const struct trk_sipkey *key, const uint8_t ip[16],
			 uint16_t port, int64_t now, int64_t ttl);
int trk_udp_conn_ok(const struct trk_sipkey *key, const uint8_t ip[16], uint16_t port,
		    int64_t now, int64_t ttl, uint64_t id);

void trk_put32(uint8_t *p, uint32_t v);
void trk_put64(uint8_t *p, uint64_t v);
uint32_t trk_get32(const uint8_t *p);
uint64_t trk_get64(const uint8_t *p);

#endif
