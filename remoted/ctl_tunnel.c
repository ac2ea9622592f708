/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The parent relays pccxctl tunnel show to the tunnel daemon and back. */

#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "proto/tunnel.h"
#include "remoted.h"

/*
 * ctl_tunnel_relay: MSG_TUNNEL_SHOW from pccxctl, passed on to the
 * tunnel daemon under the control connection's id; the peers come
 * back with it.  Without a tunnel daemon the answer is an error.
 */
int
ctl_tunnel_relay(struct chan *c, struct msg *m)
{
	struct p_ctl_result	 res;
	struct child		*ch = child_by_proc(PROC_TUNNEL);

	if (proto_get_empty(m) == -1)
		return -1;
	if (ch == NULL || !ch->live || proto_send_empty(&ch->c,
	    MSG_TUNNEL_SHOW, control_id(c)) == -1) {
		memset(&res, 0, sizeof(res));
		res.code = 1;
		pccx_strlcpy(res.text, "the tunnel daemon is not running",
		    sizeof(res.text));
		return control_reply(control_id(c), &res) == -1 ? -1 : 0;
	}
	parent_commit(&ch->c);
	return 0;
}

/*
 * ctl_tunnel_info: one peer from the tunnel daemon, checked and sent
 * on to the control connection the peer id names, if still there.
 */
int
ctl_tunnel_info(struct chan *c, struct msg *m)
{
	struct p_tunnel_peer_info	 p;
	struct chan			*cc;

	if (proto_get_tunnel_peer_info(m, &p) == -1)
		return -1;
	if ((cc = control_chan(m->hdr.peerid)) == NULL)
		return 0;
	if (proto_send_tunnel_peer_info(cc, 0, &p) == -1)
		log_warnx("control: peer listing too long");
	return 0;
}

/* ctl_tunnel_end: the end of the listing. */
int
ctl_tunnel_end(struct chan *c, struct msg *m)
{
	struct chan	*cc;

	if (proto_get_empty(m) == -1)
		return -1;
	if ((cc = control_chan(m->hdr.peerid)) == NULL)
		return 0;
	if (proto_send_empty(cc, MSG_CTL_END, 0) == -1)
		log_warnx("control: peer listing too long");
	control_commit(m->hdr.peerid);
	return 0;
}
