/* dsl_cidr.c - address ranges (dsl_cidr.h). */
#include "dsl_cidr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static int parse_one(const char *item, struct dsl_cidr *c, struct dsl_err *e)
{
	char buf[64], *slash, *end;
	long prefix;
	int bytes;

	if (strlen(item) >= sizeof(buf) || !(slash = strchr(strcpy(buf, item), '/')))
		goto bad;
	*slash = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, buf, c->first) == 1)
		c->v6 = 0;
	else if (inet_pton(AF_INET6, buf, c->first) == 1)
		c->v6 = 1;
	else
		goto bad;
	bytes = c->v6 ? 16 : 4;
	prefix = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || prefix < 0 || prefix > bytes * 8)
		goto bad;
	for (int i = 0; i < bytes; i++) {
		int keep = (int)prefix - 8 * i;
		unsigned char mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (unsigned char)(0xff << (8 - keep));

		if (c->first[i] & ~mask) {
			dsl_err_set(e, "peer_networks: '%s': not the first address of the network", item);
			return -1;
		}
		c->last[i] = c->first[i] | (unsigned char)~mask;
	}
	return 0;
bad:
	dsl_err_set(e, "peer_networks: '%.64s': expected ADDRESS/PREFIX (e.g. 10.0.0.0/8)", item);
	return -1;
}

int dsl_cidr_parse_list(const char *s, struct dsl_cidr *out, size_t *n, struct dsl_err *e)
{
	char buf[DSL_CIDR_TEXT_MAX], *save = NULL, *item;

	*n = 0;
	if (!s || !*s || strlen(s) >= sizeof(buf)) {
		dsl_err_set(e, "peer_networks: expected 1-%d ranges, at most %d characters",
			    DSL_CIDR_MAX, DSL_CIDR_TEXT_MAX - 1);
		return -1;
	}
	strcpy(buf, s);
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if (*n >= DSL_CIDR_MAX) {
			dsl_err_set(e, "peer_networks: more than %d ranges", DSL_CIDR_MAX);
			return -1;
		}
		if (parse_one(item, &out[*n], e) < 0)
			return -1;
		(*n)++;
	}
	if (!*n) {
		dsl_err_set(e, "peer_networks: no range given");
		return -1;
	}
	return 0;
}
