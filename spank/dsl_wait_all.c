/* dsl_wait_all.c - wait until the helpers report their sets complete. */
#include "dsl_wait_all.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dsl_health.h"
#include "dsl_job.h"
#include "dsl_util.h"

static int64_t get_int(json_object *o, const char *key, int *found)
{
	json_object *v;

	*found = json_object_object_get_ex(o, key, &v);
	return *found ? json_object_get_int64(v) : 0;
}

/* Accepts the helper's "complete": true, or done == total byte counts. */
int dsl_status_complete(const char *path)
{
	json_object *o = json_object_from_file(path), *v;
	int rc = 0, f1, f2;
	int64_t done, total;

	if (!o)
		return -1;
	if (json_object_object_get_ex(o, "complete", &v)) {
		rc = json_object_get_boolean(v) ? 1 : 0;
	} else {
		done = get_int(o, "bytes_done", &f1);
		total = get_int(o, "bytes_total", &f2);
		rc = f1 && f2 && done >= total;
	}
	json_object_put(o);
	return rc;
}

/* Polled, not watched: this runs in each task before exec, for at most
 * wait_timeout, and a status file is rewritten (renamed over) every report
 * period.  Every second it also asks whether the helper still runs: a
 * helper that is gone will never complete the set, so the task fails at
 * once, naming it, instead of at the time-out. */
int dsl_wait_all(const struct dsl_config *c, unsigned long jobid,
		 const struct dsl_setlist *sets, struct dsl_err *e)
{
	time_t deadline = time(NULL) + c->wait_timeout;
	char why[512];

	for (size_t i = 0; i < sets->n; i++) {
		char *run = dsl_job_run_dir(c, jobid, sets->names[i]);
		char *st = dsl_path_join(run, "status.json");
		enum dsl_health h = DSL_HEALTH_UNKNOWN;
		int done;

		for (unsigned tick = 1; (done = dsl_status_complete(st)) != 1 && time(NULL) < deadline;
		     tick++) {
			usleep(100000);
			if (tick % 10 == 0 &&
			    (h = dsl_health_set(c, jobid, getuid(), sets->names[i], why,
						sizeof(why))) == DSL_HEALTH_GONE)
				break;
		}
		free(st);
		free(run);
		if (done == 1)
			continue;
		if (h != DSL_HEALTH_GONE)
			h = dsl_health_set(c, jobid, getuid(), sets->names[i], why, sizeof(why));
		if (h == DSL_HEALTH_GONE)
			dsl_err_set(e, "set '%s': not complete on this node: %s", sets->names[i], why);
		else
			dsl_err_set(e, "set '%s': not complete on this node after %d s (wait=all)%s%s",
				    sets->names[i], c->wait_timeout, why[0] ? ": " : "", why);
		return -1;
	}
	return 0;
}

int dsl_wait_all_job(const struct dsl_config *c, unsigned long jobid, struct dsl_err *e)
{
	char *dir = dsl_job_jobrun_dir(c, jobid);
	DIR *d = opendir(dir);
	struct dsl_setlist sets = { 0 };
	struct dirent *de;

	if (!d) {
		dsl_err_set(e, "%s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	while ((de = readdir(d)) && sets.n < DSL_JOB_MAX_SETS) {
		if (!dsl_job_is_set_entry(de->d_name, de->d_type) ||
		    strlen(de->d_name) >= sizeof(sets.names[0]))
			continue;
		snprintf(sets.names[sets.n++], sizeof(sets.names[0]), "%s", de->d_name);
	}
	closedir(d);
	free(dir);
	return dsl_wait_all(c, jobid, &sets, e);
}
