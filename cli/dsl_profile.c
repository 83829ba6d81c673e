/* dsl_profile.c - `dsl profile NAME -- CMD ARGS`: record the order in which
 * a command first reads the set's pieces and publish it with the version.
 *
 * The command runs against a local view of the set: a dsl-helper in seeder
 * mode (it reads the set's source, checking every piece against the
 * torrent) mounted in a temporary directory, with the set's environment
 * pointing there as in a job.  The helper notes each piece the first time
 * the view is read (the page cache hides later reads) and writes the order
 * when it stops; it is then checked and published beside the description
 * (REGISTRY/NAME/<infohash>.order, lib/dsl_order.h) by rename, so a job
 * sees the old order or the new one.  A set shown at its own path
 * (--at-path) is laid over its source for the command as in a job, which
 * needs root (a private mount namespace); otherwise the command runs with
 * the environment only. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dsl_atpath.h"
#include "dsl_opt.h"
#include "dsl_order.h"
#include "dsl_util.h"

#define PROFILE_STOP_S 30

struct profile_dirs {
	char *top, *view, *run, *order, *log;
};

static void dirs_free(struct profile_dirs *d)
{
	free(d->view);
	free(d->run);
	free(d->order);
	free(d->log);
	free(d->top);
}

/* Fork, prepare the child (prep, may be NULL), exec argv (PATH searched),
 * wait.  *status: the wait status. */
static int run_child(char *const *argv, int quiet, void (*prep)(void *), void *arg,
		     int *status, struct dsl_err *e)
{
	pid_t pid = fork();

	if (pid < 0) {
		dsl_err_set(e, "cannot fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (quiet && null >= 0)
			dup2(null, STDOUT_FILENO);
		if (prep)
			prep(arg);
		execvp(argv[0], argv);
		fprintf(stderr, "dsl profile: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

static int run_wait(char *const *argv, int quiet, struct dsl_err *e)
{
	int st;

	if (run_child(argv, quiet, NULL, NULL, &st, e) < 0)
		return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		dsl_err_set(e, "%s failed (exit %d)", argv[0], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	return 0;
}

/* The helper detaches and its first process exits when the view is ready
 * (or with the reason it is not). */
static int start_helper(struct cli_ctx *ctx, const struct dsl_set_ref *ref,
			const struct profile_dirs *d, struct dsl_err *e)
{
	char *helper = dsl_path_join(ctx->cfg.libexec_dir, "dsl-helper");
	char *argv[] = { helper, "--desc", ref->json_path, "--torrent", ref->torrent_path,
			 "--mount", d->view, "--run-dir", d->run, "--seed",
			 "--listen", "127.0.0.1", "--record-order", d->order,
			 "--log-file", d->log, NULL };
	int rc = run_wait(argv, 0, e);

	if (rc < 0)
		dsl_err_prefix(e, "the local view (log: %s)", d->log);
	free(helper);
	return rc;
}

static void stop_helper(struct cli_ctx *ctx, const struct profile_dirs *d)
{
	char *helper = dsl_path_join(ctx->cfg.libexec_dir, "dsl-helper");
	char *argv[] = { helper, "--ctl", d->run, "stop", NULL };
	char *sock = dsl_path_join(d->run, "ctl.sock");
	struct dsl_err e;
	struct stat st;

	run_wait(argv, 1, &e);
	/* The helper writes the order and removes its socket as it stops. */
	for (int i = 0; i < PROFILE_STOP_S * 10 && (stat(sock, &st) == 0 || stat(d->order, &st) < 0); i++)
		usleep(100000);
	umount2(d->view, MNT_DETACH);
	free(sock);
	free(helper);
}

/* The set's environment, rooted at root, in front of what is there. */
static void set_env(const struct dsl_desc *desc, const char *root)
{
	setenv("DSL_SET_ROOT", root, 1);
	for (size_t k = 0; k < desc->nenv; k++) {
		char *v = dsl_desc_env_value(desc, &desc->env[k], root);
		const char *old = getenv(desc->env[k].name);
		char *n = old && *old ? dsl_xasprintf("%s:%s", v, old) : dsl_strdup(v);

		setenv(desc->env[k].name, n, 1);
		free(n);
		free(v);
	}
}

/* In the command's process: the set where a job's tasks would see it. */
static void child_view(struct cli_ctx *ctx, const struct dsl_set_ref *ref, const char *view)
{
	const struct dsl_desc *d = &ref->desc;
	struct dsl_err e;
	int fd;

	if (d->at_path != 1) {
		set_env(d, view);
		return;
	}
	if (geteuid() != 0 || dsl_atpath_check(d->source_root, &ctx->cfg, &e) < 0 ||
	    unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ||
	    (fd = dsl_atpath_open(d->source_root, 0, 0, NULL, 0, &e)) < 0 ||
	    dsl_atpath_mount(fd, view, &e) < 0) {
		fprintf(stderr, "dsl profile: warning: the set is not shown at %s for the command "
			"(needs root); it runs with the environment only\n", d->source_root);
		set_env(d, view);
		return;
	}
	close(fd);
	set_env(d, d->source_root);
}

struct child_arg {
	struct cli_ctx *ctx;
	const struct dsl_set_ref *ref;
	const char *view;
};

static void child_prep(void *arg)
{
	struct child_arg *c = arg;

	child_view(c->ctx, c->ref, c->view);
}

static int run_command(struct cli_ctx *ctx, const struct dsl_set_ref *ref, const char *view,
		       char *const *cmd, struct dsl_err *e)
{
	struct child_arg c = { ctx, ref, view };
	int st;

	if (run_child(cmd, 0, child_prep, &c, &st, e) < 0)
		return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		/* Its reads are still an order; say so, publish nothing. */
		dsl_err_set(e, "the command failed (%s %d); no order published",
			    WIFEXITED(st) ? "exit" : "signal",
			    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		return -1;
	}
	return 0;
}

static int publish(const struct dsl_set_ref *ref, const char *recorded, struct dsl_err *e)
{
	struct dsl_tmeta meta;
	struct dsl_order o;
	char *dst = dsl_order_registry_path(ref->json_path);
	int rc = -1;

	memset(&meta, 0, sizeof(meta));
	if (dsl_torrent_load(ref->torrent_path, &meta, e) < 0)
		goto out;
	if (dsl_order_read(recorded, ref->desc.infohash, meta.num_pieces, &o, e) < 0)
		goto out;
	if (o.n == 0) {
		dsl_err_set(e, "the command read nothing of set '%s'; no order published",
			    ref->desc.name);
	} else if (dsl_order_write(dst, ref->desc.infohash, meta.num_pieces, o.pieces, o.n, e) == 0) {
		printf("prefetch order of set '%s' version %.12s: %d of %d pieces, in %s\n",
		       ref->desc.name, ref->desc.infohash, o.n, meta.num_pieces, dst);
		rc = 0;
	}
	dsl_order_free(&o);
out:
	dsl_tmeta_free(&meta);
	free(dst);
	return rc;
}

int cli_profile_run(struct cli_ctx *ctx, const struct dsl_set_ref *ref, char *const *cmd,
		    struct dsl_err *e)
{
	const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	struct profile_dirs d = { .top = dsl_xasprintf("%s/dsl-profile.XXXXXX", tmpdir) };
	int rc = -1;

	if (!mkdtemp(d.top)) {
		dsl_err_set(e, "cannot create a directory in %s: %s", tmpdir, strerror(errno));
		dirs_free(&d);
		return -1;
	}
	d.view = dsl_path_join(d.top, "view");
	d.run = dsl_path_join(d.top, "run");
	d.order = dsl_path_join(d.top, "order");
	d.log = dsl_path_join(d.top, "helper.log");
	if (mkdir(d.view, 0700) < 0) {
		dsl_err_set(e, "%s: %s", d.view, strerror(errno));
		goto out;
	}
	if (start_helper(ctx, ref, &d, e) < 0)
		goto out;
	rc = run_command(ctx, ref, d.view, cmd, e);
	stop_helper(ctx, &d);
	if (rc == 0)
		rc = publish(ref, d.order, e);
out:
	if (rc == 0 || !getenv("DSL_PROFILE_KEEP")) {
		struct dsl_err ue;

		dsl_rm_rf(d.top, &ue);
	}
	dirs_free(&d);
	return rc;
}

static const char profile_usage[] =
	"usage: dsl profile NAME [--registry DIR] -- CMD [ARGS...]\n"
	"Run CMD against a local view of the set's current version and publish, with\n"
	"that version, the order in which CMD first read its pieces; jobs' helpers then\n"
	"fetch in that order first.\n"
	"  --registry DIR      the set is in DIR (and its order is published there)\n";

int cmd_profile(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "registry", required_argument, NULL, 'r' },
		DSL_OPT_STD,
		{ NULL, 0, NULL, 0 },
	};
	static const struct dsl_opt_cmd cmd = { "dsl profile", profile_usage, "r:", opts, 1 };
	struct dsl_set_ref ref;
	struct dsl_err err;
	const char *name = NULL;
	int c, nf = 0, rc = 1;

	/* Options before and after NAME; "--" ends them (getopt skips it). */
	for (int pass = 0; pass < 2; pass++) {
		while ((c = dsl_opt_next(&cmd, argc, argv)) != -1)
			if (c == 'r')
				cli_set_registry(ctx, optarg);
		if (pass == 0) {
			if (optind >= argc || !strcmp(argv[optind - 1], "--"))
				return dsl_opt_usage_error(&cmd, "missing set NAME");
			name = argv[optind++];
		}
	}
	if (optind >= argc)
		return dsl_opt_usage_error(&cmd, "missing the command: dsl profile NAME -- CMD [ARGS...]");
	memset(&ref, 0, sizeof(ref));
	if (dsl_registry_find(&ctx->search, name, NULL, &ref, &nf, &err) < 0) {
		fprintf(stderr, "dsl profile: %s\n", err.msg);
		return 1;
	}
	if (cli_profile_run(ctx, &ref, argv + optind, &err) == 0)
		rc = 0;
	else
		fprintf(stderr, "dsl profile: %s\n", err.msg);
	dsl_set_ref_free(&ref);
	return rc;
}
