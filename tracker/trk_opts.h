/* trk_opts.h - dsl-tracker's command line. */
#ifndef TRK_OPTS_H
#define TRK_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "dsl_err.h"
#include "trk_store.h"

#define TRK_ALLOW_MAX 4096
#define TRK_SECRET_BUF 130         /* TRK_SECRET_MAX + newline + NUL */

struct trk_opts {
	const char *listen;        /* numeric IPv4 or IPv6 address */
	uint16_t port;
	int listen_fd;             /* --listen-fd: a listening TCP socket bound by
				    * the caller (HTTP only, no UDP); -1 none */
	uint8_t (*allow)[TRK_HASH_LEN];   /* owned; NULL: every swarm allowed */
	size_t nallow;
	const char *secret;        /* NULL: none; --secret or secret_buf */
	char secret_buf[TRK_SECRET_BUF];   /* --secret-fd: read from that fd */
	int interval;              /* seconds, told to clients */
	int peer_timeout;          /* seconds without announce before a peer goes */
	size_t max_swarms;
	uint32_t max_peers;
	uint32_t numwant_max;
	int udp_conn_ttl;          /* seconds per connection-id period (BEP 15) */
	uint64_t max_total_peers;  /* peers in all swarms */
	uint32_t max_peers_per_addr; /* peers from one address; 0: no cap */
	uint64_t max_report_bytes; /* reports kept, all peers; 0: no cap */
	uint32_t stats_max_peers;  /* peers listed in one GET /stats answer */
	const char *munge_socket;  /* NULL: libmunge's default */
	const char *pid_file;
	const char *log_file;
	int foreground;
	int verbose;
};

/* 0: ready; 1: --help/--version printed (exit 0); -1: bad usage (e->msg). */
int trk_opts_parse(struct trk_opts *o, int argc, char **argv, struct dsl_err *e);
void trk_opts_free(struct trk_opts *o);

#endif
