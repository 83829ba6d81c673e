/* Node roles: host-list expansion agrees with `scontrol show hostnames`, and
 * every node derives the same tracker and seeders. */
#define _GNU_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsl_roles.h"

#include "check_run.h"

static const char *const exprs[] = {
	"n1", "n[1-4]", "n[1-4],gpu[01-02]", "node[001-010,020]", "a,b,c",
	"rack[1-2]-n[1-3]", "n[10-12],n[1-2]", "x[0-99]",
};

/* scontrol needs some slurm.conf even to expand names offline. */
static char conf[64];

static void setup(void)
{
	FILE *f;

	snprintf(conf, sizeof(conf), "/tmp/dsl-test-slurm.XXXXXX");
	f = fdopen(mkstemp(conf), "w");
	fputs("ClusterName=test\nSlurmctldHost=localhost\nNodeName=n1\nPartitionName=p Nodes=n1\n", f);
	fclose(f);
}

static void teardown(void)
{
	unlink(conf);
}

START_TEST(expansion_matches_scontrol)
{
	const char *expr = exprs[_i];
	char cmd[512], line[256];
	char **hosts;
	size_t n, got = 0;
	struct dsl_err e = { "" };
	FILE *p;

	ck_assert_int_eq(dsl_hostlist_expand(expr, 0, &hosts, &n, &e), 0);
	snprintf(cmd, sizeof(cmd), "SLURM_CONF=%s scontrol show hostnames '%s'", conf, expr);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		ck_assert_uint_lt(got, n);
		ck_assert_str_eq(hosts[got], line);
		got++;
	}
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_uint_eq(got, n);
	dsl_strv_free(hosts, n);
}
END_TEST

START_TEST(roles_agree_on_every_node)
{
	const char *expr = "n[3-4],n[1-2],gpu01";
	struct dsl_roles r[5];
	struct dsl_err e = { "" };
	const char *names[] = { "gpu01", "n1", "n2", "n3", "n4" };

	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(dsl_roles_compute(expr, names[i], 2, NULL, 0, &r[i], &e), 0);
	for (int i = 0; i < 5; i++) {
		ck_assert_str_eq(r[i].tracker_node, "gpu01");   /* sorted: gpu01 < n1 */
		ck_assert_uint_eq(r[i].nseeders, 2);
		ck_assert_str_eq(r[i].seeders[0], "gpu01");
		ck_assert_str_eq(r[i].seeders[1], "n1");
		ck_assert_int_eq(r[i].self, i);
		ck_assert_int_eq(r[i].is_tracker, i == 0);
		ck_assert_int_eq(r[i].is_seeder, i < 2);
		/* Downloaders n2 n3 n4 split the set three ways. */
		ck_assert_int_eq(r[i].share, i < 2 ? -1 : i - 2);
		ck_assert_uint_eq(r[i].nshares, i < 2 ? 0 : 3);
	}
	for (int i = 0; i < 5; i++)
		dsl_roles_free(&r[i]);
}
END_TEST

START_TEST(service_seeders_and_edges)
{
	struct dsl_roles r;
	struct dsl_err e = { "" };

	ck_assert_int_eq(dsl_roles_compute("n[1-4]", "n2", 2, "svc[1-2]", 0, &r, &e), 0);
	ck_assert_uint_eq(r.nseeders, 2);
	ck_assert_str_eq(r.seeders[0], "svc1");
	ck_assert_int_eq(r.is_seeder, 0);
	ck_assert_int_eq(r.is_tracker, 0);
	/* Service seeders are not job nodes: all four download. */
	ck_assert_int_eq(r.share, 1);
	ck_assert_uint_eq(r.nshares, 4);
	dsl_roles_free(&r);
	/* More seeders asked for than nodes: every node seeds. */
	ck_assert_int_eq(dsl_roles_compute("n[1-2]", "n2", 8, "", 0, &r, &e), 0);
	ck_assert_uint_eq(r.nseeders, 2);
	ck_assert_int_eq(r.is_seeder, 1);
	dsl_roles_free(&r);
	/* A node not in the list has no role. */
	ck_assert_int_eq(dsl_roles_compute("n[1-2]", "m9", 1, NULL, 0, &r, &e), 0);
	ck_assert_int_eq(r.self, -1);
	ck_assert_int_eq(r.is_seeder, 0);
	ck_assert_int_eq(r.share, -1);
	ck_assert_uint_eq(r.nshares, 0);
	dsl_roles_free(&r);
	ck_assert_int_eq(dsl_roles_compute("", "n1", 1, NULL, 0, &r, &e), -1);
	ck_assert_msg(strstr(e.msg, "empty host list"), "%s", e.msg);
	ck_assert_int_eq(dsl_roles_compute("n[1-2]", "n1", 0, NULL, 0, &r, &e), -1);
	ck_assert_msg(strstr(e.msg, "seeders"), "%s", e.msg);
}
END_TEST

/* Direct peers: at most k, never self, symmetric, and the graph is
 * connected with few hops, for small and large jobs. */
START_TEST(neighbours_bounded_symmetric_connected)
{
	static const size_t sizes[] = { 2, 3, 9, 10, 64, 300, 1024, 16384 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s], head = 0, tail = 0, far = 0;
		long nb[DSL_ROLES_MAX_PEERS], back[DSL_ROLES_MAX_PEERS];
		int *dist = malloc(n * sizeof(int));
		size_t *queue = malloc(n * sizeof(size_t));

		for (size_t i = 0; i < n; i++)
			dist[i] = -1;
		dist[0] = 0;
		queue[tail++] = 0;
		while (head < tail) {
			size_t u = queue[head++];
			size_t m = dsl_roles_neighbours(n, u, 8, nb, DSL_ROLES_MAX_PEERS);

			ck_assert_uint_le(m, 8);
			ck_assert_uint_eq(m, n - 1 < 8 ? n - 1 : 8);
			for (size_t j = 0; j < m; j++) {
				size_t v = (size_t)nb[j], mb, found = 0;

				ck_assert_uint_ne(v, u);
				ck_assert_uint_lt(v, n);
				mb = dsl_roles_neighbours(n, v, 8, back, DSL_ROLES_MAX_PEERS);
				for (size_t q = 0; q < mb; q++)
					found |= back[q] == (long)u;
				ck_assert_msg(found, "n=%zu: %zu dials %zu but not back", n, u, v);
				if (dist[v] < 0) {
					dist[v] = dist[u] + 1;
					far = (size_t)dist[v] > far ? (size_t)dist[v] : far;
					queue[tail++] = v;
				}
			}
		}
		ck_assert_uint_eq(tail, n);      /* connected */
		ck_assert_uint_le(far, 20);      /* 17 at 16,384 */
		free(queue);
		free(dist);
	}
}
END_TEST

/* The prolog's one pass agrees with the expansion: this node's index, the
 * tracker, and the names of its direct peers. */
START_TEST(peers_named_from_the_host_list)
{
	const char *expr = "n[0001-1000],gpu[01-24]";
	char **hosts;
	size_t n;
	struct dsl_err e = { "" };

	ck_assert_int_eq(dsl_hostlist_expand(expr, 1, &hosts, &n, &e), 0);
	for (size_t i = 0; i < n; i += 97) {
		struct dsl_roles r;

		ck_assert_int_eq(dsl_roles_compute(expr, hosts[i], 2, NULL, 0, &r, &e), 0);
		ck_assert_int_eq(r.self, (long)i);
		ck_assert_uint_eq(r.nnodes, n);
		ck_assert_str_eq(r.tracker_node, hosts[0]);
		ck_assert_uint_eq(r.npeers, 8);
		for (size_t j = 0; j < r.npeers; j++)
			ck_assert_str_eq(r.peers[j], hosts[r.peer_index[j]]);
		ck_assert_int_eq(r.share, i < 2 ? -1 : (long)i - 2);
		dsl_roles_free(&r);
	}
	dsl_strv_free(hosts, n);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("roles");
	TCase *tc = tcase_create("roles");
	/* The 16,384-node graph walk takes a second or two under ASan on a quiet
	 * machine: Check's 4 s default failed it on a loaded one. */
	tcase_set_timeout(tc, 120);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, expansion_matches_scontrol, 0, (int)(sizeof(exprs) / sizeof(exprs[0])));
	tcase_add_test(tc, roles_agree_on_every_node);
	tcase_add_test(tc, service_seeders_and_edges);
	tcase_add_test(tc, neighbours_bounded_symmetric_connected);
	tcase_add_test(tc, peers_named_from_the_host_list);
	suite_add_tcase(s, tc);
	return check_run(s);
}
