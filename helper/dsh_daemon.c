/* dsh_daemon.c - the prolog must know the view is mounted before tasks
 * start, and must not keep the prolog's stdout open: the parent waits on a
 * pipe for the child's word. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dsh_daemon.h"
#include "dsl_err.h"

#define DSH_READY "ready\n"

/* Phase lines at the start of buf go to stderr now when it is a pipe (the
 * prolog's), are dropped otherwise; the rest stays. */
static size_t echo_phases(char *buf, size_t n, int to_pipe)
{
	char *nl;

	buf[n] = '\0';
	while (strncmp(buf, DSH_PHASE, strlen(DSH_PHASE)) == 0 && (nl = strchr(buf, '\n'))) {
		size_t len = (size_t)(nl - buf) + 1;

		if (to_pipe) {
			fwrite(buf, 1, len, stderr);
			fflush(stderr);
		}
		memmove(buf, buf + len, n - len + 1);
		n -= len;
	}
	return n;
}

static void parent_wait(int rfd, pid_t child)
{
	char buf[2048];
	size_t n = 0;
	ssize_t r;
	int status;
	struct stat st;
	int to_pipe = fstat(2, &st) == 0 && S_ISFIFO(st.st_mode);

	while (n + 1 < sizeof(buf) && (r = read(rfd, buf + n, sizeof(buf) - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n = echo_phases(buf, n + (size_t)r, to_pipe);
	}
	buf[n] = '\0';
	if (strcmp(buf, DSH_READY) == 0)
		_exit(0);
	if (n == 0) {
		/* The child died without a word: say how, and die of the same
		 * signal, so that the prolog tells a killed daemon (the job's
		 * user or the job's memory limit did it) from a failed one. */
		if (waitpid(child, &status, 0) == child && WIFSIGNALED(status)) {
			struct rlimit no_core = { 0, 0 };

			fprintf(stderr, "dsl-helper: daemon killed by signal %d (%s) before "
				"it was ready\n", WTERMSIG(status), strsignal(WTERMSIG(status)));
			setrlimit(RLIMIT_CORE, &no_core);
			signal(WTERMSIG(status), SIG_DFL);
			raise(WTERMSIG(status));
		}
		fprintf(stderr, "dsl-helper: daemon exited before it was ready\n");
	} else if (strncmp(buf, DSH_REPORT_USER, strlen(DSH_REPORT_USER)) == 0) {
		fprintf(stderr, "%s%s", buf + strlen(DSH_REPORT_USER),
			buf[n - 1] == '\n' ? "" : "\n");
		_exit(DSL_EXIT_USER_FAULT);
	} else {
		fprintf(stderr, "%s%s", buf, buf[n - 1] == '\n' ? "" : "\n");
	}
	_exit(1);
}

static void redirect_std(const char *log_path)
{
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int out = log_path ? open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)
		: -1;

	if (out < 0)
		out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (in >= 0) {
		dup2(in, 0);
		close(in);
	}
	if (out >= 0) {
		dup2(out, 1);
		dup2(out, 2);
		close(out);
	}
}

int dsh_daemon_detach(const char *log_path)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid > 0) {
		close(p[1]);
		parent_wait(p[0], pid);
	}
	close(p[0]);
	setsid();
	redirect_std(log_path);
	return p[1];
}

void dsh_daemon_phase(int fd, const char *phase)
{
	if (fd >= 0)
		dprintf(fd, "%s%s\n", DSH_PHASE, phase);
}

void dsh_daemon_report(int fd, const char *msg)
{
	const char *s = msg ? msg : DSH_READY;
	size_t len = strlen(s);
	ssize_t w;

	if (fd < 0)
		return;
	while (len > 0 && (w = write(fd, s, len)) != 0) {
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		s += w;
		len -= (size_t)w;
	}
	close(fd);
}
