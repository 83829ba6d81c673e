/* dsl_order.c - a set version's prefetch order (dsl_order.h). */
#define _GNU_SOURCE
#include "dsl_order.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsl_desc.h"
#include "dsl_util.h"

#define ORDER_MAGIC "dsl-order 1 "

static int parse_header(const char *line, const char *infohash, int npieces,
			const char *path, struct dsl_err *e)
{
	char hash[DSL_INFOHASH_HEX + 2];
	int n = -1, used = 0;

	if (strncmp(line, ORDER_MAGIC, strlen(ORDER_MAGIC)) ||
	    sscanf(line + strlen(ORDER_MAGIC), "%65s %d%n", hash, &n, &used) != 2 ||
	    line[strlen(ORDER_MAGIC) + (size_t)used] != '\0') {
		dsl_err_set(e, "%s:1: not a dslswarm prefetch order (\"%s<infohash> <npieces>\")",
			    path, ORDER_MAGIC);
		return -1;
	}
	if (strcmp(hash, infohash) || n != npieces) {
		dsl_err_set(e, "%s:1: the order of another version (%.12s, %d pieces), not %.12s",
			    path, hash, n, infohash);
		return -1;
	}
	return 0;
}

static int parse_index(const char *line, int npieces, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(line, &end, 10);
	if (errno || end == line || *end || v < 0 || v >= npieces)
		return -1;
	*out = (int)v;
	return 0;
}

int dsl_order_read(const char *path, const char *infohash, int npieces,
		   struct dsl_order *o, struct dsl_err *e)
{
	char *text = NULL, *line, *save = NULL;
	uint8_t *seen = NULL;
	size_t len;
	int lineno = 1, rc = -1;

	memset(o, 0, sizeof(*o));
	if (npieces <= 0 || dsl_read_file(path, (size_t)npieces * 12 + 256, &text, &len, e) < 0)
		goto out;
	line = strtok_r(text, "\n", &save);
	if (parse_header(line ? line : "", infohash, npieces, path, e) < 0)
		goto out;
	seen = dsl_xcalloc((size_t)npieces, 1);
	o->pieces = dsl_xcalloc((size_t)npieces, sizeof(int));
	while ((line = strtok_r(NULL, "\n", &save))) {
		int p;

		lineno++;
		if (parse_index(line, npieces, &p) < 0) {
			dsl_err_set(e, "%s:%d: '%.32s' is not a piece index of this version",
				    path, lineno, line);
			goto out;
		}
		if (seen[p]) {
			dsl_err_set(e, "%s:%d: piece %d given twice", path, lineno, p);
			goto out;
		}
		seen[p] = 1;
		o->pieces[o->n++] = p;
	}
	rc = 0;
out:
	if (rc < 0)
		dsl_order_free(o);
	free(seen);
	free(text);
	return rc;
}

int dsl_order_write(const char *path, const char *infohash, int npieces,
		    const int *pieces, int n, struct dsl_err *e)
{
	size_t cap = (size_t)n * 12 + 128, len;
	char *buf = dsl_xcalloc(cap, 1);
	int rc;

	len = (size_t)snprintf(buf, cap, ORDER_MAGIC "%s %d\n", infohash, npieces);
	for (int i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%d\n", pieces[i]);
	rc = dsl_write_file_atomic(path, buf, len, 0644, e);
	free(buf);
	return rc;
}

void dsl_order_free(struct dsl_order *o)
{
	free(o->pieces);
	memset(o, 0, sizeof(*o));
}

char *dsl_order_registry_path(const char *json_path)
{
	size_t n = strlen(json_path);

	if (n > 5 && !strcmp(json_path + n - 5, ".json"))
		return dsl_xasprintf("%.*s.order", (int)(n - 5), json_path);
	return dsl_xasprintf("%s.order", json_path);
}
