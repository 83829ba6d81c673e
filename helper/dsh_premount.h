/* dsh_premount.h - mounting the view for an unprivileged helper, as root.
 *
 * For the SPANK prolog (runs as root): opens /dev/fuse, mounts a read-only
 * FUSE file system at `mountpoint` that only `uid` can use, and returns the
 * open /dev/fuse fd (without FD_CLOEXEC) to hand to the helper as
 *   dsl-helper --mount /dev/fd/N --mountpoint MOUNTPOINT ...
 * Needs neither fusermount3 nor a world-writable /dev/fuse.  Depends only on
 * libc and dsl_err, so the plugin can compile it in.  Returns -1 (message in
 * e) on failure; the caller closes the fd in its own process after the
 * helper has started, and unmounts with umount2(mountpoint, MNT_DETACH). */
#ifndef DSH_PREMOUNT_H
#define DSH_PREMOUNT_H

#include <sys/types.h>

#include "dsl_err.h"

int dsh_premount(const char *mountpoint, const char *fsname, uid_t uid, gid_t gid,
		 struct dsl_err *e);

#endif
