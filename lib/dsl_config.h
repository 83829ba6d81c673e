/* dsl_config.h - configuration shared by the plugin, the tool and the daemons.
 *
 * Sources, later ones win: built-in defaults, dsl.conf (one `key=value` per
 * line, '#' comments), then plugstack.conf arguments (`key=value` each).  The
 * keys are the same everywhere.  An unknown key or a bad value is an error
 * that names the key. */
#ifndef DSL_CONFIG_H
#define DSL_CONFIG_H

#include <limits.h>
#include <stddef.h>

#include "dsl_cidr.h"
#include "dsl_err.h"

#define DSL_DEFAULT_CONF "/etc/dsl/dsl.conf"

enum dsl_cache_policy { DSL_CACHE_REMOVE, DSL_CACHE_KEEP };
enum dsl_wait_policy { DSL_WAIT_LAZY, DSL_WAIT_ALL };

struct dsl_config {
	char registry[PATH_MAX];        /* registry=     system registry */
	char user_registry[PATH_MAX];   /* user_registry= "~/..." per-user, "" none */
	char mount_root[PATH_MAX];      /* mount=        views at MOUNT/JOBID/NAME */
	char run_root[PATH_MAX];        /* run=          per-job state (sockets, logs) */
	char cache_dir[PATH_MAX];       /* cache=        node-local data */
	enum dsl_cache_policy cache_policy; /* cache_policy= remove|keep */
	int seeders;                    /* seeders=      in-job seeders K (>= 1) */
	int at_path;                    /* at_path=      on|off: show sets that do not
					   say at their source path (dsl_atpath.h) */
	int shares;                     /* shares=       on|off: downloaders fetch a
					   share of their own first */
	char service_seeders[1024];     /* service_seeders= Slurm host list, "" none */
	char tracker[512];              /* tracker=      "job" or http(s)/udp URL */
	int tracker_port_min;           /* tracker_ports= A-B */
	int tracker_port_max;
	int peer_port_min;              /* peer_ports=   A-B */
	int peer_port_max;
	int ready_timeout;              /* ready_timeout= seconds to wait for the view */
	enum dsl_wait_policy wait;      /* wait=         lazy|all */
	int wait_timeout;               /* wait_timeout= seconds for wait=all */
	int read_timeout;               /* read_timeout= seconds before a read gets EIO */
	char libexec_dir[PATH_MAX];     /* libexec=      where dsl-helper/dsl-tracker are */
	char conf_file[PATH_MAX];       /* conf=         dsl.conf to read */
	unsigned long long daemon_memory; /* daemon_memory= memory limit of the job's
					   daemons' cgroup in bytes, 0 none */
	char peer_networks[DSL_CIDR_TEXT_MAX];   /* peer_networks= ranges helpers take
					   peers from (dsl_cidr.h); "" any */
	char munge_socket[PATH_MAX];    /* munge_socket= munged's socket, "" libmunge's
					   default (/run/munge/munge.socket.2): who may
					   read a tracker's statistics */
};

void dsl_config_defaults(struct dsl_config *c);
int dsl_config_set(struct dsl_config *c, const char *key, const char *value,
		   struct dsl_err *e);
/* "key=value" */
int dsl_config_set_arg(struct dsl_config *c, const char *arg, struct dsl_err *e);
/* Missing file: 0 when !required.  Errors name "FILE:LINE: key". */
int dsl_config_load_file(struct dsl_config *c, const char *path, int required,
			 struct dsl_err *e);
/* What SPANK passes: argv from plugstack.conf.  A `conf=` argument is read
 * first, then the file, then the other arguments (so arguments win). */
int dsl_config_from_args(struct dsl_config *c, int argc, char **argv,
			 struct dsl_err *e);
/* Expand a leading "~/" of user_registry for a given home directory. */
int dsl_config_user_registry(const struct dsl_config *c, const char *home,
			     char *out, size_t outlen);

/* Ports, the same on every node and in `dsl status` without talking: a
 * job's tracker listens on tracker_port_min + H(JOBID) mod range, set number
 * i (< 8) of the job is served by every node's helper on peer_port_min +
 * H(JOBID * 8 + i) mod range, H a mixing hash (splitmix64).  Two jobs
 * sharing a node pick the same port with probability 1/range, whatever their
 * ids (JOBID mod range alone collided for every job id range/8 apart, i.e.
 * every 125 jobs).  When the port is taken anyway (another job, or a user
 * squatting it), the helper takes the next free one of the range (the job
 * spec's port, dsl_spec.h) and announces it to the tracker; its direct
 * peers still reach it because direct peering is symmetric: it dials them
 * itself (dsl_roles.h). */
int dsl_config_tracker_port(const struct dsl_config *c, unsigned long jobid);
int dsl_config_peer_port(const struct dsl_config *c, unsigned long jobid, size_t set_index);
/* Where the job's tracker may listen when another process has its port:
 * dsl_config_tracker_port first, then DSL_CONFIG_TRACKER_CANDIDATES - 1 more
 * spread over the range.  Every node computes the same list: the tracker's
 * node takes the first free one, every helper is given all of them (and
 * `dsl status` tries them in order).  Returns how many were written. */
#define DSL_CONFIG_TRACKER_CANDIDATES 3
int dsl_config_tracker_ports(const struct dsl_config *c, unsigned long jobid,
			     int out[DSL_CONFIG_TRACKER_CANDIDATES]);
/* Root's side (prolog, epilog): run=, mount= and cache= and every directory
 * above them must be root's and not writable by group or others (an
 * ancestor may be sticky, like /tmp); a part that does not exist yet is
 * fine (root creates it, dsl_mkdir_p).  Otherwise a user could swap in a
 * symlink and steer what root creates, mounts or removes.  -1 with e
 * naming the key and the directory. */
int dsl_config_check_root_dirs(const struct dsl_config *c, struct dsl_err *e);

#endif
