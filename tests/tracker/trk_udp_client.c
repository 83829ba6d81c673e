/* trk_udp_client.c - a minimal BEP 15 client for the tracker's tests.
 *
 * usage: trk_udp_client [-b SRCADDR] [-s URLDATA] ADDR PORT CMD ...
 *   announce HASH40 PEERPORT LEFT [started|stopped|completed|none] [NUMWANT]
 *   scrape HASH40
 *   stale HASH40 PEERPORT SECONDS   connect, wait, then announce
 *   raw HEX                         send these bytes, show the answer
 *   badconn HASH40 PEERPORT         announce with a made-up connection id
 * Prints one line; exit 0 when an answer came (even an error answer),
 * 1 on time-out or bad usage. */
#include <arpa/inet.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct cl {
	int fd;
	const char *urldata;
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s) / 2;
	if (n > max)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)n;
}

/* Sends and waits up to 2 s for an answer with the same transaction id. */
static ssize_t xchg(struct cl *c, const uint8_t *req, size_t n, uint8_t *ans, size_t cap)
{
	if (send(c->fd, req, n, 0) != (ssize_t)n) {
		perror("trk_udp_client: send");
		return -1;
	}
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	if (poll(&p, 1, 2000) != 1) {
		printf("no answer\n");
		return -1;
	}
	return recv(c->fd, ans, cap, 0);
}

static int show_error(const uint8_t *a, ssize_t n)
{
	if (n >= 8 && get32(a) == 3) {
		printf("error: %.*s\n", (int)(n - 8), (const char *)a + 8);
		return 1;
	}
	return 0;
}

static int do_connect(struct cl *c, uint64_t *cid)
{
	uint8_t req[16], ans[64];
	put64(req, 0x41727101980ULL);
	put32(req + 8, 0);
	put32(req + 12, 0x1234);
	ssize_t n = xchg(c, req, sizeof(req), ans, sizeof(ans));
	if (n < 0)
		return -1;
	if (show_error(ans, n))
		return -1;
	if (n != 16 || get32(ans) != 0 || get32(ans + 4) != 0x1234) {
		printf("bad connect answer (%zd bytes)\n", n);
		return -1;
	}
	*cid = (uint64_t)get32(ans + 8) << 32 | get32(ans + 12);
	return 0;
}

static int do_announce(struct cl *c, uint64_t cid, char **av, int ac)
{
	uint8_t req[600], ans[2048];
	memset(req, 0, sizeof(req));
	if (ac < 3 || unhex(av[0], req + 16, 20) != 20) {
		fprintf(stderr, "trk_udp_client: announce HASH40 PEERPORT LEFT [EVENT] [NUMWANT]\n");
		return 1;
	}
	put64(req, cid);
	put32(req + 8, 1);
	put32(req + 12, 0x5678);
	memcpy(req + 36, "-TE0001-udpclient000", 20);
	put64(req + 64, strtoull(av[2], NULL, 10));
	uint32_t ev = 0;
	if (ac > 3)
		ev = !strcmp(av[3], "completed") ? 1 : !strcmp(av[3], "started") ? 2 :
		     !strcmp(av[3], "stopped") ? 3 : 0;
	put32(req + 80, ev);
	put32(req + 92, ac > 4 ? (uint32_t)strtoul(av[4], NULL, 10) : 0xffffffffu);
	unsigned port = (unsigned)atoi(av[1]);
	req[96] = (uint8_t)(port >> 8);
	req[97] = (uint8_t)port;
	size_t n = 98;
	if (c->urldata) {
		size_t ul = strlen(c->urldata);
		for (size_t off = 0; off < ul && n + 257 < sizeof(req); off += 255) {
			size_t k = ul - off < 255 ? ul - off : 255;
			req[n++] = 2;
			req[n++] = (uint8_t)k;
			memcpy(req + n, c->urldata + off, k);
			n += k;
		}
		req[n++] = 0;
	}
	ssize_t r = xchg(c, req, n, ans, sizeof(ans));
	if (r < 0)
		return 1;
	if (show_error(ans, r))
		return 0;
	if (r < 20 || get32(ans) != 1 || get32(ans + 4) != 0x5678) {
		printf("bad announce answer (%zd bytes)\n", r);
		return 1;
	}
	printf("announce interval=%u leechers=%u seeders=%u peers=", get32(ans + 8),
	       get32(ans + 12), get32(ans + 16));
	for (ssize_t i = 20; i + 6 <= r; i += 6)
		printf("%s%u.%u.%u.%u:%u", i > 20 ? "," : "", ans[i], ans[i + 1], ans[i + 2],
		       ans[i + 3], ans[i + 4] << 8 | ans[i + 5]);
	printf("\n");
	return 0;
}

static int do_scrape(struct cl *c, uint64_t cid, const char *hex)
{
	uint8_t req[36], ans[64];
	if (unhex(hex, req + 16, 20) != 20)
		return 1;
	put64(req, cid);
	put32(req + 8, 2);
	put32(req + 12, 0x9abc);
	ssize_t r = xchg(c, req, sizeof(req), ans, sizeof(ans));
	if (r < 0)
		return 1;
	if (show_error(ans, r))
		return 0;
	if (r != 20) {
		printf("bad scrape answer (%zd bytes)\n", r);
		return 1;
	}
	printf("scrape seeders=%u completed=%u leechers=%u\n", get32(ans + 8), get32(ans + 12),
	       get32(ans + 16));
	return 0;
}

static int do_raw(struct cl *c, const char *hex)
{
	uint8_t req[2048], ans[2048];
	int n = unhex(hex, req, sizeof(req));
	if (n < 0)
		return 1;
	ssize_t r = xchg(c, req, (size_t)n, ans, sizeof(ans));
	if (r < 0)
		return 1;
	if (!show_error(ans, r))
		printf("answer action=%u bytes=%zd\n", r >= 4 ? get32(ans) : 99, r);
	return 0;
}

static int open_sock(const char *src, const char *addr, const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return -1;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (src) {
		struct sockaddr_in b = { .sin_family = AF_INET };
		inet_pton(AF_INET, src, &b.sin_addr);
		if (bind(fd, (struct sockaddr *)&b, sizeof(b)) < 0)
			perror("trk_udp_client: bind");
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct cl c = { -1, NULL };
	const char *src = NULL;
	int opt;
	while ((opt = getopt(argc, argv, "b:s:")) != -1) {
		if (opt == 'b')
			src = optarg;
		else if (opt == 's')
			c.urldata = optarg;
		else
			return 1;
	}
	if (argc - optind < 3) {
		fprintf(stderr, "usage: trk_udp_client [-b SRC] [-s URLDATA] ADDR PORT CMD ...\n");
		return 1;
	}
	char **av = argv + optind + 3;
	int ac = argc - optind - 3;
	const char *cmd = argv[optind + 2];
	c.fd = open_sock(src, argv[optind], argv[optind + 1]);
	if (c.fd < 0) {
		fprintf(stderr, "trk_udp_client: bad address\n");
		return 1;
	}
	uint64_t cid = 0;
	int rc = 1;
	if (!strcmp(cmd, "raw") && ac == 1)
		rc = do_raw(&c, av[0]);
	else if (!strcmp(cmd, "badconn"))
		rc = do_announce(&c, 0xdeadbeefcafef00dULL, av, ac);
	else if (do_connect(&c, &cid) < 0)
		rc = 1;
	else if (!strcmp(cmd, "announce"))
		rc = do_announce(&c, cid, av, ac);
	else if (!strcmp(cmd, "scrape") && ac == 1)
		rc = do_scrape(&c, cid, av[0]);
	else if (!strcmp(cmd, "stale") && ac == 3) {
		sleep((unsigned)atoi(av[2]));
		rc = do_announce(&c, cid, av, 3);
	}
	close(c.fd);
	return rc;
}
