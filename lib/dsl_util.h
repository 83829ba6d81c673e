/* dsl_util.h - small file-system helpers with error messages. */
#ifndef DSL_UTIL_H
#define DSL_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "dsl_err.h"

/* malloc'd "a/b"; aborts on out-of-memory like every allocation here. */
char *dsl_path_join(const char *a, const char *b);
char *dsl_strdup(const char *s);
void *dsl_xmalloc(size_t n);
void *dsl_xcalloc(size_t n, size_t size);
void *dsl_xrealloc(void *p, size_t n);
/* An array p of *cap elements of size bytes, grown (doubling, at least
 * first) so that it holds need elements; returns it. */
void *dsl_xgrow(void *p, size_t *cap, size_t need, size_t size, size_t first);
char *dsl_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* mkdir -p, one component at a time relative to its parent's fd: a
 * symlink on the way is followed only when root or the caller owns it (a
 * user cannot redirect root's directory creation into another place). */
int dsl_mkdir_p(const char *path, mode_t mode, struct dsl_err *e);
/* read() until n bytes or end of file (EINTR retried); bytes read. */
size_t dsl_read_upto(int fd, char *buf, size_t n);
/* Read a whole file (at most max bytes; larger is an error), NUL-terminated.
 * Regular files only; never blocks on a FIFO. */
int dsl_read_file(const char *path, size_t max, char **data, size_t *len,
		  struct dsl_err *e);
/* Write to a temporary name in the same directory, fsync, rename over path,
 * fsync the directory: readers see the old file or the new one. */
int dsl_write_file_atomic(const char *path, const void *data, size_t len,
			  mode_t mode, struct dsl_err *e);
int dsl_copy_file_atomic(const char *src, const char *dst, mode_t mode,
			 struct dsl_err *e);
/* Remove a tree; a missing path is not an error.  Never follows a symlink
 * (safe for root on trees a user can write to), never enters a mount, any
 * depth (no recursion, one directory fd at a time), at most 60 s. */
int dsl_rm_rf(const char *path, struct dsl_err *e);
/* Copy at most inlen bytes of in to out as printable ASCII: every byte outside
 * 0x20-0x7e (control characters, terminal escapes, C1 and other non-ASCII)
 * and '\\' become "\\xHH"; cut at outlen - 1 with "..." at the end when it
 * does not fit.  What other processes or users supply goes through this
 * before it reaches a terminal or a log.  Returns out. */
char *dsl_printable(const char *in, size_t inlen, char *out, size_t outlen);
/* Peak resident memory of this process and of its waited-for children,
 * in KiB (getrusage): what the root side's log lines report. */
long dsl_peak_kib(long *children_kib);
/* In place, for a buffer that cannot grow (dsl_printable() where it can):
 * text a user controls, bound for a log or a terminal: newlines become
 * spaces, other control characters '?'.  Returns how many were replaced. */
size_t dsl_printable_inplace(char *s);
/* A whole decimal number in [lo, hi], all of s: 0, else -1 (*v unset on
 * error). */
int dsl_parse_long(const char *s, long lo, long hi, long *v);
/* Human-readable size: "12.3 MiB". */
void dsl_human_size(unsigned long long bytes, char *buf, size_t len);

#endif
