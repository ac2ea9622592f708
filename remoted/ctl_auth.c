/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The parent relays pccxctl's enrol and revoke to the auth daemon. */

#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "proto/auth.h"
#include "remoted.h"

/*
 * ctl_auth_relay: MSG_AUTH_CTL_ENROL or MSG_AUTH_CTL_REVOKE from
 * pccxctl, checked here and passed on to the auth daemon under the
 * control connection's id, which comes back with the answer.
 */
int
ctl_auth_relay(struct chan *c, struct msg *m)
{
	struct p_auth_ctl	 ctl;
	struct p_ctl_result	 res;
	struct child		*ch = child_by_proc(PROC_AUTH);

	if (proto_get_auth_ctl(m, &ctl) == -1)
		return -1;
	log_info("control: %s %s", m->hdr.type == MSG_AUTH_CTL_ENROL ?
	    "enrol" : "revoke", ctl.id);
	if (ch == NULL || !ch->live || proto_send_auth_ctl(&ch->c,
	    m->hdr.type, control_id(c), &ctl) == -1) {
		memset(&res, 0, sizeof(res));
		res.code = 1;
		pccx_strlcpy(res.text, "the auth daemon is not running",
		    sizeof(res.text));
		return control_reply(control_id(c), &res) == -1 ? -1 : 0;
	}
	parent_commit(&ch->c);
	return 0;
}

/*
 * ctl_auth_result: the auth daemon's answer; the peer id names the
 * control connection, which may have gone meanwhile.
 */
int
ctl_auth_result(struct chan *c, struct msg *m)
{
	struct p_ctl_result	res;

	if (proto_get_ctl_result(m, &res) == -1)
		return -1;
	if (control_reply(m->hdr.peerid, &res) == -1)
		log_debug("control connection %u went away", m->hdr.peerid);
	return 0;
}
