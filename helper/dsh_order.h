/* dsh_order.h - the order in which this node's view is first read, piece by
 * piece (recorded for later jobs' prefetch, lib/dsl_order.h). */
#ifndef DSH_ORDER_H
#define DSH_ORDER_H

#include <pthread.h>
#include <stdint.h>

#include "dsl_err.h"

struct dsh_order_rec {
	pthread_mutex_t mu;           /* guards pieces and n; seen is atomic */
	uint8_t *seen;                /* npieces flags */
	int *pieces;                  /* first reads, in order */
	int n, npieces;
};

void dsh_order_rec_init(struct dsh_order_rec *r, int npieces);
/* A read touched pieces [first, end): those not seen yet are appended.
 * Called by FUSE worker threads; a piece seen before costs one load. */
void dsh_order_rec_note(struct dsh_order_rec *r, int first, int end);
int dsh_order_rec_save(struct dsh_order_rec *r, const char *path, const char *infohash,
		       struct dsl_err *e);
void dsh_order_rec_free(struct dsh_order_rec *r);

#endif
