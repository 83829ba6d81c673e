/* trk_auth.c - who may read a tracker's statistics (trk_auth.h). */
#include "trk_auth.h"

#include <munge.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trk_request.h"

/* A credential is about 150-400 base64 characters; a bigger header is not one. */
#define TRK_AUTH_CRED_MAX 4096

static const char *munge_uid(const char *socket_path, const char *cred, uid_t *uid, char *buf,
			     size_t buflen)
{
	gid_t gid;
	munge_err_t err;

	if (strlen(cred) > TRK_AUTH_CRED_MAX)
		return "MUNGE credential refused: too long";
	munge_ctx_t ctx = munge_ctx_create();

	if (!ctx)
		return "MUNGE credential refused: out of memory";
	if (socket_path && munge_ctx_set(ctx, MUNGE_OPT_SOCKET, socket_path) != EMUNGE_SUCCESS) {
		munge_ctx_destroy(ctx);
		return "MUNGE credential refused: bad --munge-socket";
	}
	err = munge_decode(cred, ctx, NULL, NULL, uid, &gid);
	munge_ctx_destroy(ctx);
	if (err != EMUNGE_SUCCESS) {
		snprintf(buf, buflen, "MUNGE credential refused: %s", munge_strerror(err));
		return buf;
	}
	return NULL;
}

const char *trk_auth_stats(const struct trk_opts *o, const char *secret, size_t secret_len,
			   const char *cred, int64_t *only_uid, char *buf, size_t buflen)
{
	const char *why;
	uid_t uid;

	*only_uid = -1;
	if (o->secret && secret && trk_secret_ok(o->secret, secret, secret_len))
		return NULL;
	if (!cred)
		return "statistics need the job's key or a MUNGE credential of the job's user "
		       "or root (dsl status sends one)";
	why = munge_uid(o->munge_socket, cred, &uid, buf, buflen);
	if (why)
		return why;
	if (uid != 0 && uid != geteuid())
		*only_uid = (int64_t)uid;
	return NULL;
}
