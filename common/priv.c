/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Privilege drop for a child: chroot, ids, capability sets, no_new_privs. */

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/capability.h>

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

/* The capability numbers a 64-bit mask can name. */
#define PRIV_MAXCAP	64

static void	priv_root(const char *);
static void	priv_groups(gid_t);
static void	priv_bound(uint64_t);
static void	priv_uid(uid_t);
static void	priv_caps_set(uint64_t);
static void	priv_check(const struct priv_spec *, uint64_t);
static void	priv_check_caps(uint64_t);

void
priv_drop(const struct priv_spec *ps)
{
	uint64_t	keep = priv_caps_mask(ps->caps, ps->ncaps);

	if (ps->root != NULL)
		priv_root(ps->root);
	priv_groups(ps->gid);
	priv_bound(keep);
	priv_uid(ps->uid);
	priv_caps_set(keep);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl PR_SET_NO_NEW_PRIVS");
	priv_check(ps, keep);
	log_debug("privileges dropped: uid %u gid %u caps %#llx",
	    (unsigned int)ps->uid, (unsigned int)ps->gid,
	    (unsigned long long)keep);
}

uint64_t
priv_caps_mask(const int *caps, size_t ncaps)
{
	uint64_t	mask = 0;
	size_t		i;

	for (i = 0; i < ncaps; i++) {
		if (caps[i] < 0 || caps[i] >= PRIV_MAXCAP)
			fatalx("capability %d out of range", caps[i]);
		mask |= 1ULL << caps[i];
	}
	return mask;
}

static void
priv_root(const char *root)
{
	if (root[0] == '\0')
		fatalx("empty chroot directory");
	if (chroot(root) == -1)
		fatal("chroot %s", root);
	if (chdir("/") == -1)
		fatal("chdir / in %s", root);
}

static void
priv_groups(gid_t gid)
{
	if (setgroups(1, &gid) == -1)
		fatal("setgroups %u", (unsigned int)gid);
	if (setresgid(gid, gid, gid) == -1)
		fatal("setresgid %u", (unsigned int)gid);
}

/*
 * Take every capability not kept out of the bounding set, while
 * CAP_SETPCAP is still effective, and empty the ambient set.
 */
static void
priv_bound(uint64_t keep)
{
	int	cap, in;

	for (cap = 0; cap < PRIV_MAXCAP; cap++) {
		if ((in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0)) == -1) {
			if (errno == EINVAL)
				break;		/* past the last one */
			fatal("prctl PR_CAPBSET_READ %d", cap);
		}
		if (keep & (1ULL << cap)) {
			if (in != 1)
				fatalx("capability %d to keep is not in the "
				    "bounding set", cap);
			continue;
		}
		if (in == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1)
			fatal("prctl PR_CAPBSET_DROP %d", cap);
	}
	if (cap < PRIV_MAXCAP && (keep >> cap) != 0)
		fatalx("capability to keep unknown to this kernel");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		fatal("prctl PR_CAP_AMBIENT_CLEAR_ALL");
}

/*
 * Change uid with PR_SET_KEEPCAPS on, so that the permitted set
 * survives for priv_caps_set() to trim; the effective set is empty
 * after the change either way.
 */
static void
priv_uid(uid_t uid)
{
	if (uid == 0)
		return;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
		fatal("prctl PR_SET_KEEPCAPS");
	if (setresuid(uid, uid, uid) == -1)
		fatal("setresuid %u", (unsigned int)uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1)
		fatal("prctl PR_SET_KEEPCAPS off");
}

static void
priv_caps_set(uint64_t keep)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[_LINUX_CAPABILITY_U32S_3];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	data[0].effective = data[0].permitted = (uint32_t)keep;
	data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &hdr, data) == -1)
		fatal("capset");
}

/* Read back what the kernel now holds; anything else is fatal. */
static void
priv_check(const struct priv_spec *ps, uint64_t keep)
{
	uid_t	ruid, euid, suid;
	gid_t	rgid, egid, sgid, groups[2];

	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1)
		fatal("getresuid");
	if (ruid != ps->uid || euid != ps->uid || suid != ps->uid ||
	    rgid != ps->gid || egid != ps->gid || sgid != ps->gid)
		fatalx("ids did not change");
	if (getgroups(2, groups) != 1 || groups[0] != ps->gid)
		fatalx("supplementary groups remain");
	if (ps->uid != 0 && (setresuid(0, 0, 0) != -1 ||
	    setresgid(0, 0, 0) != -1))
		fatalx("root could be regained");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		fatalx("no_new_privs is not set");
	priv_check_caps(keep);
}

static void
priv_check_caps(uint64_t keep)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[_LINUX_CAPABILITY_U32S_3];
	uint64_t			eff, prm, inh;
	int				cap, in;

	memset(&hdr, 0, sizeof(hdr));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, data) == -1)
		fatal("capget");
	eff = data[0].effective | (uint64_t)data[1].effective << 32;
	prm = data[0].permitted | (uint64_t)data[1].permitted << 32;
	inh = data[0].inheritable | (uint64_t)data[1].inheritable << 32;
	if (eff != keep || prm != keep || inh != 0)
		fatalx("capabilities are %#llx/%#llx/%#llx, not %#llx",
		    (unsigned long long)eff, (unsigned long long)prm,
		    (unsigned long long)inh, (unsigned long long)keep);
	for (cap = 0; cap < PRIV_MAXCAP; cap++) {
		if ((in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0)) == -1)
			break;
		if ((uint64_t)in != ((keep >> cap) & 1))
			fatalx("bounding set still differs at %d", cap);
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap,
		    0, 0) != 0)
			fatalx("ambient capability %d remains", cap);
	}
}
