/* dsl_err.h - an error message that travels back to whoever can show it.
 *
 * Library functions never print: they fill a struct dsl_err (NULL allowed) with
 * "object: reason" and return -1.  The caller adds its own context and decides
 * whether it goes to stderr, slurm_error() or a log file. */
#ifndef DSL_ERR_H
#define DSL_ERR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DSL_ERR_MAX 1024

/* A daemon's exit status when it could not start because of what the job's
 * user gave it (the set's files, the user's directories): the prolog fails
 * the job with the message instead of draining the node. */
#define DSL_EXIT_USER_FAULT 3

struct dsl_err {
	char msg[DSL_ERR_MAX];
};

/* Sets e->msg from a printf format; "%m" works as in printf(3) (glibc). */
void dsl_err_set(struct dsl_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prefixes the current message: "prefix: old message". */
void dsl_err_prefix(struct dsl_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif
