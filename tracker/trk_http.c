/* trk_http.c - GET /announce, /scrape, /stats, /metrics and POST /report
 * over libmicrohttpd.
 *
 * libmicrohttpd parses HTTP and the query string (its "GET arguments", with
 * their lengths, so binary info_hash values survive); this file only maps
 * arguments onto trk_request and answers. */
#include "trk_http.h"

#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trk_auth.h"
#include "trk_bencode.h"
#include "trk_report.h"
#include "trk_stats.h"

/* The body of one POST /report, gathered across libmicrohttpd's calls.
 * Allocated only for that URL and freed when the request ends. */
struct post_body {
	size_t len;
	int too_big;
	char data[TRK_REPORT_MAX];
};

struct client {
	uint8_t ip[16];
	int v4;
};

static void client_of(struct MHD_Connection *c, struct client *cl)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	memset(cl, 0, sizeof(*cl));
	cl->v4 = 1;
	if (!ci || !ci->client_addr)
		return;
	if (ci->client_addr->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)ci->client_addr;
		cl->ip[10] = cl->ip[11] = 0xff;
		memcpy(cl->ip + 12, &s4->sin_addr, 4);
	} else if (ci->client_addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 =
			(const struct sockaddr_in6 *)(const void *)ci->client_addr;
		memcpy(cl->ip, &s6->sin6_addr, 16);
		cl->v4 = IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr);
	}
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
			     const void *data, size_t len)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result reply_failure(struct trk_http *h, struct MHD_Connection *c,
				     const char *why)
{
	struct trk_buf b;
	trk_buf_init(&b, h->buf, h->bufcap);
	trk_bencode_failure(&b, why);
	return reply(c, MHD_HTTP_OK, "text/plain", b.p, b.len);
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *fmt,
				  const char *why);

/* ---- argument walks ---------------------------------------------------- */

struct arg_walk {
	void *req;
	const char *(*fn)(void *req, const char *k, const char *v, size_t vlen);
	const char *err;
};

static enum MHD_Result on_arg(void *cls, enum MHD_ValueKind kind, const char *key,
			      size_t key_size, const char *value, size_t value_size)
{
	struct arg_walk *w = cls;
	(void)kind;
	if (!key || strlen(key) != key_size)   /* a NUL inside a key matches no key */
		return MHD_YES;
	w->err = w->fn(w->req, key, value, value_size);
	return w->err ? MHD_NO : MHD_YES;
}

static const char *ann_arg(void *req, const char *k, const char *v, size_t n)
{
	return trk_announce_arg(req, k, v, n);
}

static const char *scr_arg(void *req, const char *k, const char *v, size_t n)
{
	return trk_scrape_arg(req, k, v, n);
}

static const char *walk_args(struct MHD_Connection *c, struct arg_walk *w)
{
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, on_arg, w);
	return w->err;
}

/* ---- handlers ---------------------------------------------------------- */

static enum MHD_Result do_announce(struct trk_http *h, struct MHD_Connection *c)
{
	struct client cl;
	struct trk_announce a;
	struct arg_walk w = { &a, ann_arg, NULL };
	client_of(c, &cl);
	trk_announce_init(&a);
	const char *why = walk_args(c, &w);
	if (!why)
		why = trk_announce_finish(&a);
	if (why) {
		trk_tracker_refuse(h->t, cl.ip, cl.v4, why);
		return reply_failure(h, c, why);
	}
	struct trk_answer ans;
	why = trk_tracker_announce(h->t, &a, cl.ip, cl.v4, TRK_HTTP, trk_now(), &ans);
	if (why)
		return reply_failure(h, c, why);
	struct trk_buf b;
	trk_buf_init(&b, h->buf, h->bufcap);
	int iv = h->t->o->interval;
	trk_bencode_announce(&b, &ans, iv, iv / 2 > 0 ? iv / 2 : 1);
	return reply(c, MHD_HTTP_OK, "text/plain", b.p, b.len);
}

static enum MHD_Result do_scrape(struct trk_http *h, struct MHD_Connection *c)
{
	struct client cl;
	struct trk_scrape s;
	struct arg_walk w = { &s, scr_arg, NULL };
	client_of(c, &cl);
	trk_scrape_init(&s);
	const char *why = walk_args(c, &w);
	if (why) {
		trk_tracker_refuse(h->t, cl.ip, cl.v4, why);
		return reply_failure(h, c, why);
	}
	why = trk_tracker_scrape(h->t, &s, cl.ip, cl.v4);
	if (why)
		return reply_failure(h, c, why);
	struct trk_buf b;
	trk_buf_init(&b, h->buf, h->bufcap);
	trk_bencode_scrape(&b, &h->t->store, &s);
	if (b.overflow)
		return reply_failure(h, c, "scrape answer too large");
	return reply(c, MHD_HTTP_OK, "text/plain", b.p, b.len);
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *fmt,
				  const char *why)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), fmt, why);

	return reply(c, status, "text/plain", msg, n < 0 ? 0 : (size_t)n);
}

/* GET /stats[?peers=0][&info_hash=HEX][&offset=N] */
static enum MHD_Result do_stats(struct trk_http *h, struct MHD_Connection *c)
{
	const char *p = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "peers");
	const char *ih = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "info_hash");
	const char *off = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "offset");
	struct trk_stats_query q = { .with_peers = !(p && strcmp(p, "0") == 0) };
	uint8_t hash[TRK_HASH_LEN];
	char *end = NULL;

	if (ih && trk_hex_hash(ih, hash) != 0)
		return reply_text(c, MHD_HTTP_BAD_REQUEST, "dsl-tracker: %s\n",
				  "stats: info_hash must be 40 or 64 hex digits");
	q.hash = ih ? hash : NULL;
	if (off) {
		errno = 0;
		q.offset = strtoull(off, &end, 10);
		if (!*off || *end || errno || *off == '-')
			return reply_text(c, MHD_HTTP_BAD_REQUEST, "dsl-tracker: %s\n",
				  "stats: offset must be a number");
	}
	struct json_object *o;
	const char *sec = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, TRK_SECRET_PARAM);
	const char *cred = MHD_lookup_connection_value(c, MHD_HEADER_KIND, TRK_AUTH_HEADER);
	char buf[256];
	size_t shown = 0;
	const char *why = trk_auth_stats(h->t->o, sec, sec ? strlen(sec) : 0, cred, &q.only_uid,
					 buf, sizeof(buf));
	if (why) {
		struct client cl;
		client_of(c, &cl);
		trk_tracker_refuse(h->t, cl.ip, cl.v4, why);
		return reply_text(c, MHD_HTTP_FORBIDDEN, "dsl-tracker: %s\n", why);
	}
	o = trk_stats_json(h->t, trk_now(), &q, &shown);
	if (q.only_uid >= 0 && shown == 0) {
		struct client cl;
		snprintf(buf, sizeof(buf), "uid %lld has no swarm on this tracker (statistics "
			 "are for root, the tracker's user and the jobs' own users)",
			 (long long)q.only_uid);
		json_object_put(o);
		client_of(c, &cl);
		trk_tracker_refuse(h->t, cl.ip, cl.v4, buf);
		return reply_text(c, MHD_HTTP_FORBIDDEN, "dsl-tracker: %s\n", buf);
	}
	size_t len;
	const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	enum MHD_Result rc = reply(c, MHD_HTTP_OK, "application/json", s, len);
	json_object_put(o);
	return rc;
}

static enum MHD_Result do_metrics(struct trk_http *h, struct MHD_Connection *c)
{
	struct trk_buf b;
	trk_buf_init(&b, h->buf, h->bufcap);
	trk_stats_metrics(h->t, trk_now(), &b);
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4", b.p, b.len);
}

/* POST /report?info_hash=..&port=..&peer_id=..[&dsl_secret=..], body: the
 * helper's status JSON.  The peer is the connection's address, the port and
 * the peer id it announced with. */
static enum MHD_Result do_report(struct trk_http *h, struct MHD_Connection *c,
				 const struct post_body *pb)
{
	struct client cl;
	struct trk_announce a;
	struct arg_walk w = { &a, ann_arg, NULL };
	struct trk_report *r = NULL;
	unsigned status = MHD_HTTP_BAD_REQUEST;
	const char *why;

	client_of(c, &cl);
	trk_announce_init(&a);
	why = walk_args(c, &w);
	if (!why && !(a.seen & TRK_SEEN_HASH))
		why = "report: missing info_hash";
	if (!why && !(a.seen & TRK_SEEN_PORT))
		why = "report: missing port (the port the peer announced)";
	if (!why && pb->too_big) {
		why = "report: larger than 8192 bytes";
		status = MHD_HTTP_CONTENT_TOO_LARGE;
	}
	if (!why)
		why = trk_report_parse(pb->data, pb->len, a.info_hash, trk_now(), &r);
	if (why) {
		trk_tracker_refuse(h->t, cl.ip, cl.v4, why);
		return reply_text(c, status, "dsl-tracker: %s\n", why);
	}
	why = trk_tracker_report(h->t, &a, cl.ip, cl.v4, r);
	if (why)
		return reply_text(c, !strncmp(why, "unknown peer", 12) ? MHD_HTTP_NOT_FOUND
				  : !strncmp(why, "report: too frequent", 20) ? MHD_HTTP_TOO_MANY_REQUESTS
				  : MHD_HTTP_FORBIDDEN, "dsl-tracker: %s\n", why);
	return reply_text(c, MHD_HTTP_OK, "%s", "ok\n");
}

static enum MHD_Result on_report_data(struct trk_http *h, struct MHD_Connection *c,
				      struct post_body *pb, const char *data, size_t *size)
{
	if (*size) {            /* more body: keep it, or only note that it is too much */
		if (pb->len + *size > sizeof(pb->data))
			pb->too_big = 1;
		else
			memcpy(pb->data + pb->len, data, *size);
		if (!pb->too_big)
			pb->len += *size;
		*size = 0;
		return MHD_YES;
	}
	return do_report(h, c, pb);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)c;
	(void)toe;
	if (*con_cls != cls)
		free(*con_cls);
	*con_cls = NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct trk_http *h = cls;
	(void)version;
	/* answering in the first call makes libmicrohttpd close the connection
	 * (it cannot know the request is complete): wait for the second call,
	 * which keeps HTTP/1.1 keep-alive */
	if (!*con_cls) {
		if (strcmp(method, MHD_HTTP_METHOD_POST) == 0 && strcmp(url, "/report") == 0)
			*con_cls = calloc(1, sizeof(struct post_body));
		else
			*con_cls = h;
		return *con_cls ? MHD_YES : MHD_NO;
	}
	if (*con_cls != h)
		return on_report_data(h, c, *con_cls, upload_data, upload_size);
	if (*upload_size) {     /* a body we do not want: drop it */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		static const char msg[] = "dsl-tracker: only GET (and POST /report)\n";
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", msg, sizeof(msg) - 1);
	}
	if (strcmp(url, "/announce") == 0)
		return do_announce(h, c);
	if (strcmp(url, "/scrape") == 0)
		return do_scrape(h, c);
	if (strcmp(url, "/stats") == 0)
		return do_stats(h, c);
	if (strcmp(url, "/metrics") == 0)
		return do_metrics(h, c);
	if (strcmp(url, "/report") == 0) {
		static const char msg[] =
			"dsl-tracker: /report takes POST with the helper's status JSON\n";
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", msg, sizeof(msg) - 1);
	}
	static const char nf[] =
		"dsl-tracker: not found (try /announce, /scrape, /stats, /metrics, POST /report)\n";
	return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", nf, sizeof(nf) - 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	const struct trk_http *h = cls;
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = 0;
	dsl_debug(h->t->log, "http: %s", line);
}

int trk_http_start(struct trk_http *h, struct trk_tracker *t, int listen_fd, struct dsl_err *e)
{
	memset(h, 0, sizeof(*h));
	h->t = t;
	h->bufcap = trk_bencode_announce_max(t->o->numwant_max);
	if (h->bufcap < 16384)   /* scrape and /metrics answers also fit */
		h->bufcap = 16384;
	h->buf = malloc(h->bufcap);
	if (!h->buf) {
		dsl_err_set(e, "http: out of memory");
		return -1;
	}
	h->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				on_request, h,
				MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_LISTEN_SOCKET, listen_fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
				/* bounds every request, query string included */
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
				MHD_OPTION_END);
	if (!h->d) {
		dsl_err_set(e, "http: cannot start libmicrohttpd on the listening socket");
		free(h->buf);
		h->buf = NULL;
		return -1;
	}
	return 0;
}

int trk_http_fd(const struct trk_http *h)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	return i ? i->epoll_fd : -1;
}

int trk_http_timeout_ms(const struct trk_http *h)
{
	MHD_UNSIGNED_LONG_LONG t;
	if (MHD_get_timeout(h->d, &t) != MHD_YES)
		return -1;
	return t > 1000 ? 1000 : (int)t;
}

void trk_http_run(struct trk_http *h)
{
	MHD_run(h->d);
}

void trk_http_stop(struct trk_http *h)
{
	if (h->d)
		MHD_stop_daemon(h->d);
	h->d = NULL;
	free(h->buf);
	h->buf = NULL;
}
