/* dsh_daemon.h - detach, and tell the caller when the view is ready. */
#ifndef DSH_DAEMON_H
#define DSH_DAEMON_H

/* Forks.  The parent waits for the child's report and never returns: exit
 * 0 on "ready", 1 (DSL_EXIT_USER_FAULT when the report starts with "user:")
 * with the child's message on stderr otherwise; killed by the signal that
 * killed the child when it died without a word.  The child
 * returns the write end of the report pipe, after setsid() and pointing
 * fds 0-2 at /dev/null or at log_path.  -1 if the fork fails. */
int dsh_daemon_detach(const char *log_path);
/* Child: report readiness (msg NULL) or an error, then close the pipe.
 * An error message starting with DSH_REPORT_USER makes the parent exit
 * DSL_EXIT_USER_FAULT (the user's input, not the node, is at fault).
 * fd -1 (foreground) is a no-op. */
void dsh_daemon_report(int fd, const char *msg);

#define DSH_REPORT_USER "user:"

/* Child: the phase the start is in, "set" (reading the set's files and
 * building its tree and session: grows with the set) or "node" (mounting).
 * The parent echoes it on stderr at once ("phase: set"), so that a start
 * the prolog stops at ready_timeout can be put down to a set too large or
 * too slow to load (the user's) or to the node. */
void dsh_daemon_phase(int fd, const char *phase);
#define DSH_PHASE "phase: "

#endif
