/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx-auditd: keeps the append-only audit log and its signing key. */

#include <sodium.h>

#include "common/child.h"

extern const struct sandbox_policy	sandbox_audit;
extern const int			caps_audit[];
extern const size_t			ncaps_audit;

static unsigned char	audit_pk[crypto_sign_PUBLICKEYBYTES];
static unsigned char	audit_sk[crypto_sign_SECRETKEYBYTES];

/* Derive the signing key from the seed the parent handed over. */
static int
audit_setup(void)
{
	return child_sign_key("audit", audit_pk, audit_sk);
}

static const struct child_role audit_role = {
	.proc = PROC_AUDIT,
	.caps = caps_audit,
	.policy = &sandbox_audit,
	.setup = audit_setup,
};

int
main(int argc, char *argv[])
{
	struct child_role	r = audit_role;

	r.ncaps = ncaps_audit;
	child_main(&r, argc, argv);
}
