/* trk_opts.c - command-line parsing and validation for dsl-tracker. */
#include "trk_opts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsl_opt.h"
#include "trk_request.h"

static const char usage[] =
	"usage: dsl-tracker --listen ADDR --port PORT [--listen-fd FD] [--allow INFOHASH_HEX]...\n"
	"       [--secret S | --secret-fd FD] [--interval SEC] [--peer-timeout SEC] [--max-swarms N]\n"
	"       [--max-peers N] [--numwant-max N] [--udp-conn-ttl SEC] [--munge-socket PATH]\n"
	"       [--max-peers-total N] [--max-peers-per-addr N] [--max-report-bytes N]\n"
	"       [--stats-max-peers N]\n"
	"       [--pid-file FILE] [--log-file FILE] [--foreground] [--verbose]\n"
	"Serves HTTP (GET /announce, /scrape, /stats, /metrics) and UDP (BEP 15)\n"
	"on the same port.  With --secret S the announce URL is\n"
	"http://HOST:PORT/announce?" TRK_SECRET_PARAM "=S (udp://HOST:PORT/announce?"
	TRK_SECRET_PARAM "=S).  --secret-fd FD reads S (one line) from FD instead,\n"
	"so that it is not in the process's argv, which every user can read.\n"
	"--listen-fd FD serves HTTP on FD, a TCP socket the caller bound to ADDR:PORT\n"
	"and listens on (a port below 1024 that only root can bind), and no UDP.\n";

enum { O_LISTEN = 256, O_PORT, O_LISTEN_FD, O_ALLOW, O_SECRET, O_SECRET_FD, O_MUNGE, O_INTERVAL, O_TIMEOUT,
       O_MAXSW, O_MAXPEERS, O_NUMWANT, O_CONNTTL, O_PID, O_LOG, O_FG, O_VERBOSE,
       O_MAXTOTAL, O_MAXADDR, O_MAXREPORT, O_STATSMAX };

static const struct option longopts[] = {
	{ "listen", required_argument, NULL, O_LISTEN },
	{ "port", required_argument, NULL, O_PORT },
	{ "listen-fd", required_argument, NULL, O_LISTEN_FD },
	{ "allow", required_argument, NULL, O_ALLOW },
	{ "secret", required_argument, NULL, O_SECRET },
	{ "secret-fd", required_argument, NULL, O_SECRET_FD },
	{ "munge-socket", required_argument, NULL, O_MUNGE },
	{ "interval", required_argument, NULL, O_INTERVAL },
	{ "peer-timeout", required_argument, NULL, O_TIMEOUT },
	{ "max-swarms", required_argument, NULL, O_MAXSW },
	{ "max-peers", required_argument, NULL, O_MAXPEERS },
	{ "numwant-max", required_argument, NULL, O_NUMWANT },
	{ "udp-conn-ttl", required_argument, NULL, O_CONNTTL },
	{ "max-peers-total", required_argument, NULL, O_MAXTOTAL },
	{ "max-peers-per-addr", required_argument, NULL, O_MAXADDR },
	{ "max-report-bytes", required_argument, NULL, O_MAXREPORT },
	{ "stats-max-peers", required_argument, NULL, O_STATSMAX },
	{ "pid-file", required_argument, NULL, O_PID },
	{ "log-file", required_argument, NULL, O_LOG },
	{ "foreground", no_argument, NULL, O_FG },
	{ "verbose", no_argument, NULL, O_VERBOSE },
	DSL_OPT_STD,
	{ NULL, 0, NULL, 0 },
};

const struct dsl_opt_cmd trk_opts_cmd = { "dsl-tracker", usage, "", longopts, 0 };

static int num_arg(const char *name, const char *s, long min, long max, long *out,
		   struct dsl_err *e)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		dsl_err_set(e, "invalid --%s '%s': not a number from %ld to %ld", name, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int add_allow(struct trk_opts *o, const char *hex, struct dsl_err *e)
{
	if (o->nallow >= TRK_ALLOW_MAX) {
		dsl_err_set(e, "too many --allow (at most %d)", TRK_ALLOW_MAX);
		return -1;
	}
	uint8_t h[TRK_HASH_LEN];
	if (trk_hex_hash(hex, h) < 0) {
		dsl_err_set(e, "invalid --allow '%s': not a 64- or 40-digit hex info-hash", hex);
		return -1;
	}
	void *n = realloc(o->allow, (o->nallow + 1) * sizeof(*o->allow));
	if (!n) {
		dsl_err_set(e, "--allow: out of memory");
		return -1;
	}
	o->allow = n;
	memcpy(o->allow[o->nallow++], h, TRK_HASH_LEN);
	return 0;
}

static int check_opts(const struct trk_opts *o, struct dsl_err *e)
{
	unsigned char buf[16];
	if (!o->listen) {
		dsl_err_set(e, "missing --listen ADDR");
		return -1;
	}
	if (inet_pton(AF_INET, o->listen, buf) != 1 && inet_pton(AF_INET6, o->listen, buf) != 1) {
		dsl_err_set(e, "invalid --listen '%s': not a numeric IPv4 or IPv6 address", o->listen);
		return -1;
	}
	if (!o->port) {
		dsl_err_set(e, "missing --port PORT");
		return -1;
	}
	if (o->secret && (!*o->secret || strlen(o->secret) > TRK_SECRET_MAX ||
			  strspn(o->secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					    "0123456789-_.~") != strlen(o->secret))) {
		dsl_err_set(e, "invalid --secret: 1-%d characters of A-Z a-z 0-9 - _ . ~ "
			    "(they need no escaping in a URL)", TRK_SECRET_MAX);
		return -1;
	}
	return 0;
}

/* One line from fd (a pipe or file the starter filled), then the fd is
 * closed.  Bounded: at most TRK_SECRET_BUF - 1 bytes are read. */
static int secret_from_fd(struct trk_opts *o, int fd, struct dsl_err *e)
{
	size_t got = 0;
	ssize_t n = 0;

	while (got < sizeof(o->secret_buf) - 1 &&
	       (n = read(fd, o->secret_buf + got, sizeof(o->secret_buf) - 1 - got)) > 0)
		got += (size_t)n;
	if (n < 0) {
		dsl_err_set(e, "--secret-fd %d: %s", fd, strerror(errno));
		return -1;
	}
	close(fd);
	o->secret_buf[got] = '\0';
	o->secret_buf[strcspn(o->secret_buf, "\n")] = '\0';
	o->secret = o->secret_buf;
	return 0;
}

static int set_opt(struct trk_opts *o, int c, const char *arg, struct dsl_err *e)
{
	long v;
	switch (c) {
	case O_LISTEN: o->listen = arg; return 0;
	case O_PORT:
		if (num_arg("port", arg, 1, 65535, &v, e) < 0)
			return -1;
		o->port = (uint16_t)v;
		return 0;
	case O_ALLOW: return add_allow(o, arg, e);
	case O_SECRET: o->secret = arg; return 0;
	case O_MUNGE: o->munge_socket = arg; return 0;
	case O_LISTEN_FD:
		if (num_arg("listen-fd", arg, 3, 1024, &v, e) < 0)
			return -1;
		o->listen_fd = (int)v;
		return 0;
	case O_SECRET_FD:
		if (num_arg("secret-fd", arg, 0, 1024, &v, e) < 0)
			return -1;
		return secret_from_fd(o, (int)v, e);
	case O_INTERVAL:
		if (num_arg("interval", arg, 1, 86400, &v, e) < 0)
			return -1;
		o->interval = (int)v;
		return 0;
	case O_TIMEOUT:
		if (num_arg("peer-timeout", arg, 1, 7 * 86400, &v, e) < 0)
			return -1;
		o->peer_timeout = (int)v;
		return 0;
	case O_MAXSW:
		if (num_arg("max-swarms", arg, 1, 1000000, &v, e) < 0)
			return -1;
		o->max_swarms = (size_t)v;
		return 0;
	case O_MAXPEERS:
		if (num_arg("max-peers", arg, 1, 1000000, &v, e) < 0)
			return -1;
		o->max_peers = (uint32_t)v;
		return 0;
	case O_NUMWANT:
		if (num_arg("numwant-max", arg, 1, 10000, &v, e) < 0)
			return -1;
		o->numwant_max = (uint32_t)v;
		return 0;
	case O_CONNTTL:
		if (num_arg("udp-conn-ttl", arg, 1, 3600, &v, e) < 0)
			return -1;
		o->udp_conn_ttl = (int)v;
		return 0;
	case O_MAXTOTAL:
		if (num_arg("max-peers-total", arg, 1, 100000000, &v, e) < 0)
			return -1;
		o->max_total_peers = (uint64_t)v;
		return 0;
	case O_MAXADDR:   /* 0: no cap (a load generator on one address) */
		if (num_arg("max-peers-per-addr", arg, 0, 100000000, &v, e) < 0)
			return -1;
		o->max_peers_per_addr = (uint32_t)v;
		return 0;
	case O_MAXREPORT:
		if (num_arg("max-report-bytes", arg, 0, 1L << 40, &v, e) < 0)
			return -1;
		o->max_report_bytes = (uint64_t)v;
		return 0;
	case O_STATSMAX:
		if (num_arg("stats-max-peers", arg, 1, 100000, &v, e) < 0)
			return -1;
		o->stats_max_peers = (uint32_t)v;
		return 0;
	case O_PID: o->pid_file = arg; return 0;
	case O_LOG: o->log_file = arg; return 0;
	case O_FG: o->foreground = 1; return 0;
	case O_VERBOSE: o->verbose = 1; return 0;
	}
	dsl_err_set(e, "unknown option (see --help)");
	return -1;
}

int trk_opts_parse(struct trk_opts *o, int argc, char **argv, struct dsl_err *e)
{
	memset(o, 0, sizeof(*o));
	o->listen_fd = -1;
	o->interval = 30;
	o->max_swarms = 1000;
	o->max_peers = 10000;
	o->numwant_max = 200;
	o->udp_conn_ttl = 60;
	o->max_total_peers = 200000;
	o->max_peers_per_addr = 64;
	o->max_report_bytes = 64u << 20;
	o->stats_max_peers = 256;
	optind = 0;
	int c;
	while ((c = dsl_opt_get(&trk_opts_cmd, argc, argv, e)) != -1) {
		if (c == DSL_OPT_HELP || c == DSL_OPT_VERSION)
			return dsl_opt_finish(&trk_opts_cmd, c, e), 1;
		if (c == DSL_OPT_BAD)
			return -1;
		if (set_opt(o, c, optarg, e) < 0)
			return -1;
	}
	if (optind < argc) {
		dsl_err_set(e, "unexpected argument '%s' (see --help)", argv[optind]);
		return -1;
	}
	if (!o->peer_timeout)
		o->peer_timeout = 2 * o->interval + 30;
	return check_opts(o, e);
}

void trk_opts_free(struct trk_opts *o)
{
	free(o->allow);
	o->allow = NULL;
	o->nallow = 0;
}
