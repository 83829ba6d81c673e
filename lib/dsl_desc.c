/* dsl_desc.c - read, check and write a set description (json-c). */
#define _GNU_SOURCE
#include "dsl_desc.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsl_util.h"

/* A description is small (a few hundred bytes per file); 256 MiB covers
 * sets of millions of files and stops a corrupt file from eating memory. */
#define DSL_DESC_MAX_BYTES (256u << 20)

int dsl_name_valid(const char *name, struct dsl_err *e)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > DSL_NAME_MAX) {
		dsl_err_set(e, "invalid set name '%s': must be 1 to %d characters",
			    name ? name : "", DSL_NAME_MAX);
		return 0;
	}
	if (name[0] == '.') {
		dsl_err_set(e, "invalid set name '%s': must not start with '.'", name);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '.' && c != '_' && c != '-') {
			dsl_err_set(e, "invalid set name '%s': character '%c' not in [A-Za-z0-9._-]",
				    name, isprint(c) ? c : '?');
			return 0;
		}
	}
	return 1;
}

/* Refused even though well-formed.  From ld.so(8), ENVIRONMENT: every LD_*
 * variable is the dynamic loader's (LD_PRELOAD and LD_AUDIT load code into
 * every program, LD_DEBUG_OUTPUT and LD_PROFILE_OUTPUT write files, the
 * others change how and what it binds), except LD_LIBRARY_PATH, the one a
 * library set exists to set (its directories are inside the read-only,
 * hash-checked view).  GLIBC_TUNABLES is read by ld.so too (tunables(7)).
 * And the variables ld.so(8) says it strips in secure-execution mode
 * because they make the C library load code or data from, or write to, a
 * place they name: GCONV_PATH (dlopen()s iconv modules), GETCONF_DIR,
 * HOSTALIASES, LOCALDOMAIN, LOCPATH, MALLOC_TRACE, NIS_PATH, NLSPATH,
 * RESOLV_HOST_CONF, RES_OPTIONS, TMPDIR, TZDIR.  DSL_* names are the
 * plugin's own (DSL_SET_ROOT...). */
static const char *const env_refused[] = {
	"GLIBC_TUNABLES", "GCONV_PATH", "GETCONF_DIR", "HOSTALIASES", "LOCALDOMAIN",
	"LOCPATH", "MALLOC_TRACE", "NIS_PATH", "NLSPATH", "RESOLV_HOST_CONF",
	"RES_OPTIONS", "TMPDIR", "TZDIR",
};

int dsl_env_name_check(const char *name, struct dsl_err *e)
{
	size_t n = name ? strlen(name) : 0;
	char vis[64];

	if (n == 0 || n > DSL_ENV_NAME_MAX || isdigit((unsigned char)name[0]) ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n) {
		dsl_err_set(e, "'%s' is not an environment variable name for a set "
			    "([A-Z_][A-Z0-9_]*, at most %d characters)",
			    dsl_printable(name ? name : "", n, vis, sizeof(vis)), DSL_ENV_NAME_MAX);
		return -1;
	}
	if (!strncmp(name, "LD_", 3) && strcmp(name, "LD_LIBRARY_PATH")) {
		dsl_err_set(e, "%s is refused: the dynamic loader reads it (ld.so(8)); of the "
			    "LD_ variables a set may set only LD_LIBRARY_PATH", name);
		return -1;
	}
	for (size_t i = 0; i < sizeof(env_refused) / sizeof(env_refused[0]); i++)
		if (!strcmp(name, env_refused[i])) {
			dsl_err_set(e, "%s is refused: it makes the C library load code or files "
				    "from where it points (ld.so(8), secure-execution mode)", name);
			return -1;
		}
	if (!strncmp(name, "DSL_", 4)) {
		dsl_err_set(e, "%s is refused: DSL_ variables are set by dslswarm itself", name);
		return -1;
	}
	return 0;
}

/* A path of an env list goes into task.env, one variable a line, and into
 * the tasks' environment: "." or a relative path without control
 * characters (a newline would start a line of its own). */
int dsl_env_path_check(const char *path)
{
	if (!strcmp(path, "."))
		return 0;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == ':')
			return -1;
	return dsl_relpath_valid(path) ? 0 : -1;
}

int dsl_relpath_valid(const char *path)
{
	const char *p = path;

	if (!path || !*path || *path == '/')
		return 0;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!slash)
			break;
		p = slash + 1;
		if (!*p)
			return 0;   /* trailing slash */
	}
	return 1;
}

int dsl_infohash_valid(const char *hex)
{
	if (!hex || strlen(hex) != DSL_INFOHASH_HEX)
		return 0;
	for (const char *p = hex; *p; p++)
		if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
			return 0;
	return 1;
}

void dsl_desc_init(struct dsl_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->schema = DSL_DESC_SCHEMA;
	d->at_path = -1;
}

static void node_free(struct dsl_node *n)
{
	free(n->path);
	free(n->target);
	free(n->src);
}

void dsl_desc_free(struct dsl_desc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nnodes; i++)
		node_free(&d->nodes[i]);
	for (size_t i = 0; i < d->nenv; i++) {
		for (size_t j = 0; j < d->env[i].npaths; j++)
			free(d->env[i].paths[j]);
		free(d->env[i].paths);
		free(d->env[i].name);
	}
	free(d->nodes);
	free(d->env);
	free(d->name);
	free(d->source_root);
	free(d->torrent);
	dsl_desc_init(d);
}

/* ---- reading ---------------------------------------------------------- */

static const char *type_name(enum dsl_node_type t)
{
	return t == DSL_NODE_DIR ? "dir" : t == DSL_NODE_FILE ? "file" : "symlink";
}

static json_object *field(json_object *obj, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

/* Each getter fails with "ORIGIN: FIELD: reason". */
static int get_string(json_object *obj, const char *key, const char *origin,
		      const char *ctx, int required, char **out, struct dsl_err *e)
{
	json_object *v = field(obj, key);

	*out = NULL;
	if (!v) {
		if (!required)
			return 0;
		dsl_err_set(e, "%s: %s%s: missing", origin, ctx, key);
		return -1;
	}
	if (!json_object_is_type(v, json_type_string)) {
		dsl_err_set(e, "%s: %s%s: not a string", origin, ctx, key);
		return -1;
	}
	*out = dsl_strdup(json_object_get_string(v));
	return 0;
}

static int get_int(json_object *obj, const char *key, const char *origin,
		   const char *ctx, int required, int64_t min, int64_t max,
		   int64_t *out, struct dsl_err *e)
{
	json_object *v = field(obj, key);

	if (!v) {
		if (!required)
			return 0;
		dsl_err_set(e, "%s: %s%s: missing", origin, ctx, key);
		return -1;
	}
	if (!json_object_is_type(v, json_type_int)) {
		dsl_err_set(e, "%s: %s%s: not an integer", origin, ctx, key);
		return -1;
	}
	errno = 0;
	*out = json_object_get_int64(v);
	if (errno || *out < min || *out > max) {
		dsl_err_set(e, "%s: %s%s: %" PRId64 " out of range [%" PRId64 ", %" PRId64 "]",
			    origin, ctx, key, *out, min, max);
		return -1;
	}
	return 0;
}

static int parse_node(json_object *jn, size_t i, const char *origin,
		      struct dsl_node *n, struct dsl_err *e)
{
	char ctx[48];
	char *type = NULL;
	int64_t v = 0;

	snprintf(ctx, sizeof(ctx), "tree[%zu].", i);
	memset(n, 0, sizeof(*n));
	if (!json_object_is_type(jn, json_type_object)) {
		dsl_err_set(e, "%s: tree[%zu]: not an object", origin, i);
		return -1;
	}
	if (get_string(jn, "path", origin, ctx, 1, &n->path, e) < 0 ||
	    get_string(jn, "type", origin, ctx, 1, &type, e) < 0)
		goto fail;
	if (!dsl_relpath_valid(n->path)) {
		dsl_err_set(e, "%s: %spath: '%s' is not a relative path without '.', '..' or empty parts",
			    origin, ctx, n->path);
		goto fail;
	}
	if (!strcmp(type, "dir"))
		n->type = DSL_NODE_DIR;
	else if (!strcmp(type, "file"))
		n->type = DSL_NODE_FILE;
	else if (!strcmp(type, "symlink"))
		n->type = DSL_NODE_SYMLINK;
	else {
		dsl_err_set(e, "%s: %stype: '%s' is not dir, file or symlink", origin, ctx, type);
		goto fail;
	}
	free(type);
	type = NULL;
	if (n->type != DSL_NODE_SYMLINK) {
		if (get_int(jn, "mode", origin, ctx, 1, 0, 07777, &v, e) < 0)
			goto fail;
		n->mode = (unsigned)v;
	}
	if (n->type == DSL_NODE_FILE) {
		if (get_int(jn, "size", origin, ctx, 1, 0, INT64_MAX, &v, e) < 0 ||
		    get_string(jn, "src", origin, ctx, 0, &n->src, e) < 0)
			goto fail;
		n->size = (uint64_t)v;
		if (n->src && !dsl_relpath_valid(n->src)) {
			dsl_err_set(e, "%s: %ssrc: '%s' is not a relative path", origin, ctx, n->src);
			goto fail;
		}
	}
	if (n->type == DSL_NODE_SYMLINK) {
		if (get_string(jn, "target", origin, ctx, 1, &n->target, e) < 0)
			goto fail;
		if (!*n->target) {
			dsl_err_set(e, "%s: %starget: empty", origin, ctx);
			goto fail;
		}
	}
	return 0;
fail:
	free(type);
	node_free(n);
	memset(n, 0, sizeof(*n));
	return -1;
}

static int parse_env(json_object *jenv, const char *origin, struct dsl_desc *d,
		     struct dsl_err *e)
{
	if (!json_object_is_type(jenv, json_type_object)) {
		dsl_err_set(e, "%s: env: not an object", origin);
		return -1;
	}
	json_object_object_foreach(jenv, key, val) {
		size_t n;

		if (dsl_env_name_check(key, e) < 0) {
			dsl_err_prefix(e, "%s: env", origin);
			return -1;
		}
		if (!json_object_is_type(val, json_type_array)) {
			dsl_err_set(e, "%s: env.%s: not an array of paths", origin, key);
			return -1;
		}
		n = json_object_array_length(val);
		for (size_t i = 0; i < n; i++) {
			json_object *p = json_object_array_get_idx(val, i);
			const char *s;

			if (!json_object_is_type(p, json_type_string)) {
				dsl_err_set(e, "%s: env.%s[%zu]: not a string", origin, key, i);
				return -1;
			}
			s = json_object_get_string(p);
			if (dsl_env_path_check(s) < 0) {
				char vis[96];

				dsl_err_set(e, "%s: env.%s[%zu]: '%s' is not a path relative to the set "
					    "root (without control characters or ':')", origin, key, i,
					    dsl_printable(s, strlen(s), vis, sizeof(vis)));
				return -1;
			}
			if (dsl_desc_add_env(d, key, s, e) < 0)
				return -1;
		}
	}
	return 0;
}

static int parse_tree(json_object *jtree, const char *origin, struct dsl_desc *d,
		      struct dsl_err *e)
{
	size_t n;

	if (!json_object_is_type(jtree, json_type_array)) {
		dsl_err_set(e, "%s: tree: not an array", origin);
		return -1;
	}
	n = json_object_array_length(jtree);
	d->nodes = dsl_xcalloc(n, sizeof(*d->nodes));
	for (size_t i = 0; i < n; i++) {
		if (parse_node(json_object_array_get_idx(jtree, i), i, origin,
			       &d->nodes[i], e) < 0)
			return -1;
		d->nnodes++;
	}
	return 0;
}

static int parse_top(json_object *root, const char *origin, struct dsl_desc *d,
		     struct dsl_err *e)
{
	char *hash = NULL;
	json_object *j;
	int64_t v = 0;

	if (!json_object_is_type(root, json_type_object)) {
		dsl_err_set(e, "%s: not a JSON object", origin);
		return -1;
	}
	if (get_int(root, "schema", origin, "", 1, 1, INT32_MAX, &v, e) < 0)
		return -1;
	if (v != DSL_DESC_SCHEMA) {
		dsl_err_set(e, "%s: schema: version %" PRId64 " not supported (this is version %d)",
			    origin, v, DSL_DESC_SCHEMA);
		return -1;
	}
	d->schema = (int)v;
	if (get_string(root, "name", origin, "", 1, &d->name, e) < 0)
		return -1;
	if (get_int(root, "created", origin, "", 1, 0, INT64_MAX, &d->created, e) < 0 ||
	    get_string(root, "infohash", origin, "", 1, &hash, e) < 0)
		return -1;
	snprintf(d->infohash, sizeof(d->infohash), "%s", hash);
	if (!dsl_infohash_valid(hash)) {
		dsl_err_set(e, "%s: infohash: '%s' is not 64 lower-case hex digits", origin, hash);
		free(hash);
		return -1;
	}
	free(hash);
	if (get_int(root, "piece_size", origin, "", 1, 16384, 1 << 30, &v, e) < 0)
		return -1;
	d->piece_size = (uint32_t)v;
	if (get_int(root, "total_size", origin, "", 1, 0, INT64_MAX, &v, e) < 0)
		return -1;
	d->total_size = (uint64_t)v;
	if (get_int(root, "file_count", origin, "", 1, 0, INT64_MAX, &v, e) < 0)
		return -1;
	d->file_count = (uint64_t)v;
	if (get_string(root, "source_root", origin, "", 1, &d->source_root, e) < 0 ||
	    get_string(root, "torrent", origin, "", 1, &d->torrent, e) < 0)
		return -1;
	j = field(root, "at_path");
	if (j && !json_object_is_type(j, json_type_boolean)) {
		dsl_err_set(e, "%s: at_path: not true or false", origin);
		return -1;
	}
	if (j)
		d->at_path = json_object_get_boolean(j) ? 1 : 0;
	j = field(root, "env");
	if (j && parse_env(j, origin, d, e) < 0)
		return -1;
	j = field(root, "tree");
	if (!j) {
		dsl_err_set(e, "%s: tree: missing", origin);
		return -1;
	}
	return parse_tree(j, origin, d, e);
}

int dsl_desc_parse(const char *json_text, size_t len, const char *origin,
		   struct dsl_desc *out, struct dsl_err *e)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *root;
	enum json_tokener_error jerr;
	int rc;

	dsl_desc_init(out);
	if (!tok) {
		dsl_err_set(e, "%s: out of memory", origin);
		return -1;
	}
	if (len > INT32_MAX) {
		dsl_err_set(e, "%s: too large", origin);
		json_tokener_free(tok);
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json_text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!root || jerr != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < len) {
		size_t end = json_tokener_get_parse_end(tok);

		if (jerr == json_tokener_continue)
			dsl_err_set(e, "%s: not valid JSON: truncated at byte %zu", origin, len);
		else if (jerr != json_tokener_success)
			dsl_err_set(e, "%s: not valid JSON at byte %zu: %s", origin, end,
				    json_tokener_error_desc(jerr));
		else
			dsl_err_set(e, "%s: not valid JSON: trailing data at byte %zu", origin, end);
		json_object_put(root);
		json_tokener_free(tok);
		return -1;
	}
	json_tokener_free(tok);
	rc = parse_top(root, origin, out, e);
	json_object_put(root);
	if (rc == 0)
		rc = dsl_desc_validate(out, origin, e);
	if (rc < 0)
		dsl_desc_free(out);
	return rc;
}

int dsl_desc_read_file(const char *path, struct dsl_desc *out, struct dsl_err *e)
{
	char *text;
	size_t len;
	int rc;

	dsl_desc_init(out);
	if (dsl_read_file(path, DSL_DESC_MAX_BYTES, &text, &len, e) < 0)
		return -1;
	rc = dsl_desc_parse(text, len, path, out, e);
	free(text);
	return rc;
}

/* ---- checking --------------------------------------------------------- */

static int parent_present(const struct dsl_desc *d, const char *path)
{
	const char *slash = strrchr(path, '/');
	const struct dsl_node *p;
	char *parent;

	if (!slash)
		return 1;
	parent = strndup(path, (size_t)(slash - path));
	if (!parent)
		return 0;
	p = dsl_desc_find(d, parent);
	free(parent);
	return p && p->type == DSL_NODE_DIR;
}

int dsl_desc_validate(const struct dsl_desc *d, const char *origin, struct dsl_err *e)
{
	uint64_t total = 0, files = 0;

	if (!dsl_name_valid(d->name, e)) {
		dsl_err_prefix(e, "%s: name", origin);
		return -1;
	}
	if (d->piece_size < 16384 || (d->piece_size & (d->piece_size - 1))) {
		dsl_err_set(e, "%s: piece_size: %u is not a power of two of at least 16384",
			    origin, d->piece_size);
		return -1;
	}
	if (!d->source_root || d->source_root[0] != '/') {
		dsl_err_set(e, "%s: source_root: '%s' is not an absolute path", origin,
			    d->source_root ? d->source_root : "");
		return -1;
	}
	if (!d->torrent || !*d->torrent || strchr(d->torrent, '/')) {
		dsl_err_set(e, "%s: torrent: '%s' is not a file name", origin,
			    d->torrent ? d->torrent : "");
		return -1;
	}
	for (size_t i = 0; i < d->nnodes; i++) {
		const struct dsl_node *n = &d->nodes[i];

		if (i && strcmp(d->nodes[i - 1].path, n->path) >= 0) {
			dsl_err_set(e, "%s: tree[%zu].path: '%s' is duplicate or out of order",
				    origin, i, n->path);
			return -1;
		}
		if (!parent_present(d, n->path)) {
			dsl_err_set(e, "%s: tree[%zu].path: parent directory of '%s' is not in the tree",
				    origin, i, n->path);
			return -1;
		}
		/* no setuid, setgid or sticky bit: a hand-written description
		 * is held to what `dsl create` writes */
		if (n->mode & ~0777u) {
			dsl_err_set(e, "%s: tree[%zu].mode: %#o has setuid, setgid or sticky bits "
				    "(only the permission bits 0777 are allowed)", origin, i, n->mode);
			return -1;
		}
		if (n->type == DSL_NODE_FILE) {
			total += n->size;
			files++;
		}
	}
	for (size_t i = 0; i < d->nenv; i++) {
		if (dsl_env_name_check(d->env[i].name, e) < 0) {
			dsl_err_prefix(e, "%s: env", origin);
			return -1;
		}
		for (size_t k = 0; k < d->env[i].npaths; k++)
			if (dsl_env_path_check(d->env[i].paths[k]) < 0) {
				dsl_err_set(e, "%s: env.%s[%zu]: not a path relative to the set root "
					    "(without control characters or ':')", origin,
					    d->env[i].name, k);
				return -1;
			}
	}
	if (total != d->total_size) {
		dsl_err_set(e, "%s: total_size: %" PRIu64 " but the files add up to %" PRIu64,
			    origin, d->total_size, total);
		return -1;
	}
	if (files != d->file_count) {
		dsl_err_set(e, "%s: file_count: %" PRIu64 " but the tree has %" PRIu64 " files",
			    origin, d->file_count, files);
		return -1;
	}
	return 0;
}

/* ---- building --------------------------------------------------------- */

int dsl_desc_add_node(struct dsl_desc *d, const struct dsl_node *n, struct dsl_err *e)
{
	struct dsl_node *c;

	if (!dsl_relpath_valid(n->path)) {
		dsl_err_set(e, "'%s' is not a valid path inside a set", n->path);
		return -1;
	}
	d->nodes = dsl_xrealloc(d->nodes, (d->nnodes + 1) * sizeof(*d->nodes));
	c = &d->nodes[d->nnodes++];
	*c = *n;
	c->path = dsl_strdup(n->path);
	c->target = dsl_strdup(n->target);
	c->src = dsl_strdup(n->src);
	return 0;
}

int dsl_desc_add_env(struct dsl_desc *d, const char *var, const char *relpath,
		     struct dsl_err *e)
{
	struct dsl_env_var *v = NULL;

	if (dsl_env_name_check(var, e) < 0)
		return -1;
	if (dsl_env_path_check(relpath) < 0) {
		char vis[96];

		dsl_err_set(e, "%s: '%s' is not \".\" or a path relative to the set root without "
			    "control characters or ':'", var,
			    dsl_printable(relpath, strlen(relpath), vis, sizeof(vis)));
		return -1;
	}
	for (size_t i = 0; i < d->nenv; i++)
		if (!strcmp(d->env[i].name, var))
			v = &d->env[i];
	if (!v) {
		d->env = dsl_xrealloc(d->env, (d->nenv + 1) * sizeof(*d->env));
		v = &d->env[d->nenv++];
		memset(v, 0, sizeof(*v));
		v->name = dsl_strdup(var);
	}
	v->paths = dsl_xrealloc(v->paths, (v->npaths + 1) * sizeof(*v->paths));
	v->paths[v->npaths++] = dsl_strdup(relpath);
	return 0;
}

static int node_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dsl_node *)a)->path, ((const struct dsl_node *)b)->path);
}

int dsl_desc_finish_tree(struct dsl_desc *d, struct dsl_err *e)
{
	d->total_size = 0;
	d->file_count = 0;
	qsort(d->nodes, d->nnodes, sizeof(*d->nodes), node_cmp);
	for (size_t i = 0; i < d->nnodes; i++) {
		if (i && !strcmp(d->nodes[i - 1].path, d->nodes[i].path)) {
			dsl_err_set(e, "'%s' appears twice in the set", d->nodes[i].path);
			return -1;
		}
		if (d->nodes[i].type == DSL_NODE_FILE) {
			d->total_size += d->nodes[i].size;
			d->file_count++;
		}
	}
	for (size_t i = 0; i < d->nnodes; i++)
		if (!parent_present(d, d->nodes[i].path)) {
			dsl_err_set(e, "the parent directory of '%s' is not in the set",
				    d->nodes[i].path);
			return -1;
		}
	return 0;
}

const struct dsl_node *dsl_desc_find(const struct dsl_desc *d, const char *path)
{
	struct dsl_node key = { .path = (char *)path };

	if (!d->nnodes)
		return NULL;
	return bsearch(&key, d->nodes, d->nnodes, sizeof(*d->nodes), node_cmp);
}

char *dsl_desc_env_value(const struct dsl_desc *d, const struct dsl_env_var *v,
			 const char *view_root)
{
	size_t len = 1;
	char *out;

	(void)d;
	for (size_t i = 0; i < v->npaths; i++)
		len += strlen(view_root) + strlen(v->paths[i]) + 2;
	out = dsl_xmalloc(len);
	out[0] = '\0';
	for (size_t i = 0; i < v->npaths; i++) {
		if (i)
			strcat(out, ":");
		strcat(out, view_root);
		if (strcmp(v->paths[i], ".")) {
			strcat(out, "/");
			strcat(out, v->paths[i]);
		}
	}
	return out;
}

/* ---- writing ---------------------------------------------------------- */

static json_object *node_to_json(const struct dsl_node *n)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "path", json_object_new_string(n->path));
	json_object_object_add(o, "type", json_object_new_string(type_name(n->type)));
	if (n->type != DSL_NODE_SYMLINK)
		json_object_object_add(o, "mode", json_object_new_int((int)n->mode));
	if (n->type == DSL_NODE_FILE) {
		json_object_object_add(o, "size", json_object_new_int64((int64_t)n->size));
		if (n->src && strcmp(n->src, n->path))
			json_object_object_add(o, "src", json_object_new_string(n->src));
	}
	if (n->type == DSL_NODE_SYMLINK)
		json_object_object_add(o, "target", json_object_new_string(n->target));
	return o;
}

char *dsl_desc_to_json(const struct dsl_desc *d, int pretty, struct dsl_err *e)
{
	json_object *root = json_object_new_object();
	json_object *env = json_object_new_object();
	json_object *tree = json_object_new_array();
	char *out;

	json_object_object_add(root, "schema", json_object_new_int(DSL_DESC_SCHEMA));
	json_object_object_add(root, "name", json_object_new_string(d->name ? d->name : ""));
	json_object_object_add(root, "created", json_object_new_int64(d->created));
	json_object_object_add(root, "infohash", json_object_new_string(d->infohash));
	json_object_object_add(root, "piece_size", json_object_new_int64(d->piece_size));
	json_object_object_add(root, "total_size", json_object_new_int64((int64_t)d->total_size));
	json_object_object_add(root, "file_count", json_object_new_int64((int64_t)d->file_count));
	json_object_object_add(root, "source_root",
			       json_object_new_string(d->source_root ? d->source_root : ""));
	json_object_object_add(root, "torrent", json_object_new_string(d->torrent ? d->torrent : ""));
	if (d->at_path >= 0)
		json_object_object_add(root, "at_path", json_object_new_boolean(d->at_path));
	for (size_t i = 0; i < d->nenv; i++) {
		json_object *arr = json_object_new_array();

		for (size_t j = 0; j < d->env[i].npaths; j++)
			json_object_array_add(arr, json_object_new_string(d->env[i].paths[j]));
		json_object_object_add(env, d->env[i].name, arr);
	}
	json_object_object_add(root, "env", env);
	for (size_t i = 0; i < d->nnodes; i++)
		json_object_array_add(tree, node_to_json(&d->nodes[i]));
	json_object_object_add(root, "tree", tree);
	out = strdup(json_object_to_json_string_ext(root,
			(pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN) |
			JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	if (!out)
		dsl_err_set(e, "out of memory");
	return out;
}
