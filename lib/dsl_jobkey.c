/* dsl_jobkey.c - the per-job secret (dsl_jobkey.h). */
#include "dsl_jobkey.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

int dsl_jobkey_new(char out[DSL_JOBKEY_HEX + 1], struct dsl_err *e)
{
	static const char d[] = "0123456789abcdef";
	unsigned char r[DSL_JOBKEY_HEX / 2];
	size_t got = 0;

	/* getrandom blocks only before the kernel's pool is initialised (never
	 * on a running cluster node); EINTR is retried a bounded number of times. */
	for (int tries = 0; got < sizeof(r) && tries < 8; tries++) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (n < 0 && errno != EINTR)
			break;
	}
	if (got < sizeof(r)) {
		dsl_err_set(e, "cannot create the job key: getrandom: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(r); i++) {
		out[2 * i] = d[r[i] >> 4];
		out[2 * i + 1] = d[r[i] & 15];
	}
	out[DSL_JOBKEY_HEX] = '\0';
	memset(r, 0, sizeof(r));
	return 0;
}

int dsl_jobkey_check(const char *s, struct dsl_err *e)
{
	if (!s || strlen(s) != DSL_JOBKEY_HEX ||
	    strspn(s, "0123456789abcdef") != DSL_JOBKEY_HEX) {
		dsl_err_set(e, "job key: not %d lowercase hex digits", DSL_JOBKEY_HEX);
		return -1;
	}
	return 0;
}

void dsl_jobkey_swarm(const char *key, char out[DSL_JOBKEY_HALF + 1])
{
	memcpy(out, key, DSL_JOBKEY_HALF);
	out[DSL_JOBKEY_HALF] = '\0';
}

void dsl_jobkey_tracker(const char *key, char out[DSL_JOBKEY_HALF + 1])
{
	memcpy(out, key + DSL_JOBKEY_HALF, DSL_JOBKEY_HALF);
	out[DSL_JOBKEY_HALF] = '\0';
}
