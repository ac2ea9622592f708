/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Dropping privileges in a child: root directory, ids, capabilities. */

#ifndef PCCX_PRIV_H
#define PCCX_PRIV_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct priv_spec {
	const char	*root;		/* chroot, NULL for none */
	uid_t		 uid;
	gid_t		 gid;
	const int	*caps;		/* kept: eff, perm, bounding */
	size_t		 ncaps;
};

/*
 * priv_drop: for good, in this order: chroot(root) and chdir("/"),
 * groups reduced to gid alone, real/effective/saved gid, every
 * capability not in caps out of the bounding set, the ambient set
 * cleared, real/effective/saved uid (skipped for uid 0: the session
 * daemon stays root, reduced), then effective and permitted set to
 * exactly caps with inheritable empty, then no_new_privs.  Each step
 * is checked, and a non-root result must be unable to get root back.
 * Called by a child, as root, once its descriptors are open and
 * before sandbox_load(); fatal() on any failure.
 */
void		priv_drop(const struct priv_spec *);

/* priv_caps_mask: the capability bit mask of a list, as in CapEff. */
uint64_t	priv_caps_mask(const int *, size_t);

#endif
