/* dsl_lookup.h - find a job's sets in the user's and the system registry.
 *
 * The search path is the same at submit time (as the user) and in the prolog
 * (as root, for the job's user): the per-user registry first, then the
 * system one. */
#ifndef DSL_LOOKUP_H
#define DSL_LOOKUP_H

#include <limits.h>

#include "dsl_config.h"
#include "dsl_registry.h"
#include "dsl_setlist.h"

struct dsl_lookup {
	char user_dir[PATH_MAX];          /* expanded user registry, "" none */
	struct dsl_registry reg;          /* points into user_dir and the config */
};

void dsl_lookup_init(struct dsl_lookup *l, const struct dsl_config *c, const char *home);

/* Find every set of s (the pinned version where s has an info-hash) into
 * refs[0..s->n).  On failure everything found so far is freed, e says which
 * set and why (an unknown name lists the available sets), and *user_mistake
 * tells a user's error (unknown, removed or unreadable set) from a fault. */
int dsl_lookup_sets(const struct dsl_lookup *l, const struct dsl_setlist *s,
		    struct dsl_set_ref *refs, int *user_mistake, struct dsl_err *e);
void dsl_lookup_free(struct dsl_set_ref *refs, size_t n);

/* Where a failed look-up puts the blame (the README's table). */
enum dsl_lookup_fault {
	DSL_LOOKUP_USER = 1,   /* the job fails with e; the node stays up */
	DSL_LOOKUP_NODE = 2    /* the system registry cannot be read: drain */
};

/* The prolog's look-up (root): the same search, done as the job's user in
 * a bounded child (dsl_asuser.h), so root never opens the user's registry.
 * The child sends back only what the prolog needs (per set: name,
 * info-hash, the description's and torrent's paths, the environment), one
 * item per line, checked again here.  Rules:
 *   - the user's registry directory unusable (EACCES, a dangling link, not
 *     a directory): searched as absent, so it never hides the system one;
 *   - the system registry directory cannot be opened, or any I/O-class
 *     error (EIO, ESTALE, ENOTCONN, ...): DSL_LOOKUP_NODE;
 *   - everything else (unknown, removed, unreadable, corrupt, a FIFO, too
 *     large, too slow, over the memory limit): DSL_LOOKUP_USER. */
int dsl_lookup_sets_as_user(const struct dsl_config *c, uid_t uid, gid_t gid,
			    const char *user, const char *home, const struct dsl_setlist *s,
			    struct dsl_set_ref *refs, enum dsl_lookup_fault *fault,
			    struct dsl_err *e);

#endif
