/* dsl_roles.h - which node does what, decided alike on every node.
 *
 * Every node of a job runs the prolog at the same moment and must agree
 * without talking: the host list is expanded with Slurm's own functions
 * (slurm_hostlist_*), sorted and de-duplicated (slurm_hostlist_uniq); the
 * first node runs the tracker; the first K nodes seed from shared storage,
 * unless service seeders are configured, which then take that role.
 *
 * Nothing here keeps the job's node list: one pass over the host list
 * (Slurm's ranges, never the expanded names) keeps only this node's index,
 * the tracker's and seeders' names and the names of its direct peers, so a
 * node's memory does not grow with the job (the pass itself is linear:
 * about 2 ms for 16,384 names, measured by tests/integration/prolog-scale.test).
 *
 * Direct peers: node i of N dials the nodes i +- o_j (mod N) for the
 * offsets o_0 = 1 < o_1 < ... < o_{m-1}, o_j about N^(j/m), m = k/2: a
 * circulant graph of degree k over the sorted list.  Every node computes
 * its own k neighbours in O(k), the relation is symmetric (i dials j and j
 * dials i, so a link forms even when one end listens on another port than
 * the one its peers were told), its diameter is small (k = 8: 3 hops at 64
 * nodes, 7 at 300, 17 at 16,384; data is pipelined piece by piece, so a hop
 * costs one piece time, not the set's), and it stays connected when nodes
 * fail (a connected circulant's connectivity is at least 2/3 of its degree,
 * Watkins 1969; 500 random failures out of 16,384 leave it connected, still
 * 17 hops across), beyond which the tracker's random peer sets hold it.  The first
 * nodes (the seeders) are dialled only by their own k neighbours, never by
 * every node. */
#ifndef DSL_ROLES_H
#define DSL_ROLES_H

#include <stddef.h>

#include "dsl_err.h"

#define DSL_ROLES_MAX_PEERS 16   /* k is at most this */
#define DSL_ROLES_PEERS 8        /* k unless told otherwise */

struct dsl_roles {
	size_t nnodes;           /* the job's nodes (after de-duplication) */
	char *tracker_node;      /* the first node's name */
	char **seeders;          /* seeder node names */
	size_t nseeders;
	long self;               /* index of this node in the sorted list, -1 if absent */
	int is_tracker;
	int is_seeder;
	/* A downloader's share of the background download: its index among
	 * the job's nodes that do not seed, and their number (-1, 0 for a
	 * seeder or a node not in the job). */
	long share;
	size_t nshares;
	/* This node's direct peers: their names and indices in the sorted list. */
	size_t npeers;
	char *peers[DSL_ROLES_MAX_PEERS];
	long peer_index[DSL_ROLES_MAX_PEERS];
};

/* hostlist: a Slurm host list expression ("n[1-4],gpu[01-02]").
 * self: this node's name (SLURMD_NODENAME).  k: in-job seeders.
 * service_seeders: a host list or NULL/"".  npeers: direct peers wanted
 * (0: DSL_ROLES_PEERS; at most DSL_ROLES_MAX_PEERS). */
int dsl_roles_compute(const char *hostlist, const char *self, int k,
		      const char *service_seeders, int npeers, struct dsl_roles *out,
		      struct dsl_err *e);
void dsl_roles_free(struct dsl_roles *r);

/* The direct peers of node i of n (indices, ascending, never i): at most
 * max, returns how many.  Pure arithmetic, the same on every node. */
size_t dsl_roles_neighbours(size_t n, size_t i, size_t k, long *out, size_t max);

/* Expand a host list into a sorted array (freed with dsl_strv_free); for
 * tools that show every node, never for the prolog. */
int dsl_hostlist_expand(const char *hostlist, int sort, char ***out, size_t *n,
			struct dsl_err *e);
void dsl_strv_free(char **v, size_t n);

#endif
