/* dsl_create.c - `dsl create`: walk, hash into a v2 torrent, publish. */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dsl_opt.h"
#include "dsl_atpath.h"
#include "dsl_util.h"

/* Without --piece-size: about AUTO_PIECES pieces, 16 KiB to 4 MiB.  A node
 * can pass a piece on only once it has all of it and checked its hash, and
 * a seeder serving N nodes sends each piece at L/N: the time a piece takes
 * to cross that first hop grows with piece size x N.  Measured on the local
 * cluster (8 MiB set, 20 Mbit/s links, 16 downloaders): 16 KiB pieces
 * finished in 7.8 s with the seeder sending 1.7x the set, 256 KiB pieces
 * in 9.8-12.1 s and 2.2-2.9x.  The upper bound keeps HAVE traffic and the
 * piece tables of multi-GiB sets small. */
#define AUTO_PIECES 2048
#define AUTO_PIECE_MIN (16u << 10)
#define AUTO_PIECE_MAX (4u << 20)

double cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_cb(void *arg, int done, int total)
{
	struct cli_progress *p = arg;
	int pct = total ? (int)((long long)done * 100 / total) : 100;
	double secs = cli_now() - p->start;
	double bytes = total ? (double)p->total_bytes * done / total : 0;
	char bar[41];

	if (!p->enabled || (pct == p->last_pct && done != total))
		return;
	p->last_pct = pct;
	memset(bar, ' ', 40);
	memset(bar, '#', (size_t)(pct * 40 / 100));
	bar[40] = '\0';
	fprintf(stderr, "\rhashing [%s] %3d%% %d/%d pieces %.0f MB/s", bar, pct, done, total,
		secs > 0 ? bytes / secs / 1e6 : 0.0);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

static int parse_size(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (end == s)
		return -1;
	if (*end == 'k' || *end == 'K')
		v <<= 10, end++;
	else if (*end == 'm' || *end == 'M')
		v <<= 20, end++;
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	if (*end || v < 16384 || v > (16u << 20) || (v & (v - 1)))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int check_env(struct cli_walk *w, struct dsl_err *e)
{
	for (size_t i = 0; i < w->desc.nenv; i++)
		for (size_t j = 0; j < w->desc.env[i].npaths; j++) {
			const char *p = w->desc.env[i].paths[j];
			const struct dsl_node *n = strcmp(p, ".") ? dsl_desc_find(&w->desc, p) : NULL;

			if (strcmp(p, ".") && (!n || n->type != DSL_NODE_DIR)) {
				dsl_err_set(e, "--env %s=%s: '%s' is not a directory in the set",
					    w->desc.env[i].name, p, p);
				return -1;
			}
		}
	return 0;
}

static int add_env_opt(struct cli_walk *w, const char *opt, struct dsl_err *e)
{
	const char *eq = strchr(opt, '=');
	char *var;
	int rc;

	if (!eq || eq == opt) {
		dsl_err_set(e, "--env '%s': expected VAR=RELPATH", opt);
		return -1;
	}
	if (strcmp(eq + 1, ".") && !dsl_relpath_valid(eq + 1)) {
		dsl_err_set(e, "--env '%s': '%s' is not a path relative to the set's root", opt, eq + 1);
		return -1;
	}
	var = strndup(opt, (size_t)(eq - opt));
	rc = dsl_desc_add_env(&w->desc, var, eq + 1, e);
	if (rc < 0)
		dsl_err_prefix(e, "--env");
	free(var);
	return rc;
}

/* Why a source is not readable by every user ("" when it is): the file
 * needs r for others, each directory above it x for others. */
static const char *not_world_readable(const char *path, char *why, size_t len)
{
	char *dir = dsl_strdup(path), *slash;
	struct stat st;

	why[0] = '\0';
	if (stat(path, &st) == 0 && !(st.st_mode & S_IROTH))
		snprintf(why, len, "mode %04o", (unsigned)(st.st_mode & 07777));
	while (!why[0] && (slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		if (stat(dir, &st) == 0 && !(st.st_mode & S_IXOTH))
			snprintf(why, len, "directory %s is mode %04o", dir,
				 (unsigned)(st.st_mode & 07777));
	}
	free(dir);
	return why;
}

/* A set outside the per-user registry is meant for other users' jobs, whose
 * seeders read the sources as that job's user: say which ones they cannot
 * read (named, up to WARN_MAX; the set is still published). */
#define WARN_MAX 10
static void warn_private_sources(const struct cli_walk *w, const char *dir)
{
	size_t n = 0;
	char why[PATH_MAX + 64];

	for (size_t i = 0; i < w->nfiles; i++) {
		if (!not_world_readable(w->files[i].source, why, sizeof(why))[0])
			continue;
		if (n++ == 0)
			fprintf(stderr, "dsl: warning: set '%s' goes to %s, which other users' jobs "
				"read, but these sources are not readable by every user (seeders "
				"read them as the job's user):\n", w->desc.name, dir);
		if (n <= WARN_MAX)
			fprintf(stderr, "dsl: warning:   %s (%s)\n", w->files[i].source, why);
	}
	if (n > WARN_MAX)
		fprintf(stderr, "dsl: warning:   and %zu more\n", n - WARN_MAX);
}

static int tfile_path_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dsl_tfile_in *)a)->path,
		      ((const struct dsl_tfile_in *)b)->path);
}

/* --at-path: the set is the one directory given, shown at that directory
 * (its real path), so its root is that directory even where every file
 * sits in one subdirectory, and every file must be where its path says
 * (not a symlink followed out of the directory).  The plugin's policy
 * (dsl_atpath.h) is applied here too, so that no job fails later. */
static int check_at_path(struct cli_ctx *ctx, struct cli_walk *w, char **paths, size_t npaths,
			 struct dsl_err *e)
{
	char real[PATH_MAX];
	size_t n;

	if (w->desc.at_path != 1)
		return 0;
	if (npaths != 1 || !realpath(paths[0], real)) {
		dsl_err_set(e, "--at-path: the set must be made from one directory "
			    "(not several PATHs or --from-exe)");
		return -1;
	}
	n = strlen(real);
	for (size_t i = 0; i < w->desc.nnodes; i++) {
		struct dsl_node *nd = &w->desc.nodes[i];
		struct dsl_tfile_in key = { .path = nd->path };
		const struct dsl_tfile_in *f;

		/* cli_walk_finish sorted the files by path. */
		if (nd->type != DSL_NODE_FILE ||
		    !(f = bsearch(&key, w->files, w->nfiles, sizeof(*w->files), tfile_path_cmp)))
			continue;
		if (strncmp(f->source, real, n) || f->source[n] != '/' ||
		    strcmp(f->source + n + 1, nd->path)) {
			dsl_err_set(e, "--at-path: %s is %s, outside %s (a symlink out of the "
				    "directory); it cannot be shown at its path", nd->path, f->source, real);
			return -1;
		}
		free(nd->src);
		nd->src = dsl_strdup(nd->path);
	}
	free(w->desc.source_root);
	w->desc.source_root = dsl_strdup(real);
	if (dsl_atpath_check(w->desc.source_root, &ctx->cfg, e) < 0) {
		dsl_err_prefix(e, "--at-path");
		return -1;
	}
	return 0;
}

static uint32_t auto_piece_size(uint64_t total)
{
	uint32_t p = AUTO_PIECE_MIN;

	while (p < AUTO_PIECE_MAX && (uint64_t)p * 2 * AUTO_PIECES <= total)
		p *= 2;
	return p;
}

/* Hash into a temporary torrent and publish it with the description. */
static int hash_and_publish(struct cli_ctx *ctx, struct cli_walk *w, uint32_t piece_size,
			    int force, struct dsl_err *e)
{
	const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *tmp = dsl_xasprintf("%s/dsl-create.XXXXXX", tmpdir);
	struct cli_progress prog = { .enabled = ctx->is_tty, .start = cli_now(),
				     .total_bytes = w->desc.total_size, .last_pct = -1 };
	struct dsl_tmeta meta;
	char size[32];
	double secs;
	int fd = mkstemp(tmp), rc;

	if (!piece_size)
		piece_size = auto_piece_size(w->desc.total_size);
	if (fd < 0) {
		dsl_err_set(e, "cannot create a temporary file in %s: %m", tmpdir);
		free(tmp);
		return -1;
	}
	close(fd);
	memset(&meta, 0, sizeof(meta));
	rc = dsl_torrent_create(w->desc.name, w->files, w->nfiles, piece_size, tmp,
				cli_progress_cb, &prog, &meta, e);
	secs = cli_now() - prog.start;
	if (rc == 0) {
		snprintf(w->desc.infohash, sizeof(w->desc.infohash), "%s", meta.infohash);
		w->desc.piece_size = piece_size;
		w->desc.created = time(NULL);
		rc = dsl_registry_publish(ctx->publish_dir, &w->desc, tmp, force, e);
	}
	if (rc == 0) {
		dsl_human_size(w->desc.total_size, size, sizeof(size));
		printf("published set '%s' version %s\n", w->desc.name, w->desc.infohash);
		printf("  %llu files, %s, %d pieces of %u KiB, in %s\n",
		       (unsigned long long)w->desc.file_count, size, meta.num_pieces,
		       piece_size >> 10, ctx->publish_dir);
		printf("  hashed in %.2f s (%.0f MB/s)\n", secs,
		       secs > 0 ? (double)w->desc.total_size / secs / 1e6 : 0.0);
	}
	dsl_tmeta_free(&meta);
	unlink(tmp);
	free(tmp);
	return rc;
}

static const char create_usage[] =
	"usage: dsl create NAME PATH... [--env VAR=RELPATH]... [--piece-size N] [--force]\n"
	"                  [--at-path | --no-at-path] [--profile CMD]\n"
	"       dsl create NAME --from-exe BINARY [--exclude DIR]... [--force]\n"
	"Publish a library set (a new version of it with --force) in a registry.\n"
	"  --env VAR=RELPATH   environment the tasks get, relative to the view (repeatable)\n"
	"  --piece-size N      torrent piece size, a power of two from 16K to 16M\n"
	"  --force             publish a new version of an existing set\n"
	"  --from-exe BINARY   the set is BINARY's shared-library closure\n"
	"  --exclude DIR       with --from-exe: leave libraries under DIR out (repeatable)\n"
	"  --registry DIR      publish in DIR\n"
	"  --at-path           the job's tasks see the set at PATH itself (one directory)\n"
	"  --no-at-path        never, whatever the site's at_path=\n"
	"  --profile CMD       then record the order CMD (sh -c) first reads the set in\n";

/* --profile CMD: `dsl profile` of the version just published. */
static int profile_published(struct cli_ctx *ctx, const struct dsl_desc *d, const char *cmd,
			     struct dsl_err *e)
{
	struct dsl_registry reg = { { ctx->publish_dir }, 1 };
	struct dsl_set_ref ref;
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	int nf = 0, rc;

	memset(&ref, 0, sizeof(ref));
	if (dsl_registry_find(&reg, d->name, d->infohash, &ref, &nf, e) < 0)
		return -1;
	rc = cli_profile_run(ctx, &ref, argv, e);
	if (rc < 0)
		dsl_err_prefix(e, "--profile (the set is published, without an order)");
	dsl_set_ref_free(&ref);
	return rc;
}

int cmd_create(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "env", required_argument, NULL, 'e' },
		{ "piece-size", required_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'f' },
		{ "from-exe", required_argument, NULL, 'x' },
		{ "exclude", required_argument, NULL, 'X' },
		{ "registry", required_argument, NULL, 'r' },
		{ "at-path", no_argument, NULL, 'A' },
		{ "no-at-path", no_argument, NULL, 'N' },
		{ "profile", required_argument, NULL, 'P' },
		DSL_OPT_STD,
		{ NULL, 0, NULL, 0 },
	};
	static const struct dsl_opt_cmd cmd = { "dsl create", create_usage, "e:p:fx:X:r:", opts, 0 };
	static char *default_exclude[] = { "/lib", "/usr/lib", "/lib64", "/usr/lib64" };
	char **exclude = NULL;
	size_t nexclude = 0;
	const char *from_exe = NULL, *profile = NULL;
	uint32_t piece_size = 0;        /* 0: auto_piece_size() */
	struct cli_walk w;
	struct dsl_err err;
	int force = 0, c, rc = 1;

	cli_walk_init(&w);
	while ((c = dsl_opt_next(&cmd, argc, argv)) != -1) {
		switch (c) {
		case 'e':
			if (add_env_opt(&w, optarg, &err) < 0)
				goto fail;
			break;
		case 'p':
			if (parse_size(optarg, &piece_size) < 0) {
				fprintf(stderr, "dsl create: --piece-size '%s': need a power of two from 16K to 16M\n",
					optarg);
				goto out;
			}
			break;
		case 'f': force = 1; break;
		case 'x': from_exe = optarg; break;
		case 'X':
			exclude = dsl_xrealloc(exclude, (nexclude + 1) * sizeof(*exclude));
			exclude[nexclude++] = optarg;
			break;
		case 'r':
			cli_set_registry(ctx, optarg);
			break;
		case 'A': w.desc.at_path = 1; break;
		case 'N': w.desc.at_path = 0; break;
		case 'P': profile = optarg; break;
		}
	}
	if (optind >= argc) {
		rc = dsl_opt_usage_error(&cmd, "missing set NAME");
		goto out;
	}
	if (!dsl_name_valid(argv[optind], &err))
		goto fail;
	w.desc.name = dsl_strdup(argv[optind++]);
	if (from_exe && optind < argc) {
		rc = dsl_opt_usage_error(&cmd, "give either PATHs or --from-exe, not both");
		goto out;
	}
	if (!from_exe && optind >= argc) {
		rc = dsl_opt_usage_error(&cmd, "no PATH given");
		goto out;
	}
	if (from_exe) {
		if (cli_exe_closure(&w, from_exe, nexclude ? exclude : default_exclude,
				    nexclude ? nexclude : 4, &err) < 0)
			goto fail;
	} else if (cli_walk_paths(&w, argv + optind, (size_t)(argc - optind), &err) < 0) {
		goto fail;
	}
	if (cli_walk_finish(&w, &err) < 0 || check_env(&w, &err) < 0 ||
	    check_at_path(ctx, &w, from_exe ? NULL : argv + optind,
			  from_exe ? 0 : (size_t)(argc - optind), &err) < 0)
		goto fail;
	if (w.skipped)
		fprintf(stderr, "dsl: warning: %zu entr%s skipped (see above)\n", w.skipped, w.skipped == 1 ? "y" : "ies");
	/* The per-user registry may not exist yet; the system one must. */
	if (ctx->publish_dir == ctx->user_registry && dsl_mkdir_p(ctx->publish_dir, 0755, &err) < 0)
		goto fail;
	if (hash_and_publish(ctx, &w, piece_size, force, &err) < 0)
		goto fail;
	if (ctx->publish_dir != ctx->user_registry)
		warn_private_sources(&w, ctx->publish_dir);
	if (profile && profile_published(ctx, &w.desc, profile, &err) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "dsl create: %s\n", err.msg);
out:
	free(exclude);
	cli_walk_free(&w);
	return rc;
}
