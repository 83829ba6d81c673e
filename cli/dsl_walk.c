/* dsl_walk.c - turn the paths given to `dsl create` into a set's tree.
 *
 * Decisions (also in the README):
 * - One directory given: the set is that directory's contents.  Otherwise
 *   each path becomes a top-level entry named after its last component.
 * - A symlink whose target stays inside the set stays a symlink.  One that
 *   points outside (absolute, or escaping with "..") is followed: the view
 *   holds what it points to, so a node never reaches back to shared storage
 *   through the view.  A dangling outside symlink is skipped with a warning.
 * - Sockets, devices and fifos are skipped with a warning.
 * - Every file must be readable by the invoking user, or nothing is published.
 * - Modes keep the permission bits, without setuid/setgid/sticky. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dsl_util.h"

#define WALK_MAX_DEPTH 128

struct walk_stack {
	dev_t dev[WALK_MAX_DEPTH];
	ino_t ino[WALK_MAX_DEPTH];
	int depth;
};

void cli_walk_init(struct cli_walk *w)
{
	memset(w, 0, sizeof(*w));
	dsl_desc_init(&w->desc);
}

void cli_walk_free(struct cli_walk *w)
{
	for (size_t i = 0; i < w->nfiles; i++) {
		free((char *)w->files[i].path);
		free((char *)w->files[i].source);
	}
	free(w->files);
	dsl_desc_free(&w->desc);
	memset(w, 0, sizeof(*w));
}

static char *rel_join(const char *prefix, const char *name)
{
	return *prefix ? dsl_path_join(prefix, name) : dsl_strdup(name);
}

static int add_dir(struct cli_walk *w, const char *relpath, mode_t mode, struct dsl_err *e)
{
	struct dsl_node n = { .path = (char *)relpath, .type = DSL_NODE_DIR,
			      .mode = mode & 0777 };

	return dsl_desc_add_node(&w->desc, &n, e);
}

static int add_file(struct cli_walk *w, const char *relpath, const char *source,
		    const struct stat *st, struct dsl_err *e)
{
	struct dsl_node n = { .path = (char *)relpath, .type = DSL_NODE_FILE,
			      .mode = st->st_mode & 0777, .size = (uint64_t)st->st_size };
	struct dsl_tfile_in *f;
	int fd = open(source, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	/* Fail now, as the invoking user, rather than half-way through hashing. */
	if (fd < 0) {
		dsl_err_set(e, "cannot read %s: %m", source);
		return -1;
	}
	close(fd);
	if (dsl_desc_add_node(&w->desc, &n, e) < 0)
		return -1;
	w->files = dsl_xrealloc(w->files, (w->nfiles + 1) * sizeof(*w->files));
	f = &w->files[w->nfiles++];
	f->path = dsl_strdup(relpath);
	f->source = dsl_strdup(source);
	f->size = (uint64_t)st->st_size;
	f->executable = (st->st_mode & 0111) != 0;
	return 0;
}

static int add_symlink(struct cli_walk *w, const char *relpath, const char *target,
		       struct dsl_err *e)
{
	struct dsl_node n = { .path = (char *)relpath, .type = DSL_NODE_SYMLINK,
			      .target = (char *)target };

	return dsl_desc_add_node(&w->desc, &n, e);
}

/* Does a relative target, seen from relpath's directory, stay in the set? */
static int target_inside(const char *relpath, const char *target)
{
	int depth = 0;
	const char *p;

	if (target[0] == '/')
		return 0;
	for (p = relpath; *p; p++)     /* depth of the link's directory */
		if (*p == '/')
			depth++;
	p = target;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return 0;
		} else if (len && !(len == 1 && p[0] == '.')) {
			depth++;
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	return 1;
}

static int walk_dir(struct cli_walk *w, const char *abs, const char *prefix,
		    struct walk_stack *stack, struct dsl_err *e);

/* A path that has to be followed: a command-line path or an outside symlink. */
static int add_followed(struct cli_walk *w, const char *abs, const char *relpath,
			struct walk_stack *stack, struct dsl_err *e)
{
	char real[PATH_MAX];
	struct stat st;

	if (!realpath(abs, real) || stat(real, &st) < 0) {
		dsl_err_set(e, "cannot read %s: %m", abs);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		if (add_dir(w, relpath, st.st_mode, e) < 0)
			return -1;
		return walk_dir(w, real, relpath, stack, e);
	}
	if (S_ISREG(st.st_mode))
		return add_file(w, relpath, real, &st, e);
	fprintf(stderr, "dsl: warning: skipping %s: not a regular file, directory or symlink\n", abs);
	w->skipped++;
	return 0;
}

static int walk_entry(struct cli_walk *w, const char *abs, const char *relpath,
		      struct walk_stack *stack, struct dsl_err *e)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (lstat(abs, &st) < 0) {
		dsl_err_set(e, "cannot read %s: %m", abs);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		if (add_dir(w, relpath, st.st_mode, e) < 0)
			return -1;
		return walk_dir(w, abs, relpath, stack, e);
	}
	if (S_ISREG(st.st_mode))
		return add_file(w, relpath, abs, &st, e);
	if (!S_ISLNK(st.st_mode)) {
		fprintf(stderr, "dsl: warning: skipping %s: a socket, device or fifo cannot be part of a set\n",
			abs);
		w->skipped++;
		return 0;
	}
	n = readlink(abs, target, sizeof(target) - 1);
	if (n < 0) {
		dsl_err_set(e, "cannot read symlink %s: %m", abs);
		return -1;
	}
	target[n] = '\0';
	if (target_inside(relpath, target))
		return add_symlink(w, relpath, target, e);
	if (stat(abs, &st) < 0) {
		fprintf(stderr, "dsl: warning: skipping %s: symlink to %s outside the set, which does not exist\n",
			abs, target);
		w->skipped++;
		return 0;
	}
	return add_followed(w, abs, relpath, stack, e);
}

static int cmp_names(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dot(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
}

static int walk_dir(struct cli_walk *w, const char *abs, const char *prefix,
		    struct walk_stack *stack, struct dsl_err *e)
{
	struct dirent **ents = NULL;
	struct stat st;
	int n, rc = 0;

	if (stat(abs, &st) < 0) {
		dsl_err_set(e, "cannot read %s: %m", abs);
		return -1;
	}
	for (int i = 0; i < stack->depth; i++)
		if (stack->dev[i] == st.st_dev && stack->ino[i] == st.st_ino) {
			dsl_err_set(e, "%s: directory loop through a symlink (set path '%s')",
				    abs, prefix);
			return -1;
		}
	if (stack->depth == WALK_MAX_DEPTH) {
		dsl_err_set(e, "%s: nested deeper than %d directories", abs, WALK_MAX_DEPTH);
		return -1;
	}
	n = scandir(abs, &ents, skip_dot, cmp_names);
	if (n < 0) {
		dsl_err_set(e, "cannot read directory %s: %m", abs);
		return -1;
	}
	stack->dev[stack->depth] = st.st_dev;
	stack->ino[stack->depth] = st.st_ino;
	stack->depth++;
	for (int i = 0; i < n; i++) {
		char *child = dsl_path_join(abs, ents[i]->d_name);
		char *rel = rel_join(prefix, ents[i]->d_name);

		if (rc == 0)
			rc = walk_entry(w, child, rel, stack, e);
		free(child);
		free(rel);
		free(ents[i]);
	}
	free(ents);
	stack->depth--;
	return rc;
}

static const char *last_component(const char *path, char *buf, size_t len)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	snprintf(buf, len, "%.*s", (int)n, path);
	return strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf;
}

int cli_walk_paths(struct cli_walk *w, char **paths, size_t npaths, struct dsl_err *e)
{
	struct walk_stack stack = { .depth = 0 };
	struct stat st;

	for (size_t i = 0; i < npaths; i++)
		if (stat(paths[i], &st) < 0) {
			dsl_err_set(e, "cannot read %s: %m", paths[i]);
			return -1;
		}
	if (npaths == 1 && stat(paths[0], &st) == 0 && S_ISDIR(st.st_mode)) {
		char real[PATH_MAX];

		if (!realpath(paths[0], real)) {
			dsl_err_set(e, "cannot read %s: %m", paths[0]);
			return -1;
		}
		return walk_dir(w, real, "", &stack, e);
	}
	for (size_t i = 0; i < npaths; i++) {
		char buf[PATH_MAX];
		const char *name = last_component(paths[i], buf, sizeof(buf));

		if (!dsl_relpath_valid(name)) {
			dsl_err_set(e, "%s: cannot name a top-level entry '%s'", paths[i], name);
			return -1;
		}
		if (add_followed(w, paths[i], name, &stack, e) < 0)
			return -1;
	}
	return 0;
}

static int ensure_parents(struct cli_walk *w, const char *relpath, struct dsl_err *e)
{
	char *copy = dsl_strdup(relpath);
	int rc = 0;

	for (char *s = strchr(copy, '/'); s && rc == 0; s = strchr(s + 1, '/')) {
		int found = 0;

		*s = '\0';
		for (size_t i = 0; i < w->desc.nnodes && !found; i++)
			found = !strcmp(w->desc.nodes[i].path, copy);
		if (!found)
			rc = add_dir(w, copy, 0755, e);
		*s = '/';
	}
	free(copy);
	return rc;
}

int cli_walk_add_file(struct cli_walk *w, const char *relpath, const char *source,
		      struct dsl_err *e)
{
	char real[PATH_MAX];
	struct stat st;

	if (!realpath(source, real) || stat(real, &st) < 0) {
		dsl_err_set(e, "cannot read %s: %m", source);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		dsl_err_set(e, "%s: not a regular file", source);
		return -1;
	}
	if (ensure_parents(w, relpath, e) < 0)
		return -1;
	return add_file(w, relpath, real, &st, e);
}

/* The longest directory that contains every source file. */
static char *common_dir(const struct cli_walk *w)
{
	char *root = dsl_strdup(w->files[0].source);
	char *slash = strrchr(root, '/');

	*slash = '\0';
	for (size_t i = 1; i < w->nfiles; i++) {
		const char *s = w->files[i].source;
		size_t n = strlen(root);

		while (n && !(strncmp(s, root, n) == 0 && s[n] == '/')) {
			slash = strrchr(root, '/');
			*slash = '\0';
			n = strlen(root);
		}
	}
	if (!root[0]) {
		free(root);
		root = dsl_strdup("/");
	}
	return root;
}

static int tfile_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dsl_tfile_in *)a)->path,
		      ((const struct dsl_tfile_in *)b)->path);
}

int cli_walk_finish(struct cli_walk *w, struct dsl_err *e)
{
	size_t rootlen;

	if (w->nfiles == 0) {
		dsl_err_set(e, "the set is empty: no regular files");
		return -1;
	}
	if (dsl_desc_finish_tree(&w->desc, e) < 0)
		return -1;
	qsort(w->files, w->nfiles, sizeof(*w->files), tfile_cmp);
	w->desc.source_root = common_dir(w);
	rootlen = strlen(w->desc.source_root);
	if (rootlen == 1)
		rootlen = 0;   /* "/" */
	for (size_t i = 0; i < w->desc.nnodes; i++) {
		struct dsl_node *n = &w->desc.nodes[i];

		struct dsl_tfile_in key = { .path = n->path };
		const struct dsl_tfile_in *f;

		if (n->type != DSL_NODE_FILE)
			continue;
		f = bsearch(&key, w->files, w->nfiles, sizeof(*w->files), tfile_cmp);
		if (f)
			n->src = dsl_strdup(f->source + rootlen + 1);
	}
	return 0;
}
