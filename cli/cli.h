/* cli.h - what the `dsl` subcommands share. */
#ifndef DSL_CLI_H
#define DSL_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "dsl_config.h"
#include "dsl_desc.h"
#include "dsl_registry.h"
#include "dsl_torrent.h"

/* Everything a subcommand needs; owned by main(). */
struct cli_ctx {
	struct dsl_config cfg;
	const char *registry_opt;        /* --registry DIR, or NULL */
	char user_registry[4096];        /* expanded per-user registry, "" none */
	struct dsl_registry search;      /* where look-ups search */
	const char *publish_dir;         /* where create/remove write */
	int is_tty;
};

/* A walked set: the description under construction plus, for every regular
 * file, where its bytes are (absolute). */
struct cli_walk {
	struct dsl_desc desc;
	struct dsl_tfile_in *files;      /* path/source strings owned here */
	size_t nfiles;
	size_t skipped;                  /* special files skipped */
};

void cli_walk_init(struct cli_walk *w);
void cli_walk_free(struct cli_walk *w);
/* Add PATHs (see README: one directory -> its contents; otherwise each PATH
 * becomes a top-level entry named after it). */
int cli_walk_paths(struct cli_walk *w, char **paths, size_t npaths, struct dsl_err *e);
/* Add one source file at `relpath` in the set (creating parent dirs). */
int cli_walk_add_file(struct cli_walk *w, const char *relpath, const char *source,
		      struct dsl_err *e);
/* Sort, then choose source_root and each file's src relative to it. */
int cli_walk_finish(struct cli_walk *w, struct dsl_err *e);

/* Resolve an executable's shared-library closure as ld.so would. */
int cli_exe_closure(struct cli_walk *w, const char *exe, char **exclude,
		    size_t nexclude, struct dsl_err *e);

/* Terminal progress bar for hashing. */
struct cli_progress {
	int enabled;
	double start;
	uint64_t total_bytes;
	int last_pct;
};
void cli_progress_cb(void *arg, int done, int total);
double cli_now(void);

/* --registry DIR, given before or after the command: search and write there. */
void cli_set_registry(struct cli_ctx *ctx, const char *dir);

int cmd_create(struct cli_ctx *ctx, int argc, char **argv);
int cmd_list(struct cli_ctx *ctx, int argc, char **argv);
int cmd_show(struct cli_ctx *ctx, int argc, char **argv);
int cmd_verify(struct cli_ctx *ctx, int argc, char **argv);
int cmd_remove(struct cli_ctx *ctx, int argc, char **argv);
int cmd_status(struct cli_ctx *ctx, int argc, char **argv);
int cmd_seed(struct cli_ctx *ctx, int argc, char **argv);
int cmd_profile(struct cli_ctx *ctx, int argc, char **argv);
/* Run cmd against a local view of the set, publish the order of its first
 * reads with that version (dsl_profile.c). */
int cli_profile_run(struct cli_ctx *ctx, const struct dsl_set_ref *ref, char *const *cmd,
		    struct dsl_err *e);

/* GET http://host:port/path; the body (malloc'd) when the status is 200. */
/* header: one extra "Name: value" line or NULL.  -1: no answer; -2: an
 * answer other than 200 (e has the status and the server's first line). */
int cli_http_get(const char *host, int port, const char *path, const char *header,
		 int timeout_ms, char **body, struct dsl_err *e);
/* "X-Dsl-Munge: CRED" for the tracker's /stats (malloc'd), NULL when MUNGE
 * cannot make one (e says why). */
char *cli_munge_header(const char *socket_path, struct dsl_err *e);

#endif
