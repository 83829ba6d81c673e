/* dsl_setlist.h - the sets a job asked for, and their pinned versions.
 *
 * --dsl-set=NAME[,NAME...] names the sets; at submit time each is pinned to
 * the info-hash of its current version, carried to the prolog as
 * DSL_PIN=NAME:INFOHASH[,NAME:INFOHASH...] (spank_job_control_setenv). */
#ifndef DSL_SETLIST_H
#define DSL_SETLIST_H

#include <stddef.h>

#include "dsl_desc.h"
#include "dsl_err.h"
#include "dsl_job.h"

#define DSL_PIN_VAR "DSL_PIN"

struct dsl_setlist {
	size_t n;
	char names[DSL_JOB_MAX_SETS][DSL_NAME_MAX + 1];
	char infohash[DSL_JOB_MAX_SETS][DSL_INFOHASH_HEX + 1];   /* "" = not pinned */
};

/* "a,b" -> names; each must be a valid set name, no duplicates. */
int dsl_setlist_parse_names(const char *arg, struct dsl_setlist *out, struct dsl_err *e);
/* "a:HASH,b:HASH" -> names and hashes. */
int dsl_setlist_parse_pins(const char *pins, struct dsl_setlist *out, struct dsl_err *e);
/* names and hashes -> "a:HASH,b:HASH" (malloc'd). */
char *dsl_setlist_format_pins(const struct dsl_setlist *s);

#endif
