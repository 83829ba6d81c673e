/* dsl_desc.h - the description of a library set (JSON, json-c).
 *
 * The description is everything a node needs to serve a set without reading
 * the torrent: the tree (so a FUSE view answers ls/stat before any data has
 * arrived), the pinned v2 info-hash, and the environment for tasks.
 *
 * JSON layout (schema 1):
 * {
 *   "schema": 1,
 *   "name": "scipy",
 *   "created": 1763935000,                 (seconds since the epoch)
 *   "infohash": "<64 hex digits>",         (v2 SHA-256 info-hash)
 *   "piece_size": 262144,
 *   "total_size": 123456,                  (sum of regular file sizes)
 *   "file_count": 42,                      (regular files)
 *   "source_root": "/opt/sets/scipy",      (absolute; what seeders read)
 *   "torrent": "<infohash>.torrent",       (file name beside the description)
 *   "at_path": true,                       (optional: tasks see the set at
 *                                           source_root, dsl_atpath.h)
 *   "env": { "LD_LIBRARY_PATH": ["lib"], "PYTHONPATH": ["lib/python3"] },
 *   "tree": [
 *     { "path": "lib", "type": "dir", "mode": 493 },
 *     { "path": "lib/libfoo.so.1", "type": "file", "mode": 420, "size": 5120,
 *       "src": "lib/libfoo.so.1" },         (relative to source_root)
 *     { "path": "lib/libfoo.so", "type": "symlink", "target": "libfoo.so.1" }
 *   ]
 * }
 * Paths are relative to the set's root, use '/', have no "." or ".."
 * components and no empty components.  The tree is sorted by path (strcmp)
 * and every parent directory appears before its children.
 */
#ifndef DSL_DESC_H
#define DSL_DESC_H

#include <stddef.h>
#include <stdint.h>

#include "dsl_err.h"

#define DSL_DESC_SCHEMA 1
#define DSL_NAME_MAX 64
#define DSL_INFOHASH_HEX 64

enum dsl_node_type { DSL_NODE_DIR, DSL_NODE_FILE, DSL_NODE_SYMLINK };

struct dsl_node {
	char *path;              /* relative to the set root */
	enum dsl_node_type type;
	unsigned mode;           /* permission bits only (0777: never setuid,
				    setgid or sticky) */
	uint64_t size;           /* regular files */
	char *target;            /* symlinks: the link's text */
	char *src;               /* regular files: relative to source_root */
};

struct dsl_env_var {
	char *name;              /* LD_LIBRARY_PATH */
	char **paths;            /* relative to the view's root */
	size_t npaths;
};

struct dsl_desc {
	int schema;
	char *name;
	int64_t created;
	char infohash[DSL_INFOHASH_HEX + 1];
	uint32_t piece_size;
	uint64_t total_size;
	uint64_t file_count;
	char *source_root;
	char *torrent;           /* file name in the registry directory */
	int at_path;             /* "at_path": 1 shown at source_root, 0 not,
				    -1 absent: the site's at_path= decides */
	struct dsl_node *nodes;
	size_t nnodes;
	struct dsl_env_var *env;
	size_t nenv;
};

/* A set name is [A-Za-z0-9._-]{1,64} and does not start with '.'. */
int dsl_name_valid(const char *name, struct dsl_err *e);
/* A relative path as the tree holds it (see above). */
int dsl_relpath_valid(const char *path);
/* A variable a set may put into its tasks' environment: [A-Z_][A-Z0-9_]*,
 * at most DSL_ENV_NAME_MAX characters, not reserved (DSL_*) and not one that
 * makes the dynamic loader or the C library load code or files from where
 * it points (see dsl_desc.c for the list and why).  0, or -1 with e naming
 * the problem. */
#define DSL_ENV_NAME_MAX 128
int dsl_env_name_check(const char *name, struct dsl_err *e);
/* An env list entry: "." or a relative path without control characters or
 * ':' (the list separator).  0 or -1. */
int dsl_env_path_check(const char *path);
/* 64 lower-case hex digits. */
int dsl_infohash_valid(const char *hex);

void dsl_desc_init(struct dsl_desc *d);
void dsl_desc_free(struct dsl_desc *d);

/* Parse and validate; errors name the origin (a file name), the field and
 * what is wrong: "/etc/dsl/sets/x/...json: tree[3].size: not an integer". */
int dsl_desc_parse(const char *json_text, size_t len, const char *origin,
		   struct dsl_desc *out, struct dsl_err *e);
int dsl_desc_read_file(const char *path, struct dsl_desc *out, struct dsl_err *e);
/* Validate an in-memory description (the same checks as parse). */
int dsl_desc_validate(const struct dsl_desc *d, const char *origin, struct dsl_err *e);
/* Serialise; the caller frees the string. */
char *dsl_desc_to_json(const struct dsl_desc *d, int pretty, struct dsl_err *e);

/* Build helpers used by `dsl create` and the tests. */
int dsl_desc_add_node(struct dsl_desc *d, const struct dsl_node *n, struct dsl_err *e);
int dsl_desc_add_env(struct dsl_desc *d, const char *var, const char *relpath, struct dsl_err *e);
/* Sort the tree, check parents exist, fill total_size and file_count. */
int dsl_desc_finish_tree(struct dsl_desc *d, struct dsl_err *e);

/* Binary search by path; NULL when absent. */
const struct dsl_node *dsl_desc_find(const struct dsl_desc *d, const char *path);
/* The environment value for a variable: "ROOT/p1:ROOT/p2" (malloc'd). */
char *dsl_desc_env_value(const struct dsl_desc *d, const struct dsl_env_var *v,
			 const char *view_root);

#endif
