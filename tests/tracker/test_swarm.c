/* test_swarm.c - real libtorrent peers that find each other only through
 * dsl-tracker: one seeder and three downloaders on 127.0.0.2-5 (no DHT, no
 * LSD, no peer list given), over HTTP or UDP, with the allow-list and the
 * secret on.  Every downloader must end with the set byte for byte.
 * Each peer is its own process, as on separate nodes (libtorrent keeps
 * some tracker state per process, e.g. UDP connection ids).
 *
 * usage: test_swarm DSL_TRACKER http|udp WORKDIR */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dsh_session.h"

#define NDOWN 3
#define NFILES 4
#define TIMEOUT_S 90
#define SECRET "swarm-test-secret"

struct ctx {
	const char *tracker_bin, *mode, *dir;
	char url[256];
	char pidfile[512];
	int port;
	pid_t tracker;
};

static void on_log(void *arg, int level, const char *msg)
{
	if (level <= 1)   /* errors and warnings (tracker refusals among them) */
		fprintf(stderr, "  [%s] %s\n", (const char *)arg, msg);
}

static int write_file(const char *path, size_t size, unsigned seed)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	srand(seed);
	for (size_t i = 0; i < size; i++)
		fputc(rand() & 0xff, f);
	return fclose(f);
}

/* size bytes of a from offset equal all of b (small files share a pack) */
static int same_bytes(const char *a, uint64_t offset, uint64_t size, const char *b)
{
	FILE *fa = fopen(a, "r"), *fb = fopen(b, "r");
	int ok = fa && fb && fseeko(fa, (off_t)offset, SEEK_SET) == 0;
	for (uint64_t n = 0; ok && n <= size; n++) {
		int x = n < size ? fgetc(fa) : EOF, y = fgetc(fb);
		if (x != y)
			ok = 0;
		if (x == EOF || y == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return ok;
}

static int start_tracker(struct ctx *c, const char *hash)
{
	snprintf(c->pidfile, sizeof(c->pidfile), "%s/tracker.pid", c->dir);
	char logf[512], port[16];
	snprintf(logf, sizeof(logf), "%s/tracker.log", c->dir);
	for (int attempt = 0; attempt < 8; attempt++) {
		c->port = 20000 + (int)((unsigned)(getpid() * 7919 + attempt * 104729) % 30000);
		snprintf(port, sizeof(port), "%d", c->port);
		pid_t pid = fork();
		if (pid == 0) {
			execl(c->tracker_bin, c->tracker_bin, "--listen", "127.0.0.1", "--port", port,
			      "--allow", hash, "--secret", SECRET, "--interval", "10",
			      "--pid-file", c->pidfile, "--log-file", logf, "--verbose", (char *)NULL);
			_exit(127);
		}
		int st;
		waitpid(pid, &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			FILE *f = fopen(c->pidfile, "r");
			long p = 0;
			if (f && fscanf(f, "%ld", &p) == 1)
				c->tracker = (pid_t)p;
			if (f)
				fclose(f);
			snprintf(c->url, sizeof(c->url), "%s://127.0.0.1:%d/announce?dsl_secret=" SECRET,
				 c->mode, c->port);
			return c->tracker > 0 ? 0 : -1;
		}
	}
	return -1;
}

static void stop_tracker(struct ctx *c)
{
	if (c->tracker <= 0)
		return;
	kill(c->tracker, SIGTERM);
	for (int i = 0; i < 50 && kill(c->tracker, 0) == 0; i++)
		usleep(100000);
	c->tracker = 0;
}

static int make_set(struct ctx *c, char src[NFILES][512], struct dsl_tmeta *meta, char *tpath)
{
	static const char *const names[NFILES] = { "lib/libbig.so", "lib/libsmall.so.1",
						   "python/mod.py", "tiny" };
	static const size_t sizes[NFILES] = { 3 << 20, 70000, 1234, 1 };
	struct dsl_tfile_in in[NFILES];
	char d[600];
	snprintf(d, sizeof(d), "%s/src", c->dir);
	mkdir(d, 0755);
	snprintf(d, sizeof(d), "%s/src/lib", c->dir);
	mkdir(d, 0755);
	snprintf(d, sizeof(d), "%s/src/python", c->dir);
	mkdir(d, 0755);
	for (int i = 0; i < NFILES; i++) {
		snprintf(src[i], 512, "%s/src/%s", c->dir, names[i]);
		if (write_file(src[i], sizes[i], 1000u + (unsigned)i) < 0)
			return -1;
		in[i].path = names[i];
		in[i].source = src[i];
		in[i].size = sizes[i];
		in[i].executable = 0;
	}
	snprintf(tpath, 512, "%s/set.torrent", c->dir);
	struct dsl_err e;
	if (dsl_torrent_create("testset", in, NFILES, 64 * 1024, tpath, NULL, NULL, meta, &e) < 0) {
		fprintf(stderr, "FAIL: dsl_torrent_create: %s\n", e.msg);
		return -1;
	}
	return 0;
}

/* Source path of meta file k (meta order is sorted by path). */
static const char *source_of(const struct dsl_tmeta *m, char src[NFILES][512], size_t k,
			     const char *dir)
{
	for (int i = 0; i < NFILES; i++)
		if (strcmp(src[i] + strlen(dir) + 5, m->files[k].path) == 0)
			return src[i];
	return NULL;
}


struct peer {
	char ip[16];
	char save[512];
	pid_t pid;
	int fd;                 /* downloader's report, read end */
};

static volatile sig_atomic_t stop_flag;

static void on_term(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* The session's owner drives it (dsh_session.h): events as they come, a
 * tick once a second, for ms milliseconds or until stop_flag. */
static void serve_for(struct dsh_session *s, int ms)
{
	struct timespec t0, t;
	static time_t last_tick;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = {dsh_session_event_fd(s), POLLIN, 0};
		long left;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || stop_flag)
			return;
		if (t.tv_sec != last_tick) {
			dsh_session_tick(s);
			last_tick = t.tv_sec;
		}
		/* (also after a time-out: a candidate's retry, dsh_session.h) */
		(void)poll(&p, 1, left < 100 ? (int)left : 100);
		dsh_session_on_events(s);
	}
}

/* Child: one node.  A downloader reports one line when complete (or not),
 * then keeps serving the others until SIGTERM. */
static int run_peer(struct ctx *c, struct peer *p, int seeder, const char *tpath,
		    const struct dsl_tmeta *meta, const char **sources, int out)
{
	const char *trackers[] = { c->url, NULL };
	struct dsh_session_opts o;
	struct dsl_err e;
	char msg[3072];
	signal(SIGTERM, on_term);
	memset(&o, 0, sizeof(o));
	o.listen_ip = p->ip;
	o.torrent_path = tpath;
	o.trackers = trackers;
	o.log = on_log;
	o.cb_arg = p->ip;
	if (seeder)
		o.seed_sources = sources;   /* it builds the set's pack in save_path */
	o.save_path = p->save;
	struct dsh_session *s = dsh_session_start(&o, &e);
	if (!s) {
		snprintf(msg, sizeof(msg), "FAIL %s: session: %.900s\n", p->ip, e.msg);
		if (write(out, msg, strlen(msg)) < 0)
			return 1;
		return 1;
	}
	printf("%s on %s:%d\n", seeder ? "seeder" : "downloader", p->ip, dsh_session_port(s));
	fflush(stdout);
	time_t t0 = time(NULL);
	int done = 0, total = 0, complete = seeder;
	while (!complete && !stop_flag && time(NULL) - t0 < TIMEOUT_S) {
		serve_for(s, 100);
		complete = dsh_session_progress(s, &done, &total) == 1;
	}
	if (!seeder) {
		int bad = 0;
		for (size_t k = 0; complete && k < meta->nfiles; k++) {
			char *path = dsh_session_file_path(s, (long)k);
			if (!path || !same_bytes(path, meta->files[k].data_offset,
						 meta->files[k].size, sources[k]))
				bad++;
			free(path);
		}
		serve_for(s, 1500);   /* let the per-peer byte counters catch up */
		struct dsh_session_stats st;
		memset(&st, 0, sizeof(st));
		dsh_session_get_stats(s, &st);
		int conn = 0;
		for (int k = 0; k < st.npeers; k++)
			conn += st.peers[k].connected;
		/* whom it met says why, should it not complete */
		snprintf(msg, sizeof(msg), "%s %s: %s after %lds, %d/%d pieces; %llu bytes from "
			 "seeds, %llu from other downloaders; peers met %d, connected %d\n",
			 complete && !bad ? "ok" : "FAIL",
			 p->ip, !complete ? "incomplete" : bad ? "FILES DIFFER" :
			 "every file equal to its source, byte for byte", (long)(time(NULL) - t0),
			 done, total, (unsigned long long)st.from_seeds,
			 (unsigned long long)st.from_peers, st.npeers, conn);
		dsh_session_stats_free(&st);
		if (write(out, msg, strlen(msg)) < 0)
			stop_flag = 1;
	}
	close(out);
	serve_for(s, TIMEOUT_S * 1000);
	dsh_session_stop(s);
	return 0;
}

/* Reads one report line per downloader, bounded in time. */
static int collect(struct peer *peers, int n)
{
	int fails = 0;
	for (int i = 1; i < n; i++) {
		char buf[1024];
		ssize_t got = 0;
		struct pollfd pf = { .fd = peers[i].fd, .events = POLLIN };
		if (poll(&pf, 1, (TIMEOUT_S + 10) * 1000) == 1)
			got = read(peers[i].fd, buf, sizeof(buf) - 1);
		buf[got > 0 ? got : 0] = 0;
		if (got <= 0) {
			printf("FAIL %s: no report\n", peers[i].ip);
			fails++;
			continue;
		}
		fputs(buf, stdout);
		fails += strncmp(buf, "ok ", 3) != 0;
	}
	return fails;
}

int main(int argc, char **argv)
{
	struct ctx c;
	memset(&c, 0, sizeof(c));
	if (argc != 4) {
		fprintf(stderr, "usage: test_swarm DSL_TRACKER http|udp WORKDIR\n");
		return 1;
	}
	c.tracker_bin = argv[1];
	c.mode = argv[2];
	c.dir = argv[3];
	char src[NFILES][512], tpath[512];
	struct dsl_tmeta meta;
	memset(&meta, 0, sizeof(meta));
	if (make_set(&c, src, &meta, tpath) < 0)
		return 1;
	printf("set: %zu files, %d pieces, v2 info-hash %s\n", meta.nfiles, meta.num_pieces,
	       meta.infohash);
	if (start_tracker(&c, meta.infohash) < 0) {
		fprintf(stderr, "FAIL: dsl-tracker did not start\n");
		return 1;
	}
	printf("tracker: %s\n", c.url);
	fflush(stdout);

	const char *sources[NFILES];
	for (size_t k = 0; k < meta.nfiles; k++)
		sources[k] = source_of(&meta, src, k, c.dir);
	struct peer peers[NDOWN + 1];
	memset(peers, 0, sizeof(peers));
	for (int i = 0; i <= NDOWN; i++) {
		int pfd[2];
		snprintf(peers[i].ip, sizeof(peers[i].ip), "127.0.0.%d", i + 2);
		snprintf(peers[i].save, sizeof(peers[i].save), "%s/node%d", c.dir, i);
		mkdir(peers[i].save, 0755);
		if (pipe(pfd) < 0)
			break;
		peers[i].pid = fork();
		if (peers[i].pid == 0) {
			close(pfd[0]);
			_exit(run_peer(&c, &peers[i], i == 0, tpath, &meta, sources, pfd[1]));
		}
		close(pfd[1]);
		peers[i].fd = pfd[0];
	}
	int fails = collect(peers, NDOWN + 1);
	for (int i = 0; i <= NDOWN; i++)
		if (peers[i].pid > 0)
			kill(peers[i].pid, SIGTERM);
	for (int i = 0; i <= NDOWN; i++) {
		if (peers[i].pid > 0)
			waitpid(peers[i].pid, NULL, 0);
		close(peers[i].fd);
	}
	stop_tracker(&c);
	dsl_tmeta_free(&meta);
	printf("%s: %d of %d downloaders complete and correct over %s\n", fails ? "FAIL" : "ok",
	       NDOWN - fails, NDOWN, c.mode);
	return fails ? 1 : 0;
}
