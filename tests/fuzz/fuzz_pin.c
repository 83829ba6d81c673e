/* fuzz_pin.c - libFuzzer target for the pin the job's environment carries
 * (DSL_PIN=NAME:INFOHASH[,...], user-controlled until the prolog reads it)
 * and for the escaping of strings other users supply before they are shown.
 * An accepted pin has valid names and hashes and formats back to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsl_setlist.h"
#include "dsl_util.h"

static void fuzz_printable(const uint8_t *d, size_t n)
{
	char out[67];
	size_t cap = 1 + (n ? d[0] % sizeof(out) : 0);

	dsl_printable((const char *)d, n, out, cap);
	if (strlen(out) >= cap)
		__builtin_trap();
	for (const char *p = out; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dsl_setlist s, again;
	struct dsl_err e;
	char *pins = malloc(size + 1), *fmt;

	fuzz_printable(data, size);
	if (!pins)
		return 0;
	memcpy(pins, data, size);
	pins[size] = '\0';
	if (dsl_setlist_parse_pins(pins, &s, &e) == 0) {
		if (s.n < 1 || s.n > DSL_JOB_MAX_SETS)
			__builtin_trap();
		for (size_t i = 0; i < s.n; i++)
			if (!dsl_name_valid(s.names[i], NULL) || !dsl_infohash_valid(s.infohash[i]))
				__builtin_trap();
		fmt = dsl_setlist_format_pins(&s);
		if (strcmp(fmt, pins) || dsl_setlist_parse_pins(fmt, &again, &e) < 0)
			__builtin_trap();
		free(fmt);
	}
	free(pins);
	return 0;
}
