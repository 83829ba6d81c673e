/* trk_report.h - POST /report: a helper's status document, checked before
 * the tracker keeps it with the helper's peer entry.
 *
 * The tracker shows reports (GET /stats) and sums them (GET /metrics); it
 * never acts on them, so the check is about shape and size, not meaning:
 * one JSON object, at most TRK_REPORT_MAX bytes and TRK_REPORT_DEPTH levels,
 * byte counters that are non-negative integers, and an "infohash" (if
 * present) that names the swarm it was posted to. */
#ifndef TRK_REPORT_H
#define TRK_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "trk_store.h"

#define TRK_REPORT_MAX 8192
#define TRK_REPORT_DEPTH 8

/* NULL and *out (malloc'd, compact JSON) when body is acceptable for swarm
 * hash; otherwise a static string saying why not. */
const char *trk_report_parse(const char *body, size_t len, const uint8_t hash[TRK_HASH_LEN],
			     int64_t now, struct trk_report **out);

#endif
