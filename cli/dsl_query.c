/* dsl_query.c - `dsl list`, `dsl show`, `dsl remove`. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dsl_opt.h"
#include "dsl_order.h"
#include "dsl_util.h"

static void format_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
}

struct list_acc {
	int header_done;
	int broken;
};

static void list_one(void *arg, const char *dir, const char *name,
		     const struct dsl_set_ref *ref, const struct dsl_err *err)
{
	struct list_acc *acc = arg;
	char size[32], when[32];

	if (!acc->header_done) {
		printf("%-24s %-12s %10s %8s  %-20s  %s\n", "NAME", "VERSION", "SIZE", "FILES",
		       "CREATED", "REGISTRY");
		acc->header_done = 1;
	}
	if (!ref) {
		/* A broken set is reported and skipped; the listing goes on. */
		fprintf(stderr, "dsl list: %s\n", err->msg);
		printf("%-24s %-12s %10s %8s  %-20s  %s\n", name, "(broken)", "-", "-", "-", dir);
		acc->broken++;
		return;
	}
	dsl_human_size(ref->desc.total_size, size, sizeof(size));
	format_time(ref->desc.created, when, sizeof(when));
	printf("%-24s %-12.12s %10s %8llu  %-20s  %s\n", name, ref->desc.infohash, size,
	       (unsigned long long)ref->desc.file_count, when, dir);
}

int cmd_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "registry", required_argument, NULL, 'r' },
		DSL_OPT_STD,
		{ NULL, 0, NULL, 0 },
	};
	static const struct dsl_opt_cmd cmd = { "dsl list",
		"usage: dsl list [--registry DIR]\n"
		"The sets you can use: name, version, size, files, created, registry.\n"
		"  --registry DIR   list DIR only\n", "r:", opts, 0 };
	struct list_acc acc = { 0, 0 };

	while (dsl_opt_next(&cmd, argc, argv) == 'r')
		cli_set_registry(ctx, optarg);
	if (optind < argc)
		return dsl_opt_usage_error(&cmd, "%.64s: unexpected argument", argv[optind]);
	dsl_registry_each(&ctx->search, list_one, &acc, NULL);
	if (!acc.header_done)
		printf("no sets (searched:%s%s%s)\n", ctx->search.dirs[0],
		       ctx->search.ndirs > 1 ? " " : "",
		       ctx->search.ndirs > 1 ? ctx->search.dirs[1] : "");
	return 0;
}

/* Look a set up, with the "not found; available: ..." message on failure. */
static int find_set(struct cli_ctx *ctx, const char *cmd, const char *name,
		    const char *version, struct dsl_set_ref *ref)
{
	struct dsl_err err;
	int not_found = 0;

	if (dsl_registry_find(&ctx->search, name, version, ref, &not_found, &err) == 0)
		return 0;
	if (not_found) {
		char *names = dsl_registry_names(&ctx->search);

		fprintf(stderr, "dsl %s: %s; available sets: %s\n", cmd, err.msg,
			*names ? names : "(none)");
		free(names);
	} else {
		fprintf(stderr, "dsl %s: %s\n", cmd, err.msg);
	}
	return -1;
}

static const char *type_word(enum dsl_node_type t)
{
	return t == DSL_NODE_DIR ? "dir" : t == DSL_NODE_FILE ? "file" : "link";
}

static void show_human(const struct dsl_set_ref *ref, int files)
{
	const struct dsl_desc *d = &ref->desc;
	char size[32], when[32], *order;
	size_t ndirs = 0, nlinks = 0;

	dsl_human_size(d->total_size, size, sizeof(size));
	format_time(d->created, when, sizeof(when));
	for (size_t i = 0; i < d->nnodes; i++) {
		ndirs += d->nodes[i].type == DSL_NODE_DIR;
		nlinks += d->nodes[i].type == DSL_NODE_SYMLINK;
	}
	printf("set:         %s\n", d->name);
	printf("version:     %s\n", d->infohash);
	printf("created:     %s\n", when);
	printf("size:        %s (%llu bytes)\n", size, (unsigned long long)d->total_size);
	printf("contents:    %llu files, %zu directories, %zu symlinks\n",
	       (unsigned long long)d->file_count, ndirs, nlinks);
	printf("piece size:  %u KiB\n", d->piece_size >> 10);
	printf("source:      %s\n", d->source_root);
	printf("at path:     %s\n", d->at_path == 1 ? "yes (tasks see the set at its source)"
	       : d->at_path == 0 ? "no" : "site default (at_path=)");
	order = dsl_order_registry_path(ref->json_path);
	printf("prefetch:    %s\n", access(order, F_OK) == 0 ? order : "(no order published)");
	free(order);
	printf("description: %s\n", ref->json_path);
	printf("torrent:     %s\n", ref->torrent_path);
	printf("environment for tasks (view root $DSL_SET_ROOT):\n");
	if (!d->nenv)
		printf("  (none)\n");
	for (size_t i = 0; i < d->nenv; i++) {
		char *v = dsl_desc_env_value(d, &d->env[i], "$DSL_SET_ROOT");

		printf("  %s=%s\n", d->env[i].name, v);
		free(v);
	}
	if (!files)
		return;
	printf("tree:\n");
	for (size_t i = 0; i < d->nnodes; i++) {
		const struct dsl_node *n = &d->nodes[i];

		if (n->type == DSL_NODE_SYMLINK)
			printf("  %-4s       %12s  %s -> %s\n", type_word(n->type), "", n->path, n->target);
		else
			printf("  %-4s %04o  %12llu  %s\n", type_word(n->type), n->mode,
			       (unsigned long long)n->size, n->path);
	}
}

int cmd_show(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set-version", required_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "files", no_argument, NULL, 'f' },
		{ "registry", required_argument, NULL, 'r' },
		DSL_OPT_STD,
		{ NULL, 0, NULL, 0 },
	};
	static const struct dsl_opt_cmd cmd = { "dsl show",
		"usage: dsl show NAME [--set-version H] [--files] [--json] [--registry DIR]\n"
		"One set's description.\n"
		"  --set-version H  an older version (its info-hash, 64 hex digits)\n"
		"  --files          add the set's file tree\n"
		"  --json           print the description itself (JSON)\n"
		"  --registry DIR   look in DIR only\n", "v:jfr:", opts, 0 };
	const char *version = NULL;
	struct dsl_set_ref ref;
	int json = 0, files = 0, c;

	while ((c = dsl_opt_next(&cmd, argc, argv)) != -1) {
		switch (c) {
		case 'v': version = optarg; break;
		case 'j': json = 1; break;
		case 'f': files = 1; break;
		case 'r': cli_set_registry(ctx, optarg); break;
		}
	}
	if (optind + 1 != argc)
		return dsl_opt_usage_error(&cmd, optind < argc ? "give one set NAME" : "missing set NAME");
	if (find_set(ctx, "show", argv[optind], version, &ref) < 0)
		return 1;
	if (json) {
		struct dsl_err err;
		char *text = dsl_desc_to_json(&ref.desc, 1, &err);

		if (text)
			puts(text);
		free(text);
	} else {
		show_human(&ref, files);
	}
	dsl_set_ref_free(&ref);
	return 0;
}

static int remove_broken(struct cli_ctx *ctx, const char *name, const char *version,
			 struct dsl_err *why)
{
	struct dsl_err err;

	for (size_t i = 0; i < ctx->search.ndirs; i++) {
		char *setdir = dsl_path_join(ctx->search.dirs[i], name);
		int present = access(setdir, F_OK) == 0;

		free(setdir);
		if (!present)
			continue;
		if (dsl_registry_remove(ctx->search.dirs[i], name, version, &err) < 0) {
			fprintf(stderr, "dsl remove: %s\n", err.msg);
			return 1;
		}
		printf("removed broken set '%s' from %s (it was: %s)\n", name, ctx->search.dirs[i],
		       why->msg);
		return 0;
	}
	fprintf(stderr, "dsl remove: %s\n", why->msg);
	return 1;
}

int cmd_remove(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set-version", required_argument, NULL, 'v' },
		{ "registry", required_argument, NULL, 'r' },
		DSL_OPT_STD,
		{ NULL, 0, NULL, 0 },
	};
	static const struct dsl_opt_cmd cmd = { "dsl remove",
		"usage: dsl remove NAME [--set-version H] [--registry DIR]\n"
		"Remove a set (every version), or one version that is not the current one.\n"
		"  --set-version H  remove only this version (its info-hash, 64 hex digits)\n"
		"  --registry DIR   remove from DIR\n", "v:r:", opts, 0 };
	const char *version = NULL;
	struct dsl_set_ref ref;
	struct dsl_err err;
	int c, not_found = 0;

	while ((c = dsl_opt_next(&cmd, argc, argv)) != -1) {
		switch (c) {
		case 'v': version = optarg; break;
		case 'r': cli_set_registry(ctx, optarg); break;
		}
	}
	if (optind + 1 != argc)
		return dsl_opt_usage_error(&cmd, optind < argc ? "give one set NAME" : "missing set NAME");
	/* Remove from the registry where the name is found first (the user's). */
	if (dsl_registry_find(&ctx->search, argv[optind], NULL, &ref, &not_found, &err) < 0) {
		if (not_found || !dsl_name_valid(argv[optind], NULL))
			{
			find_set(ctx, "remove", argv[optind], NULL, &ref);
			return 1;
		}
		/* A broken set can still be removed: take the first registry
		 * that has a directory of that name. */
		return remove_broken(ctx, argv[optind], version, &err);
	}
	if (dsl_registry_remove(ref.dir, argv[optind], version, &err) < 0) {
		fprintf(stderr, "dsl remove: %s\n", err.msg);
		dsl_set_ref_free(&ref);
		return 1;
	}
	if (version)
		printf("removed version %s of set '%s' from %s\n", version, argv[optind], ref.dir);
	else
		printf("removed set '%s' from %s\n", argv[optind], ref.dir);
	dsl_set_ref_free(&ref);
	return 0;
}
