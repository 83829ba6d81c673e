/* trk_listen.h - the two bound sockets (TCP for HTTP, UDP) on one port. */
#ifndef TRK_LISTEN_H
#define TRK_LISTEN_H

#include <stdint.h>

#include "dsl_err.h"

/* Non-blocking sockets bound to addr:port; -1 and e->msg on failure
 * ("cannot bind 127.0.0.1:6969/tcp: Address already in use"). */
int trk_listen_tcp(const char *addr, uint16_t port, struct dsl_err *e);
int trk_listen_udp(const char *addr, uint16_t port, struct dsl_err *e);

/* A listening TCP socket handed over as fd (--listen-fd), checked: a
 * stream socket that listens, bound to port; made non-blocking and
 * close-on-exec.  fd, or -1 and e->msg. */
int trk_listen_adopt_tcp(int fd, uint16_t port, struct dsl_err *e);

#endif
