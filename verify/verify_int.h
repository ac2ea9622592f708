/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Internal state of the .pccx checker, shared by its source files. */

#ifndef PCCX_VERIFY_INT_H
#define PCCX_VERIFY_INT_H

#include <endian.h>
#include <string.h>

#include "verify.h"

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

#define PCC2_MAGIC	0x32434350U	/* "PCC2" read little-endian */
#define FB_RECLEN	24
#define BC_EVMIN	29	/* smallest bincode event */
#define BC_FIXEDLEN	28	/* core, start, duration, name length */

/* Where the stream is. */
enum vstate {
	VS_FIXED,	/* gathering the 16 fixed bytes */
	VS_HEADER,	/* gathering the JSON header */
	VS_PAYLOAD,
	VS_AFTER,	/* past byte_length: extra bytes */
	VS_STOP		/* nothing more can be learnt; count bytes */
};

enum vencoding {
	VE_NONE,
	VE_BINCODE,
	VE_FLATBUF,
	VE_RAW
};

/* Decoder states; one set for each encoding. */
enum dstate {
	BC_TOTAL,	/* u64 total cycles */
	BC_COUNT,	/* u64 event count */
	BC_FIXED,	/* core u32, start u64, duration u64, type len u64 */
	BC_TYPE,	/* type name bytes */
	BC_TAG,		/* option tag of the API name */
	BC_NLEN,	/* API name length */
	BC_NAME,	/* API name bytes */
	FB_REC,		/* a record, or the start of the name table */
	FB_TCOUNT,	/* name table entry count */
	FB_TENT,	/* entry name length u32 */
	FB_TNAME,	/* entry name bytes */
	D_DONE,		/* all content read; more is trailing */
	D_DEAD		/* malformed: stop decoding */
};

struct vcore {
	uint64_t	 last_start;
	uint64_t	 max_end;	/* latest end of any event */
	uint64_t	 busy;		/* union of non-API event time */
	uint64_t	 busy_end;	/* latest end of a non-API event */
	uint64_t	 events;
};

struct verify {
	struct verify_sink	 sink;
	struct golden		*golden;
	int			 flags;
	uint64_t		 progress_every;
	uint64_t		 next_progress;

	enum vstate		 state;
	uint64_t		 off;		/* file bytes consumed */
	uint8_t			 fixed[VERIFY_FIXEDLEN];
	char			*hdr;
	size_t			 nhdr;
	uint64_t		 payload_left;
	int			 hashing;
	uint64_t		 fnv;
	int			 finished;
	struct verify_info	 info;

	/* decoder */
	enum vencoding		 enc;
	enum dstate		 ds;
	uint8_t			 stage[32];
	size_t			 nstage, need;
	uint64_t		 strleft;	/* bytes of a string to go */
	uint64_t		 evleft;	/* bincode events to go */
	/* offset of current event */
	uint64_t		 evoff;
	uint32_t		 ev_core;
	uint64_t		 ev_start, ev_dur, ev_tlen;
	char			 tname[16];
	size_t			 ntname;
	char			 name[VERIFY_NAMEMAX + 1];
	size_t			 nname;
	uint64_t		 tab_left;	/* name table entries to go */
	/* API call the entry names */
	uint64_t		 tab_index;
	uint64_t		 tab_off;	/* the table's magic is here */
	const uint8_t		*bstart;	/* piece being decoded */
	uint64_t		 bbase;		/* its file offset */

	/* analysis */
	struct vcore		*cores;
	uint64_t		 ncores;
	/* ncores * VERIFY_TLBINS */
	uint64_t		*bins;
	uint64_t		 binw;
	struct verify_step	 step;
	int			 in_step;
	int			 prologue;	/* a step 0 was seen */
	struct verify_step	*steps;
	size_t			 nsteps, stepcap;
	uint64_t		 steps_dropped;
	struct verify_finding	*kept;
	size_t			 nkept;
	int			 nomem;
};

/* verify.c */
void	 verify_find(struct verify *, enum verify_code,
	    enum verify_severity, uint64_t, const char *, ...)
	    __attribute__((format(printf, 5, 6)));

/* header.c */
int	 header_parse(struct verify *, char *, size_t);
int	 utf8_check(const uint8_t *, size_t, size_t *);
void	 text_copy(char *, size_t, const char *, size_t);

/* summary.c */
const char *text_count(uint64_t);
void	 summary_figures(FILE *, const struct verify_info *);

/* analyse.c */
int	 analyse_init(struct verify *);
void	 analyse_event(struct verify *, uint32_t, uint64_t, uint64_t,
	    unsigned, uint64_t);
void	 analyse_api_name(struct verify *, const char *, size_t);
void	 analyse_api_number_name(struct verify *, uint64_t, const char *,
	    size_t);
void	 analyse_check_count(struct verify *);
void	 analyse_keep_step(struct verify *, const struct verify_step *);
void	 analyse_finish(struct verify *);
void	 analyse_free(struct verify *);

/* bincode.c, flatbuf.c: consume payload bytes, hashing them too. */
void	 bincode_feed(struct verify *, const uint8_t *, size_t);
void	 bincode_end(struct verify *);
void	 flatbuf_feed(struct verify *, const uint8_t *, size_t);
void	 flatbuf_end(struct verify *);
int	 bincode_type(const char *, size_t);

/* golden.c */
const struct golden_row *golden_find(const struct golden *, uint64_t);
void	 golden_check(struct verify *, struct verify_step *);
void	 golden_missing(struct verify *);

/* emit.c */
void	 emit_string(FILE *, const char *);
void	 emit_stringn(FILE *, const char *, size_t);
void	 emit_step_fields(FILE *, const struct verify_step *);

/* report.c, report_html.c */
void	 report_figures(char *, size_t, const struct verify_info *);
double	 report_util(const struct verify *, uint64_t);
int	 report_html(FILE *, const struct verify *);

/* Little-endian loads from unaligned bytes. */
static inline uint32_t
le32(const uint8_t *p)
{
	uint32_t	 v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline uint64_t
le64(const uint8_t *p)
{
	uint64_t	 v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static inline uint64_t
fnv_update(uint64_t h, const uint8_t *p, size_t n)
{
	while (n-- > 0) {
		h ^= *p++;
		h *= FNV_PRIME;
	}
	return h;
}

/* Hash bytes that the decoders consume, when a checksum is wanted. */
static inline void
verify_hash(struct verify *v, const uint8_t *p, size_t n)
{
	if (v->hashing)
		v->fnv = fnv_update(v->fnv, p, n);
}

#endif
