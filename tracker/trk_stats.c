/* trk_stats.c - GET /stats and GET /metrics. */
#include "trk_stats.h"

#include <string.h>

struct stats_walk {
	const struct trk_tracker *t;
	int64_t now;
	const struct trk_stats_query *q;
	size_t shown;
	struct json_object *swarms;
	uint64_t bytes_left;
	uint64_t seen;           /* peers walked past, in store order */
	uint32_t listed;         /* peers in this answer */
	int cut;                 /* the window ended before the last peer */
};

static void add_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static struct json_object *peer_json(const struct trk_peer *p, int64_t now)
{
	char addr[64];
	struct json_object *o = json_object_new_object();
	trk_ip_str(p->ip, p->v4, addr, sizeof(addr));
	json_object_object_add(o, "address", json_object_new_string(addr));
	add_int(o, "port", p->port);
	json_object_object_add(o, "state", json_object_new_string(p->seeder ? "seeder" : "leecher"));
	add_int(o, "left", (int64_t)p->left);
	add_int(o, "uploaded", (int64_t)p->uploaded);
	add_int(o, "downloaded", (int64_t)p->downloaded);
	add_int(o, "age", now - p->first_seen);
	add_int(o, "last_announce", now - p->last_seen);
	if (p->report) {   /* checked when posted, so it parses */
		json_object_object_add(o, "report", json_tokener_parse(p->report->json));
		add_int(o, "report_age", now - p->report->time);
	}
	return o;
}

/* A swarm belongs to uid when one of its helpers reports that uid. */
static int owned_by(const struct trk_swarm *sw, int64_t uid)
{
	for (uint32_t i = 0; i < sw->npeers; i++)
		if (sw->peers[i].report && sw->peers[i].report->uid == uid)
			return 1;
	return 0;
}

static void swarm_json(void *arg, const struct trk_swarm *sw)
{
	struct stats_walk *w = arg;
	char hex[2 * TRK_HASH_LEN + 1];
	uint64_t left = 0;
	struct json_object *o, *peers;

	if (w->q->only_uid >= 0 && !owned_by(sw, w->q->only_uid))
		return;

	if (w->q->hash && memcmp(w->q->hash, sw->hash, TRK_HASH_LEN))
		return;
	w->shown++;
	o = json_object_new_object();
	peers = w->q->with_peers ? json_object_new_array() : NULL;
	trk_hex_encode(sw->hash, TRK_HASH_LEN, hex);
	for (uint32_t i = 0; i < sw->npeers; i++) {
		left += sw->peers[i].left;
		if (!peers || w->seen++ < w->q->offset)
			continue;
		if (w->listed >= w->t->o->stats_max_peers) {
			w->cut = 1;
			continue;
		}
		json_object_array_add(peers, peer_json(&sw->peers[i], w->now));
		w->listed++;
	}
	w->bytes_left += left;
	json_object_object_add(o, "info_hash", json_object_new_string(hex));
	add_int(o, "seeders", sw->nseeders);
	add_int(o, "leechers", sw->npeers - sw->nseeders);
	add_int(o, "completed", (int64_t)sw->completed);
	add_int(o, "bytes_left", (int64_t)left);
	if (peers)
		json_object_object_add(o, "peers", peers);
	json_object_array_add(w->swarms, o);
}

struct json_object *trk_stats_json(const struct trk_tracker *t, int64_t now,
				   const struct trk_stats_query *q, size_t *shown)
{
	struct stats_walk w = { .t = t, .now = now, .q = q, .swarms = json_object_new_array() };
	struct json_object *root = json_object_new_object();
	struct json_object *tot = json_object_new_object();
	struct json_object *lim = json_object_new_object();

	trk_store_foreach(&t->store, swarm_json, &w);
	json_object_object_add(root, "tracker", json_object_new_string("dsl-tracker"));
	json_object_object_add(root, "version", json_object_new_string(PACKAGE_VERSION));
	add_int(root, "uptime", now - t->start);
	add_int(root, "interval", t->o->interval);
	add_int(root, "peer_timeout", t->o->peer_timeout);
	add_int(tot, "swarms", (int64_t)t->store.nswarms);
	add_int(tot, "peers", (int64_t)t->store.npeers);
	add_int(tot, "seeders", (int64_t)t->store.nseeders);
	add_int(tot, "leechers", (int64_t)(t->store.npeers - t->store.nseeders));
	add_int(tot, "bytes_left", (int64_t)w.bytes_left);
	add_int(tot, "announces_http", (int64_t)t->c.announces_http);
	add_int(tot, "announces_udp", (int64_t)t->c.announces_udp);
	add_int(tot, "scrapes", (int64_t)t->c.scrapes);
	add_int(tot, "refusals", (int64_t)t->c.refusals);
	add_int(tot, "udp_connects", (int64_t)t->c.udp_connects);
	add_int(tot, "expired_peers", (int64_t)t->c.expired);
	add_int(tot, "reports", (int64_t)t->c.reports);
	add_int(lim, "max_swarms", (int64_t)t->o->max_swarms);
	add_int(lim, "max_peers", t->o->max_peers);
	add_int(lim, "numwant_max", t->o->numwant_max);
	add_int(lim, "max_peers_total", (int64_t)t->o->max_total_peers);
	add_int(lim, "max_peers_per_addr", t->o->max_peers_per_addr);
	add_int(lim, "max_report_bytes", (int64_t)t->o->max_report_bytes);
	add_int(lim, "stats_max_peers", t->o->stats_max_peers);
	add_int(tot, "report_bytes", (int64_t)t->store.report_bytes);
	add_int(lim, "allow_list", (int64_t)t->o->nallow);
	json_object_object_add(lim, "secret", json_object_new_boolean(t->o->secret != NULL));
	json_object_object_add(root, "totals", tot);
	json_object_object_add(root, "limits", lim);
	json_object_object_add(root, "swarms", w.swarms);
	if (q->with_peers) {
		add_int(root, "peers_offset", (int64_t)q->offset);
		add_int(root, "peers_listed", w.listed);
		if (w.cut)
			add_int(root, "next_offset", (int64_t)(q->offset + w.listed));
	}
	if (shown)
		*shown = w.shown;
	return root;
}

/* Sums over every peer, and over the reports peers posted. */
struct metric_sums {
	uint64_t left, reports, complete, received, sent, from_seeders, from_peers;
};

static void sum_peers(void *arg, const struct trk_swarm *sw)
{
	struct metric_sums *m = arg;
	for (uint32_t i = 0; i < sw->npeers; i++) {
		const struct trk_report *r = sw->peers[i].report;
		m->left += sw->peers[i].left;
		if (!r)
			continue;
		m->reports++;
		m->complete += r->complete != 0;
		m->received += r->received;
		m->sent += r->sent;
		m->from_seeders += r->from_seeders;
		m->from_peers += r->from_peers;
	}
}

static void metric(struct trk_buf *b, const char *name, const char *type, const char *help,
		   unsigned long long v)
{
	trk_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, v);
}

void trk_stats_metrics(const struct trk_tracker *t, int64_t now, struct trk_buf *b)
{
	struct metric_sums m = { 0 };
	trk_store_foreach(&t->store, sum_peers, &m);
	metric(b, "dsl_tracker_uptime_seconds", "gauge", "Seconds since start.",
	       (unsigned long long)(now - t->start));
	metric(b, "dsl_tracker_swarms", "gauge", "Swarms with peers.", t->store.nswarms);
	metric(b, "dsl_tracker_peers", "gauge", "Peers in all swarms.", t->store.npeers);
	metric(b, "dsl_tracker_seeders", "gauge", "Peers with nothing left.", t->store.nseeders);
	metric(b, "dsl_tracker_bytes_left", "gauge", "Sum of the bytes left that peers announced.",
	       m.left);
	trk_buf_printf(b, "# HELP dsl_tracker_announces_total Announces answered with peers.\n"
		       "# TYPE dsl_tracker_announces_total counter\n"
		       "dsl_tracker_announces_total{proto=\"http\"} %llu\n"
		       "dsl_tracker_announces_total{proto=\"udp\"} %llu\n",
		       (unsigned long long)t->c.announces_http,
		       (unsigned long long)t->c.announces_udp);
	metric(b, "dsl_tracker_scrapes_total", "counter", "Scrapes answered.", t->c.scrapes);
	metric(b, "dsl_tracker_refusals_total", "counter", "Requests answered with an error.",
	       t->c.refusals);
	metric(b, "dsl_tracker_expired_peers_total", "counter",
	       "Peers dropped after --peer-timeout without an announce.", t->c.expired);
	metric(b, "dsl_tracker_reports_total", "counter", "Helper status reports accepted.",
	       t->c.reports);
	metric(b, "dsl_tracker_reporting_peers", "gauge", "Peers whose helper posted a report.",
	       m.reports);
	metric(b, "dsl_tracker_reported_complete_peers", "gauge",
	       "Peers whose latest report says the set is complete.", m.complete);
	trk_buf_printf(b, "# HELP dsl_tracker_reported_bytes Sums of the byte counters in the "
		       "peers' latest reports.\n"
		       "# TYPE dsl_tracker_reported_bytes gauge\n"
		       "dsl_tracker_reported_bytes{kind=\"received\"} %llu\n"
		       "dsl_tracker_reported_bytes{kind=\"sent\"} %llu\n"
		       "dsl_tracker_reported_bytes{kind=\"from_seeders\"} %llu\n"
		       "dsl_tracker_reported_bytes{kind=\"from_peers\"} %llu\n",
		       (unsigned long long)m.received, (unsigned long long)m.sent,
		       (unsigned long long)m.from_seeders, (unsigned long long)m.from_peers);
}
