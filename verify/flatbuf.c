/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Streaming decoder of the flatbuf payload: fixed records, name table. */

#include "verify_int.h"

/*
 * Layout, all integers little-endian.  Records of 24 bytes: u32 core,
 * u64 start, u64 duration, u32 type id.  Optionally, after the last
 * record, a name table: the bytes "PCC2", a u32 entry count equal to
 * the number of API_CALL records, then per entry a u32 length and
 * that many bytes of UTF-8, the name of the n-th API_CALL.  A record
 * never starts with "PCC2": read as a core id it is far above
 * VERIFY_MAXCORES, so the table is found without a count up front.
 */

#define OFF(v, q)	((v)->bbase + (uint64_t)((q) - (v)->bstart))

static const uint8_t *fb_fast(struct verify *, const uint8_t *,
		    const uint8_t *);
static const uint8_t *fb_slow(struct verify *, const uint8_t *,
		    const uint8_t *);
static const uint8_t *fb_string(struct verify *, const uint8_t *,
		    const uint8_t *);
static void	 fb_field(struct verify *, uint64_t);
static void	 fb_record(struct verify *, const uint8_t *, uint64_t);
static void	 fb_name_done(struct verify *);

static uint64_t
payload_rest(const struct verify *v, uint64_t off)
{
	uint64_t	 e = v->info.payload_offset + v->info.byte_length;

	return off < e ? e - off : 0;
}

/*
 * flatbuf_feed: decode the next payload bytes, hashing each once.
 * Whole records with a known core and type take the fast path.
 */
void
flatbuf_feed(struct verify *v, const uint8_t *p, size_t n)
{
	const uint8_t	*end = p + n;

	v->bstart = p;
	v->bbase = v->off;
	while (p < end) {
		if (v->ds == FB_REC && v->nstage == 0) {
			if ((p = fb_fast(v, p, end)) == end)
				break;
			v->evoff = OFF(v, p);
		}
		p = fb_slow(v, p, end);
	}
}

static const uint8_t *
fb_fast(struct verify *v, const uint8_t *p, const uint8_t *end)
{
	uint64_t	 h = v->fnv;
	uint32_t	 core, type;

	while (end - p >= FB_RECLEN) {
		core = le32(p);
		type = le32(p + 20);
		if (core >= v->ncores || type >= VT_NTYPES)
			break;
		if (v->hashing)
			h = fnv_update(h, p, FB_RECLEN);
		analyse_event(v, core, le64(p + 4), le64(p + 12), type,
		    OFF(v, p));
		p += FB_RECLEN;
	}
	v->fnv = h;
	return p;
}

static const uint8_t *
fb_slow(struct verify *v, const uint8_t *p, const uint8_t *end)
{
	size_t	 n = end - p;

	switch (v->ds) {
	case FB_TNAME:
		return fb_string(v, p, end);
	case D_DONE:
		verify_find(v, VF_TRAILING, VERIFY_ERROR, OFF(v, p),
		    "%llu bytes follow the name table inside the payload",
		    (unsigned long long)payload_rest(v, OFF(v, p)));
		v->ds = D_DEAD;
		/* FALLTHROUGH */
	case D_DEAD:
		verify_hash(v, p, n);
		return end;
	default:
		break;
	}
	if (n > v->need - v->nstage)
		n = v->need - v->nstage;
	memcpy(v->stage + v->nstage, p, n);
	verify_hash(v, p, n);
	v->nstage += n;
	if (v->nstage == v->need)
		fb_field(v, OFF(v, p + n));
	return p + n;
}

static const uint8_t *
fb_string(struct verify *v, const uint8_t *p, const uint8_t *end)
{
	size_t	 n = end - p, keep;

	if (n > v->strleft)
		n = v->strleft;
	keep = VERIFY_NAMEMAX - v->nname;
	keep = keep < n ? keep : n;
	memcpy(v->name + v->nname, p, keep);
	v->nname += keep;
	verify_hash(v, p, n);
	v->strleft -= n;
	if (v->strleft == 0)
		fb_name_done(v);
	return p + n;
}

/* Staged bytes are complete; next is the offset just past them. */
static void
fb_field(struct verify *v, uint64_t next)
{
	uint64_t	 at = next - v->need, x;

	v->nstage = 0;
	switch (v->ds) {
	case FB_REC:
		if (v->need == 4 && le32(v->stage) == PCC2_MAGIC) {
			v->tab_off = at;
			v->ds = FB_TCOUNT;
		} else if (v->need == 4) {
			v->nstage = 4;
			v->need = FB_RECLEN;
			return;
		} else
			fb_record(v, v->stage, v->evoff);
		v->need = 4;
		break;
	case FB_TCOUNT:
		x = le32(v->stage);
		if (x > payload_rest(v, next) / 4) {
			verify_find(v, VF_LENGTH_PREFIX, VERIFY_ERROR, at,
			    "name table count %llu points past the payload",
			    (unsigned long long)x);
			v->ds = D_DEAD;
			break;
		}
		if (x != v->info.api_calls)
			verify_find(v, VF_NAME, VERIFY_ERROR, v->tab_off,
			    "name table has %llu names for %llu API calls",
			    (unsigned long long)x,
			    (unsigned long long)v->info.api_calls);
		v->tab_left = x;
		v->tab_index = 0;
		v->ds = x > 0 ? FB_TENT : D_DONE;
		break;
	case FB_TENT:
		x = le32(v->stage);
		if (x > payload_rest(v, next)) {
			verify_find(v, VF_LENGTH_PREFIX, VERIFY_ERROR, at,
			    "name length %llu points past the payload",
			    (unsigned long long)x);
			v->ds = D_DEAD;
			break;
		}
		v->strleft = x;
		v->nname = 0;
		v->ds = FB_TNAME;
		if (x == 0)
			fb_name_done(v);
		break;
	default:
		break;
	}
}

static void
fb_record(struct verify *v, const uint8_t *rec, uint64_t off)
{
	uint32_t	 type = le32(rec + 20);

	if (type >= VT_NTYPES) {
		verify_find(v, VF_TYPE, VERIFY_ERROR, off + 20,
		    "unknown event type id %u", type);
		type = VT_UNKNOWN;
	}
	analyse_event(v, le32(rec), le64(rec + 4), le64(rec + 12), type, off);
}

static void
fb_name_done(struct verify *v)
{
	analyse_api_number_name(v, ++v->tab_index, v->name, v->nname);
	v->tab_left--;
	v->ds = v->tab_left > 0 ? FB_TENT : D_DONE;
	v->need = 4;
	v->nstage = 0;
}

/* flatbuf_end: the payload is all read; it must end on a boundary. */
void
flatbuf_end(struct verify *v)
{
	switch (v->ds) {
	case FB_REC:
		if (v->nstage > 0)
			verify_find(v, VF_RECORD, VERIFY_ERROR, v->evoff,
			    "payload ends inside a record, after %zu of its "
			    "%d bytes", v->nstage, FB_RECLEN);
		else
			analyse_check_count(v);
		break;
	case D_DONE:
		analyse_check_count(v);
		break;
	case D_DEAD:
		break;
	case FB_TCOUNT:
		verify_find(v, VF_RECORD, VERIFY_ERROR, v->tab_off,
		    "payload ends inside the name table count");
		break;
	default:
		verify_find(v, VF_LENGTH_PREFIX, VERIFY_ERROR, v->tab_off + 4,
		    "name table count %llu points past the payload: it ends "
		    "inside entry %llu",
		    (unsigned long long)(v->tab_index + v->tab_left),
		    (unsigned long long)v->tab_index);
		break;
	}
}
