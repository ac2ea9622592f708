/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The front end's door to the auth daemon: checks and relayed steps. */

#ifndef PCCX_AUTHGATE_H
#define PCCX_AUTHGATE_H

#include "proto/auth.h"
#include "server.h"

/*
 * authgate_fill: describe req for the auth daemon: method, the target
 * URI as the client sent it (scheme from the listener, host from the
 * Host header), SHA-256 of the body, Authorization, X-Device-Key,
 * Signature-Input, Signature, Content-Digest and the source address.
 * 0, or -1 after answering the client (a field too long to pass).
 */
int	authgate_fill(struct http_req *, struct p_auth_req *);
/*
 * authgate_send: send r to the auth daemon as type for req.  The
 * answer comes back later: a MSG_AUTH_REPLY is relayed to the client
 * as it is (JSON, or the login page); a MSG_AUTH_ALLOW runs cont(req,
 * identity).  Answers the client itself when auth cannot be asked.
 */
void	authgate_send(struct http_req *, uint16_t, struct p_auth_req *,
	    void (*)(struct http_req *, const struct p_auth_allow *));
/* authgate_msg: MSG_AUTH_ALLOW and MSG_AUTH_REPLY from the auth daemon. */
int	authgate_msg(struct chan *, struct msg *);
/*
 * authgate_wrap: put the gate in front of every route of tab that is
 * not ROUTE_PUBLIC; tab must be the table the server uses.  The
 * action a route asks for comes from the table in authgate.c, by
 * method and path as the route table spells them: a gated route with
 * no row there is refused (403) whoever asks.  The project is the
 * query's "project" parameter, else the X-Project header.
 */
void	authgate_wrap(struct http_route *, size_t);
/*
 * authgate_identity: who made req, while a gated handler runs (NULL
 * otherwise); copy what is needed beyond that call.
 */
const struct p_auth_allow *authgate_identity(const struct http_req *);

/* login_page.c */
/* login_page_reply: answer with the login page around data (JSON). */
void	login_page_reply(struct http_req *, const char *);

/* auth_routes.c */
extern const struct http_route	auth_routes[];
extern const size_t		auth_nroutes;

#endif
