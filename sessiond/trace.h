/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The trace store of the session daemon: uploads, verdicts, reports. */

#ifndef PCCX_SESSIOND_TRACE_H
#define PCCX_SESSIOND_TRACE_H

#include <sys/resource.h>
#include <sys/types.h>

#include <stdint.h>

#include "proto/session.h"

struct event_base;
struct session_wire;

/* Limits of the one-shot worker that parses an upload. */
/*
 * The worker's uid and gid: one of its own, with no account, near the
 * top of the range (not nobody, which a session's user may be mapped
 * to), so that nothing else on the host runs with it.
 * XXX: nothing stops an operator from giving an account this uid.
 */
#define TRACE_WORKER_UID	2147483646
/* address space on top of what the worker starts with */
#define TRACE_WORKER_AS		(64 * 1024 * 1024)
#define TRACE_WORKER_CPU	30	/* seconds */
#define TRACE_WORKER_NOFILE	8
/* bytes of a reference */
#define TRACE_REF_MAX		(1024 * 1024)
/* a progress line per that much */
#define TRACE_PROGRESS		65536

/* Descriptors the worker finds in place (trace_worker_run moves them). */
#define TRACE_FD_BODY		0	/* the upload, read to its end */
#define TRACE_FD_VERDICT	1	/* NDJSON to the front end */
#define TRACE_FD_REPORT		2	/* reports to the daemon */
#define TRACE_FD_REF		3	/* the reference, if any */
/* Free descriptor numbers above what the daemon holds, to move to. */
#define TRACE_FD_HIGH		200

/*
 * The report stream from worker to daemon: for each of JSON, HTML and
 * Markdown a record of one kind byte (SESSION_TK_*) and a u64 length
 * in host order, then the bytes; then one end byte, TRACE_REP_DONE
 * when the verdict was complete, TRACE_REP_SHORT when the trace ended
 * early.  Nothing else.
 */
#define TRACE_REP_DONE		0xff
#define TRACE_REP_SHORT		0xfe
#define TRACE_REP_HDR		9

/*
 * The audit rows of the trace store carry peer ids with this bit set,
 * so that their ACK and NACK find their way back here.
 */
#define TRACE_AUDIT_BIT		0x80000000U

/*
 * trace_init: called by setup() as root before the chroot into dir
 * (<state>/session): makes and opens traces/, keys/ and refs/ under
 * it, and keeps base and wire for the replies, and audit, which gives
 * the channel to the audit daemon (NULL when there is none: then every
 * upload, delete and reference is refused).  0, or -1 logged.
 */
int	trace_init(const char *, struct event_base *,
	    const struct session_wire *, struct chan *(*)(void));

/*
 * Requests from the front end; each gets one reply (STREAM, DATA,
 * ROW... then LIST_END, DONE) or an ERROR.  fd is the descriptor the
 * message carried; it is the callee's from then on.  The user named
 * must hold the role the action needs in the project: viewer to list
 * and read, maintainer to upload and put references, owner to delete.
 * An upload, a delete and a reference put go ahead only once the audit
 * daemon has acknowledged their row; a refused row, or no answer
 * within the engine's audit_ms (SESS_AUDIT_MS by default), refuses
 * them with SESSION_E_AUDIT, and nothing of them is stored.
 */
void	trace_put(uint32_t, const struct p_session_trace *, int);
void	trace_list(uint32_t, const struct p_session_trace *);
void	trace_get(uint32_t, const struct p_session_trace *);
void	trace_del(uint32_t, const struct p_session_trace *);
void	trace_ref_put(uint32_t, const struct p_session_trace *, int);
/*
 * trace_end: the front end's word on an upload's body (TRACE_END); an
 * upload is stored only after an END of kind SESSION_TE_OK whose size
 * is the bytes read.  No reply.
 */
void	trace_end(uint32_t, const struct p_session_trace *);
/*
 * trace_audit_msg: MSG_AUDIT_ACK or MSG_AUDIT_NACK for a row whose
 * peer id has TRACE_AUDIT_BIT; 0, or -1 when it does not decode.
 */
int	trace_audit_msg(struct msg *);

/*
 * trace_worker_run: in a child the daemon just forked.  The four
 * descriptors (ref may be -1) become TRACE_FD_*; everything else is
 * closed.  It drops every capability and uid 0, sets no_new_privs and
 * the rlimits, loads a filter of read, write, exit and memory calls,
 * then checks the body, streams the verdict and, when complete,
 * writes the reports.  With check_ref set it only validates the
 * reference and exits 0 if it loads.  Never returns.
 */
void	trace_worker_run(int, int, int, int, int, rlim_t)
	    __attribute__((noreturn));

#endif
