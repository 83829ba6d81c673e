/* dsh_tree.c - the view's inode table: everything ls and stat need is known
 * from the description, so they never wait for data. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsh_tree.h"
#include "dsl_util.h"

const char *dsh_tree_name(const struct dsh_tree *t, size_t i)
{
	const char *p = t->desc->nodes[i].path;
	const char *slash = strrchr(p, '/');

	return slash ? slash + 1 : p;
}

/* Parent directory of node i as a node index, n for the root. */
static size_t parent_index(const struct dsl_desc *d, size_t i, size_t n)
{
	const char *p = d->nodes[i].path;
	const char *slash = strrchr(p, '/');
	const struct dsl_node *par;
	char *dir;

	if (!slash)
		return n;
	dir = dsl_strdup(p);
	dir[slash - p] = '\0';
	par = dsl_desc_find(d, dir);
	free(dir);
	return par ? (size_t)(par - d->nodes) : (size_t)-1;
}

static int link_children(struct dsh_tree *t, struct dsl_err *e)
{
	for (size_t i = 0; i < t->n; i++) {
		size_t p = parent_index(t->desc, i, t->n);
		struct dsh_dir *dir;

		if (p == (size_t)-1 || (p < t->n && t->desc->nodes[p].type != DSL_NODE_DIR)) {
			dsl_err_set(e, "%s: parent directory missing in the description",
				    t->desc->nodes[i].path);
			return -1;
		}
		t->parent[i] = p == t->n ? DSH_ROOT_INO : p + 2;
		dir = &t->dirs[p];
		dir->children = dsl_xrealloc(dir->children,
					     (dir->nchildren + 1) * sizeof(size_t));
		dir->children[dir->nchildren++] = i;
	}
	return 0;
}

static int map_file(struct dsh_tree *t, size_t i, const struct dsl_tmeta *meta,
		    struct dsh_session *ses, struct dsl_err *e)
{
	const struct dsl_node *nd = &t->desc->nodes[i];
	struct dsh_file *f = &t->files[i];
	long m = meta ? dsl_tmeta_find(meta, nd->path) : -1;

	f->fd = -1;
	f->fdp = meta && m >= 0 && meta->files[m].packed ? &t->pack_fd : &f->fd;
	if (m < 0) {
		if (nd->size == 0 || !meta)
			return 0;  /* empty files may have no torrent entry */
		dsl_err_set(e, "%s: in the description but not in the torrent", nd->path);
		return -1;
	}
	if (meta->files[m].size != nd->size) {
		dsl_err_set(e, "%s: size %llu in the description, %llu in the torrent",
			    nd->path, (unsigned long long)nd->size,
			    (unsigned long long)meta->files[m].size);
		return -1;
	}
	f->mtime = meta->files[m].mtime;
	f->first_piece = meta->files[m].first_piece;
	f->end_piece = meta->files[m].end_piece;
	f->data_offset = meta->files[m].data_offset;
	if (ses)
		f->data_path = dsh_session_file_path(ses, m);
	return 0;
}

int dsh_tree_build(struct dsh_tree *t, const struct dsl_desc *d,
		   const struct dsl_tmeta *meta, struct dsh_session *ses,
		   struct dsl_err *e)
{
	memset(t, 0, sizeof(*t));
	t->desc = d;
	t->n = d->nnodes;
	t->uid = getuid();
	t->gid = getgid();
	t->mtime = d->created;
	t->pack_fd = -1;
	t->parent = dsl_xcalloc(t->n + 1, sizeof(size_t));
	t->dirs = dsl_xcalloc(t->n + 1, sizeof(struct dsh_dir));
	t->files = dsl_xcalloc(t->n + 1, sizeof(struct dsh_file));
	if (link_children(t, e) != 0)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		if (d->nodes[i].type == DSL_NODE_FILE && map_file(t, i, meta, ses, e) != 0)
			return -1;
	return 0;
}

void dsh_tree_free(struct dsh_tree *t)
{
	if (!t->dirs)
		return;
	for (size_t i = 0; i <= t->n; i++)
		free(t->dirs[i].children);
	for (size_t i = 0; i < t->n; i++) {
		free(t->files[i].data_path);
		if (t->files[i].fd >= 0)
			close(t->files[i].fd);
	}
	if (t->pack_fd >= 0)
		close(t->pack_fd);
	free(t->dirs);
	free(t->files);
	free(t->parent);
	memset(t, 0, sizeof(*t));
}

long dsh_tree_index(const struct dsh_tree *t, uint64_t ino)
{
	if (ino == DSH_ROOT_INO)
		return -1;
	if (ino < 2 || ino - 2 >= t->n)
		return -2;
	return (long)(ino - 2);
}

const struct dsh_dir *dsh_tree_dir(const struct dsh_tree *t, uint64_t ino)
{
	long i = dsh_tree_index(t, ino);

	if (i == -1)
		return &t->dirs[t->n];
	if (i < 0 || t->desc->nodes[i].type != DSL_NODE_DIR)
		return NULL;
	return &t->dirs[i];
}

uint64_t dsh_tree_lookup(const struct dsh_tree *t, uint64_t parent, const char *name)
{
	const struct dsh_dir *dir = dsh_tree_dir(t, parent);
	size_t lo = 0, hi;

	if (!dir)
		return 0;
	/* Siblings share the path prefix "dir/", so path order (the
	 * description's) is name order. */
	hi = dir->nchildren;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(dsh_tree_name(t, dir->children[mid]), name);

		if (c == 0)
			return dir->children[mid] + 2;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int dsh_tree_stat(const struct dsh_tree *t, uint64_t ino, struct stat *st)
{
	long i = dsh_tree_index(t, ino);
	const struct dsl_node *nd;

	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = t->uid;
	st->st_gid = t->gid;
	st->st_mtime = st->st_ctime = st->st_atime = (time_t)t->mtime;
	st->st_blksize = 65536;
	if (i == -2)
		return -1;
	if (i == -1) {
		/* The owner's only: the plugin's overlay over this view is
		 * reachable by anyone who can walk to the view directory. */
		st->st_mode = S_IFDIR | 0500;
		st->st_nlink = 2;
		return 0;
	}
	nd = &t->desc->nodes[i];
	switch (nd->type) {
	case DSL_NODE_DIR:
		st->st_mode = S_IFDIR | (nd->mode & 07555);
		st->st_nlink = 2;
		break;
	case DSL_NODE_FILE:
		st->st_mode = S_IFREG | (nd->mode & 07555);
		st->st_nlink = 1;
		st->st_size = (off_t)nd->size;
		if (t->files[i].mtime)
			st->st_mtime = st->st_ctime = st->st_atime = (time_t)t->files[i].mtime;
		st->st_blocks = (blkcnt_t)((nd->size + 511) / 512);
		break;
	case DSL_NODE_SYMLINK:
		st->st_mode = S_IFLNK | 0777;
		st->st_nlink = 1;
		st->st_size = (off_t)strlen(nd->target);
		break;
	}
	return 0;
}
