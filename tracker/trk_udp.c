/* trk_udp.c - BEP 15 connect / announce / scrape, batched with recvmmsg. */
#include "trk_udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "trk_udp_proto.h"

static size_t put_error(uint8_t *out, size_t cap, uint32_t tid, const char *why)
{
	size_t n = strlen(why);
	if (n > cap - 8)
		n = cap - 8;
	trk_put32(out, TRK_UDP_ERROR);
	trk_put32(out + 4, tid);
	memcpy(out + 8, why, n);
	return 8 + n;
}

static size_t answer_announce(struct trk_tracker *t, struct trk_udp_req *r,
			      const uint8_t ip[16], int v4, int64_t now, uint8_t *out, size_t cap)
{
	/* the answer carries only the asker's address family (BEP 15) */
	size_t each = v4 ? 6 : 18;
	uint32_t fit = (uint32_t)((cap - 20) / each);
	if (r->ann.numwant > fit)
		r->ann.numwant = fit;
	struct trk_answer ans;
	const char *why = trk_tracker_announce(t, &r->ann, ip, v4, TRK_UDP, now, &ans);
	if (why)
		return put_error(out, cap, r->tid, why);
	uint32_t n = v4 ? ans.peers.n4 : ans.peers.n6;
	trk_put32(out, TRK_UDP_ANNOUNCE);
	trk_put32(out + 4, r->tid);
	trk_put32(out + 8, (uint32_t)t->o->interval);
	trk_put32(out + 12, ans.leechers);
	trk_put32(out + 16, ans.seeders);
	memcpy(out + 20, v4 ? ans.peers.v4 : ans.peers.v6, n * each);
	return 20 + n * each;
}

static size_t answer_scrape(struct trk_tracker *t, const struct trk_udp_req *r,
			    const uint8_t ip[16], int v4, uint8_t *out, size_t cap)
{
	const char *why = trk_tracker_scrape(t, &r->scr, ip, v4);
	if (why)
		return put_error(out, cap, r->tid, why);
	trk_put32(out, TRK_UDP_SCRAPE);
	trk_put32(out + 4, r->tid);
	size_t o = 8;
	for (size_t i = 0; i < r->scr.n && o + 12 <= cap; i++, o += 12) {
		const struct trk_swarm *sw = trk_store_find(&t->store, r->scr.hashes[i]);
		trk_put32(out + o, sw ? sw->nseeders : 0);
		trk_put32(out + o + 4, sw ? (uint32_t)sw->completed : 0);
		trk_put32(out + o + 8, sw ? sw->npeers - sw->nseeders : 0);
	}
	return o;
}

size_t trk_udp_answer(struct trk_tracker *t, const uint8_t *pkt, size_t n,
		      const uint8_t ip[16], int v4, uint16_t port, int64_t now,
		      uint8_t *out, size_t outcap)
{
	struct trk_udp_req r;
	const char *why;
	int64_t ttl = t->o->udp_conn_ttl;
	int rc = trk_udp_parse(pkt, n, &r, &why);
	if (rc < 0) {
		t->c.udp_bad++;      /* no transaction id to answer to */
		return 0;
	}
	if (rc == 0 && r.action != TRK_UDP_CONNECT &&
	    !trk_udp_conn_ok(&t->conn_key, ip, port, now, ttl, r.conn_id))
		why = "unknown or expired connection id: connect again";
	if (why) {
		t->c.udp_bad++;
		trk_tracker_refuse(t, ip, v4, why);
		return put_error(out, outcap, r.tid, why);
	}
	switch (r.action) {
	case TRK_UDP_CONNECT:
		t->c.udp_connects++;
		trk_put32(out, TRK_UDP_CONNECT);
		trk_put32(out + 4, r.tid);
		trk_put64(out + 8, trk_udp_conn_id(&t->conn_key, ip, port, now, ttl));
		return 16;
	case TRK_UDP_ANNOUNCE:
		return answer_announce(t, &r, ip, v4, now, out, outcap);
	default:
		return answer_scrape(t, &r, ip, v4, out, outcap);
	}
}

int trk_udp_init(struct trk_udp *u, struct trk_tracker *t, int fd)
{
	u->fd = fd;
	u->t = t;
	u->in = calloc(TRK_UDP_BATCH, sizeof(*u->in));
	u->out = calloc(TRK_UDP_BATCH, sizeof(*u->out));
	if (!u->in || !u->out) {
		trk_udp_free(u);
		return -1;
	}
	return 0;
}

void trk_udp_free(struct trk_udp *u)
{
	free(u->in);
	free(u->out);
	u->in = u->out = NULL;
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
}

static void sockaddr_ip(const struct sockaddr_storage *ss, uint8_t ip[16], int *v4,
			uint16_t *port)
{
	memset(ip, 0, 16);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		ip[10] = ip[11] = 0xff;
		memcpy(ip + 12, &s4->sin_addr, 4);
		*v4 = 1;
		*port = ntohs(s4->sin_port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		memcpy(ip, &s6->sin6_addr, 16);
		*v4 = IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr);
		*port = ntohs(s6->sin6_port);
	}
}

/* One recvmmsg batch; returns how many datagrams came in. */
static int run_batch(struct trk_udp *u, int64_t now)
{
	struct mmsghdr in[TRK_UDP_BATCH], out[TRK_UDP_BATCH];
	struct iovec iin[TRK_UDP_BATCH], iout[TRK_UDP_BATCH];
	struct sockaddr_storage from[TRK_UDP_BATCH];
	memset(in, 0, sizeof(in));
	for (int i = 0; i < TRK_UDP_BATCH; i++) {
		iin[i].iov_base = u->in[i];
		iin[i].iov_len = TRK_UDP_PKT;
		in[i].msg_hdr.msg_iov = &iin[i];
		in[i].msg_hdr.msg_iovlen = 1;
		in[i].msg_hdr.msg_name = &from[i];
		in[i].msg_hdr.msg_namelen = sizeof(from[i]);
	}
	int n = recvmmsg(u->fd, in, TRK_UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	unsigned nout = 0;
	for (int i = 0; i < n; i++) {
		uint8_t ip[16];
		int v4;
		uint16_t port;
		sockaddr_ip(&from[i], ip, &v4, &port);
		size_t len = trk_udp_answer(u->t, u->in[i], in[i].msg_len, ip, v4, port, now,
					    u->out[nout], TRK_UDP_PKT - 100);
		if (!len)
			continue;
		iout[nout].iov_base = u->out[nout];
		iout[nout].iov_len = len;
		memset(&out[nout], 0, sizeof(out[nout]));
		out[nout].msg_hdr.msg_iov = &iout[nout];
		out[nout].msg_hdr.msg_iovlen = 1;
		out[nout].msg_hdr.msg_name = &from[i];
		out[nout].msg_hdr.msg_namelen = in[i].msg_hdr.msg_namelen;
		nout++;
	}
	/* a full send buffer drops answers: the client retries, as with any UDP loss */
	for (unsigned sent = 0; sent < nout;) {
		int k = sendmmsg(u->fd, out + sent, nout - sent, MSG_DONTWAIT);
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
			break;
		sent += k > 0 ? (unsigned)k : 1;   /* skip a datagram the kernel refuses */
	}
	return n;
}

void trk_udp_run(struct trk_udp *u, int64_t now)
{
	for (int b = 0; b < 8; b++)
		if (run_batch(u, now) < TRK_UDP_BATCH)
			return;
}
