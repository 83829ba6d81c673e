/* dsl_spank.c - the SPANK entry points of dsl.so: thin glue from Slurm's
 * callbacks to the plugin's functions (dsl_submit, dsl_prolog, dsl_epilog,
 * dsl_task_env), which know nothing of Slurm and are tested without it.
 *
 * Only the symbols below are exported (-fvisibility=hidden elsewhere).
 * Every callback parses the plugstack.conf arguments itself: slurm_spank_init
 * is not called in the job prolog and epilog, and the plugin keeps no global
 * state. */
#define _GNU_SOURCE
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurm/spank.h>

#include "dsl_config.h"
#include "dsl_epilog.h"
#include "dsl_health.h"
#include "dsl_job.h"
#include "dsl_overlay.h"
#include "dsl_prolog.h"
#include "dsl_jobkey.h"
#include "dsl_setlist.h"
#include "dsl_submit.h"
#include "dsl_task_env.h"
#include "dsl_wait_all.h"
#include "dsl_util.h"

#define DSL_EXPORT __attribute__((visibility("default")))

DSL_EXPORT extern const char plugin_name[];
DSL_EXPORT extern const char plugin_type[];
DSL_EXPORT extern const unsigned int plugin_version;
DSL_EXPORT extern const unsigned int spank_plugin_version;
SPANK_PLUGIN(dsl, 1);

/* The option's value at submit time.  The one piece of global state, forced
 * by SPANK: spank_option_getopt() does not work in slurm_spank_init_post_opt
 * (the only callback of srun, sbatch and salloc that runs before the
 * allocation), so the value must travel from the option callback. */
static char dsl_submit_arg[DSL_JOB_MAX_SETS * (DSL_NAME_MAX + 1) + 1];

/* Syntax here; the registry is checked in init_post_opt, where the
 * configuration is at hand. */
static int dsl_option_cb(int val, const char *optarg, int remote)
{
	struct dsl_setlist s;
	struct dsl_err e;

	(void)val;
	if (dsl_setlist_parse_names(optarg, &s, &e) < 0) {
		slurm_error("dsl: --dsl-set=%s: %s", optarg ? optarg : "", e.msg);
		return -1;
	}
	if (!remote)
		snprintf(dsl_submit_arg, sizeof(dsl_submit_arg), "%s", optarg);
	return 0;
}

/* Why the sets could not be shown at their source paths: found as root in
 * task_init_privileged, told to the user by task_init of the same task
 * process (before that, the task's stderr is not the job's yet).  Forced by
 * SPANK like dsl_submit_arg. */
static char dsl_task_error[sizeof(((struct dsl_err *)0)->msg)];

/* Read-only after initialisation: the SPANK API wants a non-const pointer. */
static struct spank_option dsl_set_option = {
	"dsl-set", "NAME[,NAME...]",
	"Deliver the library set(s) NAME to every node of the job (dslswarm)",
	1, 0, dsl_option_cb
};

static int load_config(struct dsl_config *c, int ac, char **av)
{
	struct dsl_err e;

	dsl_config_defaults(c);
	if (dsl_config_from_args(c, ac, av, &e) < 0) {
		slurm_error("dsl: plugstack.conf: %s", e.msg);
		return -1;
	}
	return 0;
}

DSL_EXPORT int slurm_spank_init(spank_t sp, int ac, char **av)
{
	struct dsl_config c;
	spank_context_t ctx = spank_context();

	/* An unknown key is an error at load time, in every context. */
	if (load_config(&c, ac, av) < 0)
		return -1;
	if (ctx == S_CTX_LOCAL || ctx == S_CTX_ALLOCATOR || ctx == S_CTX_REMOTE)
		/* Registered here (not a static table): sbatch/salloc only know
		 * options registered this way. */
		if (spank_option_register(sp, &dsl_set_option) != ESPANK_SUCCESS) {
			slurm_error("dsl: cannot register --dsl-set");
			return -1;
		}
	return 0;
}

static int get_option(spank_t sp, char **arg)
{
	*arg = NULL;
	return spank_option_getopt(sp, &dsl_set_option, arg) == ESPANK_SUCCESS && *arg && **arg;
}

/* The job key (dsl_jobkey.h): made here, as the submitting user, and kept
 * by Slurm in the job's control environment, which reaches root's prolog
 * and epilog on every node and no client or task.  Without it the prolog
 * refuses to start the job's swarm (dsl_prolog.c). */
static int set_job_key(spank_t sp, spank_context_t ctx)
{
	char key[DSL_JOBKEY_HEX + 1];
	struct dsl_err e;
	int rc = 0;

	if (dsl_jobkey_new(key, &e) < 0) {
		slurm_error("dsl: %s", e.msg);
		return -1;
	}
	if (spank_job_control_setenv(sp, DSL_JOBKEY_VAR, key, 1) != ESPANK_SUCCESS &&
	    ctx == S_CTX_ALLOCATOR) {
		slurm_error("dsl: cannot give the job its key (job control environment)");
		rc = -1;
	}
	explicit_bzero(key, sizeof(key));
	return rc;
}

DSL_EXPORT int slurm_spank_init_post_opt(spank_t sp, int ac, char **av)
{
	struct dsl_config c;
	struct dsl_err e;
	struct passwd *pw;
	char *arg, *pins = NULL;
	spank_context_t ctx = spank_context();

	if ((ctx != S_CTX_LOCAL && ctx != S_CTX_ALLOCATOR) || !dsl_submit_arg[0])
		return 0;
	/* A step inside an allocation: the sets were checked and pinned when
	 * the job was submitted (the registry may have moved on since); the
	 * tasks check that the step's sets are the job's (task_init). */
	if (ctx == S_CTX_LOCAL && getenv("SLURM_JOB_ID"))
		return 0;
	arg = dsl_submit_arg;
	if (load_config(&c, ac, av) < 0)
		return -1;
	pw = getpwuid(getuid());
	if (dsl_submit_check(&c, arg, pw ? pw->pw_dir : NULL, &pins, &e) < 0) {
		slurm_error("dsl: %s", e.msg);
		return -1;
	}
	/* Arrives in the prolog and epilog as SPANK_DSL_PIN. */
	if (spank_job_control_setenv(sp, DSL_PIN_VAR, pins, 1) != ESPANK_SUCCESS &&
	    ctx == S_CTX_ALLOCATOR) {
		slurm_error("dsl: cannot pin the set versions for the job");
		free(pins);
		return -1;
	}
	free(pins);
	return set_job_key(sp, ctx);
}

/* The sets of the job: pinned at submit time, else (a client without the
 * plugin) the option as the prolog sees it. */
static int prolog_sets(spank_t sp, struct dsl_setlist *s, struct dsl_err *e)
{
	const char *pins = getenv("SPANK_" DSL_PIN_VAR);
	char *arg;

	if (pins && *pins)
		return dsl_setlist_parse_pins(pins, s, e) < 0 ? -1 : 1;
	if (!get_option(sp, &arg)) {
		arg = getenv("SPANK__SLURM_SPANK_OPTION_dsl_dsl_set");
		if (!arg || !*arg)
			return 0;
	}
	return dsl_setlist_parse_names(arg, s, e) < 0 ? -1 : 1;
}

DSL_EXPORT int slurm_spank_job_prolog(spank_t sp, int ac, char **av)
{
	struct dsl_config c;
	struct dsl_job job;
	struct dsl_setlist s;
	struct dsl_err e, warn;
	int rc;

	if (load_config(&c, ac, av) < 0)
		return -1;
	rc = prolog_sets(sp, &s, &e);
	if (rc == 0)
		return 0;
	if (dsl_job_from_env(&job, &e) < 0) {
		slurm_error("dsl: prolog: %s", e.msg);
		return -1;
	}
	if (rc < 0) {
		dsl_prolog_record_error(&c, job.id, e.msg, NULL);
		return 0;
	}
	rc = dsl_prolog_run(&c, &job, &s, &warn, &e);
	{
		long kids, self = dsl_peak_kib(&kids);

		slurm_info("dsl: job %lu on %s: prolog done, peak memory %ld KiB (children %ld KiB)",
			   job.id, job.self, self, kids);
	}
	switch (rc) {
	case DSL_PROLOG_OK:
		if (warn.msg[0])
			slurm_info("dsl: job %lu on %s: %s", job.id, job.self, warn.msg);
		return 0;
	case DSL_PROLOG_USER_ERROR:
		slurm_info("dsl: job %lu: %s (the job's tasks will fail)", job.id, e.msg);
		return 0;
	default:
		slurm_error("dsl: job %lu on %s: %s", job.id, job.self, e.msg);
		return -1;
	}
}

/* The epilog's per-set summary goes to slurmd's log (see dsl_jobstats.h). */
static void epilog_note(void *arg, const char *line)
{
	(void)arg;
	slurm_info("dsl: %s", line);
}

DSL_EXPORT int slurm_spank_job_epilog(spank_t sp, int ac, char **av)
{
	struct dsl_config c;
	struct dsl_job job;
	struct dsl_err e;
	struct dsl_epilog_note note = { epilog_note, NULL };

	(void)sp;
	if (load_config(&c, ac, av) < 0)
		return -1;
	if (dsl_job_from_env_epilog(&job, &e) < 0) {
		slurm_error("dsl: epilog: %s", e.msg);
		return -1;
	}
	if (dsl_epilog_run(&c, &job, &note, &e) < 0) {
		slurm_error("dsl: epilog of job %lu on %s: %s", job.id, job.self, e.msg);
		return -1;
	}
	return 0;
}

static int task_setenv(void *arg, const char *var, const char *value, int prepend)
{
	spank_t sp = arg;
	char old[8192];
	char *v;
	int rc;

	if (!prepend || spank_getenv(sp, var, old, sizeof(old)) != ESPANK_SUCCESS)
		old[0] = '\0';
	v = prepend ? dsl_task_env_prepend(value, old) : dsl_strdup(value);
	rc = spank_setenv(sp, var, v, 1) == ESPANK_SUCCESS ? 0 : -1;
	free(v);
	return rc;
}

/* Every set a step names must be one the job's prolog prepared. */
static int step_sets_prepared(const char *arg, const char *task_env, struct dsl_err *e)
{
	struct dsl_setlist s;

	if (dsl_setlist_parse_names(arg, &s, e) < 0)
		return -1;
	for (size_t i = 0; i < s.n; i++) {
		char *var = dsl_task_env_root_var(s.names[i]);
		char *line = dsl_xasprintf("\n%s=", var);
		int found = !strncmp(task_env, line + 1, strlen(line + 1)) || strstr(task_env, line);

		free(line);
		free(var);
		if (!found) {
			dsl_err_set(e, "--dsl-set=%s: set '%s' was not prepared for this job; "
				    "give --dsl-set when the job is submitted (sbatch/salloc/srun)",
				    arg, s.names[i]);
			return -1;
		}
	}
	return 0;
}

/* In each task, as root, before Slurm drops privileges: the sets shown at
 * their source paths (dsl_overlay.h).  A failure is reported by task_init. */
DSL_EXPORT int slurm_spank_task_init_privileged(spank_t sp, int ac, char **av)
{
	struct dsl_config c;
	struct dsl_err e;
	uint32_t jobid;
	uid_t uid;
	gid_t gid, *groups = NULL;
	int ngroups = 0;

	dsl_task_error[0] = '\0';
	if (load_config(&c, ac, av) < 0)
		return -1;
	if (spank_get_item(sp, S_JOB_ID, &jobid) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_JOB_UID, &uid) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_JOB_GID, &gid) != ESPANK_SUCCESS)
		return 0;
	if (spank_get_item(sp, S_JOB_SUPPLEMENTARY_GIDS, &groups, &ngroups) != ESPANK_SUCCESS)
		ngroups = 0;
	if (dsl_overlay_task(&c, jobid, uid, gid, groups, ngroups, &e) < 0) {
		snprintf(dsl_task_error, sizeof(dsl_task_error), "%s", e.msg);
		slurm_error("dsl: job %u: %s", jobid, e.msg);
	}
	return 0;
}

/* In each task (as the user, output already the job's): fail with the
 * prolog's message, or set the environment. */
DSL_EXPORT int slurm_spank_task_init(spank_t sp, int ac, char **av)
{
	struct dsl_config c;
	struct dsl_err e;
	uint32_t jobid;
	char *dir, *f, *text = NULL, *arg;
	size_t len;
	int rc = 0;

	if (load_config(&c, ac, av) < 0)
		return -1;
	if (spank_get_item(sp, S_JOB_ID, &jobid) != ESPANK_SUCCESS)
		return 0;
	if (dsl_task_error[0]) {
		fprintf(stderr, "dsl: %s\n", dsl_task_error);
		return -1;
	}
	dir = dsl_job_jobrun_dir(&c, jobid);
	f = dsl_path_join(dir, DSL_JOB_ERROR);
	if (dsl_read_file(f, 65536, &text, &len, &e) == 0) {
		fprintf(stderr, "dsl: %s\n", text);
		slurm_error("dsl: %s", text);
		rc = -1;
	} else {
		free(f);
		f = dsl_path_join(dir, DSL_JOB_TASK_ENV);
		if (dsl_read_file(f, 1 << 20, &text, &len, &e) == 0) {
			if (get_option(sp, &arg) && step_sets_prepared(arg, text, &e) < 0) {
				fprintf(stderr, "dsl: %s\n", e.msg);
				rc = -1;
			} else if (dsl_task_env_apply(text, task_setenv, sp, &e) < 0) {
				fprintf(stderr, "dsl: %s\n", e.msg);
				rc = -1;
			} else if (c.wait == DSL_WAIT_ALL && dsl_wait_all_job(&c, jobid, &e) < 0) {
				fprintf(stderr, "dsl: %s\n", e.msg);
				slurm_error("dsl: job %u: %s", jobid, e.msg);
				rc = -1;
			}
		} else if (get_option(sp, &arg)) {
			fprintf(stderr, "dsl: --dsl-set=%s: the set was not prepared for job %u; "
				"give --dsl-set when the job is submitted (sbatch/salloc/srun)\n",
				arg, jobid);
			rc = -1;
		}
	}
	free(text);
	free(f);
	free(dir);
	return rc;
}

/* In slurmstepd, as a task of the job exits: when it failed, say what this
 * node's helpers know of why (dsl_health.h).  A task that could not read
 * its set sees only EIO or ENOTCONN; slurmstepd's errors reach the job's
 * output, so the user reads the cause next to the task's own message, and
 * so does the node's log.  Said once per step and node: every task of a
 * node sees the same helpers (the flag lives as long as this step's
 * slurmstepd). */
DSL_EXPORT int slurm_spank_task_exit(spank_t sp, int ac, char **av)
{
	static int said;
	struct dsl_config c;
	uint32_t jobid;
	uid_t uid;
	int status;
	char why[1024];

	if (said || !spank_remote(sp) || load_config(&c, ac, av) < 0)
		return 0;
	if (spank_get_item(sp, S_TASK_EXIT_STATUS, &status) != ESPANK_SUCCESS ||
	    (WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
	    spank_get_item(sp, S_JOB_ID, &jobid) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_JOB_UID, &uid) != ESPANK_SUCCESS)
		return 0;
	dsl_health_job(&c, jobid, uid, why, sizeof(why));
	if (why[0]) {
		said = 1;
		slurm_error("dsl: job %u: a task failed; %s", jobid, why);
	}
	return 0;
}
