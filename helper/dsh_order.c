/* dsh_order.c - record the first-read order of pieces (dsh_order.h). */
#include "dsh_order.h"

#include <stdlib.h>
#include <string.h>

#include "dsl_order.h"
#include "dsl_util.h"

void dsh_order_rec_init(struct dsh_order_rec *r, int npieces)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	r->npieces = npieces > 0 ? npieces : 0;
	r->seen = dsl_xcalloc((size_t)r->npieces + 1, 1);
	r->pieces = dsl_xcalloc((size_t)r->npieces + 1, sizeof(int));
}

void dsh_order_rec_note(struct dsh_order_rec *r, int first, int end)
{
	if (!r || !r->seen)
		return;
	for (int p = first < 0 ? 0 : first; p < end && p < r->npieces; p++) {
		if (__atomic_load_n(&r->seen[p], __ATOMIC_ACQUIRE))
			continue;
		pthread_mutex_lock(&r->mu);
		if (!r->seen[p]) {
			r->pieces[r->n++] = p;
			__atomic_store_n(&r->seen[p], 1, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&r->mu);
	}
}

int dsh_order_rec_save(struct dsh_order_rec *r, const char *path, const char *infohash,
		       struct dsl_err *e)
{
	int rc;

	pthread_mutex_lock(&r->mu);
	rc = dsl_order_write(path, infohash, r->npieces, r->pieces, r->n, e);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

void dsh_order_rec_free(struct dsh_order_rec *r)
{
	if (!r->seen)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r->seen);
	free(r->pieces);
	memset(r, 0, sizeof(*r));
}
