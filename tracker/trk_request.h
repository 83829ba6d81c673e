/* trk_request.h - announce and scrape requests, whatever the transport.
 *
 * HTTP hands over the (already unescaped) query arguments one by one; UDP
 * fills the same struct from its binary packet.  Parsing never allocates:
 * everything lands in fixed-size fields, so no request can make the
 * tracker allocate.  Errors are static strings that go straight into a
 * "failure reason". */
#ifndef TRK_REQUEST_H
#define TRK_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "trk_store.h"

#define TRK_SECRET_MAX 128
#define TRK_SCRAPE_MAX 64

enum trk_event { TRK_EV_NONE, TRK_EV_COMPLETED, TRK_EV_STARTED, TRK_EV_STOPPED };

struct trk_announce {
	uint8_t info_hash[TRK_HASH_LEN];
	uint8_t peer_id[20];
	uint16_t port;
	uint64_t uploaded, downloaded, left;
	enum trk_event event;
	uint32_t numwant;
	char secret[TRK_SECRET_MAX + 1];
	size_t secret_len;
	unsigned seen;           /* TRK_SEEN_* bits */
};

#define TRK_SEEN_HASH    0x01u
#define TRK_SEEN_PORT    0x02u
#define TRK_SEEN_NUMWANT 0x04u
#define TRK_SEEN_SECRET  0x08u
#define TRK_SEEN_PEERID  0x10u
#define TRK_SEEN_LEFT    0x20u

struct trk_scrape {
	uint8_t hashes[TRK_SCRAPE_MAX][TRK_HASH_LEN];
	size_t n;
	char secret[TRK_SECRET_MAX + 1];
	size_t secret_len;
	unsigned seen;
};

#define TRK_SECRET_PARAM "dsl_secret"

void trk_announce_init(struct trk_announce *a);
/* One query argument; NULL when fine (unknown keys are ignored), else why not. */
const char *trk_announce_arg(struct trk_announce *a, const char *key,
			     const char *val, size_t vlen);
/* After the last argument: what is required. */
const char *trk_announce_finish(const struct trk_announce *a);

void trk_scrape_init(struct trk_scrape *s);
const char *trk_scrape_arg(struct trk_scrape *s, const char *key,
			   const char *val, size_t vlen);

/* Parses a whole query string "a=b&c=d" with %XX escapes (BEP 41 URL data
 * in UDP announces).  Calls fn for each argument; stops at its first error. */
typedef const char *(*trk_arg_fn)(void *arg, const char *key, const char *val, size_t vlen);
const char *trk_query_parse(const char *q, size_t len, trk_arg_fn fn, void *arg);

/* Secret check: constant time in the secret's length. 1 when it matches. */
int trk_secret_ok(const char *want, const char *got, size_t got_len);

/* "0123..." (40 or 64 hex digits) -> the first 20 bytes. 0 on success. */
int trk_hex_hash(const char *hex, uint8_t out[TRK_HASH_LEN]);
void trk_hex_encode(const uint8_t *in, size_t n, char *out);

#endif
