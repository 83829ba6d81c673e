/* trk_store.h - swarms and their peers, with hard caps on both.
 *
 * A swarm keeps its peers in one dense array, seeders first: [0, nseeders)
 * are seeders, [nseeders, npeers) leechers.  That makes "seeders for the
 * peers that have nothing" and uniform random picks O(numwant), never
 * O(swarm).  An open-addressing index (keyed SipHash of address and port)
 * finds a peer in O(1).  The swarm table has a fixed size chosen from
 * max_swarms at start, so nothing grows past the configured caps. */
#ifndef TRK_STORE_H
#define TRK_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "trk_addr.h"
#include "trk_siphash.h"

#define TRK_HASH_LEN 20
#define TRK_PEER_ID_LEN 20
/* Reports a peer may post in a burst; one more each second after that.
 * The helper posts every 2 s and once when its set is complete. */
#define TRK_REPORT_BURST 4

/* A helper's status document (POST /report), kept with its peer and dropped
 * with it.  The numbers are copied out once so /metrics needs no JSON. */
struct trk_report {
	int64_t time;                    /* store clock, seconds */
	uint64_t received, sent, from_seeders, from_peers;
	int complete;
	int64_t uid;                     /* the helper's uid ("uid"), -1 if absent */
	size_t len;
	char json[];                     /* compact JSON object, NUL-terminated */
};

struct trk_peer {
	uint8_t ip[16];          /* IPv4 as ::ffff:a.b.c.d */
	uint8_t peer_id[TRK_PEER_ID_LEN];   /* with ip and port, who it is */
	uint16_t port;
	uint8_t v4;
	uint8_t seeder;
	uint8_t report_tokens;   /* reports it may post now (TRK_REPORT_BURST) */
	int64_t report_refill;   /* store clock of the last token refill */
	uint32_t h;              /* index hash, kept to move entries cheaply */
	uint64_t left, uploaded, downloaded;
	int64_t first_seen, last_seen;   /* store clock, seconds */
	struct trk_report *report;       /* owned; NULL until the helper posts one */
};

struct trk_swarm {
	uint8_t hash[TRK_HASH_LEN];
	uint32_t h;
	uint32_t npeers, nseeders, cap;
	struct trk_peer *peers;
	uint32_t *index;         /* slot = position + 1, 0 = free */
	uint32_t index_mask;
	uint64_t completed;      /* event=completed seen */
};

/* Caps beyond max_swarms x max_peers; 0 = none (what trk_store_init
 * sets; the tracker sets them from its options). */
struct trk_store_limits {
	uint64_t max_total_peers;    /* peers in all swarms together */
	uint32_t max_peers_per_addr; /* peers from one address, all swarms */
	uint64_t max_report_bytes;   /* kept reports, all peers together */
	int64_t takeover_after;      /* seconds without an announce after which
					another peer id may take an address and
					port (0: only once the entry expired) */
};

struct trk_store {
	struct trk_sipkey key;
	struct trk_store_limits lim;
	struct trk_addrs addrs;
	uint64_t report_bytes;     /* what the kept reports cost */
	struct trk_swarm **slots;
	size_t mask;
	size_t nswarms, max_swarms;
	uint32_t max_peers;
	uint64_t npeers, nseeders;
	uint64_t swarms_created;   /* so callers can tell a new swarm */
	uint64_t rng;
};

/* What an announce tells the store about one peer. */
struct trk_peer_in {
	uint8_t hash[TRK_HASH_LEN];
	uint8_t ip[16];
	uint8_t v4;
	uint16_t port;
	uint8_t peer_id[TRK_PEER_ID_LEN];   /* all zero when not given */
	uint64_t left, uploaded, downloaded;
	int stopped, completed;
};

/* Compact peers chosen for an answer; the caller owns the buffers, each
 * large enough for `want` entries (6 bytes v4, 18 bytes v6). */
struct trk_peerlist {
	uint8_t *v4;
	uint8_t *v6;
	uint32_t n4, n6;
};

enum trk_store_rc {
	TRK_STORE_OK = 0,
	TRK_STORE_NOMEM,         /* malloc failed: answered like a full swarm */
	TRK_STORE_SWARMS_FULL,
	TRK_STORE_PEERS_FULL,
	TRK_STORE_NO_PEER,       /* a report from a peer that has not announced */
	TRK_STORE_TOTAL_FULL,    /* lim.max_total_peers */
	TRK_STORE_ADDR_FULL,     /* lim.max_peers_per_addr */
	TRK_STORE_NOT_OWNER,     /* address and port held by another peer id */
	TRK_STORE_STOP_NOT_OWNER,/* event=stopped with another peer id */
	TRK_STORE_REPORT_RATE,   /* reports faster than TRK_REPORT_BURST allows */
	TRK_STORE_REPORTS_FULL,  /* lim.max_report_bytes */
};

int trk_store_init(struct trk_store *s, size_t max_swarms, uint32_t max_peers);
void trk_store_free(struct trk_store *s);

/* Record the announce, then pick up to `want` other peers into out.
 * Also returns the swarm's seeder/leecher counts (after the update). */
enum trk_store_rc trk_store_announce(struct trk_store *s, const struct trk_peer_in *in,
				     int64_t now, uint32_t want, struct trk_peerlist *out,
				     uint32_t *seeders, uint32_t *leechers);

/* Attach r (malloc'd; the store owns it from here, also on failure) to the
 * peer ip:port of swarm hash if it has peer_id (a report changes only the
 * reporting peer's own entry), replacing its earlier report, within the
 * peer's rate and the store's byte budget. */
enum trk_store_rc trk_store_report(struct trk_store *s, const uint8_t *hash,
				   const uint8_t ip[16], uint16_t port,
				   const uint8_t peer_id[TRK_PEER_ID_LEN], int64_t now,
				   struct trk_report *r);

const struct trk_swarm *trk_store_find(const struct trk_store *s, const uint8_t *hash);

/* Drop peers not seen since now - timeout, then empty swarms. Returns the
 * number of peers dropped. */
size_t trk_store_expire(struct trk_store *s, int64_t now, int64_t timeout);

const char *trk_store_strerror(enum trk_store_rc rc);

/* Read access for statistics: calls fn for every swarm. */
typedef void (*trk_swarm_fn)(void *arg, const struct trk_swarm *sw);
void trk_store_foreach(const struct trk_store *s, trk_swarm_fn fn, void *arg);

#endif
