/* dsl_status.c - `dsl status JOBID`: a job's distribution, node by node.
 *
 * Where the numbers come from:
 * - Slurm (slurm_load_job): the job's nodes and state.  (The versions a
 *   job pinned live in its SPANK environment, which Slurm does not show to
 *   clients; the helpers report them instead.)
 * - the job's tracker (GET /stats; the per-job tracker on the job's first
 *   node at tracker_ports MIN + JOBID mod range, or the cluster tracker):
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
#include "dsl_roles.h"
#include "dsl_util.h"

#define STATUS_MAX_SETS 16

struct status_job {
	unsigned long id;
	char state[32];
	char **nodes;
	size_t nnodes;
	char **addrs;                  /* numeric address of each node */
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
	dsl_strv_free(j->addrs, j->nnodes);
	memset(j, 0, sizeof(*j));
}

static void resolve_addrs(struct status_job *j)
{
	j->addrs = dsl_xcalloc(j->nnodes, sizeof(*j->addrs));
	for (size_t i = 0; i < j->nnodes; i++) {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
		char buf[INET6_ADDRSTRLEN] = "";

		if (getaddrinfo(j->nodes[i], NULL, &hints, &res) == 0) {
			getnameinfo(res->ai_addr, res->ai_addrlen, buf, sizeof(buf), NULL, 0,
				    NI_NUMERICHOST);
			freeaddrinfo(res);
		}
		j->addrs[i] = dsl_strdup(buf);
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
	resolve_addrs(j);
	return 0;
}

/* Host and port of the tracker that serves this job. */
static int tracker_of(const struct cli_ctx *ctx, const struct status_job *j, char *host,
		      size_t hostlen, int *port)
{
	const char *url = ctx->cfg.tracker;

	if (!strcmp(url, "job")) {
		int range = ctx->cfg.tracker_port_max - ctx->cfg.tracker_port_min + 1;

		snprintf(host, hostlen, "%s", j->nodes[0]);
		*port = ctx->cfg.tracker_port_min + (int)(j->id % (unsigned long)range);
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

static json_object *find_peer(json_object *swarm, const char *addr)
{
	json_object *peers = swarm ? jget(swarm, "peers") : NULL;
	size_t n = peers ? json_object_array_length(peers) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(peers, i);
		const char *a = json_object_get_string(jget(p, "address"));

		if (a && !strcmp(a, addr))
			return p;
	}
	return NULL;
}

struct status_sums {
	size_t complete, contacted;
	uint64_t from_seeders, from_peers, received, rate;
	uint64_t seeder_sent, peer_sent;   /* what the nodes say they sent */
	double eta;                         /* the slowest node's, seconds */
};

static void bar(double frac, char *out, size_t width)
{
	size_t fill = (size_t)(frac * (double)width + 0.5);

	for (size_t i = 0; i < width; i++)
		out[i] = i < fill ? '#' : '.';
	out[width] = '\0';
}

/* Bytes this node still needs: from its report's pieces when it has one
 * (fresh every 2 s), else from its last announce (every 30 s). */
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

static void print_node(const char *node, json_object *peer, uint64_t size,
		       struct status_sums *s)
{
	json_object *rep = peer ? jget(peer, "report") : NULL;
	char b[32], fs[16], fp[16], rate[16], vis[STATUS_STR_MAX];
	uint64_t left;
	double frac;

	if (!peer) {
		printf("  %-16s %-30s  no contact with the tracker\n", node, "");
		return;
	}
	s->contacted++;
	left = node_left(peer, rep);
	if (rep && jint(rep, "pieces.total"))
		frac = (double)jint(rep, "pieces.done") / (double)jint(rep, "pieces.total");
	else
		frac = size ? 1.0 - (double)left / (double)size : (left == 0);
	if (frac >= 1.0 || (rep && json_object_get_boolean(jget(rep, "complete"))))
		s->complete++;
	bar(frac, b, 24);
	if (!rep) {
		printf("  %-16s [%s] %5.1f%%  %-10s (no helper report yet)\n", node, b, frac * 100,
		       jstr(peer, "state", vis, sizeof(vis)));
		return;
	}
	add_report(rep, left, s);
	dsl_human_size((unsigned long long)jint(rep, "bytes.from_seeders"), fs, sizeof(fs));
	dsl_human_size((unsigned long long)jint(rep, "bytes.from_peers"), fp, sizeof(fp));
	dsl_human_size((unsigned long long)jint(rep, "rates.down"), rate, sizeof(rate));
	printf("  %-16s [%s] %5.1f%%  %-10s from seeders %9s  from peers %9s  %9s/s  "
	       "waits %lld (p99 %.0f ms)\n",
	       node, b, frac * 100, jstr(rep, "role", vis, sizeof(vis)), fs, fp, rate,
	       (long long)jint(rep, "reads.on_demand_waits"),
	       json_object_get_double(jget(rep, "reads.wait_latency_ms.p99")));
}

static void print_summary(const struct status_job *j, const struct status_set *set,
			  const struct status_sums *s)
{
	char ss[16], ps[16], rc[16];
	double server = set->size ? (double)s->seeder_sent / (double)set->size : 0;

	dsl_human_size(s->seeder_sent, ss, sizeof(ss));
	dsl_human_size(s->peer_sent, ps, sizeof(ps));
	dsl_human_size(s->received, rc, sizeof(rc));
	printf("  %zu/%zu nodes complete; received %s; sent by seeders %s, by other peers %s; "
	       "file-server bytes / set size %.2f", s->complete, j->nnodes, rc, ss, ps, server);
	if (s->complete < j->nnodes && s->eta > 0)
		printf("; about %.0f s left", s->eta);
	printf("\n");
}

/* 0: every node has every set; 1: not yet; -1: nothing to show. */
static int render(struct cli_ctx *ctx, const struct status_job *j, json_object *stats,
		  int per_job, int json_out)
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
		json_object *out = json_object_new_object();
		json_object *arr = json_object_new_array();

		json_object_object_add(out, "job", json_object_new_int64((int64_t)j->id));
		json_object_object_add(out, "state", json_object_new_string(j->state));
		for (size_t i = 0; i < j->nnodes; i++)
			json_object_array_add(arr, json_object_new_string(j->nodes[i]));
		json_object_object_add(out, "nodes", arr);
		arr = json_object_new_array();
		for (size_t i = 0; i < j->nnodes; i++)
			json_object_array_add(arr, json_object_new_string(j->addrs[i]));
		json_object_object_add(out, "addresses", arr);
		arr = json_object_new_array();
		for (size_t s = 0; s < nsets; s++)
			json_object_array_add(arr, json_object_get(sets[s].swarm));
		json_object_object_add(out, "swarms", arr);
		puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY));
		json_object_put(out);
		return 0;
	}
	printf("job %lu (%s), %zu nodes\n", j->id, j->state, j->nnodes);
	for (size_t s = 0; s < nsets; s++) {
		struct status_sums sums = { 0 };
		char total[16];

		dsl_human_size(sets[s].size, total, sizeof(total));
		printf("set %s version %.12s (%s)\n", sets[s].name, sets[s].hash,
		       sets[s].size ? total : "size unknown");
		for (size_t i = 0; i < j->nnodes; i++)
			print_node(j->nodes[i], find_peer(sets[s].swarm, j->addrs[i]), sets[s].size, &sums);
		print_summary(j, &sets[s], &sums);
		incomplete += j->nnodes - sums.complete;
	}
	return incomplete ? 1 : 0;
}

static json_object *get_json(const char *host, int port, const char *path, struct dsl_err *e)
{
	char *body = NULL;
	json_object *o;

	if (cli_http_get(host, port, path, 3000, &body, e) < 0)
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
static json_object *fetch_stats(const char *host, int port, struct dsl_err *e)
{
	json_object *stats = get_json(host, port, "/stats", e), *page = stats;

	for (int n = 1; page && n < STATUS_MAX_PAGES; n++) {
		int64_t next = jint(page, "next_offset");
		char path[64];

		if (page != stats)
			json_object_put(page);
		if (next <= 0)
			break;
		snprintf(path, sizeof(path), "/stats?offset=%lld", (long long)next);
		page = get_json(host, port, path, e);
		if (!page) {
			json_object_put(stats);
			return NULL;
		}
		merge_peers(stats, page);
	}
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

int cmd_status(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "watch", no_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct status_job job;
	struct dsl_err err;
	char host[256], *end;
	int watch = 0, json_out = 0, interval = 2, port, c, rc = 1, failed = 0;
	unsigned long id;

	while ((c = getopt_long(argc, argv, "wji:", opts, NULL)) != -1) {
		switch (c) {
		case 'w': watch = 1; break;
		case 'j': json_out = 1; break;
		case 'i': interval = atoi(optarg) > 0 ? atoi(optarg) : 2; break;
		default:
			fputs("usage: dsl status JOBID [--watch [--interval S]] [--json]\n", stderr);
			return 2;
		}
	}
	if (optind + 1 != argc || !(id = strtoul(argv[optind], &end, 10)) || *end) {
		fputs("usage: dsl status JOBID [--watch [--interval S]] [--json]\n", stderr);
		return 2;
	}
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

		if (!(stats = fetch_stats(host, port, &err))) {
			if (strstr(err.msg, "not JSON"))
				fprintf(stderr, "dsl status: %s\n", err.msg);
			else
				no_tracker(&job, host, port, &err);
			failed = 1;
			break;
		}
		if (watch && ctx->is_tty)
			fputs("\033[H\033[2J", stdout);
		rc = render(ctx, &job, stats, !strcmp(ctx->cfg.tracker, "job"), json_out);
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
