/* dsl_fusemount.h - the prolog (root) mounts the view for the helper.
 *
 * /dev/fuse may be 0600 (it is on these test machines) and a setuid
 * fusermount3 is not everywhere, so the privileged side does the mount:
 * open /dev/fuse, mount(2) with fd=N,user_id=UID,group_id=GID, read-only,
 * nosuid, nodev, default_permissions, and hand the fd to the helper, which
 * gets `--mount /dev/fd/3 --mountpoint DIR` (libfuse >= 3.3 takes a mount point of that form
 * as an already mounted session).  Without allow_other the view is usable by
 * the job's user only; root can still unmount it (MNT_DETACH). */
#ifndef DSL_FUSEMOUNT_H
#define DSL_FUSEMOUNT_H

#include <sys/types.h>

#include "dsl_err.h"

/* Returns the /dev/fuse fd (owned by the caller), or -1 with e. */
int dsl_fuse_mount(const char *dir, const char *setname, uid_t uid, gid_t gid,
		   struct dsl_err *e);
/* Detach the mount if dir is a mount point; 0 also when it was not. */
int dsl_fuse_unmount(const char *dir, struct dsl_err *e);

#endif
