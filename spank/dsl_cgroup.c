/* dsl_cgroup.c - the job's daemons in a cgroup only root writes (see .h). */
#define _GNU_SOURCE
#include "dsl_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dsl_util.h"

#define CG_V2 "/sys/fs/cgroup"
#define CG_V1_PIDS "/sys/fs/cgroup/pids"
#define CG_V1_MEMORY "/sys/fs/cgroup/memory"
#define CG_MAX_PIDS_READ 4096

static int exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

char *dsl_cgroup_job_path(const char *node, unsigned long jobid)
{
	const char *base;

	if (exists(CG_V2 "/cgroup.controllers"))
		base = CG_V2;
	else if (exists(CG_V1_PIDS "/cgroup.procs"))
		base = CG_V1_PIDS;
	else
		return NULL;
	/* A node name is a host name: no '/', never "." or "..". */
	if (!node || !*node || strchr(node, '/') || node[0] == '.')
		node = "node";
	return dsl_xasprintf("%s/dslswarm/%s/job_%lu", base, node, jobid);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = -1;

	if (fd < 0)
		return -1;
	if (write(fd, s, strlen(s)) == (ssize_t)strlen(s))
		rc = 0;
	close(fd);
	return rc;
}

/* On v1 the memory limit lives in another hierarchy: the same path under
 * /sys/fs/cgroup/memory (malloc'd), NULL on v2. */
static char *memory_twin(const char *path)
{
	size_t n = strlen(CG_V1_PIDS);

	if (strncmp(path, CG_V1_PIDS "/", n + 1))
		return NULL;
	return dsl_xasprintf("%s%s", CG_V1_MEMORY, path + n);
}

/* v2: memory.max needs the controller enabled in every parent below the
 * root (a leaf's limit is set in the leaf). */
static int enable_memory_v2(const char *path)
{
	char *p = dsl_strdup(path), *s = p + strlen(CG_V2) + 1;
	int rc = 0;

	while (rc == 0 && (s = strchr(s, '/'))) {
		char *f;

		*s = '\0';
		f = dsl_path_join(p, "cgroup.subtree_control");
		rc = write_str(f, "+memory");
		free(f);
		*s++ = '/';
	}
	free(p);
	return rc;
}

static int set_memory(const char *path, unsigned long long bytes, struct dsl_err *e)
{
	char *twin = memory_twin(path), *f, val[32];
	int rc;

	snprintf(val, sizeof(val), "%llu", bytes);
	if (twin) {
		rc = dsl_mkdir_p(twin, 0755, e);
		f = dsl_path_join(twin, "memory.limit_in_bytes");
	} else {
		rc = enable_memory_v2(path);
		f = dsl_path_join(path, "memory.max");
	}
	if (rc == 0 && write_str(f, val) < 0)
		rc = -1;
	if (rc < 0)
		dsl_err_set(e, "cannot limit the memory of %s to %s bytes: %m", twin ? twin : path,
			    val);
	free(f);
	free(twin);
	return rc;
}

int dsl_cgroup_create(const char *path, unsigned long long memory_bytes, struct dsl_err *e)
{
	char *f;

	if (dsl_mkdir_p(path, 0755, e) < 0)
		return -1;
	f = dsl_path_join(path, "pids.max");
	/* Absent on v2 where the pids controller is not enabled: no cap then,
	 * the cgroup still finds every process. */
	if (exists(f)) {
		char max[16];

		snprintf(max, sizeof(max), "%d", DSL_CGROUP_PIDS_MAX);
		write_str(f, max);
	}
	free(f);
	return memory_bytes ? set_memory(path, memory_bytes, e) : 0;
}

int dsl_cgroup_join(const char *path, pid_t pid)
{
	char *f = dsl_path_join(path, "cgroup.procs"), *twin = memory_twin(path);
	char buf[32];
	int rc;

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	rc = write_str(f, buf);
	free(f);
	if (rc == 0 && twin && exists(twin)) {
		f = dsl_path_join(twin, "cgroup.procs");
		rc = write_str(f, buf);
		free(f);
	}
	free(twin);
	return rc;
}

/* Signal everything listed; returns how many were listed. */
static int signal_all(const char *procs, int sig)
{
	char buf[CG_MAX_PIDS_READ + 1];
	int fd = open(procs, O_RDONLY | O_CLOEXEC), n = 0;
	ssize_t len;

	if (fd < 0)
		return 0;
	len = read(fd, buf, CG_MAX_PIDS_READ);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	for (char *p = buf, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 1) {
			kill((pid_t)pid, sig);
			n++;
		}
		while (*end == '\n')
			end++;
	}
	return n;
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Wait until nothing is listed (bounded); 0 when empty. */
static int wait_empty(const char *procs, int sig, long ms)
{
	long deadline = now_ms() + ms;

	do {
		if (signal_all(procs, sig) == 0)
			return 0;
		usleep(20000);
	} while (now_ms() < deadline);
	return signal_all(procs, sig) == 0 ? 0 : -1;
}

int dsl_cgroup_kill_remove(const char *path, int term_ms, struct dsl_err *e)
{
	char *procs = dsl_path_join(path, "cgroup.procs");
	char *kill_file = dsl_path_join(path, "cgroup.kill"), *twin = NULL;
	int found, rc = 0;

	if (!exists(procs)) {
		if ((twin = memory_twin(path)))
			rmdir(twin);
		free(twin);
		free(kill_file);
		free(procs);
		return 0;
	}
	found = signal_all(procs, SIGTERM);
	if (found && wait_empty(procs, 0, term_ms) < 0) {
		/* v2 (5.14+) kills a cgroup atomically, forks or not. */
		if (exists(kill_file))
			write_str(kill_file, "1");
		if (wait_empty(procs, SIGKILL, 5000) < 0) {
			dsl_err_set(e, "%s: processes left after SIGKILL", path);
			rc = -1;
		}
	}
	if (rc == 0 && rmdir(path) < 0 && errno != ENOENT) {
		dsl_err_set(e, "cannot remove %s: %m", path);
		rc = -1;
	}
	/* Its processes are gone: the memory twin is empty too. */
	if (rc == 0 && (twin = memory_twin(path)) && rmdir(twin) < 0 && errno != ENOENT) {
		dsl_err_set(e, "cannot remove %s: %m", twin);
		rc = -1;
	}
	free(twin);
	free(kill_file);
	free(procs);
	return rc < 0 ? -1 : found;
}
