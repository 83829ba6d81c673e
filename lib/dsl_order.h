/* dsl_order.h - a set version's prefetch order: its pieces in the order a
 * job first read them.
 *
 * Recorded by a helper (`dsl profile`, or a job's first node) and read by
 * the helpers of later jobs, which fetch those pieces first, in that order,
 * then the rest.  Text, so that it can be looked at:
 *     dsl-order 1 <infohash> <npieces>
 *     <piece index>            one per line, each at most once
 * An order belongs to one version (the info-hash): a file for another
 * version, a bad index or a repeated one is an error that names the line. */
#ifndef DSL_ORDER_H
#define DSL_ORDER_H

#include "dsl_err.h"

struct dsl_order {
	int *pieces;             /* malloc'd */
	int n;
};

/* Read and check against the version; *o is empty on error. */
int dsl_order_read(const char *path, const char *infohash, int npieces,
		   struct dsl_order *o, struct dsl_err *e);
/* Write atomically (temporary name, fsync, rename). */
int dsl_order_write(const char *path, const char *infohash, int npieces,
		    const int *pieces, int n, struct dsl_err *e);
void dsl_order_free(struct dsl_order *o);
/* DIR/NAME/<infohash>.order: where the order is published beside the
 * version's description (malloc'd). */
char *dsl_order_registry_path(const char *json_path);

#endif
