/* trk_stats.h - the tracker's state as JSON (GET /stats) and as Prometheus
 * text (GET /metrics). */
#ifndef TRK_STATS_H
#define TRK_STATS_H

#include <json-c/json.h>

#include "trk_bencode.h"
#include "trk_tracker.h"

/* Which part of the state one GET /stats answer shows.  The peer lists are
 * a window of at most --stats-max-peers peers (with their reports), from
 * `offset` in store order, so one answer is bounded whatever the swarms
 * hold; "next_offset" says where the next window starts. */
struct trk_stats_query {
	int with_peers;          /* 0: no peer lists */
	const uint8_t *hash;     /* only this swarm, or NULL: all */
	uint64_t offset;         /* peers to skip */
	int64_t only_uid;        /* >= 0: only the swarms whose helpers report
				    that uid (trk_auth.h); -1: all */
};

/* New JSON object (caller puts it); shown: how many swarms it lists. */
struct json_object *trk_stats_json(const struct trk_tracker *t, int64_t now,
				   const struct trk_stats_query *q, size_t *shown);
void trk_stats_metrics(const struct trk_tracker *t, int64_t now, struct trk_buf *b);

#endif
