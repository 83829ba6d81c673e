/* dsl_fusemount.h - the prolog (root) mounts the view for the helper.
 *
 * /dev/fuse may be 0600 (it is on these test machines) and a setuid
 * fusermount3 is not everywhere, so the privileged side does the mount:
 * open /dev/fuse, mount(2) with fd=N,user_id=UID,group_id=GID, read-only,
 * nosuid, nodev, default_permissions, and hand the fd to the helper, which
 * gets `--mount /dev/fd/3 --mountpoint DIR` (libfuse >= 3.3 takes a mount point of that form
 * as an already mounted session).
 *
 * The job does not see that FUSE mount itself but a read-only overlayfs
 * over it (dsl_view_mount): the kernel sends every ioctl on a FUSE file to
 * the daemon, and Python 3.11 calls isatty() (ioctl TCGETS) on every module
 * it opens, a round trip of 40-350 us each on these machines that made a
 * warm `import numpy` 1.1-1.3x slower than from tmpfs.  overlayfs answers
 * ioctls it does not know itself (ENOTTY) and hands reads and mmap to the
 * FUSE file, so the page cache and the on-demand reads are unchanged.
 * overlayfs reaches its lower layer with the mounter's (root's) creden-
 * tials, hence allow_other on a FUSE mount that lives in a directory only
 * root can enter; the view's root is 0500 and owned by the job's user, so
 * other users still cannot read the set.  Root can unmount both
 * (MNT_DETACH). */
#ifndef DSL_FUSEMOUNT_H
#define DSL_FUSEMOUNT_H

#include <sys/types.h>

#include "dsl_err.h"

/* Returns the /dev/fuse fd (owned by the caller), or -1 with e. */
int dsl_fuse_mount(const char *dir, const char *setname, uid_t uid, gid_t gid,
		   struct dsl_err *e);
/* Show the FUSE mount `lower` at `view`: an overlay of lower and the empty
 * directory `empty` (overlayfs needs two layers when it has no upper one),
 * or, where overlayfs is missing, a bind mount (*overlay = 0; e then holds
 * why, as a warning).  -1 with e when neither works. */
int dsl_view_mount(const char *view, const char *lower, const char *empty, int *overlay,
		   struct dsl_err *e);
/* Detach the mount if dir is a mount point; 0 also when it was not. */
int dsl_fuse_unmount(const char *dir, struct dsl_err *e);

/* Detach every mount at or below dir (the job's directories: a user may
 * have mounted their own FUSE file system there, and root must neither
 * enter it nor leave it behind).  The mount points come from
 * /proc/self/mountinfo; each is reached without following a symlink and
 * without crossing another mount (openat2 RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_XDEV | RESOLVE_BENEATH from dir), and detached by its fd path
 * (MNT_DETACH takes the mounts inside it along).  Returns how many were
 * detached, or -1 with e for one that could not be. */
int dsl_unmount_under(const char *dir, struct dsl_err *e);

#endif
