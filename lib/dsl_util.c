/* dsl_util.c - small file-system helpers with error messages. */
#define _GNU_SOURCE
#include "dsl_util.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void oom(void)
{
	fputs("dsl: out of memory\n", stderr);
	abort();
}

void *dsl_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *dsl_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *dsl_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom();
	return q;
}

char *dsl_strdup(const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		oom();
	return d;
}

char *dsl_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return s;
}

char *dsl_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	if (la && a[la - 1] == '/')
		return dsl_xasprintf("%s%s", a, b);
	return dsl_xasprintf("%s/%s", a, b);
}

int dsl_mkdir_p(const char *path, mode_t mode, struct dsl_err *e)
{
	char *p = dsl_strdup(path);
	int rc = 0;

	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;

		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			dsl_err_set(e, "cannot create directory %s: %m", p);
			rc = -1;
			break;
		}
		*s = saved;
		if (!saved)
			break;
	}
	free(p);
	return rc;
}

int dsl_read_file(const char *path, size_t max, char **data, size_t *len,
		  struct dsl_err *e)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		dsl_err_set(e, "cannot open %s: %m", path);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		dsl_err_set(e, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((size_t)st.st_size > max) {
		dsl_err_set(e, "%s: too large (%lld bytes, limit %zu)", path,
			    (long long)st.st_size, max);
		close(fd);
		return -1;
	}
	buf = dsl_xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		dsl_err_set(e, "%s: short read (%zu of %lld bytes)", path, got,
			    (long long)st.st_size);
		free(buf);
		return -1;
	}
	buf[got] = '\0';
	*data = buf;
	if (len)
		*len = got;
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void fsync_dir_of(const char *path)
{
	char *copy = dsl_strdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int dsl_write_file_atomic(const char *path, const void *data, size_t len,
			  mode_t mode, struct dsl_err *e)
{
	char *tmp = dsl_xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0) {
		dsl_err_set(e, "cannot create %s: %m", tmp);
		free(tmp);
		return -1;
	}
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		dsl_err_set(e, "cannot write %s: %m", tmp);
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		dsl_err_set(e, "cannot rename %s to %s: %m", tmp, path);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	fsync_dir_of(path);
	return 0;
}

int dsl_copy_file_atomic(const char *src, const char *dst, mode_t mode,
			 struct dsl_err *e)
{
	char *data;
	size_t len;
	int rc;

	/* Torrents of large sets hold a hash per piece: 64 MiB is plenty. */
	if (dsl_read_file(src, 64u << 20, &data, &len, e) < 0)
		return -1;
	rc = dsl_write_file_atomic(dst, data, len, mode, e);
	free(data);
	return rc;
}

#define RM_MAX_DEPTH 256

/* Remove `name` under the open directory `parent` without following symlinks:
 * the epilog runs as root on trees the job's user can write to, so every
 * step is relative to an fd already checked, never a path looked up again
 * (a symlink swapped in half-way cannot redirect the removal).  `parent`
 * is the open directory that holds `name`.  A directory
 * on another device (a mount point left behind) is not entered. */
static int rm_at(int parent, const char *name, dev_t dev, int depth, struct dsl_err *e)
{
	struct stat st, st2;
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : (dsl_err_set(e, "cannot stat %s: %m", name), -1);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
			return dsl_err_set(e, "cannot remove %s: %m", name), -1;
		return 0;
	}
	if (st.st_dev != dev)
		return dsl_err_set(e, "not removing %s: another file system is mounted there", name), -1;
	if (depth >= RM_MAX_DEPTH)
		return dsl_err_set(e, "not removing %s: nested deeper than %d", name, RM_MAX_DEPTH), -1;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return dsl_err_set(e, "cannot open %s: %m", name), -1;
	if (fstat(fd, &st2) < 0 || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev) {
		close(fd);
		return dsl_err_set(e, "not removing %s: it changed while being removed", name), -1;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return dsl_err_set(e, "cannot read %s: %m", name), -1;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (rm_at(dirfd(d), de->d_name, dev, depth + 1, e) < 0)
			rc = -1;
	}
	closedir(d);
	if (rc == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return dsl_err_set(e, "cannot remove %s: %m", name), -1;
	return rc;
}

int dsl_rm_rf(const char *path, struct dsl_err *e)
{
	char *copy = dsl_strdup(path), *base, *parent;
	struct stat st;
	int pfd, rc;

	if (lstat(path, &st) < 0) {
		free(copy);
		return errno == ENOENT ? 0 : (dsl_err_set(e, "cannot stat %s: %m", path), -1);
	}
	base = strrchr(copy, '/');
	if (base && base != copy) {
		*base++ = '\0';
		parent = copy;
	} else if (base) {
		base++;
		parent = "/";
	} else {
		base = copy;
		parent = ".";
	}
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0) {
		dsl_err_set(e, "cannot open %s: %m", parent);
		free(copy);
		return -1;
	}
	rc = rm_at(pfd, base, st.st_dev, 0, e);
	if (rc < 0)
		dsl_err_prefix(e, "cannot remove %s", path);
	close(pfd);
	free(copy);
	return rc;
}

void dsl_human_size(unsigned long long bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}

char *dsl_printable(const char *in, size_t inlen, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (!outlen)
		return out;
	for (i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];
		int plain = c >= 0x20 && c < 0x7f && c != '\\';

		if (o + (plain ? 1 : 4) > outlen - 1)
			break;
		if (plain) {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	if (i < inlen) {
		/* cut to make room for "...", never inside an escape (every
		 * '\\' in out starts one of 4 characters) */
		size_t keep = outlen - 1 > 3 ? outlen - 1 - 3 : 0;

		if (o > keep)
			o = keep;
		for (size_t k = o > 3 ? o - 3 : 0; k < o; k++)
			if (out[k] == '\\') {
				o = k;
				break;
			}
		for (int d = 0; d < 3 && o < outlen - 1; d++)
			out[o++] = '.';
	}
	out[o] = '\0';
	return out;
}
