/* trk_daemon.c - a daemon whose caller learns whether it started: a Slurm
 * prolog must not return before the tracker answers, nor hang on it. */
#include "trk_daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void parent_wait(int rfd, pid_t child)
{
	char msg[1024];
	size_t n = 0;
	ssize_t r;
	waitpid(child, NULL, 0);
	while (n < sizeof(msg) - 1 && (r = read(rfd, msg + n, sizeof(msg) - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	msg[n] = 0;
	if (n == 2 && memcmp(msg, "OK", 2) == 0)
		_exit(0);
	fprintf(stderr, "dsl-tracker: %s\n", n ? msg : "daemon exited during start-up");
	_exit(1);
}

int trk_daemon_detach(struct dsl_err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		dsl_err_set(e, "cannot daemonize: pipe: %m");
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		dsl_err_set(e, "cannot daemonize: fork: %m");
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid > 0) {
		close(p[1]);
		parent_wait(p[0], pid);
	}
	close(p[0]);
	if (setsid() < 0)
		_exit(1);
	pid = fork();
	if (pid < 0) {
		trk_daemon_ready(p[1], "cannot daemonize: second fork failed");
		_exit(1);
	}
	if (pid > 0)
		_exit(0);   /* the daemon is no session leader: it never gets a tty */
	if (chdir("/") < 0) {   /* never keep a job's directory (or mount) busy */
		trk_daemon_ready(p[1], "cannot daemonize: chdir /");
		_exit(1);
	}
	return p[1];
}

void trk_daemon_ready(int fd, const char *msg)
{
	if (fd < 0)
		return;
	const char *m = msg ? msg : "OK";
	ssize_t r = write(fd, m, strlen(m));
	(void)r;
	close(fd);
}

void trk_daemon_stdio(int log_fd)
{
	int null = open("/dev/null", O_RDWR);
	if (null < 0)
		return;
	dup2(null, 0);
	dup2(log_fd >= 0 ? log_fd : null, 1);
	dup2(log_fd >= 0 ? log_fd : null, 2);
	if (null > 2)
		close(null);
}

int trk_pidfile_write(const char *path, struct dsl_err *e)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		dsl_err_set(e, "cannot write pid file %s: %m", path);
		return -1;
	}
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		dsl_err_set(e, "cannot write pid file %s: %m", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
