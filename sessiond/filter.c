/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Seccomp filters of the session helper and of the programs in a session. */

#include <sys/ioctl.h>

#include <sys/syscall.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"
#include "sessiond/engine.h"

/*
 * A session runs the user's compilers, shells, make, python and git,
 * so its filter lets everything through but what widens the kernel's
 * attack surface or reaches out of the sandbox.  The calls refused
 * fail with EPERM, so that tools that probe them carry on.  The
 * helper runs under the same list but may still build mounts; its
 * filter stays in force under each session's own, which adds the
 * mount calls.  Filters stack: a session can only lose calls.
 */
#define FILTER_MAXLEN	(32 * 1024)	/* a pipe holds it whole */

struct deny {
	const char	*call;
	int		 err;
	int		 helper;	/* refused to the helper as well */
	const char	*why;
};

static const struct deny deny_list[] = {
	/* the mount table belongs to the sandbox's builder */
	{ "mount", EPERM, 0, "no new mounts or remounts in a session" },
	{ "umount2", EPERM, 0, "no lifting of what hides host files" },
	{ "pivot_root", EPERM, 0, "the root is fixed" },
	{ "chroot", EPERM, 0, "the root is fixed" },
	{ "open_tree", EPERM, 0, "new mount API: no copies of mounts" },
	{ "move_mount", EPERM, 0, "new mount API" },
	{ "fsopen", EPERM, 0, "new mount API" },
	{ "fsconfig", EPERM, 0, "new mount API" },
	{ "fsmount", EPERM, 0, "new mount API" },
	{ "fspick", EPERM, 0, "new mount API: no reconfiguring" },
	{ "mount_setattr", EPERM, 0, "no flipping read-only or nosuid" },
	/* namespaces: the session's are the only ones */
	{ "setns", EPERM, 1, "no joining another namespace" },
	/* the kernel's wider surfaces */
	{ "keyctl", EPERM, 1, "kernel keyrings are shared with the host" },
	{ "add_key", EPERM, 1, "kernel keyrings" },
	{ "request_key", EPERM, 1, "kernel keyrings" },
	{ "bpf", EPERM, 1, "no BPF programs or maps" },
	{ "perf_event_open", EPERM, 1, "no perf events: side channels" },
	{ "userfaultfd", EPERM, 1, "a classic exploit aid" },
	{ "io_uring_setup", EPERM, 1, "io_uring bypasses this filter" },
	{ "io_uring_enter", EPERM, 1, "io_uring" },
	{ "io_uring_register", EPERM, 1, "io_uring" },
	{ "init_module", EPERM, 1, "no kernel modules" },
	{ "finit_module", EPERM, 1, "no kernel modules" },
	{ "delete_module", EPERM, 1, "no kernel modules" },
	{ "kexec_load", EPERM, 1, "no new kernel" },
	{ "kexec_file_load", EPERM, 1, "no new kernel" },
	{ "reboot", EPERM, 1, "the host stays up" },
	{ "swapon", EPERM, 1, "the host's swap" },
	{ "swapoff", EPERM, 1, "the host's swap" },
	{ "acct", EPERM, 1, "process accounting is the host's" },
	{ "quotactl", EPERM, 1, "quotas are the host's" },
	{ "syslog", EPERM, 1, "the kernel log is the host's" },
	{ "iopl", EPERM, 1, "no port I/O" },
	{ "ioperm", EPERM, 1, "no port I/O" },
	{ "settimeofday", EPERM, 1, "the clock is the host's" },
	{ "clock_settime", EPERM, 1, "the clock is the host's" },
	{ "clock_adjtime", EPERM, 1, "the clock is the host's" },
	{ "adjtimex", EPERM, 1, "the clock is the host's" },
	{ "name_to_handle_at", EPERM, 1, "handles open files by inode" },
	{ "open_by_handle_at", EPERM, 1, "the shocker escape" },
	{ "lookup_dcookie", EPERM, 1, "profiling interface" },
	{ "vhangup", EPERM, 1, "hangs up terminals" },
	/*
	 * ptrace is refused outright, PTRACE_TRACEME included: within
	 * one uid a tracer could steer any process of the session, and
	 * gdb and strace are not worth that surface.  The same goes for
	 * the calls that read or write another process's memory.
	 */
	{ "ptrace", EPERM, 1, "no tracing, of anything" },
	{ "process_vm_readv", EPERM, 1, "ptrace by another name" },
	{ "process_vm_writev", EPERM, 1, "ptrace by another name" },
	{ "kcmp", EPERM, 1, "compares kernel pointers of processes" },
	{ "pidfd_getfd", EPERM, 1, "takes another process's descriptors" },
};

static int
filter_deny(scmp_filter_ctx ctx, const struct deny *d)
{
	int	nr = seccomp_syscall_resolve_name(d->call);

	if (nr == __NR_SCMP_ERROR)
		return -1;
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(d->err), nr, 0);
}

/*
 * No new user namespace: inside one, an unprivileged user is root
 * and may mount and unshare again.  clone3 hides its flags in
 * memory, so it fails with ENOSYS and libc falls back to clone,
 * whose flags the filter sees; the helper itself may use clone3,
 * for CLONE_INTO_CGROUP, since a session's filter refuses it anyway.
 * TIOCSTI would type into a terminal.
 */
static int
filter_args(scmp_filter_ctx ctx, int kind)
{
	struct scmp_arg_cmp	newuser = SCMP_A0(SCMP_CMP_MASKED_EQ,
				    CLONE_NEWUSER, CLONE_NEWUSER);
	struct scmp_arg_cmp	sti = SCMP_A1(SCMP_CMP_MASKED_EQ,
				    0xffffffff, TIOCSTI);

	if (seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM),
	    SCMP_SYS(clone), 1, &newuser) != 0 ||
	    seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM),
	    SCMP_SYS(unshare), 1, &newuser) != 0 ||
	    seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM),
	    SCMP_SYS(ioctl), 1, &sti) != 0)
		return -1;
	if (kind == FILTER_USER && seccomp_rule_add(ctx,
	    SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) != 0)
		return -1;
	return 0;
}

/* The BPF program libseccomp made, read back through a pipe. */
static void *
filter_export(scmp_filter_ctx ctx, size_t *len)
{
	char	*buf;
	ssize_t	 n;
	int	 p[2];

	if ((buf = malloc(FILTER_MAXLEN)) == NULL)
		return NULL;
	if (pipe2(p, O_CLOEXEC) == -1) {
		free(buf);
		return NULL;
	}
	if (seccomp_export_bpf(ctx, p[1]) == 0) {
		close(p[1]);
		p[1] = -1;
		n = read(p[0], buf, FILTER_MAXLEN);
		if (n > 0 && n < FILTER_MAXLEN &&
		    n % sizeof(struct sock_filter) == 0) {
			close(p[0]);
			*len = n;
			return buf;
		}
	}
	if (p[1] != -1)
		close(p[1]);
	close(p[0]);
	free(buf);
	return NULL;
}

/*
 * filter_build: compile a filter, FILTER_HELPER for the helper or
 * FILTER_USER for a session's init, whose programs inherit it, into
 * a BPF program (malloc'd into *prog).  A call of another
 * architecture kills the process.  Returns 0, or -1.
 */
int
filter_build(int kind, struct sock_fprog *prog)
{
	scmp_filter_ctx	 ctx;
	size_t		 i, len;
	void		*buf = NULL;
	int		 rv = -1;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return -1;
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) != 0)
		goto out;
	for (i = 0; i < sizeof(deny_list) / sizeof(deny_list[0]); i++) {
		if (kind == FILTER_HELPER && !deny_list[i].helper)
			continue;
		if (filter_deny(ctx, &deny_list[i]) != 0) {
			log_warnx("session filter: cannot add %s",
			    deny_list[i].call);
			goto out;
		}
	}
	if (filter_args(ctx, kind) != 0)
		goto out;
	if ((buf = filter_export(ctx, &len)) == NULL)
		goto out;
	prog->len = len / sizeof(struct sock_filter);
	prog->filter = buf;
	buf = NULL;
	rv = 0;
out:
	free(buf);
	seccomp_release(ctx);
	return rv;
}

/*
 * filter_load: load a program filter_build made.  The caller has
 * no_new_privs set.  Returns 0, or -1.
 */
int
filter_load(const struct sock_fprog *prog)
{
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) == 0 ?
	    0 : -1;
}
