/* trk_stats.h - the tracker's state as JSON (GET /stats) and as Prometheus
 * text (GET /metrics). */
#ifndef TRK_STATS_H
#define TRK_STATS_H

#include <json-c/json.h>

#include "trk_bencode.h"
#include "trk_tracker.h"

/* New JSON object (caller puts it); with_peers 0 leaves out the peer lists. */
struct json_object *trk_stats_json(const struct trk_tracker *t, int64_t now, int with_peers);
void trk_stats_metrics(const struct trk_tracker *t, int64_t now, struct trk_buf *b);

#endif
