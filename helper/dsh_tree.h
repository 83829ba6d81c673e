/* dsh_tree.h - the inode table of the view, built once from the set
 * description: inode 1 is the root, inode i+2 is desc->nodes[i]. */
#ifndef DSH_TREE_H
#define DSH_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dsl_desc.h"
#include "dsl_err.h"
#include "dsh_session.h"

#define DSH_ROOT_INO 1

struct dsh_file {
	int first_piece;       /* pieces [first_piece, end_piece) hold the bytes */
	int end_piece;
	char *data_path;       /* where the bytes are on this node */
	uint64_t data_offset;  /* where they start there (small files share
				  the set's pack, dsl_torrent.h) */
	int fd;                /* opened on first read; -1 until then */
	int *fdp;              /* &fd, or the tree's pack_fd for packed files:
				  one fd for all of them, not one per file */
	int64_t mtime;         /* from the torrent; 0: the set's creation time */
};

struct dsh_dir {
	size_t *children;      /* node indices, sorted by name */
	size_t nchildren;
};

struct dsh_tree {
	const struct dsl_desc *desc;    /* not owned */
	size_t n;
	size_t *parent;                 /* node index -> parent inode */
	struct dsh_dir *dirs;           /* n + 1 entries; [n] is the root */
	struct dsh_file *files;         /* n entries; used for regular files */
	uid_t uid;
	gid_t gid;
	int64_t mtime;
	int pack_fd;                    /* the pack, opened on first read */
};

/* Maps every regular file to its pieces and its data path via the session
 * (NULL: paths left empty, for tests of the tree alone). */
int dsh_tree_build(struct dsh_tree *t, const struct dsl_desc *d,
		   const struct dsl_tmeta *meta, struct dsh_session *ses,
		   struct dsl_err *e);
void dsh_tree_free(struct dsh_tree *t);

/* Node index of an inode; -1 for the root, -2 when out of range. */
long dsh_tree_index(const struct dsh_tree *t, uint64_t ino);
/* Child inode of a directory inode by name; 0 when absent. */
uint64_t dsh_tree_lookup(const struct dsh_tree *t, uint64_t parent, const char *name);
/* The directory listing of an inode (NULL if not a directory). */
const struct dsh_dir *dsh_tree_dir(const struct dsh_tree *t, uint64_t ino);
/* The last path component of node i. */
const char *dsh_tree_name(const struct dsh_tree *t, size_t i);
/* stat(2) fields of an inode, read-only, owned by the job user. */
int dsh_tree_stat(const struct dsh_tree *t, uint64_t ino, struct stat *st);

#endif
