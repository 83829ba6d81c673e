/* dsl_wait_all.c - wait until the helpers report their sets complete. */
#include "dsl_wait_all.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dsl_health.h"
#include "dsl_job.h"
#include "dsl_net.h"
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

/* The status file of run directory RUN says complete (a helper that ended
 * right after its last piece). */
static int status_complete_in(const char *run)
{
	char *st = dsl_path_join(run, "status.json");
	int rc = dsl_status_complete(st) == 1;

	free(st);
	return rc;
}

enum ctl_wait { CTL_COMPLETE, CTL_TIMEOUT, CTL_ENDED, CTL_UNAVAILABLE };

/* Asks the helper on its control socket to answer when the set is complete
 * ("wait-complete", helper/dsh_ctl.h) and sleeps until it does, until the
 * deadline, or until the helper goes (its end of the socket closes). */
static enum ctl_wait wait_on_ctl(const char *run, time_t deadline)
{
	char *path = dsl_path_join(run, "ctl.sock");
	static const char req[] = "wait-complete\n";
	enum ctl_wait rc = CTL_UNAVAILABLE;
	struct dsl_err e;
	char buf[128];
	size_t got = 0;
	int fd = dsl_net_unix_connect(path, &e);

	if (fd < 0 ||
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof(req) - 1))
		goto out;
	for (;;) {
		time_t left = deadline - time(NULL);
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t r;
		int pr;

		if (left <= 0) {
			rc = CTL_TIMEOUT;
			goto out;
		}
		pr = poll(&p, 1, left > 86400 ? 86400000 : (int)left * 1000);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;   /* time-out: checked above */
		r = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || (got += (size_t)r) >= sizeof(buf) - 1)
			break;
		buf[got] = '\0';
		if (strchr(buf, '\n'))
			break;
	}
	buf[got] = '\0';
	if (strncmp(buf, "complete\n", 9) == 0)
		rc = CTL_COMPLETE;
	else if (strncmp(buf, "busy\n", 5) != 0 && strncmp(buf, "error: unknown command", 22) != 0)
		rc = CTL_ENDED;   /* "error: ..." or the helper gone */
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

/* The status file, polled: only where the control socket cannot be used
 * (too many tasks wait on it, or a helper without "wait-complete"). */
static int poll_status(const struct dsl_config *c, unsigned long jobid, const char *set,
		       const char *run, time_t deadline, enum dsl_health *h, char *why,
		       size_t whylen)
{
	char *st = dsl_path_join(run, "status.json");
	int done;

	for (unsigned tick = 1; (done = dsl_status_complete(st)) != 1 && time(NULL) < deadline;
	     tick++) {
		usleep(100000);
		if (tick % 10 == 0 &&
		    (*h = dsl_health_set(c, jobid, getuid(), set, why, whylen)) == DSL_HEALTH_GONE)
			break;
	}
	free(st);
	return done;
}

/* In each task before exec, for at most wait_timeout: the helper answers
 * on its control socket when the set is complete, so the task sleeps
 * until then.  A helper that goes first (killed, failed) closes the socket:
 * the task fails at once, naming why (dsl_health), not at the time-out. */
int dsl_wait_all(const struct dsl_config *c, unsigned long jobid,
		 const struct dsl_setlist *sets, struct dsl_err *e)
{
	time_t deadline = time(NULL) + c->wait_timeout;
	char why[512];

	for (size_t i = 0; i < sets->n; i++) {
		char *run = dsl_job_run_dir(c, jobid, sets->names[i]);
		enum dsl_health h = DSL_HEALTH_UNKNOWN;
		enum ctl_wait w = wait_on_ctl(run, deadline);
		int done = 0;

		why[0] = '\0';
		switch (w) {
		case CTL_COMPLETE:
			done = 1;
			break;
		case CTL_TIMEOUT:
			break;
		case CTL_ENDED:
			done = status_complete_in(run);
			break;
		case CTL_UNAVAILABLE:
			done = poll_status(c, jobid, sets->names[i], run, deadline, &h, why,
					   sizeof(why));
			break;
		}
		free(run);
		if (done == 1)
			continue;
		if (h != DSL_HEALTH_GONE)
			h = dsl_health_set(c, jobid, getuid(), sets->names[i], why, sizeof(why));
		if (h == DSL_HEALTH_GONE)
			dsl_err_set(e, "set '%s': not complete on this node: %s", sets->names[i], why);
		else if (w == CTL_ENDED)
			dsl_err_set(e, "set '%s': not complete on this node: its dsl-helper is "
				    "stopping%s%s", sets->names[i], why[0] ? ": " : "", why);
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
