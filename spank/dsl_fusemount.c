/* dsl_fusemount.c - mount(2) a FUSE view on behalf of an unprivileged helper. */
#define _GNU_SOURCE
#include "dsl_fusemount.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

int dsl_fuse_mount(const char *dir, const char *setname, uid_t uid, gid_t gid,
		   struct dsl_err *e)
{
	char opts[256], src[128];
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		dsl_err_set(e, "cannot open /dev/fuse: %s", strerror(errno));
		return -1;
	}
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=%lu,group_id=%lu,default_permissions",
		 fd, (unsigned long)uid, (unsigned long)gid);
	snprintf(src, sizeof(src), "dsl:%s", setname);
	if (mount(src, dir, "fuse.dsl", MS_RDONLY | MS_NOSUID | MS_NODEV, opts) < 0) {
		dsl_err_set(e, "cannot mount the view on %s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int dsl_fuse_unmount(const char *dir, struct dsl_err *e)
{
	/* Loop: a directory can carry stacked mounts after a retried prolog. */
	for (int i = 0; i < 8; i++) {
		if (umount2(dir, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			continue;
		if (errno == EINVAL || errno == ENOENT)
			return 0;      /* not (or no longer) a mount point */
		dsl_err_set(e, "cannot unmount %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}
