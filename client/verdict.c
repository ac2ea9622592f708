/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The verdict of an upload as it streams: progress, findings, steps. */

/*
 * Lines are those of pccx-verify --ndjson (progress, finding, step,
 * verdict), then the server's own: stored (the trace's id) or error.
 * Findings, steps and the verdict go to out as lines; progress goes
 * to a bar on the terminal, or, off a terminal, to a line every
 * VERDICT_EVERY percent.  Every text from the server is cleaned of
 * control bytes before it is shown.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "client/pccx.h"
#include "client/verdict.h"

#define VERDICT_BAR	30
#define VERDICT_EVERY	25	/* percent between progress lines */

static uint64_t
vd_u64(json_t *o, const char *k)
{
	json_t	*v = json_object_get(o, k);

	return json_is_integer(v) && json_integer_value(v) >= 0 ?
	    (uint64_t)json_integer_value(v) : 0;
}

static const char *
vd_str(json_t *o, const char *k, char *buf, size_t size)
{
	const char	*s = json_string_value(json_object_get(o, k));

	return http_clean(s != NULL ? s : "?", buf, size);
}

/* Wipe the bar before a line is printed over it. */
static void
vd_unbar(struct verdict *v)
{
	if (v->bar != NULL && v->barshown) {
		fprintf(v->bar, "\r%*s\r", VERDICT_BAR + 40, "");
		fflush(v->bar);
		v->barshown = 0;
	}
}

/* The bar: bytes sent of the file, and what the checker has seen. */
static void
vd_progress(struct verdict *v)
{
	uint64_t	done = v->sent, pct;
	int		n;

	if (v->total == 0)
		return;
	if (done > v->total)
		done = v->total;
	pct = done * 100 / v->total;
	if (v->bar != NULL) {
		n = (int)(pct * VERDICT_BAR / 100);
		fprintf(v->bar, "\r[%.*s%*s] %3" PRIu64 "%% %" PRIu64
		    " events", n, "##############################",
		    VERDICT_BAR - n, "", pct, v->events);
		fflush(v->bar);
		v->barshown = 1;
	} else if (v->plain != NULL && (pct >= v->nextpct || done ==
	    v->total) && v->lastpct != pct) {
		fprintf(v->plain, "progress %" PRIu64 "%% (%" PRIu64 " of %"
		    PRIu64 " bytes)\n", pct, done, v->total);
		v->lastpct = pct;
		while (v->nextpct <= pct)
			v->nextpct += VERDICT_EVERY;
	}
}

/* verdict_tick: bytes of the file sent so far. */
void
verdict_tick(void *arg, uint64_t sent)
{
	struct verdict	*v = arg;

	if (sent == v->sent)
		return;
	v->sent = sent;
	vd_progress(v);
}

static void
vd_finding(struct verdict *v, json_t *j)
{
	char	sev[16], code[48], msg[256];

	vd_unbar(v);
	fprintf(v->out, "finding %s %s at %" PRIu64 ": %s\n",
	    vd_str(j, "severity", sev, sizeof(sev)),
	    vd_str(j, "code", code, sizeof(code)), vd_u64(j, "offset"),
	    vd_str(j, "message", msg, sizeof(msg)));
}

/* A step: its counts, and each metric of the golden diff that failed. */
static void
vd_step(struct verdict *v, json_t *j)
{
	json_t		*diff = json_object_get(j, "diff"), *m;
	const char	*k;
	char		 api[64], g[8];

	vd_unbar(v);
	fprintf(v->out, "step %" PRIu64 " %s: %" PRIu64 " events, %" PRIu64
	    " cycles, golden %s\n", vd_u64(j, "step"),
	    vd_str(j, "api", api, sizeof(api)), vd_u64(j, "events"),
	    vd_u64(j, "cycles"), json_is_string(json_object_get(j,
	    "golden")) ? vd_str(j, "golden", g, sizeof(g)) : "none");
	json_object_foreach(diff, k, m) {
		if (json_is_true(json_object_get(m, "pass")) ||
		    !json_is_integer(json_object_get(m, "expected")))
			continue;
		fprintf(v->out, "  %s: %" PRIu64 ", expected %" PRIu64
		    " within %" PRIu64 "\n", http_clean(k, api,
		    sizeof(api)), vd_u64(m, "actual"), vd_u64(m, "expected"),
		    vd_u64(m, "allowed"));
	}
}

static void
vd_verdict(struct verdict *v, json_t *j)
{
	char	res[8], ck[16], g[8];

	vd_str(j, "result", res, sizeof(res));
	v->result = strcmp(res, "pass") == 0 ? VERDICT_PASS : VERDICT_FAIL;
	vd_unbar(v);
	fprintf(v->out, "verdict %s: %" PRIu64 " bytes, %" PRIu64 " events, %"
	    PRIu64 " steps, %" PRIu64 " findings (%" PRIu64 " errors), "
	    "checksum %s, golden %s\n", v->result == VERDICT_PASS ? "pass" :
	    "fail", vd_u64(j, "bytes"), vd_u64(j, "events"),
	    vd_u64(j, "steps"), vd_u64(j, "findings"), vd_u64(j, "errors"),
	    vd_str(j, "checksum", ck, sizeof(ck)),
	    vd_str(j, "golden", g, sizeof(g)));
}

/* The server's last word: stored under an id, or not stored. */
static void
vd_server(struct verdict *v, json_t *j, int stored)
{
	char	id[48], why[128];

	vd_unbar(v);
	vd_str(j, "id", id, sizeof(id));
	if (stored) {
		v->stored = 1;
		memcpy(v->id, id, sizeof(v->id) < sizeof(id) ? sizeof(v->id) :
		    sizeof(id));
		v->id[sizeof(v->id) - 1] = '\0';
		fprintf(v->out, "stored %s\n", v->id);
	} else {
		v->failed = 1;
		fprintf(v->out, "not stored: %s\n", vd_str(j, "reason", why,
		    sizeof(why)));
	}
}

/* verdict_line: one NDJSON line of the answer; -1 if it is not one. */
int
verdict_line(const char *p, size_t len, void *arg)
{
	struct verdict	*v = arg;
	json_t		*j;
	const char	*ev;

	if ((j = json_loadb(p, len, 0, NULL)) == NULL ||
	    (ev = json_string_value(json_object_get(j, "event"))) == NULL) {
		json_decref(j);
		return -1;
	}
	if (strcmp(ev, "progress") == 0) {
		v->events = vd_u64(j, "events");
		vd_progress(v);
	} else if (strcmp(ev, "finding") == 0)
		vd_finding(v, j);
	else if (strcmp(ev, "step") == 0)
		vd_step(v, j);
	else if (strcmp(ev, "verdict") == 0)
		vd_verdict(v, j);
	else if (strcmp(ev, "stored") == 0 || strcmp(ev, "error") == 0)
		vd_server(v, j, *ev == 's');
	json_decref(j);
	if (v->out != NULL)
		fflush(v->out);
	return 0;
}

/*
 * verdict_status: the exit code: 0 pass, 1 fail or not stored, 3
 * when no verdict came.
 */
int
verdict_status(struct verdict *v)
{
	vd_unbar(v);
	if (v->failed)
		return EXIT_REFUSED;
	if (v->result == VERDICT_NONE)
		return EXIT_UNREACH;
	return v->result == VERDICT_PASS ? EXIT_OK : EXIT_REFUSED;
}
