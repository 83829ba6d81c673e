/* dsh_ctl.h - the control socket: a line protocol on a unix socket.
 *   "status\n"        -> one JSON document, then close
 *   "stop\n"          -> "ok\n", then the helper stops
 *   "wait-complete\n" -> "complete\n" when every piece of the set is on the
 *                       node (at once if it is), "error: REASON\n" when the
 *                       helper stops first, "busy\n" when too many wait
 *                       (the caller then reads status.json); then close */
#ifndef DSH_CTL_H
#define DSH_CTL_H

#include "dsl_err.h"

/* Bind RUN/ctl.sock (mode 0600).  Returns the listening fd or -1. */
int dsh_ctl_listen(const char *path, struct dsl_err *e);

/* What the server does with a command; returns the reply (malloc'd).
 * *stop is set for "stop"; *hold (reply NULL) keeps the connection to be
 * answered later (dsh_ctl_answer). */
typedef char *(*dsh_ctl_fn)(void *arg, const char *cmd, int *stop, int *hold);

/* Serve one connection that is ready on lfd (bounded: 2 s to read the
 * line).  Returns 1 when a stop was asked, 0 otherwise; *held is the
 * connection kept, or -1. */
int dsh_ctl_serve_one(int lfd, dsh_ctl_fn fn, void *arg, int *held);
/* Answer a held connection and close it. */
void dsh_ctl_answer(int fd, const char *reply);

/* Client: send cmd, copy the reply to stdout.  0 on success. */
int dsh_ctl_client(const char *run_dir, const char *cmd, struct dsl_err *e);

#endif
