/* dsh_trace.h - where an on-demand read's wait goes, event by event, for
 * the urgent-read benchmark (tests/bench/helper/urgent.sh --trace, and
 * tests/bench/helper/urgent_phases.py, which joins every node's file).
 *
 * Off unless the helper's environment names a file in DSL_HELPER_TRACE (a
 * benchmark knob: the prolog starts helpers with an environment of its
 * own, so a job cannot turn it on).  One line per event:
 *   MS EV PIECE [BLOCK PEER]
 * MS is CLOCK_MONOTONIC in ms with microseconds, one clock for every
 * network namespace of the machine, so the files of all nodes can be
 * joined.  EV:
 *   D  a read waits for PIECE: it is made urgent (dsh_session_deadline)
 *   R  BLOCK of PIECE picked to be asked of PEER (libtorrent's
 *      block_downloading_alert: asked at once or queued behind others)
 *   F  BLOCK of PIECE from PEER written (block_finished_alert)
 *   P  PIECE passed its check (piece_finished_alert)
 *   Q  a request for BLOCK of PIECE came in from PEER (before the
 *      seeder's hold-back decides on it)
 *   S  BLOCK of PIECE went into the send buffer for PEER
 * R, F and P are stamped when the helper's loop takes the alert, Q and S
 * on libtorrent's network thread.  Each line is one write(2) on a file
 * opened O_APPEND, so both threads may write. */
#ifndef DSH_TRACE_H
#define DSH_TRACE_H

#include "dsl_err.h"

#ifdef __cplusplus
extern "C" {
#endif

struct dsh_trace;

/* NULL and e set if path cannot be opened for appending (a symlink is
 * refused, the file is created 0600). */
struct dsh_trace *dsh_trace_open(const char *path, struct dsl_err *e);
void dsh_trace_close(struct dsh_trace *t);
/* t may be NULL (tracing off): nothing happens.  block < 0 and peer NULL
 * for the events that have neither. */
void dsh_trace_ev(struct dsh_trace *t, char ev, int piece, int block, const char *peer);

#ifdef __cplusplus
}
#endif

#endif
