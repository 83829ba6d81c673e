/* trk_daemon.h - detaching from the caller, and the pid file. */
#ifndef TRK_DAEMON_H
#define TRK_DAEMON_H

#include <sys/types.h>

#include "dsl_err.h"

/* Double fork, setsid, chdir("/").  The original process does not return: it waits
 * until the daemon reports (trk_daemon_ready) and exits 0, or prints the
 * daemon's error on stderr and exits 1.  Returns, in the daemon, the fd to
 * report on; -1 with e->msg if the first fork failed. */
int trk_daemon_detach(struct dsl_err *e);
/* msg NULL: started; else the reason start-up failed.  Closes fd. */
void trk_daemon_ready(int fd, const char *msg);
/* fds 0-2 to /dev/null, or 1-2 to log_fd when >= 0. */
void trk_daemon_stdio(int log_fd);

int trk_pidfile_write(const char *path, struct dsl_err *e);

#endif
