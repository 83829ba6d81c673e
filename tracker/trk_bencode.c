/* trk_bencode.c - bencoded tracker answers (BEP 3, 23, 7, 48). */
#include "trk_bencode.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void trk_buf_init(struct trk_buf *b, char *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->overflow = 0;
}

void trk_buf_add(struct trk_buf *b, const void *data, size_t n)
{
	if (n > b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

void trk_buf_printf(struct trk_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	b->len += (size_t)n;
}

size_t trk_bencode_announce_max(uint32_t numwant_max)
{
	return (size_t)numwant_max * 18 + 256;
}

void trk_bencode_announce(struct trk_buf *b, const struct trk_answer *a, int interval,
			  int min_interval)
{
	trk_buf_printf(b, "d8:completei%ue10:incompletei%ue8:intervali%de12:min intervali%de"
		       "5:peers%u:", a->seeders, a->leechers, interval, min_interval,
		       a->peers.n4 * 6);
	trk_buf_add(b, a->peers.v4, (size_t)a->peers.n4 * 6);
	if (a->peers.n6) {
		trk_buf_printf(b, "6:peers6%u:", a->peers.n6 * 18);
		trk_buf_add(b, a->peers.v6, (size_t)a->peers.n6 * 18);
	}
	trk_buf_add(b, "e", 1);
}

void trk_bencode_failure(struct trk_buf *b, const char *why)
{
	trk_buf_printf(b, "d14:failure reason%zu:%se", strlen(why), why);
}

void trk_bencode_scrape(struct trk_buf *b, const struct trk_store *st, const struct trk_scrape *s)
{
	trk_buf_add(b, "d5:filesd", 9);
	for (size_t i = 0; i < s->n; i++) {
		const struct trk_swarm *sw = trk_store_find(st, s->hashes[i]);
		int dup = 0;
		for (size_t j = 0; j < i && !dup; j++)   /* bencoded keys are unique */
			dup = !memcmp(s->hashes[i], s->hashes[j], TRK_HASH_LEN);
		if (!sw || dup)
			continue;
		trk_buf_add(b, "20:", 3);
		trk_buf_add(b, s->hashes[i], TRK_HASH_LEN);
		trk_buf_printf(b, "d8:completei%ue10:downloadedi%llue10:incompletei%uee",
			       sw->nseeders, (unsigned long long)sw->completed,
			       sw->npeers - sw->nseeders);
	}
	trk_buf_add(b, "ee", 2);
}
