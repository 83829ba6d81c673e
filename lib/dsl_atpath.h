/* dsl_atpath.h - showing a set at the path it was published from.
 *
 * A set published with `dsl create --at-path` (or any set, where the site
 * sets at_path=on) is laid, in each task's own mount namespace, over its
 * source_root: an overlay whose upper lower layer is the set's FUSE view and
 * whose bottom layer is the original directory, so RPATH/RUNPATH, $ORIGIN,
 * .pth files and scripts with absolute paths resolve into the swarm, while
 * files under that path that are not in the set still resolve as before.
 *
 * The path comes from a description a user may have written (a per-user
 * registry), so it is hostile input to the root side.  The policy (README,
 * "The set at its own path"):
 *   - syntax: absolute, canonical ('/'-separated, no '.', '..', empty
 *     components or trailing '/'), no ':' ',' or '\' (overlayfs option
 *     separators), shorter than PATH_MAX;
 *   - never '/', never at or below the system trees (/bin /boot /dev /etc
 *     /lib* /proc /run /sbin /sys /usr), never exactly /home /opt /srv /tmp
 *     /var /mnt /media, and never overlapping the plugin's own mount=, run=
 *     or cache= directories;
 *   - on the node, as root in the task before privileges are dropped: every
 *     component is a real directory (no symbolic link anywhere, checked
 *     component by component with O_NOFOLLOW on the fds that are then
 *     mounted on, so nothing can be swapped in between) that the job's user
 *     may search, the last one also read;
 *   - the mounts exist only in that task's private mount namespace (slave
 *     of the node's, so nothing propagates back), and the task then runs
 *     with no_new_privs: a setuid program would otherwise run as root
 *     against files the user chose, so set-user-ID bits and file
 *     capabilities do not take effect in such a task.
 */
#ifndef DSL_ATPATH_H
#define DSL_ATPATH_H

#include <sys/types.h>

#include "dsl_config.h"
#include "dsl_desc.h"
#include "dsl_err.h"

/* The path policy without touching the file system (create, submit,
 * prolog and task all apply it). */
int dsl_atpath_check(const char *path, const struct dsl_config *c, struct dsl_err *e);

/* A set can be shown at its source only when its tree mirrors the source
 * (every file's src is its path: `dsl create` from one directory). */
int dsl_atpath_mirrors(const struct dsl_desc *d);

/* Whether set d is shown at its source: its own choice, else the site's. */
int dsl_atpath_wanted(const struct dsl_desc *d, const struct dsl_config *c);

/* Open path (O_PATH) walking from '/' without following any symbolic link,
 * checking that uid (with gid and groups) may search every component and
 * read the last.  Returns the fd or -1 with e naming the component. */
int dsl_atpath_open(const char *path, uid_t uid, gid_t gid, const gid_t *groups,
		    int ngroups, struct dsl_err *e);

/* Lay the view `lower` over the directory open as fd (dsl_atpath_open), in
 * the caller's mount namespace: a read-only overlay, lower above fd's
 * directory.  Mounted on the fd, not the path, so nothing can be swapped in
 * after the check; xino=off keeps one st_dev per layer, so a file's device
 * tells where it came from. */
int dsl_atpath_mount(int fd, const char *lower, struct dsl_err *e);

#endif
