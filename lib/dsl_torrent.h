/* dsl_torrent.h - the C face of libtorrent-rasterbar 2.0 (dsl_torrent.cpp).
 *
 * This is the only place that sees C++.  No exception crosses it: every
 * function catches, fills a struct dsl_err and returns -1 (or NULL).
 * Never linked into the SPANK plugin. */
#ifndef DSL_TORRENT_H
#define DSL_TORRENT_H

#include <stddef.h>
#include <stdint.h>

#include "dsl_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Torrents: create, load ------------------------------------------- */

/* One regular file of a set: its path in the set and where to read it. */
struct dsl_tfile_in {
	const char *path;     /* relative to the set root */
	const char *source;   /* absolute path of the bytes to hash */
	uint64_t size;
	int executable;       /* sets the 'x' attribute */
};

struct dsl_tfile {
	char *path;           /* relative to the set root */
	uint64_t size;
	char root[65];        /* hex merkle root (v2 "pieces root"), "" if empty */
	int first_piece;      /* piece range [first_piece, end_piece) */
	int end_piece;
	uint64_t offset;      /* offset of the file in the torrent's byte space */
	int64_t mtime;        /* the source's modification time (0 if absent):
				 Python checks .pyc files against it */
	int packed;           /* travels in the set's pack (small files); root
				 is its own v2 root all the same */
	int data_file;        /* torrent file index that holds its bytes */
	uint64_t data_offset; /* where they start in that file (0 unless packed) */
};

struct dsl_tmeta {
	char infohash[65];    /* hex v2 info-hash (SHA-256) */
	char *name;           /* torrent name (= set name) */
	uint32_t piece_size;
	int num_pieces;
	uint64_t total_size;  /* including pad files */
	struct dsl_tfile *files;   /* sorted by path */
	size_t nfiles;
};

/* Called after each hashed piece: done and total in pieces. */
typedef void (*dsl_hash_progress_fn)(void *arg, int done, int total);

/* Hash the files into a v2-only torrent named `name` (every file on a piece
 * boundary).  piece_size: power of two >= 16 KiB.  out_path: where to write
 * the .torrent (NULL: don't write).  meta: filled when not NULL. */
int dsl_torrent_create(const char *name, const struct dsl_tfile_in *files,
		       size_t nfiles, uint32_t piece_size, const char *out_path,
		       dsl_hash_progress_fn progress, void *arg,
		       struct dsl_tmeta *meta, struct dsl_err *e);

/* Load a .torrent (checks that it is a valid v2 torrent). */
int dsl_torrent_load(const char *path, struct dsl_tmeta *meta, struct dsl_err *e);
void dsl_tmeta_free(struct dsl_tmeta *meta);
/* Index into meta->files by path, -1 when absent. */
long dsl_tmeta_find(const struct dsl_tmeta *meta, const char *path);

/* ---- Session: one libtorrent session with one torrent ------------------
 * Implemented by the helper work (issue 4); the tracker's integration tests
 * use the same calls. */

struct dsl_session;

/* Called on the session's own thread; must not block for long. */
typedef void (*dsl_piece_fn)(void *arg, int piece);
typedef void (*dsl_session_log_fn)(void *arg, int level, const char *msg);

struct dsl_session_opts {
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
	dsl_piece_fn on_piece;        /* a piece became readable on this node */
	dsl_session_log_fn log;       /* level: enum dsl_log_level */
	void *cb_arg;
	int no_prefetch;              /* download only what dsl_session_want asks */
	int share_index, share_count; /* downloader: this node's share of the
					 background pieces (0, 0: none) */
	int prefetch_always;          /* keep prefetching while reads wait
					 (default: pause it, see dsl_session_want) */
	const int *order;             /* downloader: pieces to fetch first, in
					 this order (lib/dsl_order.h); copied */
	int norder;
	const char *swarm_key;        /* the swarm half of the job key (dsl_jobkey.h):
					 the job's private swarm (dsl_private.hpp);
					 NULL: the set's public one */
	const char *peer_networks;    /* "CIDR[,CIDR...]": the only addresses peers
					 may have (dsl_cidr.h); NULL: any */
};

struct dsl_session *dsl_session_start(const struct dsl_session_opts *o,
				      struct dsl_err *e);
/* Stops it; its owner's loop no longer calls it. */
void dsl_session_stop(struct dsl_session *s);
/* The session has no thread of its own: its owner's event loop watches this
 * fd (readable when libtorrent has something to report) and then calls
 * dsl_session_on_events, which is where on_piece and log run.  It returns
 * -1, or the ms after which it must be called again even without an event.
 * dsl_session_tick, about once a second from the same loop, refreshes the
 * statistics and redials the direct peers while pieces are missing. */
int dsl_session_event_fd(struct dsl_session *s);
int dsl_session_on_events(struct dsl_session *s);
void dsl_session_tick(struct dsl_session *s);
/* Pieces done / total; 1 when every piece is on the node and verified. */
int dsl_session_progress(struct dsl_session *s, int *done, int *total);
/* When the last piece arrived on this node (CLOCK_REALTIME seconds), 0 until
 * then and for a seeder (which has the set from the start). */
double dsl_session_complete_time(struct dsl_session *s);
/* The hex v2 info-hash the session's swarm goes by: the job's own one with
 * a swarm key (a secret: never print or publish it), else the set's. */
void dsl_session_infohash(struct dsl_session *s, char out[65]);
/* The port the session listens on. */
int dsl_session_port(struct dsl_session *s);
/* Its peer id: 20 characters [-A-Za-z0-9], the role prefix then random; the
 * tracker knows a peer by it with the address and port. */
const char *dsl_session_peer_id(struct dsl_session *s);

/* Non-blocking, any thread: 1 when piece p has passed its hash and its bytes
 * can be read from the files on this node. */
int dsl_session_have(struct dsl_session *s, int piece);
/* Make pieces [first, end) urgent (deadline now).  Background prefetch pauses
 * while urgent pieces are missing, so they do not queue behind it.  on_piece
 * reports each piece when it is readable. */
void dsl_session_want(struct dsl_session *s, int first, int end);
/* Seeder, for a read of its view: bytes [off, off + len) of piece p into
 * out, every 16 KiB block they touch read from the source and checked
 * against its SHA-256, each time (the block hashes are proven once by a
 * check of the whole piece, done on the piece's first read).  0 with
 * *hashed the bytes hashed; -1 when the source does not match (logged with
 * file, piece and block) or for a downloader. */
int dsl_session_read_checked(struct dsl_session *s, int piece, size_t off, size_t len,
			     char *out, size_t *hashed);
/* Where file `idx` of the meta (dsl_tmeta order) is read on this node;
 * malloc'd. */
char *dsl_session_file_path(struct dsl_session *s, long idx);

struct dsl_peer_stat {
	char addr[64];                /* IP of the peer node */
	int seed;                     /* one of the set's seeders (peer id) */
	int connected;
	uint64_t down_bytes;          /* payload received from it (all connections) */
	uint64_t up_bytes;
	int down_rate, up_rate;       /* bytes/s */
};

struct dsl_session_stats {
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
	int npeers;                   /* entries in peers */
	struct dsl_peer_stat *peers;  /* malloc'd; dsl_session_stats_free */
};

int dsl_session_get_stats(struct dsl_session *s, struct dsl_session_stats *st);
void dsl_session_stats_free(struct dsl_session_stats *st);

#ifdef __cplusplus
}
#endif

#endif
