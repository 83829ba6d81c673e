/* fuzz_config.c - libFuzzer target for the configuration parser: dsl.conf
 * (key=value lines, comments, blanks) and plugstack.conf arguments.  The
 * first byte picks which; arguments are separated by NUL bytes.  Whatever is
 * accepted must leave the configuration within its documented bounds. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dsl_config.h"

static void check(const struct dsl_config *c)
{
	if (c->seeders < 1 || c->tracker_port_min > c->tracker_port_max ||
	    c->peer_port_min > c->peer_port_max || c->ready_timeout < 0 ||
	    c->read_timeout < 0 || c->wait_timeout < 0 ||
	    (c->registry[0] && c->registry[0] != '/') ||
	    (c->run_root[0] && c->run_root[0] != '/') ||
	    (c->mount_root[0] && c->mount_root[0] != '/') ||
	    (c->cache_dir[0] && c->cache_dir[0] != '/'))
		__builtin_trap();
}

static void fuzz_file(const uint8_t *d, size_t n)
{
	struct dsl_config c;
	struct dsl_err e;
	char path[64];
	int fd = memfd_create("dsl.conf", MFD_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, d, n) == (ssize_t)n) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		dsl_config_defaults(&c);
		if (dsl_config_load_file(&c, path, 1, &e) == 0)
			check(&c);
	}
	close(fd);
}

static void fuzz_args(const uint8_t *d, size_t n)
{
	struct dsl_config c;
	struct dsl_err e;
	char *buf = malloc(n + 1);
	size_t at = 0;

	if (!buf)
		return;
	memcpy(buf, d, n);
	buf[n] = '\0';
	dsl_config_defaults(&c);
	while (at <= n) {
		char *arg = buf + at;

		at += strlen(arg) + 1;
		/* conf= names a file to read: keep the fuzzer off the disk */
		if (strncmp(arg, "conf=", 5) && dsl_config_set_arg(&c, arg, &e) < 0)
			break;
	}
	check(&c);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_file(data + 1, size - 1);
	else
		fuzz_args(data + 1, size - 1);
	return 0;
}
