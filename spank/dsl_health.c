/* dsl_health.c - why a set may have failed this node's tasks. */
#define _GNU_SOURCE
#include "dsl_health.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsl_desc.h"
#include "dsl_job.h"
#include "dsl_jobstats.h"
#include "dsl_util.h"

static json_object *load_status(const struct dsl_config *c, unsigned long jobid, const char *set)
{
	char *rel = dsl_xasprintf("%lu/%s/status.json", jobid, set);
	json_object *o = dsl_jobstats_load(c, rel);

	free(rel);
	return o;
}

static json_object *member(json_object *o, const char *key, json_type type)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, type) ? v : NULL;
}

/* 1: a process of uid named dsl-helper runs as pid; 0: none does; -1: cannot
 * tell (then nothing is said about it). */
static int helper_runs(pid_t pid, uid_t uid)
{
	char path[64], comm[32];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (st.st_uid != uid)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, "dsl-helper") == 0;
}

enum dsl_health dsl_health_set(const struct dsl_config *c, unsigned long jobid, uid_t uid,
			       const char *set, char *out, size_t len)
{
	json_object *st = load_status(c, jobid, set), *v;
	const char *state;
	char said[160];
	int64_t pid, failures;
	enum dsl_health h = DSL_HEALTH_UNKNOWN;
	int complete;

	out[0] = '\0';
	if (!st)
		return h;
	v = member(st, "state", json_type_string);
	state = v ? json_object_get_string(v) : "";
	v = member(st, "pid", json_type_int);
	pid = v ? json_object_get_int64(v) : 0;
	v = member(st, "complete", json_type_boolean);
	complete = v && json_object_get_boolean(v);
	v = member(st, "hash_failures", json_type_int);
	failures = v ? json_object_get_int64(v) : 0;
	v = member(st, "error", json_type_string);
	said[0] = '\0';
	if (v)
		dsl_printable(json_object_get_string(v), (size_t)json_object_get_string_len(v),
			      said, sizeof(said));
	if (pid > 1 && pid < (1 << 22) && strcmp(state, "stopping") &&
	    helper_runs((pid_t)pid, uid) == 0) {
		h = DSL_HEALTH_GONE;
		snprintf(out, len, "this node's dsl-helper (pid %lld) is gone, and the set's view "
			 "with it%s%s", (long long)pid, said[0] ? "; it last said: " : "", said);
	} else if (said[0]) {
		h = DSL_HEALTH_SAID;
		snprintf(out, len, "this node's dsl-helper says: %s", said);
	} else if (!complete && failures > 0) {
		h = DSL_HEALTH_SAID;
		snprintf(out, len, "%lld pieces failed their hash check on this node (a peer or the "
			 "set's source sent bytes that do not match the set)", (long long)failures);
	}
	json_object_put(st);
	return h;
}

void dsl_health_job(const struct dsl_config *c, unsigned long jobid, uid_t uid, char *out,
		    size_t len)
{
	char *dir = dsl_job_jobrun_dir(c, jobid);
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t used = 0;
	int nsets = 0;

	out[0] = '\0';
	free(dir);
	if (!d)
		return;
	while ((de = readdir(d)) && nsets < DSL_JOB_MAX_SETS) {
		char one[512];

		if (!dsl_job_is_set_entry(de->d_name, de->d_type) ||
		    strlen(de->d_name) > DSL_NAME_MAX)
			continue;
		nsets++;
		if (dsl_health_set(c, jobid, uid, de->d_name, one, sizeof(one)) != DSL_HEALTH_UNKNOWN &&
		    used + 2 < len)
			used += (size_t)snprintf(out + used, len - used, "%sset '%s': %s",
						 used ? "; " : "", de->d_name, one);
		if (used >= len)
			used = len - 1;
	}
	closedir(d);
}
