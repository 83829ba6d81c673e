/* dsl_registry.h - where published sets live.
 *
 * Layout of one registry directory:
 *   DIR/NAME/<infohash>.json      a version's description (immutable)
 *   DIR/NAME/<infohash>.torrent   its v2 torrent (immutable)
 *   DIR/NAME/current -> <infohash> symlink naming the current version
 * Publishing writes the torrent, then the description (each to a temporary
 * name, fsync, rename), then replaces `current` by rename(2) of a new symlink.
 * A reader resolves `current` once and then reads immutable files, so it sees
 * either the old or the new version, never a mixture.
 *
 * A search path is a list of registries, searched in order (the per-user
 * registry first, then the system registry). */
#ifndef DSL_REGISTRY_H
#define DSL_REGISTRY_H

#include "dsl_desc.h"

#define DSL_REGISTRY_MAX 4

struct dsl_registry {
	const char *dirs[DSL_REGISTRY_MAX];   /* not owned */
	size_t ndirs;
};

/* One set found in a registry; free with dsl_set_ref_free. */
struct dsl_set_ref {
	char *dir;            /* the registry directory it was found in */
	char *json_path;      /* DIR/NAME/<infohash>.json */
	char *torrent_path;   /* DIR/NAME/<infohash>.torrent */
	struct dsl_desc desc;
};

void dsl_set_ref_free(struct dsl_set_ref *ref);

/* Find NAME (the current version, or the version `infohash` when not NULL).
 * Returns 0, or -1 with e naming the set and why; *not_found is set to 1 when
 * the set simply does not exist (as opposed to being unreadable or corrupt). */
int dsl_registry_find(const struct dsl_registry *reg, const char *name,
		      const char *infohash, struct dsl_set_ref *out,
		      int *not_found, struct dsl_err *e);

/* Publish a new version into the registry directory `dir`.  The torrent is
 * copied from torrent_path.  Fails if NAME exists and !force. */
int dsl_registry_publish(const char *dir, struct dsl_desc *d,
			 const char *torrent_path, int force, struct dsl_err *e);

/* Remove the set (every version), or one non-current version. */
int dsl_registry_remove(const char *dir, const char *name, const char *infohash,
			struct dsl_err *e);

/* Call fn for every set name in every registry (a name that appears in an
 * earlier registry hides later ones).  A set that cannot be read is passed
 * with ref == NULL and the reason in err, so listings keep going. */
typedef void (*dsl_registry_visit_fn)(void *arg, const char *dir, const char *name,
				      const struct dsl_set_ref *ref,
				      const struct dsl_err *err);
int dsl_registry_each(const struct dsl_registry *reg, dsl_registry_visit_fn fn,
		      void *arg, struct dsl_err *e);

/* Names of the sets the caller can read, comma-separated (malloc'd), for
 * "unknown set X; available: a, b, c" messages. */
char *dsl_registry_names(const struct dsl_registry *reg);

#endif
