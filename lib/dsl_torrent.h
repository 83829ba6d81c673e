/* dsl_torrent.h - the set's v2 torrent, from C: create, load (dsl_torrent.cpp
 * over libtorrent-rasterbar 2.0).  The helper's session over the same
 * library is helper/dsh_session.h.
 *
 * No exception crosses it: every function catches, fills a struct dsl_err
 * and returns -1 (or NULL).  Never linked into the SPANK plugin. */
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

#ifdef __cplusplus
}
#endif

#endif
