/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The verdict for a person: one line of figures, findings, golden diff. */

#include <inttypes.h>

#include "verify_int.h"

#define SUMMARY_MAXSTEPS	20	/* failing steps listed */
#define TEXT_COUNT_BUFS		16

/*
 * text_count: a count with thousands separators, in one of
 * TEXT_COUNT_BUFS rotating buffers: no more may appear in one printf.
 */
const char *
text_count(uint64_t n)
{
	static char	 bufs[TEXT_COUNT_BUFS][32];
	static unsigned	 which;
	char		 tmp[32], *b = bufs[which++ % TEXT_COUNT_BUFS];
	int		 len, i, o = 0;

	len = snprintf(tmp, sizeof(tmp), "%" PRIu64, n);
	for (i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			b[o++] = ',';
		b[o++] = tmp[i];
	}
	b[o] = '\0';
	return b;
}

static void
sep(FILE *fp, int *first)
{
	if (!*first)
		fputs(", ", fp);
	*first = 0;
}

static void
summary_checksum(FILE *fp, const struct verify_info *in, int *first)
{
	if (!in->header_ok)
		return;
	sep(fp, first);
	switch (in->checksum) {
	case VERIFY_CK_MATCH:
		fputs("checksum matches", fp);
		break;
	case VERIFY_CK_MISMATCH:
		fputs("checksum mismatch", fp);
		break;
	case VERIFY_CK_ABSENT:
		fputs("no checksum", fp);
		break;
	default:
		fputs("checksum not checked", fp);
		break;
	}
}

/*
 * summary_figures: the one line of figures, as in "format 1.1, bincode,
 * 16,008 events over 32 cores, ...", ended by a newline.
 */
void
summary_figures(FILE *fp, const struct verify_info *in)
{
	int	 first = 1;

	sep(fp, &first);
	if (in->fixed_ok)
		fprintf(fp, "format %u.%u", in->major, in->minor);
	else
		fputs("not a .pccx file", fp);
	if (in->fixed_ok && !in->header_ok) {
		sep(fp, &first);
		fputs("header unreadable", fp);
	}
	if (in->header_ok) {
		sep(fp, &first);
		fputs(in->encoding, fp);
		sep(fp, &first);
		if (in->analysed)
			fprintf(fp, "%s events over ", text_count(in->events));
		else
			fputs("payload not analysed, ", fp);
		fprintf(fp, "%s cores, %s cycles", text_count(in->cores),
		    text_count(in->cycles));
	}
	if (in->analysed) {
		sep(fp, &first);
		fprintf(fp, "%s API call%s", text_count(in->api_calls),
		    in->api_calls == 1 ? "" : "s");
	}
	summary_checksum(fp, in, &first);
	sep(fp, &first);
	if (in->findings == 0)
		fputs("no structural finding", fp);
	else
		fprintf(fp, "%s structural finding%s (%s error%s)",
		    text_count(in->findings), in->findings == 1 ? "" : "s",
		    text_count(in->errors), in->errors == 1 ? "" : "s");
	fputc('\n', fp);
}

static void
summary_step(FILE *fp, const struct verify_step *st)
{
	const struct verify_diff	*d;
	int				 m, first = 1;

	fprintf(fp, "  step %s", text_count(st->index));
	if (st->api[0] != '\0' || st->want_api[0] != '\0')
		fprintf(fp, " (%s)", st->api[0] != '\0' ? st->api :
		    st->want_api);
	if (!st->present) {
		fputs(": missing from the trace\n", fp);
		return;
	}
	if (st->diff[VM_MAC].checked == 0) {
		fputs(": not in the reference\n", fp);
		return;
	}
	fputc(':', fp);
	for (m = 0; m < VM_NMETRICS; m++) {
		d = &st->diff[m];
		if (!d->checked || d->pass)
			continue;
		fputs(first ? " " : "; ", fp);
		first = 0;
		if (m == VM_API)
			fprintf(fp, "api %s, expected %s", st->api,
			    st->want_api);
		else if (m == VM_CYCLES)
			fprintf(fp, "cycles %s, budget %s",
			    text_count(d->actual), text_count(d->expected));
		else
			fprintf(fp, "%s %s, expected %s", verify_metric_name(m),
			    text_count(d->actual), text_count(d->expected));
		if (m != VM_API && d->allowed != 0)
			fprintf(fp, " %s %s", m == VM_CYCLES ? "+" : "+-",
			    text_count(d->allowed));
	}
	fputc('\n', fp);
}

/*
 * summary_write: the figures line, then the kept findings, the golden
 * diff and its failing steps, then "verdict: pass" or "verdict: fail".
 */
void
summary_write(FILE *fp, const struct verify *v)
{
	const struct verify_info	*in = &v->info;
	const struct verify_finding	*f;
	size_t				 i, shown = 0;

	summary_figures(fp, in);
	for (i = 0; i < v->nkept; i++) {
		f = &v->kept[i];
		fprintf(fp, "  %s at byte %s: %s: %s\n",
		    f->severity == VERIFY_ERROR ? "error" : "warning",
		    text_count(f->offset), verify_code_name(f->code),
		    f->message);
	}
	if (in->findings > v->nkept)
		fprintf(fp, "  and %s more findings\n",
		    text_count(in->findings - v->nkept));
	if (in->golden != VERIFY_GOLDEN_NONE) {
		fprintf(fp, "golden diff: %s of %s steps %s\n",
		    text_count(in->golden_failed > 0 ? in->golden_failed :
		    in->golden_steps), text_count(in->golden_steps),
		    in->golden_failed > 0 ? "fail" : "pass");
		for (i = 0; i < v->nsteps && shown < SUMMARY_MAXSTEPS; i++) {
			if (v->steps[i].golden != VERIFY_GOLDEN_FAIL)
				continue;
			summary_step(fp, &v->steps[i]);
			shown++;
		}
	}
	fprintf(fp, "verdict: %s\n", verify_passed(v) ? "pass" : "fail");
}
