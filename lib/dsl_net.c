/* dsl_net.c - a TCP client connection bounded in time. */
#define _GNU_SOURCE
#include "dsl_net.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int64_t dsl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int poll_left(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left = deadline - dsl_now_ms();

	return left > 0 && poll(&p, 1, (int)left) == 1 ? 0 : -1;
}

int dsl_net_connect(const char *host, const char *port, int64_t deadline, struct dsl_err *e)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1, rc = getaddrinfo(host, port, &hints, &res);

	if (rc) {
		dsl_err_set(e, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		int err = 0;
		socklen_t len = sizeof(err);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS && poll_left(fd, POLLOUT, deadline) == 0 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
			break;
		errno = err ? err : ETIMEDOUT;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		dsl_err_set(e, "cannot connect to %s:%s: %m", host, port);
	freeaddrinfo(res);
	return fd;
}

int dsl_net_send_all(int fd, const void *buf, size_t len, int64_t deadline)
{
	const char *s = buf;

	while (len) {
		ssize_t n;

		if (poll_left(fd, POLLOUT, deadline) < 0)
			return -1;
		n = send(fd, s, len, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (n > 0) {
			s += n;
			len -= (size_t)n;
		}
	}
	return 0;
}

int dsl_net_listen_first(const int *ports, int n, int *port, struct dsl_err *e)
{
	int err = EINVAL;

	for (int i = 0; i < n; i++) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_port = htons((uint16_t)ports[i]) };
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

		if (fd < 0) {
			err = errno;
			break;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ports[i] > 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
		    listen(fd, 4096) == 0) {
			*port = ports[i];
			return fd;
		}
		err = errno;
		close(fd);
	}
	dsl_err_set(e, "cannot listen on any of %d port(s) from %d: %s", n, n ? ports[0] : 0,
		    strerror(err));
	return -1;
}
