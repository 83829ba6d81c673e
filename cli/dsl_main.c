/* dsl_main.c - the `dsl` setup tool: configuration, registries, dispatch. */
#define _GNU_SOURCE
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dsl_opt.h"

static const char usage[] =
	"usage: dsl [--conf FILE] [--registry DIR] COMMAND [ARGS]\n"
	"\n"
	"commands:\n"
	"  create NAME PATH... [--env VAR=RELPATH]... [--piece-size N] [--force]\n"
	"         [--at-path|--no-at-path] [--profile CMD]\n"
	"                          --at-path: tasks see the set at PATH (default: site's at_path=)\n"
	"  create NAME --from-exe BINARY [--exclude DIR]... [--force]\n"
	"                          publish a library set (a new version with --force)\n"
	"  list                    the sets you can use\n"
	"  show NAME [--set-version H] [--files] [--json]\n"
	"                          one set's description\n"
	"  verify NAME             re-hash the set's source files against its torrent\n"
	"  remove NAME [--set-version H]\n"
	"                          remove a set, or one old version of it\n"
	"  profile NAME -- CMD [ARGS...]\n"
	"                          record the order CMD first reads the set's pieces in;\n"
	"                          jobs then prefetch in that order (create --profile CMD)\n"
	"  status JOBID [--nodes] [--watch] [--json]\n"
	"                          a job's distribution, node by node\n"
	"  seed NAME [--tracker URL] [--listen IP] [--port P|A-B] [--run-dir DIR]\n"
	"                          seed a set to every job, from this host (a service seeder)\n"
	"\n"
	"Registries: look-ups search the per-user registry (user_registry=, default\n"
	"~/.dsl/sets) and then the system registry (registry=, default /etc/dsl/sets).\n"
	"create and remove write to --registry DIR if given, else to the system\n"
	"registry as root and to the per-user registry otherwise.  Configuration:\n"
	"/etc/dsl/dsl.conf (or --conf FILE, or $DSL_CONF).\n"
	"\n"
	"Every command answers --help and --version; see dsl(1) and dsl.conf(5).\n";

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && h[0] == '/')
		return h;
	pw = getpwuid(getuid());
	return pw ? pw->pw_dir : NULL;
}

void cli_set_registry(struct cli_ctx *ctx, const char *dir)
{
	ctx->registry_opt = dir;
	ctx->search.dirs[0] = dir;
	ctx->search.ndirs = 1;
	ctx->publish_dir = dir;
}

static int setup_registries(struct cli_ctx *ctx)
{
	if (ctx->registry_opt) {
		cli_set_registry(ctx, ctx->registry_opt);
		return 0;
	}
	if (dsl_config_user_registry(&ctx->cfg, home_dir(), ctx->user_registry,
				     sizeof(ctx->user_registry)) == 0)
		ctx->search.dirs[ctx->search.ndirs++] = ctx->user_registry;
	ctx->search.dirs[ctx->search.ndirs++] = ctx->cfg.registry;
	if (geteuid() == 0 || !ctx->user_registry[0])
		ctx->publish_dir = ctx->cfg.registry;
	else
		ctx->publish_dir = ctx->user_registry;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "conf", required_argument, NULL, 'c' },
		{ "registry", required_argument, NULL, 'r' },
		DSL_OPT_STD,
		{ NULL, 0, NULL, 0 },
	};
	/* stop_at_operand: options after the command are the command's own. */
	static const struct dsl_opt_cmd cmd_dsl = { "dsl", usage, "c:r:", opts, 1 };
	struct cli_ctx ctx;
	struct dsl_err err;
	const char *conf = getenv("DSL_CONF");
	const char *cmd;
	int c;

	memset(&ctx, 0, sizeof(ctx));
	dsl_config_defaults(&ctx.cfg);
	ctx.is_tty = isatty(STDERR_FILENO);
	while ((c = dsl_opt_next(&cmd_dsl, argc, argv)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'r': ctx.registry_opt = optarg; break;
		}
	}
	if (optind >= argc)
		return dsl_opt_usage_error(&cmd_dsl, "no COMMAND given");
	cmd = argv[optind];
	if (!strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (dsl_config_load_file(&ctx.cfg, conf ? conf : ctx.cfg.conf_file, conf != NULL, &err) < 0) {
		fprintf(stderr, "dsl: %s\n", err.msg);
		return 1;
	}
	setup_registries(&ctx);
	argc -= optind;
	argv += optind;
	optind = 0;   /* glibc: 0 re-initialises getopt for the subcommand (drops "+") */
	if (!strcmp(cmd, "create"))
		return cmd_create(&ctx, argc, argv);
	if (!strcmp(cmd, "list"))
		return cmd_list(&ctx, argc, argv);
	if (!strcmp(cmd, "show"))
		return cmd_show(&ctx, argc, argv);
	if (!strcmp(cmd, "verify"))
		return cmd_verify(&ctx, argc, argv);
	if (!strcmp(cmd, "remove"))
		return cmd_remove(&ctx, argc, argv);
	if (!strcmp(cmd, "status"))
		return cmd_status(&ctx, argc, argv);
	if (!strcmp(cmd, "seed"))
		return cmd_seed(&ctx, argc, argv);
	if (!strcmp(cmd, "profile"))
		return cmd_profile(&ctx, argc, argv);
	return dsl_opt_usage_error(&cmd_dsl, "%.64s: unknown command", cmd);
}
