/* dsl_roles.h - which node does what, decided alike on every node.
 *
 * Every node of a job runs the prolog at the same moment and must agree
 * without talking: the host list is expanded with Slurm's own functions
 * (slurm_hostlist_*), sorted and de-duplicated (slurm_hostlist_uniq); the
 * first node runs the tracker; the first K nodes seed from shared storage,
 * unless service seeders are configured, which then take that role. */
#ifndef DSL_ROLES_H
#define DSL_ROLES_H

#include <stddef.h>

#include "dsl_err.h"

struct dsl_roles {
	char **nodes;            /* the job's nodes, sorted */
	size_t nnodes;
	char **seeders;          /* seeder node names */
	size_t nseeders;
	const char *tracker_node;/* points into nodes[] */
	long self;               /* index of this node in nodes[], -1 if absent */
	int is_tracker;
	int is_seeder;
	/* A downloader's share of the background download: its index among
	 * the job's nodes that do not seed, and their number (-1, 0 for a
	 * seeder or a node not in the job). */
	long share;
	size_t nshares;
};

/* hostlist: a Slurm host list expression ("n[1-4],gpu[01-02]").
 * self: this node's name (SLURMD_NODENAME).  k: in-job seeders.
 * service_seeders: a host list or NULL/"". */
int dsl_roles_compute(const char *hostlist, const char *self, int k,
		      const char *service_seeders, struct dsl_roles *out,
		      struct dsl_err *e);
void dsl_roles_free(struct dsl_roles *r);

/* Expand a host list into a sorted array (freed with dsl_strv_free). */
int dsl_hostlist_expand(const char *hostlist, int sort, char ***out, size_t *n,
			struct dsl_err *e);
void dsl_strv_free(char **v, size_t n);

#endif
