/* dsh_reads.h - answering reads: at once when the pieces are on the node,
 * later (from the event loop, dsh_loop.c) when they are not, without holding a
 * FUSE worker thread meanwhile. */
#ifndef DSH_READS_H
#define DSH_READS_H

#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "dsh_order.h"
#include "dsh_sched.h"
#include "dsh_tree.h"
#include "dsl_log.h"
#include "dsh_session.h"

#define DSH_LAT_RING 4096
struct dsh_reads {
	pthread_mutex_t mu;               /* guards sched and the figures below */
	uint64_t nreads, nwaits, ntimeouts, nerrors;
	double lat_sum, lat_max;          /* seconds, over answered waits */
	double lat_ring[DSH_LAT_RING];    /* the latest wait latencies */
	uint64_t lat_n;
	/* set once before use */
	struct dsh_session *ses;
	struct dsh_sched *sched;          /* downloader: the piece plan, where the
					     reads that wait are kept (the app's) */
	struct dsh_tree *tree;
	const struct dsl_log *log;
	int read_timeout;                 /* seconds before EIO */
	int seeding;                      /* dsh_reads_seeding */
	uint64_t checks, check_bytes;     /* seeder: reads checked, bytes hashed */
	struct dsh_order_rec *order;      /* first reads are noted here, or NULL */
};

struct dsh_read_stats {
	uint64_t reads, waits, timeouts, errors;
	uint64_t checks, check_bytes;     /* seeder: reads checked, bytes hashed */
	int waiting;
	double mean_ms, p50_ms, p99_ms, max_ms;
};

void dsh_reads_init(struct dsh_reads *r, struct dsh_session *ses, struct dsh_tree *tree,
		    const struct dsl_log *log, int read_timeout);
/* This view serves the set's sources (a seeder): every read is answered
 * with bytes read from the source and checked for that read. */
void dsh_reads_seeding(struct dsh_reads *r);
/* Fails what still waits (EIO) and frees it. */
void dsh_reads_destroy(struct dsh_reads *r);
/* A read of node i (a regular file); clamped to the file's size. */
void dsh_reads_submit(struct dsh_reads *r, fuse_req_t req, size_t i, size_t size, off_t off);
/* Event loop (dsh_session_on_events): piece p became readable; the plan
 * learns it and the reads it completes are answered. */
void dsh_reads_on_piece(struct dsh_reads *r, int piece);
/* About once a second: the reads that waited read_timeout (EIO, logged),
 * the oldest first, found without a scan (dsh_sched_expire). */
void dsh_reads_tick(struct dsh_reads *r);
void dsh_reads_stats(struct dsh_reads *r, struct dsh_read_stats *st);

#endif
