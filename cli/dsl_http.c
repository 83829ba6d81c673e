/* dsl_http.c - the one HTTP request the tool makes: GET a small JSON document
 * from a tracker (dsl status).  HTTP/1.0, no keep-alive, bounded in size and
 * time; only the status line is interpreted, the body is handed to json-c. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dsl_util.h"

#define HTTP_MAX_BYTES (64u << 20)

static int connect_timeout(const char *host, const char *port, int timeout_ms,
			   struct dsl_err *e)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1, rc = getaddrinfo(host, port, &hints, &res);

	if (rc) {
		dsl_err_set(e, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd p;
		int err = 0;
		socklen_t len = sizeof(err);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		p = (struct pollfd){ .fd = fd, .events = POLLOUT };
		if (errno == EINPROGRESS && poll(&p, 1, timeout_ms) == 1 &&
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

static int send_all(int fd, const char *s, size_t len, int timeout_ms)
{
	while (len) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t n;

		if (poll(&p, 1, timeout_ms) != 1)
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

int cli_http_get(const char *host, int port, const char *path, int timeout_ms,
		 char **body, struct dsl_err *e)
{
	char portstr[16], *req, *buf = NULL, *sep;
	size_t len = 0;
	int fd, status = 0;

	snprintf(portstr, sizeof(portstr), "%d", port);
	fd = connect_timeout(host, portstr, timeout_ms, e);
	if (fd < 0)
		return -1;
	req = dsl_xasprintf("GET %s HTTP/1.0\r\nHost: %s:%d\r\nUser-Agent: dsl\r\n\r\n",
			    path, host, port);
	if (send_all(fd, req, strlen(req), timeout_ms) < 0) {
		dsl_err_set(e, "cannot send to %s:%d: %m", host, port);
		goto fail;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char chunk[16384];
		ssize_t n;

		if (poll(&p, 1, timeout_ms) != 1) {
			dsl_err_set(e, "%s:%d did not answer within %d ms", host, port, timeout_ms);
			goto fail;
		}
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			dsl_err_set(e, "cannot read from %s:%d: %m", host, port);
			goto fail;
		}
		if (n == 0)
			break;
		if (len + (size_t)n > HTTP_MAX_BYTES) {
			dsl_err_set(e, "%s:%d: answer larger than %u bytes", host, port, HTTP_MAX_BYTES);
			goto fail;
		}
		buf = dsl_xrealloc(buf, len + (size_t)n + 1);
		memcpy(buf + len, chunk, (size_t)n);
		len += (size_t)n;
	}
	if (!buf || sscanf(buf, "HTTP/%*d.%*d %d", &status) != 1 ||
	    !(sep = strstr(buf, "\r\n\r\n"))) {
		dsl_err_set(e, "%s:%d: not an HTTP answer", host, port);
		goto fail;
	}
	buf[len] = '\0';
	if (status != 200) {
		dsl_err_set(e, "http://%s:%d%s: HTTP status %d", host, port, path, status);
		goto fail;
	}
	*body = dsl_strdup(sep + 4);
	free(buf);
	free(req);
	close(fd);
	return 0;
fail:
	free(buf);
	free(req);
	close(fd);
	return -1;
}
