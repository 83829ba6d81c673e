/* dsh_opts.h - the helper's command line. */
#ifndef DSH_OPTS_H
#define DSH_OPTS_H

#include <stdio.h>

#include "dsl_err.h"
#include "dsl_jobkey.h"
#include "dsl_spec.h"
#include "dsl_opt.h"

#define DSH_MAX_LIST 256
#define DSH_MAX_ORDERS 4

enum dsh_cache_policy { DSH_CACHE_REMOVE, DSH_CACHE_KEEP };
enum dsh_prefetch { DSH_PREFETCH_PAUSE, DSH_PREFETCH_ALWAYS, DSH_PREFETCH_OFF };

struct dsh_opts {
	const char *desc, *torrent, *mount, *mountpoint, *cache, *run_dir;
	const char *listen_ip, *log_file;
	int seed, foreground, port_min, port_max, read_timeout;
	int port_first;                          /* try this port of the range first; 0: min */
	int report_every_ms;                     /* 0: DSH_REPORT_EVERY_MS */
	long job;                                /* 0: not given */
	const char *node;                        /* NULL: not given */
	int share_index, share_count;            /* --share I/N; 0/0: none */
	enum dsh_cache_policy cache_policy;
	enum dsh_prefetch prefetch;
	const char *trackers[DSH_MAX_LIST + 1];  /* NULL-terminated */
	const char *peers[DSH_MAX_LIST + 1];
	int ntrackers, npeers;
	/* --spec-fd N / --spec FILE: the job spec (dsl_spec.h) gives every
	 * option above; the strings point into it (dsh_opts_free). */
	int spec_fd;                             /* -1: none */
	const char *spec_file;
	struct dsl_spec spec;
	/* --order FILE: prefetch order candidates, the first readable one of
	 * this version wins; --record-order FILE: write this view's first-read
	 * order there when stopping (lib/dsl_order.h). */
	const char *orders[DSH_MAX_ORDERS];
	int norders;
	const char *record_order;
	/* The job key (dsl_jobkey.h) from the spec or --key-file; "" none:
	 * the set's public swarm (tests that run the helper by hand). */
	char key[DSL_JOBKEY_HEX + 1];
	const char *peer_networks;               /* NULL: any address (dsl_cidr.h) */
	/* client mode: --ctl RUNDIR CMD */
	const char *ctl_dir, *ctl_cmd;
};

/* 0 ok, -1 error in e, or DSL_OPT_HELP/DSL_OPT_VERSION (dsl_opt.h: hand it
 * to dsl_opt_finish() with dsh_opts_cmd).  argv strings are borrowed. */
int dsh_opts_parse(int argc, char **argv, struct dsh_opts *o, struct dsl_err *e);
void dsh_opts_usage(FILE *out);
/* Frees what parsing a spec allocated. */
void dsh_opts_free(struct dsh_opts *o);
extern const struct dsl_opt_cmd dsh_opts_cmd;

#endif
