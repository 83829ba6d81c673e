/* dsh_view.c - the FUSE operations.  The set never changes while mounted,
 * so the kernel may cache everything for as long as it likes; every write
 * is refused with EROFS. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "dsh_view.h"

#define DSH_CACHE_TIMEOUT 86400.0   /* seconds; the set is immutable */

static struct dsh_view *view_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static void dsh_init(void *userdata, struct fuse_conn_info *conn)
{
	struct dsh_view *v = userdata;

	/* Opens are the one round trip left once everything is cached: let
	 * the kernel open files and directories by itself, keeping their
	 * caches (the mount is read-only, so no write open gets through). */
	if ((conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) &&
	    (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT)) {
		conn->want |= FUSE_CAP_NO_OPEN_SUPPORT | FUSE_CAP_NO_OPENDIR_SUPPORT;
		v->no_open = 1;
	}
	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE;
	if (conn->capable & FUSE_CAP_CACHE_SYMLINKS)
		conn->want |= FUSE_CAP_CACHE_SYMLINKS;
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	conn->want &= ~(unsigned)FUSE_CAP_READDIRPLUS_AUTO;
	conn->max_readahead = 1 << 20;
}

static int fill_entry(struct dsh_view *v, uint64_t ino, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->attr_timeout = DSH_CACHE_TIMEOUT;
	e->entry_timeout = DSH_CACHE_TIMEOUT;
	if (ino == 0)
		return 0;   /* negative entry, cached: Python probes many names */
	e->ino = ino;
	e->generation = 1;
	return dsh_tree_stat(v->tree, ino, &e->attr);
}

static void dsh_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct dsh_view *v = view_of(req);
	struct fuse_entry_param e;

	if (!dsh_tree_dir(v->tree, parent)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	fill_entry(v, dsh_tree_lookup(v->tree, parent, name), &e);
	fuse_reply_entry(req, &e);
}

static void dsh_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (dsh_tree_stat(view_of(req)->tree, ino, &st) != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fuse_reply_attr(req, &st, DSH_CACHE_TIMEOUT);
}

static void dsh_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct dsh_view *v = view_of(req);
	long i = dsh_tree_index(v->tree, ino);

	if (i < 0 || v->tree->desc->nodes[i].type != DSL_NODE_SYMLINK) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	fuse_reply_readlink(req, v->tree->desc->nodes[i].target);
}

static void dsh_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dsh_view *v = view_of(req);
	long i = dsh_tree_index(v->tree, ino);

	if (i < 0 || v->tree->desc->nodes[i].type != DSL_NODE_FILE) {
		fuse_reply_err(req, i == -2 ? ENOENT : EISDIR);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		fuse_reply_err(req, EROFS);
		return;
	}
	if (v->no_open) {
		/* ENOSYS: from now on the kernel opens with keep_cache itself. */
		fuse_reply_err(req, ENOSYS);
		return;
	}
	/* Pages stay valid across opens: the bytes never change. */
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

static void dsh_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct dsh_view *v = view_of(req);
	long i = dsh_tree_index(v->tree, ino);

	(void)fi;
	if (i < 0 || v->tree->desc->nodes[i].type != DSL_NODE_FILE) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	dsh_reads_submit(v->reads, req, (size_t)i, size, off);
}

static void dsh_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dsh_view *v = view_of(req);

	if (!dsh_tree_dir(v->tree, ino)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (v->no_open) {
		/* ENOSYS: the kernel opens directories itself, caching listings. */
		fuse_reply_err(req, ENOSYS);
		return;
	}
	fi->cache_readdir = 1;
	fi->keep_cache = 1;
	fuse_reply_open(req, fi);
}

/* Entry k of a listing: 0 ".", 1 "..", then the children. */
static size_t add_entry(fuse_req_t req, struct dsh_view *v, fuse_ino_t ino, size_t k,
			char *buf, size_t room, int plus)
{
	const struct dsh_dir *dir = dsh_tree_dir(v->tree, ino);
	struct fuse_entry_param e;
	const char *name;
	uint64_t child;
	long i = dsh_tree_index(v->tree, ino);

	if (k == 0) {
		name = ".";
		child = ino;
	} else if (k == 1) {
		name = "..";
		child = i < 0 ? DSH_ROOT_INO : v->tree->parent[i];
	} else {
		name = dsh_tree_name(v->tree, dir->children[k - 2]);
		child = dir->children[k - 2] + 2;
	}
	fill_entry(v, child, &e);
	/* No lookup counts to keep: inodes live as long as the mount. */
	if (plus)
		return fuse_add_direntry_plus(req, buf, room, name, &e, (off_t)k + 1);
	return fuse_add_direntry(req, buf, room, name, &e.attr, (off_t)k + 1);
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, int plus)
{
	struct dsh_view *v = view_of(req);
	const struct dsh_dir *dir = dsh_tree_dir(v->tree, ino);
	char *buf;
	size_t used = 0;

	if (!dir) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (size_t k = (size_t)off; k < dir->nchildren + 2; k++) {
		size_t n = add_entry(req, v, ino, k, buf + used, size - used, plus);

		if (n > size - used)
			break;
		used += n;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void dsh_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	(void)fi;
	do_readdir(req, ino, size, off, 0);
}

static void dsh_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			    struct fuse_file_info *fi)
{
	(void)fi;
	do_readdir(req, ino, size, off, 1);
}

static void dsh_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct dsh_view *v = view_of(req);
	struct statvfs sv;

	(void)ino;
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = 65536;
	sv.f_frsize = 65536;
	sv.f_blocks = (fsblkcnt_t)((v->tree->desc->total_size + 65535) / 65536);
	sv.f_files = v->tree->n + 1;
	sv.f_namemax = 255;
	sv.f_flag = ST_RDONLY;
	fuse_reply_statfs(req, &sv);
}

static void dsh_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	(void)ino;
	(void)name;
	(void)size;
	/* ENOSYS: the kernel stops asking (security.capability on every exec). */
	fuse_reply_err(req, ENOSYS);
}

/* ---- everything that would change the set ---- */

static void dsh_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
			struct fuse_file_info *fi)
{
	(void)ino; (void)attr; (void)to_set; (void)fi;
	fuse_reply_err(req, EROFS);
}

static void dsh_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      dev_t rdev)
{
	(void)parent; (void)name; (void)mode; (void)rdev;
	fuse_reply_err(req, EROFS);
}

static void dsh_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	(void)parent; (void)name; (void)mode;
	fuse_reply_err(req, EROFS);
}

static void dsh_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent; (void)name;
	fuse_reply_err(req, EROFS);
}

static void dsh_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
			const char *name)
{
	(void)link; (void)parent; (void)name;
	fuse_reply_err(req, EROFS);
}

static void dsh_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		       fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	(void)parent; (void)name; (void)newparent; (void)newname; (void)flags;
	fuse_reply_err(req, EROFS);
}

static void dsh_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		     const char *newname)
{
	(void)ino; (void)newparent; (void)newname;
	fuse_reply_err(req, EROFS);
}

static void dsh_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size,
		      off_t off, struct fuse_file_info *fi)
{
	(void)ino; (void)buf; (void)size; (void)off; (void)fi;
	fuse_reply_err(req, EROFS);
}

static void dsh_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		       struct fuse_file_info *fi)
{
	(void)parent; (void)name; (void)mode; (void)fi;
	fuse_reply_err(req, EROFS);
}

static void dsh_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			 const char *value, size_t size, int flags)
{
	(void)ino; (void)name; (void)value; (void)size; (void)flags;
	fuse_reply_err(req, EROFS);
}

static void dsh_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	(void)ino; (void)name;
	fuse_reply_err(req, EROFS);
}

static const struct fuse_lowlevel_ops dsh_ops = {
	.init = dsh_init,
	.lookup = dsh_lookup,
	.getattr = dsh_getattr,
	.readlink = dsh_readlink,
	.open = dsh_open,
	.read = dsh_read,
	.opendir = dsh_opendir,
	.readdir = dsh_readdir,
	.readdirplus = dsh_readdirplus,
	.statfs = dsh_statfs,
	.getxattr = dsh_getxattr,
	.setattr = dsh_setattr,
	.mknod = dsh_mknod,
	.mkdir = dsh_mkdir,
	.unlink = dsh_unlink,
	.rmdir = dsh_unlink,
	.symlink = dsh_symlink,
	.rename = dsh_rename,
	.link = dsh_link,
	.write = dsh_write,
	.create = dsh_create,
	.setxattr = dsh_setxattr,
	.removexattr = dsh_removexattr,
};

const struct fuse_lowlevel_ops *dsh_view_ops(void)
{
	return &dsh_ops;
}
