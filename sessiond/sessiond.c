/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx-sessiond: builds and ends the sandboxed sessions. */

#include <limits.h>
#include <stdio.h>

#include "common/child.h"
#include "common/log.h"
#include "common/util.h"
#include "proto/audit.h"
#include "sessiond/engine.h"
#include "sessiond/front.h"
#include "sessiond/trace.h"

extern const struct sandbox_policy	sandbox_session;
extern const int			caps_session[];
extern const size_t			ncaps_session;

static struct chan *
front_chan(void)
{
	return child_chan(PROC_FRONT);
}

static const struct session_wire	wire = { front_chan, child_commit };

static struct chan *
audit_chan(void)
{
	return child_chan(PROC_AUDIT);
}

/*
 * Each session decision goes to the audit daemon, which acks it by
 * the peerid the row went out with: its id, never 0, and never with
 * the bit that marks the trace store's rows.
 */
static uint32_t
sessiond_audit(void *arg, const struct p_audit_row *r)
{
	static uint32_t	 seq;
	struct chan	*c = child_chan(PROC_AUDIT);

	if (++seq == 0 || (seq & TRACE_AUDIT_BIT))
		seq = 1;
	if (c == NULL || proto_send_audit_append(c, seq, r) == -1) {
		log_warnx("audit row lost: %s %s", r->action, r->object);
		return 0;
	}
	child_commit(c);
	return seq;
}

/*
 * Before confinement: make the first configuration current and start
 * the engine, which forks its helper and opens what it needs from
 * the host, so that the chroot into <state>/session costs nothing.
 */
static int
sessiond_setup(void)
{
	struct session_params	p;
	char			dir[PATH_MAX];
	static char		cg[32];

	if (session_conf_commit() == -1) {
		log_warnx("no session configuration from the parent");
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/session", session_state_dir());
	p.dir = dir;
	cgroup_name(session_state_dir(), cg, sizeof(cg));
	p.cgroup = cg;
	p.no_cgroup2 = 0;
	p.base = child_base();
	p.reply = session_front_reply;
	p.arg = (void *)&wire;
	p.audit = sessiond_audit;
	p.audit_ms = 0;
	if (session_engine_init(&p) == -1)
		return -1;
	return trace_init(dir, p.base, &wire, audit_chan);
}

static void
sessiond_reload(void)
{
	if (session_conf_commit() == -1)
		log_warnx("session configuration not changed");
}

static const struct child_role session_role = {
	.proc = PROC_SESSION,
	.caps = caps_session,
	.policy = &sandbox_session,
	.rules = session_rules,
	.setup = sessiond_setup,
	.reload = sessiond_reload,
	.stop = cg_teardown,
};

int
main(int argc, char *argv[])
{
	struct child_role	r = session_role;

	r.ncaps = ncaps_session;
	r.nrules = session_nrules;
	child_main(&r, argc, argv);
}
