/* dsl_setlist.c - parse --dsl-set and DSL_PIN values. */
#include "dsl_setlist.h"

#include <stdio.h>
#include <string.h>

#include "dsl_util.h"

static int add_item(struct dsl_setlist *s, const char *item, size_t len,
		    int with_hash, struct dsl_err *e)
{
	char buf[DSL_NAME_MAX + DSL_INFOHASH_HEX + 2];
	char *colon = NULL;

	if (len == 0) {
		dsl_err_set(e, "empty set name in the list");
		return -1;
	}
	if (len >= sizeof(buf)) {
		dsl_err_set(e, "'%.*s...': set name too long", 32, item);
		return -1;
	}
	if (s->n == DSL_JOB_MAX_SETS) {
		dsl_err_set(e, "more than %d sets in one job", DSL_JOB_MAX_SETS);
		return -1;
	}
	memcpy(buf, item, len);
	buf[len] = '\0';
	if (with_hash) {
		colon = strchr(buf, ':');
		if (!colon || !dsl_infohash_valid(colon + 1)) {
			dsl_err_set(e, "'%s': not NAME:INFOHASH", buf);
			return -1;
		}
		*colon = '\0';
	}
	if (!dsl_name_valid(buf, e))
		return -1;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], buf)) {
			dsl_err_set(e, "set '%s' named twice", buf);
			return -1;
		}
	snprintf(s->names[s->n], sizeof(s->names[s->n]), "%.64s", buf);
	snprintf(s->infohash[s->n], sizeof(s->infohash[s->n]), "%.64s",
		 colon ? colon + 1 : "");
	s->n++;
	return 0;
}

static int parse_list(const char *arg, int with_hash, struct dsl_setlist *out,
		      struct dsl_err *e)
{
	const char *p = arg;

	memset(out, 0, sizeof(*out));
	if (!arg || !*arg) {
		dsl_err_set(e, "no set named");
		return -1;
	}
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (add_item(out, p, len, with_hash, e) < 0)
			return -1;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

int dsl_setlist_parse_names(const char *arg, struct dsl_setlist *out, struct dsl_err *e)
{
	return parse_list(arg, 0, out, e);
}

int dsl_setlist_parse_pins(const char *pins, struct dsl_setlist *out, struct dsl_err *e)
{
	return parse_list(pins, 1, out, e);
}

char *dsl_setlist_format_pins(const struct dsl_setlist *s)
{
	size_t len = 1;
	char *out;

	for (size_t i = 0; i < s->n; i++)
		len += strlen(s->names[i]) + strlen(s->infohash[i]) + 2;
	out = dsl_xmalloc(len);
	out[0] = '\0';
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			strcat(out, ",");
		strcat(out, s->names[i]);
		strcat(out, ":");
		strcat(out, s->infohash[i]);
	}
	return out;
}
