/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The JSON header of a .pccx file, with its 64-bit checksum read exactly. */

#include <ctype.h>
#include <stdlib.h>

#include <jansson.h>

#include "verify_int.h"

#define SCAN_MAXDEPTH	64

/* What the raw scan is looking at. */
enum scan_path {
	SP_ROOT,
	SP_PAYLOAD,
	SP_OTHER
};

struct scan {
	const char	*p, *end;
	int		 depth;
	const char	*ck;		/* payload.checksum_fnv64 token */
	size_t		 cklen;
};

static int	 scan_value(struct scan *, enum scan_path);
static int	 scan_object(struct scan *, enum scan_path);
static int	 scan_array(struct scan *);
static int	 scan_string(struct scan *, const char **, size_t *);
static int	 parse_u64(const char *, size_t, uint64_t *);
static int	 parse_hex(const char *, uint64_t *);
static int	 header_fields(struct verify *, json_t *);
static int	 header_trace(struct verify *, json_t *);
static int	 header_payload(struct verify *, json_t *, int, uint64_t);
static int	 get_uint(struct verify *, json_t *, const char *,
		    const char *, int, uint64_t *);

static size_t
utf8_len(const uint8_t *p, size_t n)
{
	uint32_t	 c;
	size_t		 len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	len = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (len > n)
		return 0;
	c = p[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return len;
}

/*
 * utf8_check: 0 if the bytes are well-formed UTF-8; otherwise -1 with
 * the index of the first bad byte in *bad.
 */
int
utf8_check(const uint8_t *p, size_t n, size_t *bad)
{
	size_t	 i = 0, l;

	while (i < n) {
		if ((l = utf8_len(p + i, n - i)) == 0) {
			*bad = i;
			return -1;
		}
		i += l;
	}
	return 0;
}

/*
 * text_copy: copy at most cap - 1 bytes of src into dst as well-formed
 * UTF-8, cut at a character boundary, each bad byte replaced by '?'.
 */
void
text_copy(char *dst, size_t cap, const char *src, size_t n)
{
	const uint8_t	*s = (const uint8_t *)src;
	size_t		 i = 0, o = 0, l;

	while (i < n) {
		l = utf8_len(s + i, n - i);
		if (o + (l == 0 ? 1 : l) >= cap)
			break;
		if (l == 0) {
			dst[o++] = '?';
			i++;
		} else {
			memcpy(dst + o, s + i, l);
			o += l;
			i += l;
		}
	}
	dst[o] = '\0';
}

static void
scan_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int
scan_string(struct scan *s, const char **str, size_t *len)
{
	const char	*start = ++s->p;

	while (s->p < s->end && *s->p != '"') {
		if (*s->p == '\\')
			s->p++;
		s->p++;
	}
	if (s->p >= s->end)
		return -1;
	*str = start;
	*len = s->p - start;
	s->p++;
	return 0;
}

static int
scan_value(struct scan *s, enum scan_path path)
{
	const char	*str;
	size_t		 len;

	scan_ws(s);
	if (s->p >= s->end)
		return -1;
	if (*s->p == '{')
		return scan_object(s, path);
	if (*s->p == '[')
		return scan_array(s);
	if (*s->p == '"')
		return scan_string(s, &str, &len);
	str = s->p;
	while (s->p < s->end && (isalnum((unsigned char)*s->p) ||
	    *s->p == '-' || *s->p == '+' || *s->p == '.'))
		s->p++;
	return s->p == str ? -1 : 0;
}

static int
scan_object(struct scan *s, enum scan_path path)
{
	const char	*key, *val;
	size_t		 klen;
	enum scan_path	 sub;

	if (++s->depth > SCAN_MAXDEPTH)
		return -1;
	s->p++;
	for (;;) {
		scan_ws(s);
		if (s->p < s->end && *s->p == '}')
			break;
		if (s->p >= s->end || *s->p != '"' ||
		    scan_string(s, &key, &klen) == -1)
			return -1;
		scan_ws(s);
		if (s->p >= s->end || *s->p++ != ':')
			return -1;
		sub = SP_OTHER;
		if (path == SP_ROOT && klen == 7 && !memcmp(key, "payload", 7))
			sub = SP_PAYLOAD;
		scan_ws(s);
		val = s->p;
		if (scan_value(s, sub) == -1)
			return -1;
		if (path == SP_PAYLOAD && klen == 14 &&
		    !memcmp(key, "checksum_fnv64", 14) && *val != '"' &&
		    *val != '{' && *val != '[') {
			s->ck = val;
			s->cklen = s->p - val;
		}
		scan_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p >= s->end || *s->p != '}')
			return -1;
		break;
	}
	s->p++;
	s->depth--;
	return 0;
}

static int
scan_array(struct scan *s)
{
	if (++s->depth > SCAN_MAXDEPTH)
		return -1;
	s->p++;
	scan_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		if (scan_value(s, SP_OTHER) == -1)
			return -1;
		scan_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p >= s->end || *s->p++ != ']')
			return -1;
		break;
	}
	s->depth--;
	return 0;
}

/* A JSON number that is an unsigned integer below 2^64, all digits kept. */
static int
parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t	 v = 0;
	size_t		 i;
	unsigned	 d;

	if (n == 0 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = s[i] - '0';
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* A hex string, with or without 0x, of 1 to 16 digits. */
static int
parse_hex(const char *s, uint64_t *out)
{
	uint64_t	 v = 0;
	size_t		 i, n;
	int		 c;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	if (n == 0 || n > 16)
		return -1;
	for (i = 0; i < n; i++) {
		c = tolower((unsigned char)s[i]);
		if (c >= '0' && c <= '9')
			v = v << 4 | (c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (c - 'a' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/*
 * header_parse: check the JSON header (in a buffer we may modify) and
 * fill the info.  Returns 0 if the payload can be read, or -1 after
 * reporting why not.
 */
int
header_parse(struct verify *v, char *hdr, size_t len)
{
	struct scan	 s;
	json_t		*root;
	json_error_t	 err;
	size_t		 bad;
	uint64_t	 ck = 0;
	int		 exact = 0, rc;

	if (utf8_check((const uint8_t *)hdr, len, &bad) == -1) {
		verify_find(v, VF_HEADER_UTF8, VERIFY_ERROR,
		    VERIFY_FIXEDLEN + bad, "header byte 0x%02x is not UTF-8",
		    (uint8_t)hdr[bad]);
		return -1;
	}

	/* jansson keeps integers signed: take the checksum out first. */
	memset(&s, 0, sizeof(s));
	s.p = hdr;
	s.end = hdr + len;
	if (scan_value(&s, SP_ROOT) == 0 && s.ck != NULL) {
		if (parse_u64(s.ck, s.cklen, &ck) == -1) {
			verify_find(v, VF_HEADER_FIELD, VERIFY_ERROR,
			    VERIFY_FIXEDLEN + (s.ck - hdr),
			    "payload.checksum_fnv64 is not an unsigned "
			    "64-bit integer");
			return -1;
		}
		exact = 1;
		memset(hdr + (s.ck - hdr), ' ', s.cklen);
		hdr[s.ck - hdr] = '0';
	}

	/* jansson counts the bytes it read: point at the last of them. */
	root = json_loadb(hdr, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		verify_find(v, VF_HEADER_JSON, VERIFY_ERROR, VERIFY_FIXEDLEN +
		    (err.position > 0 ? (uint64_t)err.position - 1 : 0),
		    "header is not JSON: %.120s", err.text);
		return -1;
	}
	if (!json_is_object(root)) {
		verify_find(v, VF_HEADER_JSON, VERIFY_ERROR, VERIFY_FIXEDLEN,
		    "header is not a JSON object");
		json_decref(root);
		return -1;
	}
	rc = header_fields(v, root);
	if (rc == 0)
		rc = header_payload(v, json_object_get(root, "payload"),
		    exact, ck);
	json_decref(root);
	if (rc == 0)
		v->info.header_ok = 1;
	return rc;
}

static int
missing(struct verify *v, const char *what, const char *why)
{
	verify_find(v, VF_HEADER_FIELD, VERIFY_ERROR, VERIFY_FIXEDLEN,
	    "header field %s %s", what, why);
	return -1;
}

/* An integer field; required or not, within [0, max]. */
static int
get_uint(struct verify *v, json_t *obj, const char *key, const char *what,
    int required, uint64_t *out)
{
	json_t		*j = json_object_get(obj, key);
	json_int_t	 i;

	if (j == NULL)
		return required ? missing(v, what, "is missing") : 1;
	if (!json_is_integer(j))
		return missing(v, what, "is not an integer");
	if ((i = json_integer_value(j)) < 0)
		return missing(v, what, "is negative");
	*out = (uint64_t)i;
	return 0;
}

static int
header_fields(struct verify *v, json_t *root)
{
	json_t		*j;
	uint64_t	 minor;
	int		 rc;

	j = json_object_get(root, "pccx_lab_version");
	if (j == NULL)
		return missing(v, "pccx_lab_version", "is missing");
	if (!json_is_string(j))
		return missing(v, "pccx_lab_version", "is not a string");
	text_copy(v->info.lab_version, sizeof(v->info.lab_version),
	    json_string_value(j), json_string_length(j));

	if ((rc = get_uint(v, root, "format_minor", "format_minor", 0,
	    &minor)) == -1)
		return -1;
	if (rc == 0 && minor != v->info.minor)
		verify_find(v, VF_MINOR, VERIFY_ERROR, 5,
		    "minor version byte %u disagrees with format_minor %llu",
		    v->info.minor, (unsigned long long)minor);
	return header_trace(v, json_object_get(root, "trace"));
}

static int
header_trace(struct verify *v, json_t *t)
{
	int	 rc;

	if (t == NULL)
		return missing(v, "trace", "is missing");
	if (!json_is_object(t))
		return missing(v, "trace", "is not an object");
	if (get_uint(v, t, "cycles", "trace.cycles", 1,
	    &v->info.cycles) == -1 ||
	    get_uint(v, t, "cores", "trace.cores", 1, &v->info.cores) == -1)
		return -1;
	if (v->info.cores == 0 || v->info.cores > VERIFY_MAXCORES) {
		verify_find(v, VF_HEADER_FIELD, VERIFY_ERROR, VERIFY_FIXEDLEN,
		    "trace.cores %llu is outside 1 to %d",
		    (unsigned long long)v->info.cores, VERIFY_MAXCORES);
		return -1;
	}
	if (get_uint(v, t, "clock_mhz", "trace.clock_mhz", 0,
	    &v->info.clock_mhz) == -1)
		return -1;
	rc = get_uint(v, t, "events", "trace.events", 0,
	    &v->info.declared_events);
	if (rc == -1)
		return -1;
	v->info.has_declared_events = rc == 0;
	return 0;
}

static int
header_payload(struct verify *v, json_t *p, int exact, uint64_t ck)
{
	json_t		*j;
	const char	*e;

	if (p == NULL)
		return missing(v, "payload", "is missing");
	if (!json_is_object(p))
		return missing(v, "payload", "is not an object");
	if ((j = json_object_get(p, "encoding")) == NULL)
		return missing(v, "payload.encoding", "is missing");
	if (!json_is_string(j))
		return missing(v, "payload.encoding", "is not a string");
	e = json_string_value(j);
	text_copy(v->info.encoding, sizeof(v->info.encoding), e,
	    json_string_length(j));
	if (get_uint(v, p, "byte_length", "payload.byte_length", 1,
	    &v->info.byte_length) == -1)
		return -1;

	v->info.checksum = VERIFY_CK_ABSENT;
	if ((j = json_object_get(p, "checksum_fnv64")) != NULL) {
		if (!exact && json_is_string(j) &&
		    parse_hex(json_string_value(j), &ck) == 0)
			exact = 1;
		else if (!exact && json_is_integer(j) &&
		    json_integer_value(j) >= 0) {
			ck = json_integer_value(j);
			exact = 1;
		}
		if (!exact)
			return missing(v, "payload.checksum_fnv64",
			    "is neither a 64-bit integer nor a hex string");
		v->info.checksum = VERIFY_CK_UNCHECKED;
		v->info.checksum_want = ck;
	}

	if (strcmp(e, "bincode") == 0)
		v->enc = VE_BINCODE;
	else if (strcmp(e, "flatbuf") == 0)
		v->enc = VE_FLATBUF;
	else if (strcmp(e, "raw") == 0)
		v->enc = VE_RAW;
	else {
		verify_find(v, VF_ENCODING, VERIFY_ERROR, VERIFY_FIXEDLEN,
		    "payload.encoding \"%s\" is not bincode, flatbuf or raw",
		    v->info.encoding);
		return -1;
	}
	return 0;
}
