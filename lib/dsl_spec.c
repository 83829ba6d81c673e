/* dsl_spec.c - write and read the job spec (schema in dsl_spec.h). */
#define _GNU_SOURCE
#include "dsl_spec.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsl_cidr.h"
#include "dsl_jobkey.h"
#include "dsl_util.h"

#define MAX_TEXT 4096            /* any one string of the spec */

int dsl_spec_report_every_ms(long nnodes)
{
	long ms = nnodes * 1000 / DSL_SPEC_REPORTS_PER_S;

	return ms < DSL_SPEC_REPORT_MIN_MS ? DSL_SPEC_REPORT_MIN_MS : (int)ms;
}

int dsl_spec_announce_interval_s(long nnodes)
{
	long s = (nnodes + DSL_SPEC_ANNOUNCES_PER_S - 1) / DSL_SPEC_ANNOUNCES_PER_S;

	return s < DSL_SPEC_ANNOUNCE_MIN_S ? DSL_SPEC_ANNOUNCE_MIN_S : (int)s;
}

void dsl_spec_free(struct dsl_spec *s)
{
	char **strs[] = { &s->node, &s->hostlist, &s->set, &s->desc, &s->torrent, &s->mount,
			  &s->mountpoint, &s->cache, &s->run_dir, &s->log_file };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	for (size_t i = 0; i < s->ntrackers; i++)
		free(s->trackers[i]);
	for (size_t i = 0; i < s->norders; i++)
		free(s->orders[i]);
	free(s->record_order);
	for (size_t i = 0; i < s->npeers; i++) {
		free(s->peers[i].node);
		free(s->peers[i].addr);
	}
	if (s->key)   /* the secret does not linger in freed memory */
		explicit_bzero(s->key, strlen(s->key));
	free(s->key);
	free(s->peer_networks);
	memset(s, 0, sizeof(*s));
}

/* ---- writing ---- */

static void put_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

static void put_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static json_object *roles_obj(const struct dsl_spec *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "seeder", json_object_new_boolean(s->seeder));
	json_object_object_add(o, "tracker", json_object_new_boolean(s->tracker));
	return o;
}

static json_object *share_obj(const struct dsl_spec *s)
{
	json_object *o;

	if (!s->share_count)
		return NULL;
	o = json_object_new_object();
	put_int(o, "index", s->share_index);
	put_int(o, "count", s->share_count);
	return o;
}

static json_object *port_obj(const struct dsl_spec *s)
{
	json_object *o = json_object_new_object();

	put_int(o, "listen", s->port);
	put_int(o, "min", s->port_min);
	put_int(o, "max", s->port_max);
	return o;
}

static json_object *lists_peers(const struct dsl_spec *s)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->npeers; i++) {
		json_object *p = json_object_new_object();

		put_str(p, "node", s->peers[i].node);
		put_str(p, "addr", s->peers[i].addr);
		json_object_array_add(a, p);
	}
	return a;
}

static json_object *spec_obj(const struct dsl_spec *s)
{
	json_object *o = json_object_new_object(), *t = json_object_new_array(), *to;

	put_str(o, "schema", DSL_SPEC_SCHEMA);
	put_int(o, "job", s->job);
	put_str(o, "node", s->node);
	put_str(o, "hostlist", s->hostlist);
	put_int(o, "nnodes", s->nnodes);
	put_int(o, "index", s->index);
	put_str(o, "set", s->set);
	put_str(o, "desc", s->desc);
	put_str(o, "torrent", s->torrent);
	put_str(o, "mount", s->mount);
	put_str(o, "mountpoint", s->mountpoint);
	put_str(o, "cache", s->cache);
	put_str(o, "run_dir", s->run_dir);
	put_str(o, "log_file", s->log_file);
	put_str(o, "cache_policy", s->keep_cache ? "keep" : "remove");
	json_object_object_add(o, "roles", roles_obj(s));
	json_object_object_add(o, "share", share_obj(s));
	json_object_object_add(o, "port", port_obj(s));
	for (size_t i = 0; i < s->ntrackers; i++)
		json_object_array_add(t, json_object_new_string(s->trackers[i]));
	json_object_object_add(o, "trackers", t);
	json_object_object_add(o, "peers", lists_peers(s));
	to = json_object_new_object();
	put_int(to, "read", s->read_timeout);
	put_int(to, "ready", s->ready_timeout);
	json_object_object_add(o, "timeouts", to);
	put_int(o, "report_every_ms", s->report_every_ms);
	if (s->norders || s->record_order) {
		json_object *p = json_object_new_object(), *a = json_object_new_array();

		for (size_t i = 0; i < s->norders; i++)
			json_object_array_add(a, json_object_new_string(s->orders[i]));
		json_object_object_add(p, "orders", a);
		json_object_object_add(p, "record", s->record_order
				       ? json_object_new_string(s->record_order) : NULL);
		json_object_object_add(o, "prefetch", p);
	}
	if (s->key)
		put_str(o, "key", s->key);
	if (s->peer_networks)
		put_str(o, "peer_networks", s->peer_networks);
	return o;
}

char *dsl_spec_to_json(const struct dsl_spec *s, struct dsl_err *e)
{
	json_object *o = spec_obj(s);
	int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *text = json_object_to_json_string_ext(o, flags);
	char *out = NULL;
	struct dsl_spec back;

	/* What the helper will reject must fail here, in the prolog, naming
	 * the field: parse what was written with the reader's own checks. */
	if (dsl_spec_parse(text, strlen(text), &back, e) == 0) {
		out = dsl_strdup(text);
		dsl_spec_free(&back);
	} else {
		dsl_err_prefix(e, "job spec not written");
	}
	json_object_put(o);
	return out;
}

/* ---- reading ---- */

enum kind { K_STR, K_INT, K_OBJ, K_ARR, K_OBJ_OR_NULL };

static const char *kind_name(enum kind k)
{
	return k == K_STR ? "a string" : k == K_INT ? "an integer" : k == K_ARR ? "an array"
		: "an object";
}

static int is_kind(json_object *v, enum kind k)
{
	switch (k) {
	case K_STR: return json_object_is_type(v, json_type_string);
	case K_INT: return json_object_is_type(v, json_type_int);
	case K_OBJ: return json_object_is_type(v, json_type_object);
	case K_ARR: return json_object_is_type(v, json_type_array);
	case K_OBJ_OR_NULL: return !v || json_object_is_type(v, json_type_object);
	}
	return 0;
}

/* A member that must be there and of this kind. */
static json_object *member(json_object *o, const char *where, const char *k, enum kind kind,
			   struct dsl_err *e)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v)) {
		dsl_err_set(e, "spec: %s%s: missing", where, k);
		return NULL;
	}
	if (!is_kind(v, kind)) {
		dsl_err_set(e, "spec: %s%s: expected %s", where, k, kind_name(kind));
		return NULL;
	}
	return v;
}

/* Every key of o must be one of names[]: nothing is ignored. */
static int only_keys(json_object *o, const char *where, const char *const *names,
		     struct dsl_err *e)
{
	json_object_object_foreach(o, key, val) {
		size_t i;

		(void)val;
		for (i = 0; names[i] && strcmp(names[i], key); i++)
			;
		if (!names[i]) {
			dsl_err_set(e, "spec: %s%.64s: unknown key", where, key);
			return -1;
		}
	}
	return 0;
}

static int get_str(json_object *o, const char *where, const char *k, char **out,
		   struct dsl_err *e)
{
	json_object *v = member(o, where, k, K_STR, e);
	const char *s;

	if (!v)
		return -1;
	s = json_object_get_string(v);
	if (!*s || strlen(s) > MAX_TEXT || strlen(s) != (size_t)json_object_get_string_len(v)) {
		dsl_err_set(e, "spec: %s%s: expected 1-%d characters, no NUL", where, k, MAX_TEXT);
		return -1;
	}
	*out = dsl_strdup(s);
	return 0;
}

static int get_long(json_object *o, const char *where, const char *k, long lo, long hi,
		    long *out, struct dsl_err *e)
{
	json_object *v = member(o, where, k, K_INT, e);
	int64_t x;

	if (!v)
		return -1;
	x = json_object_get_int64(v);
	if (x < lo || x > hi) {
		dsl_err_set(e, "spec: %s%s: %lld out of range %ld-%ld", where, k, (long long)x,
			    lo, hi);
		return -1;
	}
	*out = (long)x;
	return 0;
}

static int get_int(json_object *o, const char *where, const char *k, long lo, long hi,
		   int *out, struct dsl_err *e)
{
	long v;

	if (get_long(o, where, k, lo, hi, &v, e) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

static int get_bool(json_object *o, const char *where, const char *k, int *out,
		    struct dsl_err *e)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_boolean)) {
		dsl_err_set(e, "spec: %s%s: expected true or false", where, k);
		return -1;
	}
	*out = json_object_get_boolean(v);
	return 0;
}

static int parse_roles(json_object *o, struct dsl_spec *s, struct dsl_err *e)
{
	static const char *const keys[] = { "seeder", "tracker", NULL };

	return only_keys(o, "roles.", keys, e) < 0 || get_bool(o, "roles.", "seeder", &s->seeder, e) < 0 ||
		get_bool(o, "roles.", "tracker", &s->tracker, e) < 0 ? -1 : 0;
}

static int parse_share(json_object *o, struct dsl_spec *s, struct dsl_err *e)
{
	static const char *const keys[] = { "index", "count", NULL };

	if (!o)
		return 0;
	if (only_keys(o, "share.", keys, e) < 0 ||
	    get_long(o, "share.", "count", 1, 1000000, &s->share_count, e) < 0 ||
	    get_long(o, "share.", "index", 0, s->share_count - 1, &s->share_index, e) < 0)
		return -1;
	return 0;
}

static int parse_port(json_object *o, struct dsl_spec *s, struct dsl_err *e)
{
	static const char *const keys[] = { "listen", "min", "max", NULL };

	if (only_keys(o, "port.", keys, e) < 0 ||
	    get_int(o, "port.", "min", 1, 65535, &s->port_min, e) < 0 ||
	    get_int(o, "port.", "max", s->port_min, 65535, &s->port_max, e) < 0 ||
	    get_int(o, "port.", "listen", s->port_min, s->port_max, &s->port, e) < 0)
		return -1;
	return 0;
}

static int parse_timeouts(json_object *o, struct dsl_spec *s, struct dsl_err *e)
{
	static const char *const keys[] = { "read", "ready", NULL };

	if (only_keys(o, "timeouts.", keys, e) < 0 ||
	    get_int(o, "timeouts.", "read", 1, 86400, &s->read_timeout, e) < 0 ||
	    get_int(o, "timeouts.", "ready", 1, 86400, &s->ready_timeout, e) < 0)
		return -1;
	return 0;
}

static int parse_trackers(json_object *a, struct dsl_spec *s, struct dsl_err *e)
{
	size_t n = json_object_array_length(a);

	if (n > DSL_SPEC_MAX_TRACKERS) {
		dsl_err_set(e, "spec: trackers: %zu given, at most %d", n, DSL_SPEC_MAX_TRACKERS);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(a, i);
		const char *t = json_object_get_string(v);

		if (!json_object_is_type(v, json_type_string) || strncmp(t, "http://", 7) ||
		    strlen(t) > MAX_TEXT) {
			dsl_err_set(e, "spec: trackers[%zu]: expected an http:// URL", i);
			return -1;
		}
		s->trackers[s->ntrackers++] = dsl_strdup(t);
	}
	return 0;
}

static int parse_peers(json_object *a, struct dsl_spec *s, struct dsl_err *e)
{
	static const char *const keys[] = { "node", "addr", NULL };
	size_t n = json_object_array_length(a);

	if (n > DSL_SPEC_MAX_PEERS) {
		dsl_err_set(e, "spec: peers: %zu given, at most %d", n, DSL_SPEC_MAX_PEERS);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(a, i);
		struct dsl_spec_peer *pp = &s->peers[s->npeers];

		if (!json_object_is_type(p, json_type_object)) {
			dsl_err_set(e, "spec: peers[%zu]: expected an object", i);
			return -1;
		}
		s->npeers++;
		if (only_keys(p, "peers[].", keys, e) < 0 ||
		    get_str(p, "peers[].", "node", &pp->node, e) < 0 ||
		    get_str(p, "peers[].", "addr", &pp->addr, e) < 0)
			return -1;
		if (!strrchr(pp->addr, ':')) {
			dsl_err_set(e, "spec: peers[%zu].addr '%.64s': expected IP:PORT", i, pp->addr);
			return -1;
		}
	}
	return 0;
}

static int parse_cache_policy(json_object *o, struct dsl_spec *s, struct dsl_err *e)
{
	char *p = NULL;
	int rc = get_str(o, "", "cache_policy", &p, e);

	if (rc == 0 && strcmp(p, "keep") && strcmp(p, "remove")) {
		dsl_err_set(e, "spec: cache_policy '%.16s': expected keep or remove", p);
		rc = -1;
	}
	s->keep_cache = rc == 0 && !strcmp(p, "keep");
	free(p);
	return rc;
}

static int parse_strings(json_object *o, struct dsl_spec *s, struct dsl_err *e)
{
	struct { const char *k; char **v; } f[] = {
		{ "node", &s->node }, { "hostlist", &s->hostlist }, { "set", &s->set },
		{ "desc", &s->desc }, { "torrent", &s->torrent }, { "mount", &s->mount },
		{ "mountpoint", &s->mountpoint }, { "cache", &s->cache },
		{ "run_dir", &s->run_dir }, { "log_file", &s->log_file },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (get_str(o, "", f[i].k, f[i].v, e) < 0)
			return -1;
	return 0;
}

static int parse_schema(json_object *o, struct dsl_err *e)
{
	json_object *v = member(o, "", "schema", K_STR, e);

	if (!v)
		return -1;
	if (strcmp(json_object_get_string(v), DSL_SPEC_SCHEMA)) {
		dsl_err_set(e, "spec: schema '%.64s': expected '%s'", json_object_get_string(v),
			    DSL_SPEC_SCHEMA);
		return -1;
	}
	return 0;
}

/* {"orders": [FILE...], "record": FILE|null}: absolute paths. */
static int parse_prefetch(json_object *o, struct dsl_spec *s, struct dsl_err *e)
{
	static const char *const keys[] = { "orders", "record", NULL };
	json_object *a, *r;
	size_t n;

	if (only_keys(o, "prefetch.", keys, e) < 0 ||
	    !(a = member(o, "prefetch.", "orders", K_ARR, e)))
		return -1;
	n = json_object_array_length(a);
	if (n > DSL_SPEC_MAX_ORDERS) {
		dsl_err_set(e, "spec: prefetch.orders: %zu given, at most %d", n, DSL_SPEC_MAX_ORDERS);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(a, i);
		const char *t = json_object_get_string(v);

		if (!json_object_is_type(v, json_type_string) || t[0] != '/' || strlen(t) > MAX_TEXT) {
			dsl_err_set(e, "spec: prefetch.orders[%zu]: expected an absolute path", i);
			return -1;
		}
		s->orders[s->norders++] = dsl_strdup(t);
	}
	if (!json_object_object_get_ex(o, "record", &r) || !r)
		return 0;
	if (!json_object_is_type(r, json_type_string) || json_object_get_string(r)[0] != '/') {
		dsl_err_set(e, "spec: prefetch.record: expected an absolute path or null");
		return -1;
	}
	return get_str(o, "prefetch.", "record", &s->record_order, e);
}

/* Optional "key": the job key, checked here so the helper never sees a
 * malformed one (and never echoes it: the message names only the field). */
static int parse_key(json_object *o, struct dsl_spec *s, struct dsl_err *e)
{
	struct dsl_err ke;

	if (!json_object_object_get_ex(o, "key", NULL))
		return 0;
	if (get_str(o, "", "key", &s->key, e) < 0)
		return -1;
	if (dsl_jobkey_check(s->key, &ke) < 0) {
		dsl_err_set(e, "spec: key: %s", ke.msg);
		return -1;
	}
	return 0;
}

/* Optional "peer_networks" (dsl_cidr.h). */
static int parse_networks(json_object *o, struct dsl_spec *s, struct dsl_err *e)
{
	struct dsl_cidr r[DSL_CIDR_MAX];
	size_t n;

	if (!json_object_object_get_ex(o, "peer_networks", NULL))
		return 0;
	if (get_str(o, "", "peer_networks", &s->peer_networks, e) < 0)
		return -1;
	if (dsl_cidr_parse_list(s->peer_networks, r, &n, e) < 0) {
		dsl_err_prefix(e, "spec");
		return -1;
	}
	return 0;
}

static int parse_root(json_object *o, struct dsl_spec *s, struct dsl_err *e)
{
	static const char *const keys[] = {
		"schema", "job", "node", "hostlist", "nnodes", "index", "set", "desc",
		"torrent", "mount", "mountpoint", "cache", "run_dir", "log_file",
		"cache_policy", "roles", "share", "port", "trackers", "peers", "timeouts",
		"report_every_ms", "prefetch", "key",
		"peer_networks", NULL
	};
	json_object *v;

	if (only_keys(o, "", keys, e) < 0 || parse_schema(o, e) < 0 ||
	    get_long(o, "", "job", 1, LONG_MAX, &s->job, e) < 0 ||
	    get_long(o, "", "nnodes", 1, 10000000, &s->nnodes, e) < 0 ||
	    get_long(o, "", "index", 0, s->nnodes - 1, &s->index, e) < 0 ||
	    parse_strings(o, s, e) < 0 || parse_cache_policy(o, s, e) < 0 ||
	    get_int(o, "", "report_every_ms", 100, 3600000, &s->report_every_ms, e) < 0)
		return -1;
	if (!(v = member(o, "", "roles", K_OBJ, e)) || parse_roles(v, s, e) < 0)
		return -1;
	if (!json_object_object_get_ex(o, "share", &v)) {
		dsl_err_set(e, "spec: share: missing (null for none)");
		return -1;
	}
	if (!is_kind(v, K_OBJ_OR_NULL)) {
		dsl_err_set(e, "spec: share: expected an object or null");
		return -1;
	}
	if (parse_share(v, s, e) < 0)
		return -1;
	if (!(v = member(o, "", "port", K_OBJ, e)) || parse_port(v, s, e) < 0 ||
	    !(v = member(o, "", "timeouts", K_OBJ, e)) || parse_timeouts(v, s, e) < 0 ||
	    !(v = member(o, "", "trackers", K_ARR, e)) || parse_trackers(v, s, e) < 0 ||
	    !(v = member(o, "", "peers", K_ARR, e)) || parse_peers(v, s, e) < 0)
		return -1;
	if (json_object_object_get_ex(o, "prefetch", &v) &&
	    (!(v = member(o, "", "prefetch", K_OBJ, e)) || parse_prefetch(v, s, e) < 0))
		return -1;
	return parse_key(o, s, e) < 0 ? -1 : parse_networks(o, s, e);
}

int dsl_spec_parse(const char *text, size_t len, struct dsl_spec *out, struct dsl_err *e)
{
	json_tokener *tok = json_tokener_new_ex(8);
	json_object *o = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!tok) {
		dsl_err_set(e, "spec: out of memory");
		return -1;
	}
	if (len > DSL_SPEC_MAX_BYTES || memchr(text, '\0', len)) {
		dsl_err_set(e, "spec: over %d bytes or a NUL byte", DSL_SPEC_MAX_BYTES);
		goto out;
	}
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		dsl_err_set(e, "spec: not one JSON document: %s",
			    json_tokener_error_desc(json_tokener_get_error(tok)));
		goto out;
	}
	if (!json_object_is_type(o, json_type_object)) {
		dsl_err_set(e, "spec: expected a JSON object");
		goto out;
	}
	rc = parse_root(o, out, e);
out:
	if (rc < 0)
		dsl_spec_free(out);
	json_object_put(o);
	json_tokener_free(tok);
	return rc;
}

int dsl_spec_read_fd(int fd, struct dsl_spec *out, struct dsl_err *e)
{
	char *buf = dsl_xmalloc(DSL_SPEC_MAX_BYTES + 1);
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	for (;;) {
		ssize_t n = read(fd, buf + len, DSL_SPEC_MAX_BYTES + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			dsl_err_set(e, "spec: cannot read fd %d: %s", fd, strerror(errno));
			free(buf);
			return -1;
		}
		if (n == 0 || (len += (size_t)n) > DSL_SPEC_MAX_BYTES)
			break;
	}
	rc = dsl_spec_parse(buf, len, out, e);
	free(buf);
	return rc;
}
