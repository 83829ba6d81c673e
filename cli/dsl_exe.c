/* dsl_exe.c - `dsl create NAME --from-exe BINARY`: the library closure.
 *
 * The closure is what the executable's own dynamic loader resolves, in the
 * caller's environment: we run `LD_TRACE_LOADED_OBJECTS=1 INTERP BINARY` (the
 * loader's trace mode, as ldd does; the program itself does not run) and read its "name => path" lines.
 * Libraries under an excluded directory (the base system every node has,
 * like Slurm's BcastExclude) stay out.  The set holds bin/BINARY and
 * lib/SONAME, with LD_LIBRARY_PATH=lib and PATH=bin. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "dsl_util.h"

/* The PT_INTERP of a 64-bit ELF executable. */
static int elf_interp(const char *exe, char *out, size_t len, struct dsl_err *e)
{
	Elf64_Ehdr eh;
	int fd = open(exe, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		dsl_err_set(e, "cannot read %s: %m", exe);
		return -1;
	}
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64) {
		dsl_err_set(e, "%s: not a 64-bit ELF executable", exe);
		close(fd);
		return -1;
	}
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) !=
		    (ssize_t)sizeof(ph))
			break;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz == 0 || ph.p_filesz >= len ||
		    pread(fd, out, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz) {
			dsl_err_set(e, "%s: unreadable program interpreter", exe);
			close(fd);
			return -1;
		}
		out[ph.p_filesz] = '\0';
		close(fd);
		return 0;
	}
	close(fd);
	dsl_err_set(e, "%s: not a dynamically linked executable (no program interpreter)", exe);
	return -1;
}

/* Run the loader's trace mode; return its output (malloc'd). */
static char *loader_list(const char *interp, const char *exe, struct dsl_err *e)
{
	int pfd[2], status;
	char *buf = NULL;
	size_t len = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		dsl_err_set(e, "pipe: %m");
		return NULL;
	}
	pid = fork();
	if (pid < 0) {
		dsl_err_set(e, "fork: %m");
		close(pfd[0]);
		close(pfd[1]);
		return NULL;
	}
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		/* What ldd does: trace mode lists every object, "not found" ones
		 * included, instead of stopping at the first missing one. */
		setenv("LD_TRACE_LOADED_OBJECTS", "1", 1);
		execl(interp, interp, exe, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char chunk[4096];
		ssize_t n = read(pfd[0], chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len + (size_t)n > (16u << 20))
			break;   /* no loader prints this much */
		buf = dsl_xrealloc(buf, len + (size_t)n + 1);
		memcpy(buf + len, chunk, (size_t)n);
		len += (size_t)n;
	}
	close(pfd[0]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		dsl_err_set(e, "%s %s (trace mode) failed (status %d)", interp, exe,
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		free(buf);
		return NULL;
	}
	if (!buf)
		buf = dsl_strdup("");
	else
		buf[len] = '\0';
	return buf;
}

static int excluded(const char *path, char **exclude, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(exclude[i]);

		while (l > 1 && exclude[i][l - 1] == '/')
			l--;
		if (!strncmp(path, exclude[i], l) && (path[l] == '/' || path[l] == '\0'))
			return 1;
	}
	return 0;
}

/* One "\tlibfoo.so.1 => /path/libfoo.so.1 (0x...)" line. */
static int take_line(struct cli_walk *w, char *line, char **exclude, size_t nexclude,
		     char **missing, size_t *nlibs, struct dsl_err *e)
{
	char *arrow = strstr(line, " => ");
	char *name, *path, *paren;

	if (!arrow)
		return 0;        /* vdso, the loader itself */
	*arrow = '\0';
	name = line + strspn(line, " \t");
	path = arrow + 4;
	if (!strncmp(path, "not found", 9)) {
		char *m = dsl_xasprintf("%s%s%s", *missing ? *missing : "", *missing ? ", " : "", name);

		free(*missing);
		*missing = m;
		return 0;
	}
	paren = strstr(path, " (0x");
	if (paren)
		*paren = '\0';
	if (!*path || path[0] != '/' || excluded(path, exclude, nexclude))
		return 0;
	if (strchr(name, '/'))
		name = strrchr(name, '/') + 1;
	{
		char *rel = dsl_xasprintf("lib/%s", name);
		int rc = cli_walk_add_file(w, rel, path, e);

		free(rel);
		if (rc == 0)
			(*nlibs)++;
		return rc;
	}
}

int cli_exe_closure(struct cli_walk *w, const char *exe, char **exclude,
		    size_t nexclude, struct dsl_err *e)
{
	char interp[4096];
	char *out, *save = NULL, *missing = NULL, *rel;
	const char *base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	size_t nlibs = 0;
	int rc = 0;

	if (elf_interp(exe, interp, sizeof(interp), e) < 0)
		return -1;
	out = loader_list(interp, exe, e);
	if (!out)
		return -1;
	rel = dsl_xasprintf("bin/%s", base);
	rc = cli_walk_add_file(w, rel, exe, e);
	free(rel);
	for (char *line = strtok_r(out, "\n", &save); line && rc == 0;
	     line = strtok_r(NULL, "\n", &save))
		rc = take_line(w, line, exclude, nexclude, &missing, &nlibs, e);
	free(out);
	if (rc == 0 && missing) {
		dsl_err_set(e, "%s: the loader cannot find %s (set LD_LIBRARY_PATH as the program needs it)",
			    exe, missing);
		rc = -1;
	}
	free(missing);
	if (rc == 0 && nlibs == 0)
		fprintf(stderr, "dsl: warning: %s needs no library outside the excluded directories\n", exe);
	if (rc == 0)
		rc = dsl_desc_add_env(&w->desc, "LD_LIBRARY_PATH", "lib", e);
	if (rc == 0)
		rc = dsl_desc_add_env(&w->desc, "PATH", "bin", e);
	return rc;
}
