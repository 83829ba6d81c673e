/* dsh_reads.c - reads that may have to wait for pieces.
 *
 * A read whose pieces are here is answered from the cache file (spliced by
 * the kernel where it can).  Otherwise it waits in the piece plan's demand
 * index (dsh_sched.h), which makes its pieces urgent, and the event loop
 * answers it when the last one has passed its hash.  A seeder's view reads
 * the set's sources, which their owner may change at any time: each read is answered with bytes read from the source
 * for that read, every 16 KiB block of them checked against its SHA-256
 * (dsh_session_read_checked), never spliced from the source file.  A read
 * is only ever answered with bytes that passed the hash check, or EIO. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsh_reads.h"
#include "dsl_net.h"
#include "dsl_util.h"

/* A read that waits: the plan's cookie. */
struct dsh_wait {
	struct dsh_wait *next;            /* answered together */
	fuse_req_t req;
	size_t node;
	size_t size;
	off_t off;
	struct timespec t0;               /* CLOCK_MONOTONIC: its latency */
	int missing;                      /* timed out: the first missing piece */
};

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The waits one call hands back, in order. */
struct wait_list {
	struct dsh_wait *head, **tail;
};

void dsh_reads_init(struct dsh_reads *r, struct dsh_session *ses, struct dsh_tree *tree,
		    const struct dsl_log *log, int read_timeout)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	r->ses = ses;
	r->tree = tree;
	r->log = log;
	r->read_timeout = read_timeout;
}

static int all_here(struct dsh_reads *r, int first, int end)
{
	for (int p = first; p < end; p++)
		if (!dsh_session_have(r->ses, p))
			return 0;
	return 1;
}

/* The file's fd, opened once; a race opens twice and closes the loser. */
static int file_fd(struct dsh_reads *r, struct dsh_file *f)
{
	int fd = __atomic_load_n(f->fdp, __ATOMIC_ACQUIRE);
	int expected = -1;

	if (fd >= 0)
		return fd;
	fd = open(f->data_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		dsl_error(r->log, "%s: cannot open: %m", f->data_path);
		return -1;
	}
	if (!__atomic_compare_exchange_n(f->fdp, &expected, fd, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		close(fd);
		fd = expected;
	}
	return fd;
}

static void answer(struct dsh_reads *r, fuse_req_t req, size_t node, size_t size, off_t off)
{
	struct dsh_file *f = &r->tree->files[node];
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
	int fd;

	if (size == 0) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	fd = file_fd(r, f);
	if (fd < 0) {
		__atomic_add_fetch(&r->nerrors, 1, __ATOMIC_RELAXED);
		fuse_reply_err(req, EIO);
		return;
	}
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = fd;
	buf.buf[0].pos = (off_t)f->data_offset + off;
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

/* ---- seeder: reads checked against the torrent ------------------------- */

void dsh_reads_seeding(struct dsh_reads *r)
{
	r->seeding = 1;
}

static void seed_answer(struct dsh_reads *r, fuse_req_t req, size_t i, size_t size, off_t off)
{
	const struct dsl_node *nd = &r->tree->desc->nodes[i];
	struct dsh_file *f = &r->tree->files[i];
	uint32_t ps = r->tree->desc->piece_size;
	char *out = dsl_xmalloc(size ? size : 1);
	size_t hashed_all = 0;

	for (size_t done = 0; done < size;) {
		/* a packed file starts data_offset % ps into its first piece */
		uint64_t at = f->data_offset % ps + (uint64_t)off + done;
		int p = f->first_piece + (int)(at / ps);
		size_t in = (size_t)(at % ps), n = size - done, hashed = 0;

		if (n > ps - in)
			n = ps - in;
		if (dsh_session_read_checked(r->ses, p, in, n, out + done, &hashed) != 0) {
			__atomic_add_fetch(&r->nerrors, 1, __ATOMIC_RELAXED);
			dsl_error(r->log, "%s: read of %zu bytes at %lld failed: piece %d "
				  "failed its SHA-256 check at the source", nd->path, size,
				  (long long)off, p);
			fuse_reply_err(req, EIO);
			free(out);
			return;
		}
		hashed_all += hashed;
		done += n;
	}
	__atomic_add_fetch(&r->checks, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&r->check_bytes, hashed_all, __ATOMIC_RELAXED);
	fuse_reply_buf(req, out, size);
	free(out);
}

static void record_latency(struct dsh_reads *r, double s)
{
	r->lat_sum += s;
	if (s > r->lat_max)
		r->lat_max = s;
	r->lat_ring[r->lat_n++ % DSH_LAT_RING] = s;
}

/* The plan's changes to the session, in the order they were decided.
 * Caller holds mu; before the session exists (its start-up check finds
 * pieces) they wait in the plan. */
static void apply(struct dsh_reads *r)
{
	struct dsh_sched_take t;

	if (!r->ses)
		return;
	dsh_sched_take(r->sched, &t);
	if (t.all)
		dsh_session_prioritize(r->ses, t.prio);
	for (int i = 0; i < t.nchanged; i++)
		dsh_session_set_priority(r->ses, t.changed[i], t.prio[t.changed[i]]);
	for (int i = 0; i < t.ndeadline; i++)
		dsh_session_deadline(r->ses, t.deadline[i]);
}

static void collect(void *arg, void *cookie)
{
	struct wait_list *l = arg;
	struct dsh_wait *w = cookie;

	w->next = NULL;
	*l->tail = w;
	l->tail = &w->next;
}

static void collect_expired(void *arg, void *cookie, int missing)
{
	((struct dsh_wait *)cookie)->missing = missing;
	collect(arg, cookie);
}

void dsh_reads_submit(struct dsh_reads *r, fuse_req_t req, size_t i, size_t size, off_t off)
{
	const struct dsl_node *nd = &r->tree->desc->nodes[i];
	struct dsh_file *f = &r->tree->files[i];
	uint32_t ps = r->tree->desc->piece_size;
	struct dsh_wait *w;
	uint64_t at;
	int first, end, waits;

	__atomic_add_fetch(&r->nreads, 1, __ATOMIC_RELAXED);
	if (off < 0 || (uint64_t)off >= nd->size) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if ((uint64_t)off + size > nd->size)
		size = (size_t)(nd->size - (uint64_t)off);
	/* first_piece holds the file's first byte, data_offset % ps into it */
	at = f->data_offset % ps + (uint64_t)off;
	first = f->first_piece + (int)(at / ps);
	end = f->first_piece + (int)((at + size - 1) / ps) + 1;
	if (end > f->end_piece)
		end = f->end_piece;
	dsh_order_rec_note(r->order, first, end);
	if (r->seeding) {
		seed_answer(r, req, i, size, off);
		return;
	}
	/* Without the lock: the session's have bits are atomic. */
	if (all_here(r, first, end)) {
		answer(r, req, i, size, off);
		return;
	}
	w = dsl_xcalloc(1, sizeof(*w));
	w->req = req;
	w->node = i;
	w->size = size;
	w->off = off;
	clock_gettime(CLOCK_MONOTONIC, &w->t0);
	/* The plan learns each piece under the same lock (dsh_reads_on_piece):
	 * one that arrived since the look above counts as here, no wake-up is
	 * lost. */
	pthread_mutex_lock(&r->mu);
	waits = dsh_sched_wait(r->sched, w, first, end, dsl_now_ms());
	if (waits)
		r->nwaits++;
	apply(r);
	pthread_mutex_unlock(&r->mu);
	if (!waits) {
		answer(r, req, i, size, off);
		free(w);
	}
}

void dsh_reads_on_piece(struct dsh_reads *r, int piece)
{
	struct wait_list ready = {NULL, &ready.head};
	struct dsh_wait *w;

	if (!r->sched)
		return;
	pthread_mutex_lock(&r->mu);
	dsh_sched_have(r->sched, piece, collect, &ready);
	apply(r);
	for (w = ready.head; w; w = w->next)
		record_latency(r, since(&w->t0));
	pthread_mutex_unlock(&r->mu);
	while ((w = ready.head)) {
		ready.head = w->next;
		answer(r, w->req, w->node, w->size, w->off);
		free(w);
	}
}

static void fail_all(struct dsh_reads *r, struct dsh_wait *w, int timed_out)
{
	while (w) {
		struct dsh_wait *next = w->next;

		if (timed_out)
			dsl_error(r->log, "%s: read of %zu bytes at %lld failed: piece %d not "
				  "received within %d s (no source has it?)",
				  r->tree->desc->nodes[w->node].path, w->size, (long long)w->off,
				  w->missing, r->read_timeout);
		fuse_reply_err(w->req, EIO);
		free(w);
		w = next;
	}
}

void dsh_reads_tick(struct dsh_reads *r)
{
	struct wait_list expired = {NULL, &expired.head};
	int n = 0;

	if (!r->sched)
		return;
	pthread_mutex_lock(&r->mu);
	dsh_sched_expire(r->sched, dsl_now_ms(), (int64_t)r->read_timeout * 1000,
			 collect_expired, &expired);
	apply(r);
	for (struct dsh_wait *w = expired.head; w; w = w->next)
		n++;
	r->ntimeouts += (uint64_t)n;
	pthread_mutex_unlock(&r->mu);
	fail_all(r, expired.head, 1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void dsh_reads_stats(struct dsh_reads *r, struct dsh_read_stats *st)
{
	double *sorted;
	size_t n;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&r->mu);
	st->reads = __atomic_load_n(&r->nreads, __ATOMIC_RELAXED);
	st->waits = r->nwaits;
	st->timeouts = r->ntimeouts;
	st->errors = __atomic_load_n(&r->nerrors, __ATOMIC_RELAXED);
	st->checks = __atomic_load_n(&r->checks, __ATOMIC_RELAXED);
	st->check_bytes = __atomic_load_n(&r->check_bytes, __ATOMIC_RELAXED);
	if (r->sched) {
		struct dsh_sched_stats ss;

		dsh_sched_stats(r->sched, &ss);
		st->waiting = ss.waiting;
	}
	n = r->lat_n < DSH_LAT_RING ? (size_t)r->lat_n : DSH_LAT_RING;
	sorted = dsl_xmalloc((n + 1) * sizeof(double));
	memcpy(sorted, r->lat_ring, n * sizeof(double));
	if (r->lat_n)
		st->mean_ms = r->lat_sum / (double)r->lat_n * 1e3;
	st->max_ms = r->lat_max * 1e3;
	pthread_mutex_unlock(&r->mu);
	if (n) {
		qsort(sorted, n, sizeof(double), cmp_double);
		st->p50_ms = sorted[n / 2] * 1e3;
		st->p99_ms = sorted[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] * 1e3;
	}
	free(sorted);
}

void dsh_reads_destroy(struct dsh_reads *r)
{
	struct wait_list left = {NULL, &left.head};

	pthread_mutex_lock(&r->mu);
	if (r->sched)
		dsh_sched_drain(r->sched, collect_expired, &left);
	pthread_mutex_unlock(&r->mu);
	fail_all(r, left.head, 0);
	pthread_mutex_destroy(&r->mu);
}
