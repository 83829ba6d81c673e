/* dsl_submit.c - check the named sets exist and pin their versions. */
#include "dsl_submit.h"

#include <stdio.h>

#include "dsl_lookup.h"
#include "dsl_setlist.h"

int dsl_submit_check(const struct dsl_config *c, const char *arg, const char *home,
		     char **pins, struct dsl_err *e)
{
	struct dsl_setlist s;
	struct dsl_lookup l;
	struct dsl_set_ref refs[DSL_JOB_MAX_SETS];
	int user_mistake;

	*pins = NULL;
	if (dsl_setlist_parse_names(arg, &s, e) < 0) {
		dsl_err_prefix(e, "--dsl-set=%s", arg);
		return -1;
	}
	dsl_lookup_init(&l, c, home);
	if (dsl_lookup_sets(&l, &s, refs, &user_mistake, e) < 0)
		return -1;
	for (size_t i = 0; i < s.n; i++)
		snprintf(s.infohash[i], sizeof(s.infohash[i]), "%s", refs[i].desc.infohash);
	dsl_lookup_free(refs, s.n);
	*pins = dsl_setlist_format_pins(&s);
	return 0;
}
