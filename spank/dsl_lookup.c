/* dsl_lookup.c - a job's sets from the registry search path. */
#define _GNU_SOURCE
#include "dsl_lookup.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsl_asuser.h"
#include "dsl_atpath.h"
#include "dsl_util.h"

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

/* ---- the prolog's look-up, as the user --------------------------------- */

#define LOOKUP_OUT_MAX (64u << 10)

struct lookup_arg {
	const struct dsl_config *c;
	const char *home;
	const struct dsl_setlist *s;
};

static int io_errno(int err)
{
	return err == EIO || err == ESTALE || err == ENOTCONN || err == ENODEV ||
	       err == ENXIO || err == ETIMEDOUT || err == EHOSTDOWN || err == ENOLINK;
}

static int dir_usable(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static void emit_ref(int fd, const struct dsl_set_ref *r)
{
	dprintf(fd, "set %s %s\ndesc %s\ntorrent %s\n", r->desc.name, r->desc.infohash,
		r->json_path, r->torrent_path);
	for (size_t k = 0; k < r->desc.nenv; k++)
		for (size_t j = 0; j < r->desc.env[k].npaths; j++)
			dprintf(fd, "env %s %s\n", r->desc.env[k].name, r->desc.env[k].paths[j]);
	if (r->desc.at_path == 1)
		dprintf(fd, "atpath %s\n", r->desc.source_root);
}

/* A set shown at its source path (dsl_atpath.h): decided here, where the
 * description's tree is at hand; the parent gets "atpath SOURCE" only for a
 * path the policy allows.  A set that asked for an impossible path is the
 * user's mistake; one that only got the site's default keeps its view. */
static int emit_at_path(int fd, const struct dsl_config *c, struct dsl_set_ref *r)
{
	struct dsl_err why;

	if (!dsl_atpath_wanted(&r->desc, c))
		return 0;
	if (!dsl_atpath_mirrors(&r->desc))
		dsl_err_set(&why, "its tree is not one source directory");
	else if (dsl_atpath_check(r->desc.source_root, c, &why) == 0) {
		r->desc.at_path = 1;
		return 0;
	}
	if (r->desc.at_path == 1) {
		dprintf(fd, "user set '%s': %s\n", r->desc.name, why.msg);
		return -1;
	}
	r->desc.at_path = 0;
	return 0;
}

/* In the child, as the user: prints the sets, or "user MSG" / "node MSG". */
static int lookup_child(void *arg, int fd)
{
	struct lookup_arg *a = arg;
	struct dsl_lookup l;
	struct dsl_set_ref refs[DSL_JOB_MAX_SETS];
	struct dsl_err e;
	int user_mistake, err;

	if (!dir_usable(a->c->registry)) {
		dprintf(fd, "node system registry %s: %s\n", a->c->registry, strerror(errno));
		return 0;
	}
	dsl_lookup_init(&l, a->c, a->home);
	if (l.user_dir[0] && !dir_usable(l.user_dir)) {
		l.reg.dirs[0] = a->c->registry;   /* never hides the system registry */
		l.reg.ndirs = 1;
	}
	errno = 0;
	if (dsl_lookup_sets(&l, a->s, refs, &user_mistake, &e) < 0) {
		err = errno;
		dprintf(fd, "%s %s\n", io_errno(err) ? "node" : "user", e.msg);
		return 0;
	}
	for (size_t i = 0; i < a->s->n; i++)
		if (emit_at_path(fd, a->c, &refs[i]) < 0) {
			dsl_lookup_free(refs, a->s->n);
			return 0;
		}
	for (size_t i = 0; i < a->s->n; i++)
		emit_ref(fd, &refs[i]);
	dprintf(fd, "ok\n");
	dsl_lookup_free(refs, a->s->n);
	return 0;
}


static int var_valid(const char *v)
{
	if (!*v || !(isalpha((unsigned char)*v) || *v == '_'))
		return 0;
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && *v != '_')
			return 0;
	return 1;
}

/* "KEY REST": REST (an absolute path of the expected registry file). */
static char *registry_path(const char *rest, const char *name, const char *hash,
			   const char *suffix)
{
	char *want = dsl_xasprintf("/%s/%s%s", name, hash, suffix);
	size_t lr = strlen(rest), lw = strlen(want);
	char *out = NULL;

	if (rest[0] == '/' && lr > lw && lr < PATH_MAX && !strcmp(rest + lr - lw, want) &&
	    !strstr(rest, "/../") && !strstr(rest, "/./"))
		out = dsl_strdup(rest);
	free(want);
	return out;
}

static int parse_set_line(char *line, const struct dsl_setlist *s, size_t i,
			  struct dsl_set_ref *r)
{
	char *name = line + 4, *hash = strchr(name, ' ');

	if (!hash)
		return -1;
	*hash++ = '\0';
	if (strcmp(name, s->names[i]) || !dsl_infohash_valid(hash) ||
	    (s->infohash[i][0] && strcmp(hash, s->infohash[i])))
		return -1;
	dsl_desc_init(&r->desc);
	r->desc.name = dsl_strdup(name);
	snprintf(r->desc.infohash, sizeof(r->desc.infohash), "%s", hash);
	return 0;
}

/* The child's answer into refs; -1 when it is not what the child prints. */
static int parse_answer(char *text, const struct dsl_setlist *s, struct dsl_set_ref *refs)
{
	long i = -1;
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct dsl_set_ref *r = i >= 0 ? &refs[i] : NULL;

		if (dsl_printable_inplace(line))
			return -1;   /* the child prints none: not its answer */
		if (!strncmp(line, "set ", 4)) {
			if (++i >= (long)s->n || parse_set_line(line, s, (size_t)i, &refs[i]) < 0)
				return -1;
		} else if (r && !strncmp(line, "desc ", 5) && !r->json_path) {
			if (!(r->json_path = registry_path(line + 5, r->desc.name, r->desc.infohash, ".json")))
				return -1;
			r->dir = dsl_strdup(line + 5);
			*strrchr(r->dir, '/') = '\0';
			*strrchr(r->dir, '/') = '\0';
		} else if (r && !strncmp(line, "torrent ", 8) && !r->torrent_path) {
			if (!(r->torrent_path = registry_path(line + 8, r->desc.name, r->desc.infohash, ".torrent")))
				return -1;
		} else if (r && !strncmp(line, "atpath ", 7) && !r->desc.source_root) {
			/* checked again by the prolog (dsl_overlay_decide) and the task */
			r->desc.at_path = 1;
			r->desc.source_root = dsl_strdup(line + 7);
		} else if (r && !strncmp(line, "env ", 4)) {
			char *var = line + 4, *path = strchr(var, ' ');

			if (!path)
				return -1;
			*path++ = '\0';
			if (!var_valid(var) || (strcmp(path, ".") && !dsl_relpath_valid(path)) ||
			    dsl_desc_add_env(&r->desc, var, path, NULL) < 0)
				return -1;
		} else if (!strcmp(line, "ok") && i + 1 == (long)s->n) {
			for (size_t k = 0; k < s->n; k++)
				if (!refs[k].json_path || !refs[k].torrent_path)
					return -1;
			return 0;
		} else {
			return -1;
		}
	}
	return -1;
}

int dsl_lookup_sets_as_user(const struct dsl_config *c, uid_t uid, gid_t gid,
			    const char *user, const char *home, const struct dsl_setlist *s,
			    struct dsl_set_ref *refs, enum dsl_lookup_fault *fault,
			    struct dsl_err *e)
{
	struct lookup_arg arg = { c, home, s };
	struct dsl_asuser a = { uid, gid, user, c->ready_timeout * 1000, LOOKUP_OUT_MAX };
	char *out = NULL;
	int code;

	*fault = DSL_LOOKUP_USER;
	memset(refs, 0, s->n * sizeof(*refs));
	if (dsl_asuser_call(&a, lookup_child, &arg, &out, &code, e) < 0) {
		dsl_err_prefix(e, "looking the set up as %s", user);
		return -1;
	}
	if (code == 0 && (!strncmp(out, "user ", 5) || !strncmp(out, "node ", 5))) {
		char *nl = strchr(out, '\n');

		if (nl)
			*nl = '\0';
		dsl_printable_inplace(out);
		*fault = out[0] == 'n' ? DSL_LOOKUP_NODE : DSL_LOOKUP_USER;
		dsl_err_set(e, "%s", out + 5);
		free(out);
		return -1;
	}
	if (code != 0 || parse_answer(out, s, refs) < 0) {
		dsl_lookup_free(refs, s->n);
		dsl_err_set(e, "the set look-up as %s failed (exit %d)", user, code);
		free(out);
		return -1;
	}
	free(out);
	return 0;
}
