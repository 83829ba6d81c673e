/* dsh_ctl.c - control socket server and client. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dsh_ctl.h"
#include "dsl_net.h"
#include "dsl_util.h"

#define DSH_CTL_LINE 256
#define DSH_CTL_IO_MS 2000

static int fill_addr(struct sockaddr_un *sa, const char *path, struct dsl_err *e)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		dsl_err_set(e, "%s: socket path too long (max %zu bytes)", path,
			    sizeof(sa->sun_path) - 1);
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

int dsh_ctl_listen(const char *path, struct dsl_err *e)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd, rc;

	if (fill_addr(&sa, path, e) != 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		dsl_err_set(e, "%s: socket: %m", path);
		return -1;
	}
	unlink(path);   /* a stale socket of an earlier helper */
	old = umask(077);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	/* (a wait=all task per CPU may connect at once) */
	if (rc != 0 || listen(fd, 256) != 0) {
		dsl_err_set(e, "%s: cannot bind: %m", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads up to the first newline, bounded in size and time. */
static int read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t r;

		if (poll(&p, 1, DSH_CTL_IO_MS) <= 0)
			return -1;
		r = read(fd, buf + n, len - 1 - n);
		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = '\0';
		if (strchr(buf, '\n')) {
			*strchr(buf, '\n') = '\0';
			return 0;
		}
	}
	return -1;
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		struct pollfd p = {fd, POLLOUT, 0};
		ssize_t w;

		if (poll(&p, 1, DSH_CTL_IO_MS) <= 0)
			return;
		w = send(fd, s, len, MSG_NOSIGNAL);
		if (w <= 0) {
			if (w < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			return;
		}
		s += w;
		len -= (size_t)w;
	}
}

int dsh_ctl_serve_one(int lfd, dsh_ctl_fn fn, void *arg, int *held)
{
	char line[DSH_CTL_LINE];
	int stop = 0, hold = 0;
	int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	char *reply;

	*held = -1;
	if (cfd < 0)
		return 0;
	if (read_line(cfd, line, sizeof(line)) == 0) {
		reply = fn(arg, line, &stop, &hold);
		if (hold) {
			*held = cfd;
			return stop;
		}
		write_all(cfd, reply, strlen(reply));
		free(reply);
	}
	close(cfd);
	return stop;
}

void dsh_ctl_answer(int fd, const char *reply)
{
	write_all(fd, reply, strlen(reply));
	close(fd);
}

int dsh_ctl_client(const char *run_dir, const char *cmd, struct dsl_err *e)
{
	char *path = dsl_path_join(run_dir, "ctl.sock");
	char buf[65536];
	char *req;
	int fd, rc = -1;
	ssize_t r;

	fd = dsl_net_unix_connect(path, e);
	if (fd < 0) {
		if (strstr(e->msg, ": cannot connect: ")) {
			char why[sizeof(e->msg)];

			snprintf(why, sizeof(why), "%s", e->msg);
			dsl_err_set(e, "%.900s (is the helper running?)", why);
		}
		goto out;
	}
	req = dsl_xasprintf("%s\n", cmd);
	write_all(fd, req, strlen(req));
	free(req);
	for (int i = 0; i < 1000; i++) {
		struct pollfd p = {fd, POLLIN, 0};

		if (poll(&p, 1, 10000) <= 0) {
			dsl_err_set(e, "%s: no answer within 10 s", path);
			goto out;
		}
		r = read(fd, buf, sizeof(buf));
		if (r < 0) {
			dsl_err_set(e, "%s: %m", path);
			goto out;
		}
		if (r == 0) {
			rc = 0;
			break;
		}
		fwrite(buf, 1, (size_t)r, stdout);
	}
	if (rc != 0)
		dsl_err_set(e, "%s: answer too long", path);
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}
