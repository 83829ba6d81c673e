/* dsl_spec.h - the job spec: everything the prolog (root) tells one helper.
 *
 * One JSON document per set and node, written by the prolog into a file only
 * root can write (RUN/JOBID/.spec/NAME.json, 0600) and handed to the helper
 * as an open fd (fd 4) before privileges are dropped, so the helper reads
 * exactly what root wrote and the job's user cannot change it.  It replaces
 * a command line that grew with the job (a --peer per node) and silently
 * lost its tail past ~242 nodes.  Its size does not depend on the job's
 * size: the host list travels as Slurm's expression, the peers are the k
 * direct ones (dsl_roles.h).
 *
 * Schema "dslswarm-spec/1" (every key required unless marked optional; a
 * key not listed here, a wrong type or a value out of range is an error
 * naming the key: nothing is dropped or guessed):
 *   schema        "dslswarm-spec/1"
 *   job           Slurm job id (> 0)
 *   node          this node's name
 *   hostlist      the job's host list expression, as Slurm gave it
 *   nnodes        nodes in it; index: this node's place in the sorted list
 *   set           the set's name; desc, torrent: its registry files
 *   mount         "/dev/fd/3" (the view root pre-mounted) or a directory
 *   mountpoint    where the job sees the view
 *   cache, run_dir, log_file
 *   cache_policy  "keep" | "remove"
 *   roles         {"seeder": bool, "tracker": bool}
 *   share         {"index": I, "count": N} or null (seeders: none)
 *   port          {"listen": P, "min": A, "max": B}: listen on P, or on the
 *                 next free port of A-B (wrapping) when P is taken; the
 *                 tracker learns the port taken from the announce
 *   trackers      ["http://HOST:PORT/announce", ...] (may be empty)
 *   peers         [{"node": NAME, "addr": "IP:PORT"}, ...] at most
 *                 DSL_SPEC_MAX_PEERS: the direct peers, resolved by the prolog
 *   timeouts      {"read": seconds, "ready": seconds}
 *   report_every_ms  period of the status reports to the tracker
 *                 (dsl_spec_report_every_ms)
 *   prefetch      optional: {"orders": [FILE, ...] (at most
 *                 DSL_SPEC_MAX_ORDERS, the first that is this version's is
 *                 used), "record": FILE or null} (lib/dsl_order.h)
 *   peer_networks optional: "CIDR[,CIDR...]" (dsl_cidr.h), the only
 *                 addresses the helper takes peers from
 *   key           optional: the job key (dsl_jobkey.h), 64 hex digits; the
 *                 prolog always writes it; absent only in specs written by
 *                 hand for tests (then the swarm is the set's public one)
 */
#ifndef DSL_SPEC_H
#define DSL_SPEC_H

#include <stddef.h>

#include "dsl_err.h"

#define DSL_SPEC_SCHEMA "dslswarm-spec/1"
#define DSL_SPEC_MAX_PEERS 16
#define DSL_SPEC_MAX_TRACKERS 8
#define DSL_SPEC_MAX_ORDERS 4
#define DSL_SPEC_MAX_BYTES (64 * 1024)   /* a spec is about 2 KiB */

/* The budget one job's tracker is given for the steady state, in requests
 * per second: status reports and announces each.  Measured capacity of one
 * dsl-tracker (tests/bench/tracker): tens of thousands of announces a second
 * on one core of this machine; the budget leaves it idle most of the time
 * (see the tracker's README section: 16,384 helpers, one report and one
 * announce every 33 s each). */
#define DSL_SPEC_REPORTS_PER_S 500
#define DSL_SPEC_ANNOUNCES_PER_S 500
#define DSL_SPEC_REPORT_MIN_MS 2000
#define DSL_SPEC_ANNOUNCE_MIN_S 30

struct dsl_spec_peer {
	char *node;
	char *addr;                 /* "IP:PORT" */
};

struct dsl_spec {
	long job;
	char *node, *hostlist;
	long nnodes, index;
	char *set, *desc, *torrent, *mount, *mountpoint, *cache, *run_dir, *log_file;
	int keep_cache;             /* cache_policy */
	int seeder, tracker;        /* roles */
	long share_index, share_count;   /* 0/0: no share */
	int port, port_min, port_max;
	char *trackers[DSL_SPEC_MAX_TRACKERS];
	size_t ntrackers;
	struct dsl_spec_peer peers[DSL_SPEC_MAX_PEERS];
	size_t npeers;
	int read_timeout, ready_timeout;
	int report_every_ms;
	char *orders[DSL_SPEC_MAX_ORDERS];   /* prefetch order candidates */
	size_t norders;
	char *record_order;                  /* NULL: none */
	char *key;                  /* NULL: no key (public swarm) */
	char *peer_networks;        /* NULL: any address */
};

/* The JSON text of s (malloc'd).  Fails only when s breaks the schema's
 * bounds (then e says which field): the writer checks what the reader does. */
char *dsl_spec_to_json(const struct dsl_spec *s, struct dsl_err *e);
/* Parse and check text; every string in out is malloc'd (dsl_spec_free). */
int dsl_spec_parse(const char *text, size_t len, struct dsl_spec *out, struct dsl_err *e);
/* Read the spec from an open fd (at most DSL_SPEC_MAX_BYTES) and parse it. */
int dsl_spec_read_fd(int fd, struct dsl_spec *out, struct dsl_err *e);
void dsl_spec_free(struct dsl_spec *s);

/* Rate bounds from the job's size (the same formulas on every node). */
int dsl_spec_report_every_ms(long nnodes);
int dsl_spec_announce_interval_s(long nnodes);

#endif
