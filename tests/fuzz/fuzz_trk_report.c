/* fuzz_trk_report.c - libFuzzer target for the tracker's POST /report body
 * check.  What it accepts must be stored compact and within the per-peer
 * byte budget, whatever escapes the body used. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trk_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hash[TRK_HASH_LEN];
	struct trk_report *r = NULL;

	memset(hash, 0xab, sizeof(hash));
	if (trk_report_parse((const char *)data, size, hash, 1, &r) == NULL) {
		if (!r || r->len > TRK_REPORT_MAX || strlen(r->json) != r->len)
			__builtin_trap();
	} else if (r) {
		__builtin_trap();
	}
	free(r);
	return 0;
}
