/* dsh_loop.c - the helper's event loop: one thread, one epoll.
 *
 * It waits on the session's alert eventfd (libtorrent has something to
 * report: pieces arrive, waiting reads are answered from here), the control
 * socket, and a stop eventfd, with a one-second tick for what is periodic:
 * the session's statistics and redials, read time-outs, the status file
 * (written only when it changed).  wait=all tasks wait on the control
 * socket ("wait-complete", dsh_ctl.h) and are answered when the last piece
 * arrives.  Nothing polls: a complete, idle helper
 * wakes here once a second.  FUSE keeps its own worker threads (they block
 * in the kernel until a task reads); the reporter its own (its posts may
 * block up to DSH_REPORT_TIMEOUT_MS). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dsh_app.h"
#include "dsh_ctl.h"
#include "dsh_loop.h"
#include "dsl_net.h"
#include "dsl_util.h"

#define DSH_TICK_MS 1000

/* epoll data: these, or EV_WAITER | fd for a held "wait-complete" */
enum { EV_SESSION, EV_CTL, EV_STOP };
#define EV_WAITER (1ULL << 32)

static int watch(int ep, int fd, uint64_t what)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = what};

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static char *ctl_reply(void *arg, const char *cmd, int *stop, int *hold)
{
	struct dsh_app *a = arg;
	char *doc, *out;

	if (strcmp(cmd, "wait-complete") == 0) {
		if (dsh_session_progress(a->ses, NULL, NULL))
			return dsl_strdup("complete\n");
		if (a->loop.nwaiters >= DSH_MAX_WAITERS)
			return dsl_strdup("busy\n");
		*hold = 1;
		return NULL;
	}

	if (strcmp(cmd, "status") == 0) {
		doc = dsh_status_json(&a->status);
		out = dsl_xasprintf("%s\n", doc);
		free(doc);
		return out;
	}
	if (strcmp(cmd, "stop") == 0) {
		*stop = 1;
		return dsl_strdup("ok\n");
	}
	return dsl_xasprintf("error: unknown command \"%.64s\" (status, stop, wait-complete)\n",
			     cmd);
}

static void write_status(struct dsh_app *a, int *warned)
{
	struct dsl_err e;

	if (dsh_status_write(&a->status, a->status_path, &e) != 0 && !*warned) {
		dsl_warn(a->log, "status file: %s", e.msg);
		*warned = 1;
	}
}

/* Only the job's user can connect (the socket is 0600 in the user's run
 * directory); a client that connects and says nothing holds this loop for
 * at most DSH_CTL_IO_MS, and only that user's own helper. */
static void serve_ctl(struct dsh_app *a)
{
	struct dsh_loop *l = &a->loop;
	int held;

	if (dsh_ctl_serve_one(a->ctl_fd, ctl_reply, a, &held)) {
		dsl_info(a->log, "stop asked on the control socket");
		fuse_session_exit(a->se);
		pthread_kill(a->main_thread, SIGTERM);
	}
	if (held < 0)
		return;
	/* Watched for hang-up: a task that gives up frees its place. */
	struct epoll_event ev = {.events = EPOLLRDHUP, .data.u64 = EV_WAITER | (uint64_t)held};

	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, held, &ev) != 0) {
		dsh_ctl_answer(held, "busy\n");
		return;
	}
	l->waiters[l->nwaiters++] = held;
}

static void drop_waiter(struct dsh_loop *l, int fd, const char *reply)
{
	for (int i = 0; i < l->nwaiters; i++) {
		if (l->waiters[i] != fd)
			continue;
		l->waiters[i] = l->waiters[--l->nwaiters];
		epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
		if (reply)
			dsh_ctl_answer(fd, reply);
		else
			close(fd);
		return;
	}
}

static void answer_waiters(struct dsh_loop *l, const char *reply)
{
	while (l->nwaiters > 0)
		drop_waiter(l, l->waiters[0], reply);
}

static void *loop_main(void *arg)
{
	struct dsh_app *a = arg;
	int64_t next_tick = dsl_now_ms() + DSH_TICK_MS, retry_at = -1;
	int complete = dsh_session_progress(a->ses, NULL, NULL), warned = 0;

	pthread_setname_np(pthread_self(), "dsl-loop");
	for (;;) {
		struct epoll_event ev[4];
		int64_t now = dsl_now_ms();
		int64_t due = retry_at >= 0 && retry_at < next_tick ? retry_at : next_tick;
		int n = epoll_wait(a->loop.ep, ev, 4, due > now ? (int)(due - now) : 0);

		if (n < 0 && errno != EINTR) {
			dsl_error(a->log, "event loop: epoll_wait: %m");
			answer_waiters(&a->loop, "error: the helper's event loop failed\n");
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u64 & EV_WAITER) {
				drop_waiter(&a->loop, (int)(ev[i].data.u64 & 0xffffffffu), NULL);
				continue;
			}
			if (ev[i].data.u64 == EV_STOP) {
				answer_waiters(&a->loop, "error: the helper is stopping\n");
				return NULL;
			}
			if (ev[i].data.u64 == EV_SESSION) {
				int ms = dsh_session_on_events(a->ses);

				retry_at = ms < 0 ? -1 : dsl_now_ms() + ms;
			} else if (ev[i].data.u64 == EV_CTL) {
				serve_ctl(a);
			}
		}
		now = dsl_now_ms();
		if (retry_at >= 0 && now >= retry_at) {
			int ms = dsh_session_on_events(a->ses);

			retry_at = ms < 0 ? -1 : now + ms;
		}
		/* Completion is told at once: wait=all tasks and the reporter
		 * are waiting for it. */
		if (!complete && dsh_session_progress(a->ses, NULL, NULL)) {
			complete = 1;
			write_status(a, &warned);
			answer_waiters(&a->loop, "complete\n");
			dsh_reporter_wake(&a->reporter);
		}
		if (now >= next_tick) {
			dsh_session_tick(a->ses);
			dsh_reads_tick(&a->reads);
			write_status(a, &warned);
			next_tick = now + DSH_TICK_MS;
		}
	}
}

int dsh_loop_start(struct dsh_app *a, struct dsl_err *e)
{
	struct dsh_loop *l = &a->loop;

	l->ep = epoll_create1(EPOLL_CLOEXEC);
	l->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (l->ep < 0 || l->stop_fd < 0 ||
	    watch(l->ep, dsh_session_event_fd(a->ses), EV_SESSION) != 0 ||
	    watch(l->ep, a->ctl_fd, EV_CTL) != 0 || watch(l->ep, l->stop_fd, EV_STOP) != 0) {
		dsl_err_set(e, "event loop: %m");
		return -1;
	}
	if (pthread_create(&l->th, NULL, loop_main, a) != 0) {
		dsl_err_set(e, "cannot start the event loop thread: %m");
		return -1;
	}
	l->running = 1;
	return 0;
}

void dsh_loop_stop(struct dsh_app *a)
{
	struct dsh_loop *l = &a->loop;
	uint64_t one = 1;

	if (l->running) {
		if (write(l->stop_fd, &one, sizeof(one)) < 0)
			dsl_warn(a->log, "event loop: cannot stop it: %m");
		pthread_join(l->th, NULL);
		l->running = 0;
	}
	if (l->stop_fd >= 0)
		close(l->stop_fd);
	if (l->ep >= 0)
		close(l->ep);
	l->stop_fd = l->ep = -1;
}
