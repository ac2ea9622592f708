/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The verdict as NDJSON: progress, finding, step and verdict events. */

#include <inttypes.h>

#include "verify_int.h"

static void	 emit_progress(void *, const struct verify_info *);
static void	 emit_finding(void *, const struct verify_finding *);
static void	 emit_step(void *, const struct verify_step *);
static void	 emit_verdict(void *, const struct verify_info *);

/*
 * emit_stringn: write bytes as a JSON string.  They must be UTF-8 (all
 * text kept by the checker is made so by text_copy).
 */
void
emit_stringn(FILE *fp, const char *s, size_t n)
{
	size_t		 i;
	unsigned char	 c;

	putc('"', fp);
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '"' || c == '\\') {
			putc('\\', fp);
			putc(c, fp);
		} else if (c == '\n')
			fputs("\\n", fp);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\u%04x", c);
		else
			putc(c, fp);
	}
	putc('"', fp);
}

/* emit_string: a NUL-terminated string as JSON. */
void
emit_string(FILE *fp, const char *s)
{
	emit_stringn(fp, s, strlen(s));
}

/*
 * emit_ndjson_sink: fill a sink that writes an NDJSON event per line to
 * fp, flushing after each finding, progress and verdict.
 */
void
emit_ndjson_sink(struct verify_sink *sink, FILE *fp)
{
	memset(sink, 0, sizeof(*sink));
	sink->progress = emit_progress;
	sink->finding = emit_finding;
	sink->step = emit_step;
	sink->verdict = emit_verdict;
	sink->arg = fp;
}

static void
emit_progress(void *arg, const struct verify_info *in)
{
	FILE	*fp = arg;

	fprintf(fp, "{\"event\":\"progress\",\"bytes\":%" PRIu64, in->bytes);
	if (in->header_ok)
		fprintf(fp, ",\"total\":%" PRIu64, in->payload_offset +
		    in->byte_length);
	fprintf(fp, ",\"events\":%" PRIu64 "}\n", in->events);
	fflush(fp);
}

static void
emit_finding(void *arg, const struct verify_finding *f)
{
	FILE	*fp = arg;

	fprintf(fp, "{\"event\":\"finding\",\"severity\":\"%s\","
	    "\"code\":\"%s\",\"offset\":%" PRIu64 ",\"message\":",
	    f->severity == VERIFY_ERROR ? "error" : "warning",
	    verify_code_name(f->code), f->offset);
	emit_string(fp, f->message);
	fputs("}\n", fp);
	fflush(fp);
}

static void
emit_diff(FILE *fp, const struct verify_step *st)
{
	const struct verify_diff	*d;
	int				 m, first = 1;

	fputs(",\"diff\":{", fp);
	for (m = 0; m < VM_NMETRICS; m++) {
		d = &st->diff[m];
		if (!d->checked)
			continue;
		fprintf(fp, "%s\"%s\":{", first ? "" : ",",
		    verify_metric_name(m));
		first = 0;
		if (m == VM_API) {
			fputs("\"expected\":", fp);
			emit_string(fp, st->want_api);
			fputs(",\"actual\":", fp);
			emit_string(fp, st->api);
		} else
			fprintf(fp, "\"expected\":%" PRIu64 ",\"actual\":%"
			    PRIu64 ",\"allowed\":%" PRIu64, d->expected,
			    d->actual, d->allowed);
		fprintf(fp, ",\"pass\":%s}", d->pass ? "true" : "false");
	}
	fputc('}', fp);
}

/*
 * emit_step_fields: the members of a step object, without braces, as
 * used by the step event and the JSON report.
 */
void
emit_step_fields(FILE *fp, const struct verify_step *st)
{
	fprintf(fp, "\"step\":%" PRIu64 ",\"present\":%s", st->index,
	    st->present ? "true" : "false");
	if (st->api[0] != '\0') {
		fputs(",\"api\":", fp);
		emit_string(fp, st->api);
	}
	if (st->present)
		fprintf(fp, ",\"offset\":%" PRIu64 ",\"events\":%" PRIu64
		    ",\"mac\":%" PRIu64 ",\"dma_read\":%" PRIu64
		    ",\"dma_write\":%" PRIu64 ",\"stall\":%" PRIu64
		    ",\"barrier\":%" PRIu64 ",\"unknown\":%" PRIu64
		    ",\"start\":%" PRIu64 ",\"end\":%" PRIu64
		    ",\"cycles\":%" PRIu64, st->offset, st->events,
		    st->count[VT_MAC], st->count[VT_DMA_READ],
		    st->count[VT_DMA_WRITE], st->count[VT_STALL],
		    st->count[VT_BARRIER], st->count[VT_UNKNOWN], st->start,
		    st->end, st->end - st->start);
	if (st->golden != VERIFY_GOLDEN_NONE) {
		fprintf(fp, ",\"golden\":\"%s\"",
		    st->golden == VERIFY_GOLDEN_PASS ? "pass" : "fail");
		emit_diff(fp, st);
	}
}

static void
emit_step(void *arg, const struct verify_step *st)
{
	FILE	*fp = arg;

	fputs("{\"event\":\"step\",", fp);
	emit_step_fields(fp, st);
	fputs("}\n", fp);
}

static const char *
golden_name(enum verify_golden_state g)
{
	return g == VERIFY_GOLDEN_PASS ? "pass" :
	    g == VERIFY_GOLDEN_FAIL ? "fail" : "none";
}

static void
emit_verdict(void *arg, const struct verify_info *in)
{
	FILE	*fp = arg;
	int	 c, first = 1;
	int	 pass = in->errors == 0 && in->golden != VERIFY_GOLDEN_FAIL;

	fprintf(fp, "{\"event\":\"verdict\",\"result\":\"%s\",\"bytes\":%"
	    PRIu64, pass ? "pass" : "fail", in->bytes);
	if (in->fixed_ok)
		fprintf(fp, ",\"format\":\"%u.%u\"", in->major, in->minor);
	if (in->header_ok) {
		fputs(",\"lab_version\":", fp);
		emit_string(fp, in->lab_version);
		fputs(",\"encoding\":", fp);
		emit_string(fp, in->encoding);
		fprintf(fp, ",\"cores\":%" PRIu64 ",\"cycles\":%" PRIu64
		    ",\"byte_length\":%" PRIu64, in->cores, in->cycles,
		    in->byte_length);
	}
	if (in->analysed)
		fprintf(fp, ",\"events\":%" PRIu64 ",\"api_calls\":%" PRIu64
		    ",\"steps\":%" PRIu64, in->events, in->api_calls,
		    in->steps);
	fprintf(fp, ",\"checksum\":\"%s\"", verify_checksum_name(in->checksum));
	if (in->checksum == VERIFY_CK_MATCH ||
	    in->checksum == VERIFY_CK_MISMATCH)
		fprintf(fp, ",\"checksum_got\":\"%016" PRIx64 "\"",
		    in->checksum_got);
	fprintf(fp, ",\"findings\":%" PRIu64 ",\"errors\":%" PRIu64
	    ",\"by_code\":{", in->findings, in->errors);
	for (c = 0; c < VF_NCODES; c++) {
		if (in->code_count[c] == 0)
			continue;
		fprintf(fp, "%s\"%s\":%" PRIu64, first ? "" : ",",
		    verify_code_name(c), in->code_count[c]);
		first = 0;
	}
	fprintf(fp, "},\"golden\":\"%s\"", golden_name(in->golden));
	if (in->golden != VERIFY_GOLDEN_NONE)
		fprintf(fp, ",\"golden_steps\":%" PRIu64
		    ",\"golden_failed\":%" PRIu64, in->golden_steps,
		    in->golden_failed);
	fputs("}\n", fp);
	fflush(fp);
}
