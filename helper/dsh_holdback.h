/* dsh_holdback.h - a seeder's half of the piece plan: each piece leaves the
 * file server about once, and a read waiting for a piece never waits
 * behind that rule.
 *
 * Downloaders ask a seeder for any piece it has while they have request
 * slots free, also for pieces another node already has or is being sent,
 * and a recorded order has every node ask for the same pieces at the same
 * moment: the file server sent 1.9-4.1x the set (scale benchmark).  So the
 * seeder serves a request at once only when
 *  - the asker marked the piece urgent (a read of it waits, dsh_sched.h):
 *    every node of a job reads the same files at the same moment, and a
 *    held read would wait for the first node to get the piece and
 *    announce it, then for libtorrent to ask again;
 *  - or no other node has the piece and nobody is being sent it (or was
 *    sent it more than RESEND_MS ago: that node may be slow or gone);
 *  - or the asker does not mark its urgent requests (another client, an
 *    older helper), is a seeder, got nothing for STARVE_MS, or was held
 *    back for this piece for MAX_HOLD_MS already.
 * Otherwise it holds the request and answers it with a reject (BEP 6) when
 * another node announces the piece or after HOLD_MS; the asker then picks
 * again, usually the same piece from the node that has it.  Rejects go out
 * only on those events, so a downloader that keeps asking for the same
 * piece gets an answer at most 1000/HOLD_MS times a second.
 *
 * Pure state, no libtorrent (helper/dsh_hold.cpp carries it to and from
 * the wire; tests/helper/test_holdback.c drives it with a fake swarm).
 * Time is the caller's, in milliseconds.  Not thread-safe: libtorrent's
 * network thread is its only caller. */
#ifndef DSH_HOLDBACK_H
#define DSH_HOLDBACK_H

#include <stdint.h>

#define DSH_HOLD_MS 250
#define DSH_RESEND_MS 3000
/* A downloader that got no block from a peer for piece_timeout (10 s,
 * dsh_session.cpp) with requests out "snubs" it: one request at a time, and
 * libtorrent's deadline scheduler skips snubbed peers
 * (peer_connection::can_request_time_critical), so a read of a piece only
 * the seeder has would wait.  A peer that got nothing for STARVE_MS is
 * served whatever it asks, before that can happen.  With 2 s (and
 * libtorrent's 5 s) at 64 nodes the seeder, which needs to send each piece
 * to only one of them, found most of them "starving" and served them: the
 * file server sent 1.22-1.58x the set; with 4 s, 1.13-1.20x (scale
 * benchmark, README). */
#define DSH_STARVE_MS 4000
/* The seeder cannot see whether the asker is connected to the node that
 * has the piece (a downloader learns its peers from the tracker and its
 * direct peers): a peer is held back for a piece at most MAX_HOLD_MS after
 * its first held request for it, then served.  (Seen: under load, a swarm
 * that formed through the tracker alone did not finish in 150 s without
 * this bound.) */
#define DSH_MAX_HOLD_MS DSH_RESEND_MS
/* Every node of a job reads the same files at the same moment: served at
 * once, each urgent piece left the file server once per node, and the
 * seeder's link, shared by all of those copies, was what the reads waited
 * for (tests/bench/helper/urgent.sh: 3.4x the set).  So an urgent request
 * for a piece another node is being sent is held until that node announces
 * it (at most MAX_HOLD_MS), and one for a piece another node has is held
 * for URGENT_HOLD_MS after the first ask that found it there, for the
 * asker to take it from that node.  0: urgent requests are never held
 * (dsh_holdback_set_urgent_hold). */
#define DSH_URGENT_HOLD_MS 200
/* Held requests are looked at for expiry at most this often on requests
 * (a seeder gets thousands a second), and on every tick. */
#define DSH_EXPIRE_EVERY_MS 50

struct dsh_holdback_req {
	int piece, start, length;
};

/* Answer a held request with a reject (BEP 6).  arg: the peer's. */
typedef void (*dsh_holdback_reject_fn)(void *peer_arg, const struct dsh_holdback_req *r);

struct dsh_holdback;
struct dsh_holdback_peer;

struct dsh_holdback *dsh_holdback_new(int npieces, dsh_holdback_reject_fn reject);
/* How long an urgent request may be held (DSH_URGENT_HOLD_MS unless set;
 * the benchmarks compare). */
void dsh_holdback_set_urgent_hold(struct dsh_holdback *h, int ms);
/* Its peers are freed first (dsh_holdback_peer_free). */
void dsh_holdback_free(struct dsh_holdback *h);

/* A connection. */
struct dsh_holdback_peer *dsh_holdback_peer_new(struct dsh_holdback *h, void *arg, int64_t now);
/* It is another seeder (its peer id, known once the handshake is in): never
 * held, never a holder. */
void dsh_holdback_seeder(struct dsh_holdback_peer *c, int on);
/* Gone: what it had and was being sent counts no more.  Held requests are
 * dropped without an answer (there is nobody to answer). */
void dsh_holdback_peer_free(struct dsh_holdback *h, struct dsh_holdback_peer *c);

/* Its extension handshake said it marks its urgent requests. */
void dsh_holdback_holdable(struct dsh_holdback_peer *c, int on);
/* It has piece p (bitfield, have-all: one call per piece).  announce: a
 * have message, which also answers the requests held for p. */
void dsh_holdback_has(struct dsh_holdback *h, struct dsh_holdback_peer *c, int p, int announce);
void dsh_holdback_dont_have(struct dsh_holdback *h, struct dsh_holdback_peer *c, int p);
/* It marked piece p urgent: a request of it held now is rejected at once
 * (it asks again, marked), and held from now on only as URGENT_HOLD_MS
 * says. */
void dsh_holdback_urgent(struct dsh_holdback *h, struct dsh_holdback_peer *c, int p);

/* A request: 0 serve it, 1 held (answered later through reject). */
int dsh_holdback_request(struct dsh_holdback *h, struct dsh_holdback_peer *c,
			 const struct dsh_holdback_req *r, int64_t now);
/* A cancel: 1 when it was held (rejected here, BEP 6: with the fast
 * extension a cancelled request still gets its answer, and a downloader
 * keeps the block queued until then), 0 for libtorrent to answer. */
int dsh_holdback_cancel(struct dsh_holdback *h, struct dsh_holdback_peer *c,
			const struct dsh_holdback_req *r);
/* A block of a served request went out. */
void dsh_holdback_sent(struct dsh_holdback *h, struct dsh_holdback_peer *c,
		       const struct dsh_holdback_req *r, int64_t now);
/* Held requests older than the hold are rejected (force: now, else at most
 * every DSH_EXPIRE_EVERY_MS). */
void dsh_holdback_expire(struct dsh_holdback *h, int64_t now, int force);

/* Requests held now, all peers. */
int dsh_holdback_nheld(const struct dsh_holdback *h);

#endif
