/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccxctl enrol and revoke: the auth daemon's operator commands. */

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "proto/auth.h"
#include "pccxctl.h"

static int
auth_ask(struct ctl *ctl, uint16_t type, const struct p_auth_ctl *p)
{
	struct p_ctl_result	 res;
	struct msg		 m;
	json_t			*o;

	if (proto_send_auth_ctl(&ctl->c, type, 0, p) == -1 ||
	    msg_flush_wait(&ctl->c) == -1)
		fatal("send");
	ctl_next(ctl, &m);
	if (m.hdr.type != MSG_CTL_RESULT || proto_get_ctl_result(&m, &res))
		fatalx("bad answer from pccx-remoted");
	if (ctl->json) {
		o = json_pack("{s:b, s:s}", "ok", res.code == 0,
		    type == MSG_AUTH_CTL_ENROL && res.code == 0 ? "code" :
		    "message", res.text);
		json_dumpf(o, stdout, 0);
		putchar('\n');
		json_decref(o);
	} else
		fprintf(res.code ? stderr : stdout, "%s\n", res.text);
	return res.code ? 1 : 0;
}

static void
auth_id(struct p_auth_ctl *p, const char *id)
{
	if (pccx_strlcpy(p->id, id, sizeof(p->id)) >= sizeof(p->id) ||
	    *id == '\0' || !proto_auth_id_ok(id))
		fatalx("%s: bad name", id);
}

/*
 * cmd_enrol: pccxctl enrol USER prints a single-use enrolment code,
 * valid for 24 hours, with which USER registers a first device.
 */
int
cmd_enrol(struct ctl *ctl, int argc, char **argv)
{
	struct p_auth_ctl	p;

	if (argc != 2) {
		fprintf(stderr, "usage: pccxctl enrol user\n");
		return 2;
	}
	memset(&p, 0, sizeof(p));
	p.kind = AUTH_CTL_USER;
	auth_id(&p, argv[1]);
	return auth_ask(ctl, MSG_AUTH_CTL_ENROL, &p);
}

/*
 * cmd_revoke: pccxctl revoke user|device|session ID ends the sessions
 * (and for a user or device, the devices) it names, for the next
 * request on.
 */
int
cmd_revoke(struct ctl *ctl, int argc, char **argv)
{
	struct p_auth_ctl	p;

	memset(&p, 0, sizeof(p));
	if (argc == 3 && strcmp(argv[1], "user") == 0)
		p.kind = AUTH_CTL_USER;
	else if (argc == 3 && strcmp(argv[1], "device") == 0)
		p.kind = AUTH_CTL_DEVICE;
	else if (argc == 3 && strcmp(argv[1], "session") == 0)
		p.kind = AUTH_CTL_SESSION;
	else {
		fprintf(stderr, "usage: pccxctl revoke user|device|session "
		    "id\n");
		return 2;
	}
	auth_id(&p, argv[2]);
	return auth_ask(ctl, MSG_AUTH_CTL_REVOKE, &p);
}
