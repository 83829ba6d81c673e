/* dsh_opts.c - parse and check the command line before anything starts, so
 * a bad option fails the prolog with a message naming it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsh_opts.h"
#include "dsl_cidr.h"
#include "dsl_opt.h"
#include "dsl_util.h"

enum { O_DESC = 256, O_TORRENT, O_MOUNT, O_MOUNTPOINT, O_CACHE, O_RUN, O_SEED, O_TRACKER,
       O_PEER, O_LISTEN, O_PORT, O_READ_TIMEOUT, O_CACHE_POLICY, O_FG, O_LOG, O_CTL,
       O_PREFETCH, O_JOB, O_NODE, O_SHARE, O_SPEC_FD, O_SPEC, O_ORDER, O_RECORD_ORDER,
       O_KEY_FILE, O_NETS };

static const struct option dsh_longopts[] = {
	{"desc", required_argument, NULL, O_DESC},
	{"torrent", required_argument, NULL, O_TORRENT},
	{"mount", required_argument, NULL, O_MOUNT},
	{"mountpoint", required_argument, NULL, O_MOUNTPOINT},
	{"cache", required_argument, NULL, O_CACHE},
	{"run-dir", required_argument, NULL, O_RUN},
	{"seed", no_argument, NULL, O_SEED},
	{"tracker", required_argument, NULL, O_TRACKER},
	{"peer", required_argument, NULL, O_PEER},
	{"listen", required_argument, NULL, O_LISTEN},
	{"port", required_argument, NULL, O_PORT},
	{"read-timeout", required_argument, NULL, O_READ_TIMEOUT},
	{"cache-policy", required_argument, NULL, O_CACHE_POLICY},
	{"prefetch", required_argument, NULL, O_PREFETCH},
	{"foreground", no_argument, NULL, O_FG},
	{"log-file", required_argument, NULL, O_LOG},
	{"ctl", required_argument, NULL, O_CTL},
	{"job", required_argument, NULL, O_JOB},
	{"node", required_argument, NULL, O_NODE},
	{"share", required_argument, NULL, O_SHARE},
	{"spec-fd", required_argument, NULL, O_SPEC_FD},
	{"spec", required_argument, NULL, O_SPEC},
	{"order", required_argument, NULL, O_ORDER},
	{"record-order", required_argument, NULL, O_RECORD_ORDER},
	{"key-file", required_argument, NULL, O_KEY_FILE},
	{"peer-networks", required_argument, NULL, O_NETS},
	DSL_OPT_STD,
	{NULL, 0, NULL, 0},
};

static const char dsh_usage[] =
	"usage: dsl-helper --desc FILE.json --torrent FILE.torrent --mount DIR\n"
	      "                  --cache DIR --run-dir DIR [--seed] [--tracker URL]...\n"
	      "                  [--peer HOST:PORT]... [--listen IP] [--port P | --port A-B]\n"
	      "                  [--read-timeout SEC] [--cache-policy keep|remove]\n"
	      "                  [--prefetch pause|always|off] [--foreground] [--log-file FILE]\n"
	      "                  [--share I/N]   (this downloader's share: fetch it first)\n"
	      "                  [--order FILE]... [--record-order FILE]   (prefetch order)\n"
	      "                  [--job ID] [--node NAME]   (added to the status it reports)\n"
	      "                  [--key-file FILE]   (a job key: the job's private swarm)\n"
	      "                  [--peer-networks CIDR[,CIDR...]]   (take peers only from these)\n"
	      "       dsl-helper --mount /dev/fd/N --mountpoint DIR ...   (view pre-mounted by root)\n"
	      "       dsl-helper --spec-fd N | --spec FILE [--foreground]\n"
	      "                  (everything from a job spec, as the Slurm plugin starts it)\n"
	      "       dsl-helper --ctl RUNDIR status|stop\n";

const struct dsl_opt_cmd dsh_opts_cmd = { "dsl-helper", dsh_usage, "", dsh_longopts, 0 };

void dsh_opts_usage(FILE *out)
{
	fputs(dsh_usage, out);
}

/* --key-file FILE: the job key, one line of 64 hex digits. */
static int read_key_file(const char *path, struct dsh_opts *o, struct dsl_err *e)
{
	char buf[DSL_JOBKEY_HEX + 2];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		dsl_err_set(e, "--key-file %s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (dsl_jobkey_check(buf, e) < 0) {
		dsl_err_prefix(e, "--key-file %s", path);
		return -1;
	}
	memcpy(o->key, buf, sizeof(o->key));
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

/* --share I/N: 0 <= I < N <= 100000 (the plugin numbers the downloaders). */
static int parse_share(const char *arg, struct dsh_opts *o, struct dsl_err *e)
{
	char buf[32], *slash;
	long i, n;

	if (strlen(arg) >= sizeof(buf))
		goto bad;
	strcpy(buf, arg);
	slash = strchr(buf, '/');
	if (!slash)
		goto bad;
	*slash = '\0';
	if (dsl_parse_long(slash + 1, 1, 100000, &n) != 0 || dsl_parse_long(buf, 0, n - 1, &i) != 0)
		goto bad;
	o->share_index = (int)i;
	o->share_count = (int)n;
	return 0;
bad:
	dsl_err_set(e, "--share %.32s: expected I/N with 0 <= I < N (e.g. 3/8)", arg);
	return -1;
}

static int parse_port(const char *s, struct dsh_opts *o, struct dsl_err *e)
{
	char buf[32];
	char *dash;
	long a, b;

	snprintf(buf, sizeof(buf), "%s", s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (dsl_parse_long(buf, 1, 65535, &a) != 0 ||
	    (dash && dsl_parse_long(dash + 1, 1, 65535, &b) != 0) || (dash && b < a)) {
		dsl_err_set(e, "--port %s: expected a port (1-65535) or a range A-B", s);
		return -1;
	}
	o->port_min = (int)a;
	o->port_max = dash ? (int)b : (int)a;
	return 0;
}

static int add_list(const char **list, int *n, const char *v, const char *what,
		    struct dsl_err *e)
{
	if (*n >= DSH_MAX_LIST) {
		dsl_err_set(e, "%s: more than %d given", what, DSH_MAX_LIST);
		return -1;
	}
	list[(*n)++] = v;
	list[*n] = NULL;
	return 0;
}

static int parse_one(int c, const char *arg, struct dsh_opts *o, struct dsl_err *e)
{
	long v;

	switch (c) {
	case O_DESC: o->desc = arg; break;
	case O_TORRENT: o->torrent = arg; break;
	case O_MOUNT: o->mount = arg; break;
	case O_MOUNTPOINT: o->mountpoint = arg; break;
	case O_CACHE: o->cache = arg; break;
	case O_RUN: o->run_dir = arg; break;
	case O_SEED: o->seed = 1; break;
	case O_TRACKER: return add_list(o->trackers, &o->ntrackers, arg, "--tracker", e);
	case O_PEER: return add_list(o->peers, &o->npeers, arg, "--peer", e);
	case O_LISTEN: o->listen_ip = arg; break;
	case O_PORT: return parse_port(arg, o, e);
	case O_READ_TIMEOUT:
		if (dsl_parse_long(arg, 1, 86400, &v) != 0) {
			dsl_err_set(e, "--read-timeout %s: expected seconds (1-86400)", arg);
			return -1;
		}
		o->read_timeout = (int)v;
		break;
	case O_CACHE_POLICY:
		if (strcmp(arg, "keep") == 0)
			o->cache_policy = DSH_CACHE_KEEP;
		else if (strcmp(arg, "remove") == 0)
			o->cache_policy = DSH_CACHE_REMOVE;
		else {
			dsl_err_set(e, "--cache-policy %s: expected keep or remove", arg);
			return -1;
		}
		break;
	case O_PREFETCH:
		if (strcmp(arg, "pause") == 0)
			o->prefetch = DSH_PREFETCH_PAUSE;
		else if (strcmp(arg, "always") == 0)
			o->prefetch = DSH_PREFETCH_ALWAYS;
		else if (strcmp(arg, "off") == 0)
			o->prefetch = DSH_PREFETCH_OFF;
		else {
			dsl_err_set(e, "--prefetch %s: expected pause, always or off", arg);
			return -1;
		}
		break;
	case O_FG: o->foreground = 1; break;
	case O_LOG: o->log_file = arg; break;
	case O_CTL: o->ctl_dir = arg; break;
	case O_JOB:
		if (dsl_parse_long(arg, 1, LONG_MAX, &v) != 0) {
			dsl_err_set(e, "--job %s: expected a Slurm job id (a number > 0)", arg);
			return -1;
		}
		o->job = v;
		break;
	case O_SHARE:
		return parse_share(arg, o, e);
	case O_SPEC_FD:
		if (dsl_parse_long(arg, 3, 1023, &v) != 0) {
			dsl_err_set(e, "--spec-fd %s: expected an open fd (3-1023)", arg);
			return -1;
		}
		o->spec_fd = (int)v;
		break;
	case O_SPEC: o->spec_file = arg; break;
	case O_ORDER:
		if (o->norders >= DSH_MAX_ORDERS) {
			dsl_err_set(e, "--order: at most %d files", DSH_MAX_ORDERS);
			return -1;
		}
		o->orders[o->norders++] = arg;
		break;
	case O_RECORD_ORDER: o->record_order = arg; break;
	case O_KEY_FILE:
		return read_key_file(arg, o, e);
	case O_NETS: {
		struct dsl_cidr r[DSL_CIDR_MAX];
		size_t n;

		if (dsl_cidr_parse_list(arg, r, &n, e) < 0)
			return -1;
		o->peer_networks = arg;
		break;
	}
	case O_NODE:
		if (!*arg || strlen(arg) > 255) {
			dsl_err_set(e, "--node '%.64s': expected a node name (1-255 characters)", arg);
			return -1;
		}
		o->node = arg;
		break;
	default:
		dsl_err_set(e, "unknown option (see --help)");
		return -1;
	}
	return 0;
}

void dsh_opts_free(struct dsh_opts *o)
{
	dsl_spec_free(&o->spec);
}

/* Every option from the spec: the same fields the command line sets. */
static void from_spec(struct dsh_opts *o)
{
	const struct dsl_spec *s = &o->spec;

	o->desc = s->desc;
	o->torrent = s->torrent;
	o->mount = s->mount;
	o->mountpoint = s->mountpoint;
	o->cache = s->cache;
	o->run_dir = s->run_dir;
	o->log_file = s->log_file;
	o->seed = s->seeder;
	o->port_min = s->port_min;
	o->port_max = s->port_max;
	o->port_first = s->port;
	o->read_timeout = s->read_timeout;
	o->cache_policy = s->keep_cache ? DSH_CACHE_KEEP : DSH_CACHE_REMOVE;
	o->job = s->job;
	o->node = s->node;
	o->share_index = (int)s->share_index;
	o->share_count = (int)s->share_count;
	o->report_every_ms = s->report_every_ms;
	for (size_t i = 0; i < s->ntrackers; i++)
		o->trackers[o->ntrackers++] = s->trackers[i];
	for (size_t i = 0; i < s->npeers; i++)
		o->peers[o->npeers++] = s->peers[i].addr;
	for (size_t i = 0; i < s->norders && i < DSH_MAX_ORDERS; i++)
		o->orders[o->norders++] = s->orders[i];
	o->record_order = s->record_order;
	if (s->key)
		memcpy(o->key, s->key, sizeof(o->key));
	o->peer_networks = s->peer_networks;
}

/* --spec-fd / --spec: nothing else but --foreground may be given. */
static int load_spec(struct dsh_opts *o, int argc, char **argv, struct dsl_err *e)
{
	int fd = o->spec_fd, rc;

	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], "--spec", 6) && strcmp(argv[i], "--foreground") &&
		    (i == 1 || strncmp(argv[i - 1], "--spec", 6))) {
			dsl_err_set(e, "%.64s: not with a job spec (it holds every option)", argv[i]);
			return -1;
		}
	if (o->spec_file && fd >= 0) {
		dsl_err_set(e, "--spec and --spec-fd: give one");
		return -1;
	}
	if (o->spec_file) {
		fd = open(o->spec_file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			dsl_err_set(e, "--spec %s: %s", o->spec_file, strerror(errno));
			return -1;
		}
	}
	rc = dsl_spec_read_fd(fd, &o->spec, e);
	close(fd);   /* read once: the daemon keeps no fd of root's file */
	if (rc < 0)
		return -1;
	from_spec(o);
	return 0;
}

static int check_required(struct dsh_opts *o, struct dsl_err *e)
{
	const char *missing = !o->desc ? "--desc" : !o->torrent ? "--torrent"
		: !o->mount ? "--mount" : !o->run_dir ? "--run-dir"
		: (!o->cache && !o->seed) ? "--cache" : NULL;

	if (missing) {
		dsl_err_set(e, "missing option %s (see --help)", missing);
		return -1;
	}
	if (strncmp(o->mount, "/dev/fd/", 8) == 0 && !o->mountpoint) {
		dsl_err_set(e, "--mount %s: a pre-mounted view needs --mountpoint DIR", o->mount);
		return -1;
	}
	if (!o->mountpoint)
		o->mountpoint = o->mount;
	return 0;
}

int dsh_opts_parse(int argc, char **argv, struct dsh_opts *o, struct dsl_err *e)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->spec_fd = -1;
	o->read_timeout = 60;
	o->listen_ip = "0.0.0.0";
	optind = 0;
	while ((c = dsl_opt_get(&dsh_opts_cmd, argc, argv, e)) != -1) {
		if (c == DSL_OPT_HELP || c == DSL_OPT_VERSION)
			return c;
		if (c == DSL_OPT_BAD)
			return -1;
		if (parse_one(c, optarg, o, e) != 0)
			return -1;
	}
	if (o->ctl_dir) {
		if (optind != argc - 1 || (strcmp(argv[optind], "status") != 0 &&
					   strcmp(argv[optind], "stop") != 0)) {
			dsl_err_set(e, "--ctl %s: expected one command, status or stop", o->ctl_dir);
			return -1;
		}
		o->ctl_cmd = argv[optind];
		return 0;
	}
	if (optind < argc) {
		dsl_err_set(e, "%s: unexpected argument (see --help)", argv[optind]);
		return -1;
	}
	if ((o->spec_fd >= 0 || o->spec_file) && load_spec(o, argc, argv, e) < 0)
		return -1;
	return check_required(o, e);
}
