/* dsl_net.h - a TCP client connection bounded in time (the tool's GET of a
 * tracker's /stats, the helper's status reports), a client of a helper's
 * control socket, and the job tracker's listening socket, which the prolog
 * binds as root. */
#ifndef DSL_NET_H
#define DSL_NET_H

#include <stddef.h>
#include <stdint.h>

#include "dsl_err.h"

/* Monotonic milliseconds; deadlines below are in this clock. */
int64_t dsl_now_ms(void);
/* A connected non-blocking socket, trying every address of host, or -1
 * with e naming the host and the reason. */
int dsl_net_connect(const char *host, const char *port, int64_t deadline, struct dsl_err *e);
/* A non-blocking, close-on-exec TCP socket listening on addr (numeric
 * IPv4 or IPv6) : port, SO_REUSEADDR (a port in TIME_WAIT is usable, one
 * someone listens on is not); or -1 with e ("cannot bind ADDR:PORT/tcp:
 * REASON", errno kept).  The tracker's own socket and the one the prolog
 * binds for it. */
int dsl_net_listen_tcp(const char *addr, int port, struct dsl_err *e);
/* dsl_net_listen_tcp on 0.0.0.0 at the first of ports[0..n) that can be
 * bound, its port in *port; or -1 with e saying why the last one could
 * not. */
int dsl_net_listen_first(const int *ports, int n, int *port, struct dsl_err *e);
/* A blocking, close-on-exec connection to the unix stream socket at path
 * (a helper's RUN/ctl.sock), or -1 with e ("PATH: cannot connect: REASON";
 * a path too long for a socket address is named as such). */
int dsl_net_unix_connect(const char *path, struct dsl_err *e);
/* Send everything before the deadline: 0, or -1. */
int dsl_net_send_all(int fd, const void *buf, size_t len, int64_t deadline);

#endif
