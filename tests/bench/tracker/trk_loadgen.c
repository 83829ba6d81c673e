/* trk_loadgen.c - announce load for a BitTorrent tracker, over HTTP
 * (keep-alive when the server allows it, or one connection per request)
 * or UDP (BEP 15).  The same seed gives the same requests, so two trackers
 * get the same load.
 *
 * usage: trk_loadgen http|http-close|udp ADDR PORT SWARMS PEERS SECONDS [CONNS]
 *        trk_loadgen hashes SWARMS          (print the info-hashes, hex)
 * Phase 1 announces every peer once (event=started); phase 2 re-announces
 * random peers for SECONDS.  Prints one line per phase:
 *   PHASE announces=N seconds=S rate=R/s p50=..us p99=..us errors=E conns=C */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXCONN 256
#define BUFSZ 16384
#define LAT_MAX (1u << 22)

enum mode { M_HTTP, M_HTTP_CLOSE, M_UDP };

struct conn {
	int fd;
	int busy;             /* a request is out */
	uint64_t sent_ns;
	uint32_t swarm, peer;
	size_t got;
	char buf[BUFSZ];
	uint64_t cid;         /* UDP connection id, 0: not connected */
	uint32_t tid;
};

struct gen {
	enum mode mode;
	struct sockaddr_in to;
	uint32_t swarms, peers;
	int nconn;
	struct conn *c;
	int ep;
	uint64_t rng;
	/* phase 1: next peer in order; phase 2: random */
	uint64_t next_seq, total_seq;
	int phase;
	uint64_t done, errors, conns;
	uint32_t *lat;
	size_t nlat;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void swarm_hash(uint32_t i, uint8_t h[20])
{
	uint64_t s = 0x9e3779b97f4a7c15ull * (i + 1);
	for (int k = 0; k < 20; k++)
		h[k] = (uint8_t)(rnd(&s) >> 24);
}

static void pick(struct gen *g, uint32_t *sw, uint32_t *peer)
{
	uint64_t n;
	if (g->phase == 1)
		n = g->next_seq++;
	else
		n = rnd(&g->rng) % g->total_seq;
	*sw = (uint32_t)(n % g->swarms);
	*peer = (uint32_t)(n / g->swarms);
}

static uint64_t left_of(uint32_t peer)
{
	return peer % 10 == 0 ? 0 : 1000000;   /* one peer in ten seeds */
}

static int http_request(struct gen *g, uint32_t sw, uint32_t peer, char *out, size_t cap)
{
	uint8_t h[20];
	char hx[61];
	swarm_hash(sw, h);
	for (int k = 0; k < 20; k++)
		snprintf(hx + 3 * k, 4, "%%%02X", h[k]);
	return snprintf(out, cap,
		"GET /announce?info_hash=%s&peer_id=-LG0001-%012u&port=%u&uploaded=0"
		"&downloaded=%u&left=%llu&numwant=50&compact=1&key=%08x%s HTTP/1.1\r\n"
		"Host: 127.0.0.1\r\nUser-Agent: trk_loadgen\r\n%s\r\n",
		hx, peer, 1024 + peer, g->phase == 1 ? 0 : 1000, (unsigned long long)left_of(peer),
		peer, g->phase == 1 ? "&event=started" : "",
		g->mode == M_HTTP_CLOSE ? "Connection: close\r\n" : "");
}

static int open_conn(struct gen *g, struct conn *c)
{
	int tcp = g->mode != M_UDP;
	/* a blocking connect (loopback: immediate), then non-blocking reads */
	c->fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (c->fd < 0)
		return -1;
	if (tcp) {
		int one = 1;
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (connect(c->fd, (struct sockaddr *)&g->to, sizeof(g->to)) < 0) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
	epoll_ctl(g->ep, EPOLL_CTL_ADD, c->fd, &ev);
	g->conns++;
	c->got = 0;
	c->cid = 0;
	return 0;
}

static void close_conn(struct gen *g, struct conn *c)
{
	epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int more_work(struct gen *g, uint64_t deadline)
{
	return g->phase == 1 ? g->next_seq < g->total_seq : now_ns() < deadline;
}

/* Sends the next request on c (a UDP connect first when needed). */
static void send_next(struct gen *g, struct conn *c)
{
	char req[1024];
	if (c->fd < 0 && open_conn(g, c) < 0) {
		g->errors++;
		return;
	}
	c->sent_ns = now_ns();
	c->busy = 1;
	c->got = 0;
	if (g->mode != M_UDP) {
		int n = http_request(g, c->swarm, c->peer, req, sizeof(req));
		if (send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
			/* the server closed an idle connection: reconnect once */
			close_conn(g, c);
			if (open_conn(g, c) < 0 || send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n)
				g->errors++;
		}
		return;
	}
	uint8_t *p = (uint8_t *)req;
	c->tid++;
	if (!c->cid) {
		put32(p, 0x417);
		put32(p + 4, 0x27101980);
		put32(p + 8, 0);
		put32(p + 12, c->tid);
		send(c->fd, p, 16, 0);
		return;
	}
	uint8_t h[20];
	swarm_hash(c->swarm, h);
	memset(p, 0, 98);
	put32(p, (uint32_t)(c->cid >> 32));
	put32(p + 4, (uint32_t)c->cid);
	put32(p + 8, 1);
	put32(p + 12, c->tid);
	memcpy(p + 16, h, 20);
	snprintf(req + 36, 21, "-LG0001-%012u", c->peer);
	put32(p + 60, g->phase == 1 ? 0 : 1000);          /* downloaded (low word) */
	uint64_t left = left_of(c->peer);
	put32(p + 68, (uint32_t)left);                   /* left (low word) */
	put32(p + 80, g->phase == 1 ? 2 : 0);
	put32(p + 92, 50);
	p[96] = (uint8_t)((1024 + c->peer) >> 8);
	p[97] = (uint8_t)(1024 + c->peer);
	send(c->fd, p, 98, 0);
}

static void record(struct gen *g, struct conn *c, int ok)
{
	uint64_t us = (now_ns() - c->sent_ns) / 1000;
	if (g->nlat < LAT_MAX)
		g->lat[g->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	g->done++;
	if (!ok)
		g->errors++;
	c->busy = 0;
}

/* HTTP: 1 when a whole answer is in c->buf; sets *close_after. */
static int http_complete(struct conn *c, int *ok, int *close_after)
{
	c->buf[c->got < BUFSZ ? c->got : BUFSZ - 1] = 0;
	char *end = strstr(c->buf, "\r\n\r\n");
	if (!end)
		return 0;
	char *cl = strcasestr(c->buf, "Content-Length:");
	if (!cl || cl > end)
		return 0;
	size_t len = strtoul(cl + 15, NULL, 10);
	size_t hdr = (size_t)(end + 4 - c->buf);
	if (c->got < hdr + len)
		return 0;
	*ok = strncmp(c->buf + 9, "200", 3) == 0 &&
	      memmem(c->buf + hdr, len, "5:peers", 7) != NULL;
	*close_after = strncmp(c->buf, "HTTP/1.0", 8) == 0 ||
		       (strcasestr(c->buf, "Connection: close") && strcasestr(c->buf, "Connection: close") < end);
	return 1;
}

static void on_http(struct gen *g, struct conn *c, uint64_t deadline)
{
	ssize_t r = recv(c->fd, c->buf + c->got, BUFSZ - 1 - c->got, 0);
	if (r <= 0) {
		if (r < 0 && errno == EAGAIN)
			return;
		close_conn(g, c);
		if (c->busy && c->got == 0) {
			/* the server closed a connection it did not keep alive
			 * although it did not say so: ask again on a new one */
			send_next(g, c);
			return;
		}
		if (c->busy)     /* closed in the middle of an answer */
			record(g, c, 0);
		if (more_work(g, deadline)) {
			pick(g, &c->swarm, &c->peer);
			send_next(g, c);
		}
		return;
	}
	c->got += (size_t)r;
	int ok, close_after;
	if (!http_complete(c, &ok, &close_after))
		return;
	record(g, c, ok);
	if (close_after || g->mode == M_HTTP_CLOSE)
		close_conn(g, c);
	if (more_work(g, deadline)) {
		pick(g, &c->swarm, &c->peer);
		send_next(g, c);
	}
}

static void on_udp(struct gen *g, struct conn *c, uint64_t deadline)
{
	uint8_t a[2048];
	ssize_t r = recv(c->fd, a, sizeof(a), 0);
	if (r < 8 || get32(a + 4) != c->tid)
		return;
	uint32_t action = get32(a);
	if (action == 0 && r >= 16) {
		c->cid = (uint64_t)get32(a + 8) << 32 | get32(a + 12);
		send_next(g, c);
		return;
	}
	record(g, c, action == 1);
	if (more_work(g, deadline)) {
		pick(g, &c->swarm, &c->peer);
		send_next(g, c);
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void run_phase(struct gen *g, int phase, double seconds)
{
	g->phase = phase;
	g->next_seq = 0;
	g->done = g->errors = g->conns = 0;
	g->nlat = 0;
	uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)(seconds * 1e9);
	uint64_t hard = t0 + (uint64_t)((seconds + 120) * 1e9);   /* never hang */
	for (int i = 0; i < g->nconn; i++) {
		if (!more_work(g, deadline))
			break;
		pick(g, &g->c[i].swarm, &g->c[i].peer);
		send_next(g, &g->c[i]);
	}
	for (;;) {
		int busy = 0;
		for (int i = 0; i < g->nconn; i++)
			busy += g->c[i].busy;
		if (!busy || now_ns() > hard)
			break;
		struct epoll_event ev[64];
		int n = epoll_wait(g->ep, ev, 64, 200);
		for (int i = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;
			if (g->mode == M_UDP)
				on_udp(g, c, deadline);
			else
				on_http(g, c, deadline);
		}
		if (n == 0 && g->mode == M_UDP) {   /* lost datagrams: resend */
			for (int i = 0; i < g->nconn; i++)
				if (g->c[i].busy && now_ns() - g->c[i].sent_ns > 500000000ull) {
					g->errors++;
					send_next(g, &g->c[i]);
				}
		}
	}
	double secs = (double)(now_ns() - t0) / 1e9;
	qsort(g->lat, g->nlat, sizeof(*g->lat), cmp_u32);
	uint32_t p50 = g->nlat ? g->lat[g->nlat / 2] : 0;
	uint32_t p99 = g->nlat ? g->lat[g->nlat * 99 / 100] : 0;
	printf("%s announces=%llu seconds=%.2f rate=%.0f p50=%uus p99=%uus errors=%llu conns=%llu\n",
	       phase == 1 ? "fill" : "steady", (unsigned long long)g->done, secs,
	       (double)g->done / secs, p50, p99, (unsigned long long)g->errors,
	       (unsigned long long)g->conns);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "hashes")) {
		for (uint32_t i = 0; i < (uint32_t)atoi(argv[2]); i++) {
			uint8_t h[20];
			swarm_hash(i, h);
			for (int k = 0; k < 20; k++)
				printf("%02x", h[k]);
			printf("\n");
		}
		return 0;
	}
	if (argc < 7) {
		fprintf(stderr, "usage: trk_loadgen http|http-close|udp ADDR PORT SWARMS PEERS SECONDS [CONNS]\n"
				"       trk_loadgen hashes SWARMS\n");
		return 1;
	}
	struct gen g;
	memset(&g, 0, sizeof(g));
	g.mode = !strcmp(argv[1], "udp") ? M_UDP : !strcmp(argv[1], "http-close") ? M_HTTP_CLOSE : M_HTTP;
	g.to.sin_family = AF_INET;
	g.to.sin_port = htons((uint16_t)atoi(argv[3]));
	if (inet_pton(AF_INET, argv[2], &g.to.sin_addr) != 1) {
		fprintf(stderr, "trk_loadgen: bad address %s\n", argv[2]);
		return 1;
	}
	g.swarms = (uint32_t)atoi(argv[4]);
	g.peers = (uint32_t)atoi(argv[5]);
	double seconds = atof(argv[6]);
	g.nconn = argc > 7 ? atoi(argv[7]) : 16;
	if (g.nconn < 1 || g.nconn > MAXCONN || !g.swarms || !g.peers || g.peers > 60000) {
		fprintf(stderr, "trk_loadgen: bad numbers\n");
		return 1;
	}
	g.total_seq = (uint64_t)g.swarms * g.peers;
	g.rng = 88172645463325252ull;
	g.ep = epoll_create1(0);
	g.c = calloc((size_t)g.nconn, sizeof(*g.c));
	g.lat = malloc(LAT_MAX * sizeof(*g.lat));
	if (g.ep < 0 || !g.c || !g.lat)
		return 1;
	for (int i = 0; i < g.nconn; i++)
		g.c[i].fd = -1;
	run_phase(&g, 1, 0);
	run_phase(&g, 2, seconds);
	for (int i = 0; i < g.nconn; i++)
		if (g.c[i].fd >= 0)
			close(g.c[i].fd);
	free(g.c);
	free(g.lat);
	close(g.ep);
	return 0;
}
