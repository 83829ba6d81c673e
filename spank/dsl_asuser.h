/* dsl_asuser.h - run a function as the job's user, bounded, and keep what
 * it printed.
 *
 * Root must not open what a user controls (the user's registry: a symlink
 * to a root-only file, a FIFO, a 16 MiB description whose parse costs GiBs).
 * So the prolog looks such things up in a forked child that has become the
 * user (groups, gid, uid; no way back), with resource limits (address
 * space, CPU seconds, no files written, few fds, no core) and a wall-clock
 * time-out after which it is killed.  The child can read exactly what the
 * user can; what it prints to its output fd comes back to the parent, at
 * most cap bytes, and is parsed strictly there (it is still the user's
 * process: ptrace is excluded because a process that changed its
 * credentials is not dumpable, but the parent trusts nothing it says). */
#ifndef DSL_ASUSER_H
#define DSL_ASUSER_H

#include <stddef.h>
#include <sys/types.h>

#include "dsl_err.h"

#define DSL_ASUSER_AS_BYTES (1024L << 20)   /* address space of the child */

struct dsl_asuser {
	uid_t uid;
	gid_t gid;
	const char *user;
	int timeout_ms;
	size_t cap;                 /* bytes of output kept; more is an error */
};

/* fn runs in the child with the user's credentials; it writes to out_fd and
 * returns the child's exit code.  On return: 0 with *out (malloc'd,
 * NUL-terminated) and *code = the child's exit code; -1 with e when the
 * child timed out, was killed (a resource limit), or said too much. */
int dsl_asuser_call(const struct dsl_asuser *a, int (*fn)(void *arg, int out_fd),
		    void *arg, char **out, int *code, struct dsl_err *e);

#endif
