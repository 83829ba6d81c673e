/* dsh_status.c - what the helper is doing, as one JSON document. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dsh_status.h"
#include "dsl_util.h"

static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static json_object *peers_json(const struct dsh_session_stats *st)
{
	json_object *arr = json_object_new_array();

	for (int i = 0; i < st->npeers; i++) {
		const struct dsh_peer_stat *p = &st->peers[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "addr", json_object_new_string(p->addr));
		json_object_object_add(o, "seed", json_object_new_boolean(p->seed));
		json_object_object_add(o, "connected", json_object_new_boolean(p->connected));
		add_u64(o, "received", p->down_bytes);
		add_u64(o, "sent", p->up_bytes);
		json_object_object_add(o, "down_rate", json_object_new_int(p->down_rate));
		json_object_object_add(o, "up_rate", json_object_new_int(p->up_rate));
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *conns_json(const struct dsh_conn_stats *c)
{
	json_object *o = json_object_new_object(), *closed = json_object_new_object();

	add_u64(o, "dialled", c->dialled);
	add_u64(o, "incoming", c->incoming);
	add_u64(closed, "connect_failed", c->failed);
	add_u64(closed, "refused_full", c->too_many);
	add_u64(closed, "duplicate", c->duplicate);
	add_u64(closed, "other", c->other);
	json_object_object_add(o, "closed", closed);
	return o;
}

static json_object *reads_json(struct dsh_reads *r)
{
	struct dsh_read_stats rs;
	json_object *o = json_object_new_object();
	json_object *lat = json_object_new_object();

	dsh_reads_stats(r, &rs);
	add_u64(o, "reads", rs.reads);
	add_u64(o, "on_demand_waits", rs.waits);
	json_object_object_add(o, "waiting", json_object_new_int(rs.waiting));
	add_u64(o, "timeouts", rs.timeouts);
	add_u64(o, "errors", rs.errors);
	if (r->seeding) {   /* reads answered from the sources, checked for them */
		add_u64(o, "source_checks", rs.checks);
		add_u64(o, "source_checked_bytes", rs.check_bytes);
	}
	json_object_object_add(lat, "mean", json_object_new_double(rs.mean_ms));
	json_object_object_add(lat, "p50", json_object_new_double(rs.p50_ms));
	json_object_object_add(lat, "p99", json_object_new_double(rs.p99_ms));
	json_object_object_add(lat, "max", json_object_new_double(rs.max_ms));
	json_object_object_add(o, "wait_latency_ms", lat);
	return o;
}

/* The first caller that sees the set complete records when. */
static void note_complete(struct dsh_status_src *src, int complete, json_object *o)
{
	/* The session's own time of the last piece, when it has one: the
	 * status is built only a few times a second. */
	double done_at = dsh_session_complete_time(src->ses);
	int64_t none = -1, ms = (int64_t)(((done_at > 0 ? done_at : now_real()) - src->started) * 1000);
	int64_t at;

	if (complete)
		__atomic_compare_exchange_n(&src->complete_ms, &none, ms < 0 ? 0 : ms, 0,
					    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	at = __atomic_load_n(&src->complete_ms, __ATOMIC_ACQUIRE);
	if (at >= 0)
		json_object_object_add(o, "complete_seconds",
				       json_object_new_double((double)at / 1000.0));
}

/* The document without "updated" (the caller's to add). */
static json_object *build(struct dsh_status_src *src, int with_peers)
{
	struct dsh_session_stats st;
	json_object *o = json_object_new_object();
	json_object *pieces = json_object_new_object();
	json_object *bytes = json_object_new_object();
	json_object *rates = json_object_new_object();
	json_object *hold = json_object_new_object();
	char last_error[256];

	dsh_session_get_stats(src->ses, &st);
	json_object_object_add(o, "set", json_object_new_string(src->desc->name));
	json_object_object_add(o, "infohash", json_object_new_string(src->desc->infohash));
	json_object_object_add(o, "role", json_object_new_string(src->role));
	json_object_object_add(o, "state", json_object_new_string(
		st.state_checking ? "checking" : src->state));
	json_object_object_add(o, "complete", json_object_new_boolean(st.done >= st.total));
	note_complete(src, st.done >= st.total, o);
	if (src->job)
		json_object_object_add(o, "job", json_object_new_int64(src->job));
	/* Whose job: a cluster tracker shows a user the swarms that report
	 * that user's uid (tracker/trk_auth.h). */
	json_object_object_add(o, "uid", json_object_new_int64((int64_t)getuid()));
	if (src->node)
		json_object_object_add(o, "node", json_object_new_string(src->node));
	json_object_object_add(o, "mountpoint", json_object_new_string(src->mountpoint));
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	json_object_object_add(o, "port", json_object_new_int(dsh_session_port(src->ses)));
	json_object_object_add(o, "started", json_object_new_double(src->started));
	json_object_object_add(pieces, "done", json_object_new_int(st.done));
	json_object_object_add(pieces, "total", json_object_new_int(st.total));
	json_object_object_add(pieces, "size", json_object_new_int64(src->desc->piece_size));
	json_object_object_add(o, "pieces", pieces);
	add_u64(bytes, "received", st.down_bytes);
	add_u64(bytes, "sent", st.up_bytes);
	add_u64(bytes, "from_seeders", st.from_seeds);
	add_u64(bytes, "from_peers", st.from_peers);
	add_u64(bytes, "redundant", st.redundant);
	json_object_object_add(o, "bytes", bytes);
	json_object_object_add(rates, "down", json_object_new_int(st.down_rate));
	json_object_object_add(rates, "up", json_object_new_int(st.up_rate));
	json_object_object_add(o, "rates", rates);
	json_object_object_add(o, "hash_failures", json_object_new_int(st.hash_failures));
	add_u64(hold, "held", st.held);
	add_u64(hold, "rejected", st.held_rejected);
	add_u64(hold, "urgent_marked", st.urgent_marked);
	json_object_object_add(o, "hold", hold);
	json_object_object_add(o, "connections", conns_json(&st.conns));
	dsl_log_last_error(src->log, last_error, sizeof(last_error));
	if (last_error[0])
		json_object_object_add(o, "error", json_object_new_string(last_error));
	if (with_peers)
		json_object_object_add(o, "peers", peers_json(&st));
	json_object_object_add(o, "reads", reads_json(src->reads));
	dsh_session_stats_free(&st);
	return o;
}

static char *text(json_object *o)
{
	char *out = dsl_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));

	json_object_put(o);
	return out;
}

static char *stamped(json_object *o, double at)
{
	json_object_object_add(o, "updated", json_object_new_double(at));
	return text(o);
}

char *dsh_status_json(struct dsh_status_src *src)
{
	return stamped(build(src, 1), now_real());
}

/* Without "updated": the reporter posts it only when it changed. */
char *dsh_status_report_json(struct dsh_status_src *src)
{
	return text(build(src, 0));
}

int dsh_status_write(struct dsh_status_src *src, const char *path, struct dsl_err *e)
{
	json_object *o = build(src, 1);
	char *body = dsl_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	char *doc, *tmp;
	FILE *f;
	int rc = -1, bad;

	if (src->written && strcmp(body, src->written) == 0) {
		json_object_put(o);
		free(body);
		return 0;   /* nothing changed: no write, "updated" stays */
	}
	doc = stamped(o, now_real());
	tmp = dsl_xasprintf("%s.tmp", path);
	f = fopen(tmp, "w");
	/* No fsync: the file is for watchers on this node. */
	if (!f) {
		dsl_err_set(e, "%s: %m", tmp);
	} else {
		bad = fprintf(f, "%s\n", doc) < 0;
		bad = (fclose(f) != 0) || bad;
		if (bad)
			dsl_err_set(e, "%s: cannot write: %m", tmp);
		else if (rename(tmp, path) != 0)
			dsl_err_set(e, "%s: %m", path);
		else
			rc = 0;
		if (rc != 0)
			unlink(tmp);
	}
	if (rc == 0) {
		free(src->written);
		src->written = body;
		body = NULL;
	}
	free(body);
	free(tmp);
	free(doc);
	return rc;
}

void dsh_status_free(struct dsh_status_src *src)
{
	free(src->written);
	src->written = NULL;
}
