/* dsl_ufile.h - root reads a file that a user controls.
 *
 * The job's run and cache directories belong to the job's user, so anything
 * in them (status.json, pid files) may be a symlink to a root-only file, a
 * FIFO that blocks forever, a device, or gigabytes of garbage.  Root opens
 * such a file only through here:
 *   - beneath a directory root trusts (a configured root, checked at load),
 *     with no symlink in any component: openat2(RESOLVE_NO_SYMLINKS |
 *     RESOLVE_BENEATH) where the kernel has it, else one openat(O_NOFOLLOW)
 *     per component;
 *   - O_NONBLOCK (a FIFO or device never blocks the open), then fstat:
 *     regular files only;
 *   - a size cap checked before reading, and a read bounded by that cap
 *     (the file may grow while it is read).
 * What comes out is still the user's text: callers parse it strictly and
 * echo only validated values (numbers, hex digits).
 *
 * Which files go where (the decision, in one place):
 *   RUN/JOBID/..., CACHE/...  (status.json, pid files): dsl_ufile_read_at,
 *     as root, under the trusted root;
 *   the user's registry (~/.dsl/sets, the description pinned for the job):
 *     read as the user, in a child with the user's credentials, resource
 *     limits and a time-out (spank/dsl_asuser.h): a home directory may
 *     legitimately be reached through symlinks, and what the user can read
 *     is exactly what that child can read. */
#ifndef DSL_UFILE_H
#define DSL_UFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "dsl_err.h"

/* A regular file at rel (relative, no "..") beneath the open directory
 * dirfd, opened read-only without following any symlink and without
 * blocking.  Returns the fd, or -1 with e saying why (errno kept). */
int dsl_ufile_open_at(int dirfd, const char *rel, struct dsl_err *e);

/* The same from an absolute trusted directory path (followed as given: it
 * is the administrator's) and a relative path beneath it. */
int dsl_ufile_open(const char *trusted_dir, const char *rel, struct dsl_err *e);

/* Whole file, at most max bytes (larger is an error), NUL-terminated. */
int dsl_ufile_read(const char *trusted_dir, const char *rel, size_t max, char **data,
		   size_t *len, struct dsl_err *e);

/* A pid file: digits and an optional newline, > 1.  0 when absent or bad. */
pid_t dsl_ufile_read_pid(const char *trusted_dir, const char *rel);

#endif
