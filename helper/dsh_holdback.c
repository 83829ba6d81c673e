/* dsh_holdback.c - the seeder's hold-back (dsh_holdback.h). */
#include <stdlib.h>
#include <string.h>

#include "dsh_holdback.h"
#include "dsl_util.h"

/* A peer's first hold of a piece, in ticks since it connected: 2 bytes per
 * piece and connection.  Ticks wrap after 109 minutes: at worst one more
 * hold. */
#define TICK_MS 100

struct held {
	struct dsh_holdback_req r;
	int64_t t;
};

struct dsh_holdback_peer {
	struct dsh_holdback_peer *prev, *next;
	void *arg;
	int seeder, holdable;
	uint8_t *has, *urgent;       /* urgent: marked by the peer, until it has the piece */
	uint16_t *first_hold;        /* tick of the piece's first hold, 0: none */
	int64_t born, last_sent;     /* last_sent: a block to this peer */
	struct held *held;
	int nheld;
	size_t held_cap;
	struct dsh_holdback_req *queued;   /* served, not yet sent */
	int nqueued;
	size_t queued_cap;
};

struct dsh_holdback {
	int npieces;
	uint16_t *holders;           /* other nodes that have piece p */
	int64_t *sent_at;
	int64_t *had_at;             /* first asked while another node had p, or -1
					(kept if that node leaves: at worst an urgent
					request served without its short hold) */
	const struct dsh_holdback_peer **sent_to;   /* last sent to, or queued */
	struct dsh_holdback_peer *peers;
	int64_t expired_at;
	int urgent_hold_ms;
	dsh_holdback_reject_fn reject;
};

struct dsh_holdback *dsh_holdback_new(int npieces, dsh_holdback_reject_fn reject)
{
	struct dsh_holdback *h = dsl_xcalloc(1, sizeof(*h));
	size_t n = npieces > 0 ? (size_t)npieces : 0;

	h->npieces = (int)n;
	h->holders = dsl_xcalloc(n + 1, sizeof(*h->holders));
	h->sent_at = dsl_xcalloc(n + 1, sizeof(*h->sent_at));
	h->had_at = dsl_xcalloc(n + 1, sizeof(*h->had_at));
	for (size_t p = 0; p < n; p++)
		h->had_at[p] = -1;
	h->sent_to = dsl_xcalloc(n + 1, sizeof(*h->sent_to));
	h->reject = reject;
	h->urgent_hold_ms = DSH_URGENT_HOLD_MS;
	return h;
}

void dsh_holdback_set_urgent_hold(struct dsh_holdback *h, int ms)
{
	h->urgent_hold_ms = ms > 0 ? ms : 0;
}

void dsh_holdback_free(struct dsh_holdback *h)
{
	if (!h)
		return;
	while (h->peers)
		dsh_holdback_peer_free(h, h->peers);
	free(h->holders);
	free(h->sent_at);
	free(h->had_at);
	free(h->sent_to);
	free(h);
}

struct dsh_holdback_peer *dsh_holdback_peer_new(struct dsh_holdback *h, void *arg, int64_t now)
{
	struct dsh_holdback_peer *c = dsl_xcalloc(1, sizeof(*c));
	size_t n = (size_t)h->npieces;

	c->arg = arg;
	c->has = dsl_xcalloc(n + 1, 1);
	c->urgent = dsl_xcalloc(n + 1, 1);
	c->first_hold = dsl_xcalloc(n + 1, sizeof(*c->first_hold));
	c->born = c->last_sent = now;
	c->next = h->peers;
	if (h->peers)
		h->peers->prev = c;
	h->peers = c;
	return c;
}

void dsh_holdback_peer_free(struct dsh_holdback *h, struct dsh_holdback_peer *c)
{
	for (int p = 0; p < h->npieces; p++) {
		if (c->has[p])
			h->holders[p]--;
		if (h->sent_to[p] == c)
			h->sent_to[p] = NULL;
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		h->peers = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c->has);
	free(c->urgent);
	free(c->first_hold);
	free(c->held);
	free(c->queued);
	free(c);
}

void dsh_holdback_seeder(struct dsh_holdback_peer *c, int on)
{
	c->seeder = on != 0;
}

void dsh_holdback_holdable(struct dsh_holdback_peer *c, int on)
{
	c->holdable = on != 0;
}

static int same(const struct dsh_holdback_req *a, const struct dsh_holdback_req *b)
{
	return a->piece == b->piece && a->start == b->start && a->length == b->length;
}

/* Reject held requests: for piece p (all), or older than older_than.  In
 * place: this runs for every peer on every announce. */
static void reject_held(struct dsh_holdback *h, struct dsh_holdback_peer *c, int piece,
			int64_t older_than)
{
	int k = 0;

	for (int i = 0; i < c->nheld; i++) {
		if (c->held[i].r.piece != piece && c->held[i].t >= older_than) {
			c->held[k++] = c->held[i];
			continue;
		}
		h->reject(c->arg, &c->held[i].r);
	}
	c->nheld = k;
}

static void release(struct dsh_holdback *h, int piece)
{
	for (struct dsh_holdback_peer *c = h->peers; c; c = c->next)
		reject_held(h, c, piece, INT64_MIN);
}

void dsh_holdback_has(struct dsh_holdback *h, struct dsh_holdback_peer *c, int p, int announce)
{
	if (p < 0 || p >= h->npieces)
		return;
	if (!c->has[p] && !c->seeder) {
		c->has[p] = 1;
		c->urgent[p] = 0;
		h->holders[p]++;
	}
	if (announce)
		release(h, p);
}

void dsh_holdback_dont_have(struct dsh_holdback *h, struct dsh_holdback_peer *c, int p)
{
	if (p >= 0 && p < h->npieces && c->has[p]) {
		c->has[p] = 0;
		h->holders[p]--;
	}
}

void dsh_holdback_urgent(struct dsh_holdback *h, struct dsh_holdback_peer *c, int p)
{
	if (p < 0 || p >= h->npieces)
		return;
	c->urgent[p] = 1;
	reject_held(h, c, p, INT64_MIN);
}

/* Held back for piece p for MAX_HOLD_MS already (starts the clock on the
 * first call for p). */
static int held_long(struct dsh_holdback_peer *c, int p, int64_t now)
{
	uint16_t tick = (uint16_t)((now - c->born) / TICK_MS + 1);

	if (c->first_hold[p] == 0) {
		c->first_hold[p] = tick;
		return 0;
	}
	return (uint16_t)(tick - c->first_hold[p]) >= DSH_MAX_HOLD_MS / TICK_MS;
}

static void push_queued(struct dsh_holdback_peer *c, const struct dsh_holdback_req *r)
{
	c->queued = dsl_xgrow(c->queued, &c->queued_cap, (size_t)c->nqueued + 1,
			      sizeof(*c->queued), 16);
	c->queued[c->nqueued++] = *r;
}

static void push_held(struct dsh_holdback_peer *c, const struct dsh_holdback_req *r, int64_t now)
{
	c->held = dsl_xgrow(c->held, &c->held_cap, (size_t)c->nheld + 1, sizeof(*c->held), 16);
	c->held[c->nheld].r = *r;
	c->held[c->nheld++].t = now;
}

/* Out of the served list; 1 when it was there. */
static int unqueue(struct dsh_holdback_peer *c, const struct dsh_holdback_req *r)
{
	for (int i = 0; i < c->nqueued; i++)
		if (same(&c->queued[i], r)) {
			c->queued[i] = c->queued[--c->nqueued];
			return 1;
		}
	return 0;
}

/* Hold an urgent request for piece p?  While another node is being sent
 * it, until that node announces it (bounded like any hold: the asker's own
 * copy would share the same link); once another node has it, for
 * urgent_hold_ms after the first ask that found it there, for the asker to
 * take it from that node (it may not be connected to it). */
static int hold_urgent(struct dsh_holdback *h, struct dsh_holdback_peer *c, int p,
		       int sending, int64_t now)
{
	if (h->urgent_hold_ms == 0)
		return 0;
	if (sending && !h->sent_to[p]->has[p])
		return !held_long(c, p, now);
	return now - h->had_at[p] < h->urgent_hold_ms;
}

int dsh_holdback_request(struct dsh_holdback *h, struct dsh_holdback_peer *c,
			 const struct dsh_holdback_req *r, int64_t now)
{
	int p = r->piece;

	dsh_holdback_expire(h, now, 0);
	if (p < 0 || p >= h->npieces || c->seeder)
		return 0;
	const struct dsh_holdback_peer *to = h->sent_to[p];
	int elsewhere = h->holders[p] > 0;
	int sending = to && to != c && now - h->sent_at[p] < DSH_RESEND_MS;
	int starving = now - c->last_sent > DSH_STARVE_MS;

	if (elsewhere && h->had_at[p] < 0)
		h->had_at[p] = now;
	if (!c->holdable || starving || (!elsewhere && !sending) ||
	    (c->urgent[p] ? !hold_urgent(h, c, p, sending, now) : held_long(c, p, now))) {
		/* Asked again by the same node: not a new start. */
		if (to != c)
			h->sent_at[p] = now;
		h->sent_to[p] = c;
		push_queued(c, r);
		return 0;
	}
	push_held(c, r, now);
	return 1;
}

/* A queued one libtorrent answers; if it was the piece's first sending,
 * the piece is free again (seen: a node cancelling and asking again for
 * an urgent piece that waited behind its other requests, while every
 * other node was held back: all of them stuck). */
int dsh_holdback_cancel(struct dsh_holdback *h, struct dsh_holdback_peer *c,
			const struct dsh_holdback_req *r)
{
	for (int i = 0; i < c->nheld; i++)
		if (same(&c->held[i].r, r)) {
			struct dsh_holdback_req gone = c->held[i].r;

			memmove(&c->held[i], &c->held[i + 1],
				(size_t)(c->nheld - i - 1) * sizeof(*c->held));
			c->nheld--;
			h->reject(c->arg, &gone);
			return 1;
		}
	if (unqueue(c, r) && r->piece >= 0 && r->piece < h->npieces &&
	    h->sent_to[r->piece] == c)
		h->sent_to[r->piece] = NULL;
	return 0;
}

void dsh_holdback_sent(struct dsh_holdback *h, struct dsh_holdback_peer *c,
		       const struct dsh_holdback_req *r, int64_t now)
{
	unqueue(c, r);
	c->last_sent = now;
	if (r->piece >= 0 && r->piece < h->npieces) {
		h->sent_to[r->piece] = c;
		h->sent_at[r->piece] = now;
	}
}

void dsh_holdback_expire(struct dsh_holdback *h, int64_t now, int force)
{
	if (!force && now - h->expired_at < DSH_EXPIRE_EVERY_MS)
		return;
	h->expired_at = now;
	for (struct dsh_holdback_peer *c = h->peers; c; c = c->next)
		reject_held(h, c, -1, now - DSH_HOLD_MS);
}

int dsh_holdback_nheld(const struct dsh_holdback *h)
{
	int n = 0;

	for (const struct dsh_holdback_peer *c = h->peers; c; c = c->next)
		n += c->nheld;
	return n;
}
