/* dsl_auth.c - the MUNGE credential `dsl status` shows a tracker: it proves
 * the caller's uid, which the tracker compares with root and the job's user
 * (tracker/trk_auth.h).  Every Slurm cluster runs munged already. */
#include <munge.h>
#include <stdlib.h>

#include "cli.h"
#include "dsl_util.h"

char *cli_munge_header(const char *socket_path, struct dsl_err *e)
{
	char *cred = NULL, *h;
	munge_ctx_t ctx = munge_ctx_create();
	munge_err_t err = EMUNGE_NO_MEMORY;

	if (ctx && (!socket_path || !*socket_path ||
		    (err = munge_ctx_set(ctx, MUNGE_OPT_SOCKET, socket_path)) == EMUNGE_SUCCESS))
		err = munge_encode(&cred, ctx, NULL, 0);
	if (ctx)
		munge_ctx_destroy(ctx);

	if (err != EMUNGE_SUCCESS) {
		dsl_err_set(e, "no MUNGE credential (%s)", munge_strerror(err));
		free(cred);
		return NULL;
	}
	h = dsl_xasprintf("X-Dsl-Munge: %s", cred);
	free(cred);
	return h;
}
