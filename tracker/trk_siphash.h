/* trk_siphash.h - SipHash-2-4, a keyed 64-bit hash.
 *
 * Keyed so that a client cannot choose info-hashes or addresses that all
 * land in one bucket, and so that UDP connection ids cannot be forged. */
#ifndef TRK_SIPHASH_H
#define TRK_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct trk_sipkey {
	uint64_t k0, k1;
};

uint64_t trk_siphash(const struct trk_sipkey *key, const void *data, size_t len);
/* Fills key from getrandom(2); falls back to time and pid if that fails. */
void trk_sipkey_random(struct trk_sipkey *key);

#endif
