/* dsl_overlay.c - a job's sets at their source paths (dsl_overlay.h). */
#define _GNU_SOURCE
#include "dsl_overlay.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsl_atpath.h"
#include "dsl_job.h"
#include "dsl_util.h"

int dsl_overlay_decide(const struct dsl_config *c, const struct dsl_setlist *s,
		       struct dsl_set_ref *refs, struct dsl_err *warn, struct dsl_err *e)
{
	for (size_t i = 0; i < s->n; i++) {
		struct dsl_desc *d = &refs[i].desc;
		int asked = d->at_path == 1;
		struct dsl_err why;

		if (!dsl_atpath_wanted(d, c)) {
			d->at_path = 0;
			continue;
		}
		d->at_path = 1;
		if (!dsl_atpath_mirrors(d))
			dsl_err_set(&why, "its tree is not one source directory");
		else if (dsl_atpath_check(d->source_root, c, &why) == 0)
			continue;
		d->at_path = 0;
		if (asked) {
			*e = why;
			dsl_err_prefix(e, "set '%s'", s->names[i]);
			return -1;
		}
		if (warn && !warn->msg[0])
			dsl_err_set(warn, "set '%s' shown at its view only (at_path=on): %s",
				    s->names[i], why.msg);
	}
	return 0;
}

static int by_source(const void *a, const void *b)
{
	const struct dsl_set_ref *const *x = a, *const *y = b;

	return strcmp((*x)->desc.source_root, (*y)->desc.source_root);
}

int dsl_overlay_write(const struct dsl_config *c, unsigned long jobid,
		      const struct dsl_setlist *s, const struct dsl_set_ref *refs,
		      struct dsl_err *e)
{
	const struct dsl_set_ref *order[DSL_JOB_MAX_SETS];
	size_t n = 0;
	char *text = dsl_strdup(""), *dir, *path;
	int rc;

	for (size_t i = 0; i < s->n && n < DSL_JOB_MAX_SETS; i++)
		if (refs[i].desc.at_path == 1)
			order[n++] = &refs[i];
	if (n == 0) {
		free(text);
		return 0;
	}
	/* strcmp order puts "/a" before "/a/b": an outer set is mounted first
	 * and a nested one on top of it (its lower then resolves through the
	 * outer overlay). */
	qsort(order, n, sizeof(order[0]), by_source);
	for (size_t i = 0; i < n; i++) {
		char *t = dsl_xasprintf("%s%s %s\n", text, order[i]->desc.name,
					order[i]->desc.source_root);

		free(text);
		text = t;
	}
	dir = dsl_job_jobrun_dir(c, jobid);
	path = dsl_path_join(dir, DSL_JOB_ATPATH);
	rc = dsl_write_file_atomic(path, text, strlen(text), 0644, e);
	free(path);
	free(dir);
	free(text);
	return rc;
}

/* Lay one set over its source, in the namespace the task is already in. */
static int mount_one(const struct dsl_config *c, unsigned long jobid, const char *name,
		     const char *src, uid_t uid, gid_t gid, const gid_t *groups, int ngroups,
		     struct dsl_err *e)
{
	char *lower = dsl_job_lower_dir(c, jobid, name);
	struct stat st;
	int fd = -1, rc = -1;

	if (!dsl_name_valid(name, e) || dsl_atpath_check(src, c, e) < 0)
		goto out;
	/* The FUSE root's attributes are the kernel's placeholder until asked
	 * (see dsl_view_mount). */
	if (stat(lower, &st) < 0) {
		dsl_err_set(e, "set '%s': its view %s: %s", name, lower, strerror(errno));
		goto out;
	}
	fd = dsl_atpath_open(src, uid, gid, groups, ngroups, e);
	if (fd < 0) {
		dsl_err_prefix(e, "set '%s': cannot show it at %s", name, src);
		goto out;
	}
	rc = dsl_atpath_mount(fd, lower, e);
	if (rc < 0)
		dsl_err_prefix(e, "set '%s': %s", name, src);
out:
	if (fd >= 0)
		close(fd);
	free(lower);
	return rc;
}

/* Read the prolog's list; 0 with *text NULL when the job has none. */
static int read_list(const struct dsl_config *c, unsigned long jobid, char **text,
		     struct dsl_err *e)
{
	char *dir = dsl_job_jobrun_dir(c, jobid);
	char *path = dsl_path_join(dir, DSL_JOB_ATPATH);
	struct stat st;
	size_t len;
	int rc = 0;

	*text = NULL;
	if (lstat(path, &st) == 0) {
		/* Root wrote it in root's directory; anything else is not ours. */
		if (!S_ISREG(st.st_mode) || st.st_uid != 0) {
			dsl_err_set(e, "%s: not a regular file of root's", path);
			rc = -1;
		} else {
			rc = dsl_read_file(path, 64 * 1024, text, &len, e);
		}
	}
	free(path);
	free(dir);
	return rc;
}

int dsl_overlay_task(const struct dsl_config *c, unsigned long jobid, uid_t uid, gid_t gid,
		     const gid_t *groups, int ngroups, struct dsl_err *e)
{
	char *text, *line, *save = NULL;
	int rc = 0;

	if (read_list(c, jobid, &text, e) < 0)
		return -1;
	if (!text)
		return 0;
	/* Slave, not private: later mounts of the node (another job's view)
	 * still reach the task; nothing of the task's reaches the node. */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		dsl_err_set(e, "cannot make the task's mount namespace: %s", strerror(errno));
		free(text);
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line && rc == 0; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp) {
			dsl_err_set(e, "%s: bad line", DSL_JOB_ATPATH);
			rc = -1;
			break;
		}
		*sp = '\0';
		rc = mount_one(c, jobid, line, sp + 1, uid, gid, groups, ngroups, e);
	}
	free(text);
	/* The user chose what these paths hold: no set-user-ID program may
	 * gain privileges on top of them (dsl_atpath.h). */
	if (rc == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		dsl_err_set(e, "cannot set no_new_privs: %s", strerror(errno));
		rc = -1;
	}
	return rc;
}
