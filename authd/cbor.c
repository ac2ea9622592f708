/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* A bounded, non-recursive CBOR decoder for WebAuthn structures. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "authd/cbor.h"

/* An open container: its item, and how many children are still due. */
struct cbor_frame {
	uint32_t		 idx;
	uint32_t		 left;
};

struct cbor_state {
	struct cbor_doc		*doc;
	const uint8_t		*buf;
	size_t			 len;
	size_t			 pos;
	struct cbor_frame	 stack[CBOR_MAXDEPTH];
	size_t			 depth;
};

static enum cbor_err	 cbor_head(struct cbor_state *, int *, uint64_t *);
static enum cbor_err	 cbor_payload(struct cbor_state *,
			    struct cbor_item *, int, uint64_t *);
static enum cbor_err	 cbor_item(struct cbor_state *);
static enum cbor_err	 cbor_close(struct cbor_state *);
static enum cbor_err	 cbor_dupkeys(const struct cbor_doc *, uint32_t);
static int		 cbor_utf8(const uint8_t *, size_t);
static int		 cbor_key_eq(const struct cbor_item *,
			    const struct cbor_item *);

static const char *const cbor_errs[] = {
	[CBOR_OK] = "ok",
	[CBOR_ERR_TRUNCATED] = "truncated",
	[CBOR_ERR_TRAILING] = "trailing bytes",
	[CBOR_ERR_SIZE] = "too long",
	[CBOR_ERR_DEPTH] = "too deep",
	[CBOR_ERR_ITEMS] = "too many items",
	[CBOR_ERR_UNSUPPORTED] = "unsupported item",
	[CBOR_ERR_NONCANONICAL] = "non-canonical encoding",
	[CBOR_ERR_UTF8] = "invalid utf-8",
	[CBOR_ERR_KEY] = "bad map key",
	[CBOR_ERR_DUPKEY] = "duplicate map key",
};

/* A short name for each decoder error. */
const char *
wcbor_strerror(enum cbor_err e)
{
	if ((size_t)e >= sizeof(cbor_errs) / sizeof(cbor_errs[0]))
		return "unknown";
	return cbor_errs[e];
}

/*
 * Read an initial byte and its argument.  Major type 7 keeps only
 * false, true and null; tags, floats, reserved and indefinite lengths
 * are refused before any argument is read.
 */
static enum cbor_err
cbor_head(struct cbor_state *st, int *major, uint64_t *arg)
{
	static const uint64_t	 least[] = { 24, 0x100, 0x10000,
				    0x100000000ULL };
	size_t			 n, i;
	uint8_t			 b;
	int			 ai;

	if (st->pos >= st->len)
		return CBOR_ERR_TRUNCATED;
	b = st->buf[st->pos++];
	*major = b >> 5;
	ai = b & 0x1f;
	if (*major == 6)
		return CBOR_ERR_UNSUPPORTED;
	if (*major == 7) {
		if (ai < 20 || ai > 22)
			return CBOR_ERR_UNSUPPORTED;
		*arg = ai;
		return CBOR_OK;
	}
	if (ai < 24) {
		*arg = ai;
		return CBOR_OK;
	}
	if (ai > 27)
		return CBOR_ERR_UNSUPPORTED;
	n = (size_t)1 << (ai - 24);
	if (st->len - st->pos < n)
		return CBOR_ERR_TRUNCATED;
	*arg = 0;
	for (i = 0; i < n; i++)
		*arg = *arg << 8 | st->buf[st->pos++];
	if (*arg < least[ai - 24])
		return CBOR_ERR_NONCANONICAL;
	return CBOR_OK;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static int
cbor_utf8(const uint8_t *p, size_t n)
{
	size_t		 i = 0, k, more;
	uint32_t	 c, min;

	while (i < n) {
		c = p[i++];
		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			c &= 0x07;
			min = 0x10000;
		} else
			return -1;
		if (n - i < more)
			return -1;
		for (k = 0; k < more; k++, i++) {
			if ((p[i] & 0xc0) != 0x80)
				return -1;
			c = c << 6 | (p[i] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return -1;
	}
	return 0;
}

/*
 * What follows a head: a string's bytes, or for a container the number
 * of children to come, which must fit in the items left.
 */
static enum cbor_err
cbor_payload(struct cbor_state *st, struct cbor_item *it, int major,
    uint64_t *kids)
{
	uint64_t	 n = it->val;

	*kids = 0;
	if (major == 2 || major == 3) {
		if (n > st->len - st->pos)
			return CBOR_ERR_TRUNCATED;
		it->ptr = st->buf + st->pos;
		st->pos += n;
		if (major == 3 && cbor_utf8(it->ptr, n) == -1)
			return CBOR_ERR_UTF8;
	} else if (major == 4 || major == 5) {
		if (n > CBOR_MAXITEMS)
			return CBOR_ERR_ITEMS;
		*kids = major == 5 ? 2 * n : n;
		if (*kids > CBOR_MAXITEMS - st->doc->nitems - 1)
			return CBOR_ERR_ITEMS;
	}
	return CBOR_OK;
}

/* Decode the item at st->pos, append it, and open it if a container. */
static enum cbor_err
cbor_item(struct cbor_state *st)
{
	static const enum cbor_type types[] = { CBOR_UINT, CBOR_NINT,
	    CBOR_BYTES, CBOR_TEXT, CBOR_ARRAY, CBOR_MAP };
	struct cbor_doc		*doc = st->doc;
	struct cbor_frame	*top = NULL;
	struct cbor_item	*it;
	enum cbor_err		 e;
	uint64_t		 arg, kids = 0;
	uint32_t		 off = st->pos;
	int			 major, key = 0;

	if (doc->nitems >= CBOR_MAXITEMS)
		return CBOR_ERR_ITEMS;
	if (st->depth > 0) {
		top = &st->stack[st->depth - 1];
		key = doc->items[top->idx].type == CBOR_MAP &&
		    top->left % 2 == 0;
		top->left--;
	}
	if ((e = cbor_head(st, &major, &arg)) != CBOR_OK)
		return e;
	if (key && major != 0 && major != 1 && major != 3)
		return CBOR_ERR_KEY;

	it = &doc->items[doc->nitems];
	memset(it, 0, sizeof(*it));
	it->off = off;
	it->val = arg;
	if (major == 7)
		it->type = arg == 20 ? CBOR_FALSE :
		    arg == 21 ? CBOR_TRUE : CBOR_NULL;
	else
		it->type = types[major];

	if ((e = cbor_payload(st, it, major, &kids)) != CBOR_OK)
		return e;
	doc->nitems++;

	if (kids > 0) {
		if (st->depth >= CBOR_MAXDEPTH)
			return CBOR_ERR_DEPTH;
		st->stack[st->depth].idx = doc->nitems - 1;
		st->stack[st->depth].left = kids;
		st->depth++;
		return CBOR_OK;
	}
	it->end = st->pos;
	it->next = doc->nitems;
	return cbor_close(st);
}

/* Close every container whose last child has just been decoded. */
static enum cbor_err
cbor_close(struct cbor_state *st)
{
	struct cbor_doc		*doc = st->doc;
	struct cbor_item	*it;
	enum cbor_err		 e;

	while (st->depth > 0 && st->stack[st->depth - 1].left == 0) {
		it = &doc->items[st->stack[st->depth - 1].idx];
		it->end = st->pos;
		it->next = doc->nitems;
		if (it->type == CBOR_MAP && (e = cbor_dupkeys(doc,
		    st->stack[st->depth - 1].idx)) != CBOR_OK)
			return e;
		st->depth--;
	}
	return CBOR_OK;
}

static int
cbor_key_eq(const struct cbor_item *a, const struct cbor_item *b)
{
	if (a->type != b->type || a->val != b->val)
		return 0;
	return a->type != CBOR_TEXT || memcmp(a->ptr, b->ptr, a->val) == 0;
}

/*
 * Every key in shortest form, so equal keys have equal type, value and
 * bytes.  At most CBOR_MAXITEMS / 2 keys: the quadratic walk is small.
 */
static enum cbor_err
cbor_dupkeys(const struct cbor_doc *doc, uint32_t map)
{
	const struct cbor_item	*items = doc->items;
	uint32_t		 a, b;
	uint64_t		 i, j, n = items[map].val;

	a = map + 1;
	for (i = 0; i < n; i++) {
		b = items[items[a].next].next;
		for (j = i + 1; j < n; j++) {
			if (cbor_key_eq(&items[a], &items[b]))
				return CBOR_ERR_DUPKEY;
			b = items[items[b].next].next;
		}
		a = items[items[a].next].next;
	}
	return CBOR_OK;
}

/*
 * Decode one item from the start of buf: items one after another,
 * closing containers as their last child ends, until nothing is open.
 */
enum cbor_err
wcbor_parse_prefix(struct cbor_doc *doc, const uint8_t *buf, size_t len,
    size_t *used)
{
	struct cbor_state	 st;
	enum cbor_err		 e;

	memset(&st, 0, sizeof(st));
	doc->buf = buf;
	doc->len = 0;
	doc->nitems = 0;
	if (len > CBOR_MAXSIZE)
		return CBOR_ERR_SIZE;
	st.doc = doc;
	st.buf = buf;
	st.len = len;
	do {
		if ((e = cbor_item(&st)) != CBOR_OK)
			return e;
	} while (st.depth > 0);
	doc->len = st.pos;
	*used = st.pos;
	return CBOR_OK;
}

/* Decode one item that must fill buf exactly. */
enum cbor_err
wcbor_parse(struct cbor_doc *doc, const uint8_t *buf, size_t len)
{
	enum cbor_err	 e;
	size_t		 used;

	if ((e = wcbor_parse_prefix(doc, buf, len, &used)) != CBOR_OK)
		return e;
	if (used != len)
		return CBOR_ERR_TRAILING;
	return CBOR_OK;
}

/* The n-th child of an array or map, found by skipping subtrees. */
int
wcbor_child(const struct cbor_doc *doc, int idx, size_t n)
{
	const struct cbor_item	*it;
	uint64_t		 kids;
	uint32_t		 c;
	size_t			 i;

	if (idx < 0 || (size_t)idx >= doc->nitems)
		return -1;
	it = &doc->items[idx];
	if (it->type == CBOR_ARRAY)
		kids = it->val;
	else if (it->type == CBOR_MAP)
		kids = 2 * it->val;
	else
		return -1;
	if (n >= kids)
		return -1;
	c = idx + 1;
	for (i = 0; i < n; i++)
		c = doc->items[c].next;
	return c;
}

/* Find a key by a predicate on key items; return its value's index. */
static int
cbor_map_find(const struct cbor_doc *doc, int map,
    int (*match)(const struct cbor_item *, const void *), const void *arg)
{
	const struct cbor_item	*items = doc->items;
	uint32_t		 k, v;
	uint64_t		 i;

	if (map < 0 || (size_t)map >= doc->nitems ||
	    items[map].type != CBOR_MAP)
		return -1;
	k = map + 1;
	for (i = 0; i < items[map].val; i++) {
		v = items[k].next;
		if (match(&items[k], arg))
			return v;
		k = items[v].next;
	}
	return -1;
}

static int
cbor_match_int(const struct cbor_item *it, const void *arg)
{
	int64_t		 key = *(const int64_t *)arg;

	if (key >= 0)
		return it->type == CBOR_UINT && it->val == (uint64_t)key;
	return it->type == CBOR_NINT && it->val == (uint64_t)(-(key + 1));
}

static int
cbor_match_text(const struct cbor_item *it, const void *arg)
{
	const char	*s = arg;
	size_t		 n = strlen(s);

	return it->type == CBOR_TEXT && it->val == n &&
	    memcmp(it->ptr, s, n) == 0;
}

/* The value under an integer key, or -1. */
int
wcbor_map_int(const struct cbor_doc *doc, int map, int64_t key)
{
	return cbor_map_find(doc, map, cbor_match_int, &key);
}

/* The value under a text key, or -1. */
int
wcbor_map_text(const struct cbor_doc *doc, int map, const char *key)
{
	return cbor_map_find(doc, map, cbor_match_text, key);
}

/* An integer item as int64_t, or -1 when it does not fit. */
int
wcbor_get_int(const struct cbor_doc *doc, int idx, int64_t *v)
{
	const struct cbor_item	*it;

	if (idx < 0 || (size_t)idx >= doc->nitems)
		return -1;
	it = &doc->items[idx];
	if ((it->type != CBOR_UINT && it->type != CBOR_NINT) ||
	    it->val > INT64_MAX)
		return -1;
	*v = it->type == CBOR_UINT ? (int64_t)it->val :
	    -1 - (int64_t)it->val;
	return 0;
}
