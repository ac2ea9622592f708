/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Fuzz target: the framing and every message decoder on hostile bytes. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/msg.h"
#include "proto/audit.h"
#include "proto/proto.h"
#include "proto/auth.h"
#include "proto/session.h"
#include "proto/tunnel.h"

/* Run the decoder of the message's type, whatever the type says. */
static void
decode(const struct msg *m)
{
	union {
		struct p_log		log;
		struct p_conf_priv	priv;
		struct p_limits		lim;
		struct p_conf_listen	listen;
		struct p_conf_key	key;
		struct p_status		st;
		struct p_ctl_proc	proc;
		struct p_ctl_result	res;
	} u;

	proto_auth_decode_any(m);
	proto_audit_decode_any(m);
	proto_tunnel_decode_any(m);
	proto_session_decode_any(m);
	switch (m->hdr.type % MSG_TYPE_MAX) {
	case MSG_LOG:
		proto_get_log(m, &u.log);
		break;
	case MSG_CONF_PRIV:
		proto_get_conf_priv(m, &u.priv);
		break;
	case MSG_CONF_LIMITS:
		proto_get_limits(m, &u.lim);
		break;
	case MSG_CONF_LISTEN:
		proto_get_conf_listen(m, &u.listen);
		break;
	case MSG_CONF_KEY:
		proto_get_conf_key(m, &u.key);
		break;
	case MSG_STATUS:
		proto_get_status(m, &u.st);
		break;
	case MSG_CTL_PROC:
		proto_get_ctl_proc(m, &u.proc);
		break;
	case MSG_CTL_RESULT:
		proto_get_ctl_result(m, &u.res);
		break;
	default:
		proto_get_empty(m);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chan	c;
	struct msg	m;
	size_t		n;

	if (chan_init(&c, -1, PROC_FRONT) == -1)
		return 0;
	n = size < 2 * (MSG_HDRSZ + MSG_MAXPAYLOAD) ? size :
	    2 * (MSG_HDRSZ + MSG_MAXPAYLOAD);
	memcpy(c.rbuf, data, n);
	c.rlen = n;
	while (chan_get(&c, &m) == MSG_OK)
		decode(&m);
	chan_eof_check(&c);
	chan_clear(&c);
	return 0;
}
