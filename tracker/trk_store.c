/* trk_store.c - swarms and peers; see trk_store.h for the layout. */
#include "trk_store.h"

#include <stdlib.h>
#include <string.h>

static size_t pow2_at_least(size_t n)
{
	size_t p = 16;
	while (p < n)
		p <<= 1;
	return p;
}

/* xorshift64*: fast and good enough to spread peers; not for secrets. */
static uint64_t rng_next(uint64_t *st)
{
	uint64_t x = *st;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*st = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static uint32_t peer_hash(const struct trk_store *s, const uint8_t *ip, uint16_t port)
{
	uint8_t k[18];
	memcpy(k, ip, 16);
	k[16] = (uint8_t)(port >> 8);
	k[17] = (uint8_t)port;
	return (uint32_t)trk_siphash(&s->key, k, sizeof(k));
}

static uint32_t addr_hash(const struct trk_store *s, const uint8_t *ip)
{
	return (uint32_t)(trk_siphash(&s->key, ip, 16) >> 32);
}

static size_t report_cost(const struct trk_report *r)
{
	return r ? sizeof(*r) + r->len + 1 : 0;
}

/* ---- per-swarm peer index ------------------------------------------- */

static int idx_lookup(const struct trk_swarm *sw, uint32_t h, const uint8_t *ip,
		      uint16_t port, uint32_t *slot)
{
	uint32_t i = h & sw->index_mask;
	for (;;) {
		uint32_t v = sw->index[i];
		if (v == 0) {
			*slot = i;
			return 0;
		}
		const struct trk_peer *p = &sw->peers[v - 1];
		if (p->h == h && p->port == port && memcmp(p->ip, ip, 16) == 0) {
			*slot = i;
			return 1;
		}
		i = (i + 1) & sw->index_mask;
	}
}

/* The slot that points at position pos (which must be indexed). */
static uint32_t idx_slot_of(const struct trk_swarm *sw, uint32_t pos)
{
	uint32_t i = sw->peers[pos].h & sw->index_mask;
	while (sw->index[i] != pos + 1)
		i = (i + 1) & sw->index_mask;
	return i;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void idx_delete(struct trk_swarm *sw, uint32_t i)
{
	uint32_t j = i;
	for (;;) {
		j = (j + 1) & sw->index_mask;
		uint32_t v = sw->index[j];
		if (v == 0)
			break;
		uint32_t k = sw->peers[v - 1].h & sw->index_mask;
		int stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
		if (stays)
			continue;
		sw->index[i] = v;
		i = j;
	}
	sw->index[i] = 0;
}

static int idx_rebuild(struct trk_swarm *sw, uint32_t nslots)
{
	uint32_t *idx = calloc(nslots, sizeof(*idx));
	if (!idx)
		return -1;
	free(sw->index);
	sw->index = idx;
	sw->index_mask = nslots - 1;
	for (uint32_t pos = 0; pos < sw->npeers; pos++) {
		uint32_t i = sw->peers[pos].h & sw->index_mask;
		while (idx[i])
			i = (i + 1) & sw->index_mask;
		idx[i] = pos + 1;
	}
	return 0;
}

/* Moves the peer at from to to (overwriting to), keeping the index right. */
static void peer_move(struct trk_swarm *sw, uint32_t from, uint32_t to)
{
	if (from == to)
		return;
	sw->index[idx_slot_of(sw, from)] = to + 1;
	sw->peers[to] = sw->peers[from];
}

static void peer_swap(struct trk_swarm *sw, uint32_t a, uint32_t b)
{
	if (a == b)
		return;
	uint32_t sa = idx_slot_of(sw, a), sb = idx_slot_of(sw, b);
	struct trk_peer t = sw->peers[a];
	sw->peers[a] = sw->peers[b];
	sw->peers[b] = t;
	sw->index[sa] = b + 1;
	sw->index[sb] = a + 1;
}

/* Keeps seeders in front: returns the peer's new position. */
static uint32_t peer_set_seeder(struct trk_swarm *sw, uint32_t pos, int seeder)
{
	if (!!sw->peers[pos].seeder == !!seeder)
		return pos;
	if (seeder) {
		uint32_t to = sw->nseeders++;
		peer_swap(sw, pos, to);
		sw->peers[to].seeder = 1;
		return to;
	}
	uint32_t to = --sw->nseeders;
	peer_swap(sw, pos, to);
	sw->peers[to].seeder = 0;
	return to;
}

static void peer_drop_report(struct trk_store *s, struct trk_peer *p)
{
	s->report_bytes -= report_cost(p->report);
	free(p->report);
	p->report = NULL;
}

static void peer_remove(struct trk_store *s, struct trk_swarm *sw, uint32_t pos)
{
	peer_drop_report(s, &sw->peers[pos]);
	trk_addrs_sub(&s->addrs, sw->peers[pos].ip, addr_hash(s, sw->peers[pos].ip));
	idx_delete(sw, idx_slot_of(sw, pos));
	uint32_t hole = pos;
	if (sw->peers[pos].seeder) {
		hole = --sw->nseeders;
		peer_move(sw, hole, pos);
	}
	peer_move(sw, --sw->npeers, hole);
}

static int swarm_grow(struct trk_swarm *sw, uint32_t max_peers)
{
	uint32_t ncap = sw->cap ? sw->cap * 2 : 8;
	if (ncap > max_peers)
		ncap = max_peers;
	struct trk_peer *np = realloc(sw->peers, (size_t)ncap * sizeof(*np));
	if (!np)
		return -1;
	sw->peers = np;
	sw->cap = ncap;
	uint32_t want = (uint32_t)pow2_at_least((size_t)ncap * 2);
	if (sw->index_mask + 1 < want)
		return idx_rebuild(sw, want);
	return 0;
}

static void swarm_free(struct trk_swarm *sw)
{
	if (!sw)
		return;
	for (uint32_t i = 0; i < sw->npeers; i++)
		free(sw->peers[i].report);
	free(sw->peers);
	free(sw->index);
	free(sw);
}

/* ---- swarm table ---------------------------------------------------- */

int trk_store_init(struct trk_store *s, size_t max_swarms, uint32_t max_peers)
{
	memset(s, 0, sizeof(*s));
	trk_sipkey_random(&s->key);
	s->rng = s->key.k0 | 1;
	s->max_swarms = max_swarms ? max_swarms : 1;
	s->max_peers = max_peers ? max_peers : 1;
	size_t n = pow2_at_least(s->max_swarms * 2);
	s->slots = calloc(n, sizeof(*s->slots));
	if (!s->slots)
		return -1;
	s->mask = n - 1;
	if (trk_addrs_init(&s->addrs) < 0) {
		free(s->slots);
		s->slots = NULL;
		return -1;
	}
	return 0;
}

void trk_store_free(struct trk_store *s)
{
	if (!s->slots)
		return;
	for (size_t i = 0; i <= s->mask; i++)
		swarm_free(s->slots[i]);
	free(s->slots);
	s->slots = NULL;
	trk_addrs_free(&s->addrs);
}

static size_t swarm_slot(const struct trk_store *s, const uint8_t *hash, uint32_t h, int *found)
{
	size_t i = h & s->mask;
	for (;;) {
		const struct trk_swarm *sw = s->slots[i];
		if (!sw) {
			*found = 0;
			return i;
		}
		if (sw->h == h && memcmp(sw->hash, hash, TRK_HASH_LEN) == 0) {
			*found = 1;
			return i;
		}
		i = (i + 1) & s->mask;
	}
}

const struct trk_swarm *trk_store_find(const struct trk_store *s, const uint8_t *hash)
{
	int found;
	uint32_t h = (uint32_t)trk_siphash(&s->key, hash, TRK_HASH_LEN);
	size_t i = swarm_slot(s, hash, h, &found);
	return found ? s->slots[i] : NULL;
}

static void swarm_delete_slot(struct trk_store *s, size_t i)
{
	swarm_free(s->slots[i]);
	s->nswarms--;
	size_t j = i;
	for (;;) {
		j = (j + 1) & s->mask;
		struct trk_swarm *sw = s->slots[j];
		if (!sw)
			break;
		size_t k = sw->h & s->mask;
		int stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
		if (stays)
			continue;
		s->slots[i] = sw;
		i = j;
	}
	s->slots[i] = NULL;
}

static struct trk_swarm *swarm_get(struct trk_store *s, const uint8_t *hash, int create,
				   enum trk_store_rc *rc)
{
	int found;
	uint32_t h = (uint32_t)trk_siphash(&s->key, hash, TRK_HASH_LEN);
	size_t i = swarm_slot(s, hash, h, &found);
	if (found || !create)
		return s->slots[i];
	if (s->nswarms >= s->max_swarms) {
		*rc = TRK_STORE_SWARMS_FULL;
		return NULL;
	}
	struct trk_swarm *sw = calloc(1, sizeof(*sw));
	if (!sw || swarm_grow(sw, s->max_peers) < 0) {
		swarm_free(sw);
		*rc = TRK_STORE_NOMEM;
		return NULL;
	}
	memcpy(sw->hash, hash, TRK_HASH_LEN);
	sw->h = h;
	s->slots[i] = sw;
	s->nswarms++;
	s->swarms_created++;
	return sw;
}

/* ---- peer selection --------------------------------------------------- */

static void emit(const struct trk_peer *p, struct trk_peerlist *out)
{
	if (p->v4) {
		uint8_t *d = out->v4 + 6 * out->n4++;
		memcpy(d, p->ip + 12, 4);
		d[4] = (uint8_t)(p->port >> 8);
		d[5] = (uint8_t)p->port;
	} else {
		uint8_t *d = out->v6 + 18 * out->n6++;
		memcpy(d, p->ip, 16);
		d[16] = (uint8_t)(p->port >> 8);
		d[17] = (uint8_t)p->port;
	}
}

static uint32_t gcd32(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* Up to m peers of [lo, hi) except skip, in a random order: a random start
 * and a random step coprime with the range visit each position once, so a
 * pick costs O(m) and different askers get different, overlapping subsets. */
static uint32_t pick_range(const struct trk_swarm *sw, uint32_t lo, uint32_t hi,
			   uint32_t m, uint32_t skip, uint64_t *rng, struct trk_peerlist *out)
{
	uint32_t len = hi > lo ? hi - lo : 0, got = 0;
	if (len == 0 || m == 0)
		return 0;
	uint64_t r = rng_next(rng);
	uint32_t start = (uint32_t)(r % len);
	uint32_t step = len > 1 ? 1 + (uint32_t)((r >> 32) % (len - 1)) : 1;
	while (gcd32(step, len) != 1)
		step++;
	uint32_t p = start;
	for (uint32_t i = 0; i < len && got < m; i++) {
		if (lo + p != skip) {
			emit(&sw->peers[lo + p], out);
			got++;
		}
		p += step;
		if (p >= len)
			p -= len;
	}
	return got;
}

/* How many seeders one peer that has nothing is given: all (up to want)
 * while the swarm is small, then on average ns * TRK_SEEDER_FANIN / n, so
 * that each seeder is handed to about TRK_SEEDER_FANIN askers per n
 * announces, not to every node of a 16,384-node job: over a start-up burst
 * in which the swarm grows from 1 to N peers, a seeder is handed out about
 * TRK_SEEDER_FANIN * (1 + ln(N / TRK_SEEDER_FANIN)) times (~130 at 16,384),
 * O(log N).  16: at 100 nodes, 64 gave the seeders to the first 64 nodes and
 * they sent 8.4x the set (big-job.test); the rest comes from other nodes. */
#define TRK_SEEDER_FANIN 16

static uint32_t seeders_for_fresh(uint32_t ns, uint32_t n, uint32_t want, uint64_t *rng)
{
	uint64_t num = (uint64_t)ns * TRK_SEEDER_FANIN;
	uint64_t g = n <= TRK_SEEDER_FANIN ? ns : num / n + (rng_next(rng) % n < num % n);

	return (uint32_t)(g < want ? g : want);
}

/* Peers that have nothing get seeders first (they are the only ones
 * certain to have pieces), within seeders_for_fresh; seeders get leechers
 * first (a seeder has no use for another seeder); everyone else gets a
 * uniform random subset. */
static void select_peers(const struct trk_swarm *sw, uint32_t self, int has_nothing,
			 uint32_t want, uint64_t *rng, struct trk_peerlist *out)
{
	uint32_t ns = sw->nseeders, n = sw->npeers, got;
	if (has_nothing) {
		uint32_t leechers = n - ns - (self >= ns && self < n);
		uint32_t g = seeders_for_fresh(ns, n, want, rng);

		if (want > g + leechers)   /* few leechers yet: more seeders */
			g = want - leechers < ns ? want - leechers : ns;
		got = pick_range(sw, 0, ns, g, self, rng, out);
		pick_range(sw, ns, n, want - got, self, rng, out);
	} else if (self < ns) {
		got = pick_range(sw, ns, n, want, self, rng, out);
		pick_range(sw, 0, ns, want - got, self, rng, out);
	} else {
		pick_range(sw, 0, n, want, self, rng, out);
	}
}

/* ---- announce, expiry ------------------------------------------------- */

static void update_totals(struct trk_store *s, const struct trk_swarm *sw,
			  uint32_t np0, uint32_t ns0)
{
	s->npeers += (uint64_t)sw->npeers - np0;
	s->nseeders += (uint64_t)sw->nseeders - ns0;
}

/* A new entry for in at the free index slot: within the caps, and counted
 * for its address.  Returns its position or a refusal. */
static enum trk_store_rc peer_add(struct trk_store *s, struct trk_swarm *sw,
				  const struct trk_peer_in *in, uint32_t h, int64_t now,
				  uint32_t *slot, uint32_t *pos)
{
	uint32_t ah = addr_hash(s, in->ip);

	if (sw->npeers >= s->max_peers)
		return TRK_STORE_PEERS_FULL;
	if (s->lim.max_total_peers && s->npeers >= s->lim.max_total_peers)
		return TRK_STORE_TOTAL_FULL;
	if (s->lim.max_peers_per_addr &&
	    trk_addrs_count(&s->addrs, in->ip, ah) >= s->lim.max_peers_per_addr)
		return TRK_STORE_ADDR_FULL;
	if (sw->npeers == sw->cap) {
		if (swarm_grow(sw, s->max_peers) < 0)
			return TRK_STORE_NOMEM;
		idx_lookup(sw, h, in->ip, in->port, slot);
	}
	if (trk_addrs_add(&s->addrs, in->ip, ah) < 0)
		return TRK_STORE_NOMEM;
	*pos = sw->npeers++;
	struct trk_peer *p = &sw->peers[*pos];
	memset(p, 0, sizeof(*p));
	memcpy(p->ip, in->ip, 16);
	memcpy(p->peer_id, in->peer_id, TRK_PEER_ID_LEN);
	p->port = in->port;
	p->v4 = in->v4;
	p->h = h;
	p->first_seen = now;
	p->report_tokens = TRK_REPORT_BURST;
	p->report_refill = now;
	sw->index[*slot] = *pos + 1;
	return TRK_STORE_OK;
}

/* An entry found by address and port is this peer's only if the peer id
 * matches: another process on the same host cannot stop it, and takes the
 * address and port over only from an entry that has gone quiet. */
static enum trk_store_rc peer_claim(struct trk_store *s, struct trk_peer *p,
				    const struct trk_peer_in *in, int64_t now)
{
	if (!memcmp(p->peer_id, in->peer_id, TRK_PEER_ID_LEN))
		return TRK_STORE_OK;
	if (in->stopped)
		return TRK_STORE_STOP_NOT_OWNER;
	if (!s->lim.takeover_after || p->last_seen + s->lim.takeover_after > now)
		return TRK_STORE_NOT_OWNER;
	peer_drop_report(s, p);
	memcpy(p->peer_id, in->peer_id, TRK_PEER_ID_LEN);
	p->first_seen = now;
	p->report_tokens = TRK_REPORT_BURST;
	p->report_refill = now;
	return TRK_STORE_OK;
}

enum trk_store_rc trk_store_announce(struct trk_store *s, const struct trk_peer_in *in,
				     int64_t now, uint32_t want, struct trk_peerlist *out,
				     uint32_t *seeders, uint32_t *leechers)
{
	enum trk_store_rc rc = TRK_STORE_OK;
	out->n4 = out->n6 = 0;
	*seeders = *leechers = 0;
	struct trk_swarm *sw = swarm_get(s, in->hash, !in->stopped, &rc);
	if (!sw)
		return rc;
	uint32_t np0 = sw->npeers, ns0 = sw->nseeders, slot;
	uint32_t h = peer_hash(s, in->ip, in->port);
	int found = idx_lookup(sw, h, in->ip, in->port, &slot);
	uint32_t pos = found ? sw->index[slot] - 1 : UINT32_MAX;

	if (found && (rc = peer_claim(s, &sw->peers[pos], in, now)) != TRK_STORE_OK)
		return rc;
	if (in->stopped) {
		if (found)
			peer_remove(s, sw, pos);
		update_totals(s, sw, np0, ns0);
		*seeders = sw->nseeders;
		*leechers = sw->npeers - sw->nseeders;
		return TRK_STORE_OK;
	}
	if (!found && (rc = peer_add(s, sw, in, h, now, &slot, &pos)) != TRK_STORE_OK)
		return rc;
	struct trk_peer *p = &sw->peers[pos];
	p->left = in->left;
	p->uploaded = in->uploaded;
	p->downloaded = in->downloaded;
	p->last_seen = now;
	if (in->completed)
		sw->completed++;
	pos = peer_set_seeder(sw, pos, in->left == 0);
	update_totals(s, sw, np0, ns0);
	if (want > sw->npeers - 1)
		want = sw->npeers - 1;
	int has_nothing = in->left > 0 && in->downloaded == 0;
	select_peers(sw, pos, has_nothing, want, &s->rng, out);
	*seeders = sw->nseeders;
	*leechers = sw->npeers - sw->nseeders;
	return TRK_STORE_OK;
}

/* Token bucket: TRK_REPORT_BURST at most, one more per second. */
static int report_take_token(struct trk_peer *p, int64_t now)
{
	if (now > p->report_refill) {
		int64_t t = p->report_tokens + (now - p->report_refill);

		p->report_tokens = (uint8_t)(t > TRK_REPORT_BURST ? TRK_REPORT_BURST : t);
		p->report_refill = now;
	}
	if (!p->report_tokens)
		return 0;
	p->report_tokens--;
	return 1;
}

enum trk_store_rc trk_store_report(struct trk_store *s, const uint8_t *hash,
				   const uint8_t ip[16], uint16_t port,
				   const uint8_t peer_id[TRK_PEER_ID_LEN], int64_t now,
				   struct trk_report *r)
{
	enum trk_store_rc rc = TRK_STORE_OK;
	struct trk_swarm *sw = swarm_get(s, hash, 0, &rc);
	uint32_t slot;

	if (!sw || !idx_lookup(sw, peer_hash(s, ip, port), ip, port, &slot)) {
		free(r);
		return TRK_STORE_NO_PEER;
	}
	struct trk_peer *p = &sw->peers[sw->index[slot] - 1];
	if (memcmp(p->peer_id, peer_id, TRK_PEER_ID_LEN))
		rc = TRK_STORE_NOT_OWNER;
	else if (!report_take_token(p, now))
		rc = TRK_STORE_REPORT_RATE;
	else if (s->lim.max_report_bytes &&
		 s->report_bytes - report_cost(p->report) + report_cost(r) > s->lim.max_report_bytes)
		rc = TRK_STORE_REPORTS_FULL;
	if (rc != TRK_STORE_OK) {
		free(r);
		return rc;
	}
	peer_drop_report(s, p);
	p->report = r;
	s->report_bytes += report_cost(r);
	return TRK_STORE_OK;
}

size_t trk_store_expire(struct trk_store *s, int64_t now, int64_t timeout)
{
	size_t dropped = 0;
	for (size_t i = 0; i <= s->mask; i++) {
		struct trk_swarm *sw = s->slots[i];
		if (!sw)
			continue;
		uint32_t np0 = sw->npeers, ns0 = sw->nseeders;
		for (uint32_t pos = sw->npeers; pos-- > 0;) {
			if (sw->peers[pos].last_seen + timeout <= now) {
				peer_remove(s, sw, pos);
				dropped++;
			}
		}
		update_totals(s, sw, np0, ns0);
		if (sw->npeers == 0) {
			/* the shift may pull a later swarm into slot i: look again */
			swarm_delete_slot(s, i);
			i--;
		}
	}
	return dropped;
}

const char *trk_store_strerror(enum trk_store_rc rc)
{
	switch (rc) {
	case TRK_STORE_OK: return "ok";
	case TRK_STORE_NOMEM: return "tracker out of memory";
	case TRK_STORE_SWARMS_FULL: return "tracker full: too many swarms (--max-swarms)";
	case TRK_STORE_PEERS_FULL: return "swarm full: too many peers (--max-peers)";
	case TRK_STORE_NO_PEER: return "unknown peer: no announce from this address and port "
				       "in this swarm";
	case TRK_STORE_TOTAL_FULL: return "tracker full: too many peers (--max-peers-total)";
	case TRK_STORE_ADDR_FULL: return "too many peers from this address (--max-peers-per-addr)";
	case TRK_STORE_NOT_OWNER: return "address and port held by a peer with another peer_id "
					 "(only that peer may change or stop it)";
	case TRK_STORE_STOP_NOT_OWNER: return "stopped refused: peer_id does not match the peer "
					      "at this address and port";
	case TRK_STORE_REPORT_RATE: return "report: too frequent (4 at once, then one a second "
					   "per peer)";
	case TRK_STORE_REPORTS_FULL: return "report: the tracker's report budget is used up "
					    "(--max-report-bytes)";
	}
	return "unknown error";
}

void trk_store_foreach(const struct trk_store *s, trk_swarm_fn fn, void *arg)
{
	for (size_t i = 0; i <= s->mask; i++)
		if (s->slots[i])
			fn(arg, s->slots[i]);
}
