/* trk_udp.h - the UDP tracker (BEP 15) on a bound, non-blocking socket. */
#ifndef TRK_UDP_H
#define TRK_UDP_H

#include "trk_tracker.h"

#define TRK_UDP_BATCH 32
#define TRK_UDP_PKT 1500

struct trk_udp {
	int fd;                 /* owned */
	struct trk_tracker *t;
	uint8_t (*in)[TRK_UDP_PKT];     /* TRK_UDP_BATCH buffers each way */
	uint8_t (*out)[TRK_UDP_PKT];
};

/* Takes ownership of fd. */
int trk_udp_init(struct trk_udp *u, struct trk_tracker *t, int fd);
/* Answers what is waiting (at most a few batches, so HTTP is not starved). */
void trk_udp_run(struct trk_udp *u, int64_t now);
void trk_udp_free(struct trk_udp *u);

/* One request in, one answer out (0 bytes: no answer).  Exposed for tests. */
size_t trk_udp_answer(struct trk_tracker *t, const uint8_t *pkt, size_t n,
		      const uint8_t ip[16], int v4, uint16_t port, int64_t now,
		      uint8_t *out, size_t outcap);

#endif
