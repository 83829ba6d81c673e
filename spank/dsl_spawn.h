/* dsl_spawn.h - start a daemon as the job's user and wait until it is ready.
 *
 * The daemons (dsl-helper, dsl-tracker) detach themselves; their original
 * process exits 0 once they are ready, or non-zero with the reason on stderr.
 * So: fork, drop privileges for good (supplementary groups, gid, uid) before
 * exec, exec by absolute path with a clean environment (the prolog has no
 * PATH and must never go through a shell), then wait for that exit, bounded,
 * keeping what it wrote on stderr for the error message. */
#ifndef DSL_SPAWN_H
#define DSL_SPAWN_H

#include <sys/types.h>

#include "dsl_err.h"

struct dsl_spawn {
	const char *path;        /* absolute */
	char *const *argv;
	uid_t uid;
	gid_t gid;
	const char *user;        /* for initgroups */
	const char *home;
	const char *cwd;
	int pass_fd;             /* becomes fd 3 in the child; -1 none */
	int spec_fd;             /* becomes fd 4 (the job spec); -1 none */
	int timeout;             /* seconds */
	const char *cgroup;      /* joined before exec (dsl_cgroup.h); NULL none */
	int *exit_code;          /* out: the exit status, -1 killed/not run */
	int *term_signal;        /* out: the signal that ended it, 0 none (nor
				  * the time-out's own SIGKILL) */
};

/* A command line that grows as needed: nothing added is ever dropped. */
struct dsl_argv {
	char **v;                /* NULL-terminated, every string owned */
	size_t n, cap;
};
/* Takes ownership of s. */
void dsl_argv_add(struct dsl_argv *a, char *s);
void dsl_argv_free(struct dsl_argv *a);
/* In a forked child: supplementary groups, gid, uid of the user, for good
 * (checked).  0, or -1 with errno and a reason on fd 2. */
int dsl_spawn_drop_privileges(uid_t uid, gid_t gid, const char *user);

/* 0 when the program exited 0 in time; else -1 with e saying why, including
 * the program's stderr (exit_code: its exit status, DSL_EXIT_USER_FAULT when
 * the user's input is at fault). */
int dsl_spawn_run(const struct dsl_spawn *s, struct dsl_err *e);

/* TERM, wait up to timeout_ms, then KILL; only if pid runs as uid (a pid
 * file may be stale and its pid reused).  0 when gone. */
int dsl_kill_owned(pid_t pid, uid_t uid, int timeout_ms);

#endif
