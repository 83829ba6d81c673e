/* dsh_ctl.h - the control socket: a line protocol on a unix socket.
 *   "status\n" -> one JSON document, then close
 *   "stop\n"   -> "ok\n", then the helper stops */
#ifndef DSH_CTL_H
#define DSH_CTL_H

#include "dsl_err.h"

/* Bind RUN/ctl.sock (mode 0600).  Returns the listening fd or -1. */
int dsh_ctl_listen(const char *path, struct dsl_err *e);

/* What the server does with a command; returns the reply (malloc'd).
 * *stop is set for "stop". */
typedef char *(*dsh_ctl_fn)(void *arg, const char *cmd, int *stop);

/* Serve one connection that is ready on lfd (bounded: 2 s to read the
 * line).  Returns 1 when a stop was asked, 0 otherwise. */
int dsh_ctl_serve_one(int lfd, dsh_ctl_fn fn, void *arg);

/* Client: send cmd, copy the reply to stdout.  0 on success. */
int dsh_ctl_client(const char *run_dir, const char *cmd, struct dsl_err *e);

#endif
