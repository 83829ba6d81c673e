/* fuzz_desc.c - libFuzzer target for the set description parser (a user can
 * hand-write one into their registry, and the prolog reads it).  Whatever
 * parses must pass validation again after a round trip through the writer,
 * carry only permission bits and allowed variable names, and give
 * environment values under the view's root. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsl_desc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dsl_desc d, again;
	struct dsl_err e;
	char *json;

	if (dsl_desc_parse((const char *)data, size, "fuzz", &d, &e) < 0)
		return 0;
	for (size_t i = 0; i < d.nnodes; i++)
		if (d.nodes[i].mode & ~0777u)
			__builtin_trap();
	for (size_t i = 0; i < d.nenv; i++) {
		char *v = dsl_desc_env_value(&d, &d.env[i], "/run/dsl/view/1/s");

		if (dsl_env_name_check(d.env[i].name, NULL) < 0 || !v)
			__builtin_trap();
		/* every element of the list under the view, no control character
		 * (task.env is one variable a line) */
		for (char *e = v; e; e = strchr(e, ':') ? strchr(e, ':') + 1 : NULL)
			if (strncmp(e, "/run/dsl/view/1/s", 17))
				__builtin_trap();
		for (const unsigned char *p = (const unsigned char *)v; *p; p++)
			if (*p < 0x20 || *p == 0x7f)
				__builtin_trap();
		free(v);
	}
	json = dsl_desc_to_json(&d, 0, &e);
	if (!json || dsl_desc_parse(json, strlen(json), "again", &again, &e) < 0 ||
	    again.nnodes != d.nnodes || again.nenv != d.nenv)
		__builtin_trap();
	dsl_desc_free(&again);
	free(json);
	dsl_desc_free(&d);
	return 0;
}
