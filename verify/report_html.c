/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The HTML report: one self-contained page with an inline SVG timeline. */

#include <inttypes.h>

#include "verify_int.h"

#define SVG_WIDTH	960
#define SVG_LABEL	56	/* room for core numbers */
#define SVG_PLOT	(SVG_WIDTH - SVG_LABEL - 8)
#define SVG_ROW		12
#define SVG_PITCH	14
#define SVG_TOP		6
#define SVG_AXIS	22
#define SVG_LEVELS	8	/* shades of busy */

static const char html_style[] =
	"body{font:14px/1.4 sans-serif;margin:2em;color:#1d2330}"
	"h1 .pass{color:#1a7f37}h1 .fail{color:#c62828}"
	"table{border-collapse:collapse;margin:.5em 0}"
	"th,td{border:1px solid #d0d7de;padding:2px 8px;text-align:right}"
	"th{background:#f3f5f8}td.l,th.l{text-align:left}"
	".bar{display:inline-block;width:160px;height:10px;"
	"background:#eef1f5;vertical-align:middle;margin-right:6px}"
	".bar span{display:block;height:10px;background:#2a6fdb}"
	"svg text{font:10px sans-serif;fill:#57606a}"
	"svg .lane{fill:#eef1f5}svg .busy{fill:#2a6fdb}"
	"svg .step{stroke:#c62828;stroke-width:1;stroke-dasharray:2 2}"
	"tr.fail td{background:#fdecea}";

static void
html_text(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&#39;", fp);
			break;
		default:
			fputc(*s, fp);
			break;
		}
	}
}

static double
svg_x(const struct verify *v, uint64_t cycle)
{
	if (v->info.cycles == 0)
		return SVG_LABEL;
	if (cycle > v->info.cycles)
		cycle = v->info.cycles;
	return SVG_LABEL + (double)SVG_PLOT * cycle / v->info.cycles;
}

/* The shade of one column of a core, 0 to SVG_LEVELS. */
static int
svg_level(const struct verify *v, uint64_t core, uint64_t b)
{
	uint64_t	 lo = b * v->binw, width = v->binw;
	double		 f;

	if (lo >= v->info.cycles)
		return 0;
	if (v->info.cycles - lo < width)
		width = v->info.cycles - lo;
	f = (double)v->bins[core * VERIFY_TLBINS + b] / width;
	if (f > 1)
		f = 1;
	return (int)(f * SVG_LEVELS + 0.5);
}

/* One row of the timeline: runs of equal shade become one rectangle. */
static void
svg_row(FILE *fp, const struct verify *v, uint64_t core)
{
	double		 y = SVG_TOP + core * SVG_PITCH, x0, x1;
	uint64_t	 b, e;
	int		 level;

	fprintf(fp, "<g class=\"core-row\" data-core=\"%" PRIu64 "\">"
	    "<title>core %" PRIu64 ": %.1f%% busy</title>"
	    "<text x=\"%d\" y=\"%.0f\" text-anchor=\"end\">%" PRIu64 "</text>"
	    "<rect class=\"lane\" x=\"%d\" y=\"%.0f\" width=\"%d\" "
	    "height=\"%d\"/>", core, core, 100 * report_util(v, core),
	    SVG_LABEL - 6, y + SVG_ROW - 2, core, SVG_LABEL, y, SVG_PLOT,
	    SVG_ROW);
	for (b = 0; b < VERIFY_TLBINS; b = e) {
		level = svg_level(v, core, b);
		for (e = b + 1; e < VERIFY_TLBINS &&
		    svg_level(v, core, e) == level; e++)
			;
		if (level == 0)
			continue;
		x0 = svg_x(v, b * v->binw);
		x1 = svg_x(v, e * v->binw);
		fprintf(fp, "<rect class=\"busy\" x=\"%.1f\" y=\"%.0f\" "
		    "width=\"%.1f\" height=\"%d\" fill-opacity=\"%.3f\"/>",
		    x0, y, x1 - x0, SVG_ROW, (double)level / SVG_LEVELS);
	}
	fputs("</g>\n", fp);
}

static void
svg_axis(FILE *fp, const struct verify *v, double y)
{
	uint64_t	 c;
	int		 i;

	for (i = 0; i <= 4; i++) {
		c = v->info.cycles / 4 * i;
		if (i == 4)
			c = v->info.cycles;
		fprintf(fp, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"%s\">"
		    "%s</text>\n", svg_x(v, c), y + 14, i == 0 ? "start" :
		    i == 4 ? "end" : "middle", text_count(c));
	}
}

static void
svg_timeline(FILE *fp, const struct verify *v)
{
	const struct verify_step	*st;
	double				 h, x;
	uint64_t			 c;
	size_t				 i;

	h = SVG_TOP + v->ncores * SVG_PITCH;
	fprintf(fp, "<h2>Timeline</h2>\n<svg xmlns=\"http://www.w3.org/2000/"
	    "svg\" width=\"%d\" height=\"%.0f\" viewBox=\"0 0 %d %.0f\" "
	    "role=\"img\"><title>busy time per core over %s cycles"
	    "</title>\n", SVG_WIDTH, h + SVG_AXIS, SVG_WIDTH, h + SVG_AXIS,
	    text_count(v->info.cycles));
	for (c = 0; c < v->ncores; c++)
		svg_row(fp, v, c);
	for (i = 0; i < v->nsteps; i++) {
		st = &v->steps[i];
		if (!st->present || st->index == 0)
			continue;
		x = svg_x(v, st->start);
		fprintf(fp, "<line class=\"step\" x1=\"%.1f\" x2=\"%.1f\" "
		    "y1=\"0\" y2=\"%.0f\"><title>step %" PRIu64 " ", x, x, h,
		    st->index);
		html_text(fp, st->api);
		fputs("</title></line>\n", fp);
	}
	svg_axis(fp, v, h);
	fputs("</svg>\n<p>Each row is a core; darker is busier.  "
	    "Dashed lines mark API calls.</p>\n", fp);
}

static void
html_bar(FILE *fp, double f)
{
	if (f > 1)
		f = 1;
	fprintf(fp, "<span class=\"bar\"><span style=\"width:%.1f%%\"></span>"
	    "</span>%.1f%%", 100 * f, 100 * f);
}

static void
html_cores_types(FILE *fp, const struct verify *v)
{
	uint64_t	 c, max = 1;
	int		 t;

	fputs("<h2>Cores</h2>\n<table><tr><th>Core</th><th>Events</th>"
	    "<th>Busy cycles</th><th class=\"l\">Utilisation</th></tr>\n",
	    fp);
	for (c = 0; c < v->ncores; c++) {
		fprintf(fp, "<tr><td>%" PRIu64 "</td><td>%s</td><td>%s</td>"
		    "<td class=\"l\">", c, text_count(v->cores[c].events),
		    text_count(v->cores[c].busy));
		html_bar(fp, report_util(v, c));
		fputs("</td></tr>\n", fp);
	}
	fputs("</table>\n<h2>Event types</h2>\n<table><tr><th>Id</th>"
	    "<th class=\"l\">Type</th><th>Events</th><th>Cycles</th>"
	    "<th class=\"l\">Share of cycles</th></tr>\n", fp);
	for (t = 0; t < VT_NTYPES; t++)
		if (v->info.type_cycles[t] > max)
			max = v->info.type_cycles[t];
	for (t = 0; t < VT_NTYPES; t++) {
		fprintf(fp, "<tr><td>%d</td><td class=\"l\">%s</td><td>%s"
		    "</td><td>%s</td><td class=\"l\">", t, verify_type_name(t),
		    text_count(v->info.type_count[t]),
		    text_count(v->info.type_cycles[t]));
		html_bar(fp, (double)v->info.type_cycles[t] / max);
		fputs("</td></tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

static void
html_golden_cell(FILE *fp, const struct verify_step *st)
{
	const struct verify_diff	*d;
	int				 m;

	if (st->golden == VERIFY_GOLDEN_NONE)
		return;
	if (st->golden == VERIFY_GOLDEN_PASS) {
		fputs("pass", fp);
		return;
	}
	fputs("fail", fp);
	if (!st->present)
		fputs(": missing", fp);
	else if (!st->diff[VM_MAC].checked)
		fputs(": not in the reference", fp);
	for (m = 0; m < VM_NMETRICS; m++) {
		d = &st->diff[m];
		if (!d->checked || d->pass)
			continue;
		if (m == VM_API) {
			fputs("; api, expected ", fp);
			html_text(fp, st->want_api);
		} else
			fprintf(fp, "; %s %s, expected %s%s",
			    verify_metric_name(m), text_count(d->actual),
			    m == VM_CYCLES ? "at most " : "",
			    text_count(d->expected));
		if (m != VM_API && d->allowed != 0)
			fprintf(fp, " &plusmn; %s", text_count(d->allowed));
	}
}

static void
html_step(FILE *fp, const struct verify_step *st)
{
	fprintf(fp, "<tr%s><td>%s</td><td class=\"l\">",
	    st->golden == VERIFY_GOLDEN_FAIL ? " class=\"fail\"" : "",
	    text_count(st->index));
	html_text(fp, st->api[0] != '\0' ? st->api : st->want_api);
	if (st->present)
		fprintf(fp, "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
		    "<td>%s</td><td>%s</td>", text_count(st->events),
		    text_count(st->count[VT_MAC]),
		    text_count(st->count[VT_DMA_READ]),
		    text_count(st->count[VT_DMA_WRITE]),
		    text_count(st->count[VT_BARRIER]), text_count(st->start));
	else
		fputs("</td><td></td><td></td><td></td><td></td><td></td>"
		    "<td></td>", fp);
	fprintf(fp, "<td>%s</td><td class=\"l\">", st->present ?
	    text_count(st->end - st->start) : "");
	html_golden_cell(fp, st);
	fputs("</td></tr>\n", fp);
}

static void
html_steps(FILE *fp, const struct verify *v)
{
	size_t	 i;

	if (v->nsteps == 0)
		return;
	fputs("<h2>Steps</h2>\n<table><tr><th>Step</th><th class=\"l\">API"
	    "</th><th>Events</th><th>MAC</th><th>DMA read</th>"
	    "<th>DMA write</th><th>Barrier</th><th>Start</th><th>Cycles</th>"
	    "<th class=\"l\">Golden diff</th></tr>\n", fp);
	for (i = 0; i < v->nsteps; i++)
		html_step(fp, &v->steps[i]);
	fputs("</table>\n", fp);
	if (v->steps_dropped > 0)
		fprintf(fp, "<p>%s more steps are not listed.</p>\n",
		    text_count(v->steps_dropped));
}

static void
html_findings(FILE *fp, const struct verify *v)
{
	const struct verify_finding	*f;
	size_t				 i;

	fputs("<h2>Findings</h2>\n", fp);
	if (v->nkept == 0) {
		fputs("<p>No structural finding.</p>\n", fp);
		return;
	}
	fputs("<table><tr><th class=\"l\">Severity</th><th class=\"l\">Kind"
	    "</th><th>Byte</th><th class=\"l\">Message</th></tr>\n", fp);
	for (i = 0; i < v->nkept; i++) {
		f = &v->kept[i];
		fprintf(fp, "<tr><td class=\"l\">%s</td><td class=\"l\">%s</td>"
		    "<td>%s</td><td class=\"l\">",
		    f->severity == VERIFY_ERROR ? "error" : "warning",
		    verify_code_name(f->code), text_count(f->offset));
		html_text(fp, f->message);
		fputs("</td></tr>\n", fp);
	}
	fputs("</table>\n", fp);
	if (v->info.findings > v->nkept)
		fprintf(fp, "<p>%s more findings are counted but not listed."
		    "</p>\n", text_count(v->info.findings - v->nkept));
}

/*
 * report_html: the whole page; nothing is loaded from elsewhere and
 * there is no script.
 */
int
report_html(FILE *fp, const struct verify *v)
{
	const char	*verdict = verify_passed(v) ? "pass" : "fail";
	char		 fig[512];

	report_figures(fig, sizeof(fig), &v->info);
	fprintf(fp, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>Trace verification: %s</title>"
	    "<style>%s</style></head><body>\n<h1>Trace verification: "
	    "<span class=\"%s\">%s</span></h1>\n<p>", verdict, html_style,
	    verdict, verdict);
	html_text(fp, fig);
	fputs(".</p>\n", fp);
	if (v->info.header_ok) {
		fputs("<p>Written by pccx-lab ", fp);
		html_text(fp, v->info.lab_version);
		fprintf(fp, "; %s bytes read.</p>\n",
		    text_count(v->info.bytes));
	}
	if (v->info.analysed && v->cores != NULL) {
		if (v->bins != NULL)
			svg_timeline(fp, v);
		html_cores_types(fp, v);
	}
	html_steps(fp, v);
	html_findings(fp, v);
	fputs("</body></html>\n", fp);
	return 0;
}
