/* dsh_session.h - the helper's libtorrent session: one session, one torrent
 * (dsh_session.cpp).  The C face of it: no exception crosses it.  The
 * tracker's swarm test drives the same calls. */
#ifndef DSH_SESSION_H
#define DSH_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "dsl_err.h"
#include "dsl_torrent.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dsh_session;

/* Called on the owner's event loop (dsh_session_on_events); must not block
 * for long. */
typedef void (*dsh_piece_fn)(void *arg, int piece);
typedef void (*dsh_session_log_fn)(void *arg, int level, const char *msg);

struct dsh_session_opts {
	const char *listen_ip;        /* the node's cluster address, "127.0.0.1" */
	int port_min, port_max;       /* listen port range (0, 0: any free port) */
	int port_first;               /* try this one of the range first (0: port_min),
				       * then the others in turn, wrapping */
	const char *torrent_path;     /* the set's .torrent */
	const char *save_path;        /* downloader: cache directory */
	const char *seed_root;        /* seeder: the set's source root, else NULL */
	const char *const *seed_sources; /* seeder: absolute source of each
					 meta file (same order), or NULL */
	const char *const *trackers;  /* announce URLs, NULL-terminated, or NULL */
	const char *const *peers;     /* "ip:port" to connect to directly, or NULL */
	/* Optional (zero = default). */
	dsh_piece_fn on_piece;        /* a piece became readable on this node */
	dsh_session_log_fn log;       /* level: enum dsl_log_level */
	void *cb_arg;
	/* Downloader: the piece plan's (dsh_sched.h), npieces each, or NULL. */
	const uint8_t *priorities;    /* each piece's priority at the start
					 (NULL: libtorrent's default) */
	const uint8_t *urgent;        /* per piece, 1 while a read waits for it:
					 named to the seeders (dsh_hold.hpp); read
					 on libtorrent's thread, must outlive the
					 session */
	int npieces;                  /* of both arrays: must be the torrent's */
	int strict_priority;          /* the priorities from the first piece on
					 (libtorrent picks its first few at random) */
	const char *swarm_key;        /* the swarm half of the job key (dsl_jobkey.h):
					 the job's private swarm (dsl_private.hpp);
					 NULL: the set's public one */
	const char *peer_networks;    /* "CIDR[,CIDR...]": the only addresses peers
					 may have (dsl_cidr.h); NULL: any */
};

struct dsh_session *dsh_session_start(const struct dsh_session_opts *o,
				      struct dsl_err *e);
/* Stops it; its owner's loop no longer calls it. */
void dsh_session_stop(struct dsh_session *s);
/* The session has no thread of its own: its owner's event loop watches this
 * fd (readable when libtorrent has something to report) and then calls
 * dsh_session_on_events, which is where on_piece and log run.  It returns
 * -1, or the ms after which it must be called again even without an event.
 * dsh_session_tick, about once a second from the same loop, refreshes the
 * statistics and redials the direct peers while pieces are missing. */
int dsh_session_event_fd(struct dsh_session *s);
int dsh_session_on_events(struct dsh_session *s);
void dsh_session_tick(struct dsh_session *s);
/* Pieces done / total; 1 when every piece is on the node and verified. */
int dsh_session_progress(struct dsh_session *s, int *done, int *total);
/* When the last piece arrived on this node (CLOCK_REALTIME seconds), 0 until
 * then and for a seeder (which has the set from the start). */
double dsh_session_complete_time(struct dsh_session *s);
/* The hex v2 info-hash the session's swarm goes by: the job's own one with
 * a swarm key (a secret: never print or publish it), else the set's. */
void dsh_session_infohash(struct dsh_session *s, char out[65]);
/* The port the session listens on. */
int dsh_session_port(struct dsh_session *s);
/* Its peer id: 20 characters [-A-Za-z0-9], the role prefix then random; the
 * tracker knows a peer by it with the address and port. */
const char *dsh_session_peer_id(struct dsh_session *s);

/* Non-blocking, any thread: 1 when piece p has passed its hash and its bytes
 * can be read from the files on this node. */
int dsh_session_have(struct dsh_session *s, int piece);
/* The piece plan applied (dsh_sched_take): every piece's priority, one
 * piece's, a piece asked for now (a deadline, kept until it passes its
 * check).  Asynchronous, any thread; on_piece reports each piece when it is
 * readable. */
void dsh_session_prioritize(struct dsh_session *s, const uint8_t *prio);
void dsh_session_set_priority(struct dsh_session *s, int piece, int prio);
void dsh_session_deadline(struct dsh_session *s, int piece);
/* Seeder, for a read of its view: bytes [off, off + len) of piece p into
 * out, every 16 KiB block they touch read from the source and checked
 * against its SHA-256, each time (the block hashes are proven once by a
 * check of the whole piece, done on the piece's first read).  0 with
 * *hashed the bytes hashed; -1 when the source does not match (logged with
 * file, piece and block) or for a downloader. */
int dsh_session_read_checked(struct dsh_session *s, int piece, size_t off, size_t len,
			     char *out, size_t *hashed);
/* Where file `idx` of the meta (dsl_tmeta order) is read on this node;
 * malloc'd. */
char *dsh_session_file_path(struct dsh_session *s, long idx);

struct dsh_peer_stat {
	char addr[64];                /* IP of the peer node */
	int seed;                     /* one of the set's seeders (peer id) */
	int connected;
	uint64_t down_bytes;          /* payload received from it (all connections) */
	uint64_t up_bytes;
	int down_rate, up_rate;       /* bytes/s */
};

/* Connections (each of a private swarm's costs a key exchange): made by
 * this node and by others, and why they closed: the TCP connect failed,
 * refused at a node's cap, the same peer twice (two nodes that dialled each
 * other at once), anything else. */
struct dsh_conn_stats {
	uint64_t dialled, incoming;
	uint64_t failed, too_many, duplicate, other;
};

struct dsh_session_stats {
	int done, total;              /* pieces */
	int state_checking;           /* verifying existing data */
	/* Payload as the wire carried it (whole 16 KiB blocks): down_bytes =
	 * from_seeds + from_peers + redundant, always. */
	uint64_t down_bytes, up_bytes;
	uint64_t from_seeds, from_peers;      /* first copies, by sender kind */
	uint64_t redundant;                   /* payload received twice (end game,
						 timed-out requests): wasted */
	int down_rate, up_rate;
	int hash_failures;
	/* dsh_hold.hpp: a seeder's requests held back and the held ones
	 * answered with a reject; pieces marked urgent (sent by a downloader,
	 * received by a seeder) */
	uint64_t held, held_rejected, urgent_marked;
	struct dsh_conn_stats conns;
	int npeers;                   /* entries in peers */
	struct dsh_peer_stat *peers;  /* malloc'd; dsh_session_stats_free */
};

int dsh_session_get_stats(struct dsh_session *s, struct dsh_session_stats *st);
void dsh_session_stats_free(struct dsh_session_stats *st);

#ifdef __cplusplus
}
#endif

#endif
