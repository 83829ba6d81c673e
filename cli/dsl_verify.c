/* dsl_verify.c - `dsl verify NAME`: has the source changed since publishing?
 *
 * Seeders serve the source files as they are now; a file changed after
 * publishing would fail the hash check on every node.  verify re-hashes the
 * source with the set's piece size and compares, file by file, the v2 merkle
 * roots with those in the published torrent; it also checks that the
 * directories and symlinks are still there. */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dsl_opt.h"
#include "dsl_util.h"

/* Files still present and of the published size; the others are reported. */
static size_t collect_sources(const struct dsl_desc *d, struct dsl_tfile_in *in,
			      char **paths, size_t *bad)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nnodes; i++) {
		const struct dsl_node *node = &d->nodes[i];
		char *src;
		struct stat st;

		if (node->type != DSL_NODE_FILE)
			continue;
		src = dsl_path_join(d->source_root, node->src ? node->src : node->path);
		if (stat(src, &st) < 0 || access(src, R_OK) < 0) {
			printf("missing:  %s (%s: %m)\n", node->path, src);
			(*bad)++;
			free(src);
			continue;
		}
		if ((uint64_t)st.st_size != node->size) {
			printf("changed:  %s (size %llu, published %llu)\n", node->path,
			       (unsigned long long)st.st_size, (unsigned long long)node->size);
			(*bad)++;
			free(src);
			continue;
		}
		paths[n] = src;
		in[n].path = node->path;
		in[n].source = src;
		in[n].size = node->size;
		in[n].executable = (node->mode & 0111) != 0;
		n++;
	}
	return n;
}

static void check_others(const struct dsl_desc *d, size_t *bad)
{
	for (size_t i = 0; i < d->nnodes; i++) {
		const struct dsl_node *n = &d->nodes[i];

		if (n->type == DSL_NODE_FILE)
			continue;
		/* Directories and in-set symlinks live under source_root only
		 * when the set was made from one directory; report, don't fail,
		 * when the set was assembled from several places. */
		if (n->type == DSL_NODE_SYMLINK) {
			char *p = dsl_path_join(d->source_root, n->path);
			char buf[PATH_MAX];
			ssize_t len = readlink(p, buf, sizeof(buf) - 1);

			if (len >= 0) {
				buf[len] = '\0';
				if (strcmp(buf, n->target)) {
					printf("changed:  %s (symlink now -> %s, published -> %s)\n",
					       n->path, buf, n->target);
					(*bad)++;
				}
			}
			free(p);
		}
	}
}

int cmd_verify(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "registry", required_argument, NULL, 'r' },
		DSL_OPT_STD,
		{ NULL, 0, NULL, 0 },
	};
	static const struct dsl_opt_cmd cmd = { "dsl verify",
		"usage: dsl verify NAME [--registry DIR]\n"
		"Re-hash the set's source files against its published torrent; name every\n"
		"file that is missing or changed (exit 1 if any).\n"
		"  --registry DIR   look in DIR only\n", "r:", opts, 0 };
	struct dsl_set_ref ref;
	struct dsl_tmeta published, now;
	struct dsl_tfile_in *in;
	struct dsl_err err;
	struct cli_progress prog;
	int not_found = 0;
	char **paths;
	size_t n, bad = 0;

	while (dsl_opt_next(&cmd, argc, argv) == 'r')
		cli_set_registry(ctx, optarg);
	if (optind + 1 != argc)
		return dsl_opt_usage_error(&cmd, optind < argc ? "give one set NAME" : "missing set NAME");
	argv += optind - 1;
	if (dsl_registry_find(&ctx->search, argv[1], NULL, &ref, &not_found, &err) < 0) {
		fprintf(stderr, "dsl verify: %s\n", err.msg);
		return 1;
	}
	if (dsl_torrent_load(ref.torrent_path, &published, &err) < 0) {
		fprintf(stderr, "dsl verify: %s\n", err.msg);
		dsl_set_ref_free(&ref);
		return 1;
	}
	in = dsl_xcalloc(ref.desc.file_count, sizeof(*in));
	paths = dsl_xcalloc(ref.desc.file_count, sizeof(*paths));
	n = collect_sources(&ref.desc, in, paths, &bad);
	check_others(&ref.desc, &bad);
	memset(&now, 0, sizeof(now));
	prog = (struct cli_progress){ .enabled = ctx->is_tty, .start = cli_now(),
				      .total_bytes = ref.desc.total_size, .last_pct = -1 };
	if (n && dsl_torrent_create(ref.desc.name, in, n, ref.desc.piece_size, NULL,
				    cli_progress_cb, &prog, &now, &err) < 0) {
		fprintf(stderr, "dsl verify: %s\n", err.msg);
		bad++;
	} else {
		for (size_t i = 0; i < now.nfiles; i++) {
			long j = dsl_tmeta_find(&published, now.files[i].path);

			if (j < 0 || strcmp(published.files[j].root, now.files[i].root)) {
				printf("changed:  %s (content differs from the published version)\n",
				       now.files[i].path);
				bad++;
			}
		}
	}
	if (bad)
		printf("set '%s' version %.12s: %zu problem(s); seeders would serve data that fails the hash check.\n"
		       "Publish a new version with: dsl create %s ... --force\n",
		       ref.desc.name, ref.desc.infohash, bad, ref.desc.name);
	else
		printf("set '%s' version %.12s: all %llu files match (%.2f s)\n", ref.desc.name,
		       ref.desc.infohash, (unsigned long long)ref.desc.file_count, cli_now() - prog.start);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(in);
	dsl_tmeta_free(&now);
	dsl_tmeta_free(&published);
	dsl_set_ref_free(&ref);
	return bad ? 1 : 0;
}
