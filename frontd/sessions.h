/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The /v1/sessions routes: open, list, show, kill, exec and pty. */

#ifndef PCCX_SESSIONS_H
#define PCCX_SESSIONS_H

#include <stddef.h>

#include "common/msg.h"
#include "proto/session.h"
#include "server.h"

extern const struct http_route	sessions_routes[];
extern const size_t		sessions_nroutes;

/*
 * sessions_msg: every reply of the session daemon (OPENED, ERROR, ROW,
 * LIST_END, EXEC_OK, PTY_OK, OK, KILLED).  A reply for a request that
 * has gone is dropped, its descriptor closed; -1 on a payload that
 * does not decode.
 */
int	sessions_msg(struct chan *, struct msg *);
/* sessions_pty_exit: PTY_EXIT, how a pty's shell ended. */
int	sessions_pty_exit(struct chan *, struct msg *);

/* sessions_frame_json: one NDJSON line (with '\n') for an output frame. */
char	*sessions_frame_json(uint8_t, const uint8_t *, size_t);

#endif
