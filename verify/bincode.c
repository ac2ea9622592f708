/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Streaming decoder of the bincode payload (a serialised Rust trace). */

#include "verify_int.h"

/*
 * Layout, all integers little-endian: u64 total cycles, u64 event
 * count, then per event: u32 core, u64 start, u64 duration, u64 type
 * name length and its bytes, u8 option tag (0 none, 1 some), and with
 * tag 1 a u64 API name length and its bytes.
 */

#define OFF(v, q)	((v)->bbase + (uint64_t)((q) - (v)->bstart))
#define TYPE_MAXLEN	15	/* longer names are never known */

static const uint8_t *bc_fast(struct verify *, const uint8_t *,
		    const uint8_t *);
static const uint8_t *bc_slow(struct verify *, const uint8_t *,
		    const uint8_t *);
static const uint8_t *bc_string(struct verify *, const uint8_t *,
		    const uint8_t *);
static void	 bc_field(struct verify *, uint64_t);
static void	 bc_fixed(struct verify *, uint64_t);
static void	 bc_event(struct verify *, int);
static void	 bc_bad_type(struct verify *, uint64_t, const char *,
		    size_t);

static uint64_t
payload_rest(const struct verify *v, uint64_t off)
{
	uint64_t	 e = v->info.payload_offset + v->info.byte_length;

	return off < e ? e - off : 0;
}

/* bincode_type: the type a bincode name stands for, or -1. */
int
bincode_type(const char *s, size_t n)
{
	switch (n) {
	case 7:
		return memcmp(s, "UNKNOWN", 7) ? -1 : VT_UNKNOWN;
	case 8:
		if (memcmp(s, "DMA_READ", 8) == 0)
			return VT_DMA_READ;
		return memcmp(s, "API_CALL", 8) ? -1 : VT_API;
	case 9:
		return memcmp(s, "DMA_WRITE", 9) ? -1 : VT_DMA_WRITE;
	case 11:
		return memcmp(s, "MAC_COMPUTE", 11) ? -1 : VT_MAC;
	case 12:
		return memcmp(s, "BARRIER_SYNC", 12) ? -1 : VT_BARRIER;
	case 14:
		return memcmp(s, "SYSTOLIC_STALL", 14) ? -1 : VT_STALL;
	default:
		return -1;
	}
}

/*
 * bincode_feed: decode the next payload bytes (never past the payload),
 * hashing each byte once.  Whole events inside the piece take the fast
 * path; an event cut by the piece's end goes through the state machine.
 */
void
bincode_feed(struct verify *v, const uint8_t *p, size_t n)
{
	const uint8_t	*end = p + n;

	v->bstart = p;
	v->bbase = v->off;
	while (p < end) {
		if (v->ds == BC_FIXED && v->nstage == 0) {
			if ((p = bc_fast(v, p, end)) == end)
				break;
			if (v->ds == BC_FIXED)
				v->evoff = OFF(v, p);
		}
		p = bc_slow(v, p, end);
	}
}

static const uint8_t *
bc_fast(struct verify *v, const uint8_t *p, const uint8_t *end)
{
	const uint8_t	*q;
	uint64_t	 h = v->fnv, tlen, nlen, len;
	int		 type;

	while (v->evleft > 0 && end - p > BC_FIXEDLEN) {
		tlen = le64(p + 20);
		if (tlen > TYPE_MAXLEN ||
		    (uint64_t)(end - p) <= BC_FIXEDLEN + tlen)
			break;
		q = p + BC_FIXEDLEN + tlen;
		len = BC_FIXEDLEN + tlen + 1;
		nlen = 0;
		if (*q == 1) {
			if (end - q < 9 ||
			    (nlen = le64(q + 1)) > (uint64_t)(end - q) - 9)
				break;
			len += 8 + nlen;
		} else if (*q != 0)
			break;

		if (v->hashing)
			h = fnv_update(h, p, len);
		type = bincode_type((const char *)p + BC_FIXEDLEN, tlen);
		if (type < 0) {
			bc_bad_type(v, OFF(v, p), (const char *)p +
			    BC_FIXEDLEN, tlen);
			type = VT_UNKNOWN;
		}
		analyse_event(v, le32(p), le64(p + 4), le64(p + 12), type,
		    OFF(v, p));
		if (type == VT_API && *q == 1)
			analyse_api_name(v, (const char *)q + 9, nlen);
		v->evleft--;
		p += len;
	}
	v->fnv = h;
	if (v->evleft == 0)
		v->ds = D_DONE;
	return p;
}

static const uint8_t *
bc_slow(struct verify *v, const uint8_t *p, const uint8_t *end)
{
	size_t	 n = end - p;

	switch (v->ds) {
	case BC_TYPE:
	case BC_NAME:
		return bc_string(v, p, end);
	case D_DONE:
		verify_find(v, VF_TRAILING, VERIFY_ERROR, OFF(v, p),
		    "%llu bytes follow the last event inside the payload",
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
	if (v->nstage == v->need) {
		v->nstage = 0;
		bc_field(v, OFF(v, p + n));
	}
	return p + n;
}

static const uint8_t *
bc_string(struct verify *v, const uint8_t *p, const uint8_t *end)
{
	size_t	 n = end - p, keep;

	if (n > v->strleft)
		n = v->strleft;
	if (v->ds == BC_TYPE) {
		keep = sizeof(v->tname) - v->ntname;
		keep = keep < n ? keep : n;
		memcpy(v->tname + v->ntname, p, keep);
		v->ntname += keep;
	} else {
		keep = VERIFY_NAMEMAX - v->nname;
		keep = keep < n ? keep : n;
		memcpy(v->name + v->nname, p, keep);
		v->nname += keep;
	}
	verify_hash(v, p, n);
	v->strleft -= n;
	if (v->strleft == 0) {
		if (v->ds == BC_TYPE) {
			v->ds = BC_TAG;
			v->need = 1;
		} else
			bc_event(v, 1);
	}
	return p + n;
}

/* A fixed field is staged; next is the offset just past it. */
static void
bc_field(struct verify *v, uint64_t next)
{
	uint64_t	 at = next - v->need, x;

	switch (v->ds) {
	case BC_TOTAL:
		if ((x = le64(v->stage)) != v->info.cycles)
			verify_find(v, VF_TOTAL_CYCLES, VERIFY_ERROR, at,
			    "payload total cycles %llu differ from "
			    "trace.cycles %llu", (unsigned long long)x,
			    (unsigned long long)v->info.cycles);
		v->ds = BC_COUNT;
		v->need = 8;
		break;
	case BC_COUNT:
		x = le64(v->stage);
		if (x > payload_rest(v, next) / BC_EVMIN) {
			verify_find(v, VF_LENGTH_PREFIX, VERIFY_ERROR, at,
			    "event count %llu points past the payload: "
			    "%llu bytes hold at most %llu events",
			    (unsigned long long)x,
			    (unsigned long long)payload_rest(v, next),
			    (unsigned long long)payload_rest(v, next) /
			    BC_EVMIN);
			v->ds = D_DEAD;
			break;
		}
		v->evleft = x;
		v->ds = x > 0 ? BC_FIXED : D_DONE;
		v->need = BC_FIXEDLEN;
		break;
	case BC_FIXED:
		bc_fixed(v, next);
		break;
	case BC_TAG:
		if (v->stage[0] == 0)
			bc_event(v, 0);
		else if (v->stage[0] == 1) {
			v->ds = BC_NLEN;
			v->need = 8;
		} else {
			verify_find(v, VF_OPTION_TAG, VERIFY_ERROR, at,
			    "API name option tag is %u, not 0 or 1",
			    v->stage[0]);
			v->ds = D_DEAD;
		}
		break;
	case BC_NLEN:
		x = le64(v->stage);
		if (x > payload_rest(v, next)) {
			verify_find(v, VF_LENGTH_PREFIX, VERIFY_ERROR, at,
			    "API name length %llu points past the payload",
			    (unsigned long long)x);
			v->ds = D_DEAD;
			break;
		}
		v->strleft = x;
		v->nname = 0;
		v->ds = BC_NAME;
		if (x == 0)
			bc_event(v, 1);
		break;
	default:
		break;
	}
}

static void
bc_fixed(struct verify *v, uint64_t next)
{
	v->ev_core = le32(v->stage);
	v->ev_start = le64(v->stage + 4);
	v->ev_dur = le64(v->stage + 12);
	v->ev_tlen = le64(v->stage + 20);
	if (v->ev_tlen >= payload_rest(v, next)) {
		verify_find(v, VF_LENGTH_PREFIX, VERIFY_ERROR, next - 8,
		    "event type length %llu points past the payload",
		    (unsigned long long)v->ev_tlen);
		v->ds = D_DEAD;
		return;
	}
	v->ntname = 0;
	v->strleft = v->ev_tlen;
	v->ds = BC_TYPE;
	if (v->ev_tlen == 0) {
		v->ds = BC_TAG;
		v->need = 1;
	}
}

static void
bc_event(struct verify *v, int named)
{
	int	 type;

	type = bincode_type(v->tname, v->ev_tlen);
	if (type < 0) {
		bc_bad_type(v, v->evoff, v->tname, v->ntname);
		type = VT_UNKNOWN;
	}
	analyse_event(v, v->ev_core, v->ev_start, v->ev_dur, type, v->evoff);
	if (type == VT_API && named)
		analyse_api_name(v, v->name, v->nname);
	v->evleft--;
	v->ds = v->evleft > 0 ? BC_FIXED : D_DONE;
	v->need = BC_FIXEDLEN;
	v->nstage = 0;
}

static void
bc_bad_type(struct verify *v, uint64_t evoff, const char *name, size_t n)
{
	char	 buf[24];

	text_copy(buf, sizeof(buf), name, n);
	verify_find(v, VF_TYPE, VERIFY_ERROR, evoff + BC_FIXEDLEN,
	    "unknown event type \"%s\"", buf);
}

/* bincode_end: the payload is all read; it must end after an event. */
void
bincode_end(struct verify *v)
{
	switch (v->ds) {
	case D_DONE:
		analyse_check_count(v);
		break;
	case D_DEAD:
		break;
	case BC_TOTAL:
	case BC_COUNT:
		verify_find(v, VF_RECORD, VERIFY_ERROR, v->info.payload_offset,
		    "payload of %llu bytes ends inside the 16-byte bincode "
		    "preamble", (unsigned long long)v->info.byte_length);
		break;
	default:
		verify_find(v, VF_LENGTH_PREFIX, VERIFY_ERROR,
		    v->info.payload_offset + 8, "event count %llu points past "
		    "the payload: it ends inside event %llu at byte %llu",
		    (unsigned long long)(v->info.events + v->evleft),
		    (unsigned long long)v->info.events,
		    (unsigned long long)v->evoff);
		break;
	}
}
