/* trk_auth.h - who may read a tracker's statistics.
 *
 * /stats names every swarm (its info-hash: for a job's swarm, the secret
 * that opens it) and every peer's address and report, so it is served only
 * to: a caller that presents the tracker's secret (dsl_secret=, the tracker
 * half of the job key on a job's tracker), or a caller whose MUNGE
 * credential (header X-Dsl-Munge, as `dsl status` sends it) says uid 0 or
 * the uid the tracker runs as (the job's user, for a job's tracker); any
 * other uid sees only the swarms whose helpers report that uid (a cluster
 * tracker: the caller's own jobs), and is refused when there are none.  MUNGE
 * refuses a credential it has decoded before, so a captured one cannot be
 * replayed.  /metrics gives counts only and stays open. */
#ifndef TRK_AUTH_H
#define TRK_AUTH_H

#include <stddef.h>

#include "trk_opts.h"

#define TRK_AUTH_HEADER "X-Dsl-Munge"

/* NULL: allowed, *only_uid -1 (everything) or the caller's uid (only the
 * swarms whose helpers report it); else why not (static or in buf). */
const char *trk_auth_stats(const struct trk_opts *o, const char *secret, size_t secret_len,
			   const char *cred, int64_t *only_uid, char *buf, size_t buflen);

#endif
