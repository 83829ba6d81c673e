/* dsl_fusemount.c - mount(2) a FUSE view on behalf of an unprivileged helper. */
#define _GNU_SOURCE
#include "dsl_fusemount.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dsl_util.h"

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

/* ---- mounts left inside the job's directories ------------------------- */

#define MOUNTINFO_MAX (4u << 20)
#define UNDER_MAX 1024

/* mountinfo escapes ' ', '\t', '\n', '\\' as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static int by_length(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? -1 : la > lb;
}

/* Mount points strictly below dir (malloc'd strings), shallowest first. */
static size_t mounts_below(const char *dir, char **out)
{
	char *text = NULL, *save = NULL;
	size_t n = 0, ld = strlen(dir);

	/* A /proc file says size 0: read it to its end (bounded). */
	int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	size_t len;

	if (fd < 0)
		return 0;
	text = dsl_xmalloc(MOUNTINFO_MAX + 1);
	len = dsl_read_upto(fd, text, MOUNTINFO_MAX);
	close(fd);
	text[len] = '\0';
	for (char *line = strtok_r(text, "\n", &save); line && n < UNDER_MAX;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f = line, *mp;

		/* id parent major:minor root MOUNTPOINT ... */
		for (int i = 0; i < 4 && f; i++)
			f = strchr(f, ' ') ? strchr(f, ' ') + 1 : NULL;
		if (!f)
			continue;
		mp = f;
		if ((f = strchr(mp, ' ')))
			*f = '\0';
		unescape(mp);
		if (strncmp(mp, dir, ld) == 0 && mp[ld] == '/' && mp[ld + 1])
			out[n++] = dsl_strdup(mp);
	}
	free(text);
	qsort(out, n, sizeof(*out), by_length);
	return n;
}

static int detach_below(int dirfd, const char *dir, const char *mp, struct dsl_err *e)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV | RESOLVE_BENEATH |
			   RESOLVE_NO_MAGICLINKS,
	};
	char *rel = dsl_strdup(mp + strlen(dir) + 1), *base = strrchr(rel, '/');
	char path[64];
	int pfd, rc = 0;

	/* The parent of the mount point, on the job's own file system. */
	if (base)
		*base++ = '\0';
	pfd = base ? (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how))
		   : fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (pfd < 0) {
		free(rel);
		return 0;   /* inside another mount (goes with it) or moved away */
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d/", pfd);
	{
		char *full = dsl_xasprintf("%s%s", path, base ? base : rel);

		if (umount2(full, MNT_DETACH | UMOUNT_NOFOLLOW) == 0) {
			rc = 1;
		} else if (errno != EINVAL && errno != ENOENT) {
			/* EINVAL: gone with a mount above it already */
			dsl_err_set(e, "cannot detach %s: %m", mp);
			rc = -1;
		}
		free(full);
	}
	close(pfd);
	free(rel);
	return rc;
}

int dsl_unmount_under(const char *dir, struct dsl_err *e)
{
	char *mps[UNDER_MAX];
	size_t n = mounts_below(dir, mps);
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), done = 0, rc;

	for (size_t i = 0; i < n; i++) {
		if (dirfd >= 0 && done >= 0) {
			rc = detach_below(dirfd, dir, mps[i], e);
			done = rc < 0 ? -1 : done + rc;
		}
		free(mps[i]);
	}
	if (dirfd >= 0)
		close(dirfd);
	return done;
}
