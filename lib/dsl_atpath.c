/* dsl_atpath.c - the policy for showing a set at its source path (dsl_atpath.h). */
#define _GNU_SOURCE
#include "dsl_atpath.h"
#include "dsl_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Trees whose files root's own programs trust (loader, libc, configuration,
 * kernel interfaces): never mounted over, nor anything below them. */
static const char *const deny_tree[] = {
	"/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32",
	"/proc", "/run", "/sbin", "/sys", "/usr",
};
/* Top-level directories that hold many users' or the system's data: a set
 * below them is fine, covering all of them is not. */
static const char *const deny_exact[] = {
	"/home", "/opt", "/srv", "/tmp", "/var", "/mnt", "/media",
};

/* a is b or an ancestor of b (as paths). */
static int is_at_or_below(const char *path, const char *top)
{
	size_t n = strlen(top);

	while (n > 1 && top[n - 1] == '/')
		n--;
	return !strncmp(path, top, n) && (path[n] == '\0' || path[n] == '/');
}

static int overlaps(const char *a, const char *b)
{
	return is_at_or_below(a, b) || is_at_or_below(b, a);
}

static int canonical(const char *p)
{
	if (p[0] != '/' || p[1] == '\0' || p[strlen(p) - 1] == '/')
		return 0;
	for (const char *s = p; *s; ) {
		const char *c = s + 1, *end = strchr(c, '/');
		size_t len = end ? (size_t)(end - c) : strlen(c);

		if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		s = c + len;
	}
	return 1;
}

int dsl_atpath_check(const char *path, const struct dsl_config *c, struct dsl_err *e)
{
	const char *own[] = { c->mount_root, c->run_root, c->cache_dir };

	if (!path || strlen(path) >= PATH_MAX - 64 || !canonical(path)) {
		dsl_err_set(e, "cannot show the set at '%s': not an absolute canonical path "
			    "(no '.', '..', '//' or trailing '/')", path ? path : "");
		return -1;
	}
	if (strpbrk(path, ":,\\\n")) {
		dsl_err_set(e, "cannot show the set at '%s': the path holds ':', ',', '\\' or a newline",
			    path);
		return -1;
	}
	for (size_t i = 0; i < sizeof(deny_tree) / sizeof(deny_tree[0]); i++)
		if (is_at_or_below(path, deny_tree[i])) {
			dsl_err_set(e, "cannot show the set at '%s': %s is a system directory",
				    path, deny_tree[i]);
			return -1;
		}
	for (size_t i = 0; i < sizeof(deny_exact) / sizeof(deny_exact[0]); i++)
		if (!strcmp(path, deny_exact[i])) {
			dsl_err_set(e, "cannot show the set at '%s': a top-level directory; "
				    "publish from a directory below it", path);
			return -1;
		}
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (own[i][0] && overlaps(path, own[i])) {
			dsl_err_set(e, "cannot show the set at '%s': it overlaps dslswarm's %s",
				    path, own[i]);
			return -1;
		}
	return 0;
}

int dsl_atpath_mirrors(const struct dsl_desc *d)
{
	for (size_t i = 0; i < d->nnodes; i++)
		/* No src: the same as its path (dsl_desc.h). */
		if (d->nodes[i].type == DSL_NODE_FILE && d->nodes[i].src &&
		    strcmp(d->nodes[i].src, d->nodes[i].path))
			return 0;
	return 1;
}

int dsl_atpath_wanted(const struct dsl_desc *d, const struct dsl_config *c)
{
	return d->at_path >= 0 ? d->at_path : c->at_path;
}

static int in_groups(gid_t g, gid_t gid, const gid_t *groups, int ngroups)
{
	if (g == gid)
		return 1;
	for (int i = 0; i < ngroups; i++)
		if (groups[i] == g)
			return 1;
	return 0;
}

/* Mode bits as the kernel applies them to a non-root user (no ACLs: a
 * directory that an ACL opens is refused, never the other way round). */
static int may(const struct stat *st, unsigned want, uid_t uid, gid_t gid,
	       const gid_t *groups, int ngroups)
{
	unsigned bits;

	if (st->st_uid == uid)
		bits = (st->st_mode >> 6) & 7;
	else if (in_groups(st->st_gid, gid, groups, ngroups))
		bits = (st->st_mode >> 3) & 7;
	else
		bits = st->st_mode & 7;
	return (bits & want) == want;
}

int dsl_atpath_open(const char *path, uid_t uid, gid_t gid, const gid_t *groups,
		    int ngroups, struct dsl_err *e)
{
	char comp[NAME_MAX + 1];
	const char *s = path + 1;
	struct stat st;
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), next;

	if (fd < 0) {
		dsl_err_set(e, "cannot open /: %s", strerror(errno));
		return -1;
	}
	while (*s) {
		const char *end = strchr(s, '/');
		size_t len = end ? (size_t)(end - s) : strlen(s);

		if (len > NAME_MAX)
			goto bad_name;
		memcpy(comp, s, len);
		comp[len] = '\0';
		if (fstat(fd, &st) < 0 || !may(&st, 1, uid, gid, groups, ngroups)) {
			dsl_err_set(e, "%.*s: not searchable by uid %lu", (int)(s - path - 1),
				    path, (unsigned long)uid);
			goto fail;
		}
		/* O_NOFOLLOW|O_DIRECTORY: a symbolic link fails with ENOTDIR
		 * or ELOOP instead of being followed. */
		next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			int err = errno;

			if (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				dsl_err_set(e, "%.*s: a symbolic link; give the real path", (int)(s - path) + (int)len, path);
			else
				dsl_err_set(e, "%.*s: %s", (int)(s - path) + (int)len, path,
					    err == ENOTDIR ? "not a directory" : strerror(err));
			goto fail;
		}
		close(fd);
		fd = next;
		s += len;
		if (*s == '/')
			s++;
	}
	if (fstat(fd, &st) < 0 || !may(&st, 5, uid, gid, groups, ngroups)) {
		dsl_err_set(e, "%s: not readable by uid %lu", path, (unsigned long)uid);
		goto fail;
	}
	return fd;
bad_name:
	dsl_err_set(e, "%s: a component is too long", path);
fail:
	close(fd);
	return -1;
}

int dsl_atpath_mount(int fd, const char *lower, struct dsl_err *e)
{
	char target[64], *opts;
	int rc;

	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	opts = dsl_xasprintf("lowerdir=%s:%s,xino=off", lower, target);
	rc = mount("dsl-at-path", target, "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV, opts);
	if (rc < 0)
		dsl_err_set(e, "cannot mount the view over it: %s", strerror(errno));
	free(opts);
	return rc;
}
