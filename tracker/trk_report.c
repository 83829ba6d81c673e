/* trk_report.c - check a posted status document and keep it compact. */
#include "trk_report.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "trk_request.h"

static json_object *member(json_object *o, const char *a, const char *b)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, a, &v))
		return NULL;
	if (b && (!json_object_is_type(v, json_type_object) ||
		  !json_object_object_get_ex(v, b, &v)))
		return NULL;
	return v;
}

/* A missing counter is 0; a present one must be an integer >= 0. */
static int counter(json_object *o, const char *k, uint64_t *out)
{
	json_object *v = member(o, "bytes", k);

	*out = 0;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return -1;
	*out = (uint64_t)json_object_get_int64(v);
	return 0;
}

/* "infohash" names the set's version (what `dsl status` looks up in the
 * registry); a job's private swarm goes by its own info-hash (README,
 * security model), so the two differ and only the form is checked. */
static const char *check_hash(json_object *o)
{
	json_object *v = member(o, "infohash", NULL);
	uint8_t got[TRK_HASH_LEN];

	if (!v)
		return NULL;
	if (!json_object_is_type(v, json_type_string) ||
	    trk_hex_hash(json_object_get_string(v), got) != 0)
		return "report: \"infohash\" is not 40 or 64 hex digits";
	return NULL;
}

/* "uid": whose helper reports (trk_auth.h: a user sees the swarms whose
 * helpers report that user's uid).  Absent: -1. */
static const char *get_uid(json_object *o, int64_t *uid)
{
	json_object *v = member(o, "uid", NULL);

	*uid = -1;
	if (!v)
		return NULL;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
	    json_object_get_int64(v) > 0xfffffffeLL)
		return "report: \"uid\" is not a uid";
	*uid = json_object_get_int64(v);
	return NULL;
}

static int blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p == end;
}

static const char *parse_object(const char *body, size_t len, json_object **out)
{
	json_tokener *tok;
	json_object *o;
	size_t end;

	*out = NULL;
	if (len == 0)
		return "report: empty body (expected the helper's status JSON)";
	if (len > TRK_REPORT_MAX)
		return "report: larger than 8192 bytes";
	if (memchr(body, '\0', len))
		return "report: NUL byte in the body";
	tok = json_tokener_new_ex(TRK_REPORT_DEPTH);
	if (!tok)
		return "report: out of memory";
	o = json_tokener_parse_ex(tok, body, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (!o && json_tokener_get_error(tok) == json_tokener_continue) {
		/* a bare number may go on: the NUL says it does not */
		o = json_tokener_parse_ex(tok, "", 1);
		end = len;
	}
	if (!o || !blank(body + end, body + len)) {
		enum json_tokener_error je = json_tokener_get_error(tok);

		json_object_put(o);
		json_tokener_free(tok);
		return je == json_tokener_error_depth ? "report: JSON nested deeper than 8 levels"
		       : "report: not valid JSON (or trailing data after it)";
	}
	json_tokener_free(tok);
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return "report: not a JSON object";
	}
	*out = o;
	return NULL;
}

const char *trk_report_parse(const char *body, size_t len, const uint8_t hash[TRK_HASH_LEN],
			     int64_t now, struct trk_report **out)
{
	json_object *o, *done;
	struct trk_report tmp = { .time = now };
	const char *why = parse_object(body, len, &o), *text;

	*out = NULL;
	if (why)
		return why;
	(void)hash;
	why = check_hash(o);
	if (!why)
		why = get_uid(o, &tmp.uid);
	if (!why && (counter(o, "received", &tmp.received) < 0 || counter(o, "sent", &tmp.sent) < 0 ||
		     counter(o, "from_seeders", &tmp.from_seeders) < 0 ||
		     counter(o, "from_peers", &tmp.from_peers) < 0))
		why = "report: \"bytes\" counters must be integers >= 0";
	if (why) {
		json_object_put(o);
		return why;
	}
	done = member(o, "complete", NULL);
	tmp.complete = done && json_object_get_boolean(done);
	/* Re-serialised: what /stats embeds is always well-formed and compact. */
	text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &tmp.len);
	if (tmp.len > TRK_REPORT_MAX) {
		/* escapes can grow a body of control characters 6-fold: the
		 * budget is on what is kept */
		json_object_put(o);
		return "report: larger than 8192 bytes once re-serialised";
	}
	*out = malloc(sizeof(**out) + tmp.len + 1);
	if (*out) {
		**out = tmp;
		memcpy((*out)->json, text, tmp.len + 1);
	}
	json_object_put(o);
	return *out ? NULL : "report: out of memory";
}
