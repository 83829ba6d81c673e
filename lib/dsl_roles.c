/* dsl_roles.c - node roles from the job's host list (Slurm's own expansion). */
#define _GNU_SOURCE
#include "dsl_roles.h"

#include <slurm/slurm.h>
#include <stdlib.h>
#include <string.h>

#include "dsl_util.h"

void dsl_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int dsl_hostlist_expand(const char *hostlist, int sort, char ***out, size_t *n,
			struct dsl_err *e)
{
	hostlist_t hl;
	char *host;
	char **v = NULL;
	size_t count = 0;

	*out = NULL;
	*n = 0;
	if (!hostlist || !*hostlist) {
		dsl_err_set(e, "empty host list");
		return -1;
	}
	hl = slurm_hostlist_create(hostlist);
	if (!hl) {
		dsl_err_set(e, "invalid host list '%s'", hostlist);
		return -1;
	}
	if (sort)
		slurm_hostlist_uniq(hl);
	while ((host = slurm_hostlist_shift(hl))) {
		v = dsl_xrealloc(v, (count + 1) * sizeof(*v));
		v[count++] = dsl_strdup(host);
		free(host);   /* shifted strings are malloc'd by libslurm */
	}
	slurm_hostlist_destroy(hl);
	if (!count) {
		dsl_err_set(e, "host list '%s' names no host", hostlist);
		return -1;
	}
	*out = v;
	*n = count;
	return 0;
}

void dsl_roles_free(struct dsl_roles *r)
{
	if (!r)
		return;
	free(r->tracker_node);
	dsl_strv_free(r->seeders, r->nseeders);
	for (size_t i = 0; i < r->npeers; i++)
		free(r->peers[i]);
	memset(r, 0, sizeof(*r));
}

/* R with R^m = n, by bisection (no libm in the plugin). */
static double root_of(size_t n, size_t m)
{
	double lo = 1.0, hi = (double)n;

	for (int it = 0; it < 64; it++) {
		double mid = (lo + hi) / 2, p = 1.0;

		for (size_t j = 0; j < m; j++)
			p *= mid;
		if (p < (double)n)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

static int has_index(const long *v, size_t n, long x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

size_t dsl_roles_neighbours(size_t n, size_t i, size_t k, long *out, size_t max)
{
	size_t m = k / 2 ? k / 2 : 1, got = 0, prev = 0;
	double r, p = 1.0;

	if (n < 2 || i >= n)
		return 0;
	r = root_of(n, m);
	for (size_t j = 0; j < m; j++, p *= r) {
		size_t o = (size_t)(p + 0.5);

		if (o <= prev)
			o = prev + 1;
		if (o > n / 2)           /* past half-way: the next unused offset */
			o = prev + 1;
		if (o > n / 2 || o == 0)
			break;
		prev = o;
		long fwd = (long)((i + o) % n), back = (long)((i + n - o) % n);

		if (got < max && !has_index(out, got, fwd))
			out[got++] = fwd;
		if (got < max && back != fwd && !has_index(out, got, back))
			out[got++] = back;
	}
	qsort(out, got, sizeof(*out), cmp_long);
	return got;
}

static int name_in(char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return 1;
	return 0;
}

static int service_seeders(const char *list, struct dsl_roles *out, struct dsl_err *e)
{
	if (dsl_hostlist_expand(list, 1, &out->seeders, &out->nseeders, e) < 0) {
		dsl_err_prefix(e, "service_seeders");
		return -1;
	}
	return 0;
}

/* The one pass over the sorted host list: names kept only where needed.
 * With service seeders, counts the job's nodes that are one of them (they
 * seed, so they have no share): in all, and before this node. */
static void walk(hostlist_t hl, size_t k, int own_seeders, struct dsl_roles *out,
		 size_t *named, size_t *named_before)
{
	size_t i = 0;
	char *host;

	*named = *named_before = 0;
	while ((host = slurm_hostlist_shift(hl))) {
		for (size_t j = 0; j < out->npeers; j++)
			if (out->peer_index[j] == (long)i)
				out->peers[j] = dsl_strdup(host);
		if (i == 0)
			out->tracker_node = dsl_strdup(host);
		if (own_seeders && i < k)
			out->seeders[out->nseeders++] = dsl_strdup(host);
		if (!own_seeders && name_in(out->seeders, out->nseeders, host)) {
			(*named)++;
			*named_before += (long)i < out->self;
		}
		free(host);   /* shifted strings are malloc'd by libslurm */
		i++;
	}
}

static void set_share(struct dsl_roles *r, size_t named, size_t named_before)
{
	r->share = -1;
	r->nshares = 0;
	if (r->self < 0 || r->is_seeder)
		return;
	r->share = r->self - (long)named_before;
	r->nshares = r->nnodes - named;
}

int dsl_roles_compute(const char *hostlist, const char *self, int k,
		      const char *service_seeders_list, int npeers, struct dsl_roles *out,
		      struct dsl_err *e)
{
	int own = !service_seeders_list || !*service_seeders_list;
	size_t named, named_before, kk;
	hostlist_t hl;

	memset(out, 0, sizeof(*out));
	out->self = -1;
	if (k < 1) {
		dsl_err_set(e, "seeders: %d, need at least 1", k);
		return -1;
	}
	if (npeers < 0 || npeers > DSL_ROLES_MAX_PEERS) {
		dsl_err_set(e, "peers: %d, expected 0-%d", npeers, DSL_ROLES_MAX_PEERS);
		return -1;
	}
	if (!hostlist || !*hostlist) {
		dsl_err_set(e, "empty host list");
		return -1;
	}
	if (!own && service_seeders(service_seeders_list, out, e) < 0)
		return -1;
	hl = slurm_hostlist_create(hostlist);
	if (!hl) {
		dsl_err_set(e, "invalid host list '%s'", hostlist);
		dsl_roles_free(out);
		return -1;
	}
	slurm_hostlist_uniq(hl);
	out->nnodes = (size_t)slurm_hostlist_count(hl);
	if (!out->nnodes) {
		dsl_err_set(e, "host list '%s' names no host", hostlist);
		slurm_hostlist_destroy(hl);
		dsl_roles_free(out);
		return -1;
	}
	if (self)
		out->self = slurm_hostlist_find(hl, self);
	out->self = out->self < 0 ? -1 : out->self;
	kk = (size_t)k < out->nnodes ? (size_t)k : out->nnodes;
	if (own)
		out->seeders = dsl_xcalloc(kk, sizeof(*out->seeders));
	if (out->self >= 0)
		out->npeers = dsl_roles_neighbours(out->nnodes, (size_t)out->self,
						   npeers ? (size_t)npeers : DSL_ROLES_PEERS,
						   out->peer_index, DSL_ROLES_MAX_PEERS);
	walk(hl, kk, own, out, &named, &named_before);
	slurm_hostlist_destroy(hl);
	if (own) {   /* the first kk nodes seed */
		named = kk;
		named_before = out->self >= 0 && (size_t)out->self < kk ? (size_t)out->self : kk;
	}
	out->is_tracker = out->self == 0;
	out->is_seeder = own ? out->self >= 0 && (size_t)out->self < kk
		: self && name_in(out->seeders, out->nseeders, self);
	set_share(out, named, named_before);
	return 0;
}
