/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Building a session's sandbox, as its pid 1, from the helper's host view. */

#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/openat2.h>
#include <net/if.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "sessiond/engine.h"

static void	build_fail(struct chan *, const char *, const char *)
		    __attribute__((noreturn));
static int	build_root(const struct build_args *);
static int	build_binds(int, const char **);
static int	build_dev(const char **);
static int	build_kernfs(const char **);
static int	build_project(const struct build_args *, const char **);
static int	build_home(const struct build_args *, const char **);
static int	build_hide(const struct build_args *, const char **);
static int	build_pivot(const char **);
static int	build_net(const struct build_args *, const char **);
static int	build_ids(const struct build_args *, const char **);

/* Top-level names of the root that a session gets its own of. */
static const char *const own_dirs[] = {
	"proc", "sys", "dev", "tmp", "run", "home", "root", "project", NULL
};

/* The device nodes a session sees: bound from the host's /dev. */
static const char *const dev_nodes[] = {
	"null", "zero", "full", "random", "urandom", "tty", NULL
};

static const struct {
	const char	*name;
	const char	*target;
} dev_links[] = {
	{ "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
	{ "ptmx", "pts/ptmx" },
};

/* Report a failed step to the daemon, which fails the OPEN. */
static void
build_fail(struct chan *ctl, const char *step, const char *what)
{
	struct p_session_fail	f;
	int			saved = errno;

	memset(&f, 0, sizeof(f));
	f.err = saved > 0 && saved < 4096 ? saved : 0;
	snprintf(f.text, sizeof(f.text), "%s%s%s: %s", step,
	    what != NULL ? " " : "", what != NULL ? what : "",
	    strerror(saved));
	if (proto_send_session_fail(ctl, MSG_SESSION_I_FAIL, &f) == 0)
		msg_flush_wait(ctl);
	_exit(1);
}

/* Attach a copy of the mount at (dfd, path) on target; flags for it. */
static int
bind_at(int dfd, const char *path, int tfd, const char *target,
    uint64_t set, int recursive)
{
	struct mount_attr	attr;
	int			t, rv = -1;

	t = open_tree(dfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
	    AT_SYMLINK_NOFOLLOW | (recursive ? AT_RECURSIVE : 0) |
	    (path[0] == '\0' ? AT_EMPTY_PATH : 0));
	if (t == -1)
		return -1;
	memset(&attr, 0, sizeof(attr));
	attr.attr_set = set;
	attr.propagation = MS_PRIVATE;
	if (mount_setattr(t, "", AT_EMPTY_PATH |
	    (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) == 0 &&
	    move_mount(t, "", tfd, target, MOVE_MOUNT_F_EMPTY_PATH |
	    (target[0] == '\0' ? MOVE_MOUNT_T_EMPTY_PATH : 0)) == 0)
		rv = 0;
	close(t);
	return rv;
}

/*
 * build_session: run in the helper's child, created with new mount,
 * pid, network, UTS and IPC namespaces, as their pid 1.  It builds
 * the session's root from the helper's view of the host, pivots into
 * it, drops to the user's ids under the session filter and becomes
 * the session's init.  A failure is reported on the control channel
 * and ends the child.
 */
void
build_session(const struct build_args *a)
{
	static struct chan	 ctl;
	const char		*what = NULL;
	char			 name[HOST_NAME_MAX];
	int			 rootfs;

	if (chan_init(&ctl, a->ctlfd, PROC_SESSION) == -1)
		_exit(1);
	log_to_parent(&ctl);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
	    prctl(PR_SET_NAME, "session-init") == -1)
		build_fail(&ctl, "prctl", NULL);
	if (cg_join(a->uuid) == -1)
		build_fail(&ctl, "join cgroups", NULL);
	if (unshare(CLONE_NEWCGROUP) == -1)
		build_fail(&ctl, "cgroup namespace", NULL);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		build_fail(&ctl, "private mounts", NULL);
	if (build_root(a) == -1)
		build_fail(&ctl, "root tmpfs", NULL);
	/*
	 * The root is opened here, in the new mount namespace: a mount
	 * of the helper's namespace could not be copied from this one.
	 */
	if ((rootfs = open(a->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		build_fail(&ctl, "root filesystem", a->root);
	if (build_binds(rootfs, &what) == -1)
		build_fail(&ctl, "bind", what);
	close(rootfs);
	if (build_kernfs(&what) == -1)
		build_fail(&ctl, "mount", what);
	if (build_dev(&what) == -1)
		build_fail(&ctl, "dev", what);
	if (build_project(a, &what) == -1)
		build_fail(&ctl, "project overlay", what);
	if (build_home(a, &what) == -1)
		build_fail(&ctl, "home", what);
	if (build_hide(a, &what) == -1)
		build_fail(&ctl, "hide", what);
	if (build_pivot(&what) == -1)
		build_fail(&ctl, "pivot_root", what);
	snprintf(name, sizeof(name), "pccx-%.8s", a->uuid);
	if (sethostname(name, strlen(name)) == -1)
		build_fail(&ctl, "sethostname", NULL);
	if (build_net(a, &what) == -1)
		build_fail(&ctl, "loopback", what);
	if (build_ids(a, &what) == -1)
		build_fail(&ctl, "ids", what);
	if (filter_load(a->filter) == -1)
		build_fail(&ctl, "seccomp", NULL);
	sinit_main(&ctl, a->account);
}

/* A tmpfs for the new root, and the cwd in it for what follows. */
static int
build_root(const struct build_args *a)
{
	char	path[PATH_MAX], opts[64];

	if (a->tmpsize != 0)
		snprintf(opts, sizeof(opts), "mode=0755,size=%llu",
		    (unsigned long long)a->tmpsize);
	else
		snprintf(opts, sizeof(opts), "mode=0755,size=50%%");
	snprintf(path, sizeof(path), "%s/%s/root", SESS_DIR_LIVE, a->uuid);
	if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, opts) == -1)
		return -1;
	return chdir(path);
}

static int
own_dir(const char *name)
{
	size_t	i;

	for (i = 0; own_dirs[i] != NULL; i++)
		if (strcmp(name, own_dirs[i]) == 0)
			return 1;
	return 0;
}

/* One top-level entry of the root, read-only, nosuid, nodev. */
static int
build_bind_one(int rootfs, const char *name, int type)
{
	char	target[PATH_MAX];
	ssize_t	n;
	int	fd;

	switch (type) {
	case DT_LNK:
		n = readlinkat(rootfs, name, target, sizeof(target) - 1);
		if (n < 0)
			return -1;
		target[n] = '\0';
		return symlinkat(target, AT_FDCWD, name);
	case DT_DIR:
		if (mkdir(name, 0755) == -1)
			return -1;
		break;
	case DT_REG:
		if ((fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0644)) == -1)
			return -1;
		close(fd);
		break;
	default:
		return 0;
	}
	return bind_at(rootfs, name, AT_FDCWD, name, MOUNT_ATTR_RDONLY |
	    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 1);
}

/*
 * The root filesystem, one top-level entry at a time, so that the
 * new root stays a tmpfs where /project, /home and /tmp can be made.
 * XXX: a Unix socket a host service keeps in the read-only tree
 * (outside /run, /tmp, /var/tmp, /home, which sessions have their
 * own of) stays connectable as its permissions allow: connect(2) on
 * a path is beyond seccomp, and no mount flag stops it.
 */
static int
build_binds(int rootfs, const char **what)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	int		 fd, type, rv = 0;

	if ((fd = dup(rootfs)) == -1 || (d = fdopendir(fd)) == NULL)
		return -1;
	while (rv == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		if (own_dir(de->d_name))
			continue;
		type = de->d_type;
		if (type == DT_UNKNOWN) {
			if (fstatat(rootfs, de->d_name, &sb,
			    AT_SYMLINK_NOFOLLOW) == -1)
				continue;
			type = S_ISDIR(sb.st_mode) ? DT_DIR :
			    S_ISLNK(sb.st_mode) ? DT_LNK :
			    S_ISREG(sb.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		*what = de->d_name;
		rv = build_bind_one(rootfs, de->d_name, type);
	}
	if (rv == 0)
		*what = NULL;
	else {
		/* de->d_name dies with the stream; keep a copy. */
		static char	failed[NAME_MAX + 1];

		snprintf(failed, sizeof(failed), "%s", *what);
		*what = failed;
	}
	closedir(d);
	return rv;
}

/* /proc of the new pid namespace, /proc/sys read-only, a fresh /sys. */
static int
build_kernfs(const char **what)
{
	*what = "/proc";
	if (mkdir("proc", 0555) == -1 || mount("proc", "proc", "proc",
	    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == -1)
		return -1;
	*what = "/proc/sys";
	if (bind_at(AT_FDCWD, "proc/sys", AT_FDCWD, "proc/sys",
	    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
	    MOUNT_ATTR_NOEXEC, 0) == -1)
		return -1;
	*what = "/sys";
	if (mkdir("sys", 0555) == -1 || mount("sysfs", "sys", "sysfs",
	    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == -1)
		return -1;
	*what = NULL;
	return 0;
}

/* A minimal /dev: a few nodes bound from the host, a private devpts. */
static int
build_dev(const char **what)
{
	char	path[64], host[64];
	size_t	i;
	int	fd;

	*what = "tmpfs";
	if (mkdir("dev", 0755) == -1 || mount("tmpfs", "dev", "tmpfs",
	    MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    "mode=0755,size=64k,nr_inodes=64") == -1)
		return -1;
	for (i = 0; dev_nodes[i] != NULL; i++) {
		*what = dev_nodes[i];
		snprintf(path, sizeof(path), "dev/%s", dev_nodes[i]);
		snprintf(host, sizeof(host), "/dev/%s", dev_nodes[i]);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0666)) == -1)
			return -1;
		close(fd);
		if (bind_at(AT_FDCWD, host, AT_FDCWD, path,
		    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, 0) == -1)
			return -1;
	}
	for (i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++) {
		*what = dev_links[i].name;
		snprintf(path, sizeof(path), "dev/%s", dev_links[i].name);
		if (symlink(dev_links[i].target, path) == -1)
			return -1;
	}
	*what = "pts";
	if (mkdir("dev/pts", 0755) == -1 || mount("devpts", "dev/pts",
	    "devpts", MS_NOSUID | MS_NOEXEC,
	    "newinstance,ptmxmode=0666,mode=0620") == -1)
		return -1;
	*what = "shm";
	if (mkdir("dev/shm", 01777) == -1 || mount("tmpfs", "dev/shm",
	    "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=50%") == -1)
		return -1;
	*what = NULL;
	return 0;
}

/*
 * The project tree, opened again in this mount namespace (overlayfs
 * takes its layers from the caller's own), and checked to be the
 * directory the helper opened and gave the daemon for squash.
 */
static int
build_lower(const struct build_args *a)
{
	struct stat	sa, sb;
	int		fd;

	if ((fd = open(a->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &sa) == -1 || fstat(a->treefd, &sb) == -1 ||
	    sa.st_dev != sb.st_dev || sa.st_ino != sb.st_ino) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

/*
 * /project: an overlay whose lower layer is the project tree, and
 * whose upper and work directories are the session's under
 * <state>/session/sessions/<uuid>.  With the
 * redirect, index and metacopy features off, the upper layer holds
 * whole files, whiteouts and opaque directories only: what squash
 * knows how to apply.
 * XXX: the upper layer has no quota: a session can fill the disk of
 * the state directory (end_prune bounds only how long kept layers
 * stay).
 */
static int
build_project(const struct build_args *a, const char **what)
{
	static const char *const off[] = { "redirect_dir", "index",
	    "metacopy", NULL };
	char	lower[64], upper[PATH_MAX], work[PATH_MAX];
	int	fs, m = -1, i, rv = -1, lfd;

	*what = "tree";
	if ((lfd = build_lower(a)) == -1)
		return -1;
	snprintf(lower, sizeof(lower), "/proc/self/fd/%d", lfd);
	snprintf(upper, sizeof(upper), "%s/%s/%s/upper", a->dir,
	    SESS_DIR_LIVE, a->uuid);
	snprintf(work, sizeof(work), "%s/%s/%s/work", a->dir, SESS_DIR_LIVE,
	    a->uuid);
	if ((fs = fsopen("overlay", FSOPEN_CLOEXEC)) == -1) {
		close(lfd);
		return -1;
	}
	*what = "options";
	if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) == -1 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) == -1 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) == -1)
		goto out;
	for (i = 0; off[i] != NULL; i++)
		if (fsconfig(fs, FSCONFIG_SET_STRING, off[i], "off", 0) == -1)
			goto out;
	*what = "create";
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == -1 ||
	    (m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID |
	    MOUNT_ATTR_NODEV)) == -1)
		goto out;
	*what = "attach";
	if (mkdir("project", 0755) == -1 ||
	    move_mount(m, "", AT_FDCWD, "project",
	    MOVE_MOUNT_F_EMPTY_PATH) == -1)
		goto out;
	*what = NULL;
	rv = 0;
out:
	if (m != -1)
		close(m);
	close(fs);
	close(lfd);
	return rv;
}

/*
 * The user's own directories on the root tmpfs: /tmp, a home of
 * their own, an empty /run and /root; a private /var/tmp as well,
 * since a host service could keep its socket in the shared one.
 */
static int
build_home(const struct build_args *a, const char **what)
{
	char	home[PROTO_NAMEMAX + 8];

	*what = "/tmp";
	if (mkdir("tmp", 0) == -1 || chmod("tmp", 01777) == -1)
		return -1;
	*what = "/run";
	if (mkdir("run", 0755) == -1 || mkdir("root", 0700) == -1)
		return -1;
	*what = "/home";
	snprintf(home, sizeof(home), "home/%s", a->account);
	if (mkdir("home", 0755) == -1 || mkdir(home, 0700) == -1 ||
	    chown(home, a->uid, a->gid) == -1)
		return -1;
	*what = "/var/tmp";
	if (access("var/tmp", F_OK) == 0 && mount("tmpfs", "var/tmp",
	    "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=50%") == -1)
		return -1;
	*what = NULL;
	return 0;
}

/*
 * An empty read-only tmpfs on the directory open at fd; the mount
 * stays open, for copies of it to go on the other directories.  It
 * is attached at once: a detached mount left to close would cost an
 * RCU grace period.
 */
static int
build_empty(int fd)
{
	int	fs, m = -1;

	if ((fs = fsopen("tmpfs", FSOPEN_CLOEXEC)) == -1)
		return -1;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "size", "4k", 0) == 0 &&
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0 &&
	    (m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY |
	    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)) != -1 &&
	    move_mount(m, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH |
	    MOVE_MOUNT_T_EMPTY_PATH) == -1) {
		close(m);
		m = -1;
	}
	close(fs);
	return m;
}

/*
 * Hide each configured path as the session would see it: resolved
 * inside the new root, so that a symbolic link is followed there and
 * not on the host.  A directory gets an empty read-only tmpfs over
 * it, anything else the host's /dev/null.
 */
static int
build_hide(const struct build_args *a, const char **what)
{
	struct open_how	 how;
	struct stat	 sb;
	int		 root, fd = -1, empty = -1, i, rv = -1;

	if ((root = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	for (i = 0; a->hide[i] != NULL; i++) {
		*what = a->hide[i];
		memset(&how, 0, sizeof(how));
		how.flags = O_PATH | O_CLOEXEC;
		how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
		fd = syscall(SYS_openat2, root, a->hide[i] + 1, &how,
		    sizeof(how));
		if (fd == -1) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			goto out;
		}
		if (fstat(fd, &sb) == -1)
			goto fail;
		if (S_ISDIR(sb.st_mode) && empty == -1) {
			if ((empty = build_empty(fd)) == -1)
				goto fail;
			close(fd);
			continue;
		}
		if ((S_ISDIR(sb.st_mode) ? bind_at(empty, "", fd, "",
		    MOUNT_ATTR_RDONLY, 0) : bind_at(AT_FDCWD, "/dev/null", fd,
		    "", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC, 0)) == -1)
			goto fail;
		close(fd);
	}
	*what = NULL;
	rv = 0;
	goto out;
fail:
	close(fd);
out:
	if (empty != -1)
		close(empty);
	close(root);
	return rv;
}

/* Make the new root the root, and let go of the host's for good. */
static int
build_pivot(const char **what)
{
	*what = NULL;
	if (syscall(SYS_pivot_root, ".", ".") == -1)
		return -1;
	if (umount2(".", MNT_DETACH) == -1)
		return -1;
	return chdir("/");
}

/* Loopback up in the new network namespace; nothing else is there. */
static int
build_net(const struct build_args *a, const char **what)
{
	struct ifreq	ifr;
	int		s, rv = -1;

	*what = "lo";
	if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) == 0)
			rv = 0;
	}
	close(s);
	return rv;
}

/*
 * Standard descriptors on the session's /dev/null, nothing else open
 * but the control channel, then the user's ids: with every id
 * non-zero the kernel clears the capability sets.  The init is not
 * dumpable, so the user's processes cannot open its /proc files.
 * The groups are the account's as the parent read them from the
 * host's group database (getgrouplist), exactly those: the primary
 * group among them, none of the helper's.
 */
static int
build_ids(const struct build_args *a, const char **what)
{
	gid_t	groups[SESSION_GROUPSMAX], gid = a->gid;
	uid_t	r, e, s;
	size_t	i, n;
	int	fd, keep = a->ctlfd;

	*what = "stdio";
	if ((fd = open("/dev/null", O_RDWR)) == -1 || dup2(fd, 0) == -1 ||
	    dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
		return -1;
	if (fd > 2)
		close(fd);
	fd_close_except(&keep, 1);
	*what = "set";
	/* the decoder let through 1 .. SESSION_GROUPSMAX */
	n = a->ngroups;
	for (i = 0; i < n; i++)
		groups[i] = a->groups[i];
	if (setgroups(n, groups) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(a->uid, a->uid, a->uid) == -1)
		return -1;
	*what = "check";
	if (getresuid(&r, &e, &s) == -1 || r != a->uid || e != a->uid ||
	    s != a->uid || setresuid(0, 0, 0) != -1 ||
	    getgroups(0, NULL) != (int)n) {
		errno = EPERM;
		return -1;
	}
	*what = "prctl";
	if (prctl(PR_SET_DUMPABLE, 0) == -1 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		return -1;
	*what = NULL;
	return 0;
}
