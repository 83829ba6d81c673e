/* trk_tracker.h - what an announce or a scrape may do, for both transports:
 * allow-list, secret, caps, counters and refusal logging around the store. */
#ifndef TRK_TRACKER_H
#define TRK_TRACKER_H

#include <stdint.h>

#include "dsl_log.h"
#include "trk_opts.h"
#include "trk_request.h"
#include "trk_store.h"

#define TRK_REFUSAL_CACHE 4096

struct trk_counters {
	uint64_t announces_http, announces_udp;
	uint64_t scrapes;
	uint64_t refusals;
	uint64_t udp_connects, udp_bad;
	uint64_t expired;
	uint64_t reports;        /* POST /report accepted */
};

struct trk_tracker {
	const struct trk_opts *o;
	const struct dsl_log *log;
	struct trk_store store;
	struct trk_counters c;
	int64_t start;
	struct trk_sipkey conn_key;              /* UDP connection ids */
	uint64_t refused[TRK_REFUSAL_CACHE];     /* who was told what: log once */
	uint8_t *v4buf, *v6buf;                  /* numwant_max entries each */
};

struct trk_answer {
	struct trk_peerlist peers;
	uint32_t seeders, leechers;
};

enum trk_proto { TRK_HTTP, TRK_UDP };

int trk_tracker_init(struct trk_tracker *t, const struct trk_opts *o, const struct dsl_log *log);
void trk_tracker_free(struct trk_tracker *t);

/* NULL and ans filled, or the failure reason (counted and logged once). */
const char *trk_tracker_announce(struct trk_tracker *t, const struct trk_announce *a,
				 const uint8_t ip[16], int v4, enum trk_proto proto,
				 int64_t now, struct trk_answer *ans);
/* Secret check for a scrape; NULL when allowed. */
const char *trk_tracker_scrape(struct trk_tracker *t, const struct trk_scrape *s,
			       const uint8_t ip[16], int v4);
/* A helper's status report for its peer entry: the secret and allow-list
 * as for an announce, then r goes to the store (which owns it from here,
 * also on failure).  NULL, or the reason (counted and logged once). */
const char *trk_tracker_report(struct trk_tracker *t, const struct trk_announce *a,
			       const uint8_t ip[16], int v4, struct trk_report *r);
/* Counts and logs a refusal that happened before the tracker saw a request
 * (malformed query, bad packet). */
void trk_tracker_refuse(struct trk_tracker *t, const uint8_t ip[16], int v4,
			const char *why);

void trk_tracker_tick(struct trk_tracker *t, int64_t now);

int64_t trk_now(void);
/* "1.2.3.4" or "::1" */
void trk_ip_str(const uint8_t ip[16], int v4, char *out, size_t n);

#endif
