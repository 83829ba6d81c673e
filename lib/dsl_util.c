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
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
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

void *dsl_xgrow(void *p, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t c = *cap;

	if (need <= c)
		return p;
	if (c == 0)
		c = first;
	while (c < need)
		c *= 2;
	*cap = c;
	return dsl_xrealloc(p, c * size);
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

/* The directory `name` under the open directory pfd, following a symlink
 * only when its owner is root (the administrator's /var/run -> /run) or
 * the caller itself (a user's ~/.dsl -> /scratch/...): for root that is
 * root's links only, so a user cannot steer root's directory creation. */
static int open_dir_at(int pfd, const char *name)
{
	struct stat st;
	int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	/* O_DIRECTORY | O_NOFOLLOW on a link: ELOOP or ENOTDIR. */
	if (fd >= 0 || (errno != ELOOP && errno != ENOTDIR))
		return fd;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (st.st_uid == 0 || st.st_uid == geteuid())
		return openat(pfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	errno = ELOOP;
	return -1;
}

int dsl_mkdir_p(const char *path, mode_t mode, struct dsl_err *e)
{
	char *p = dsl_strdup(path), *comp = p, *slash;
	int fd = open(*p == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), next, rc = 0;

	while (fd >= 0 && *comp) {
		while (*comp == '/')
			comp++;
		if (!*comp)
			break;
		slash = strchr(comp, '/');
		if (slash)
			*slash = '\0';
		if (mkdirat(fd, comp, mode) < 0 && errno != EEXIST) {
			rc = -1;
		} else if ((next = open_dir_at(fd, comp)) < 0) {
			rc = -1;
		} else {
			close(fd);
			fd = next;
		}
		if (rc < 0) {
			if (slash)
				*slash = '\0';
			dsl_err_set(e, "cannot create directory %.*s: %s", (int)(comp - p + strlen(comp)),
				    path, errno == ELOOP ? "a symbolic link is in the way" : strerror(errno));
			break;
		}
		if (!slash)
			break;
		comp = slash + 1;
	}
	if (fd < 0 && rc == 0) {
		dsl_err_set(e, "cannot create directory %s: %m", path);
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	free(p);
	return rc;
}

size_t dsl_read_upto(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

int dsl_read_file(const char *path, size_t max, char **data, size_t *len,
		  struct dsl_err *e)
{
	struct stat st;
	char *buf;
	size_t got;
	/* O_NONBLOCK: a FIFO put in place of the file fails below instead of
	 * blocking the open. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

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
	got = dsl_read_upto(fd, buf, (size_t)st.st_size);
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

/* Removing a tree as root from a place the job's user could write to.
 * Every step is relative to an fd already checked, never a path looked up
 * again, and never follows a symlink (one swapped in half-way cannot
 * redirect the removal).  No recursion and one directory fd at a time, so
 * any depth works (a user can nest far deeper than PATH_MAX or the stack
 * allows): going down opens the child, going up opens ".." and checks it
 * is the directory we came from (device and inode kept per level, plus
 * the position to resume reading at: 24 bytes a level).  A directory on
 * another device (a mount point left behind) is not entered. */
struct rm_level {
	dev_t dev;
	ino_t ino;
	long pos;          /* telldir position of the child being emptied */
};

struct rm_walk {
	struct rm_level *lv;
	size_t n, cap;
	struct rm_level *stuck;   /* directories that could not be emptied */
	size_t nstuck, capstuck;
	int failed;
	long deadline_ms;  /* a writer racing the removal cannot keep it going */
	struct dsl_err *e;
};

#define RM_MAX_STUCK 4096
#define RM_MAX_MS 60000

static long mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static void rm_fail(struct rm_walk *w, const char *fmt, const char *name)
{
	if (!w->failed)
		dsl_err_set(w->e, fmt, name, strerror(errno));
	w->failed = 1;
}

static int is_stuck(const struct rm_walk *w, const struct stat *st)
{
	for (size_t i = 0; i < w->nstuck; i++)
		if (w->stuck[i].ino == st->st_ino && w->stuck[i].dev == st->st_dev)
			return 1;
	return 0;
}

static void push(struct rm_level **v, size_t *n, size_t *cap, dev_t dev, ino_t ino)
{
	*v = dsl_xgrow(*v, cap, *n + 1, sizeof(**v), 64);
	(*v)[*n].dev = dev;
	(*v)[*n].ino = ino;
	(*v)[(*n)++].pos = 0;
}

/* Open directory name under dfd without following links, check it is the
 * one lstat saw. */
static int open_checked(int dfd, const char *name, const struct stat *st)
{
	struct stat st2;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st2) < 0 || st2.st_ino != st->st_ino || st2.st_dev != st->st_dev) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

/* One pass over the directory fd: remove what can be removed; returns the
 * fd of a non-empty child to go into (its position saved), or -1. */
static int rm_pass(struct rm_walk *w, int fd, dev_t dev, long from, size_t *left)
{
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3), child = -1;
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	struct dirent *de;
	struct stat st;

	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		rm_fail(w, "cannot read %s: %s", "a directory");
		return -1;
	}
	rewinddir(d);      /* the fd's offset is shared with earlier passes */
	if (from)
		seekdir(d, from);
	for (long pos = telldir(d); (de = readdir(d)); pos = telldir(d)) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT) {
				rm_fail(w, "cannot stat %s: %s", de->d_name);
				++*left;
			}
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT) {
				rm_fail(w, "cannot remove %s: %s", de->d_name);
				++*left;
			}
			continue;
		}
		if (st.st_dev != dev) {
			errno = EBUSY;
			rm_fail(w, "not removing %s: %s (another file system is mounted there)",
				de->d_name);
			++*left;
			continue;
		}
		if (is_stuck(w, &st)) {
			++*left;
			continue;
		}
		if (unlinkat(fd, de->d_name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			continue;
		if (errno != ENOTEMPTY && errno != EEXIST) {
			rm_fail(w, "cannot remove %s: %s", de->d_name);
			++*left;
			continue;
		}
		child = open_checked(fd, de->d_name, &st);
		if (child < 0) {
			rm_fail(w, "cannot open %s: %s", de->d_name);
			++*left;
			continue;
		}
		w->lv[w->n - 1].pos = pos;
		push(&w->lv, &w->n, &w->cap, st.st_dev, st.st_ino);
		break;
	}
	closedir(d);
	return child;
}

/* Empty the directory open at fd (its identity is w->lv[0]); returns the
 * fd of that same directory again (or -1 when the walk lost its way). */
static int rm_empty(struct rm_walk *w, int fd, dev_t dev)
{
	long from = 0;

	while (fd >= 0) {
		size_t left = 0;
		int child = rm_pass(w, fd, dev, from, &left), parent;
		struct stat me, st;

		if (mono_ms() > w->deadline_ms) {
			errno = ETIMEDOUT;
			rm_fail(w, "%s: %s", "not done in time");
			if (child >= 0)
				close(child);
			close(fd);
			return -1;
		}
		if (child >= 0) {
			close(fd);
			fd = child;
			from = 0;
			continue;
		}
		if (from) {
			from = 0;      /* once more from the start: what is left? */
			continue;
		}
		if (w->n == 1)
			return fd;
		/* What could not be removed stays, and so does its directory:
		 * never go into it again. */
		if (left && fstat(fd, &me) == 0) {
			if (w->nstuck == RM_MAX_STUCK) {
				close(fd);
				return -1;
			}
			push(&w->stuck, &w->nstuck, &w->capstuck, me.st_dev, me.st_ino);
		}
		/* Up: ".." must be the directory we came down from. */
		parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = parent;
		w->n--;
		if (fd < 0 || fstat(fd, &st) < 0 || st.st_ino != w->lv[w->n - 1].ino ||
		    st.st_dev != w->lv[w->n - 1].dev) {
			errno = ESTALE;
			rm_fail(w, "%s: a directory was moved while it was removed (%s)", "the tree");
			if (fd >= 0)
				close(fd);
			return -1;
		}
		from = w->lv[w->n - 1].pos;
	}
	return -1;
}

int dsl_rm_rf(const char *path, struct dsl_err *e)
{
	char *copy = dsl_strdup(path), *base, *parent;
	struct rm_walk w = { .e = e, .deadline_ms = mono_ms() + RM_MAX_MS };
	struct stat st;
	int pfd, fd, rc = 0;

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
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(pfd, base, 0) < 0 && errno != ENOENT) {
			dsl_err_set(e, "cannot remove %s: %m", path);
			rc = -1;
		}
	} else if ((fd = open_checked(pfd, base, &st)) < 0) {
		dsl_err_set(e, "cannot open %s: %m", path);
		rc = -1;
	} else {
		push(&w.lv, &w.n, &w.cap, st.st_dev, st.st_ino);
		fd = rm_empty(&w, fd, st.st_dev);
		if (fd >= 0)
			close(fd);
		if (!w.failed && unlinkat(pfd, base, AT_REMOVEDIR) < 0 && errno != ENOENT)
			rm_fail(&w, "cannot remove %s: %s", path);
		if (w.failed) {
			dsl_err_prefix(e, "cannot remove %s", path);
			rc = -1;
		}
	}
	close(pfd);
	free(w.lv);
	free(w.stuck);
	free(copy);
	return rc;
}

size_t dsl_printable_inplace(char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			*s = *s == '\n' ? ' ' : '?';
			n++;
		}
	return n;
}

long dsl_peak_kib(long *children_kib)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	if (children_kib)
		*children_kib = kids.ru_maxrss;
	return self.ru_maxrss;
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

int dsl_parse_long(const char *s, long lo, long hi, long *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < lo || n > hi)
		return -1;
	*v = n;
	return 0;
}
