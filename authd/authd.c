/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx-authd: holds the token signing key and decides who may do what. */

#include <sodium.h>

#include "common/child.h"

extern const struct sandbox_policy	sandbox_auth;
extern const int			caps_auth[];
extern const size_t			ncaps_auth;

static unsigned char	token_pk[crypto_sign_PUBLICKEYBYTES];
static unsigned char	token_sk[crypto_sign_SECRETKEYBYTES];

/* Derive the signing key from the seed the parent handed over. */
static int
auth_setup(void)
{
	return child_sign_key("token", token_pk, token_sk);
}

static const struct child_role auth_role = {
	.proc = PROC_AUTH,
	.caps = caps_auth,
	.policy = &sandbox_auth,
	.setup = auth_setup,
};

int
main(int argc, char *argv[])
{
	struct child_role	r = auth_role;

	r.ncaps = ncaps_auth;
	child_main(&r, argc, argv);
}
