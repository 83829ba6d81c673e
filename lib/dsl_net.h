/* dsl_net.h - a TCP client connection bounded in time (the tool's GET of a
 * tracker's /stats, the helper's status reports). */
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
/* Is TCP port free on this host (a probe bind on 0.0.0.0, closed at
 * once)?  1 free, 0 taken. */
int dsl_net_port_free(int port);
/* The first free port of ports[0..n), or -1. */
int dsl_net_first_free_port(const int *ports, int n);
/* Send everything before the deadline: 0, or -1. */
int dsl_net_send_all(int fd, const void *buf, size_t len, int64_t deadline);

#endif
