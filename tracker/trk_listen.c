/* trk_listen.c - bind before daemonizing, so that a taken port is reported
 * by the process that the caller waits for. */
#include "trk_listen.h"
#include "dsl_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static socklen_t make_addr(const char *addr, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		return sizeof(*s6);
	}
	return 0;
}

/* UDP (BEP 15); the TCP socket is lib's (dsl_net_listen_tcp), which the
 * prolog also binds for a job's tracker. */
static int open_udp(const char *addr, uint16_t port, struct dsl_err *e)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(addr, port, &ss);
	if (!len) {
		dsl_err_set(e, "cannot bind %s:%u/udp: not a numeric address", addr, port);
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		dsl_err_set(e, "cannot bind %s:%u/udp: socket: %m", addr, port);
		return -1;
	}
	int sz = 4 << 20;   /* a burst of announces from a whole job fits */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		dsl_err_set(e, "cannot bind %s:%u/udp: %m", addr, port);
		return -1;
	}
	return fd;
}

int trk_listen_tcp(const char *addr, uint16_t port, struct dsl_err *e)
{
	return dsl_net_listen_tcp(addr, port, e);
}

int trk_listen_udp(const char *addr, uint16_t port, struct dsl_err *e)
{
	return open_udp(addr, port, e);
}

int trk_listen_adopt_tcp(int fd, uint16_t port, struct dsl_err *e)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type = 0, listening = 0;
	socklen_t ol = sizeof(type), ll = sizeof(listening);
	uint16_t bound = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &ol) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ll) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		dsl_err_set(e, "--listen-fd %d: not a socket: %m", fd);
		return -1;
	}
	if (ss.ss_family == AF_INET)
		bound = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		bound = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	if (type != SOCK_STREAM || !listening || bound != port) {
		dsl_err_set(e, "--listen-fd %d: not a listening TCP socket on port %u", fd, port);
		return -1;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		dsl_err_set(e, "--listen-fd %d: %m", fd);
		return -1;
	}
	return fd;
}
