/* dsl_status.c - `dsl status JOBID`: a job's distribution.
 *
 * A summary that fits a screen whatever the job's size (progress, rate, a
 * histogram of completion times, the slowest nodes, what the file server
 * sent); one line per node with --nodes (and by default for jobs of up to
 * STATUS_NODE_LINES nodes); --json for everything.  Nodes are matched to
 * the tracker's peers by the node name in their reports (sorted, O(log N)
 * each); only nodes without a report are looked up by address.
 *
 * Where the numbers come from:
 * - Slurm (slurm_load_job): the job's nodes and state.  (The versions a
 *   job pinned live in its SPANK environment, which Slurm does not show to
 *   clients; the helpers report them instead.)
 * - the job's tracker (GET /stats; the per-job tracker on the job's first
 *   node at dsl_config_tracker_port, or the cluster tracker):
 *   for every peer what it last announced (bytes left, uploaded,
 *   downloaded) and the helper's own status report (set, version, job,
 *   bytes from seeders and from other peers, rates, on-demand waits).
 * A node the tracker does not know is shown as "no contact". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <getopt.h>
#include <json-c/json.h>
#include <netdb.h>
#include <slurm/slurm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "dsl_opt.h"
#include "dsl_roles.h"
#include "dsl_util.h"

#define STATUS_MAX_SETS 16

struct status_job {
	unsigned long id;
	char state[32];
	char **nodes;
	size_t nnodes;
};

/* One set of the job, as the tracker and the helpers' reports show it. */
struct status_set {
	json_object *swarm;            /* borrowed from the /stats document */
	char name[DSL_NAME_MAX + 1];
	char hash[DSL_INFOHASH_HEX + 1];
	uint64_t size;                 /* 0 when unknown */
};

static void job_free(struct status_job *j)
{
	dsl_strv_free(j->nodes, j->nnodes);
	memset(j, 0, sizeof(*j));
}

/* A node's numeric address, for a node whose helper has not reported (its
 * name is in every report): looked up only for those, never for the job. */
static void node_addr(const char *node, char *buf, size_t len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;

	buf[0] = '\0';
	if (getaddrinfo(node, NULL, &hints, &res) == 0) {
		getnameinfo(res->ai_addr, res->ai_addrlen, buf, (socklen_t)len, NULL, 0,
			    NI_NUMERICHOST);
		freeaddrinfo(res);
	}
}

/* libslurm exports no declared state-name function: name the base states. */
static const char *state_name(uint32_t state)
{
	switch (state & JOB_STATE_BASE) {
	case JOB_PENDING: return "PENDING";
	case JOB_RUNNING: return "RUNNING";
	case JOB_SUSPENDED: return "SUSPENDED";
	case JOB_COMPLETE: return "COMPLETED";
	case JOB_CANCELLED: return "CANCELLED";
	case JOB_FAILED: return "FAILED";
	case JOB_TIMEOUT: return "TIMEOUT";
	case JOB_NODE_FAIL: return "NODE_FAIL";
	case JOB_PREEMPTED: return "PREEMPTED";
	case JOB_BOOT_FAIL: return "BOOT_FAIL";
	case JOB_DEADLINE: return "DEADLINE";
	case JOB_OOM: return "OUT_OF_MEMORY";
	default: return "UNKNOWN";
	}
}

static int load_job(unsigned long id, struct status_job *j, struct dsl_err *e)
{
	job_info_msg_t *msg = NULL;
	slurm_job_info_t *job;

	memset(j, 0, sizeof(*j));
	j->id = id;
	/* libslurm exits the process when it finds no configuration. */
	if (!getenv("SLURM_CONF") && access("/etc/slurm/slurm.conf", R_OK) < 0) {
		dsl_err_set(e, "no Slurm configuration: set SLURM_CONF or install /etc/slurm/slurm.conf");
		return -1;
	}
	slurm_init(NULL);
	if (slurm_load_job(&msg, (uint32_t)id, SHOW_DETAIL) != 0 || !msg || !msg->record_count) {
		dsl_err_set(e, "job %lu: %s", id, slurm_strerror(slurm_get_errno()));
		if (msg)
			slurm_free_job_info_msg(msg);
		return -1;
	}
	job = &msg->job_array[0];
	snprintf(j->state, sizeof(j->state), "%s", state_name(job->job_state));
	if (!job->nodes || !*job->nodes ||
	    dsl_hostlist_expand(job->nodes, 1, &j->nodes, &j->nnodes, e) < 0) {
		dsl_err_set(e, "job %lu has no nodes (state %s)", id, j->state);
		slurm_free_job_info_msg(msg);
		return -1;
	}
	slurm_free_job_info_msg(msg);
	return 0;
}

/* Host and port of the tracker that serves this job. */
static int tracker_of(const struct cli_ctx *ctx, const struct status_job *j, char *host,
		      size_t hostlen, int *port)
{
	const char *url = ctx->cfg.tracker;

	if (!strcmp(url, "job")) {
		snprintf(host, hostlen, "%s", j->nodes[0]);
		*port = dsl_config_tracker_port(&ctx->cfg, j->id);
		return 0;
	}
	if (strncmp(url, "http://", 7))
		return -1;     /* /stats is HTTP only */
	url += 7;
	{
		size_t n = strcspn(url, ":/");

		snprintf(host, hostlen, "%.*s", (int)n, url);
		*port = url[n] == ':' ? atoi(url + n + 1) : 80;
	}
	return 0;
}

static json_object *jget(json_object *o, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, k, &o))
			return NULL;
	return o;
}

/* A string from the tracker's answer, as shown on a terminal: the tracker
 * and the reports it passes on come from other users' processes, so every
 * control character or terminal escape is shown escaped (dsl_printable),
 * and the length is bounded by buf. */
#define STATUS_STR_MAX 40
static const char *jstr(json_object *o, const char *path, char *buf, size_t len)
{
	json_object *v = jget(o, path);
	const char *s = v && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
								       : "?";

	return dsl_printable(s, strlen(s), buf, len);
}

static int64_t jint(json_object *o, const char *path)
{
	json_object *v = jget(o, path);

	return v ? json_object_get_int64(v) : 0;
}

/* Does any peer of the swarm report that it works for this job? */
static json_object *report_of_job(json_object *swarm, unsigned long id)
{
	json_object *peers = jget(swarm, "peers");
	size_t n = peers ? json_object_array_length(peers) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *rep = jget(json_object_array_get_idx(peers, i), "report");

		if (rep && (unsigned long)jint(rep, "job") == id)
			return rep;
	}
	return NULL;
}

/* The job's sets: every swarm of a per-job tracker, or the swarms whose
 * helpers report this job on a cluster tracker. */
static size_t job_sets(struct cli_ctx *ctx, const struct status_job *j, json_object *stats,
		       int per_job, struct status_set *out, size_t max)
{
	json_object *swarms = jget(stats, "swarms");
	size_t n = swarms ? json_object_array_length(swarms) : 0, count = 0;

	for (size_t i = 0; i < n && count < max; i++) {
		json_object *sw = json_object_array_get_idx(swarms, i);
		json_object *rep = report_of_job(sw, j->id);
		struct status_set *set = &out[count];
		struct dsl_set_ref ref;
		int nf;

		if (!per_job && !rep)
			continue;
		memset(set, 0, sizeof(*set));
		set->swarm = sw;
		jstr(rep ? rep : sw, rep ? "infohash" : "info_hash", set->hash, sizeof(set->hash));
		jstr(rep, "set", set->name, sizeof(set->name));
		/* only a valid name and version are looked up in the registry */
		if (rep && dsl_name_valid(set->name, NULL) && dsl_infohash_valid(set->hash) &&
		    dsl_registry_find(&ctx->search, set->name, set->hash, &ref, &nf, NULL) == 0) {
			set->size = ref.desc.total_size;
			dsl_set_ref_free(&ref);
		}
		count++;
	}
	return count;
}

/* The swarm's peers by the node name their report gives, sorted: a node's
 * peer entry in O(log N), not a scan per node (O(N^2) at 16,384 nodes). */
struct peer_index {
	struct peer_ent { const char *node; json_object *peer; } *v;
	size_t n;
	json_object **unreported;      /* announced, no report yet */
	size_t nunreported;
};

static int ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct peer_ent *)a)->node, ((const struct peer_ent *)b)->node);
}

static void index_build(json_object *swarm, struct peer_index *ix)
{
	json_object *peers = swarm ? jget(swarm, "peers") : NULL;
	size_t n = peers ? json_object_array_length(peers) : 0;

	memset(ix, 0, sizeof(*ix));
	ix->v = dsl_xcalloc(n + 1, sizeof(*ix->v));
	ix->unreported = dsl_xcalloc(n + 1, sizeof(*ix->unreported));
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(peers, i);
		json_object *node = jget(p, "report.node");

		if (node && json_object_is_type(node, json_type_string)) {
			ix->v[ix->n].node = json_object_get_string(node);
			ix->v[ix->n++].peer = p;
		} else {
			ix->unreported[ix->nunreported++] = p;
		}
	}
	qsort(ix->v, ix->n, sizeof(*ix->v), ent_cmp);
}

static void index_free(struct peer_index *ix)
{
	free(ix->v);
	free(ix->unreported);
}

static json_object *find_peer(const struct peer_index *ix, const char *node)
{
	struct peer_ent key = { node, NULL }, *hit;
	char addr[INET6_ADDRSTRLEN];

	hit = bsearch(&key, ix->v, ix->n, sizeof(*ix->v), ent_cmp);
	if (hit)
		return hit->peer;
	if (!ix->nunreported)
		return NULL;
	node_addr(node, addr, sizeof(addr));
	for (size_t i = 0; addr[0] && i < ix->nunreported; i++) {
		const char *a = json_object_get_string(jget(ix->unreported[i], "address"));

		if (a && !strcmp(a, addr))
			return ix->unreported[i];
	}
	return NULL;
}

#define STATUS_SLOWEST 5          /* nodes named in the summary */
#define STATUS_BUCKETS 8          /* rows of the completion histogram */
#define STATUS_NODE_LINES 16      /* up to this many nodes: one line each */

struct slow_node {
	const char *node;
	double frac, rate, secs;      /* progress, bytes/s; secs: completion time */
};

struct status_sums {
	size_t complete, contacted, reporting;
	uint64_t from_seeders, from_peers, received, rate;
	uint64_t seeder_sent, peer_sent;   /* what the nodes say they sent */
	double eta;                         /* the slowest node's, seconds */
	double progress;                    /* sum of the nodes' fractions */
	double *secs;                       /* completion times, one per complete node */
	size_t nsecs;
	struct slow_node slow[STATUS_SLOWEST];   /* least progress, or latest to finish */
	size_t nslow;
};

static void bar(double frac, char *out, size_t width)
{
	size_t fill = (size_t)(frac * (double)width + 0.5);

	for (size_t i = 0; i < width; i++)
		out[i] = i < fill ? '#' : '.';
	out[width] = '\0';
}

/* Bytes this node still needs: from its report's pieces when it has one,
 * else from its last announce. */
static uint64_t node_left(json_object *peer, json_object *rep)
{
	int64_t total = jint(rep, "pieces.total"), done = jint(rep, "pieces.done");
	int64_t psize = jint(rep, "pieces.size");

	if (rep && total > 0 && psize > 0)
		return (uint64_t)(total - done) * (uint64_t)psize;
	return (uint64_t)jint(peer, "left");
}

static void add_report(json_object *rep, uint64_t left, struct status_sums *s)
{
	uint64_t rate = (uint64_t)jint(rep, "rates.down");
	char rbuf[STATUS_STR_MAX];
	const char *role = jstr(rep, "role", rbuf, sizeof(rbuf));

	s->reporting++;
	s->from_seeders += (uint64_t)jint(rep, "bytes.from_seeders");
	s->from_peers += (uint64_t)jint(rep, "bytes.from_peers");
	s->received += (uint64_t)jint(rep, "bytes.received");
	if (role && !strcmp(role, "seeder"))
		s->seeder_sent += (uint64_t)jint(rep, "bytes.sent");
	else
		s->peer_sent += (uint64_t)jint(rep, "bytes.sent");
	s->rate += rate;
	if (left && rate && (double)left / (double)rate > s->eta)
		s->eta = (double)left / (double)rate;
}

/* "Slower" = less progress; among complete nodes, later completion. */
static int slower(const struct slow_node *a, const struct slow_node *b)
{
	return a->frac < b->frac || (a->frac >= 1.0 && b->frac >= 1.0 && a->secs > b->secs);
}

static void keep_slowest(struct status_sums *s, const struct slow_node *n)
{
	size_t i;

	if (s->nslow == STATUS_SLOWEST && !slower(n, &s->slow[s->nslow - 1]))
		return;
	if (s->nslow < STATUS_SLOWEST)
		s->nslow++;
	for (i = s->nslow - 1; i > 0 && slower(n, &s->slow[i - 1]); i--)
		s->slow[i] = s->slow[i - 1];
	s->slow[i] = *n;
}

/* Counts one node into s; with print, also its line. */
static void account_node(const char *node, json_object *peer, uint64_t size,
			 struct status_sums *s, int print)
{
	json_object *rep = peer ? jget(peer, "report") : NULL;
	char b[32], fs[16], fp[16], rate[16], vis[STATUS_STR_MAX];
	struct slow_node sn = { node, 0, 0, 0 };
	uint64_t left;

	if (!peer) {
		keep_slowest(s, &sn);
		if (print)
			printf("  %-16s %-30s  no contact with the tracker\n", node, "");
		return;
	}
	s->contacted++;
	left = node_left(peer, rep);
	if (rep && jint(rep, "pieces.total"))
		sn.frac = (double)jint(rep, "pieces.done") / (double)jint(rep, "pieces.total");
	else
		sn.frac = size ? 1.0 - (double)left / (double)size : (left == 0);
	if (sn.frac >= 1.0 || (rep && json_object_get_boolean(jget(rep, "complete")))) {
		sn.frac = 1.0;
		s->complete++;
		sn.secs = rep ? json_object_get_double(jget(rep, "complete_seconds")) : 0;
		if (rep && jget(rep, "complete_seconds"))
			s->secs[s->nsecs++] = sn.secs;
	}
	s->progress += sn.frac;
	sn.rate = (double)jint(rep, "rates.down");
	keep_slowest(s, &sn);
	bar(sn.frac, b, 24);
	if (!rep) {
		if (print)
			printf("  %-16s [%s] %5.1f%%  %-10s (no helper report yet)\n", node, b,
			       sn.frac * 100, jstr(peer, "state", vis, sizeof(vis)));
		return;
	}
	add_report(rep, left, s);
	if (!print)
		return;
	dsl_human_size((unsigned long long)jint(rep, "bytes.from_seeders"), fs, sizeof(fs));
	dsl_human_size((unsigned long long)jint(rep, "bytes.from_peers"), fp, sizeof(fp));
	dsl_human_size((unsigned long long)jint(rep, "rates.down"), rate, sizeof(rate));
	printf("  %-16s [%s] %5.1f%%  %-10s from seeders %9s  from peers %9s  %9s/s  "
	       "waits %lld (p99 %.0f ms)\n",
	       node, b, sn.frac * 100, jstr(rep, "role", vis, sizeof(vis)), fs, fp, rate,
	       (long long)jint(rep, "reads.on_demand_waits"),
	       json_object_get_double(jget(rep, "reads.wait_latency_ms.p99")));
}

/* Completion times in STATUS_BUCKETS equal steps from 0 to the latest. */
static double histogram(const struct status_sums *s, size_t *count)
{
	double max = 0;

	for (size_t i = 0; i < s->nsecs; i++)
		max = s->secs[i] > max ? s->secs[i] : max;
	memset(count, 0, STATUS_BUCKETS * sizeof(*count));
	for (size_t i = 0; i < s->nsecs; i++) {
		size_t b = max > 0 ? (size_t)(s->secs[i] / max * STATUS_BUCKETS) : 0;

		count[b < STATUS_BUCKETS ? b : STATUS_BUCKETS - 1]++;
	}
	return max > 0 ? max / STATUS_BUCKETS : 0;
}

static void print_histogram(const struct status_sums *s, size_t nnodes)
{
	size_t count[STATUS_BUCKETS], top = 1;
	double step = histogram(s, count);
	char b[48];

	if (!s->nsecs)
		return;
	for (size_t i = 0; i < STATUS_BUCKETS; i++)
		top = count[i] > top ? count[i] : top;
	printf("  completed after (seconds from the helper's start):\n");
	for (size_t i = 0; i < STATUS_BUCKETS; i++) {
		bar((double)count[i] / (double)top, b, 40);
		for (char *c = b; *c; c++)
			*c = *c == '.' ? ' ' : *c;
		printf("    %7.2f - %7.2f  %-40s %zu\n", step * (double)i, step * (double)(i + 1), b,
		       count[i]);
	}
	if (s->complete > s->nsecs)
		printf("    complete, time not reported yet: %zu\n", s->complete - s->nsecs);
	if (s->complete < nnodes)
		printf("    not complete yet: %zu\n", nnodes - s->complete);
}

static void print_slowest(const struct status_sums *s)
{
	if (!s->nslow)
		return;
	printf("  slowest nodes:");
	for (size_t i = 0; i < s->nslow; i++) {
		char rate[16];

		dsl_human_size((unsigned long long)s->slow[i].rate, rate, sizeof(rate));
		if (s->slow[i].frac >= 1.0)
			printf("%s %s (complete after %.2f s)", i ? "," : "", s->slow[i].node,
			       s->slow[i].secs);
		else
			printf("%s %s (%.1f%%, %s/s)", i ? "," : "", s->slow[i].node,
			       s->slow[i].frac * 100, rate);
	}
	printf("\n");
}

static void print_summary(const struct status_job *j, const struct status_set *set,
			  const struct status_sums *s)
{
	char ss[16], ps[16], rc[16], rate[16], b[32];
	double server = set->size ? (double)s->seeder_sent / (double)set->size : 0;
	double frac = j->nnodes ? s->progress / (double)j->nnodes : 0;

	dsl_human_size(s->seeder_sent, ss, sizeof(ss));
	dsl_human_size(s->peer_sent, ps, sizeof(ps));
	dsl_human_size(s->received, rc, sizeof(rc));
	dsl_human_size(s->rate, rate, sizeof(rate));
	bar(frac, b, 24);
	printf("  progress [%s] %5.1f%%  %zu reporting, %zu without a report, %zu no contact\n",
	       b, frac * 100, s->reporting, s->contacted - s->reporting,
	       j->nnodes - s->contacted);
	printf("  rate %s/s into the job's nodes", rate);
	if (s->complete < j->nnodes && s->eta > 0)
		printf("; the slowest node needs about %.0f s more", s->eta);
	printf("\n");
	print_histogram(s, j->nnodes);
	print_slowest(s);
	printf("  file server: the seeders sent %s = %.2f x the set\n", ss, server);
	printf("  %zu/%zu nodes complete; received %s; sent by seeders %s, by other peers %s; "
	       "file-server bytes / set size %.2f", s->complete, j->nnodes, rc, ss, ps, server);
	if (s->complete < j->nnodes && s->eta > 0)
		printf("; about %.0f s left", s->eta);
	printf("\n");
}

static json_object *summary_json(const struct status_job *j, const struct status_set *set,
				 const struct status_sums *s)
{
	json_object *o = json_object_new_object(), *h = json_object_new_array();
	json_object *slow = json_object_new_array();
	size_t count[STATUS_BUCKETS];
	double step = histogram(s, count);

	json_object_object_add(o, "set", json_object_new_string(set->name));
	json_object_object_add(o, "nodes", json_object_new_int64((int64_t)j->nnodes));
	json_object_object_add(o, "complete", json_object_new_int64((int64_t)s->complete));
	json_object_object_add(o, "reporting", json_object_new_int64((int64_t)s->reporting));
	json_object_object_add(o, "no_contact",
			       json_object_new_int64((int64_t)(j->nnodes - s->contacted)));
	json_object_object_add(o, "progress",
			       json_object_new_double(j->nnodes ? s->progress / (double)j->nnodes : 0));
	json_object_object_add(o, "rate", json_object_new_int64((int64_t)s->rate));
	json_object_object_add(o, "eta_seconds", json_object_new_double(s->eta));
	for (size_t i = 0; s->nsecs && i < STATUS_BUCKETS; i++) {
		json_object *b = json_object_new_object();

		json_object_object_add(b, "from", json_object_new_double(step * (double)i));
		json_object_object_add(b, "to", json_object_new_double(step * (double)(i + 1)));
		json_object_object_add(b, "nodes", json_object_new_int64((int64_t)count[i]));
		json_object_array_add(h, b);
	}
	json_object_object_add(o, "completion_histogram", h);
	for (size_t i = 0; i < s->nslow; i++) {
		json_object *n = json_object_new_object();

		json_object_object_add(n, "node", json_object_new_string(s->slow[i].node));
		json_object_object_add(n, "progress", json_object_new_double(s->slow[i].frac));
		json_object_object_add(n, "rate", json_object_new_int64((int64_t)s->slow[i].rate));
		json_object_object_add(n, "complete_seconds", json_object_new_double(s->slow[i].secs));
		json_object_array_add(slow, n);
	}
	json_object_object_add(o, "slowest", slow);
	json_object_object_add(o, "set_size", json_object_new_int64((int64_t)set->size));
	json_object_object_add(o, "seeders_sent", json_object_new_int64((int64_t)s->seeder_sent));
	json_object_object_add(o, "peers_sent", json_object_new_int64((int64_t)s->peer_sent));
	json_object_object_add(o, "received", json_object_new_int64((int64_t)s->received));
	return o;
}

/* Tallies set s over the job's nodes (and prints their lines if asked). */
static void tally(const struct status_job *j, const struct status_set *set,
		  struct status_sums *sums, int lines)
{
	struct peer_index ix;

	memset(sums, 0, sizeof(*sums));
	sums->secs = dsl_xcalloc(j->nnodes + 1, sizeof(*sums->secs));
	index_build(set->swarm, &ix);
	for (size_t i = 0; i < j->nnodes; i++)
		account_node(j->nodes[i], find_peer(&ix, j->nodes[i]), set->size, sums, lines);
	index_free(&ix);
}

static void render_json(const struct status_job *j, const struct status_set *sets,
			size_t nsets)
{
	json_object *out = json_object_new_object();
	json_object *arr = json_object_new_array(), *sum = json_object_new_array();

	json_object_object_add(out, "job", json_object_new_int64((int64_t)j->id));
	json_object_object_add(out, "state", json_object_new_string(j->state));
	for (size_t i = 0; i < j->nnodes; i++)
		json_object_array_add(arr, json_object_new_string(j->nodes[i]));
	json_object_object_add(out, "nodes", arr);
	arr = json_object_new_array();
	for (size_t s = 0; s < nsets; s++) {
		struct status_sums sums;

		tally(j, &sets[s], &sums, 0);
		json_object_array_add(sum, summary_json(j, &sets[s], &sums));
		free(sums.secs);
		json_object_array_add(arr, json_object_get(sets[s].swarm));
	}
	json_object_object_add(out, "summary", sum);
	json_object_object_add(out, "swarms", arr);
	puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY));
	json_object_put(out);
}

/* 0: every node has every set; 1: not yet; -1: nothing to show.
 * lines: one line per node (--nodes, or a job of at most STATUS_NODE_LINES). */
static int render(struct cli_ctx *ctx, const struct status_job *j, json_object *stats,
		  int per_job, int json_out, int lines)
{
	struct status_set sets[STATUS_MAX_SETS];
	size_t nsets = job_sets(ctx, j, stats, per_job, sets, STATUS_MAX_SETS);
	size_t incomplete = 0;

	if (!nsets) {
		fprintf(stderr, "dsl status: job %lu: the tracker knows no peer of this job "
			"(was it submitted with --dsl-set? has its prolog run?)\n", j->id);
		return -1;
	}
	if (json_out) {
		render_json(j, sets, nsets);
		return 0;
	}
	lines = lines || j->nnodes <= STATUS_NODE_LINES;
	printf("job %lu (%s), %zu nodes\n", j->id, j->state, j->nnodes);
	for (size_t s = 0; s < nsets; s++) {
		struct status_sums sums;
		char total[16];

		dsl_human_size(sets[s].size, total, sizeof(total));
		printf("set %s version %.12s (%s)\n", sets[s].name, sets[s].hash,
		       sets[s].size ? total : "size unknown");
		tally(j, &sets[s], &sums, lines);
		print_summary(j, &sets[s], &sums);
		free(sums.secs);
		incomplete += j->nnodes - sums.complete;
	}
	if (!lines)
		printf("(one line per node: dsl status %lu --nodes; everything: --json)\n", j->id);
	return incomplete ? 1 : 0;
}

/* Every request carries a fresh MUNGE credential: the tracker's munged
 * refuses one it has seen (tracker/trk_auth.h). */
static json_object *get_json(const char *host, int port, const char *path,
			     const char *munge_socket, struct dsl_err *e)
{
	char *body = NULL;
	json_object *o;
	struct dsl_err merr = { "" };
	char *auth = cli_munge_header(munge_socket, &merr);
	int rc = cli_http_get(host, port, path, auth, 3000, &body, e);

	if (rc == -2) {
		char why[sizeof(e->msg)];

		snprintf(why, sizeof(why), "%s", e->msg);
		dsl_err_set(e, "the tracker refuses: %s%s%s", why, auth ? "" : "; ", merr.msg);
	}
	free(auth);
	if (rc < 0)
		return NULL;
	o = json_tokener_parse(body);
	free(body);
	if (!o)
		dsl_err_set(e, "http://%s:%d%s: not JSON (is it a dsl-tracker?)", host, port, path);
	return o;
}

/* Appends the peers of every swarm of page to the same swarm of stats. */
static void merge_peers(json_object *stats, json_object *page)
{
	json_object *sws = jget(stats, "swarms"), *pws = jget(page, "swarms");

	for (size_t i = 0; pws && i < json_object_array_length(pws); i++) {
		json_object *pw = json_object_array_get_idx(pws, i), *pp = jget(pw, "peers");
		const char *h = json_object_get_string(jget(pw, "info_hash"));

		for (size_t k = 0; h && pp && sws && k < json_object_array_length(sws); k++) {
			json_object *sw = json_object_array_get_idx(sws, k), *sp = jget(sw, "peers");
			const char *h2 = json_object_get_string(jget(sw, "info_hash"));

			if (!sp || !h2 || strcmp(h, h2))
				continue;
			for (size_t n = 0; n < json_object_array_length(pp); n++)
				json_object_array_add(sp, json_object_get(json_object_array_get_idx(pp, n)));
		}
	}
}

/* The tracker lists a bounded number of peers per answer: follow
 * "next_offset" (at most STATUS_MAX_PAGES answers, so a tracker that never
 * ends its list cannot keep us here). */
#define STATUS_MAX_PAGES 256
static json_object *fetch_stats(const char *host, int port, const char *munge_socket,
				struct dsl_err *e)
{
	json_object *stats = get_json(host, port, "/stats", munge_socket, e), *page = stats;

	for (int n = 1; page && n < STATUS_MAX_PAGES; n++) {
		int64_t next = jint(page, "next_offset");
		char path[64];

		if (page != stats)
			json_object_put(page);
		if (next <= 0)
			break;
		snprintf(path, sizeof(path), "/stats?offset=%lld", (long long)next);
		page = get_json(host, port, path, munge_socket, e);
		if (!page) {
			json_object_put(stats);
			return NULL;
		}
		merge_peers(stats, page);
	}
	return stats;
}

/* A job's tracker takes the first free of its candidate ports (another
 * process may hold the first): ask each in the order the prolog tried them;
 * port becomes the one that answered, e the first candidate's error. */
static json_object *fetch_job_stats(const struct cli_ctx *ctx, const struct status_job *j,
				    const char *host, int *port, struct dsl_err *e)
{
	int ports[DSL_CONFIG_TRACKER_CANDIDATES];
	int n = dsl_config_tracker_ports(&ctx->cfg, j->id, ports);
	struct dsl_err first = { "" };
	json_object *stats = NULL;

	for (int k = 0; k < n && !stats; k++) {
		stats = fetch_stats(host, ports[k], ctx->cfg.munge_socket, e);
		if (stats)
			*port = ports[k];
		else if (k == 0)
			first = *e;
	}
	if (!stats)
		*e = first;
	return stats;
}

/* Why nobody answers depends on where the job is: a per-job tracker lives
 * and dies with its job. */
static void no_tracker(const struct status_job *j, const char *host, int port,
		       const struct dsl_err *err)
{
	if (strcmp(j->state, "RUNNING") && strcmp(j->state, "SUSPENDED"))
		fprintf(stderr, "dsl status: job %lu is %s: its tracker stopped with it (%s:%d: %s); "
			"the epilog's lines in slurmd's log keep the figures\n",
			j->id, j->state, host, port, err->msg);
	else
		fprintf(stderr, "dsl status: job %lu (%s): no tracker answers at %s:%d (%s): the "
			"job was not submitted with --dsl-set, or its tracker has stopped\n",
			j->id, j->state, host, port, err->msg);
}

static const char status_usage[] =
	"usage: dsl status JOBID [--nodes] [--watch [--interval S]] [--json]\n"
	"A job's distribution: a summary that fits a screen, from its tracker's statistics.\n"
	"  --nodes          one line per node instead of the summary\n"
	"  --watch          redraw every S seconds until the job ends\n"
	"  --interval S     with --watch: seconds between refreshes (2)\n"
	"  --json           the tracker's statistics as JSON\n";

int cmd_status(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "watch", no_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "nodes", no_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, 'i' },
		DSL_OPT_STD,
		{ NULL, 0, NULL, 0 },
	};
	static const struct dsl_opt_cmd cmd = { "dsl status", status_usage, "wjni:", opts, 0 };
	struct status_job job;
	struct dsl_err err;
	char host[256], *end;
	int watch = 0, json_out = 0, lines = 0, interval = 2, port, c, rc = 1, failed = 0;
	unsigned long id;

	while ((c = dsl_opt_next(&cmd, argc, argv)) != -1) {
		switch (c) {
		case 'w': watch = 1; break;
		case 'j': json_out = 1; break;
		case 'n': lines = 1; break;
		case 'i': interval = atoi(optarg) > 0 ? atoi(optarg) : 2; break;
		}
	}
	if (optind + 1 != argc)
		return dsl_opt_usage_error(&cmd, optind < argc ? "give one JOBID" : "missing JOBID");
	if (!(id = strtoul(argv[optind], &end, 10)) || *end)
		return dsl_opt_usage_error(&cmd, "%.64s: not a job id", argv[optind]);
	if (load_job(id, &job, &err) < 0) {
		fprintf(stderr, "dsl status: %s\n", err.msg);
		return 1;
	}
	if (tracker_of(ctx, &job, host, sizeof(host), &port) < 0) {
		fprintf(stderr, "dsl status: tracker %s has no HTTP /stats to read\n", ctx->cfg.tracker);
		job_free(&job);
		return 1;
	}
	/* --watch: redraw in place, bounded by one day of refreshes. */
	for (int round = 0; round < 86400; round++) {
		json_object *stats;

		stats = round == 0 && !strcmp(ctx->cfg.tracker, "job")
			? fetch_job_stats(ctx, &job, host, &port, &err)
			: fetch_stats(host, port, ctx->cfg.munge_socket, &err);
		if (!stats) {
			if (strstr(err.msg, "not JSON") || strstr(err.msg, "refuses"))
				fprintf(stderr, "dsl status: job %lu: %s\n", id, err.msg);
			else
				no_tracker(&job, host, port, &err);
			failed = 1;
			break;
		}
		if (watch && ctx->is_tty)
			fputs("\033[H\033[2J", stdout);
		rc = render(ctx, &job, stats, !strcmp(ctx->cfg.tracker, "job"), json_out, lines);
		json_object_put(stats);
		fflush(stdout);
		if (!watch || rc <= 0)
			break;
		sleep((unsigned)interval);
	}
	job_free(&job);
	/* Without --watch, "not complete yet" is not an error. */
	return rc < 0 || failed ? 1 : watch ? rc : 0;
}
