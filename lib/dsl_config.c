/* dsl_config.c - key=value configuration (plugstack.conf arguments, dsl.conf). */
#define _GNU_SOURCE
#include "dsl_config.h"

#include "dsl_cidr.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dsl_util.h"

#ifndef DSL_LIBEXECDIR
#define DSL_LIBEXECDIR "/usr/libexec/dslswarm"
#endif

void dsl_config_defaults(struct dsl_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->registry, sizeof(c->registry), "/etc/dsl/sets");
	snprintf(c->user_registry, sizeof(c->user_registry), "~/.dsl/sets");
	snprintf(c->mount_root, sizeof(c->mount_root), "/run/dsl/view");
	snprintf(c->run_root, sizeof(c->run_root), "/run/dsl/job");
	snprintf(c->cache_dir, sizeof(c->cache_dir), "/var/cache/dsl");
	c->cache_policy = DSL_CACHE_REMOVE;
	c->shares = 1;
	c->seeders = 2;
	snprintf(c->tracker, sizeof(c->tracker), "job");
	/* Below 1024: only root binds them (the prolog, for the job's tracker),
	 * so no user can take the job's tracker port first (README, private
	 * swarms).  Few well-known services live at 700-899. */
	c->tracker_port_min = 700;
	c->tracker_port_max = 899;
	c->peer_port_min = 7000;
	c->peer_port_max = 7999;
	c->ready_timeout = 30;
	c->wait = DSL_WAIT_LAZY;
	c->wait_timeout = 1800;
	c->read_timeout = 120;
	snprintf(c->libexec_dir, sizeof(c->libexec_dir), "%s", DSL_LIBEXECDIR);
	snprintf(c->conf_file, sizeof(c->conf_file), "%s", DSL_DEFAULT_CONF);
}

static int set_path(char *dst, size_t len, const char *key, const char *v,
		    int allow_empty, struct dsl_err *e)
{
	if (!*v && allow_empty) {
		dst[0] = '\0';
		return 0;
	}
	/* "~/" only for user_registry (the one allowed to be empty): every
	 * other path is root's, and a literal "~" would be relative */
	if (v[0] != '/' && !(allow_empty && v[0] == '~' && v[1] == '/')) {
		dsl_err_set(e, "%s: '%s' is not an absolute path", key, v);
		return -1;
	}
	if (strlen(v) >= len) {
		dsl_err_set(e, "%s: path too long", key);
		return -1;
	}
	snprintf(dst, len, "%s", v);
	return 0;
}

static int set_int(int *dst, const char *key, const char *v, long min, long max,
		   struct dsl_err *e)
{
	long n;

	if (dsl_parse_long(v, min, max, &n) < 0) {
		dsl_err_set(e, "%s: '%s' is not an integer in [%ld, %ld]", key, v, min, max);
		return -1;
	}
	*dst = (int)n;
	return 0;
}

/* "512M", "4G", "1048576": bytes; K, M, G, T are powers of 1024. */
static int set_size(unsigned long long *dst, const char *key, const char *v, struct dsl_err *e)
{
	static const char units[] = "KMGT";
	unsigned long long n;
	const char *u;
	char *end;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (!*v || *v == '-' || errno || end == v || (*end && (end[1] || !(u = strchr(units, *end))))) {
		dsl_err_set(e, "%s: '%s' is not a size (bytes, or a number with K, M, G or T)", key, v);
		return -1;
	}
	if (*end)
		for (long i = 0; i <= u - units; i++) {
			if (n > (~0ULL >> 10)) {
				dsl_err_set(e, "%s: '%s' is too large", key, v);
				return -1;
			}
			n <<= 10;
		}
	*dst = n;
	return 0;
}

static int set_onoff(int *dst, const char *key, const char *v, struct dsl_err *e)
{
	if (strcmp(v, "on") && strcmp(v, "off")) {
		dsl_err_set(e, "%s: '%s' is neither 'on' nor 'off'", key, v);
		return -1;
	}
	*dst = !strcmp(v, "on");
	return 0;
}

static int set_range(int *lo, int *hi, const char *key, const char *v, struct dsl_err *e)
{
	char buf[64];
	char *dash;
	int a, b;

	/* parsed into a and b first: a refused range leaves *lo and *hi as
	 * they were */
	if (strlen(v) >= sizeof(buf)) {
		dsl_err_set(e, "%s: '%s' is not a port or port range A-B", key, v);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", v);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (set_int(&a, key, buf, 1, 65535, e) < 0)
		return -1;
	b = a;
	if (dash && set_int(&b, key, dash + 1, 1, 65535, e) < 0)
		return -1;
	if (b < a) {
		dsl_err_set(e, "%s: range '%s' ends before it starts", key, v);
		return -1;
	}
	*lo = a;
	*hi = b;
	return 0;
}

static int set_tracker(struct dsl_config *c, const char *v, struct dsl_err *e)
{
	if (strcmp(v, "job") && strncmp(v, "http://", 7) && strncmp(v, "https://", 8) &&
	    strncmp(v, "udp://", 6)) {
		dsl_err_set(e, "tracker: '%s' is neither 'job' nor an http://, https:// or udp:// URL", v);
		return -1;
	}
	if (strlen(v) >= sizeof(c->tracker)) {
		dsl_err_set(e, "tracker: URL too long");
		return -1;
	}
	snprintf(c->tracker, sizeof(c->tracker), "%s", v);
	return 0;
}

int dsl_config_set(struct dsl_config *c, const char *key, const char *v,
		   struct dsl_err *e)
{
	if (!strcmp(key, "registry"))
		return set_path(c->registry, sizeof(c->registry), key, v, 0, e);
	if (!strcmp(key, "user_registry"))
		return set_path(c->user_registry, sizeof(c->user_registry), key, v, 1, e);
	if (!strcmp(key, "mount"))
		return set_path(c->mount_root, sizeof(c->mount_root), key, v, 0, e);
	if (!strcmp(key, "run"))
		return set_path(c->run_root, sizeof(c->run_root), key, v, 0, e);
	if (!strcmp(key, "cache"))
		return set_path(c->cache_dir, sizeof(c->cache_dir), key, v, 0, e);
	if (!strcmp(key, "libexec"))
		return set_path(c->libexec_dir, sizeof(c->libexec_dir), key, v, 0, e);
	if (!strcmp(key, "conf"))
		return set_path(c->conf_file, sizeof(c->conf_file), key, v, 0, e);
	if (!strcmp(key, "cache_policy")) {
		if (!strcmp(v, "remove"))
			c->cache_policy = DSL_CACHE_REMOVE;
		else if (!strcmp(v, "keep"))
			c->cache_policy = DSL_CACHE_KEEP;
		else
			return dsl_err_set(e, "cache_policy: '%s' is neither 'remove' nor 'keep'", v), -1;
		return 0;
	}
	if (!strcmp(key, "shares"))
		return set_onoff(&c->shares, key, v, e);
	if (!strcmp(key, "at_path"))
		return set_onoff(&c->at_path, key, v, e);
	if (!strcmp(key, "wait")) {
		if (!strcmp(v, "lazy"))
			c->wait = DSL_WAIT_LAZY;
		else if (!strcmp(v, "all"))
			c->wait = DSL_WAIT_ALL;
		else
			return dsl_err_set(e, "wait: '%s' is neither 'lazy' nor 'all'", v), -1;
		return 0;
	}
	if (!strcmp(key, "seeders"))
		return set_int(&c->seeders, key, v, 1, 1024, e);
	if (!strcmp(key, "service_seeders")) {
		if (strlen(v) >= sizeof(c->service_seeders))
			return dsl_err_set(e, "service_seeders: host list too long"), -1;
		snprintf(c->service_seeders, sizeof(c->service_seeders), "%s", v);
		return 0;
	}
	if (!strcmp(key, "tracker"))
		return set_tracker(c, v, e);
	if (!strcmp(key, "peer_networks")) {
		struct dsl_cidr r[DSL_CIDR_MAX];
		size_t n;

		if (dsl_cidr_parse_list(v, r, &n, e) < 0)
			return -1;
		snprintf(c->peer_networks, sizeof(c->peer_networks), "%s", v);
		return 0;
	}
	if (!strcmp(key, "munge_socket")) {
		if (*v != '/' || strlen(v) >= sizeof(c->munge_socket))
			return dsl_err_set(e, "munge_socket: '%.64s' is not an absolute path", v), -1;
		snprintf(c->munge_socket, sizeof(c->munge_socket), "%s", v);
		return 0;
	}
	if (!strcmp(key, "tracker_ports"))
		return set_range(&c->tracker_port_min, &c->tracker_port_max, key, v, e);
	if (!strcmp(key, "peer_ports"))
		return set_range(&c->peer_port_min, &c->peer_port_max, key, v, e);
	if (!strcmp(key, "daemon_memory"))
		return set_size(&c->daemon_memory, key, v, e);
	if (!strcmp(key, "ready_timeout"))
		return set_int(&c->ready_timeout, key, v, 1, 3600, e);
	if (!strcmp(key, "wait_timeout"))
		return set_int(&c->wait_timeout, key, v, 1, 86400, e);
	if (!strcmp(key, "read_timeout"))
		return set_int(&c->read_timeout, key, v, 1, 86400, e);
	dsl_err_set(e, "unknown key '%s'", key);
	return -1;
}

int dsl_config_set_arg(struct dsl_config *c, const char *arg, struct dsl_err *e)
{
	const char *eq = strchr(arg, '=');
	char key[64];

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(key)) {
		dsl_err_set(e, "'%s' is not key=value", arg);
		return -1;
	}
	memcpy(key, arg, (size_t)(eq - arg));
	key[eq - arg] = '\0';
	return dsl_config_set(c, key, eq + 1, e);
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int dsl_config_load_file(struct dsl_config *c, const char *path, int required,
			 struct dsl_err *e)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;

	if (!f) {
		if (errno == ENOENT && !required)
			return 0;
		dsl_err_set(e, "cannot read %s: %m", path);
		return -1;
	}
	while (getline(&line, &cap, f) >= 0) {
		char *s, *hash, *eq;

		lineno++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		s = trim(line);
		if (!*s)
			continue;
		/* "key = value" is fine in a file. */
		eq = strchr(s, '=');
		if (eq) {
			*eq = '\0';
			rc = dsl_config_set(c, trim(s), trim(eq + 1), e);
		} else {
			rc = dsl_config_set_arg(c, s, e);
		}
		if (rc < 0) {
			dsl_err_prefix(e, "%s:%d", path, lineno);
			rc = -1;
			break;
		}
	}
	free(line);
	fclose(f);
	return rc;
}

int dsl_config_from_args(struct dsl_config *c, int argc, char **argv,
			 struct dsl_err *e)
{
	int explicit_conf = 0;

	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "conf=", 5)) {
			if (dsl_config_set_arg(c, argv[i], e) < 0)
				return -1;
			explicit_conf = 1;
		}
	if (dsl_config_load_file(c, c->conf_file, explicit_conf, e) < 0)
		return -1;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "conf=", 5))
			continue;
		if (dsl_config_set_arg(c, argv[i], e) < 0)
			return -1;
	}
	return 0;
}

int dsl_config_user_registry(const struct dsl_config *c, const char *home,
			     char *out, size_t outlen)
{
	int n;

	if (!c->user_registry[0])
		return -1;
	if (c->user_registry[0] == '~') {
		if (!home || home[0] != '/')
			return -1;
		n = snprintf(out, outlen, "%s%s", home, c->user_registry + 1);
	} else {
		n = snprintf(out, outlen, "%s", c->user_registry);
	}
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* splitmix64's finaliser: every input bit moves every output bit. */
static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int dsl_config_tracker_port(const struct dsl_config *c, unsigned long id)
{
	uint64_t range = (uint64_t)(c->tracker_port_max - c->tracker_port_min + 1);

	return c->tracker_port_min + (int)(mix64(id) % range);
}

int dsl_config_peer_port(const struct dsl_config *c, unsigned long id, size_t set_index)
{
	uint64_t range = (uint64_t)(c->peer_port_max - c->peer_port_min + 1);

	return c->peer_port_min + (int)(mix64((uint64_t)id * 8 + set_index) % range);
}

int dsl_config_tracker_ports(const struct dsl_config *c, unsigned long id,
			     int out[DSL_CONFIG_TRACKER_CANDIDATES])
{
	int range = c->tracker_port_max - c->tracker_port_min + 1;
	int stride = range / DSL_CONFIG_TRACKER_CANDIDATES > 0 ? range / DSL_CONFIG_TRACKER_CANDIDATES : 1;
	int first = dsl_config_tracker_port(c, id) - c->tracker_port_min, n = 0;

	for (int k = 0; k < DSL_CONFIG_TRACKER_CANDIDATES && k < range; k++)
		out[n++] = c->tracker_port_min + (first + k * stride) % range;
	return n;
}

/* One directory (or link to one) on the way to a root directory. */
static int root_safe(const char *path, int last, struct dsl_err *e)
{
	struct stat l, st;

	if (lstat(path, &l) < 0)
		return errno == ENOENT ? 1 : (dsl_err_set(e, "%s: %m", path), -1);
	if (stat(path, &st) < 0) {
		dsl_err_set(e, "%s: %m", path);
		return -1;
	}
	if (l.st_uid != 0 || st.st_uid != 0) {
		dsl_err_set(e, "%s: owned by uid %lu, not root", path,
			    (unsigned long)(l.st_uid ? l.st_uid : st.st_uid));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		dsl_err_set(e, "%s: not a directory", path);
		return -1;
	}
	/* Sticky world-writable ancestors (/tmp) cannot have root's entries
	 * renamed away; the directory itself must be root's alone. */
	if ((st.st_mode & 022) && (last || !(st.st_mode & S_ISVTX))) {
		dsl_err_set(e, "%s: writable by group or others (mode %04o)", path,
			    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

static int check_root_dir(const char *key, const char *dir, struct dsl_err *e)
{
	char *p = strdup(dir);
	int rc = 0;

	if (!p || dir[0] != '/') {
		dsl_err_set(e, "%s=%s: not an absolute path", key, dir);
		free(p);
		return -1;
	}
	/* Every prefix, from the top: "/", "/run", "/run/dsl", ... */
	for (char *s = p + 1;; s++) {
		char saved = *s;

		if (saved != '/' && saved != '\0')
			continue;
		*s = '\0';
		rc = root_safe(p[0] ? p : "/", saved == '\0' || s[1] == '\0', e);
		*s = saved;
		if (rc != 0 || saved == '\0' || s[1] == '\0')
			break;
	}
	if (rc == 0)
		rc = root_safe("/", 0, e);
	if (rc < 0)
		dsl_err_prefix(e, "%s=%s", key, dir);
	free(p);
	return rc < 0 ? -1 : 0;
}

int dsl_config_check_root_dirs(const struct dsl_config *c, struct dsl_err *e)
{
	if (check_root_dir("run", c->run_root, e) < 0 ||
	    check_root_dir("mount", c->mount_root, e) < 0 ||
	    check_root_dir("cache", c->cache_dir, e) < 0)
		return -1;
	return 0;
}
