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
	dsl_strv_free(r->nodes, r->nnodes);
	dsl_strv_free(r->seeders, r->nseeders);
	memset(r, 0, sizeof(*r));
}

static int is_seeder_name(const struct dsl_roles *r, const char *name)
{
	for (size_t i = 0; i < r->nseeders; i++)
		if (!strcmp(r->seeders[i], name))
			return 1;
	return 0;
}

static void set_share(struct dsl_roles *r)
{
	r->share = -1;
	r->nshares = 0;
	for (size_t i = 0; i < r->nnodes; i++) {
		if (is_seeder_name(r, r->nodes[i]))
			continue;
		if ((long)i == r->self)
			r->share = (long)r->nshares;
		r->nshares++;
	}
	if (r->share < 0)
		r->nshares = 0;
}

int dsl_roles_compute(const char *hostlist, const char *self, int k,
		      const char *service_seeders, struct dsl_roles *out,
		      struct dsl_err *e)
{
	memset(out, 0, sizeof(*out));
	out->self = -1;
	if (k < 1) {
		dsl_err_set(e, "seeders: %d, need at least 1", k);
		return -1;
	}
	if (dsl_hostlist_expand(hostlist, 1, &out->nodes, &out->nnodes, e) < 0)
		return -1;
	out->tracker_node = out->nodes[0];
	for (size_t i = 0; i < out->nnodes; i++)
		if (self && !strcmp(out->nodes[i], self))
			out->self = (long)i;
	if (service_seeders && *service_seeders) {
		if (dsl_hostlist_expand(service_seeders, 1, &out->seeders, &out->nseeders, e) < 0) {
			dsl_err_prefix(e, "service_seeders");
			dsl_roles_free(out);
			return -1;
		}
	} else {
		size_t n = (size_t)k < out->nnodes ? (size_t)k : out->nnodes;

		out->seeders = dsl_xcalloc(n, sizeof(*out->seeders));
		for (size_t i = 0; i < n; i++)
			out->seeders[i] = dsl_strdup(out->nodes[i]);
		out->nseeders = n;
	}
	out->is_tracker = out->self == 0;
	for (size_t i = 0; i < out->nseeders; i++)
		if (self && !strcmp(out->seeders[i], self))
			out->is_seeder = 1;
	set_share(out);
	return 0;
}
