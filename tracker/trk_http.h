/* trk_http.h - the HTTP side (libmicrohttpd, driven from the main loop). */
#ifndef TRK_HTTP_H
#define TRK_HTTP_H

#include "dsl_err.h"
#include "trk_tracker.h"

struct MHD_Daemon;

struct trk_http {
	struct MHD_Daemon *d;
	struct trk_tracker *t;
	char *buf;             /* one answer at a time: the loop is single-threaded */
	size_t bufcap;
};

/* Takes ownership of listen_fd (libmicrohttpd closes it on stop). */
int trk_http_start(struct trk_http *h, struct trk_tracker *t, int listen_fd,
		   struct dsl_err *e);
/* The epoll fd to watch for readability, and the longest wait in ms (-1: none). */
int trk_http_fd(const struct trk_http *h);
int trk_http_timeout_ms(const struct trk_http *h);
void trk_http_run(struct trk_http *h);
void trk_http_stop(struct trk_http *h);

#endif
