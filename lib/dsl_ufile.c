/* dsl_ufile.c - root reads a file that a user controls (see dsl_ufile.h). */
#define _GNU_SOURCE
#include "dsl_ufile.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dsl_util.h"

#define UFILE_FLAGS (O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

static int rel_valid(const char *rel)
{
	const char *p = rel;

	if (!*rel || *rel == '/')
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
		if (*p)
			p++;
	}
	return p[-1] != '/';
}

/* Without openat2 (kernels before 5.6): one component at a time, each
 * directory opened with O_NOFOLLOW, so a symlink anywhere fails (ELOOP). */
static int open_walk(int dirfd, const char *rel)
{
	char *copy = dsl_strdup(rel), *p = copy, *slash;
	int fd = dirfd, next;

	while ((slash = strchr(p, '/'))) {
		*slash = '\0';
		next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd != dirfd)
			close(fd);
		if (next < 0) {
			free(copy);
			return -1;
		}
		fd = next;
		p = slash + 1;
	}
	next = openat(fd, p, UFILE_FLAGS);
	if (fd != dirfd) {
		int err = errno;

		close(fd);
		errno = err;
	}
	free(copy);
	return next;
}

static int open_nofollow(int dirfd, const char *rel)
{
#ifdef SYS_openat2
	struct open_how how = {
		.flags = UFILE_FLAGS,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));

	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return fd;
	/* ENOSYS: an old kernel; EPERM: a seccomp filter that refuses it. */
#endif
	return open_walk(dirfd, rel);
}

int dsl_ufile_open_at(int dirfd, const char *rel, struct dsl_err *e)
{
	struct stat st;
	int fd;

	if (!rel_valid(rel)) {
		dsl_err_set(e, "%s: not a plain relative path", rel);
		errno = EINVAL;
		return -1;
	}
	fd = open_nofollow(dirfd, rel);
	if (fd < 0) {
		dsl_err_set(e, "%s: %s", rel, errno == ELOOP ? "a symbolic link" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		dsl_err_set(e, "%s: not a regular file", rel);
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int dsl_ufile_open(const char *trusted_dir, const char *rel, struct dsl_err *e)
{
	int dfd = open(trusted_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd, err;

	if (dfd < 0) {
		dsl_err_set(e, "cannot open %s: %m", trusted_dir);
		return -1;
	}
	fd = dsl_ufile_open_at(dfd, rel, e);
	err = errno;
	close(dfd);
	if (fd < 0)
		dsl_err_prefix(e, "%s", trusted_dir);
	errno = err;
	return fd;
}

int dsl_ufile_read(const char *trusted_dir, const char *rel, size_t max, char **data,
		   size_t *len, struct dsl_err *e)
{
	struct stat st;
	size_t got;
	char *buf;
	int fd = dsl_ufile_open(trusted_dir, rel, e);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (size_t)st.st_size > max) {
		dsl_err_set(e, "%s/%s: larger than %zu bytes", trusted_dir, rel, max);
		close(fd);
		return -1;
	}
	/* Read at most max + 1 bytes whatever the size said: it may grow. */
	buf = dsl_xmalloc(max + 2);
	got = dsl_read_upto(fd, buf, max + 1);
	close(fd);
	if (got > max) {
		dsl_err_set(e, "%s/%s: larger than %zu bytes", trusted_dir, rel, max);
		free(buf);
		return -1;
	}
	buf[got] = '\0';
	*data = buf;
	if (len)
		*len = got;
	return 0;
}

pid_t dsl_ufile_read_pid(const char *trusted_dir, const char *rel)
{
	char *data = NULL, *end;
	long pid = 0;

	if (dsl_ufile_read(trusted_dir, rel, 32, &data, NULL, NULL) == 0 && data[0] >= '0' &&
	    data[0] <= '9') {
		errno = 0;
		pid = strtol(data, &end, 10);
		if (errno || (*end && strcmp(end, "\n")))
			pid = 0;
	}
	free(data);
	return pid > 1 && pid <= 0x7fffffff ? (pid_t)pid : 0;
}
