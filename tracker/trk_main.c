/* trk_main.c - dsl-tracker: start-up, the event loop, shutdown.
 *
 * One thread: an epoll set holds libmicrohttpd's epoll fd, the UDP socket
 * and a signalfd, so the store needs no locks. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "dsl_log.h"
#include "trk_daemon.h"
#include "trk_http.h"
#include "trk_listen.h"
#include "trk_opts.h"
#include "trk_tracker.h"
#include "trk_udp.h"

#define EXPIRE_EVERY 5   /* at most this many seconds between sweeps for silent peers */

struct app {
	struct trk_opts o;
	struct dsl_log log;
	FILE *logf;                  /* owned, NULL: stderr */
	int tcp_fd, udp_fd, sig_fd, ep_fd, notify_fd;
	struct trk_tracker t;
	struct trk_http http;
	struct trk_udp udp;
	int tracker_up, pid_written;
	char pid_abs[4096];          /* --pid-file made absolute: the daemon chdirs to / */
};

static int fail(struct app *a, const char *msg)
{
	if (a->notify_fd >= 0) {
		trk_daemon_ready(a->notify_fd, msg);
		a->notify_fd = -1;
	} else {
		fprintf(stderr, "dsl-tracker: %s\n", msg);
	}
	dsl_error(&a->log, "%s", msg);
	return -1;
}

static int open_signals(struct app *a)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	a->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return a->sig_fd;
}

static int watch(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Everything after the sockets are bound; in the daemon when detached. */
static int start_services(struct app *a)
{
	struct dsl_err e;
	if (trk_tracker_init(&a->t, &a->o, &a->log) < 0)
		return fail(a, "out of memory for the peer store (see --max-swarms)");
	a->tracker_up = 1;
	/* --listen-fd: HTTP only (a job's helpers announce over HTTP). */
	if (a->udp_fd >= 0 && trk_udp_init(&a->udp, &a->t, a->udp_fd) < 0)
		return fail(a, "out of memory for UDP buffers");
	a->udp_fd = -1;
	int tcp = a->tcp_fd;
	a->tcp_fd = -1;   /* owned by libmicrohttpd from here on, even on failure */
	if (trk_http_start(&a->http, &a->t, tcp, &e) < 0)
		return fail(a, e.msg);
	a->ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (a->ep_fd < 0 || open_signals(a) < 0 || watch(a->ep_fd, trk_http_fd(&a->http)) < 0 ||
	    (a->udp.fd >= 0 && watch(a->ep_fd, a->udp.fd) < 0) || watch(a->ep_fd, a->sig_fd) < 0)
		return fail(a, "cannot set up the event loop");
	if (a->o.pid_file) {
		if (trk_pidfile_write(a->o.pid_file, &e) < 0)
			return fail(a, e.msg);
		a->pid_written = 1;
	}
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libmicrohttpd runs when its epoll fd is ready or its time-out is due,
 * not after every UDP batch: that keeps one syscall off each datagram. */
static void run_loop(struct app *a)
{
	int http_fd = trk_http_fd(&a->http);
	int64_t every = a->o.peer_timeout < EXPIRE_EVERY ? a->o.peer_timeout : EXPIRE_EVERY;
	int64_t next_expire = trk_now() + every;
	for (;;) {
		struct epoll_event ev[8];
		int tmo = trk_http_timeout_ms(&a->http);
		if (tmo < 0 || tmo > 1000)
			tmo = 1000;
		int64_t http_due = now_ms() + tmo;
		int n = epoll_wait(a->ep_fd, ev, 8, tmo);
		if (n < 0 && errno != EINTR) {
			dsl_error(&a->log, "epoll_wait: %m");
			return;
		}
		int64_t now = trk_now();
		int http_ready = 0;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.fd == a->sig_fd) {
				struct signalfd_siginfo si;
				if (read(a->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					dsl_info(&a->log, "signal %u from pid %u: stopping",
						 si.ssi_signo, si.ssi_pid);
					return;
				}
			} else if (ev[i].data.fd == a->udp.fd) {
				trk_udp_run(&a->udp, now);
			} else if (ev[i].data.fd == http_fd) {
				http_ready = 1;
			}
		}
		if (http_ready || now_ms() >= http_due)
			trk_http_run(&a->http);   /* also runs its time-outs */
		if (now >= next_expire) {
			trk_tracker_tick(&a->t, now);
			next_expire = now + every;
		}
	}
}

static void cleanup(struct app *a)
{
	if (a->http.d)
		trk_http_stop(&a->http);
	if (a->udp.in || a->udp.fd >= 0)
		trk_udp_free(&a->udp);
	if (a->tracker_up)
		trk_tracker_free(&a->t);
	if (a->pid_written)
		unlink(a->o.pid_file);
	int fds[] = { a->tcp_fd, a->udp_fd, a->sig_fd, a->ep_fd, a->notify_fd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	trk_opts_free(&a->o);
	if (a->logf)
		fclose(a->logf);
}

static int start(struct app *a, int argc, char **argv)
{
	struct dsl_err e;
	int rc = trk_opts_parse(&a->o, argc, argv, &e);
	if (rc != 0) {
		if (rc < 0)
			fprintf(stderr, "dsl-tracker: %s\n", e.msg);
		return rc < 0 ? 2 : 0;
	}
	/* a daemon keeps nothing of its caller's: an inherited pipe would keep
	 * a reader (slurmd reading a prolog's output) waiting for EOF */
	if (!a->o.foreground && a->o.listen_fd < 0) {
		close_range(3, ~0U, 0);
	} else if (!a->o.foreground) {   /* but the socket it was given */
		if (a->o.listen_fd > 3)
			close_range(3, (unsigned)a->o.listen_fd - 1, 0);
		close_range((unsigned)a->o.listen_fd + 1, ~0U, 0);
	}
	if (a->o.pid_file && a->o.pid_file[0] != '/') {
		char cwd[2048];
		if (!getcwd(cwd, sizeof(cwd)) || snprintf(a->pid_abs, sizeof(a->pid_abs), "%s/%s",
							  cwd, a->o.pid_file) >= (int)sizeof(a->pid_abs)) {
			fprintf(stderr, "dsl-tracker: cannot make --pid-file %s absolute\n",
				a->o.pid_file);
			return 2;
		}
		a->o.pid_file = a->pid_abs;
	}
	if (a->o.log_file && !(a->logf = fopen(a->o.log_file, "ae"))) {
		fprintf(stderr, "dsl-tracker: cannot open log file %s: %m\n", a->o.log_file);
		return 1;
	}
	dsl_log_init(&a->log, "dsl-tracker", a->logf ? a->logf : stderr);
	a->log.timestamps = a->logf || !a->o.foreground;
	if (a->o.verbose)
		a->log.level = DSL_LOG_DEBUG;
	if (a->o.listen_fd >= 0 ? (a->tcp_fd = trk_listen_adopt_tcp(a->o.listen_fd, a->o.port,
								     &e)) < 0
	    : (a->tcp_fd = trk_listen_tcp(a->o.listen, a->o.port, &e)) < 0 ||
	      (a->udp_fd = trk_listen_udp(a->o.listen, a->o.port, &e)) < 0) {
		fprintf(stderr, "dsl-tracker: %s\n", e.msg);
		return 1;
	}
	if (!a->o.foreground) {
		if ((a->notify_fd = trk_daemon_detach(&e)) < 0) {
			fprintf(stderr, "dsl-tracker: %s\n", e.msg);
			return 1;
		}
		trk_daemon_stdio(a->logf ? fileno(a->logf) : -1);
	}
	if (start_services(a) < 0)
		return 1;
	dsl_info(&a->log, "listening on %s port %u (%s); %zu allowed swarms%s; "
		 "interval %d s, peer timeout %d s, max %zu swarms x %u peers", a->o.listen,
		 a->o.port, a->udp.fd >= 0 ? "HTTP and UDP" : "HTTP, on the socket given", a->o.nallow, a->o.secret ? ", secret required" : "", a->o.interval,
		 a->o.peer_timeout, a->o.max_swarms, a->o.max_peers);
	trk_daemon_ready(a->notify_fd, NULL);
	a->notify_fd = -1;
	return -1;
}

int main(int argc, char **argv)
{
	struct app a;
	memset(&a, 0, sizeof(a));
	a.tcp_fd = a.udp_fd = a.sig_fd = a.ep_fd = a.notify_fd = -1;
	a.udp.fd = -1;
	dsl_log_init(&a.log, "dsl-tracker", stderr);
	int rc = start(&a, argc, argv);
	if (rc < 0) {
		run_loop(&a);
		dsl_info(&a.log, "stopped: %llu HTTP and %llu UDP announces, %llu refusals",
			 (unsigned long long)a.t.c.announces_http,
			 (unsigned long long)a.t.c.announces_udp,
			 (unsigned long long)a.t.c.refusals);
		rc = 0;
	}
	cleanup(&a);
	return rc;
}
