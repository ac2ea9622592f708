/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The session daemon's seccomp policy and capabilities: build sandboxes. */

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/capability.h>
#include <linux/sockios.h>

#include "common/sandbox.h"

/*
 * Beyond the base set the session daemon tears sessions down and
 * squashes them: cgroup files, pidfds, an upper layer walked and
 * copied into a project tree, all through descriptors opened before
 * the chroot.  Sessions themselves are built by a helper it forks
 * before confining itself (sessiond/helper.c says why), whose
 * programs run under sessiond/filter.c, not under this policy.  The
 * namespace, mount, exec and pty rules below are what building in
 * this process took; the trace worker and the sandbox test's session
 * workload still use them, and they can go once those need less.
 * No network: the one kind of socket it may make, AF_UNIX with no
 * connect, carries the ioctl that brings loopback up (any socket
 * reaches the device ioctls).
 * XXX: sendmsg, in the base set, can still address a datagram to an
 * abstract AF_UNIX socket of the host's network namespace.
 */
static const struct sandbox_rule session_rules[] = {
	/* processes */
	SB_ALLOW("clone", "fork a session's init and workers; "
	    "namespace flags ride on clone"),
	SB_ALLOW("execve", "run a session's init and tools"),
	SB_ALLOW("execveat", "fexecve of a binary opened before chroot"),
	SB_ALLOW("wait4", "reap a session's init and workers"),
	SB_ALLOW("kill", "the kill switch; end a trace worker over its cap"),
	SB_ALLOW("tgkill", "raise() and abort() in a forked child"),
	SB_ALLOW("setsid", "a session's init leads its own session"),
	SB_ALLOW("setpgid", "a session's init leads its process group"),
	SB_ALLOW("pipe2", "session stdio; a trace upload's body, verdict, "
	    "reports and a stored file's plaintext"),
	SB_ALLOW("dup2", "stdio of a session's init; a trace worker's fds"),
	SB_ALLOW("dup3", "stdio of a session's init"),
	SB_ALLOW("close_range", "close inherited descriptors before exec, "
	    "and in a trace worker"),
	SB_ALLOW("prlimit64", "rlimits of a session and the trace worker"),
	SB_ALLOW("umask", "modes of files made in the upper layer"),

	/* namespaces and mounts */
	SB_ALLOW("unshare", "new pid, mount, net, UTS, IPC, cgroup ns"),
	SB_ALLOW("setns", "enter a session's namespaces to exec in it"),
	SB_ALLOW("mount", "overlay, proc, bind and read-only mounts"),
	SB_ALLOW("umount2", "detach a session's mounts at the end"),
	SB_ALLOW("pivot_root", "make the session's tree its root"),
	SB_ALLOW("chroot", "the trace worker's empty root"),
	SB_ALLOW("chdir", "into a new root"),
	SB_ALLOW("sethostname", "a session's UTS namespace gets a name"),

	/* files: session dirs, overlay layers, squash, cgroups, pty */
	SB_ALLOW("openat", "session files, cgroup files, /dev/ptmx"),
	SB_ALLOW("newfstatat", "squash compares files; whiteouts"),
	SB_ALLOW("getdents64", "walk an upper layer or a cgroup"),
	SB_ALLOW("lseek", "rewinddir, re-read cgroup.events, squash "
	    "finds a file's data and holes"),
	SB_ALLOW("mkdir", "session, upper, work and cgroup dirs"),
	SB_ALLOW("mkdirat", "the same relative to a directory fd"),
	SB_ALLOW("rmdir", "remove session and cgroup dirs"),
	SB_ALLOW("unlink", "discard an upper layer"),
	SB_ALLOW("unlinkat", "squash turns whiteouts into deletions"),
	SB_ALLOW("rename", "squash moves a file into the tree"),
	SB_ALLOW("renameat", "the same relative to a directory fd"),
	SB_ALLOW("renameat2", "the same, with RENAME_NOREPLACE"),
	SB_ALLOW("symlinkat", "squash copies a symbolic link back"),
	SB_ALLOW("readlinkat", "squash reads a symbolic link"),
	SB_ALLOW("lgetxattr", "overlayfs marks opaque directories"),
	SB_ALLOW("fchownat", "squash keeps owners; the user's upper dir"),
	SB_ALLOW("fchown", "the same on an open file"),
	SB_ALLOW("fchmodat", "squash keeps modes"),
	SB_ALLOW("fchmod", "the same on an open file"),
	SB_ALLOW("utimensat", "squash keeps modification times"),
	SB_ALLOW("fsync", "squash makes a copy durable before rename"),

	/* ids and capabilities of a session's processes */
	SB_ALLOW("setgroups", "a session runs with the user's groups; "
	    "a trace worker with none"),
	SB_ALLOW("setresgid", "a session runs as the user's gid; "
	    "a trace worker as nobody's"),
	SB_ALLOW("setresuid", "a session runs as the user, never root; "
	    "a trace worker as nobody"),
	SB_ALLOW("capget", "read the sets before trimming them"),
	SB_ALLOW("capset", "a session or trace worker gives up every "
	    "capability"),
	SB_ALLOW("prctl", "pdeathsig, no_new_privs, bounding set"),
	SB_ALLOW("seccomp", "the trace worker loads its own filter"),

	/* the session engine, once the helper builds the sandboxes */
	SB_ALLOW_EQ("socketpair", 0, AF_UNIX,
	    "a channel to each session's init, a stream to each exec"),
	SB_ALLOW("pidfd_send_signal", "the kill switch on a session's init"),
	SB_ALLOW("waitid", "reap a session's init through its pidfd"),
	SB_ALLOW("fgetxattr", "squash reads overlayfs opaque and origin"),
	SB_ALLOW("copy_file_range", "squash copies a file into the tree"),
	SB_ALLOW("pwrite64", "squash copies data between holes by hand "
	    "where copy_file_range cannot"),
	SB_ALLOW("ftruncate", "squash gives a copy with a trailing hole "
	    "its size"),
	SB_ALLOW("setfsgid", "squash keeps a directory's setgid: chmod "
	    "as of its group"),
	SB_ALLOW("clock_nanosleep", "wait for a v1 freezer to settle"),

	/* pty and loopback */
	SB_ALLOW_EQ("ioctl", 1, TIOCSCTTY, "the pty becomes the ctty"),
	SB_ALLOW_EQ("ioctl", 1, TIOCGPTN, "ptsname: the pty's number"),
	SB_ALLOW_EQ("ioctl", 1, TIOCSPTLCK, "unlockpt on the pty"),
	SB_ALLOW_EQ("ioctl", 1, TIOCSWINSZ, "the client's window size"),
	SB_ALLOW_EQ("ioctl", 1, TCGETS, "isatty and tcgetattr on a pty"),
	SB_ALLOW_EQ("ioctl", 1, SIOCGIFFLAGS, "read lo's flags"),
	SB_ALLOW_EQ("ioctl", 1, SIOCSIFFLAGS, "bring lo up in a new netns"),
	SB_ALLOW_EQ("socket", 0, AF_UNIX,
	    "carry SIOCSIFFLAGS; it may not connect, nor reach inet"),

	/*
	 * What ld.so and libc do at the start of every program exec'd
	 * from here (the trace worker), since a filter outlives execve.
	 * Session programs descend from the helper instead.
	 */
	SB_ALLOW("mmap", "ld.so maps code: widens the base rule"),
	SB_ALLOW("arch_prctl", "ld.so sets up thread-local storage"),
	SB_ALLOW("set_tid_address", "libc start-up"),
	SB_ALLOW("set_robust_list", "libc start-up"),
	SB_ALLOW("rseq", "libc start-up"),
	SB_ALLOW("access", "ld.so looks for /etc/ld.so.preload"),
	SB_ALLOW("pread64", "ld.so reads ELF program headers; squash "
	    "copies by hand; /proc/self/statm before each trace worker"),
};

const struct sandbox_policy sandbox_session = {
	"session", session_rules, SB_NRULES(session_rules)
};

/*
 * The session daemon stays uid 0 with only these; the bounding set
 * holds them alone, so nothing it execs as root gets more.
 */
const int caps_session[] = {
	CAP_CHOWN,		/* upper dirs and squashed files: owners */
	CAP_DAC_OVERRIDE,	/* read and remove what users left behind */
	CAP_FOWNER,		/* chmod and utimes on the users' files */
	CAP_KILL,		/* the kill switch on the users' processes */
	CAP_SETGID,		/* setgroups, setresgid to the user */
	CAP_SETUID,		/* setresuid to the user */
	CAP_NET_ADMIN,		/* bring lo up in a session's new netns */
	CAP_SYS_CHROOT,		/* chroot of the trace worker */
	CAP_SYS_ADMIN,		/* namespaces, mounts, pivot_root */
};
const size_t	ncaps_session = sizeof(caps_session) /
    sizeof(caps_session[0]);
