/* trk_bencode.h - the bencoded answers of the HTTP tracker, written into a
 * caller-owned buffer of fixed size (never grown). */
#ifndef TRK_BENCODE_H
#define TRK_BENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "trk_tracker.h"

struct trk_buf {
	char *p;
	size_t len, cap;
	int overflow;         /* set when something did not fit */
};

void trk_buf_init(struct trk_buf *b, char *mem, size_t cap);
void trk_buf_add(struct trk_buf *b, const void *data, size_t n);
void trk_buf_printf(struct trk_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* d8:completei..e10:incompletei..e8:intervali..e12:min intervali..e5:peers..6:peers6..e */
void trk_bencode_announce(struct trk_buf *b, const struct trk_answer *a, int interval,
			  int min_interval);
void trk_bencode_failure(struct trk_buf *b, const char *why);
/* d5:filesd20:<hash>d8:completei.e10:downloadedi.e10:incompletei.eee...ee */
void trk_bencode_scrape(struct trk_buf *b, const struct trk_store *st, const struct trk_scrape *s);

/* Room a worst-case announce answer needs for numwant_max peers. */
size_t trk_bencode_announce_max(uint32_t numwant_max);

#endif
