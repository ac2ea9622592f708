/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The .pccx stream driver: fixed header, header, payload, findings. */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "verify_int.h"

static size_t	 feed_fixed(struct verify *, const uint8_t *, size_t);
static void	 check_fixed(struct verify *);
static size_t	 feed_header(struct verify *, const uint8_t *, size_t);
static int	 start_payload(struct verify *);
static size_t	 feed_payload(struct verify *, const uint8_t *, size_t);
static void	 end_payload(struct verify *);
static size_t	 feed_after(struct verify *, size_t);

static const char *code_names[VF_NCODES] = {
	[VF_TRUNCATED] = "truncated",
	[VF_MAGIC] = "magic",
	[VF_VERSION] = "version",
	[VF_RESERVED] = "reserved",
	[VF_MINOR] = "minor",
	[VF_HEADER_LENGTH] = "header_length",
	[VF_HEADER_UTF8] = "header_utf8",
	[VF_HEADER_JSON] = "header_json",
	[VF_HEADER_FIELD] = "header_field",
	[VF_ENCODING] = "encoding",
	[VF_PAYLOAD_SHORT] = "payload_short",
	[VF_PAYLOAD_LONG] = "payload_long",
	[VF_CHECKSUM] = "checksum",
	[VF_LENGTH_PREFIX] = "length_prefix",
	[VF_CORE] = "core",
	[VF_CYCLES] = "cycles",
	[VF_TYPE] = "type",
	[VF_OVERLAP] = "overlap",
	[VF_ORDER] = "order",
	[VF_RECORD] = "record",
	[VF_OPTION_TAG] = "option_tag",
	[VF_TRAILING] = "trailing",
	[VF_EVENT_COUNT] = "event_count",
	[VF_TOTAL_CYCLES] = "total_cycles",
	[VF_NAME] = "name",
};

static const char *type_names[VT_NTYPES] = {
	"UNKNOWN", "MAC_COMPUTE", "DMA_READ", "DMA_WRITE",
	"SYSTOLIC_STALL", "BARRIER_SYNC", "API_CALL"
};

static const char *metric_names[VM_NMETRICS] = {
	"mac", "dma_read", "dma_write", "barrier", "cycles", "api"
};

static const char *checksum_names[] = {
	"unchecked", "absent", "match", "mismatch"
};

/* verify_new: a checker waiting for the 16 fixed bytes. */
struct verify *
verify_new(const struct verify_sink *sink, struct golden *g, int flags)
{
	struct verify	*v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	if (sink != NULL)
		v->sink = *sink;
	v->golden = g;
	v->flags = flags;
	v->state = VS_FIXED;
	v->info.checksum = VERIFY_CK_UNCHECKED;
	return v;
}

/* verify_free: release a checker; NULL is fine. */
void
verify_free(struct verify *v)
{
	if (v == NULL)
		return;
	analyse_free(v);
	free(v->hdr);
	free(v->kept);
	free(v);
}

/*
 * verify_set_progress: a progress event each time that many more bytes
 * have been read; 0 for none.
 */
void
verify_set_progress(struct verify *v, uint64_t every)
{
	v->progress_every = every;
	v->next_progress = every;
}

/* verify_info: the figures learnt so far. */
const struct verify_info *
verify_info(const struct verify *v)
{
	return &v->info;
}

/* verify_passed: finished, no error finding and no golden failure. */
int
verify_passed(const struct verify *v)
{
	return v->finished && v->info.errors == 0 &&
	    v->info.golden != VERIFY_GOLDEN_FAIL;
}

/* verify_code_name: the token of a kind of finding, as in the NDJSON. */
const char *
verify_code_name(enum verify_code c)
{
	return (unsigned)c < VF_NCODES ? code_names[c] : "unknown";
}

/* verify_type_name: the bincode name of an event type. */
const char *
verify_type_name(enum verify_type t)
{
	return (unsigned)t < VT_NTYPES ? type_names[t] : "UNKNOWN";
}

/* verify_metric_name: the reference member a metric is read from. */
const char *
verify_metric_name(enum verify_metric m)
{
	return (unsigned)m < VM_NMETRICS ? metric_names[m] : "unknown";
}

/* verify_checksum_name: the checksum state as written in the verdict. */
const char *
verify_checksum_name(enum verify_checksum c)
{
	return (unsigned)c <= VERIFY_CK_MISMATCH ? checksum_names[c] :
	    "unknown";
}

/*
 * verify_find: record a structural finding at a file offset.  All are
 * counted; the first VERIFY_EMITMAX of each kind go to the sink and the
 * first VERIFY_MAXKEPT overall are kept for the report.
 */
void
verify_find(struct verify *v, enum verify_code code,
    enum verify_severity sev, uint64_t off, const char *fmt, ...)
{
	struct verify_finding	 f;
	va_list			 ap;

	v->info.findings++;
	if (sev == VERIFY_ERROR)
		v->info.errors++;
	if (++v->info.code_count[code] > VERIFY_EMITMAX &&
	    v->nkept >= VERIFY_MAXKEPT)
		return;

	memset(&f, 0, sizeof(f));
	f.code = code;
	f.severity = sev;
	f.offset = off;
	va_start(ap, fmt);
	vsnprintf(f.message, sizeof(f.message), fmt, ap);
	va_end(ap);

	if (v->nkept < VERIFY_MAXKEPT) {
		if (v->kept == NULL &&
		    (v->kept = calloc(VERIFY_MAXKEPT, sizeof(f))) == NULL)
			v->nomem = 1;
		else
			v->kept[v->nkept++] = f;
	}
	if (v->info.code_count[code] <= VERIFY_EMITMAX &&
	    v->sink.finding != NULL)
		v->sink.finding(v->sink.arg, &f);
}

/*
 * verify_feed: run the bytes through the state each belongs to: the fixed
 * header, the JSON header, the payload or what follows it.
 */
int
verify_feed(struct verify *v, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	size_t		 n;

	while (len > 0 && !v->nomem) {
		switch (v->state) {
		case VS_FIXED:
			n = feed_fixed(v, p, len);
			break;
		case VS_HEADER:
			n = feed_header(v, p, len);
			break;
		case VS_PAYLOAD:
			n = feed_payload(v, p, len);
			break;
		case VS_AFTER:
			n = feed_after(v, len);
			break;
		default:
			n = len;
			v->off += n;
			break;
		}
		p += n;
		len -= n;
	}
	v->info.bytes = v->off;
	if (v->progress_every != 0 && v->off >= v->next_progress) {
		while (v->next_progress <= v->off)
			v->next_progress += v->progress_every;
		if (v->sink.progress != NULL)
			v->sink.progress(v->sink.arg, &v->info);
	}
	return v->nomem ? -1 : 0;
}

static size_t
feed_fixed(struct verify *v, const uint8_t *p, size_t len)
{
	size_t	 n = VERIFY_FIXEDLEN - v->off;

	if (n > len)
		n = len;
	memcpy(v->fixed + v->off, p, n);
	v->off += n;
	if (v->off == VERIFY_FIXEDLEN)
		check_fixed(v);
	return n;
}

/* The 16 fixed bytes are in: check them and size the header. */
static void
check_fixed(struct verify *v)
{
	uint64_t	 hl;

	v->state = VS_STOP;
	if (memcmp(v->fixed, "PCCX", 4) != 0) {
		verify_find(v, VF_MAGIC, VERIFY_ERROR, 0,
		    "magic is not PCCX: not a .pccx file");
		return;
	}
	v->info.major = v->fixed[4];
	v->info.minor = v->fixed[5];
	if (v->info.major != 1) {
		verify_find(v, VF_VERSION, VERIFY_ERROR, 4,
		    "major version %u is not 1", v->info.major);
		return;
	}
	v->info.fixed_ok = 1;
	if (v->fixed[6] != 0 || v->fixed[7] != 0)
		verify_find(v, VF_RESERVED, VERIFY_ERROR,
		    v->fixed[6] != 0 ? 6 : 7,
		    "reserved bytes are 0x%02x 0x%02x, not zero",
		    v->fixed[6], v->fixed[7]);

	hl = le64(v->fixed + 8);
	v->info.header_length = hl;
	if (hl > VERIFY_MAXHEADER) {
		verify_find(v, VF_HEADER_LENGTH, VERIFY_ERROR, 8,
		    "header length %llu is absurd (more than %d)",
		    (unsigned long long)hl, VERIFY_MAXHEADER);
		return;
	}
	if ((v->hdr = malloc(hl + 1)) == NULL) {
		v->nomem = 1;
		return;
	}
	v->state = VS_HEADER;
	if (hl == 0)
		feed_header(v, NULL, 0);
}

static size_t
feed_header(struct verify *v, const uint8_t *p, size_t len)
{
	size_t	 n = v->info.header_length - v->nhdr;

	if (n > len)
		n = len;
	if (n > 0)
		memcpy(v->hdr + v->nhdr, p, n);
	v->nhdr += n;
	v->off += n;
	if (v->nhdr < v->info.header_length)
		return n;

	v->hdr[v->nhdr] = '\0';
	v->state = VS_STOP;
	if (header_parse(v, v->hdr, v->nhdr) == 0)
		start_payload(v);
	free(v->hdr);
	v->hdr = NULL;
	return n;
}

/* The header is good: set the decoder and the analysis up. */
static int
start_payload(struct verify *v)
{
	v->info.payload_offset = v->off;
	v->payload_left = v->info.byte_length;
	v->fnv = FNV_OFFSET;
	v->hashing = v->info.checksum != VERIFY_CK_ABSENT;
	v->state = VS_PAYLOAD;
	switch (v->enc) {
	case VE_BINCODE:
		v->ds = BC_TOTAL;
		v->need = 8;
		break;
	case VE_FLATBUF:
		v->ds = FB_REC;
		v->need = 4;
		break;
	default:
		v->ds = D_DONE;
		break;
	}
	v->info.analysed = v->enc != VE_RAW;
	if (v->info.analysed && analyse_init(v) == -1) {
		v->nomem = 1;
		return -1;
	}
	if (v->payload_left == 0)
		end_payload(v);
	return 0;
}

static size_t
feed_payload(struct verify *v, const uint8_t *p, size_t len)
{
	size_t	 n = len;

	if (n > v->payload_left)
		n = v->payload_left;
	switch (v->enc) {
	case VE_BINCODE:
		bincode_feed(v, p, n);
		break;
	case VE_FLATBUF:
		flatbuf_feed(v, p, n);
		break;
	default:
		verify_hash(v, p, n);
		break;
	}
	v->off += n;
	v->payload_left -= n;
	if (v->payload_left == 0)
		end_payload(v);
	return n;
}

/* Every payload byte is in: the decoder must be done, the sum right. */
static void
end_payload(struct verify *v)
{
	if (v->enc == VE_BINCODE)
		bincode_end(v);
	else if (v->enc == VE_FLATBUF)
		flatbuf_end(v);

	if (v->info.checksum != VERIFY_CK_ABSENT) {
		v->info.checksum_got = v->fnv;
		if (v->fnv == v->info.checksum_want)
			v->info.checksum = VERIFY_CK_MATCH;
		else {
			v->info.checksum = VERIFY_CK_MISMATCH;
			verify_find(v, VF_CHECKSUM, VERIFY_ERROR,
			    v->info.payload_offset, "payload FNV-1a-64 is "
			    "%016llx, header says %016llx",
			    (unsigned long long)v->fnv,
			    (unsigned long long)v->info.checksum_want);
		}
	}
	v->state = VS_AFTER;
}

static size_t
feed_after(struct verify *v, size_t len)
{
	verify_find(v, VF_PAYLOAD_LONG, VERIFY_ERROR, v->off,
	    "payload is longer than byte_length %llu: data goes on at "
	    "byte %llu", (unsigned long long)v->info.byte_length,
	    (unsigned long long)v->off);
	v->state = VS_STOP;
	v->off += len;
	return len;
}

/*
 * verify_finish: report a file cut short by where it stopped, close the
 * analysis and emit the verdict; only the first call counts.
 */
void
verify_finish(struct verify *v)
{
	if (v->finished)
		return;
	v->finished = 1;
	switch (v->state) {
	case VS_FIXED:
		verify_find(v, VF_TRUNCATED, VERIFY_ERROR, v->off,
		    "file ends at byte %llu, inside the %d-byte fixed header",
		    (unsigned long long)v->off, VERIFY_FIXEDLEN);
		break;
	case VS_HEADER:
		verify_find(v, VF_HEADER_LENGTH, VERIFY_ERROR, 8,
		    "header length %llu points past the end of the file "
		    "(byte %llu)", (unsigned long long)v->info.header_length,
		    (unsigned long long)v->off);
		break;
	case VS_PAYLOAD:
		verify_find(v, VF_PAYLOAD_SHORT, VERIFY_ERROR, v->off,
		    "payload ends at byte %llu, %llu bytes short of "
		    "byte_length %llu", (unsigned long long)v->off,
		    (unsigned long long)v->payload_left,
		    (unsigned long long)v->info.byte_length);
		break;
	default:
		break;
	}
	v->info.bytes = v->off;
	analyse_finish(v);
	if (v->sink.verdict != NULL)
		v->sink.verdict(v->sink.arg, &v->info);
}

/*
 * verify_fd: read fd to its end, VERIFY_CHUNK bytes at a time.  The
 * buffer is page-aligned: the kernel's copy from the page cache into
 * a buffer at another offset in its page took a fifth of the run on
 * AMD EPYC.
 */
int
verify_fd(struct verify *v, int fd)
{
	uint8_t	*buf;
	ssize_t	 n;

	if ((buf = aligned_alloc(4096, VERIFY_CHUNK)) == NULL)
		return -1;
	for (;;) {
		n = read(fd, buf, VERIFY_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (verify_feed(v, buf, n) == -1) {
			free(buf);
			errno = ENOMEM;
			return -1;
		}
	}
	free(buf);
	if (n == -1)
		return -1;
	verify_finish(v);
	return 0;
}
