/* premount_exec.c - what the SPANK prolog does for an unprivileged helper,
 * as a test tool: as root, mount the view with dsh_premount(), drop to USER,
 * and exec the helper with --mount /dev/fd/N --mountpoint DIR.
 * usage: premount_exec MOUNTPOINT USER HELPER [ARGS...] */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dsh_premount.h"

int main(int argc, char **argv)
{
	struct dsl_err e;
	struct passwd *pw;
	char fdarg[32];
	char **args;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: premount_exec MOUNTPOINT USER HELPER [ARGS...]\n");
		return 2;
	}
	pw = getpwnam(argv[2]);
	if (!pw) {
		fprintf(stderr, "premount_exec: %s: no such user\n", argv[2]);
		return 2;
	}
	fd = dsh_premount(argv[1], "dsl:test", pw->pw_uid, pw->pw_gid, &e);
	if (fd < 0) {
		fprintf(stderr, "premount_exec: %s\n", e.msg);
		return 1;
	}
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		perror("premount_exec: cannot drop privileges");
		return 1;
	}
	snprintf(fdarg, sizeof(fdarg), "/dev/fd/%d", fd);
	args = calloc((size_t)argc + 8, sizeof(char *));
	if (!args)
		return 1;
	for (int i = 3; i < argc; i++)
		args[i - 3] = argv[i];
	args[argc - 3] = "--mount";
	args[argc - 2] = fdarg;
	args[argc - 1] = "--mountpoint";
	args[argc] = argv[1];
	execv(args[0], args);
	perror("premount_exec: exec");
	return 1;
}
