/* dsl_lookup.c - a job's sets from the registry search path. */
#include "dsl_lookup.h"

#include <stdlib.h>
#include <string.h>

void dsl_lookup_init(struct dsl_lookup *l, const struct dsl_config *c, const char *home)
{
	memset(l, 0, sizeof(*l));
	if (dsl_config_user_registry(c, home, l->user_dir, sizeof(l->user_dir)) == 0)
		l->reg.dirs[l->reg.ndirs++] = l->user_dir;
	else
		l->user_dir[0] = '\0';
	l->reg.dirs[l->reg.ndirs++] = c->registry;
}

void dsl_lookup_free(struct dsl_set_ref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dsl_set_ref_free(&refs[i]);
}

static void unknown_set(const struct dsl_lookup *l, const char *name, struct dsl_err *e)
{
	char *names = dsl_registry_names(&l->reg);

	dsl_err_set(e, "unknown set '%s'; available: %s", name,
		    names && *names ? names : "(none)");
	free(names);
}

int dsl_lookup_sets(const struct dsl_lookup *l, const struct dsl_setlist *s,
		    struct dsl_set_ref *refs, int *user_mistake, struct dsl_err *e)
{
	*user_mistake = 0;
	for (size_t i = 0; i < s->n; i++) {
		const char *hash = s->infohash[i][0] ? s->infohash[i] : NULL;
		int not_found = 0;

		memset(&refs[i], 0, sizeof(refs[i]));
		if (dsl_registry_find(&l->reg, s->names[i], hash, &refs[i],
				      &not_found, e) == 0)
			continue;
		dsl_lookup_free(refs, i);
		/* Everything the registry refuses is about the set the user
		 * named (missing, removed, unreadable, corrupt): never the
		 * node's fault. */
		*user_mistake = 1;
		if (not_found && hash)
			dsl_err_set(e, "set '%s': version %.12s... was removed after the job was submitted",
				    s->names[i], hash);
		else if (not_found)
			unknown_set(l, s->names[i], e);
		return -1;
	}
	return 0;
}
