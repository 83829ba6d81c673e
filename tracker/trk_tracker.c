/* trk_tracker.c - policy around the store: allow-list, secret, caps. */
#include "trk_tracker.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t trk_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

void trk_ip_str(const uint8_t ip[16], int v4, char *out, size_t n)
{
	if (!inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? ip + 12 : ip, out, (socklen_t)n))
		snprintf(out, n, "?");
}

static int cmp_hash(const void *a, const void *b)
{
	return memcmp(a, b, TRK_HASH_LEN);
}

int trk_tracker_init(struct trk_tracker *t, const struct trk_opts *o, const struct dsl_log *log)
{
	memset(t, 0, sizeof(*t));
	t->o = o;
	t->log = log;
	t->start = trk_now();
	trk_sipkey_random(&t->conn_key);
	if (o->nallow)   /* sorted once, so each announce is a binary search */
		qsort(o->allow, o->nallow, TRK_HASH_LEN, cmp_hash);
	t->v4buf = malloc((size_t)o->numwant_max * 6);
	t->v6buf = malloc((size_t)o->numwant_max * 18);
	if (!t->v4buf || !t->v6buf || trk_store_init(&t->store, o->max_swarms, o->max_peers) < 0) {
		trk_tracker_free(t);
		return -1;
	}
	t->store.lim.max_total_peers = o->max_total_peers;
	t->store.lim.max_peers_per_addr = o->max_peers_per_addr;
	t->store.lim.max_report_bytes = o->max_report_bytes;
	/* a peer that missed one re-announce (every --interval) has gone
	 * quiet: a new peer id may take its address and port */
	t->store.lim.takeover_after = o->interval + o->interval / 2;
	return 0;
}

void trk_tracker_free(struct trk_tracker *t)
{
	trk_store_free(&t->store);
	free(t->v4buf);
	free(t->v6buf);
	t->v4buf = t->v6buf = NULL;
}

void trk_tracker_refuse(struct trk_tracker *t, const uint8_t ip[16], int v4, const char *why)
{
	t->c.refusals++;
	/* a direct-mapped cache of (address, reason): a client retrying every
	 * few seconds is logged once, and the cache never grows */
	uint8_t k[16 + sizeof(why)];
	memcpy(k, ip, 16);
	memcpy(k + 16, &why, sizeof(why));
	uint64_t h = trk_siphash(&t->conn_key, k, sizeof(k)) | 1;
	uint64_t *slot = &t->refused[h % TRK_REFUSAL_CACHE];
	if (*slot == h)
		return;
	*slot = h;
	char addr[64];
	trk_ip_str(ip, v4, addr, sizeof(addr));
	dsl_warn(t->log, "refused %s: %s", addr, why);
}

static int allowed(const struct trk_tracker *t, const uint8_t *hash)
{
	return !t->o->nallow || bsearch(hash, t->o->allow, t->o->nallow, TRK_HASH_LEN, cmp_hash);
}

static const char *check_secret(const struct trk_tracker *t, const char *got, size_t len,
				unsigned seen)
{
	if (!t->o->secret)
		return NULL;
	if (!(seen & TRK_SEEN_SECRET))
		return "missing " TRK_SECRET_PARAM ": this tracker needs the announce URL it was "
		       "started with";
	if (!trk_secret_ok(t->o->secret, got, len))
		return "wrong " TRK_SECRET_PARAM;
	return NULL;
}

const char *trk_tracker_announce(struct trk_tracker *t, const struct trk_announce *a,
				 const uint8_t ip[16], int v4, enum trk_proto proto,
				 int64_t now, struct trk_answer *ans)
{
	const char *why = check_secret(t, a->secret, a->secret_len, a->seen);
	if (!why && !allowed(t, a->info_hash))
		why = "unknown swarm: info_hash not served by this tracker";
	if (why) {
		trk_tracker_refuse(t, ip, v4, why);
		return why;
	}
	struct trk_peer_in in;
	memcpy(in.hash, a->info_hash, TRK_HASH_LEN);
	memcpy(in.ip, ip, 16);
	in.v4 = (uint8_t)v4;
	in.port = a->port;
	memcpy(in.peer_id, a->peer_id, TRK_PEER_ID_LEN);
	in.left = a->left;
	in.uploaded = a->uploaded;
	in.downloaded = a->downloaded;
	in.stopped = a->event == TRK_EV_STOPPED;
	in.completed = a->event == TRK_EV_COMPLETED;
	uint32_t want = a->numwant < t->o->numwant_max ? a->numwant : t->o->numwant_max;
	ans->peers.v4 = t->v4buf;
	ans->peers.v6 = t->v6buf;
	uint64_t created = t->store.swarms_created;
	enum trk_store_rc rc = trk_store_announce(&t->store, &in, now, want, &ans->peers,
						  &ans->seeders, &ans->leechers);
	if (rc != TRK_STORE_OK) {
		why = trk_store_strerror(rc);
		trk_tracker_refuse(t, ip, v4, why);
		return why;
	}
	if (created != t->store.swarms_created) {
		char addr[64], hex[41];
		trk_ip_str(ip, v4, addr, sizeof(addr));
		trk_hex_encode(a->info_hash, TRK_HASH_LEN, hex);
		dsl_info(t->log, "new swarm %s, first announce from %s port %u (%s); %zu swarms",
			 hex, addr, a->port, a->left ? "leecher" : "seeder", t->store.nswarms);
	}
	if (proto == TRK_HTTP)
		t->c.announces_http++;
	else
		t->c.announces_udp++;
	if (t->log->level >= DSL_LOG_DEBUG) {
		char addr[64], hex[41];
		trk_ip_str(ip, v4, addr, sizeof(addr));
		trk_hex_encode(a->info_hash, TRK_HASH_LEN, hex);
		static const char *const ev[] = { "", " completed", " started", " stopped" };
		dsl_debug(t->log, "announce%s from %s port %u swarm %s left %llu: %u+%u peers",
			  ev[a->event], addr, a->port, hex, (unsigned long long)a->left,
			  ans->peers.n4, ans->peers.n6);
	}
	return NULL;
}

const char *trk_tracker_scrape(struct trk_tracker *t, const struct trk_scrape *s,
			       const uint8_t ip[16], int v4)
{
	const char *why = check_secret(t, s->secret, s->secret_len, s->seen);
	/* A full scrape would list every swarm's info-hash, and a job's
	 * info-hash is what opens its swarm: name the swarms you ask about. */
	if (!why && s->n == 0)
		why = "full scrape not served: give the info_hash of each swarm";
	if (why) {
		trk_tracker_refuse(t, ip, v4, why);
		return why;
	}
	t->c.scrapes++;
	return NULL;
}

const char *trk_tracker_report(struct trk_tracker *t, const struct trk_announce *a,
			       const uint8_t ip[16], int v4, struct trk_report *r)
{
	const char *why = check_secret(t, a->secret, a->secret_len, a->seen);

	if (!why && !allowed(t, a->info_hash))
		why = "unknown swarm: info_hash not served by this tracker";
	if (why) {
		free(r);
	} else {
		enum trk_store_rc rc = trk_store_report(&t->store, a->info_hash, ip, a->port,
							a->peer_id, trk_now(), r);

		if (rc != TRK_STORE_OK)
			why = trk_store_strerror(rc);
	}
	if (why) {
		trk_tracker_refuse(t, ip, v4, why);
		return why;
	}
	t->c.reports++;
	return NULL;
}

void trk_tracker_tick(struct trk_tracker *t, int64_t now)
{
	size_t sw0 = t->store.nswarms;
	size_t n = trk_store_expire(&t->store, now, t->o->peer_timeout);
	t->c.expired += n;
	if (n || sw0 != t->store.nswarms)
		dsl_info(t->log, "expired %zu peers (no announce for %d s), %zu empty swarms; "
			 "%zu swarms, %llu peers left", n, t->o->peer_timeout,
			 sw0 - t->store.nswarms, t->store.nswarms,
			 (unsigned long long)t->store.npeers);
}
