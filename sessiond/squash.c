/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Squash: apply an overlayfs upper layer to its project tree, or refuse. */

#include <sys/fsuid.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "sessiond/engine.h"

#define SQ_MAXDEPTH	256
#define SQ_OPAQUE	"trusted.overlay.opaque"
#define SQ_ORIGIN	"trusted.overlay.origin"

/*
 * The upper layer of an overlay mounted without redirect_dir,
 * metacopy or index holds: whole copies of files the session created
 * or changed (a changed one carries an origin xattr naming the lower
 * file it was copied from), directories (opaque when they replace
 * the lower one), symbolic links, and whiteouts, character devices
 * 0/0, for what it deleted.  Squash walks it twice.  The first pass
 * compares each path it touches with the tree: anything there whose
 * ctime is not older than the session's start changed behind the
 * session's back, and so did a copied-up file the tree no longer has
 * in a directory that changed since; each such path is a conflict
 * (directories count what lies below them), and one refuses the
 * whole squash with nothing written.  The second pass applies: files
 * through a temporary name and rename, so a reader sees the old file
 * or the new, never half; whiteouts become deletions; opaque
 * directories replace the tree's.  Modes, owners, times and symbolic
 * links are kept; setuid and setgid bits never are.  The tree is
 * walked one component at a time, never through a symbolic link and
 * never onto another filesystem, so that a link in the tree cannot
 * send a write outside it.
 * XXX: hard links in the upper layer become separate files; extended
 * attributes other than overlayfs' own are not carried over; fifos
 * and sockets are skipped.
 * XXX: a change to the tree between the two passes is not seen, and
 * a failed step (a full disk) leaves the tree with part of the layer.
 */
struct sq {
	const struct timespec	*start;
	struct squash_result	*res;
	/* the tree's filesystem */
	dev_t			 dev;
	int			 apply;
	int			 depth;
	char			 path[PATH_MAX];	/* for conflicts */
	size_t			 plen;
};

static int	sq_dir(struct sq *, int, int);
static int	sq_changed(struct sq *, int, const char *);

static int
sq_newer(const struct stat *sb, const struct timespec *t)
{
	return sb->st_ctim.tv_sec > t->tv_sec ||
	    (sb->st_ctim.tv_sec == t->tv_sec &&
	    sb->st_ctim.tv_nsec >= t->tv_nsec);
}

static int
sq_push(struct sq *q, const char *name)
{
	size_t	n = strlen(name);

	if (q->plen + n + 2 > sizeof(q->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (q->plen > 0)
		q->path[q->plen++] = '/';
	memcpy(q->path + q->plen, name, n + 1);
	q->plen += n;
	return 0;
}

static void
sq_pop(struct sq *q, size_t len)
{
	q->plen = len;
	q->path[len] = '\0';
}

static void
sq_conflict(struct sq *q)
{
	if (q->res->out != NULL)
		session_killed_add(q->res->out, q->path);
	q->res->error = EEXIST;
}

/* Open a tree directory, refusing links and other filesystems. */
static int
sq_open_tree(struct sq *q, int dfd, const char *name)
{
	struct stat	sb;
	int		fd;

	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &sb) == -1 || sb.st_dev != q->dev) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
}

/*
 * Conflicts below a tree directory: the count listed, or -1.  A
 * directory squash cannot look into (a mount point) is one itself.
 */
static int
sq_changed_below(struct sq *q, int dfd, const char *name)
{
	struct dirent	*de;
	DIR		*d;
	size_t		 len = q->plen;
	int		 fd, n = 0, c;

	if (q->depth >= SQ_MAXDEPTH) {
		errno = ELOOP;
		return -1;
	}
	if ((fd = sq_open_tree(q, dfd, name)) == -1) {
		if (errno != EXDEV && errno != ELOOP)
			return -1;
		sq_conflict(q);
		return 1;
	}
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	q->depth++;
	while (n >= 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (sq_push(q, de->d_name) == -1)
			n = -1;
		else if ((c = sq_changed(q, dirfd(d), de->d_name)) == -1)
			n = -1;
		else
			n += c;
		sq_pop(q, len);
	}
	q->depth--;
	closedir(d);
	return n;
}

/*
 * Did (dfd, name) in the tree change since the start?  For a
 * directory, anything below it counts.  The number of conflicts
 * listed (0 when unchanged), or -1 on an error.
 */
static int
sq_changed(struct sq *q, int dfd, const char *name)
{
	struct stat	sb;

	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (sq_newer(&sb, q->start)) {
		sq_conflict(q);
		return 1;
	}
	if (!S_ISDIR(sb.st_mode))
		return 0;
	return sq_changed_below(q, dfd, name);
}

/* An overlay xattr on an open upper entry, with that value if asked. */
static int
sq_xattr(int fd, const char *name, const char *want)
{
	char	v[8];
	ssize_t	n;

	if ((n = fgetxattr(fd, name, v, sizeof(v))) == -1)
		return errno == ERANGE && want == NULL;
	return want == NULL || ((size_t)n == strlen(want) &&
	    memcmp(v, want, n) == 0);
}

/*
 * An entry of the upper layer the tree lacks, copied up from a lower
 * one (it has an origin): the tree lost it since the start if its
 * directory there changed since; if not, the session renamed it.
 */
static int
sq_lost(struct sq *q, int tfd)
{
	struct stat	sb;

	if (tfd == -1)
		return 0;	/* the directory itself is the conflict */
	return fstat(tfd, &sb) == -1 || sq_newer(&sb, q->start);
}

/* how deep tree_remove walks before it moves the rest up */
#define TREE_MAXDEPTH	64

/* Directories tree_remove moved up to its top, still to remove. */
struct tree_deep {
	char	(*name)[32];
	size_t	 n, max;
};

static int	tree_remove_at(int, int, const char *, int,
		    struct tree_deep *);

/*
 * A directory at TREE_MAXDEPTH goes up to top under a fresh name, to be
 * removed from there: the walk never holds more than TREE_MAXDEPTH
 * directories open, however deep a session made its tree.
 */
static int
tree_move_up(int top, int dfd, const char *name, struct tree_deep *dp)
{
	void		*p;
	uint32_t	 r;

	if (dp->n == dp->max) {
		if ((p = reallocarray(dp->name, dp->max + 16,
		    sizeof(*dp->name))) == NULL)
			return -1;
		dp->name = p;
		dp->max += 16;
	}
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)dp->n;
	snprintf(dp->name[dp->n], sizeof(dp->name[0]), ".pccx-deep.%zu.%08x",
	    dp->n, r);
	if (renameat(dfd, name, top, dp->name[dp->n]) == -1)
		return -1;
	dp->n++;
	return 0;
}

static int
tree_remove_at(int top, int dfd, const char *name, int depth,
    struct tree_deep *dp)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	int		 fd, rv = 0;

	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(sb.st_mode))
		return unlinkat(dfd, name, 0) == -1 && errno != ENOENT ? -1 : 0;
	if (depth == TREE_MAXDEPTH)
		return tree_move_up(top, dfd, name, dp);
	if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0 &&
		    tree_remove_at(top, dirfd(d), de->d_name, depth + 1,
		    dp) == -1)
			rv = -1;
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) == -1 && errno != ENOENT)
		rv = -1;
	return rv;
}

/* Remove (dfd, name) from the tree, directories with their contents. */
int
tree_remove(int dfd, const char *name)
{
	struct tree_deep	dp = { NULL, 0, 0 };
	char			next[sizeof(dp.name[0])];
	size_t			i;
	int			rv;

	rv = tree_remove_at(dfd, dfd, name, 0, &dp);
	/* each is TREE_MAXDEPTH shallower; new ones go to the end */
	for (i = 0; i < dp.n; i++) {
		memcpy(next, dp.name[i], sizeof(next));	/* dp may grow */
		if (tree_remove_at(dfd, dfd, next, 0, &dp) == -1)
			rv = -1;
	}
	free(dp.name);
	return rv;
}

/* A name no one else uses, in the tree directory the file goes to. */
static void
sq_tmpname(char *buf, size_t size)
{
	uint32_t	r;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)getpid();
	snprintf(buf, size, ".pccx-squash.%08x", r);
}

/* len bytes of in at off to out at the same offset; 0 or -1. */
static int
sq_copy_range(int in, int out, off_t off, off_t len)
{
	char	buf[64 * 1024];
	off_t	o = off, oo = off;
	ssize_t	n, w, done;

	while (len > 0) {
		n = copy_file_range(in, &o, out, &oo, len, 0);
		if (n > 0) {
			len -= n;
			continue;
		}
		if (n == 0)
			return 0;	/* the file shrank under us */
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS &&
		    errno != EOPNOTSUPP)
			return -1;
		break;
	}
	while (len > 0) {
		n = pread(in, buf, len < (off_t)sizeof(buf) ? len :
		    (off_t)sizeof(buf), o);
		if (n <= 0)
			return n == 0 ? 0 : -1;
		for (done = 0; done < n; done += w)
			if ((w = pwrite(out, buf + done, n - done,
			    o + done)) == -1)
				return -1;
		o += n;
		len -= n;
	}
	return 0;
}

/*
 * The data of in into out, holes kept as holes: a sparse file of a
 * terabyte with nothing in it stays nothing in the tree.
 */
static int
sq_copy(int in, int out)
{
	struct stat	st;
	off_t		data, hole;

	if (fstat(in, &st) == -1)
		return -1;
	for (data = 0; data < st.st_size; data = hole) {
		if ((data = lseek(in, data, SEEK_DATA)) == -1) {
			if (errno == ENXIO)
				break;		/* only a hole is left */
			return -1;
		}
		if ((hole = lseek(in, data, SEEK_HOLE)) == -1)
			return -1;
		if (sq_copy_range(in, out, data, hole - data) == -1)
			return -1;
	}
	return ftruncate(out, st.st_size);
}

/*
 * Owner, mode, times of a tree entry.  Never setuid, nor setgid on a
 * file; a directory keeps its setgid, which only says whose group new
 * files take.
 */
static int
sq_meta(int fd, const struct stat *us)
{
	struct timespec	ts[2];
	mode_t		keep = S_ISDIR(us->st_mode) ? 03777 : 01777;
	gid_t		fsgid;
	int		rv;

	ts[0] = us->st_atim;
	ts[1] = us->st_mtim;
	if (fchown(fd, us->st_uid, us->st_gid) == -1)
		return -1;
	/* chmod keeps setgid only for a member of the group */
	fsgid = setfsgid(us->st_gid);
	rv = fchmod(fd, us->st_mode & keep);
	setfsgid(fsgid);
	if (rv == -1 || futimens(fd, ts) == -1)
		return -1;
	return 0;
}

/* A regular file or a link, into the tree under a temporary name. */
static int
sq_put(int ufd, int tfd, const char *name, const struct stat *us,
    const char *tmp)
{
	struct timespec	ts[2];
	char		target[PATH_MAX];
	ssize_t		n;
	int		in, out, rv = -1;

	if (S_ISLNK(us->st_mode)) {
		if ((n = readlinkat(ufd, name, target, sizeof(target) - 1)) < 0)
			return -1;
		target[n] = '\0';
		ts[0] = us->st_atim;
		ts[1] = us->st_mtim;
		if (symlinkat(target, tfd, tmp) == -1)
			return -1;
		if (fchownat(tfd, tmp, us->st_uid, us->st_gid,
		    AT_SYMLINK_NOFOLLOW) == -1 ||
		    utimensat(tfd, tmp, ts, AT_SYMLINK_NOFOLLOW) == -1)
			return -1;
		return 0;
	}
	if ((in = openat(ufd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	out = openat(tfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (out != -1 && sq_copy(in, out) == 0 && sq_meta(out, us) == 0 &&
	    fsync(out) == 0)
		rv = 0;
	if (out != -1)
		close(out);
	close(in);
	return rv;
}

static int
sq_file(struct sq *q, int ufd, int tfd, const char *name,
    const struct stat *us)
{
	char		tmp[64];
	struct stat	ts;
	int		texists, fd, origin;

	texists = tfd != -1 &&
	    fstatat(tfd, name, &ts, AT_SYMLINK_NOFOLLOW) == 0;
	if (!q->apply) {
		if (texists)
			return sq_changed(q, tfd, name) == -1 ? -1 : 0;
		if (!S_ISREG(us->st_mode) || !sq_lost(q, tfd))
			return 0;
		if ((fd = openat(ufd, name, O_RDONLY | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC)) == -1)
			return -1;
		origin = sq_xattr(fd, SQ_ORIGIN, NULL);
		close(fd);
		if (origin)
			sq_conflict(q);
		return 0;
	}
	sq_tmpname(tmp, sizeof(tmp));
	if (sq_put(ufd, tfd, name, us, tmp) == -1) {
		unlinkat(tfd, tmp, 0);
		return -1;
	}
	if (texists && S_ISDIR(ts.st_mode) && tree_remove(tfd, name) == -1)
		return -1;
	if (renameat(tfd, tmp, tfd, name) == -1) {
		unlinkat(tfd, tmp, 0);
		return -1;
	}
	q->res->applied++;
	return 0;
}

static int
sq_whiteout(struct sq *q, int tfd, const char *name)
{
	if (tfd == -1)
		return 0;
	if (!q->apply)
		return sq_changed(q, tfd, name) == -1 ? -1 : 0;
	if (fstatat(tfd, name, &(struct stat){ 0 }, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (tree_remove(tfd, name) == -1)
		return -1;
	q->res->applied++;
	return 0;
}

/*
 * A directory of the upper layer.  Opaque, or where the tree has no
 * directory, it replaces what the tree has; otherwise it merges into
 * the tree's, whose own mode and times are left alone when the tree
 * changed them since the start.
 */
static int
sq_subdir(struct sq *q, int ufd, int tfd, const char *name,
    const struct stat *us)
{
	struct stat	ts;
	int		sub, tsub = -1, opaque, texists, tdir, rv = -1,
	    fresh;

	if ((sub = openat(ufd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	opaque = sq_xattr(sub, SQ_OPAQUE, "y");
	texists = tfd != -1 &&
	    fstatat(tfd, name, &ts, AT_SYMLINK_NOFOLLOW) == 0;
	tdir = texists && S_ISDIR(ts.st_mode);
	fresh = !tdir || opaque;
	if (!q->apply) {
		if (texists && fresh && sq_changed(q, tfd, name) == -1)
			goto out;
		if (!texists && !opaque && sq_lost(q, tfd) &&
		    sq_xattr(sub, SQ_ORIGIN, NULL))
			sq_conflict(q);
		if (tdir && !opaque &&
		    (tsub = sq_open_tree(q, tfd, name)) == -1) {
			if (errno != EXDEV && errno != ELOOP)
				goto out;
			sq_conflict(q);
		}
		rv = sq_dir(q, sub, tsub);
		goto out;
	}
	if (texists && fresh && tree_remove(tfd, name) == -1)
		goto out;
	if (fresh && mkdirat(tfd, name, 0700) == -1)
		goto out;
	if ((tsub = sq_open_tree(q, tfd, name)) == -1 ||
	    sq_dir(q, sub, tsub) == -1)
		goto out;
	if ((fresh || !sq_newer(&ts, q->start)) && sq_meta(tsub, us) == -1)
		goto out;
	if (fresh)
		q->res->applied++;
	rv = 0;
out:
	if (tsub != -1)
		close(tsub);
	close(sub);
	return rv;
}

static int
sq_entry(struct sq *q, int ufd, int tfd, const char *name)
{
	struct stat	us;

	if (fstatat(ufd, name, &us, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (S_ISCHR(us.st_mode) && us.st_rdev == makedev(0, 0))
		return sq_whiteout(q, tfd, name);
	if (S_ISDIR(us.st_mode))
		return sq_subdir(q, ufd, tfd, name, &us);
	if (S_ISREG(us.st_mode) || S_ISLNK(us.st_mode))
		return sq_file(q, ufd, tfd, name, &us);
	return 0;		/* fifos, sockets: not carried over */
}

/* Every entry of an upper directory against the tree's (or none). */
static int
sq_dir(struct sq *q, int ufd, int tfd)
{
	struct dirent	*de;
	DIR		*d;
	size_t		 len = q->plen;
	int		 fd, rv = 0;

	if (q->depth >= SQ_MAXDEPTH) {
		errno = ELOOP;
		return -1;
	}
	if ((fd = openat(ufd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	q->depth++;
	while (rv == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (sq_push(q, de->d_name) == -1)
			rv = -1;
		else
			rv = sq_entry(q, ufd, tfd, de->d_name);
		sq_pop(q, len);
	}
	q->depth--;
	closedir(d);
	return rv;
}

/*
 * squash_apply: apply the upper layer open at upper to the tree open
 * at tree, for a session that started at start (CLOCK_REALTIME_COARSE,
 * the clock file times come from).  Returns 0 when applied, 1 when
 * refused for the conflicts listed in r->out (nothing written), -1
 * with r->error set when a step failed (the tree may then hold part
 * of the layer, each file whole).
 */
int
squash_apply(int upper, int tree, const struct timespec *start,
    struct squash_result *r)
{
	struct sq	q;
	struct stat	sb;

	memset(&q, 0, sizeof(q));
	q.start = start;
	q.res = r;
	if (fstat(tree, &sb) == -1) {
		r->error = errno;
		return -1;
	}
	q.dev = sb.st_dev;
	if (sq_dir(&q, upper, tree) == -1) {
		r->error = errno;
		return -1;
	}
	if (r->error == EEXIST)
		return 1;
	q.apply = 1;
	if (sq_dir(&q, upper, tree) == -1) {
		r->error = errno;
		return -1;
	}
	return 0;
}
