/* dsl_jobkey.h - the job key: the per-job secret that makes a job's swarms
 * private to its own helpers.
 *
 * 32 random bytes, written as 64 lowercase hex digits, created once per job
 * when it is submitted (allocator/local context, as the submitting user,
 * from getrandom) and carried by Slurm in the job's control environment
 * (SPANK_DSL_KEY in the prolog and epilog only; Slurm shows it to no client,
 * not to the job's tasks either).  Root's prolog copies it into each node's
 * job spec (a root-only file handed to the helper as an fd), so every node
 * learns it without talking to the others.
 *
 * Two independent halves, so that nothing one side sees on the network
 * gives away the other:
 *   swarm half   (digits 0-31):  salted into the torrent's info dict, which
 *                gives the job its own info-hash (dsl_torrent.h); only
 *                holders of the key can name the swarm, complete the
 *                encrypted handshake or announce it;
 *   tracker half (digits 32-63): the per-job tracker's dsl_secret; every
 *                announce, scrape and report carries it.
 */
#ifndef DSL_JOBKEY_H
#define DSL_JOBKEY_H

#include <stddef.h>

#include "dsl_err.h"

#define DSL_JOBKEY_VAR "DSL_KEY"            /* SPANK_DSL_KEY in prolog/epilog */
#define DSL_JOBKEY_HEX 64
#define DSL_JOBKEY_HALF 32

/* A fresh key into out (DSL_JOBKEY_HEX + 1 bytes). */
int dsl_jobkey_new(char out[DSL_JOBKEY_HEX + 1], struct dsl_err *e);
/* 0 when s is exactly 64 lowercase hex digits, else -1 with e naming what. */
int dsl_jobkey_check(const char *s, struct dsl_err *e);
/* The halves (DSL_JOBKEY_HALF + 1 bytes each); key must have passed check. */
void dsl_jobkey_swarm(const char *key, char out[DSL_JOBKEY_HALF + 1]);
void dsl_jobkey_tracker(const char *key, char out[DSL_JOBKEY_HALF + 1]);

#endif
