/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The session engine's audit rows: what it decided, and how sessions ended. */

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"
#include "proto/audit.h"
#include "sessiond/engine.h"

/*
 * sess_audit: see engine.h; nothing without an audit function.  The
 * row's id, or 0.
 */
uint32_t
sess_audit(const struct session *s, const char *user, const char *project,
    const char *action, const char *outcome, const char *fmt, ...)
{
	struct p_audit_row	 r;
	struct timespec		 ts;
	json_error_t		 err;
	json_t			*j;
	char			*d = NULL;
	va_list			 ap;

	if (eng.audit == NULL)
		return 0;
	memset(&r, 0, sizeof(r));
	clock_gettime(CLOCK_REALTIME, &ts);
	r.time = (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	pccx_strlcpy(r.actor, user != NULL ? user : s->user, sizeof(r.actor));
	pccx_strlcpy(r.project, s != NULL ? s->project : project,
	    sizeof(r.project));
	if (s != NULL) {
		pccx_strlcpy(r.object, s->uuid, sizeof(r.object));
		pccx_strlcpy(r.device, s->device, sizeof(r.device));
	}
	pccx_strlcpy(r.action, action, sizeof(r.action));
	pccx_strlcpy(r.outcome, outcome, sizeof(r.outcome));
	va_start(ap, fmt);
	j = json_vpack_ex(&err, 0, fmt, ap);
	va_end(ap);
	if (j != NULL)
		d = json_dumps(j, JSON_COMPACT);
	if (d == NULL || pccx_strlcpy(r.detail, d, sizeof(r.detail)) >=
	    sizeof(r.detail))
		pccx_strlcpy(r.detail, "{}", sizeof(r.detail));
	free(d);
	json_decref(j);
	return eng.audit(eng.arg, &r);
}
