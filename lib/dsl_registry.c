/* dsl_registry.c - published sets: find, publish atomically, remove, list. */
#define _GNU_SOURCE
#include "dsl_registry.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsl_util.h"

#define CURRENT "current"

void dsl_set_ref_free(struct dsl_set_ref *ref)
{
	if (!ref)
		return;
	free(ref->dir);
	free(ref->json_path);
	free(ref->torrent_path);
	dsl_desc_free(&ref->desc);
	memset(ref, 0, sizeof(*ref));
}

/* The version `current` points at, in buf (64 hex digits). */
static int read_current(const char *setdir, char *buf, size_t len, struct dsl_err *e)
{
	char *link = dsl_path_join(setdir, CURRENT);
	ssize_t n = readlink(link, buf, len - 1);

	if (n < 0) {
		dsl_err_set(e, "%s: %m", link);
		free(link);
		return -1;
	}
	buf[n] = '\0';
	if (!dsl_infohash_valid(buf)) {
		dsl_err_set(e, "%s: points at '%s', not a version", link, buf);
		free(link);
		return -1;
	}
	free(link);
	return 0;
}

/* Load one version of a set from one registry directory. */
static int load_version(const char *dir, const char *name, const char *hash,
			struct dsl_set_ref *out, struct dsl_err *e)
{
	struct stat st;

	out->dir = dsl_strdup(dir);
	out->json_path = dsl_xasprintf("%s/%s/%s.json", dir, name, hash);
	out->torrent_path = dsl_xasprintf("%s/%s/%s.torrent", dir, name, hash);
	if (dsl_desc_read_file(out->json_path, &out->desc, e) < 0)
		goto fail;
	if (strcmp(out->desc.name, name)) {
		dsl_err_set(e, "%s: name: '%s' but it is registered as '%s'",
			    out->json_path, out->desc.name, name);
		goto fail;
	}
	if (strcmp(out->desc.infohash, hash)) {
		dsl_err_set(e, "%s: infohash: %s but the file is named after %s",
			    out->json_path, out->desc.infohash, hash);
		goto fail;
	}
	if (stat(out->torrent_path, &st) < 0) {
		dsl_err_set(e, "set '%s': torrent %s: %m", name, out->torrent_path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		dsl_err_set(e, "set '%s': torrent %s: not a regular file", name, out->torrent_path);
		goto fail;
	}
	if (access(out->torrent_path, R_OK) < 0) {
		dsl_err_set(e, "set '%s': torrent %s: %m", name, out->torrent_path);
		goto fail;
	}
	return 0;
fail:
	dsl_set_ref_free(out);
	return -1;
}

int dsl_registry_find(const struct dsl_registry *reg, const char *name,
		      const char *infohash, struct dsl_set_ref *out,
		      int *not_found, struct dsl_err *e)
{
	memset(out, 0, sizeof(*out));
	if (not_found)
		*not_found = 0;
	if (!dsl_name_valid(name, e))
		return -1;
	if (infohash && !dsl_infohash_valid(infohash)) {
		dsl_err_set(e, "set '%s': '%s' is not a version (64 hex digits)", name, infohash);
		return -1;
	}
	for (size_t i = 0; i < reg->ndirs; i++) {
		char *setdir = dsl_path_join(reg->dirs[i], name);
		char hash[DSL_INFOHASH_HEX + 2];
		struct stat st;
		int rc;

		if (stat(setdir, &st) < 0) {
			int err = errno;

			free(setdir);
			/* A set the user may not see in their own registry
			 * does not hide the same name in a later registry. */
			if (err == ENOENT || err == ENOTDIR || (err == EACCES && i + 1 < reg->ndirs))
				continue;
			errno = err;
			dsl_err_set(e, "set '%s' in %s: %m", name, reg->dirs[i]);
			return -1;
		}
		if (infohash) {
			char *json = dsl_xasprintf("%s/%s.json", setdir, infohash);
			int present = access(json, F_OK) == 0, err = errno;

			free(json);
			free(setdir);
			/* The last registry's set may not be looked into by
			 * this user: say so, not "removed". */
			if (!present && err != ENOENT && err != ENOTDIR && i + 1 == reg->ndirs) {
				errno = err;
				dsl_err_set(e, "set '%s' in %s: %m", name, reg->dirs[i]);
				return -1;
			}
			if (!present)
				continue;   /* a pinned version may live in a later registry */
			setdir = NULL;
			snprintf(hash, sizeof(hash), "%s", infohash);
		} else if (read_current(setdir, hash, sizeof(hash), e) < 0) {
			free(setdir);
			dsl_err_prefix(e, "set '%s'", name);
			return -1;
		}
		free(setdir);
		rc = load_version(reg->dirs[i], name, hash, out, e);
		return rc;
	}
	if (not_found)
		*not_found = 1;
	if (infohash)
		dsl_err_set(e, "set '%s' version %.12s: not found", name, infohash);
	else
		dsl_err_set(e, "set '%s': not found", name);
	return -1;
}

/* Replace DIR/NAME/current by a symlink to hash, atomically. */
static int swap_current(const char *setdir, const char *hash, struct dsl_err *e)
{
	char *link = dsl_path_join(setdir, CURRENT);
	char *tmp = dsl_xasprintf("%s.tmp.%ld", link, (long)getpid());
	int rc = 0;

	unlink(tmp);
	if (symlink(hash, tmp) < 0) {
		dsl_err_set(e, "cannot create %s: %m", tmp);
		rc = -1;
	} else if (rename(tmp, link) < 0) {
		dsl_err_set(e, "cannot rename %s to %s: %m", tmp, link);
		unlink(tmp);
		rc = -1;
	}
	free(tmp);
	free(link);
	return rc;
}

int dsl_registry_publish(const char *dir, struct dsl_desc *d,
			 const char *torrent_path, int force, struct dsl_err *e)
{
	char *setdir = NULL, *json_path = NULL, *tor_path = NULL, *json = NULL;
	char hash[DSL_INFOHASH_HEX + 2];
	int existed, rc = -1;
	struct stat st;

	if (!dsl_name_valid(d->name, e))
		return -1;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		dsl_err_set(e, "registry %s: %s", dir,
			    errno == ENOENT ? "no such directory" : "not a directory");
		return -1;
	}
	if (access(dir, W_OK) < 0) {
		dsl_err_set(e, "registry %s: not writable: %m", dir);
		return -1;
	}
	setdir = dsl_path_join(dir, d->name);
	existed = stat(setdir, &st) == 0;
	if (existed && read_current(setdir, hash, sizeof(hash), NULL) == 0 && !force) {
		dsl_err_set(e, "set '%s' already exists in %s (version %.12s); use --force to publish a new version",
			    d->name, dir, hash);
		goto out;
	}
	if (!existed && mkdir(setdir, 0755) < 0) {
		dsl_err_set(e, "cannot create %s: %m", setdir);
		goto out;
	}
	free(d->torrent);
	d->torrent = dsl_xasprintf("%s.torrent", d->infohash);
	if (dsl_desc_validate(d, d->name, e) < 0)
		goto undo;
	json = dsl_desc_to_json(d, 1, e);
	if (!json)
		goto undo;
	tor_path = dsl_xasprintf("%s/%s", setdir, d->torrent);
	json_path = dsl_xasprintf("%s/%s.json", setdir, d->infohash);
	/* Torrent first, description second, pointer last: whoever follows
	 * the pointer finds both files complete. */
	if (dsl_copy_file_atomic(torrent_path, tor_path, 0644, e) < 0 ||
	    dsl_write_file_atomic(json_path, json, strlen(json), 0644, e) < 0 ||
	    swap_current(setdir, d->infohash, e) < 0)
		goto undo;
	rc = 0;
	goto out;
undo:
	if (json_path)
		unlink(json_path);
	if (tor_path && (!existed || read_current(setdir, hash, sizeof(hash), NULL) < 0 ||
			 strcmp(hash, d->infohash)))
		unlink(tor_path);
	if (!existed)
		rmdir(setdir);
out:
	free(json);
	free(json_path);
	free(tor_path);
	free(setdir);
	return rc;
}

static int remove_version(const char *setdir, const char *hash, struct dsl_err *e)
{
	char *json = dsl_xasprintf("%s/%s.json", setdir, hash);
	char *tor = dsl_xasprintf("%s/%s.torrent", setdir, hash);
	int rc = 0;

	if (unlink(json) < 0 && errno != ENOENT) {
		dsl_err_set(e, "cannot remove %s: %m", json);
		rc = -1;
	}
	if (rc == 0 && unlink(tor) < 0 && errno != ENOENT) {
		dsl_err_set(e, "cannot remove %s: %m", tor);
		rc = -1;
	}
	/* Its prefetch order, if one was published (dsl_order.h). */
	if (rc == 0) {
		char *order = dsl_xasprintf("%s/%s.order", setdir, hash);

		unlink(order);
		free(order);
	}
	free(json);
	free(tor);
	return rc;
}

int dsl_registry_remove(const char *dir, const char *name, const char *infohash,
			struct dsl_err *e)
{
	char *setdir;
	char cur[DSL_INFOHASH_HEX + 2];
	struct stat st;
	int rc = 0;

	if (!dsl_name_valid(name, e))
		return -1;
	setdir = dsl_path_join(dir, name);
	if (lstat(setdir, &st) < 0) {
		dsl_err_set(e, "set '%s' is not in %s", name, dir);
		free(setdir);
		return -1;
	}
	if (infohash) {
		char *json = dsl_xasprintf("%s/%s.json", setdir, infohash);
		int present = dsl_infohash_valid(infohash) && access(json, F_OK) == 0;

		free(json);
		if (!present) {
			dsl_err_set(e, "set '%s' has no version '%s' in %s", name, infohash, dir);
			rc = -1;
		} else if (read_current(setdir, cur, sizeof(cur), NULL) == 0 &&
			   !strcmp(cur, infohash)) {
			dsl_err_set(e, "set '%s': %.12s is the current version; publish another version or remove the whole set",
				    name, infohash);
			rc = -1;
		} else {
			rc = remove_version(setdir, infohash, e);
		}
		free(setdir);
		return rc;
	}
	/* The pointer goes first, so the set vanishes at once for readers. */
	{
		char *link = dsl_path_join(setdir, CURRENT);

		if (unlink(link) < 0 && errno != ENOENT) {
			dsl_err_set(e, "cannot remove set '%s': %s: %m", name, link);
			rc = -1;
		}
		free(link);
	}
	if (rc == 0)
		rc = dsl_rm_rf(setdir, e);
	free(setdir);
	return rc;
}

static int name_seen(char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted set names in one registry directory (skips what is not a set). */
static char **list_dir(const char *dir, size_t *n)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char **names = NULL;

	*n = 0;
	if (!dp)
		return NULL;
	while ((de = readdir(dp))) {
		if (!dsl_name_valid(de->d_name, NULL))
			continue;
		names = dsl_xrealloc(names, (*n + 1) * sizeof(*names));
		names[(*n)++] = dsl_strdup(de->d_name);
	}
	closedir(dp);
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

int dsl_registry_each(const struct dsl_registry *reg, dsl_registry_visit_fn fn,
		      void *arg, struct dsl_err *e)
{
	char **seen = NULL;
	size_t nseen = 0;

	(void)e;
	for (size_t i = 0; i < reg->ndirs; i++) {
		size_t n;
		char **names = list_dir(reg->dirs[i], &n);

		for (size_t j = 0; j < n; j++) {
			struct dsl_set_ref ref;
			struct dsl_err err = { "" };
			char hash[DSL_INFOHASH_HEX + 2];
			char *setdir = dsl_path_join(reg->dirs[i], names[j]);

			if (name_seen(seen, nseen, names[j])) {
				free(setdir);
				free(names[j]);
				continue;
			}
			memset(&ref, 0, sizeof(ref));
			if (read_current(setdir, hash, sizeof(hash), &err) < 0) {
				dsl_err_prefix(&err, "set '%s'", names[j]);
				fn(arg, reg->dirs[i], names[j], NULL, &err);
			} else if (load_version(reg->dirs[i], names[j], hash, &ref, &err) < 0) {
				fn(arg, reg->dirs[i], names[j], NULL, &err);
			} else {
				fn(arg, reg->dirs[i], names[j], &ref, NULL);
				dsl_set_ref_free(&ref);
			}
			free(setdir);
			seen = dsl_xrealloc(seen, (nseen + 1) * sizeof(*seen));
			seen[nseen++] = names[j];
		}
		free(names);
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	return 0;
}

struct names_acc {
	char *buf;
	size_t len;
};

static void add_name(void *arg, const char *dir, const char *name,
		     const struct dsl_set_ref *ref, const struct dsl_err *err)
{
	struct names_acc *acc = arg;
	size_t n = strlen(name);

	(void)dir;
	(void)err;
	if (!ref)
		return;   /* only sets that can actually be used */
	acc->buf = dsl_xrealloc(acc->buf, acc->len + n + 3);
	if (acc->len) {
		memcpy(acc->buf + acc->len, ", ", 2);
		acc->len += 2;
	}
	memcpy(acc->buf + acc->len, name, n + 1);
	acc->len += n;
}

char *dsl_registry_names(const struct dsl_registry *reg)
{
	struct names_acc acc = { NULL, 0 };

	dsl_registry_each(reg, add_name, &acc, NULL);
	return acc.buf ? acc.buf : dsl_strdup("");
}
