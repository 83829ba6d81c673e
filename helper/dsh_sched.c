/* dsh_sched.c - a downloader's piece plan and its demand index (dsh_sched.h).
 *
 * A piece's priority is a function of what the node knows (prio_of); every
 * event recomputes the pieces it touches and notes the ones that changed,
 * so the session is told only about changes.  Pausing or resuming the
 * background touches every piece: then the whole array goes at once. */
#include <stdlib.h>
#include <string.h>

#include "dsh_sched.h"
#include "dsl_util.h"

/* The order's window: about 4 MiB in flight, enough to keep a fast link
 * busy, few enough that the window stays in the order's sequence. */
#define WINDOW_BYTES (4u << 20)
#define WINDOW_MIN 4
#define WINDOW_MAX 64

/* One read's place in the list of a piece it waits for. */
struct link {
	struct link *prev, *next;
	struct wait *w;
	int linked;
};

struct wait {
	struct wait *prev, *next;    /* all waiting reads, oldest first */
	void *cookie;
	int64_t t0;
	int first, end, missing;
	struct link links[];         /* one per piece of [first, end) */
};

struct dsh_sched {
	int npieces, nhave;
	int no_prefetch, prefetch_always;
	int share_first, share_end;
	uint8_t *have, *prio, *urgent, *in_order, *in_window, *dirty;
	int *order, norder, order_next;
	int window, window_max;
	struct link **waiters;       /* per piece: the reads waiting for it */
	int nurgent;                 /* pieces with waiters */
	int paused;
	struct wait *oldest, *newest;
	int nwaiting;
	/* changes not taken yet (dsh_sched_take) */
	int *changed, nchanged, all;
	int *deadline, ndeadline;
	size_t deadline_cap;
	int taken;
};

static int in_share(const struct dsh_sched *s, int p)
{
	return p >= s->share_first && p < s->share_end;
}

static uint8_t prio_of(const struct dsh_sched *s, int p)
{
	if (s->waiters[p])
		return DSH_PRIO_TOP;
	if (s->no_prefetch)
		return DSH_PRIO_LOW;
	/* A recorded order: its window first whatever else waits (its
	 * pieces are what the tasks read next), then the rest of it, then
	 * the own share. */
	if (s->norder) {
		if (s->in_window[p])
			return DSH_PRIO_TOP;
		if (s->in_order[p])
			return DSH_PRIO_ORDER;
		return !s->paused && in_share(s, p) ? DSH_PRIO_SHARE_PAUSED : DSH_PRIO_LOW;
	}
	if (in_share(s, p))
		return s->paused ? DSH_PRIO_SHARE_PAUSED : DSH_PRIO_SHARE;
	return s->paused ? DSH_PRIO_OTHERS_PAUSED : DSH_PRIO_DEFAULT;
}

/* Recompute p; note it when it changed (a piece on the node: nobody asks). */
static void touch(struct dsh_sched *s, int p)
{
	uint8_t v = prio_of(s, p);

	if (s->have[p] || v == s->prio[p])
		return;
	s->prio[p] = v;
	if (s->all || s->dirty[p])
		return;
	s->dirty[p] = 1;
	s->changed[s->nchanged++] = p;
}

static void touch_all(struct dsh_sched *s)
{
	for (int p = 0; p < s->npieces; p++)
		if (!s->have[p])
			s->prio[p] = prio_of(s, p);
	s->all = 1;
}

/* The order's next pieces not on the node, up to the window. */
static void advance(struct dsh_sched *s)
{
	while (s->window < s->window_max && s->order_next < s->norder) {
		int q = s->order[s->order_next++];

		if (s->have[q] || s->in_window[q])
			continue;
		s->in_window[q] = 1;
		s->window++;
		touch(s, q);
	}
}

static void update_pause(struct dsh_sched *s)
{
	int want = s->nurgent > 0 && !s->prefetch_always && !s->no_prefetch;

	if (want != s->paused) {
		s->paused = want;
		touch_all(s);
	}
}

/* The last take's lists are done with. */
static void settle(struct dsh_sched *s)
{
	if (!s->taken)
		return;
	for (int i = 0; i < s->nchanged; i++)
		s->dirty[s->changed[i]] = 0;
	s->nchanged = s->ndeadline = s->all = s->taken = 0;
}

struct dsh_sched *dsh_sched_new(const struct dsh_sched_opts *o)
{
	struct dsh_sched *s = dsl_xcalloc(1, sizeof(*s));
	size_t n = o->npieces > 0 ? (size_t)o->npieces : 0;

	s->npieces = (int)n;
	s->no_prefetch = o->no_prefetch;
	s->prefetch_always = o->prefetch_always;
	if (o->share_count > 1 && o->share_index >= 0 && o->share_index < o->share_count) {
		s->share_first = (int)((long)n * o->share_index / o->share_count);
		s->share_end = (int)((long)n * (o->share_index + 1) / o->share_count);
	}
	s->have = dsl_xcalloc(n + 1, 1);
	s->prio = dsl_xcalloc(n + 1, 1);
	s->urgent = dsl_xcalloc(n + 1, 1);
	s->in_order = dsl_xcalloc(n + 1, 1);
	s->in_window = dsl_xcalloc(n + 1, 1);
	s->dirty = dsl_xcalloc(n + 1, 1);
	s->changed = dsl_xcalloc(n + 1, sizeof(int));
	s->waiters = dsl_xcalloc(n + 1, sizeof(struct link *));
	s->order = dsl_xcalloc((size_t)(o->norder > 0 ? o->norder : 0) + 1, sizeof(int));
	/* Each piece once, in its first place: a window slot is never spent on
	 * a piece raised already. */
	for (int i = 0; o->order && i < o->norder; i++) {
		int p = o->order[i];

		if (p >= 0 && p < s->npieces && !s->in_order[p]) {
			s->in_order[p] = 1;
			s->order[s->norder++] = p;
		}
	}
	if (s->norder) {
		uint32_t ps = o->piece_size ? o->piece_size : 16384;

		s->window_max = (int)(WINDOW_BYTES / ps);
		if (s->window_max < WINDOW_MIN)
			s->window_max = WINDOW_MIN;
		if (s->window_max > WINDOW_MAX)
			s->window_max = WINDOW_MAX;
		advance(s);
	}
	touch_all(s);
	s->all = 0;   /* the start values: dsh_sched_prio, not a change */
	s->nchanged = 0;
	memset(s->dirty, 0, n + 1);
	return s;
}

void dsh_sched_free(struct dsh_sched *s)
{
	if (!s)
		return;
	dsh_sched_drain(s, NULL, NULL);
	free(s->have);
	free(s->prio);
	free(s->urgent);
	free(s->in_order);
	free(s->in_window);
	free(s->dirty);
	free(s->changed);
	free(s->waiters);
	free(s->order);
	free(s->deadline);
	free(s);
}

const uint8_t *dsh_sched_prio(const struct dsh_sched *s)
{
	return s->prio;
}

const uint8_t *dsh_sched_urgent(const struct dsh_sched *s)
{
	return s->urgent;
}

int dsh_sched_strict(const struct dsh_sched *s)
{
	return s->norder > 0;
}

static void push_deadline(struct dsh_sched *s, int p)
{
	s->deadline = dsl_xgrow(s->deadline, &s->deadline_cap, (size_t)s->ndeadline + 1,
				sizeof(int), 16);
	s->deadline[s->ndeadline++] = p;
}

static void link_in(struct dsh_sched *s, struct wait *w, int p)
{
	struct link *l = &w->links[p - w->first];

	l->w = w;
	l->prev = NULL;
	l->next = s->waiters[p];
	if (l->next)
		l->next->prev = l;
	l->linked = 1;
	w->missing++;
	if (!s->waiters[p]) {
		/* The piece's first read: urgent now.  Marked before the
		 * session asks for it (the mark goes out with the request). */
		s->waiters[p] = l;
		s->nurgent++;
		__atomic_store_n(&s->urgent[p], 1, __ATOMIC_RELEASE);
		touch(s, p);
		push_deadline(s, p);
		return;
	}
	s->waiters[p] = l;
}

/* Out of piece p's list; the piece stops being urgent with its last read. */
static void link_out(struct dsh_sched *s, struct link *l, int p)
{
	if (l->prev)
		l->prev->next = l->next;
	else
		s->waiters[p] = l->next;
	if (l->next)
		l->next->prev = l->prev;
	l->linked = 0;
	l->w->missing--;
	if (!s->waiters[p]) {
		s->nurgent--;
		__atomic_store_n(&s->urgent[p], 0, __ATOMIC_RELEASE);
		touch(s, p);
	}
}

static void fifo_out(struct dsh_sched *s, struct wait *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		s->oldest = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		s->newest = w->prev;
	s->nwaiting--;
}

int dsh_sched_wait(struct dsh_sched *s, void *cookie, int first, int end, int64_t now_ms)
{
	struct wait *w;
	int missing = 0;

	settle(s);
	if (first < 0)
		first = 0;
	if (end > s->npieces)
		end = s->npieces;
	for (int p = first; p < end; p++)
		missing += !s->have[p];
	if (missing == 0)
		return 0;
	w = dsl_xcalloc(1, sizeof(*w) + (size_t)(end - first) * sizeof(struct link));
	w->cookie = cookie;
	w->t0 = now_ms;
	w->first = first;
	w->end = end;
	for (int p = first; p < end; p++)
		if (!s->have[p])
			link_in(s, w, p);
	w->prev = s->newest;
	if (s->newest)
		s->newest->next = w;
	else
		s->oldest = w;
	s->newest = w;
	s->nwaiting++;
	update_pause(s);
	return 1;
}

void dsh_sched_have(struct dsh_sched *s, int p, dsh_sched_ready_fn ready, void *arg)
{
	struct wait *done = NULL;

	settle(s);
	if (p < 0 || p >= s->npieces || s->have[p])
		return;
	s->have[p] = 1;
	s->nhave++;
	if (s->in_window[p]) {
		s->in_window[p] = 0;
		s->window--;
		advance(s);
	}
	/* The piece's list is newest first; pushed in that order, the reads
	 * that waited only for it come out oldest first, as they came. */
	while (s->waiters[p]) {
		struct link *l = s->waiters[p];
		struct wait *w = l->w;

		link_out(s, l, p);
		if (w->missing == 0) {
			fifo_out(s, w);
			w->next = done;
			done = w;
		}
	}
	update_pause(s);
	while (done) {
		struct wait *next = done->next;

		if (ready)
			ready(arg, done->cookie);
		free(done);
		done = next;
	}
}

static void drop(struct dsh_sched *s, struct wait *w, dsh_sched_expired_fn expired, void *arg)
{
	int missing = -1;

	for (int p = w->first; p < w->end; p++) {
		struct link *l = &w->links[p - w->first];

		if (!l->linked)
			continue;
		if (missing < 0)
			missing = p;
		link_out(s, l, p);
	}
	fifo_out(s, w);
	if (expired)
		expired(arg, w->cookie, missing);
	free(w);
}

int64_t dsh_sched_expire(struct dsh_sched *s, int64_t now_ms, int64_t timeout_ms,
			 dsh_sched_expired_fn expired, void *arg)
{
	settle(s);
	while (s->oldest && now_ms - s->oldest->t0 >= timeout_ms)
		drop(s, s->oldest, expired, arg);
	update_pause(s);
	return s->oldest ? s->oldest->t0 + timeout_ms - now_ms : -1;
}

void dsh_sched_drain(struct dsh_sched *s, dsh_sched_expired_fn expired, void *arg)
{
	settle(s);
	while (s->oldest)
		drop(s, s->oldest, expired, arg);
	update_pause(s);
}

void dsh_sched_take(struct dsh_sched *s, struct dsh_sched_take *t)
{
	settle(s);   /* a take without a change in between hands over nothing */
	t->all = s->all;
	t->prio = s->prio;
	t->changed = s->changed;
	t->nchanged = s->all ? 0 : s->nchanged;
	t->deadline = s->deadline;
	t->ndeadline = s->ndeadline;
	s->taken = 1;
}

void dsh_sched_stats(const struct dsh_sched *s, struct dsh_sched_stats *st)
{
	st->waiting = s->nwaiting;
	st->urgent = s->nurgent;
	st->paused = s->paused;
	st->have = s->nhave;
	st->npieces = s->npieces;
}
