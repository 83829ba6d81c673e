/* dsh_premount.c - see dsh_premount.h. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

#include "dsh_premount.h"

int dsh_premount(const char *mountpoint, const char *fsname, uid_t uid, gid_t gid,
		 struct dsl_err *e)
{
	char opts[256];
	int fd = open("/dev/fuse", O_RDWR);

	if (fd < 0) {
		dsl_err_set(e, "/dev/fuse: cannot open: %m");
		return -1;
	}
	/* No allow_other: the kernel lets only user_id into the view. */
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=%u,group_id=%u,default_permissions",
		 fd, (unsigned)uid, (unsigned)gid);
	if (mount(fsname ? fsname : "dsl", mountpoint, "fuse.dsl",
		  MS_RDONLY | MS_NOSUID | MS_NODEV, opts) != 0) {
		dsl_err_set(e, "%s: cannot mount the view: %m", mountpoint);
		close(fd);
		return -1;
	}
	return fd;
}
