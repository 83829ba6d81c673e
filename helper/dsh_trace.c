/* dsh_trace.c - the helper's event trace (dsh_trace.h). */
#include "dsh_trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dsl_util.h"

struct dsh_trace {
	int fd;
};

struct dsh_trace *dsh_trace_open(const char *path, struct dsl_err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	struct dsh_trace *t;

	if (fd < 0) {
		dsl_err_set(e, "trace file %s: %s", path, strerror(errno));
		return NULL;
	}
	t = dsl_xcalloc(1, sizeof(*t));
	t->fd = fd;
	return t;
}

void dsh_trace_close(struct dsh_trace *t)
{
	if (!t)
		return;
	close(t->fd);
	free(t);
}

void dsh_trace_ev(struct dsh_trace *t, char ev, int piece, int block, const char *peer)
{
	struct timespec ts;
	char line[128];
	int n;

	if (!t)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(line, sizeof(line), "%lld.%03ld %c %d",
		     (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
		     ts.tv_nsec % 1000000 / 1000, ev, piece);
	if (block >= 0 && peer && n > 0 && n < (int)sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, " %d %s", block, peer);
	if (n > 0 && n < (int)sizeof(line) - 1) {
		line[n++] = '\n';
		if (write(t->fd, line, (size_t)n) < 0) {
			/* A full disk costs the trace, never the helper. */
		}
	}
}
