/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Streaming checker and analyser of .pccx traces: the public interface. */

#ifndef PCCX_VERIFY_H
#define PCCX_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* magic, versions, length */
#define VERIFY_FIXEDLEN		16
#define VERIFY_MAXHEADER	(1024 * 1024)	/* larger is absurd */
/* state is kept per core */
#define VERIFY_MAXCORES		4096
/* bytes of an API name kept */
#define VERIFY_NAMEMAX		64
/* steps kept for a report */
#define VERIFY_MAXSTEPS		10000
/* findings kept for a report */
#define VERIFY_MAXKEPT		256
/* findings emitted per code */
#define VERIFY_EMITMAX		16
/* timeline columns per core */
#define VERIFY_TLBINS		200
#define VERIFY_CHUNK		(256 * 1024)	/* read size */

/* Event types, as numbered by the flatbuf encoding. */
enum verify_type {
	VT_UNKNOWN,
	VT_MAC,
	VT_DMA_READ,
	VT_DMA_WRITE,
	VT_STALL,
	VT_BARRIER,
	VT_API,
	VT_NTYPES
};

enum verify_severity {
	VERIFY_WARNING,
	VERIFY_ERROR
};

/* Kinds of structural finding; verify_code_name() gives the token. */
enum verify_code {
	VF_TRUNCATED,		/* file ends inside the fixed header */
	VF_MAGIC,
	VF_VERSION,
	VF_RESERVED,
	VF_MINOR,
	VF_HEADER_LENGTH,
	VF_HEADER_UTF8,
	VF_HEADER_JSON,
	VF_HEADER_FIELD,
	VF_ENCODING,
	VF_PAYLOAD_SHORT,
	VF_PAYLOAD_LONG,
	VF_CHECKSUM,
	VF_LENGTH_PREFIX,
	VF_CORE,
	VF_CYCLES,
	VF_TYPE,
	VF_OVERLAP,
	VF_ORDER,
	VF_RECORD,
	VF_OPTION_TAG,
	VF_TRAILING,
	VF_EVENT_COUNT,
	VF_TOTAL_CYCLES,
	VF_NAME,
	VF_NCODES
};

enum verify_checksum {
	VERIFY_CK_UNCHECKED,	/* payload never fully read */
	VERIFY_CK_ABSENT,	/* header carries none */
	VERIFY_CK_MATCH,
	VERIFY_CK_MISMATCH
};

enum verify_golden_state {
	VERIFY_GOLDEN_NONE,
	VERIFY_GOLDEN_PASS,
	VERIFY_GOLDEN_FAIL
};

/* Metrics of the golden diff, in the order they are reported. */
enum verify_metric {
	VM_MAC,
	VM_DMA_READ,
	VM_DMA_WRITE,
	VM_BARRIER,
	VM_CYCLES,
	VM_API,
	VM_NMETRICS
};

struct verify_finding {
	enum verify_code	 code;
	enum verify_severity	 severity;
	uint64_t		 offset;	/* byte offset in the file */
	char			 message[160];
};

struct verify_diff {
	/* metric present in the row */
	int			 checked;
	int			 pass;
	uint64_t		 expected;
	uint64_t		 actual;
	uint64_t		 allowed;	/* deviation tolerated */
};

/*
 * A step: the events from one API_CALL up to the next.  Step 0 holds
 * events read before the first API_CALL and exists only if there are
 * any; the n-th API_CALL opens step n.
 */
struct verify_step {
	uint64_t		 index;
	uint64_t		 offset;	/* file offset of first event */
	/* number of its first event */
	uint64_t		 first;
	uint64_t		 events;
	uint64_t		 count[VT_NTYPES];
	uint64_t		 start;		/* earliest start */
	uint64_t		 end;		/* latest end */
	/* 0: only in the reference */
	int			 present;
	char			 api[VERIFY_NAMEMAX + 1];
	enum verify_golden_state golden;
	struct verify_diff	 diff[VM_NMETRICS];
	char			 want_api[VERIFY_NAMEMAX + 1];
};

/* What has been learnt of the file so far; complete after finish. */
struct verify_info {
	uint64_t		 bytes;		/* bytes read */
	/* magic and major version */
	int			 fixed_ok;
	unsigned		 major, minor;
	int			 header_ok;
	uint64_t		 header_length;
	char			 lab_version[64];
	char			 encoding[16];
	uint64_t		 cores, cycles, clock_mhz;
	uint64_t		 byte_length;
	uint64_t		 payload_offset;
	uint64_t		 declared_events;	/* 0 if absent */
	int			 has_declared_events;
	enum verify_checksum	 checksum;
	uint64_t		 checksum_want, checksum_got;
	int			 analysed;	/* payload was decoded */
	uint64_t		 events;
	uint64_t		 api_calls;
	uint64_t		 steps;
	uint64_t		 type_count[VT_NTYPES];
	uint64_t		 type_cycles[VT_NTYPES];
	uint64_t		 findings, errors;
	uint64_t		 code_count[VF_NCODES];
	enum verify_golden_state golden;
	uint64_t		 golden_steps, golden_failed;
};

/* Callbacks, any of them NULL; called while the stream is read. */
struct verify_sink {
	void	(*finding)(void *, const struct verify_finding *);
	void	(*step)(void *, const struct verify_step *);
	void	(*progress)(void *, const struct verify_info *);
	void	(*verdict)(void *, const struct verify_info *);
	void	 *arg;
};

/* keep per-core timeline columns */
#define VERIFY_F_TIMELINE	0x01
#define VERIFY_F_KEEPSTEPS	0x02	/* keep steps for a report */

struct verify;
struct golden;

/*
 * verify_new: a checker for one stream.  The sink is copied; the
 * reference, if not NULL, must outlive the checker.  Returns NULL if
 * memory runs out.
 */
struct verify	*verify_new(const struct verify_sink *, struct golden *,
		    int);
/* verify_free: release a checker and all it holds. */
void		 verify_free(struct verify *);
/* verify_set_progress: emit progress every that many bytes (0: never). */
void		 verify_set_progress(struct verify *, uint64_t);

/*
 * verify_feed: hand the next bytes of the stream over, in pieces of any
 * size.  Findings and steps are reported through the sink as they are
 * seen.  Returns 0, or -1 if memory runs out.
 */
int		 verify_feed(struct verify *, const void *, size_t);
/*
 * verify_finish: the stream has ended; report what its end reveals,
 * close the last step, compare with the reference and emit the
 * verdict.  Call once.
 */
void		 verify_finish(struct verify *);
/*
 * verify_fd: read a descriptor to its end in VERIFY_CHUNK pieces, feed
 * each one, then finish.  Returns 0, or -1 with errno set if reading
 * failed (the checker is then left unfinished).
 */
int		 verify_fd(struct verify *, int);

/* verify_info: what is known of the stream; never NULL. */
const struct verify_info *verify_info(const struct verify *);
/* verify_passed: 1 if finished without error finding or diff failure. */
int		 verify_passed(const struct verify *);
/*
 * Names as written in the NDJSON and the reports: a kind of finding, an
 * event type, a golden metric, a checksum state.  Never NULL.
 */
const char	*verify_code_name(enum verify_code);
const char	*verify_type_name(enum verify_type);
const char	*verify_metric_name(enum verify_metric);
const char	*verify_checksum_name(enum verify_checksum);

/*
 * golden_load: read a reference profile (JSON Lines) from fp.  Each bad
 * line is reported through errfn with its number; if there was any,
 * NULL is returned.
 */
struct golden	*golden_load(FILE *, void (*)(void *, unsigned,
		    const char *), void *);
/* golden_free: release a reference (NULL is fine). */
void		 golden_free(struct golden *);
/* golden_rows: how many steps the reference describes. */
size_t		 golden_rows(const struct golden *);

/* Sinks and renderers. */
enum report_kind {
	REPORT_JSON,
	REPORT_MARKDOWN,
	REPORT_HTML
};

/* emit_ndjson_sink: a sink writing one JSON object per line to fp. */
void		 emit_ndjson_sink(struct verify_sink *, FILE *);
/* summary_write: a few lines for a person: figures, findings, verdict. */
void		 summary_write(FILE *, const struct verify *);
/*
 * report_write: render a finished checker's analysis.  The timeline
 * needs VERIFY_F_TIMELINE and the step table VERIFY_F_KEEPSTEPS.
 * Returns 0, or -1 if writing failed.
 */
int		 report_write(FILE *, enum report_kind,
		    const struct verify *);
/* report_kind_parse: "html", "md" or "json"; -1 if none of them. */
int		 report_kind_parse(const char *);

#endif
