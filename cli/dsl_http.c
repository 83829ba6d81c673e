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
#include "dsl_net.h"
#include "dsl_util.h"

#define HTTP_MAX_BYTES (64u << 20)

int cli_http_get(const char *host, int port, const char *path, const char *header,
		 int timeout_ms, char **body, struct dsl_err *e)
{
	char portstr[16], *req, *buf = NULL, *sep;
	size_t len = 0;
	int64_t deadline;
	int fd, status = 0, rc = -1;

	snprintf(portstr, sizeof(portstr), "%d", port);
	deadline = dsl_now_ms() + timeout_ms;
	fd = dsl_net_connect(host, portstr, deadline, e);
	if (fd < 0)
		return -1;
	req = dsl_xasprintf("GET %s HTTP/1.0\r\nHost: %s:%d\r\nUser-Agent: dsl\r\n%s%s\r\n",
			    path, host, port, header ? header : "", header ? "\r\n" : "");
	if (dsl_net_send_all(fd, req, strlen(req), deadline) < 0) {
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
		/* The tracker says why in one text line: pass it on. */
		sep[4 + strcspn(sep + 4, "\r\n")] = '\0';
		dsl_err_set(e, "http://%s:%d%s: HTTP status %d%s%.200s", host, port, path, status,
			    sep[4] ? ": " : "", sep + 4);
		rc = -2;
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
	return rc;
}
