/* dsh_view.h - the read-only FUSE view (low-level API). */
#ifndef DSH_VIEW_H
#define DSH_VIEW_H

#include "dsh_reads.h"
#include "dsh_tree.h"

struct dsh_view {
	struct dsh_tree *tree;
	struct dsh_reads *reads;
	const struct dsl_log *log;
	int no_open;          /* kernel opens without asking (set in init) */
};

/* The operations table; userdata is a struct dsh_view. */
const struct fuse_lowlevel_ops *dsh_view_ops(void);

#endif
