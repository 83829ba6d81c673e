/* dsh_loop.h - the helper's event loop (one thread: session alerts, the
 * control socket, a one-second tick). */
#ifndef DSH_LOOP_H
#define DSH_LOOP_H

#include <pthread.h>

#include "dsl_err.h"

struct dsh_app;

/* wait-complete connections held at once; more get "busy" (and read the
 * status file instead): a few per CPU of the node. */
#define DSH_MAX_WAITERS 256

struct dsh_loop {
	int ep, stop_fd;              /* -1 until started */
	pthread_t th;
	int running;
	int waiters[DSH_MAX_WAITERS]; /* held wait-complete connections */
	int nwaiters;
};

/* Starts the thread once the session, the view and the control socket are
 * up; from then on on_piece, the status file and read time-outs run there. */
int dsh_loop_start(struct dsh_app *a, struct dsl_err *e);
/* Returns when the thread has stopped: nothing of the session's is called
 * after it. */
void dsh_loop_stop(struct dsh_app *a);

#endif
