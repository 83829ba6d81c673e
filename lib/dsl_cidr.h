/* dsl_cidr.h - address ranges: "198.18.0.0/15,10.0.0.0/8,fd00::/8".
 *
 * peer_networks= (dsl.conf or plugstack.conf) names the cluster's node
 * networks; a helper then takes peer connections only from them
 * (libtorrent's ip_filter), as a defence in depth under the job key
 * (README, security model).  Checking a peer is O(1) per connection: no
 * node name is resolved for it. */
#ifndef DSL_CIDR_H
#define DSL_CIDR_H

#include <stddef.h>

#include "dsl_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DSL_CIDR_MAX 16
#define DSL_CIDR_TEXT_MAX 1024

struct dsl_cidr {
	int v6;                  /* 0: IPv4 (4 bytes of addr) */
	unsigned char first[16], last[16];   /* the range, network byte order */
};

/* Parse a comma-separated list (1 to DSL_CIDR_MAX ranges; the address must
 * be the network's first, "10.1.2.3/8" is refused as a likely typo). */
int dsl_cidr_parse_list(const char *s, struct dsl_cidr *out, size_t *n, struct dsl_err *e);

#ifdef __cplusplus
}
#endif

#endif
