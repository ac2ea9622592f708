/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The /v1/traces, /v1/reports and reference routes. */

#ifndef PCCX_TRACES_H
#define PCCX_TRACES_H

#include <stddef.h>

#include "common/msg.h"
#include "server.h"

/* Peer ids of the trace requests to the session daemon carry this bit. */
#define TRACES_ID_BIT	0x80000000U

extern const struct http_route	traces_routes[];
extern const size_t		traces_nroutes;

/*
 * traces_msg: a reply of the session daemon to a trace request
 * (TRACE_STREAM, TRACE_ROW, TRACE_DATA, TRACE_DONE, and ERROR or
 * LIST_END whose peer id has TRACES_ID_BIT).  A reply for a request
 * that has gone is dropped, its descriptor closed; -1 on a payload
 * that does not decode.
 */
int	traces_msg(struct chan *, struct msg *);

/*
 * traces_name_ok: non-zero for a project or reference name the session
 * daemon takes: 1 to 63 of [A-Za-z0-9_.-], not starting with a dot.
 */
int	traces_name_ok(const char *);

#endif
