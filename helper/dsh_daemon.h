/* dsh_daemon.h - detach, and tell the caller when the view is ready. */
#ifndef DSH_DAEMON_H
#define DSH_DAEMON_H

/* Forks.  The parent waits for the child's report and never returns: exit
 * 0 on "ready", 1 (or DSL_EXIT_USER) with the child's message on stderr otherwise.  The child
 * returns the write end of the report pipe, after setsid() and pointing
 * fds 0-2 at /dev/null or at log_path.  -1 if the fork fails. */
int dsh_daemon_detach(const char *log_path);
/* Child: report readiness (msg NULL) or an error, then close the pipe.
 * An error message starting with '\001' makes the parent exit
 * DSL_EXIT_USER (the set, not the node, is at fault) instead of 1.
 * fd -1 (foreground) is a no-op. */
void dsh_daemon_report(int fd, const char *msg);

#endif
