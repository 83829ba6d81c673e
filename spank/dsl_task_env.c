/* dsl_task_env.c - build and apply the tasks' environment. */
#include "dsl_task_env.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsl_job.h"
#include "dsl_util.h"

char *dsl_task_env_root_var(const char *setname)
{
	char *v = dsl_xasprintf("DSL_SET_ROOT_%s", setname);

	for (char *p = v + strlen("DSL_SET_ROOT_"); *p; p++)
		*p = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
	return v;
}

static void append(char **buf, const char *fmt, const char *a, const char *b)
{
	char *line = dsl_xasprintf(fmt, a, b);
	char *n = dsl_xasprintf("%s%s", *buf, line);

	free(line);
	free(*buf);
	*buf = n;
}

/* Where the tasks find set i: its source path when it is shown there
 * (dsl_overlay.h), else its view. */
static char *set_root(const struct dsl_config *c, unsigned long jobid,
		      const struct dsl_setlist *s, const struct dsl_set_ref *refs, size_t i)
{
	if (refs[i].desc.at_path == 1)
		return dsl_strdup(refs[i].desc.source_root);
	return dsl_job_view_dir(c, jobid, s->names[i]);
}

/* One variable may come from several sets: one list, in set order. */
static char *joined_value(const struct dsl_config *c, unsigned long jobid,
			  const struct dsl_setlist *s, const struct dsl_set_ref *refs,
			  const char *var)
{
	char *out = NULL;

	for (size_t i = 0; i < s->n; i++) {
		const struct dsl_desc *d = &refs[i].desc;
		char *root = set_root(c, jobid, s, refs, i);

		for (size_t k = 0; k < d->nenv; k++) {
			char *v, *n;

			if (strcmp(d->env[k].name, var))
				continue;
			v = dsl_desc_env_value(d, &d->env[k], root);
			n = out ? dsl_xasprintf("%s:%s", out, v) : dsl_strdup(v);
			free(v);
			free(out);
			out = n;
		}
		free(root);
	}
	return out;
}

static int seen_before(const struct dsl_setlist *s, const struct dsl_set_ref *refs,
		       size_t set, size_t var)
{
	const char *name = refs[set].desc.env[var].name;

	for (size_t i = 0; i <= set; i++)
		for (size_t k = 0; k < refs[i].desc.nenv; k++) {
			if (i == set && k == var)
				return 0;
			if (!strcmp(refs[i].desc.env[k].name, name))
				return 1;
		}
	(void)s;
	return 0;
}

char *dsl_task_env_build(const struct dsl_config *c, unsigned long jobid,
			 const struct dsl_setlist *s, const struct dsl_set_ref *refs)
{
	char *text = dsl_strdup("");

	for (size_t i = 0; i < s->n; i++) {
		char *root = set_root(c, jobid, s, refs, i);
		char *var = dsl_task_env_root_var(s->names[i]);

		if (i == 0)
			append(&text, "%s=%s\n", "DSL_SET_ROOT", root);
		append(&text, "%s=%s\n", var, root);
		free(var);
		free(root);
	}
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < refs[i].desc.nenv; k++) {
			char *v;

			if (seen_before(s, refs, i, k))
				continue;
			v = joined_value(c, jobid, s, refs, refs[i].desc.env[k].name);
			append(&text, "+%s=%s\n", refs[i].desc.env[k].name, v);
			free(v);
		}
	return text;
}

char *dsl_task_env_prepend(const char *value, const char *old)
{
	size_t n = strlen(value);

	if (!old || !*old)
		return dsl_strdup(value);
	if (!strncmp(old, value, n) && (old[n] == '\0' || old[n] == ':'))
		return dsl_strdup(old);
	return dsl_xasprintf("%s:%s", value, old);
}

/* The file is root's, but it is built from descriptions a user may have
 * written: the same names as a description may carry (prepended lists), and
 * the plugin's own DSL_SET_ROOT[_NAME] (set). */
static int name_allowed(const char *name, int prepend, struct dsl_err *e)
{
	if (prepend)
		return dsl_env_name_check(name, e) == 0;
	if (!strcmp(name, "DSL_SET_ROOT") ||
	    (!strncmp(name, "DSL_SET_ROOT_", 13) && name[13] &&
	     strspn(name + 13, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(name + 13)))
		return 1;
	char vis[64];

	dsl_err_set(e, "'%s' is not a variable dslswarm sets",
		    dsl_printable(name, strlen(name), vis, sizeof(vis)));
	return 0;
}

int dsl_task_env_apply(const char *text, dsl_task_env_set_fn fn, void *arg,
		       struct dsl_err *e)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);
		char *name = line, *eq;
		int prepend = 0, rc = 0;

		if (!line) {
			dsl_err_set(e, "out of memory");
			return -1;
		}
		if (*name == '+') {
			prepend = 1;
			name++;
		}
		eq = strchr(name, '=');
		if (len == 0) {
			rc = 0;
		} else if (!eq || eq == name) {
			char vis[96];

			dsl_err_set(e, "task environment: bad line '%s'",
				    dsl_printable(line, len, vis, sizeof(vis)));
			rc = -1;
		} else {
			*eq = '\0';
			if (!name_allowed(name, prepend, e)) {
				dsl_err_prefix(e, "task environment");
				rc = -1;
			} else if ((rc = fn(arg, name, eq + 1, prepend)) < 0) {
				dsl_err_set(e, "cannot set %s", name);
			}
		}
		free(line);
		if (rc < 0)
			return -1;
		p += len + (nl ? 1 : 0);
	}
	return 0;
}
