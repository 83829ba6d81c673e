/* dsl_fusemount.c - mount(2) a FUSE view on behalf of an unprivileged helper. */
#define _GNU_SOURCE
#include "dsl_fusemount.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
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
		 "fd=%d,rootmode=40000,user_id=%lu,group_id=%lu,default_permissions,allow_other",
		 fd, (unsigned long)uid, (unsigned long)gid);
	snprintf(src, sizeof(src), "dsl:%s", setname);
	if (mount(src, dir, "fuse.dsl", MS_RDONLY | MS_NOSUID | MS_NODEV, opts) < 0) {
		dsl_err_set(e, "cannot mount the view on %s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int bind_view(const char *view, const char *lower, struct dsl_err *e)
{
	if (mount(lower, view, NULL, MS_BIND, NULL) < 0) {
		dsl_err_set(e, "cannot bind %s to %s: %s", lower, view, strerror(errno));
		return -1;
	}
	/* The bind's own flags: the FUSE mount is read-only already. */
	mount(NULL, view, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL);
	return 0;
}

int dsl_view_mount(const char *view, const char *lower, const char *empty, int *overlay,
		   struct dsl_err *e)
{
	char opts[3 * 4096 + 64];
	struct stat st;

	*overlay = 0;
	/* A fresh FUSE mount's root inode is the kernel's placeholder (mode
	 * 040000, uid 0) until someone asks the daemon; overlayfs copies the
	 * root's owner and mode once, at mount, and checks the job's access
	 * against that copy: without this stat the user got EACCES. */
	if (stat(lower, &st) < 0) {
		dsl_err_set(e, "%s: %s", lower, strerror(errno));
		return -1;
	}
	/* ':' and ',' separate overlayfs options; the paths are the
	 * configuration's plus a set name (which has neither). */
	if (strpbrk(lower, ":,") || strpbrk(empty, ":,")) {
		dsl_err_set(e, "overlay not used: '%s' holds ':' or ','", lower);
	} else {
		snprintf(opts, sizeof(opts), "lowerdir=%s:%s", lower, empty);
		if (mount("dsl-view", view, "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV, opts) == 0) {
			*overlay = 1;
			return 0;
		}
		dsl_err_set(e, "overlay not used (%s): the view is the FUSE mount itself, "
			    "each ioctl a round trip to the helper", strerror(errno));
	}
	return bind_view(view, lower, e);
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
