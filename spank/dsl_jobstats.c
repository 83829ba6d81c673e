/* dsl_jobstats.c - a set's distribution on this node, as one log line. */
#define _GNU_SOURCE
#include "dsl_jobstats.h"

#include <ctype.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsl_ufile.h"
#include "dsl_util.h"

/* 128 KiB: a status of hundreds of peers fits; json-c costs about 90x the
 * bytes of a hostile file (measured: 1 MiB of tiny objects, 86 MB). */
#define DSL_JOBSTATS_MAX_FILE (128u << 10)

/* A user-written JSON file under RUN, read as root (dsl_ufile.h: no link
 * followed, never blocking, regular and bounded); only numbers, booleans
 * and hex digits are taken from it. */
json_object *dsl_jobstats_load(const struct dsl_config *c, const char *rel)
{
	json_object *o = NULL;
	char *buf = NULL;
	size_t len = 0;

	if (dsl_ufile_read(c->run_root, rel, DSL_JOBSTATS_MAX_FILE, &buf, &len, NULL) == 0 &&
	    len > 0)
		o = json_tokener_parse(buf);
	free(buf);
	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

static json_object *jget(json_object *o, const char *a, const char *b)
{
	json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, a, &v))
		return NULL;
	if (b && (!json_object_is_type(v, json_type_object) ||
		  !json_object_object_get_ex(v, b, &v)))
		return NULL;
	return v;
}

static long long jint(json_object *o, const char *a, const char *b)
{
	json_object *v = jget(o, a, b);

	return v && json_object_is_type(v, json_type_int) ? (long long)json_object_get_int64(v)
							 : -1;
}

/* -1 (unknown) prints as "-". */
static void seconds(json_object *v, char *out, size_t len)
{
	double s = v && (json_object_is_type(v, json_type_double) ||
			 json_object_is_type(v, json_type_int)) ? json_object_get_double(v) : -1;

	if (s < 0)
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%.3f", s);
}

static void version(json_object *st, char *out, size_t len)
{
	const char *h = json_object_get_string(jget(st, "infohash", NULL));
	size_t i;

	for (i = 0; h && i + 1 < len && i < 12 && isxdigit((unsigned char)h[i]); i++)
		out[i] = h[i];
	out[i] = '\0';
	if (!i)
		snprintf(out, len, "?");
}


char *dsl_jobstats_line(const struct dsl_config *c, const struct dsl_job *job,
			const char *set)
{
	char *sp = dsl_xasprintf("%lu/%s/status.json", job->id, set);
	char *pp = dsl_xasprintf("%lu/prolog.json", job->id);
	json_object *st = dsl_jobstats_load(c, sp), *pro = dsl_jobstats_load(c, pp), *p99;
	char ver[16], ready[32], done[32], *line = NULL;
	const char *role;

	if (st) {
		role = json_object_get_string(jget(st, "role", NULL));
		role = role && !strcmp(role, "seeder") ? "seeder" : "downloader";
		p99 = jget(st, "reads", "wait_latency_ms");
		version(st, ver, sizeof(ver));
		seconds(jget(pro, "ready_seconds", NULL), ready, sizeof(ready));
		seconds(jget(st, "complete_seconds", NULL), done, sizeof(done));
		line = dsl_xasprintf(
			"job %lu on %s: set=%s version=%s role=%s complete=%s received=%lld "
			"from_seeders=%lld from_peers=%lld sent=%lld ready_s=%s complete_s=%s "
			"on_demand_waits=%lld wait_p99_ms=%.0f",
			job->id, job->self, set, ver, role,
			json_object_get_boolean(jget(st, "complete", NULL)) ? "yes" : "no",
			jint(st, "bytes", "received"), jint(st, "bytes", "from_seeders"),
			jint(st, "bytes", "from_peers"), jint(st, "bytes", "sent"), ready, done,
			jint(st, "reads", "on_demand_waits"),
			p99 ? json_object_get_double(jget(p99, "p99", NULL)) : 0.0);
	}
	json_object_put(st);
	json_object_put(pro);
	free(sp);
	free(pp);
	return line;
}
