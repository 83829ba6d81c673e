/* dsl_spawn.c - fork, drop privileges, exec, wait for the ready exit. */
#define _GNU_SOURCE
#include "dsl_spawn.h"
#include "dsl_cgroup.h"
#include "dsl_util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dsl_util.h"

static void child_fail(const char *what, const char *obj)
{
	dprintf(2, "%s %s: %s\n", what, obj, strerror(errno));
	_exit(127);
}

int dsl_spawn_drop_privileges(uid_t uid, gid_t gid, const char *user)
{
	if (uid == 0)
		return 0;
	if (initgroups(user, gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		dprintf(2, "cannot become %s: %s\n", user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		dprintf(2, "privileges could not be dropped\n");
		return -1;
	}
	return 0;
}

/* In the child only: never returns. */
static void child_exec(const struct dsl_spawn *s, int err_fd)
{
	char *envp[8];
	char home[600], user[128], logname[128];
	int null, pass = -1, spec = -1;

	/* The prolog may run with fds 0-2 closed, so the fds to keep can be
	 * anywhere in 0-4: move them out of the way before placing them. */
	err_fd = fcntl(err_fd, F_DUPFD, 10);
	if (s->pass_fd >= 0)
		pass = fcntl(s->pass_fd, F_DUPFD, 10);
	if (s->spec_fd >= 0)
		spec = fcntl(s->spec_fd, F_DUPFD, 10);
	null = open("/dev/null", O_RDWR);
	if (err_fd < 0 || null < 0 || (s->pass_fd >= 0 && pass < 0) ||
	    (s->spec_fd >= 0 && spec < 0) ||
	    dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(err_fd, 2) < 0)
		_exit(126);
	if (pass >= 0 && dup2(pass, 3) < 0)
		child_fail("cannot pass", "fd");
	if (spec >= 0 && (dup2(spec, 4) < 0 || (pass < 0 && dup2(null, 3) < 0)))
		child_fail("cannot pass", "the job spec");
	close_range(spec >= 0 ? 5 : pass >= 0 ? 4 : 3, ~0U, 0);
	/* Own session: slurmd kills the prolog's process group when it returns. */
	setsid();
	/* Into the job's cgroup while still root: the epilog finds the daemon
	 * and everything it forks there, not through a file the user writes. */
	if (s->cgroup && dsl_cgroup_join(s->cgroup, getpid()) < 0)
		child_fail("cannot join the cgroup", s->cgroup);
	if (dsl_spawn_drop_privileges(s->uid, s->gid, s->user) < 0)
		_exit(126);
	if (s->cwd && chdir(s->cwd) < 0)
		child_fail("chdir", s->cwd);
	snprintf(home, sizeof(home), "HOME=%s", s->home ? s->home : "/");
	snprintf(user, sizeof(user), "USER=%s", s->user);
	snprintf(logname, sizeof(logname), "LOGNAME=%s", s->user);
	envp[0] = "PATH=/usr/local/bin:/usr/bin:/bin";
	envp[1] = home;
	envp[2] = user;
	envp[3] = logname;
	envp[4] = "LANG=C.UTF-8";
	envp[5] = NULL;
	execve(s->path, s->argv, envp);
	child_fail("cannot exec", s->path);
}

void dsl_argv_add(struct dsl_argv *a, char *s)
{
	a->v = dsl_xgrow(a->v, &a->cap, a->n + 2, sizeof(*a->v), 16);
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void dsl_argv_free(struct dsl_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Keep the tail of what the child said: the reason is at the end. */
static void slurp(int fd, char *buf, size_t cap, size_t *len)
{
	char tmp[1024];
	ssize_t n;

	while ((n = read(fd, tmp, sizeof(tmp))) > 0) {
		size_t k = (size_t)n;

		if (k >= cap - 1) {
			memcpy(buf, tmp + k - (cap - 1), cap - 1);
			*len = cap - 1;
			continue;
		}
		if (*len + k > cap - 1) {
			size_t drop = *len + k - (cap - 1);

			memmove(buf, buf + drop, *len - drop);
			*len -= drop;
		}
		memcpy(buf + *len, tmp, k);
		*len += k;
	}
	buf[*len] = '\0';
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int report(const struct dsl_spawn *s, int status, char *out, size_t len,
		  struct dsl_err *e)
{
	if (s->exit_code)
		*s->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (s->term_signal)
		*s->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
		out[--len] = '\0';
	/* It ends up in slurmd's log and in a file the user reads: one line,
	 * printable characters only. */
	dsl_printable_inplace(out);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		dsl_err_set(e, "%s exited with status %d%s%s", base(s->path),
			    WEXITSTATUS(status), len ? ": " : "", out);
	else
		dsl_err_set(e, "%s killed by signal %d (%s)%s%s", base(s->path),
			    WTERMSIG(status), strsignal(WTERMSIG(status)), len ? ": " : "", out);
	return -1;
}

int dsl_spawn_run(const struct dsl_spawn *s, struct dsl_err *e)
{
	int p[2], status = 0;
	char out[1024];
	size_t len = 0;
	long deadline = now_ms() + s->timeout * 1000L;
	pid_t pid, w = 0;

	if (s->exit_code)
		*s->exit_code = -1;
	if (s->term_signal)
		*s->term_signal = 0;
	if (pipe2(p, O_CLOEXEC) < 0) {
		dsl_err_set(e, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		dsl_err_set(e, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0)
		child_exec(s, p[1]);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	out[0] = '\0';
	/* Woken by the child's output and by its exit (a pidfd), not by a
	 * poll: the helper's parent exits when its daemon is ready. */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd pf[2] = {{.fd = p[0], .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};

	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < deadline) {
		long left = deadline - now_ms();

		/* (no pidfd, kernel < 5.3: look at the child every 50 ms) */
		if (poll(pf, 2, pidfd < 0 && left > 50 ? 50 : (int)left) <= 0)
			continue;
		if (pf[0].revents & POLLIN)
			slurp(p[0], out, sizeof(out), &len);
		else if (pf[0].revents)
			pf[0].fd = -1;   /* hung up: every writer gone */
	}
	if (pidfd >= 0)
		close(pidfd);
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		slurp(p[0], out, sizeof(out), &len);
		close(p[0]);
		dsl_err_set(e, "%s: not ready after %d s%s%s", base(s->path), s->timeout,
			    len ? ": " : "", out);
		return -1;
	}
	/* The detached daemon may still hold the pipe: take what is there, no more. */
	slurp(p[0], out, sizeof(out), &len);
	close(p[0]);
	return report(s, status, out, len, e);
}

static int owned_by(pid_t pid, uid_t uid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return stat(path, &st) == 0 && st.st_uid == uid;
}

int dsl_kill_owned(pid_t pid, uid_t uid, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms;

	if (pid <= 1 || !owned_by(pid, uid))
		return 0;
	/* The pidfd first: it names this process, not a later one with
	 * its pid, and becomes readable when it exits. */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), gone = 0;

	kill(pid, SIGTERM);
	while (!gone && now_ms() < deadline) {
		struct pollfd pf = {.fd = pidfd, .events = POLLIN};
		long left = deadline - now_ms();

		gone = kill(pid, 0) < 0 && errno == ESRCH;
		/* (no pidfd, kernel < 5.3: look every 20 ms) */
		if (!gone && pidfd < 0)
			usleep(20000);
		else if (!gone)
			gone = poll(&pf, 1, (int)(left > 0 ? left : 0)) > 0;
	}
	if (pidfd >= 0)
		close(pidfd);
	if (gone)
		return 0;
	kill(pid, SIGKILL);
	return kill(pid, 0) < 0 ? 0 : -1;
}
