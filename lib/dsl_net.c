/* dsl_net.c - a TCP client connection bounded in time. */
#define _GNU_SOURCE
#include "dsl_net.h"

#include <errno.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
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

int dsl_net_listen_tcp(const char *addr, int port, struct dsl_err *e)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, one = 1, err;

	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		len = sizeof(*s6);
	} else {
		dsl_err_set(e, "cannot bind %s:%d/tcp: not a numeric address", addr, port);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		dsl_err_set(e, "cannot bind %s:%d/tcp: socket: %m", addr, port);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 4096) < 0) {
		err = errno;
		close(fd);
		errno = err;
		dsl_err_set(e, "cannot bind %s:%d/tcp: %m", addr, port);
		return -1;
	}
	return fd;
}

int dsl_net_listen_first(const int *ports, int n, int *port, struct dsl_err *e)
{
	dsl_err_set(e, "no port to listen on");
	for (int i = 0; i < n; i++) {
		int fd = ports[i] > 0 ? dsl_net_listen_tcp("0.0.0.0", ports[i], e) : -1;

		if (fd >= 0) {
			*port = ports[i];
			return fd;
		}
	}
	return -1;
}

int dsl_net_unix_connect(const char *path, struct dsl_err *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		dsl_err_set(e, "%s: socket path too long (max %zu bytes)", path,
			    sizeof(sa.sun_path) - 1);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		dsl_err_set(e, "%s: cannot connect: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}
