/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The auth daemon's seccomp policy and capabilities: HTTPS to the issuer. */

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>

#include "common/sandbox.h"

/*
 * Beyond the base set the auth daemon talks HTTPS to the OIDC issuer
 * through libcurl (discovery, JWKS, token exchange), which resolves
 * the issuer's name in a thread with glibc's resolver.  It reads, and
 * never writes, files in its root.
 * XXX: users, devices and credentials are read-only under this policy;
 * if the auth daemon comes to store registrations in its root itself,
 * it needs rules to write them (or the parent writes them for it).
 */
static const struct sandbox_rule auth_rules[] = {
	SANDBOX_RULES_HTTPS_CLIENT,
	SB_ALLOW_MASK("openat", 2, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY,
	    "read /etc/hosts, resolv.conf, nsswitch.conf, the CA file"),
};

const struct sandbox_policy sandbox_auth = {
	"auth", auth_rules, SB_NRULES(auth_rules)
};

/* The auth daemon keeps no capability. */
const int	caps_auth[] = { };
const size_t	ncaps_auth = 0;
