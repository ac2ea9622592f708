/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Reports rendered from a finished analysis: JSON and Markdown. */

#include <inttypes.h>

#include "verify_int.h"

static int	 report_json(FILE *, const struct verify *);
static int	 report_md(FILE *, const struct verify *);

/* report_kind_parse: the report kind a word names, or -1. */
int
report_kind_parse(const char *s)
{
	if (strcmp(s, "json") == 0)
		return REPORT_JSON;
	if (strcmp(s, "md") == 0 || strcmp(s, "markdown") == 0)
		return REPORT_MARKDOWN;
	if (strcmp(s, "html") == 0)
		return REPORT_HTML;
	return -1;
}

/*
 * report_write: render a finished checker as JSON, Markdown or HTML;
 * -1 if the stream reports an error.
 */
int
report_write(FILE *fp, enum report_kind kind, const struct verify *v)
{
	switch (kind) {
	case REPORT_JSON:
		report_json(fp, v);
		break;
	case REPORT_MARKDOWN:
		report_md(fp, v);
		break;
	case REPORT_HTML:
		report_html(fp, v);
		break;
	}
	if (fflush(fp) == EOF || ferror(fp))
		return -1;
	return 0;
}

/*
 * report_figures: the summary line into buf, without its newline, for
 * reports to quote.
 */
void
report_figures(char *buf, size_t len, const struct verify_info *in)
{
	FILE	*fp;
	size_t	 n;

	buf[0] = '\0';
	if ((fp = fmemopen(buf, len, "w")) == NULL)
		return;
	summary_figures(fp, in);
	fclose(fp);
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
}

/* report_util: utilisation of a core in [0, 1]. */
double
report_util(const struct verify *v, uint64_t core)
{
	if (v->info.cycles == 0)
		return 0;
	return (double)v->cores[core].busy / (double)v->info.cycles;
}

static void
json_findings(FILE *fp, const struct verify *v)
{
	const struct verify_finding	*f;
	size_t				 i;
	int				 c, first = 1;

	fprintf(fp, "\"findings\":{\"total\":%" PRIu64 ",\"errors\":%" PRIu64
	    ",\"by_code\":{", v->info.findings, v->info.errors);
	for (c = 0; c < VF_NCODES; c++) {
		if (v->info.code_count[c] == 0)
			continue;
		fprintf(fp, "%s\"%s\":%" PRIu64, first ? "" : ",",
		    verify_code_name(c), v->info.code_count[c]);
		first = 0;
	}
	fputs("},\"list\":[", fp);
	for (i = 0; i < v->nkept; i++) {
		f = &v->kept[i];
		fprintf(fp, "%s{\"severity\":\"%s\",\"code\":\"%s\","
		    "\"offset\":%" PRIu64 ",\"message\":", i ? "," : "",
		    f->severity == VERIFY_ERROR ? "error" : "warning",
		    verify_code_name(f->code), f->offset);
		emit_string(fp, f->message);
		fputc('}', fp);
	}
	fputs("]}", fp);
}

static void
json_file(FILE *fp, const struct verify *v)
{
	const struct verify_info	*in = &v->info;
	char				 fig[512];

	report_figures(fig, sizeof(fig), in);
	fprintf(fp, "{\"verdict\":\"%s\",\"summary\":",
	    verify_passed(v) ? "pass" : "fail");
	emit_string(fp, fig);
	fprintf(fp, ",\"bytes\":%" PRIu64, in->bytes);
	if (in->fixed_ok)
		fprintf(fp, ",\"format\":\"%u.%u\"", in->major, in->minor);
	if (in->header_ok) {
		fputs(",\"lab_version\":", fp);
		emit_string(fp, in->lab_version);
		fputs(",\"encoding\":", fp);
		emit_string(fp, in->encoding);
		fprintf(fp, ",\"cores\":%" PRIu64 ",\"cycles\":%" PRIu64
		    ",\"clock_mhz\":%" PRIu64 ",\"byte_length\":%" PRIu64,
		    in->cores, in->cycles, in->clock_mhz, in->byte_length);
	}
	fprintf(fp, ",\"checksum\":\"%s\"", verify_checksum_name(in->checksum));
	if (in->checksum != VERIFY_CK_ABSENT && in->header_ok)
		fprintf(fp, ",\"checksum_want\":\"%016" PRIx64 "\"",
		    in->checksum_want);
	if (in->analysed)
		fprintf(fp, ",\"events\":%" PRIu64 ",\"api_calls\":%" PRIu64
		    ",\"steps\":%" PRIu64, in->events, in->api_calls,
		    in->steps);
}

static void
json_types_cores(FILE *fp, const struct verify *v)
{
	uint64_t	 c;
	int		 t;

	fputs(",\"types\":[", fp);
	for (t = 0; t < VT_NTYPES; t++)
		fprintf(fp, "%s{\"id\":%d,\"type\":\"%s\",\"count\":%" PRIu64
		    ",\"cycles\":%" PRIu64 "}", t ? "," : "", t,
		    verify_type_name(t), v->info.type_count[t],
		    v->info.type_cycles[t]);
	fputs("],\"cores\":[", fp);
	for (c = 0; c < v->ncores && v->cores != NULL; c++)
		fprintf(fp, "%s{\"core\":%" PRIu64 ",\"events\":%" PRIu64
		    ",\"busy\":%" PRIu64 ",\"utilisation\":%.6f}",
		    c ? "," : "", c, v->cores[c].events, v->cores[c].busy,
		    report_util(v, c));
	fputc(']', fp);
}

static void
json_timeline(FILE *fp, const struct verify *v)
{
	uint64_t	 c, b;

	if (v->bins == NULL)
		return;
	fprintf(fp, ",\"timeline\":{\"bin_cycles\":%" PRIu64 ",\"bins\":%d,"
	    "\"busy\":[", v->binw, VERIFY_TLBINS);
	for (c = 0; c < v->ncores; c++) {
		fputs(c ? ",[" : "[", fp);
		for (b = 0; b < VERIFY_TLBINS; b++)
			fprintf(fp, "%s%" PRIu64, b ? "," : "",
			    v->bins[c * VERIFY_TLBINS + b]);
		fputc(']', fp);
	}
	fputs("]}", fp);
}

static int
report_json(FILE *fp, const struct verify *v)
{
	size_t	 i;

	json_file(fp, v);
	fputc(',', fp);
	json_findings(fp, v);
	if (v->info.analysed) {
		json_types_cores(fp, v);
		json_timeline(fp, v);
	}
	fputs(",\"steps\":[", fp);
	for (i = 0; i < v->nsteps; i++) {
		fputs(i ? ",{" : "{", fp);
		emit_step_fields(fp, &v->steps[i]);
		fputc('}', fp);
	}
	fprintf(fp, "],\"steps_not_kept\":%" PRIu64, v->steps_dropped);
	fprintf(fp, ",\"golden\":{\"state\":\"%s\"",
	    v->info.golden == VERIFY_GOLDEN_NONE ? "none" :
	    v->info.golden == VERIFY_GOLDEN_PASS ? "pass" : "fail");
	if (v->info.golden != VERIFY_GOLDEN_NONE)
		fprintf(fp, ",\"steps\":%" PRIu64 ",\"failed\":%" PRIu64,
		    v->info.golden_steps, v->info.golden_failed);
	fputs("}}\n", fp);
	return 0;
}

/* Text for a Markdown table cell: no pipes, newlines or markup. */
static void
md_text(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		if (strchr("\\|*_`<>[]#", *s) != NULL)
			fputc('\\', fp);
		fputc(*s == '\n' ? ' ' : *s, fp);
	}
}

static void
md_findings(FILE *fp, const struct verify *v)
{
	const struct verify_finding	*f;
	size_t				 i;

	fputs("\n## Findings\n\n", fp);
	if (v->nkept == 0) {
		fputs("No structural finding.\n", fp);
		return;
	}
	fputs("| Severity | Kind | Byte | Message |\n|---|---|--:|---|\n", fp);
	for (i = 0; i < v->nkept; i++) {
		f = &v->kept[i];
		fprintf(fp, "| %s | %s | %s | ",
		    f->severity == VERIFY_ERROR ? "error" : "warning",
		    verify_code_name(f->code), text_count(f->offset));
		md_text(fp, f->message);
		fputs(" |\n", fp);
	}
	if (v->info.findings > v->nkept)
		fprintf(fp, "\n%s more findings are counted but not listed.\n",
		    text_count(v->info.findings - v->nkept));
}

static void
md_types_cores(FILE *fp, const struct verify *v)
{
	uint64_t	 c;
	int		 t;

	fputs("\n## Event types\n\n| Id | Type | Events | Cycles |\n"
	    "|--:|---|--:|--:|\n", fp);
	for (t = 0; t < VT_NTYPES; t++)
		fprintf(fp, "| %d | %s | %s | %s |\n", t, verify_type_name(t),
		    text_count(v->info.type_count[t]),
		    text_count(v->info.type_cycles[t]));
	fputs("\n## Cores\n\n| Core | Events | Busy cycles | Utilisation |\n"
	    "|--:|--:|--:|--:|\n", fp);
	for (c = 0; c < v->ncores; c++)
		fprintf(fp, "| %" PRIu64 " | %s | %s | %.2f%% |\n", c,
		    text_count(v->cores[c].events),
		    text_count(v->cores[c].busy), 100 * report_util(v, c));
}

static void
md_steps(FILE *fp, const struct verify *v)
{
	const struct verify_step	*st;
	size_t				 i;

	if (v->nsteps == 0)
		return;
	fputs("\n## Steps\n\n| Step | API | Events | MAC | DMA read | "
	    "DMA write | Barrier | Start | Cycles | Golden |\n"
	    "|--:|---|--:|--:|--:|--:|--:|--:|--:|---|\n", fp);
	for (i = 0; i < v->nsteps; i++) {
		st = &v->steps[i];
		fprintf(fp, "| %s | ", text_count(st->index));
		md_text(fp, st->api[0] != '\0' ? st->api : st->want_api);
		if (!st->present)
			fputs(" | missing | | | | | | |", fp);
		else
			fprintf(fp, " | %s | %s | %s | %s | %s | %s | %s |",
			    text_count(st->events),
			    text_count(st->count[VT_MAC]),
			    text_count(st->count[VT_DMA_READ]),
			    text_count(st->count[VT_DMA_WRITE]),
			    text_count(st->count[VT_BARRIER]),
			    text_count(st->start),
			    text_count(st->end - st->start));
		fprintf(fp, " %s |\n", st->golden == VERIFY_GOLDEN_NONE ? "" :
		    st->golden == VERIFY_GOLDEN_PASS ? "pass" : "**fail**");
	}
	if (v->steps_dropped > 0)
		fprintf(fp, "\n%s more steps are not listed.\n",
		    text_count(v->steps_dropped));
}

static int
report_md(FILE *fp, const struct verify *v)
{
	char	 fig[512];

	report_figures(fig, sizeof(fig), &v->info);
	fprintf(fp, "# Trace verification: %s\n\n",
	    verify_passed(v) ? "pass" : "fail");
	md_text(fp, fig);
	fputs(".\n", fp);
	if (v->info.header_ok) {
		fputs("\nWritten by pccx-lab ", fp);
		md_text(fp, v->info.lab_version);
		fprintf(fp, "; %s bytes read.\n", text_count(v->info.bytes));
	}
	md_findings(fp, v);
	if (v->info.analysed && v->cores != NULL)
		md_types_cores(fp, v);
	md_steps(fp, v);
	if (v->info.golden != VERIFY_GOLDEN_NONE)
		fprintf(fp, "\nGolden diff: %s of %s steps %s.\n",
		    text_count(v->info.golden_failed > 0 ?
		    v->info.golden_failed : v->info.golden_steps),
		    text_count(v->info.golden_steps),
		    v->info.golden_failed > 0 ? "fail" : "pass");
	return 0;
}
