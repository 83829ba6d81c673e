/* dsl_seed.c - `dsl seed NAME`: a service seeder.  Resolves the set's
 * current version in the registries and becomes a seeding dsl-helper in the
 * foreground (exec, so systemd supervises the helper itself and its stop
 * signal reaches it), announcing to the cluster tracker.  Jobs whose nodes
 * announce the same info-hash there (tracker=URL) get the set's pieces from
 * it, so their own nodes need not read the file server.  The helper needs a
 * view; it is mounted in the run directory, read-only, for this user. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dsl_opt.h"
#include "dsl_util.h"

static const char seed_usage[] =
	"usage: dsl seed NAME [--tracker URL] [--listen IP] [--port P|A-B] [--run-dir DIR]\n"
	"                [--registry DIR]\n"
	"Seed the current version of set NAME from its source files, in the foreground,\n"
	"to every job that announces it to the cluster tracker (a service seeder, as\n"
	"run by dsl-seeder@NAME.service).\n"
	"  --tracker URL    announce URL (default: tracker= of dsl.conf, which must not\n"
	"                   be 'job')\n"
	"  --listen IP      the address peers reach this host at (default 0.0.0.0)\n"
	"  --port P|A-B     the port, or the first free one of a range (default: any)\n"
	"  --run-dir DIR    the helper's state and view (default /run/dsl-seeder/NAME)\n"
	"  --registry DIR   look in DIR only\n";

struct seed_args {
	const char *tracker, *listen, *port, *run_dir;
};

static int make_dir(const char *path, struct dsl_err *e)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		dsl_err_set(e, "cannot create %s: %m", path);
		return -1;
	}
	return 0;
}

/* exec dsl-helper; returns only on failure. */
static void exec_helper(struct cli_ctx *ctx, const struct dsl_set_ref *ref,
			const struct seed_args *a, const char *view, struct dsl_err *e)
{
	char *helper = dsl_path_join(ctx->cfg.libexec_dir, "dsl-helper");
	const char *argv[24];
	int n = 0;

	argv[n++] = "dsl-helper";
	argv[n++] = "--seed";
	argv[n++] = "--foreground";
	argv[n++] = "--desc"; argv[n++] = ref->json_path;
	argv[n++] = "--torrent"; argv[n++] = ref->torrent_path;
	argv[n++] = "--mount"; argv[n++] = view;
	argv[n++] = "--run-dir"; argv[n++] = a->run_dir;
	argv[n++] = "--tracker"; argv[n++] = a->tracker;
	if (a->listen) {
		argv[n++] = "--listen"; argv[n++] = a->listen;
	}
	if (a->port) {
		argv[n++] = "--port"; argv[n++] = a->port;
	}
	argv[n] = NULL;
	fflush(stdout);
	execv(helper, (char **)argv);
	dsl_err_set(e, "cannot run %s: %m", helper);
	free(helper);
}

int cmd_seed(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tracker", required_argument, NULL, 't' },
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "run-dir", required_argument, NULL, 'd' },
		{ "registry", required_argument, NULL, 'r' },
		DSL_OPT_STD,
		{ NULL, 0, NULL, 0 },
	};
	static const struct dsl_opt_cmd cmd = { "dsl seed", seed_usage, "t:l:p:d:r:", opts, 0 };
	struct seed_args a = { NULL, NULL, NULL, NULL };
	struct dsl_set_ref ref;
	struct dsl_err err;
	char *run_default = NULL, *view = NULL;
	int c, not_found = 0, rc = 1;

	while ((c = dsl_opt_next(&cmd, argc, argv)) != -1) {
		switch (c) {
		case 't': a.tracker = optarg; break;
		case 'l': a.listen = optarg; break;
		case 'p': a.port = optarg; break;
		case 'd': a.run_dir = optarg; break;
		case 'r': cli_set_registry(ctx, optarg); break;
		}
	}
	if (optind + 1 != argc)
		return dsl_opt_usage_error(&cmd, optind < argc ? "give one set NAME" : "missing set NAME");
	if (!a.tracker)
		a.tracker = ctx->cfg.tracker;
	if (!strcmp(a.tracker, "job")) {
		fputs("dsl seed: tracker=job: a service seeder needs a cluster tracker "
		      "(tracker=URL in dsl.conf, or --tracker URL)\n", stderr);
		return 1;
	}
	if (dsl_registry_find(&ctx->search, argv[optind], NULL, &ref, &not_found, &err) < 0) {
		fprintf(stderr, "dsl seed: %s\n", err.msg);
		return 1;
	}
	if (!a.run_dir)
		a.run_dir = run_default = dsl_xasprintf("/run/dsl-seeder/%s", argv[optind]);
	view = dsl_path_join(a.run_dir, "view");
	if (dsl_mkdir_p(a.run_dir, 0700, &err) == 0 && make_dir(view, &err) == 0) {
		printf("dsl seed: set '%s' version %.12s from %s, tracker %s\n", argv[optind],
		       ref.desc.infohash, ref.desc.source_root, a.tracker);
		exec_helper(ctx, &ref, &a, view, &err);
	}
	fprintf(stderr, "dsl seed: %s\n", err.msg);
	dsl_set_ref_free(&ref);
	free(view);
	free(run_default);
	return rc;
}
