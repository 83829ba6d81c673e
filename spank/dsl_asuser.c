/* dsl_asuser.c - a function run as the job's user, bounded (see .h). */
#define _GNU_SOURCE
#include "dsl_asuser.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dsl_net.h"
#include "dsl_spawn.h"
#include "dsl_util.h"

static void limit(int res, rlim_t v)
{
	struct rlimit r = { v, v };

	setrlimit(res, &r);
}

static void child(const struct dsl_asuser *a, int (*fn)(void *, int), void *arg, int fd)
{
	int null = open("/dev/null", O_RDWR);

	/* stdio of slurmstepd is not ours to write to, and none of its other
	 * fds (its sockets to slurmd) stays open in a process of the user's:
	 * the output goes to fd 3, everything above is closed. */
	if (null < 0 || fd < 0 || (fd = fcntl(fd, F_DUPFD, 10)) < 0 || dup2(null, 0) < 0 ||
	    dup2(null, 1) < 0 || dup2(null, 2) < 0 || dup2(fd, 3) < 0)
		_exit(126);
	close_range(4, ~0U, 0);
	fd = 3;
	if (dsl_spawn_drop_privileges(a->uid, a->gid, a->user) < 0)
		_exit(126);
#ifndef __SANITIZE_ADDRESS__
	/* (Not under AddressSanitizer, whose shadow memory needs terabytes of
	 * address space: the unit tests' build.) */
	limit(RLIMIT_AS, (rlim_t)DSL_ASUSER_AS_BYTES);
#endif
	limit(RLIMIT_CPU, (rlim_t)(a->timeout_ms / 1000 + 1));
	limit(RLIMIT_FSIZE, 0);
	limit(RLIMIT_CORE, 0);
	limit(RLIMIT_NOFILE, 64);
	_exit(fn(arg, fd));
}

/* Read what the child says until EOF, the deadline, or more than cap. */
static int collect(int fd, int64_t deadline, size_t cap, char *buf, size_t *len)
{
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int64_t left = deadline - dsl_now_ms();
		ssize_t n;

		if (left <= 0)
			return -1;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		n = read(fd, buf + *len, cap + 1 - *len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return 0;
		*len += (size_t)n;
		if (*len > cap)
			return -2;
	}
}

int dsl_asuser_call(const struct dsl_asuser *a, int (*fn)(void *arg, int out_fd),
		    void *arg, char **out, int *code, struct dsl_err *e)
{
	int64_t deadline = dsl_now_ms() + a->timeout_ms;
	char *buf = dsl_xmalloc(a->cap + 2);
	size_t len = 0;
	int p[2], status = 0, rc;
	pid_t pid;

	*out = NULL;
	if (pipe2(p, O_CLOEXEC) < 0) {
		dsl_err_set(e, "pipe: %m");
		free(buf);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		dsl_err_set(e, "fork: %m");
		close(p[0]);
		close(p[1]);
		free(buf);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		child(a, fn, arg, p[1]);
	}
	close(p[1]);
	rc = collect(p[0], deadline, a->cap, buf, &len);
	close(p[0]);
	if (rc < 0)
		kill(pid, SIGKILL);
	/* EOF came: the child is exiting; a child that closed its output and
	 * hangs on is killed at the deadline. */
	while (rc == 0 && waitpid(pid, &status, WNOHANG) == 0) {
		if (dsl_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			rc = -1;
			break;
		}
		usleep(2000);
	}
	if (rc < 0)
		waitpid(pid, &status, 0);
	if (rc == -1)
		dsl_err_set(e, "not done after %d s", a->timeout_ms / 1000);
	else if (rc == -2)
		dsl_err_set(e, "said more than %zu bytes", a->cap);
	else if (!WIFEXITED(status))
		dsl_err_set(e, "killed by signal %d (a resource limit?)", WTERMSIG(status));
	if (rc < 0 || !WIFEXITED(status)) {
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	*out = buf;
	*code = WEXITSTATUS(status);
	return 0;
}
