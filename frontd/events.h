/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* WebSocket /v1/events: the route and the audit daemon's feed messages. */

#ifndef PCCX_EVENTS_H
#define PCCX_EVENTS_H

#include "server.h"

struct chan;
struct msg;

extern const struct http_route	events_routes[];
extern const size_t		events_nroutes;

/* events_msg: MSG_AUDIT_EVENT and MSG_AUDIT_SUBEND from the audit daemon. */
int	events_msg(struct chan *, struct msg *);
/* events_count: feeds open now. */
size_t	events_count(void);

#endif
