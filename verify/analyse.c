/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Per-event checks and accounting: cores, types, steps and the timeline. */

#include <stdlib.h>

#include "verify_int.h"

static void	 step_open(struct verify *, uint64_t, uint64_t);
static void	 step_close(struct verify *);
static void	 step_keep(struct verify *, const struct verify_step *);
static void	 event_bad(struct verify *, uint32_t, uint64_t, uint64_t,
		    uint64_t);
static void	 core_order(struct verify *, uint32_t, struct vcore *,
		    uint64_t, uint64_t);
static void	 bins_add(struct verify *, uint32_t, uint64_t, uint64_t);

/*
 * analyse_init: allocate the per-core state once the header has given
 * the core count (at most VERIFY_MAXCORES).  Returns 0 or -1.
 */
int
analyse_init(struct verify *v)
{
	v->ncores = v->info.cores;
	if ((v->cores = calloc(v->ncores, sizeof(*v->cores))) == NULL)
		return -1;
	if (v->flags & VERIFY_F_TIMELINE) {
		v->bins = calloc(v->ncores * VERIFY_TLBINS, sizeof(*v->bins));
		if (v->bins == NULL)
			return -1;
		v->binw = v->info.cycles / VERIFY_TLBINS +
		    (v->info.cycles % VERIFY_TLBINS != 0);
		if (v->binw == 0)
			v->binw = 1;
	}
	return 0;
}

/* analyse_free: release the per-core, timeline and step memory. */
void
analyse_free(struct verify *v)
{
	free(v->cores);
	free(v->bins);
	free(v->steps);
	v->cores = NULL;
	v->bins = NULL;
	v->steps = NULL;
}

/*
 * analyse_event: account one decoded event found at file offset off.
 * The type is already one of enum verify_type.  Checks the core, the
 * end against trace.cycles and overlap with earlier events on its core.
 */
void
analyse_event(struct verify *v, uint32_t core, uint64_t start,
    uint64_t dur, unsigned type, uint64_t off)
{
	struct verify_step	*st = &v->step;
	struct vcore		*c;
	uint64_t		 end = start + dur;

	v->info.events++;
	if (type == VT_API)
		step_open(v, ++v->info.api_calls, off);
	else if (!v->in_step)
		step_open(v, 0, off);
	if (end < start)
		end = UINT64_MAX;
	st->events++;
	st->count[type]++;
	v->info.type_cycles[type] += dur;
	st->start = start < st->start ? start : st->start;
	st->end = end > st->end ? end : st->end;
	if (core >= v->ncores || end > v->info.cycles) {
		event_bad(v, core, start, end, off);
		if (core >= v->ncores)
			return;
	}

	c = &v->cores[core];
	c->events++;
	if (start < c->max_end)
		core_order(v, core, c, start, off);
	if (start > c->last_start)
		c->last_start = start;
	if (end > c->max_end)
		c->max_end = end;
	if (type == VT_API || end <= c->busy_end)
		return;
	if (start < c->busy_end)
		start = c->busy_end;
	c->busy += end - start;
	c->busy_end = end;
	if (v->bins != NULL)
		bins_add(v, core, start, end);
}

static void
event_bad(struct verify *v, uint32_t core, uint64_t start, uint64_t end,
    uint64_t off)
{
	if (core >= v->ncores)
		verify_find(v, VF_CORE, VERIFY_ERROR, off,
		    "event %llu is on core %u, but trace.cores is %llu",
		    (unsigned long long)v->info.events - 1, core,
		    (unsigned long long)v->ncores);
	else if (end == UINT64_MAX)
		verify_find(v, VF_CYCLES, VERIFY_ERROR, off,
		    "event %llu starting at cycle %llu has a duration that "
		    "overflows", (unsigned long long)v->info.events - 1,
		    (unsigned long long)start);
	else
		verify_find(v, VF_CYCLES, VERIFY_ERROR, off,
		    "event %llu ends at cycle %llu, after trace.cycles %llu",
		    (unsigned long long)v->info.events - 1,
		    (unsigned long long)end,
		    (unsigned long long)v->info.cycles);
}

/*
 * An event starts before an earlier one on its core has ended.  If it
 * also starts before that one started, the core's events are out of
 * order.  XXX: overlap is then not told, as that would need every
 * interval of the core kept; busy cycles assume start order too.
 */
static void
core_order(struct verify *v, uint32_t core, struct vcore *c,
    uint64_t start, uint64_t off)
{
	if (start < c->last_start)
		verify_find(v, VF_ORDER, VERIFY_WARNING, off,
		    "event %llu on core %u starts at cycle %llu, before an "
		    "earlier event's start %llu: overlap is not checked "
		    "out of order", (unsigned long long)v->info.events - 1,
		    core, (unsigned long long)start,
		    (unsigned long long)c->last_start);
	else
		verify_find(v, VF_OVERLAP, VERIFY_ERROR, off,
		    "event %llu on core %u starts at cycle %llu, before the "
		    "previous event ends at %llu",
		    (unsigned long long)v->info.events - 1, core,
		    (unsigned long long)start,
		    (unsigned long long)c->max_end);
}

static void
bins_add(struct verify *v, uint32_t core, uint64_t start, uint64_t end)
{
	uint64_t	*row = v->bins + (uint64_t)core * VERIFY_TLBINS;
	uint64_t	 b, lo, hi;

	if (end > v->info.cycles)
		end = v->info.cycles;
	if (start >= end)
		return;
	for (b = start / v->binw; b < VERIFY_TLBINS; b++) {
		lo = b * v->binw;
		hi = lo + v->binw;
		if (lo >= end)
			break;
		row[b] += (end < hi ? end : hi) - (start > lo ? start : lo);
	}
}

/* analyse_api_name: name the API_CALL just accounted (bincode). */
void
analyse_api_name(struct verify *v, const char *name, size_t len)
{
	text_copy(v->step.api, sizeof(v->step.api), name, len);
}

/*
 * analyse_api_number_name: name the n-th API_CALL from the flatbuf name
 * table, read after all records.  XXX: only steps still held get the
 * name; step events already emitted went out without it.
 */
void
analyse_api_number_name(struct verify *v, uint64_t n, const char *name,
    size_t len)
{
	struct verify_step	*st = NULL;
	uint64_t		 pos;

	if (v->in_step && v->step.index == n)
		st = &v->step;
	else if (v->nsteps > 0 && n >= v->steps[0].index) {
		pos = n - v->steps[0].index;
		if (pos < v->nsteps && v->steps[pos].index == n)
			st = &v->steps[pos];
	}
	if (st != NULL)
		text_copy(st->api, sizeof(st->api), name, len);
}

/* analyse_check_count: the payload is decoded; compare trace.events. */
void
analyse_check_count(struct verify *v)
{
	if (v->info.has_declared_events &&
	    v->info.events != v->info.declared_events)
		verify_find(v, VF_EVENT_COUNT, VERIFY_ERROR, VERIFY_FIXEDLEN,
		    "trace.events is %llu, but the payload holds %llu",
		    (unsigned long long)v->info.declared_events,
		    (unsigned long long)v->info.events);
}

static void
step_open(struct verify *v, uint64_t index, uint64_t off)
{
	if (v->in_step)
		step_close(v);
	memset(&v->step, 0, sizeof(v->step));
	v->step.index = index;
	v->step.offset = off;
	v->step.first = v->info.events - 1;
	v->step.start = UINT64_MAX;
	v->step.present = 1;
	if (index == 0)
		v->prologue = 1;
	v->in_step = 1;
}

static void
step_close(struct verify *v)
{
	struct verify_step	*st = &v->step;
	int			 t;

	v->in_step = 0;
	v->info.steps++;
	for (t = 0; t < VT_NTYPES; t++)
		v->info.type_count[t] += st->count[t];
	if (v->golden != NULL)
		golden_check(v, st);
	step_keep(v, st);
	if (v->sink.step != NULL)
		v->sink.step(v->sink.arg, st);
}

static void
step_keep(struct verify *v, const struct verify_step *st)
{
	struct verify_step	*n;
	size_t			 cap;

	if (!(v->flags & VERIFY_F_KEEPSTEPS))
		return;
	if (v->nsteps >= VERIFY_MAXSTEPS) {
		v->steps_dropped++;
		return;
	}
	if (v->nsteps == v->stepcap) {
		cap = v->stepcap == 0 ? 16 : v->stepcap * 2;
		if (cap > VERIFY_MAXSTEPS)
			cap = VERIFY_MAXSTEPS;
		if ((n = reallocarray(v->steps, cap, sizeof(*n))) == NULL) {
			v->nomem = 1;
			return;
		}
		v->steps = n;
		v->stepcap = cap;
	}
	v->steps[v->nsteps++] = *st;
}

/* analyse_keep_step: keep and emit a step that only the reference has. */
void
analyse_keep_step(struct verify *v, const struct verify_step *st)
{
	step_keep(v, st);
	if (v->sink.step != NULL)
		v->sink.step(v->sink.arg, st);
}

/* analyse_finish: close the last step and settle the golden diff. */
void
analyse_finish(struct verify *v)
{
	if (v->in_step)
		step_close(v);
	if (v->golden == NULL)
		return;
	golden_missing(v);
	v->info.golden = v->info.golden_failed > 0 ? VERIFY_GOLDEN_FAIL :
	    VERIFY_GOLDEN_PASS;
}
