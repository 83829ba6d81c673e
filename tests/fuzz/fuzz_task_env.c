/* fuzz_task_env.c - libFuzzer target for the task environment file
 * (RUN/JOBID/task.env) as each task applies it: only the plugin's own
 * variables may be set, only allowed names prepended, nothing else. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsl_desc.h"
#include "dsl_task_env.h"

static int set(void *arg, const char *var, const char *value, int prepend)
{
	(void)arg;
	if (strchr(value, '\n') || strchr(var, '=') || strchr(var, '\n'))
		__builtin_trap();
	if (prepend ? dsl_env_name_check(var, NULL) < 0 : strncmp(var, "DSL_SET_ROOT", 12))
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct dsl_err e;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	dsl_task_env_apply(text, set, NULL, &e);
	free(text);
	return 0;
}
