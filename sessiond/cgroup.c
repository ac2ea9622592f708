/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Session cgroups: v2 where it has controllers, else the v1 ones. */

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>

#include <linux/magic.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "sessiond/engine.h"

#define CG_ROOT		"/sys/fs/cgroup"
#define CG_PERIOD	100000		/* CPU period, microseconds */
/* a v1 freeze must settle by then */
#define CG_FREEZE_MS	200
#define CG_LEFT_MS	2000		/* leftovers must die by then */

/*
 * Hierarchies, each a directory named after the engine under a
 * cgroup mount: the v1 ones by controller, and the v2 one, which on
 * a hybrid host (this one) has no controller but still kills a whole
 * cgroup at once through cgroup.kill and says when it is empty.
 */
enum { CG_MEMORY, CG_CPU, CG_PIDS, CG_FREEZER, CG_V2, CG_NHIER };

static const struct {
	const char	*mount;		/* under CG_ROOT, v1 */
	/* a file only that controller has */
	const char	*probe;
} cg_v1[CG_V2] = {
	[CG_MEMORY] = { "memory", "memory.limit_in_bytes" },
	[CG_CPU] = { "cpu", "cpu.cfs_quota_us" },
	[CG_PIDS] = { "pids", "pids.max" },
	[CG_FREEZER] = { "freezer", "freezer.state" },
};

static int	cg_fd[CG_NHIER] = { -1, -1, -1, -1, -1 };
/* each hierarchy's mount, and the engine's name there, for cg_teardown */
static int	cg_top[CG_NHIER] = { -1, -1, -1, -1, -1 };
static char	cg_base[64];
static int	cg_mem = -1, cg_cpu = -1, cg_pid = -1;	/* hierarchy */
static int	cg_killv2, cg_freeze;

static int
cg_write(int dfd, const char *uuid, const char *file, const char *fmt, ...)
{
	char	path[128], buf[64];
	va_list	ap;
	int	fd, n, rv = 0;

	snprintf(path, sizeof(path), "%s%s%s", uuid, uuid[0] ? "/" : "",
	    file);
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if ((fd = openat(dfd, path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	if (write(fd, buf, n) != n)
		rv = -1;
	close(fd);
	return rv;
}

/* Read a small cgroup file; the length read, or -1. */
static ssize_t
cg_read(int dfd, const char *uuid, const char *file, char *buf, size_t size)
{
	char	path[128];
	ssize_t	n;
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", uuid, file);
	if ((fd = openat(dfd, path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static int
is_fs(const char *path, long magic)
{
	struct statfs	sf;

	return statfs(path, &sf) == 0 && (long)sf.f_type == magic;
}

/*
 * Make and open <mount>/<name> as hierarchy h, keeping the mount open
 * for cg_teardown; -1 when that cannot be done.
 */
static int
cg_open_base(int h, const char *mount, const char *name)
{
	char	path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", mount, name);
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		log_warn("cgroup %s", path);
		return -1;
	}
	if ((cg_fd[h] = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1)
		cg_top[h] = open(mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return cg_fd[h];
}

static int
has_word(const char *list, const char *w)
{
	size_t	n = strlen(w);
	const char *p;

	for (p = list; (p = strstr(p, w)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

/*
 * Turn on a v2 controller for the engine's subtree: in the root's
 * subtree_control (often on already) and in the engine's own.
 */
static int
cg_v2_enable(const char *root, const char *ctrl)
{
	char	path[PATH_MAX], word[32];
	int	fd;
	ssize_t	n;

	snprintf(word, sizeof(word), "+%s", ctrl);
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", root);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) != -1) {
		n = write(fd, word, strlen(word));
		close(fd);
		if (n == -1)
			return -1;
	}
	return cg_write(cg_fd[CG_V2], "", "cgroup.subtree_control", "%s",
	    word);
}

/* Find the v2 hierarchy and what it carries. */
static void
cg_setup_v2(const char *name, char *ctrls, size_t size)
{
	const char	*root = NULL;
	char		 path[PATH_MAX];
	ssize_t		 n;
	int		 fd;

	ctrls[0] = '\0';
	if (is_fs(CG_ROOT, CGROUP2_SUPER_MAGIC))
		root = CG_ROOT;
	else if (is_fs(CG_ROOT "/unified", CGROUP2_SUPER_MAGIC))
		root = CG_ROOT "/unified";
	if (root == NULL || cg_open_base(CG_V2, root, name) == -1)
		return;
	snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, ctrls, size - 1);
		ctrls[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	if (has_word(ctrls, "memory") && cg_v2_enable(root, "memory") == 0)
		cg_mem = CG_V2;
	if (has_word(ctrls, "cpu") && cg_v2_enable(root, "cpu") == 0)
		cg_cpu = CG_V2;
	if (has_word(ctrls, "pids") && cg_v2_enable(root, "pids") == 0)
		cg_pid = CG_V2;
	cg_killv2 = faccessat(cg_fd[CG_V2], "cgroup.kill", F_OK, 0) == 0;
}

/*
 * A v1 controller, if the host binds it and v2 does not carry it; its
 * files are looked for in the engine's directory, since the root
 * cgroup lacks some (pids.max).
 */
static void
cg_setup_v1(int h, const char *name, int *slot)
{
	char	path[PATH_MAX];

	if (slot != NULL && *slot != -1)
		return;
	snprintf(path, sizeof(path), "%s/%s", CG_ROOT, cg_v1[h].mount);
	if (!is_fs(path, CGROUP_SUPER_MAGIC))
		return;
	if (cg_open_base(h, path, name) == -1)
		return;
	if (faccessat(cg_fd[h], cg_v1[h].probe, F_OK, 0) == -1) {
		close(cg_fd[h]);
		cg_fd[h] = -1;
		return;
	}
	if (slot != NULL)
		*slot = h;
}

static const char *
cg_name(int h)
{
	return h == -1 ? "none" : h == CG_V2 ? "v2" : "v1";
}

/*
 * cg_setup: find the hierarchies and make the engine's directory
 * (name) in each; with no_v2 the v2 hierarchy is left alone, so that
 * the v1 path (freezer kill) is used even where cgroup.kill exists.
 * Returns 0; a host without cgroups gets sessions without limits.
 */
int
cg_setup(const char *name, int no_v2)
{
	char	ctrls[256];

	snprintf(cg_base, sizeof(cg_base), "%s", name);
	if (!no_v2)
		cg_setup_v2(name, ctrls, sizeof(ctrls));
	cg_setup_v1(CG_MEMORY, name, &cg_mem);
	cg_setup_v1(CG_CPU, name, &cg_cpu);
	cg_setup_v1(CG_PIDS, name, &cg_pid);
	if (!cg_killv2)
		cg_setup_v1(CG_FREEZER, name, NULL);
	cg_freeze = !cg_killv2 && cg_fd[CG_FREEZER] != -1;
	log_info("session cgroups: memory %s, cpu %s, pids %s, kill %s",
	    cg_name(cg_mem), cg_name(cg_cpu), cg_name(cg_pid),
	    cg_killv2 ? "v2 cgroup.kill" : cg_freeze ? "v1 freezer" :
	    "pid namespace");
	if (cg_mem == -1 || cg_cpu == -1 || cg_pid == -1)
		log_warnx("session cgroups: some limits cannot be enforced");
	return 0;
}

/*
 * cg_teardown: remove the engine's directory from every hierarchy, as
 * the daemon exits.  One that still holds a session (its processes die
 * with the daemon) stays for cg_leftovers at the next start.
 */
void
cg_teardown(void)
{
	int	h;

	for (h = 0; h < CG_NHIER; h++)
		if (cg_top[h] != -1 &&
		    unlinkat(cg_top[h], cg_base, AT_REMOVEDIR) == 0)
			log_debug("cgroup %s removed", cg_base);
}

/*
 * cg_fds: append the hierarchies' descriptors to fds (the helper keeps
 * them).
 */
void
cg_fds(int *fds, int *n)
{
	int	h;

	for (h = 0; h < CG_NHIER; h++)
		if (cg_fd[h] != -1)
			fds[(*n)++] = cg_fd[h];
}

static int
cg_limits(const char *uuid, const struct cg_limits *l)
{
	int	v2;

	if (l->memory != 0 && cg_mem != -1) {
		v2 = cg_mem == CG_V2;
		if (cg_write(cg_fd[cg_mem], uuid, v2 ? "memory.max" :
		    "memory.limit_in_bytes", "%llu",
		    (unsigned long long)l->memory) == -1)
			return -1;
		/* No way around the limit through swap. */
		if (v2)
			(void)cg_write(cg_fd[cg_mem], uuid, "memory.swap.max",
			    "0");
		else
			(void)cg_write(cg_fd[cg_mem], uuid,
			    "memory.memsw.limit_in_bytes", "%llu",
			    (unsigned long long)l->memory);
	}
	if (l->cpu != 0 && cg_cpu != -1) {
		if (cg_cpu == CG_V2) {
			if (cg_write(cg_fd[CG_V2], uuid, "cpu.max", "%u %u",
			    l->cpu * (CG_PERIOD / 100), CG_PERIOD) == -1)
				return -1;
		} else if (cg_write(cg_fd[CG_CPU], uuid, "cpu.cfs_period_us",
		    "%u", CG_PERIOD) == -1 || cg_write(cg_fd[CG_CPU], uuid,
		    "cpu.cfs_quota_us", "%u", l->cpu * (CG_PERIOD / 100)) == -1)
			return -1;
	}
	if (l->pids != 0 && cg_pid != -1 &&
	    cg_write(cg_fd[cg_pid], uuid, "pids.max", "%u", l->pids) == -1)
		return -1;
	return 0;
}

/*
 * cg_create: a cgroup named uuid in every hierarchy, with the limits
 * (0: none).  Returns 0, or -1 with nothing left behind.
 */
int
cg_create(const char *uuid, const struct cg_limits *l)
{
	int	h;

	for (h = 0; h < CG_NHIER; h++) {
		if (cg_fd[h] == -1)
			continue;
		if (mkdirat(cg_fd[h], uuid, 0755) == -1) {
			log_warn("session %s: cgroup", uuid);
			goto undo;
		}
	}
	if (cg_limits(uuid, l) == -1) {
		log_warn("session %s: cgroup limits", uuid);
		goto undo;
	}
	return 0;
undo:
	cg_remove(uuid);
	return -1;
}

/*
 * cg_join: move the calling thread, the only one of a process just
 * cloned, into the session's v1 cgroups.  Through the tasks file a
 * single thread moves without the cgroup core's global lock, whose
 * taking waits for an RCU grace period (tens of milliseconds under
 * load); the v2 cgroup the clone entered already (cg_v2_open).
 */
int
cg_join(const char *uuid)
{
	int	h;

	for (h = 0; h < CG_V2; h++)
		if (cg_fd[h] != -1 &&
		    cg_write(cg_fd[h], uuid, "tasks", "0") == -1)
			return -1;
	return 0;
}

/* cg_v2_open: the session's v2 cgroup, for CLONE_INTO_CGROUP, or -1. */
int
cg_v2_open(const char *uuid)
{
	if (cg_fd[CG_V2] == -1)
		return -1;
	return openat(cg_fd[CG_V2], uuid, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Signal every pid a cgroup.procs file lists, read in chunks. */
static void
cg_kill_listed(int dfd, const char *uuid)
{
	char	path[128], buf[4096];
	ssize_t	n, i;
	long	pid = 0;
	int	fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", uuid);
	if ((fd = openat(dfd, path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9')
				pid = pid * 10 + (buf[i] - '0');
			else {
				if (pid > 0)
					kill(pid, SIGKILL);
				pid = 0;
			}
		}
	if (pid > 0)
		kill(pid, SIGKILL);
	close(fd);
}

/*
 * Freeze, kill every member, thaw: no fork can slip between.
 * XXX: waiting for FROZEN holds the event loop (200 ms at most); only
 * hosts without cgroup.kill take this path.
 */
static int
cg_kill_v1(const char *uuid)
{
	char		 buf[64];
	int		 fd = cg_fd[CG_FREEZER], i;
	struct timespec	 ts = { 0, 200000 };

	if (cg_write(fd, uuid, "freezer.state", "FROZEN") == -1)
		return -1;
	for (i = 0; i < CG_FREEZE_MS * 5; i++) {
		if (cg_read(fd, uuid, "freezer.state", buf, sizeof(buf)) > 0 &&
		    strncmp(buf, "FROZEN", 6) == 0)
			break;
		nanosleep(&ts, NULL);
	}
	cg_kill_listed(fd, uuid);
	return cg_write(fd, uuid, "freezer.state", "THAWED");
}

/*
 * cg_kill: SIGKILL every process of the session's cgroup, through
 * cgroup.kill (v2) or the freezer (v1); 0, or -1 when neither is
 * there (the caller still kills the pid namespace's init).
 */
int
cg_kill(const char *uuid)
{
	if (cg_killv2)
		return cg_write(cg_fd[CG_V2], uuid, "cgroup.kill", "1");
	if (cg_freeze)
		return cg_kill_v1(uuid);
	return -1;
}

/* cg_populated: 1 while a process is left in the cgroup, else 0. */
int
cg_populated(const char *uuid)
{
	char	buf[512];
	int	h;

	if (cg_fd[CG_V2] != -1) {
		if (cg_read(cg_fd[CG_V2], uuid, "cgroup.events", buf,
		    sizeof(buf)) < 0)
			return 0;
		return strstr(buf, "populated 1") != NULL;
	}
	for (h = 0; h < CG_V2; h++)
		if (cg_fd[h] != -1)
			return cg_read(cg_fd[h], uuid, "cgroup.procs", buf,
			    sizeof(buf)) > 0;
	return 0;
}

/* cg_remove: remove the session's cgroups; -1 if one is still busy. */
int
cg_remove(const char *uuid)
{
	int	h, rv = 0;

	for (h = 0; h < CG_NHIER; h++)
		if (cg_fd[h] != -1 && unlinkat(cg_fd[h], uuid,
		    AT_REMOVEDIR) == -1 && errno != ENOENT)
			rv = -1;
	return rv;
}

static uint64_t
cg_number(int h, const char *uuid, const char *file)
{
	char	buf[64];

	if (h == -1 || cg_read(cg_fd[h], uuid, file, buf, sizeof(buf)) <= 0)
		return 0;
	return strtoull(buf, NULL, 10);
}

/* cg_stats: processes and bytes of memory the session uses now. */
void
cg_stats(const char *uuid, uint32_t *procs, uint64_t *mem)
{
	*procs = cg_number(cg_pid, uuid, "pids.current");
	*mem = cg_number(cg_mem, uuid, cg_mem == CG_V2 ? "memory.current" :
	    "memory.usage_in_bytes");
}

/* Kill what a cgroup holds, wait for it to empty, remove it. */
static void
cg_leftover(const char *name)
{
	struct timespec	ts = { 0, 1000000 };
	int		i;

	log_warnx("session %s: cgroup left behind, cleaning up", name);
	for (i = 0; i < CG_LEFT_MS && cg_populated(name); i++) {
		if (i % 100 == 0)
			cg_kill(name);
		nanosleep(&ts, NULL);
	}
	if (cg_remove(name) == -1)
		log_warn("session %s: cannot remove its cgroup", name);
}

/*
 * cg_leftovers: at start, end and remove every cgroup a previous run
 * left under the engine's directories.
 */
void
cg_leftovers(void)
{
	struct dirent	*de;
	DIR		*d;
	int		 h, fd;

	for (h = 0; h < CG_NHIER; h++) {
		if (cg_fd[h] == -1 ||
		    (fd = openat(cg_fd[h], ".", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1)
			continue;
		if ((d = fdopendir(fd)) == NULL) {
			close(fd);
			continue;
		}
		while ((de = readdir(d)) != NULL)
			if (de->d_type == DT_DIR &&
			    proto_session_uuid_ok(de->d_name))
				cg_leftover(de->d_name);
		closedir(d);
	}
}
