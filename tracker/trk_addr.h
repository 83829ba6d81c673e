/* trk_addr.h - peers per source address, for the per-address cap.
 *
 * One entry per address that has at least one peer in any swarm, in an
 * open-addressing table (keyed hash, backward-shift deletion) that grows by
 * doubling; it never holds more entries than there are peers, so it is
 * bounded by the store's caps. */
#ifndef TRK_ADDR_H
#define TRK_ADDR_H

#include <stdint.h>

struct trk_addr {
	uint8_t ip[16];
	uint32_t h;
	uint32_t npeers;         /* 0: free slot */
};

struct trk_addrs {
	struct trk_addr *slots;
	uint32_t mask;           /* slots - 1, a power of two minus one */
	uint32_t n;              /* entries in use */
};

int trk_addrs_init(struct trk_addrs *a);
void trk_addrs_free(struct trk_addrs *a);
/* Peers from ip now (h: the caller's keyed hash of ip). */
uint32_t trk_addrs_count(const struct trk_addrs *a, const uint8_t ip[16], uint32_t h);
/* One peer more from ip; -1 when memory runs out (nothing changed). */
int trk_addrs_add(struct trk_addrs *a, const uint8_t ip[16], uint32_t h);
/* One peer less from ip (which must have one). */
void trk_addrs_sub(struct trk_addrs *a, const uint8_t ip[16], uint32_t h);

#endif
