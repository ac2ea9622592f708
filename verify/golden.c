/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Reference profiles (JSON Lines, a row per step) and the golden diff. */

#include <math.h>
#include <stdlib.h>

#include <jansson.h>

#include "verify_int.h"

/*
 * A row: {"step": 3, "api": "uca_load_weights", "mac": 0,
 * "dma_read": 0, "dma_write": 0, "barrier": 0, "cycles": 300000,
 * "tol_pct": 10, "tol_abs": 2}.  step and the four counts are required;
 * api (checked when the step's name is known as it closes), cycles (a
 * budget for the step's span), tol_pct (default 10) and tol_abs
 * (default 0) are optional.
 */
struct golden_row {
	uint64_t	 step;
	unsigned	 line;
	uint64_t	 want[VM_CYCLES + 1];
	int		 has_cycles;
	double		 tol_pct;
	uint64_t	 tol_abs;
	int		 has_api;
	char		 api[VERIFY_NAMEMAX + 1];
};

struct golden {
	struct golden_row	*rows;
	size_t			 nrows;
};

static int	 row_parse(struct golden_row *, const char *, size_t, char *,
		    size_t);
static int	 row_uint(json_t *, const char *, int, uint64_t *, char *,
		    size_t);
static int	 row_cmp(const void *, const void *);
static uint64_t	 allowed(const struct golden_row *, uint64_t);

static int
blank_line(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return *s == '\0' || *s == '#';
}

/*
 * golden_load: read rows until EOF, reporting every bad line and every
 * repeated step; NULL if there was any.  Rows end sorted by step.
 */
struct golden *
golden_load(FILE *fp, void (*errfn)(void *, unsigned, const char *),
    void *arg)
{
	struct golden		*g;
	struct golden_row	 row, *n;
	char			*line = NULL, msg[160];
	size_t			 cap = 0, i;
	ssize_t			 len;
	unsigned		 lineno = 0;
	int			 bad = 0;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (blank_line(line))
			continue;
		if (row_parse(&row, line, len, msg, sizeof(msg)) == -1) {
			errfn(arg, lineno, msg);
			bad = 1;
			continue;
		}
		row.line = lineno;
		n = reallocarray(g->rows, g->nrows + 1, sizeof(*n));
		if (n == NULL) {
			bad = 1;
			break;
		}
		g->rows = n;
		g->rows[g->nrows++] = row;
	}
	free(line);
	if (ferror(fp))
		bad = 1;

	qsort(g->rows, g->nrows, sizeof(*g->rows), row_cmp);
	for (i = 1; i < g->nrows; i++) {
		if (g->rows[i].step != g->rows[i - 1].step)
			continue;
		snprintf(msg, sizeof(msg), "step %llu is already on line %u",
		    (unsigned long long)g->rows[i].step, g->rows[i - 1].line);
		errfn(arg, g->rows[i].line, msg);
		bad = 1;
	}
	if (bad) {
		golden_free(g);
		return NULL;
	}
	return g;
}

/* golden_free: release a reference; NULL is fine. */
void
golden_free(struct golden *g)
{
	if (g == NULL)
		return;
	free(g->rows);
	free(g);
}

/* golden_rows: the number of rows in a reference. */
size_t
golden_rows(const struct golden *g)
{
	return g->nrows;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct golden_row	*x = a, *y = b;

	if (x->step != y->step)
		return x->step < y->step ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static const char *row_keys[] = {
	"step", "api", "mac", "dma_read", "dma_write", "barrier", "cycles",
	"tol_pct", "tol_abs", NULL
};

static int
row_parse(struct golden_row *r, const char *line, size_t len, char *msg,
    size_t msglen)
{
	json_t		*o, *j;
	json_error_t	 err;
	const char	*key;
	int		 i, rc = -1;

	memset(r, 0, sizeof(*r));
	r->tol_pct = 10;
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
	if (o == NULL) {
		snprintf(msg, msglen, "not JSON: %.120s", err.text);
		return -1;
	}
	if (!json_is_object(o)) {
		snprintf(msg, msglen, "not a JSON object");
		goto out;
	}
	json_object_foreach(o, key, j) {
		for (i = 0; row_keys[i] != NULL; i++)
			if (strcmp(key, row_keys[i]) == 0)
				break;
		if (row_keys[i] == NULL) {
			snprintf(msg, msglen, "unknown field \"%.40s\"", key);
			goto out;
		}
	}
	if (row_uint(o, "step", 1, &r->step, msg, msglen) ||
	    row_uint(o, "mac", 1, &r->want[VM_MAC], msg, msglen) ||
	    row_uint(o, "dma_read", 1, &r->want[VM_DMA_READ], msg, msglen) ||
	    row_uint(o, "dma_write", 1, &r->want[VM_DMA_WRITE], msg,
	    msglen) ||
	    row_uint(o, "barrier", 1, &r->want[VM_BARRIER], msg, msglen) ||
	    row_uint(o, "tol_abs", 0, &r->tol_abs, msg, msglen))
		goto out;
	if ((j = json_object_get(o, "cycles")) != NULL) {
		if (row_uint(o, "cycles", 1, &r->want[VM_CYCLES], msg, msglen))
			goto out;
		r->has_cycles = 1;
	}
	if ((j = json_object_get(o, "tol_pct")) != NULL) {
		if (!json_is_number(j) || !isfinite(json_number_value(j)) ||
		    json_number_value(j) < 0) {
			snprintf(msg, msglen, "tol_pct is not a number >= 0");
			goto out;
		}
		r->tol_pct = json_number_value(j);
	}
	if ((j = json_object_get(o, "api")) != NULL) {
		if (!json_is_string(j)) {
			snprintf(msg, msglen, "api is not a string");
			goto out;
		}
		text_copy(r->api, sizeof(r->api), json_string_value(j),
		    json_string_length(j));
		r->has_api = 1;
	}
	rc = 0;
 out:
	json_decref(o);
	return rc;
}

/* 0 if absent and optional or a good integer >= 0; -1 otherwise. */
static int
row_uint(json_t *o, const char *key, int required, uint64_t *out, char *msg,
    size_t msglen)
{
	json_t	*j = json_object_get(o, key);

	if (j == NULL) {
		if (!required)
			return 0;
		snprintf(msg, msglen, "%s is missing", key);
		return -1;
	}
	if (!json_is_integer(j) || json_integer_value(j) < 0) {
		snprintf(msg, msglen, "%s is not an integer >= 0", key);
		return -1;
	}
	*out = json_integer_value(j);
	return 0;
}

/* golden_find: the row for a step, or NULL. */
const struct golden_row *
golden_find(const struct golden *g, uint64_t step)
{
	size_t	 lo = 0, hi = g->nrows, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (g->rows[mid].step == step)
			return &g->rows[mid];
		if (g->rows[mid].step < step)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The deviation a row tolerates around an expected value. */
static uint64_t
allowed(const struct golden_row *r, uint64_t want)
{
	double		 d = (double)want * r->tol_pct / 100.0;
	uint64_t	 a;

	a = d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)d;
	return a > r->tol_abs ? a : r->tol_abs;
}

static void
diff_set(struct verify_diff *d, const struct golden_row *r,
    enum verify_metric m, uint64_t actual)
{
	uint64_t	 dev;

	d->checked = 1;
	d->expected = r->want[m];
	d->actual = actual;
	d->allowed = allowed(r, d->expected);
	dev = actual > d->expected ? actual - d->expected :
	    d->expected - actual;
	if (m == VM_CYCLES)
		d->pass = actual <= d->expected ||
		    actual - d->expected <= d->allowed;
	else
		d->pass = dev <= d->allowed;
}

static void
row_apply(struct verify_step *st, const struct golden_row *r)
{
	static const int	 types[] = { VT_MAC, VT_DMA_READ, VT_DMA_WRITE,
				    VT_BARRIER };
	int			 m, pass = 1;

	for (m = VM_MAC; m <= VM_BARRIER; m++) {
		diff_set(&st->diff[m], r, m, st->count[types[m]]);
		pass &= st->diff[m].pass;
	}
	if (r->has_cycles) {
		diff_set(&st->diff[VM_CYCLES], r, VM_CYCLES,
		    st->present ? st->end - st->start : 0);
		pass &= st->diff[VM_CYCLES].pass;
	}
	/*
	 * XXX: flatbuf names arrive after every record, when all steps but
	 * the last have closed; those steps' names go unchecked.
	 */
	if (r->has_api) {
		memcpy(st->want_api, r->api, sizeof(st->want_api));
		if (st->present && st->api[0] != '\0') {
			st->diff[VM_API].checked = 1;
			st->diff[VM_API].pass = strcmp(st->api, r->api) == 0;
			pass &= st->diff[VM_API].pass;
		}
	}
	if (!st->present)
		pass = 0;
	st->golden = pass ? VERIFY_GOLDEN_PASS : VERIFY_GOLDEN_FAIL;
}

/*
 * golden_check: compare a closing step with its row.  A step the
 * reference has no row for fails.
 */
void
golden_check(struct verify *v, struct verify_step *st)
{
	const struct golden_row	*r;

	v->info.golden_steps++;
	if ((r = golden_find(v->golden, st->index)) == NULL)
		st->golden = VERIFY_GOLDEN_FAIL;
	else
		row_apply(st, r);
	if (st->golden == VERIFY_GOLDEN_FAIL)
		v->info.golden_failed++;
}

/*
 * golden_missing: at the end, every row whose step never came fails;
 * each is emitted as a step that is not present.
 */
void
golden_missing(struct verify *v)
{
	struct verify_step	 st;
	size_t			 i;
	uint64_t		 s;

	for (i = 0; i < v->golden->nrows; i++) {
		s = v->golden->rows[i].step;
		if ((s == 0 && v->prologue) ||
		    (s > 0 && s <= v->info.api_calls))
			continue;
		memset(&st, 0, sizeof(st));
		st.index = s;
		row_apply(&st, &v->golden->rows[i]);
		v->info.golden_steps++;
		v->info.golden_failed++;
		analyse_keep_step(v, &st);
	}
}
