/* dsh_report.c - the reporter thread and its one HTTP request. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dsh_report.h"
#include "dsl_net.h"
#include "dsl_util.h"

int dsh_report_target(const char *url, const char *infohash, int port, const char *peer_id,
		      struct dsh_report_target *t)
{
	const char *hp, *q;
	size_t n;
	char esc[3 * 20 + 1];

	memset(t, 0, sizeof(*t));
	if (strncmp(url, "http://", 7) != 0 || strlen(infohash) < 40 || strlen(peer_id) != 20 ||
	    strspn(peer_id, "-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != 20)
		return -1;
	hp = url + 7;
	n = strcspn(hp, ":/?");
	if (n == 0 || n >= sizeof(t->host))
		return -1;
	memcpy(t->host, hp, n);
	if (hp[n] == ':') {
		size_t pn = strspn(hp + n + 1, "0123456789");

		if (pn == 0 || pn >= sizeof(t->port))
			return -1;
		memcpy(t->port, hp + n + 1, pn);
	} else {
		strcpy(t->port, "80");
	}
	/* The 20 bytes a v2 torrent announces: the first 40 hex digits. */
	for (int i = 0; i < 20; i++)
		snprintf(esc + 3 * i, 4, "%%%c%c", infohash[2 * i], infohash[2 * i + 1]);
	q = strchr(hp, '?');
	t->path = dsl_xasprintf("/report?%s%sinfo_hash=%s&port=%d&peer_id=%s", q ? q + 1 : "",
				q && q[1] ? "&" : "", esc, port, peer_id);
	return 0;
}

/* HTTP status of the answer (0: none), its first line of text in why. */
static int read_answer(int fd, int64_t deadline, char *why, size_t whylen)
{
	char buf[1024];
	size_t len = 0;
	int status = 0;
	char *body;

	while (len + 1 < sizeof(buf)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)(deadline - dsl_now_ms());
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) != 1)
			break;
		n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/%*d.%*d %d", &status) != 1)
		return 0;
	body = strstr(buf, "\r\n\r\n");
	snprintf(why, whylen, "%.*s", body ? (int)strcspn(body + 4, "\n") : 0,
		 body ? body + 4 : "");
	return status;
}

/* 0 when the tracker took the report; else -1, why says what happened. */
static int post(const struct dsh_report_target *t, const char *doc, char *why, size_t whylen)
{
	int64_t deadline = dsl_now_ms() + DSH_REPORT_TIMEOUT_MS;
	int fd = dsl_net_connect(t->host, t->port, deadline, NULL), status;
	char *req;

	if (fd < 0) {
		snprintf(why, whylen, "cannot connect within %d ms", DSH_REPORT_TIMEOUT_MS);
		return -1;
	}
	/* HTTP/1.0 with Content-Length: the tracker answers and closes. */
	req = dsl_xasprintf("POST %s HTTP/1.0\r\nHost: %s:%s\r\nContent-Type: application/json\r\n"
			    "Content-Length: %zu\r\n\r\n%s", t->path, t->host, t->port,
			    strlen(doc), doc);
	if (dsl_net_send_all(fd, req, strlen(req), deadline) < 0) {
		snprintf(why, whylen, "cannot send within %d ms", DSH_REPORT_TIMEOUT_MS);
		status = -1;
	} else {
		why[0] = '\0';
		status = read_answer(fd, deadline, why, whylen);
		if (!status && !why[0])
			snprintf(why, whylen, "no HTTP answer within %d ms", DSH_REPORT_TIMEOUT_MS);
	}
	free(req);
	close(fd);
	return status == 200 ? 0 : -1;
}

/* Posts the report when it differs from the last one every tracker took,
 * or when that one is DSH_REPORT_REFRESH_MS old (a restarted tracker learns
 * it again): a complete, idle helper has nothing new to say every period.
 * A post that failed is retried the next period, changed or not. */
static void post_all(struct dsh_reporter *r, int64_t now)
{
	char *doc = dsh_status_report_json(r->src);
	int all_taken = 1;

	if (r->last && strcmp(doc, r->last) == 0 && now - r->last_at < DSH_REPORT_REFRESH_MS) {
		free(doc);
		return;
	}
	for (int i = 0; i < r->n; i++) {
		struct dsh_report_target *t = &r->t[i];
		char why[256];

		if (post(t, doc, why, sizeof(why)) == 0) {
			if (t->failing)
				dsl_info(r->log, "status report to %s:%s: accepted again", t->host,
					 t->port);
			t->failing = 0;
		} else {
			all_taken = 0;
			/* The tracker may simply not know us yet (first announce
			 * pending): said once, the next post retries. */
			if (!t->failing)
				dsl_info(r->log, "status report to %s:%s not taken: %s", t->host,
					 t->port, why);
			t->failing = 1;
		}
	}
	free(r->last);
	r->last = all_taken ? doc : NULL;
	r->last_at = now;
	if (!all_taken)
		free(doc);
}

/* 0 for a small job; a random wait up to the period's excess for a big one. */
static int64_t jitter(struct dsh_reporter *r)
{
	int spread = r->every_ms - DSH_REPORT_EVERY_MS;

	return spread > 0 ? rand_r(&r->rng) % spread : 0;
}

/* Sleeps until the next report is due or dsh_reporter_wake (the set is
 * complete, or stop): no tick. */
static void *reporter_main(void *arg)
{
	struct dsh_reporter *r = arg;
	int64_t next = dsl_now_ms() + DSH_REPORT_FIRST_MS + jitter(r), complete_at = -1;
	int complete_seen = 0;

	pthread_setname_np(pthread_self(), "dsl-report");
	while (!__atomic_load_n(&r->quit, __ATOMIC_ACQUIRE)) {
		int complete = __atomic_load_n(&r->src->complete_ms, __ATOMIC_ACQUIRE) >= 0;
		int64_t now = dsl_now_ms(), due;
		struct pollfd p = {r->wake_fd, POLLIN, 0};
		uint64_t v;

		if (complete && !complete_seen && complete_at < 0)
			complete_at = now + jitter(r);
		if (now >= next || (complete_at >= 0 && now >= complete_at)) {
			post_all(r, now);
			next = dsl_now_ms() + r->every_ms;
			if (complete_at >= 0) {
				complete_seen = 1;
				complete_at = -1;
			}
			continue;
		}
		due = complete_at >= 0 && complete_at < next ? complete_at : next;
		if (poll(&p, 1, (int)(due - now)) > 0 && read(r->wake_fd, &v, sizeof(v)) < 0)
			v = 0;
	}
	return NULL;
}

void dsh_reporter_wake(struct dsh_reporter *r)
{
	uint64_t one = 1;

	if (r->running && write(r->wake_fd, &one, sizeof(one)) < 0)
		one = 0;   /* the counter is full: it is awake anyway */
}

int dsh_reporter_start(struct dsh_reporter *r, struct dsh_status_src *src,
		       const char *const *trackers, const char *infohash, int every_ms,
		       int port, const char *peer_id, struct dsl_log *log,
		       struct dsl_err *e)
{
	memset(r, 0, sizeof(*r));
	r->every_ms = every_ms > 0 ? every_ms : DSH_REPORT_EVERY_MS;
	r->rng = (unsigned int)getpid() ^ (unsigned int)dsl_now_ms();
	r->src = src;
	r->log = log;
	for (int i = 0; trackers && trackers[i] && r->n < DSH_REPORT_MAX_TRACKERS; i++)
		if (dsh_report_target(trackers[i], infohash, port, peer_id, &r->t[r->n]) == 0)
			r->n++;
	if (!r->n)
		return 0;
	r->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->wake_fd < 0) {
		dsl_err_set(e, "status reporter: eventfd: %m");
		dsh_reporter_stop(r);
		return -1;
	}
	r->wake_open = 1;

	int rc = pthread_create(&r->th, NULL, reporter_main, r);

	if (rc != 0) {
		dsl_err_set(e, "cannot start the status reporter thread: %s", strerror(rc));
		dsh_reporter_stop(r);
		return -1;
	}
	r->running = 1;
	return 0;
}

void dsh_reporter_stop(struct dsh_reporter *r)
{
	__atomic_store_n(&r->quit, 1, __ATOMIC_RELEASE);
	dsh_reporter_wake(r);
	if (r->running)
		pthread_join(r->th, NULL);
	r->running = 0;
	if (r->wake_open)
		close(r->wake_fd);
	r->wake_open = 0;
	free(r->last);
	r->last = NULL;
	for (int i = 0; i < r->n; i++)
		free(r->t[i].path);
	r->n = 0;
}
