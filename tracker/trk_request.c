/* trk_request.c - announce and scrape arguments into fixed-size structs. */
#include "trk_request.h"

#include <string.h>

static int parse_u64(const char *v, size_t n, uint64_t *out)
{
	uint64_t x = 0;
	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		unsigned d = (unsigned)(v[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

static int key_is(const char *key, const char *name)
{
	return strcmp(key, name) == 0;
}

static const char *copy_secret(char *dst, size_t *dlen, const char *val, size_t vlen)
{
	if (vlen > TRK_SECRET_MAX)
		return "invalid dsl_secret: too long";
	memcpy(dst, val, vlen);
	dst[vlen] = 0;
	*dlen = vlen;
	return NULL;
}

void trk_announce_init(struct trk_announce *a)
{
	memset(a, 0, sizeof(*a));
	a->numwant = 50;
}

const char *trk_announce_arg(struct trk_announce *a, const char *key,
			     const char *val, size_t vlen)
{
	uint64_t x;
	if (!key)
		return NULL;
	if (key_is(key, "info_hash")) {
		if (!val || vlen != TRK_HASH_LEN)
			return "invalid info_hash: must be 20 bytes";
		memcpy(a->info_hash, val, TRK_HASH_LEN);
		a->seen |= TRK_SEEN_HASH;
	} else if (key_is(key, "peer_id")) {
		if (!val || vlen != 20)
			return "invalid peer_id: must be 20 bytes";
		memcpy(a->peer_id, val, 20);
		a->seen |= TRK_SEEN_PEERID;
	} else if (key_is(key, "port")) {
		if (!val || parse_u64(val, vlen, &x) < 0 || x == 0 || x > 65535)
			return "invalid port: must be 1-65535";
		a->port = (uint16_t)x;
		a->seen |= TRK_SEEN_PORT;
	} else if (key_is(key, "uploaded")) {
		if (!val || parse_u64(val, vlen, &a->uploaded) < 0)
			return "invalid uploaded: not a number";
	} else if (key_is(key, "downloaded")) {
		if (!val || parse_u64(val, vlen, &a->downloaded) < 0)
			return "invalid downloaded: not a number";
	} else if (key_is(key, "left")) {
		if (!val || parse_u64(val, vlen, &a->left) < 0)
			return "invalid left: not a number";
		a->seen |= TRK_SEEN_LEFT;
	} else if (key_is(key, "numwant")) {
		/* any size is fine: the caller caps it at --numwant-max */
		if (!val || vlen == 0 || strspn(val, "0123456789") != vlen)
			return "invalid numwant: not a number";
		if (parse_u64(val, vlen, &x) < 0 || x > UINT32_MAX)
			x = UINT32_MAX;
		a->numwant = (uint32_t)x;
		a->seen |= TRK_SEEN_NUMWANT;
	} else if (key_is(key, "event")) {
		if (!val || vlen == 0 || (vlen == 5 && !memcmp(val, "empty", 5)))
			a->event = TRK_EV_NONE;
		else if (vlen == 7 && !memcmp(val, "started", 7))
			a->event = TRK_EV_STARTED;
		else if (vlen == 7 && !memcmp(val, "stopped", 7))
			a->event = TRK_EV_STOPPED;
		else if (vlen == 9 && !memcmp(val, "completed", 9))
			a->event = TRK_EV_COMPLETED;
		else if (vlen == 6 && !memcmp(val, "paused", 6))
			a->event = TRK_EV_NONE;   /* BEP 21 */
		else
			return "invalid event: not started, stopped, completed or empty";
	} else if (key_is(key, TRK_SECRET_PARAM)) {
		a->seen |= TRK_SEEN_SECRET;
		return copy_secret(a->secret, &a->secret_len, val ? val : "", val ? vlen : 0);
	}
	return NULL;
}

const char *trk_announce_finish(const struct trk_announce *a)
{
	if (!(a->seen & TRK_SEEN_HASH))
		return "missing info_hash";
	if (!(a->seen & TRK_SEEN_PORT))
		return "missing port";
	return NULL;
}

void trk_scrape_init(struct trk_scrape *s)
{
	memset(s, 0, sizeof(*s));
}

const char *trk_scrape_arg(struct trk_scrape *s, const char *key,
			   const char *val, size_t vlen)
{
	if (!key)
		return NULL;
	if (key_is(key, "info_hash")) {
		if (!val || vlen != TRK_HASH_LEN)
			return "invalid info_hash: must be 20 bytes";
		if (s->n >= TRK_SCRAPE_MAX)
			return "too many info_hash in one scrape (at most 64)";
		memcpy(s->hashes[s->n++], val, TRK_HASH_LEN);
	} else if (key_is(key, TRK_SECRET_PARAM)) {
		s->seen |= TRK_SEEN_SECRET;
		return copy_secret(s->secret, &s->secret_len, val ? val : "", val ? vlen : 0);
	}
	return NULL;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Unescapes src[0..n) into dst (room for n + 1); returns the length. */
static size_t unescape(const char *src, size_t n, char *dst)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (src[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)src[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)src[i + 2])) >= 0) {
			dst[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (src[i] == '+') {
			dst[o++] = ' ';
		} else {
			dst[o++] = src[i];
		}
	}
	dst[o] = 0;
	return o;
}

#define TRK_ARG_MAX 256

const char *trk_query_parse(const char *q, size_t len, trk_arg_fn fn, void *arg)
{
	size_t i = 0;
	if (len > 0 && q[0] == '?')
		i = 1;
	while (i < len) {
		size_t end = i;
		while (end < len && q[end] != '&')
			end++;
		size_t eq = i;
		while (eq < end && q[eq] != '=')
			eq++;
		size_t klen = eq - i, vlen = eq < end ? end - eq - 1 : 0;
		if (klen > TRK_ARG_MAX || vlen > TRK_ARG_MAX)
			return "invalid query: argument too long";
		if (klen > 0) {
			char k[TRK_ARG_MAX + 1], v[TRK_ARG_MAX + 1];
			size_t kl = unescape(q + i, klen, k);
			size_t vl = unescape(q + eq + (eq < end), vlen, v);
			if (strlen(k) == kl) {   /* a NUL inside a key matches no key */
				const char *err = fn(arg, k, eq < end ? v : NULL, vl);
				if (err)
					return err;
			}
		}
		i = end + 1;
	}
	return NULL;
}

int trk_secret_ok(const char *want, const char *got, size_t got_len)
{
	size_t wl = strlen(want);
	unsigned diff = (unsigned)(wl ^ got_len);
	for (size_t i = 0; i < wl; i++)
		diff |= (unsigned char)want[i] ^ (unsigned char)(i < got_len ? got[i] : 0);
	return diff == 0;
}

int trk_hex_hash(const char *hex, uint8_t out[TRK_HASH_LEN])
{
	size_t n = strlen(hex);
	if (n != 40 && n != 64)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (hexval((unsigned char)hex[i]) < 0)
			return -1;
	for (size_t i = 0; i < TRK_HASH_LEN; i++)
		out[i] = (uint8_t)(hexval((unsigned char)hex[2 * i]) * 16 +
				   hexval((unsigned char)hex[2 * i + 1]));
	return 0;
}

void trk_hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = 0;
}
