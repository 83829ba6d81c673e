/* dsh_sched.h - a downloader's piece plan: every decision about which piece
 * the node asks for first, and the one index of what its reads wait for.
 *
 * Pure state, no libtorrent and no FUSE (tests/helper/test_sched.c drives
 * it with events and reads what it asks for); not thread-safe: its owner
 * (dsh_reads.c) serialises the calls.  It decides:
 *  - shares: a node fetches its share of the set (index/count) before the
 *    rest, so that each piece leaves the seeders about once;
 *  - the recorded order (lib/dsl_order.h): a window of its next missing
 *    pieces at top priority, then the rest of the order, then the rest;
 *  - urgency: a piece a read waits for is at top priority with a deadline
 *    of now, and is marked urgent for the seeders' hold-back (dsh_hold.hpp);
 *  - pausing: background pieces drop to the lowest priority while reads
 *    wait, so the urgent ones do not queue behind them.
 * Its answer is a priority per piece (libtorrent's scale, 1-7) and pieces to
 * ask for now (deadlines); dsh_sched_take hands over what changed since the
 * last take, which the session applies.
 *
 * The demand index: piece -> the reads waiting for it.  A read waits for
 * pieces [first, end); it is ready when the last of them arrives, found
 * through that piece's list (never by scanning the waiting reads), and it
 * times out in arrival order (every read has the same time-out, so the
 * oldest is the next to expire). */
#ifndef DSH_SCHED_H
#define DSH_SCHED_H

#include <stdint.h>

/* libtorrent's download priorities (lt::download_priority_t) */
enum {
	DSH_PRIO_LOW = 1,        /* never 0: an all-zero torrent counts as finished */
	DSH_PRIO_OTHERS_PAUSED = 1,
	DSH_PRIO_SHARE_PAUSED = 2,
	DSH_PRIO_ORDER = 3,      /* the recorded order beyond its window */
	DSH_PRIO_DEFAULT = 4,    /* libtorrent's default: other nodes' shares */
	DSH_PRIO_SHARE = 6,      /* this node's share */
	DSH_PRIO_TOP = 7,        /* waited for, or in the order's window */
};

struct dsh_sched_opts {
	int npieces;
	int no_prefetch;         /* fetch only what reads wait for */
	int prefetch_always;     /* keep the background going while reads wait */
	int share_index, share_count;   /* this node's share (0, 0: none) */
	const int *order;        /* pieces to fetch first, in order; copied */
	int norder;
	uint32_t piece_size;     /* bytes: sizes the order's window */
};

/* What changed since the last dsh_sched_take.  all: every priority changed
 * (prio holds them all); else the npieces_changed pieces in changed.
 * deadline: pieces to ask for now, in the order the reads came. */
struct dsh_sched_take {
	int all;
	const uint8_t *prio;     /* dsh_sched's own array, npieces */
	const int *changed;
	int nchanged;
	const int *deadline;
	int ndeadline;
};

struct dsh_sched;

struct dsh_sched *dsh_sched_new(const struct dsh_sched_opts *o);
void dsh_sched_free(struct dsh_sched *s);

/* The priorities now, npieces of them (the session's start values). */
const uint8_t *dsh_sched_prio(const struct dsh_sched *s);
/* 1 when the priorities must be followed from the first piece on (a
 * recorded order): libtorrent otherwise picks its first pieces at random. */
int dsh_sched_strict(const struct dsh_sched *s);
/* Per piece, 1 while a read waits for it; read by libtorrent's network
 * thread (the urgent marks, dsh_hold.hpp) with __atomic loads. */
const uint8_t *dsh_sched_urgent(const struct dsh_sched *s);

/* Piece p is on the node (passed its check, or found by the start-up
 * check).  The reads it completes are handed to ready(arg, cookie), in the
 * order they came. */
typedef void (*dsh_sched_ready_fn)(void *arg, void *cookie);
void dsh_sched_have(struct dsh_sched *s, int p, dsh_sched_ready_fn ready, void *arg);

/* A read of pieces [first, end) (clamped to the set).  0: every piece is
 * here, answer it now (nothing kept).  1: it waits; the cookie comes back
 * through ready or expired. */
int dsh_sched_wait(struct dsh_sched *s, void *cookie, int first, int end, int64_t now_ms);

/* The reads that have waited timeout_ms or more, handed to expired(arg,
 * cookie, first missing piece) and forgotten.  Returns the ms until the next
 * one expires, -1 when none waits. */
typedef void (*dsh_sched_expired_fn)(void *arg, void *cookie, int missing);
int64_t dsh_sched_expire(struct dsh_sched *s, int64_t now_ms, int64_t timeout_ms,
			 dsh_sched_expired_fn expired, void *arg);

/* Hands every waiting read to expired (shutdown) and forgets it. */
void dsh_sched_drain(struct dsh_sched *s, dsh_sched_expired_fn expired, void *arg);

/* What changed since the last take; valid until the next call. */
void dsh_sched_take(struct dsh_sched *s, struct dsh_sched_take *t);

struct dsh_sched_stats {
	int waiting;             /* reads */
	int urgent;              /* pieces reads wait for */
	int paused;              /* the background is paused */
	int have, npieces;
};
void dsh_sched_stats(const struct dsh_sched *s, struct dsh_sched_stats *st);

#endif
