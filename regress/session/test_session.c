/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Sessions end to end as root: sandbox, overlay, squash, limits, kill. */

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <poll.h>
#include <event2/event.h>

#include "common/util.h"
#include "proto/audit.h"
#include "remoted/config.h"
#include "sessiond/session.h"
#include "harness.h"

/* descriptors the engine may hold, well under the deep tree's depth */
#define T_NOFILE	512

#define ALICE		"alice@example.org"
#define BOB		"bob@example.org"
#define ALICE_UID	65534		/* nobody */
/* an account with no passwd entry */
#define BOB_UID		64998
#define CAROL		"carol@example.org"
#define CAROL_UID	64997
/* mapped to an account made for the run, with a group of its own */
#define GAIL		"gail@example.org"
#define PER_USER	6

static struct host	 H;
static char		 cg_rv[64];
static char		 top[512], work[1024], state[1024];
static char		 tree1[1024], tree2[1024], tree3[1024];
static char		 treesq[1024], treecf[1024], treeg[1024];
/* Accounts and groups made for the run: names, and whether to remove. */
static char		 g_acct[32], g_sup[32], g_other[32], g_rooted[32];
static int		 g_made;

static int
sh(const char *fmt, ...)
{
	char	cmd[8192];
	va_list	ap;
	int	st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Output of a host command, NUL-terminated, in a static buffer. */
static const char *
sh_out(const char *fmt, ...)
{
	static char	out[65536];
	char		cmd[8192];
	va_list		ap;
	FILE		*f;
	size_t		n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if ((f = popen(cmd, "r")) == NULL)
		return "";
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	pclose(f);
	return out;
}

static pid_t	test_pid;

/* At exit of the test itself; not of a forked engine host. */
static void
cleanup(void)
{
	if (getpid() != test_pid)
		return;
	if (H.pid > 0)
		host_crash(&H);
	host_cgroups_clean();
	if (g_made) {
		sh("userdel %s >/dev/null 2>&1; userdel %s >/dev/null 2>&1; "
		    "groupdel %s >/dev/null 2>&1; groupdel %s >/dev/null 2>&1; "
		    "groupdel %s >/dev/null 2>&1", g_acct, g_rooted, g_acct,
		    g_sup, g_other);
		g_made = 0;
	}
	if (work[0] != '\0')
		sh("rm -rf '%s'", work);
	work[0] = '\0';
}

static void
on_signal(int sig)
{
	cleanup();
	_exit(128 + sig);
}

/* A small tree of its own for a project. */
static void
mk_tree(char *dst, const char *name)
{
	snprintf(dst, 1024, "%.900s/%s", work, name);
	if (sh("mkdir -p '%s/sub' && echo one >'%s/a' && echo two >'%s/sub/b'"
	    " && cp '%s/.probe' '%s/.probe' && chown -R %d:%d '%s'", dst, dst,
	    dst, tree1, dst, ALICE_UID, ALICE_UID, dst) != 0)
		fail_msg("cannot make %s", dst);
}

/* A full copy of the repository tree, for a project squash changes. */
static void
mk_copy(char *dst, const char *name)
{
	snprintf(dst, 1024, "%.900s/%s", work, name);
	if (sh("cp -a '%s' '%s'", tree1, dst) != 0)
		fail_msg("cannot copy to %s", dst);
}

/*
 * The trees: tree1, a copy of this repository's tracked files with
 * the probe built beside them, a setuid-root copy of id, and links
 * pointing out of it; tree2 and tree3, small ones; sq and cf, copies
 * of tree1 that squash may change.
 */
static int
mk_trees(void)
{
	snprintf(state, sizeof(state), "%.900s/state", work);
	snprintf(tree1, sizeof(tree1), "%.900s/tree1", work);
	if (sh("mkdir -p '%s' '%s' && cd '%s' && { git ls-files -z "
	    "2>/dev/null | grep -qz . && git ls-files -z || find . -path "
	    "./build -prune -o -path ./regress/node_modules -prune -o "
	    "-type f -print0; } | tar --null -T - -cf - | tar -xf - -C '%s'",
	    state, tree1, top, tree1) != 0 ||
	    sh("cc -O1 -D_GNU_SOURCE -o '%s/.probe' "
	    "'%s/regress/session/probe.c' && "
	    "cp '%s/regress/session/probe.c' '%s/probe.c' && "
	    "chown -R %d:%d '%s' && cp /usr/bin/id '%s/.suidid' && "
	    "chmod 4755 '%s/.suidid'", tree1, top, top, tree1, ALICE_UID,
	    ALICE_UID, tree1, tree1, tree1) != 0)
		return -1;
	mk_tree(tree2, "tree2");
	mk_tree(tree3, "tree3");
	mk_copy(treesq, "treesq");
	mk_copy(treecf, "treecf");
	if (sh("cd '%s' && ln -s /etc/shadow .l-shadow && ln -s '%s' .l-state"
	    " && ln -s '%s' .l-tree2 && ln -s /root .l-root && "
	    "mkdir -p '%s/hidden-dir' && echo secret >'%s/hidden-dir/f' && "
	    "echo secret >'%s/hidden-file'", tree1, state, tree2, work, work,
	    work) != 0)
		return -1;
	return 0;
}

/*
 * An account for the run, in a supplementary group of its own, and
 * one in root's group; a project whose files only that group, or only
 * another, may read.  Its member is resolved as the parent does it.
 */
static int
mk_groups(void)
{
	struct p_session_conf_member	 m;
	const char			*why;
	int				 pid = getpid();

	snprintf(g_acct, sizeof(g_acct), "pccxsg%d", pid);
	snprintf(g_sup, sizeof(g_sup), "pccxsga%d", pid);
	snprintf(g_other, sizeof(g_other), "pccxsgb%d", pid);
	snprintf(g_rooted, sizeof(g_rooted), "pccxsgr%d", pid);
	g_made = 1;
	if (sh("groupadd %s && groupadd %s && useradd -M -U -d /nonexistent "
	    "-s /usr/sbin/nologin -G %s %s && useradd -M -N -g %s -G root "
	    "-d /nonexistent -s /usr/sbin/nologin %s", g_sup, g_other, g_sup,
	    g_acct, g_sup, g_rooted) != 0)
		return -1;
	snprintf(treeg, sizeof(treeg), "%.900s/treeg", work);
	if (sh("mkdir -p '%s' && cd '%s' && echo group secret >g-only && "
	    "echo other secret >b-only && chgrp %s g-only && chgrp %s b-only "
	    "&& chmod 640 g-only b-only", treeg, treeg, g_sup, g_other) != 0)
		return -1;
	host_project(&H, "grp", treeg, 0, 0, 0, 1800);
	memset(&m, 0, sizeof(m));
	if (conf_session_account(g_acct, &m, &why) == -1) {
		print_message("# account %s: %s\n", g_acct, why);
		return -1;
	}
	pccx_strlcpy(m.project, "grp", sizeof(m.project));
	pccx_strlcpy(m.user, GAIL, sizeof(m.user));
	pccx_strlcpy(m.account, g_acct, sizeof(m.account));
	m.role = 2;
	host_member_conf(&H, &m);
	return 0;
}

static int
group_setup(void **unused)
{
	struct host_conf	hc;
	char			path[1100];
	const char		*t;

	if (getuid() != 0) {
		print_message("# these tests need root\n");
		return -1;
	}
	if ((t = getenv("PCCX_TOP")) != NULL)
		pccx_strlcpy(top, t, sizeof(top));
	else if (getcwd(top, sizeof(top)) == NULL)
		return -1;
	snprintf(work, sizeof(work), "%.480s/build/regress/session/work.XXXXXX",
	    top);
	sh("mkdir -p '%s/build/regress/session'", top);
	if (mkdtemp(work) == NULL)
		return -1;
	test_pid = getpid();
	atexit(cleanup);
	/* Orphans of a crashed engine host are reparented here. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (mk_trees() == -1)
		return -1;
	memset(&hc, 0, sizeof(hc));
	hc.per_user = PER_USER;
	hc.audit_ms = 1000;
	hc.unconfined = getenv("PCCX_TEST_UNCONFINED") != NULL;
	host_init(&H, state, &hc);
	host_project(&H, "proj", tree1, 2ULL << 30, 0, 4096, 1800);
	host_project(&H, "lim", tree2, 64 << 20, 20, 64, 1800);
	host_project(&H, "idle", tree3, 0, 0, 0, 2);
	host_project(&H, "sq", treesq, 0, 0, 0, 1800);
	host_project(&H, "cf", treecf, 0, 0, 0, 1800);
	host_member(&H, "proj", ALICE, "nobody", ALICE_UID, ALICE_UID);
	host_member(&H, "proj", BOB, "pccxbob", BOB_UID, BOB_UID);
	host_member(&H, "proj", CAROL, "pccxcarol", CAROL_UID, CAROL_UID);
	host_member(&H, "lim", ALICE, "nobody", ALICE_UID, ALICE_UID);
	host_member(&H, "idle", ALICE, "nobody", ALICE_UID, ALICE_UID);
	host_member(&H, "sq", ALICE, "nobody", ALICE_UID, ALICE_UID);
	host_member(&H, "cf", ALICE, "nobody", ALICE_UID, ALICE_UID);
	if (mk_groups() == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/hidden-dir", work);
	host_hide(&H, path);
	snprintf(path, sizeof(path), "%s/hidden-file", work);
	host_hide(&H, path);
	/* the engine inherits it: see test_deep_tree */
	if (setrlimit(RLIMIT_NOFILE, &(struct rlimit){ T_NOFILE,
	    T_NOFILE }) == -1)
		return -1;
	if (host_start(&H, state, &hc) == -1)
		return -1;
	return 0;
}

static int
group_teardown(void **unused)
{
	int	rv;

	if (getenv("PCCX_TEST_DEBUG") != NULL)
		print_message("%s", sh_out("ps -o pid,ppid,stat,wchan:30,comm "
		    "--ppid %d -p %d", (int)H.pid, (int)H.pid));
	rv = host_stop(&H);

	if (rv != 0)
		print_message("# the engine host ended with %d\n", rv);
	cleanup();
	return rv == 0 ? 0 : -1;
}

/* Sessions a test opened and has not killed, ended after it. */
static char	opened[16][SESSION_IDSZ];

static void
opened_add(const char *uuid)
{
	int	i;

	for (i = 0; i < 16; i++)
		if (opened[i][0] == '\0') {
			pccx_strlcpy(opened[i], uuid, SESSION_IDSZ);
			return;
		}
}

static void
opened_del(const char *uuid)
{
	int	i;

	for (i = 0; i < 16; i++)
		if (strcmp(opened[i], uuid) == 0)
			opened[i][0] = '\0';
}

static struct p_session_killed	K;

static int
test_teardown(void **unused)
{
	int	i;

	for (i = 0; i < 16; i++)
		if (opened[i][0] != '\0') {
			h_kill(&H, opened[i], "", SESSION_MODE_DISCARD, &K,
			    NULL);
			opened[i][0] = '\0';
		}
	return 0;
}

static void
open_ok(const char *user, const char *project, int mode, char *uuid)
{
	struct p_session_error	e;

	memset(&e, 0, sizeof(e));
	if (h_open(&H, user, project, mode, 0, 0, 0, uuid, &e) == -1)
		fail_msg("open %s for %s: %u %s", project, user, e.code,
		    e.text);
	opened_add(uuid);
}

static void
kill_ok(const char *uuid, int mode, struct p_session_killed *k)
{
	struct p_session_error	e;

	memset(&e, 0, sizeof(e));
	opened_del(uuid);
	if (h_kill(&H, uuid, "", mode, k, &e) == -1)
		fail_msg("kill %s: %u %s", uuid, e.code, e.text);
}

/* Run a script as the session's user; its status must be 0. */
static void
run_ok(const char *uuid, const char *user, const char *script,
    struct run *r)
{
	if (h_sh(&H, uuid, user, script, r) == -1)
		fail_msg("exec failed: %s", script);
	if (!r->exited || r->code != 0)
		fail_msg("%s: status %d signal %d\nstdout: %s\nstderr: %s",
		    script, r->code, r->sig, r->out ? r->out : "",
		    r->err ? r->err : "");
	if (r->out == NULL)
		r->out = strdup("");
	if (r->err == NULL)
		r->err = strdup("");
}

static void
has(const char *text, const char *want)
{
	if (text == NULL || strstr(text, want) == NULL)
		fail_msg("wanted \"%s\" in:\n%s", want, text ? text : "(none)");
}

/* A session runs as the user's account, confined, in its namespaces. */
static void
test_basics(void **unused)
{
	char		uuid[SESSION_IDSZ], host[256], want[300];
	struct run	r;

	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	run_ok(uuid, ALICE, "id -u; id -g; hostname; echo $HOME; pwd; "
	    "ls /project/Makefile; echo pid $$; grep -E "
	    "'^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status; "
	    "ls /sys/class/net; ls -A /dev | tr '\\n' ' '", &r);
	gethostname(host, sizeof(host));
	snprintf(want, sizeof(want), "%s\n", host);
	has(r.out, "65534\n65534\npccx-");
	assert_null(strstr(r.out, want));
	has(r.out, "/home/nobody\n/project\n/project/Makefile\npid 2\n");
	has(r.out, "CapEff:\t0000000000000000");
	has(r.out, "NoNewPrivs:\t1");
	has(r.out, "Seccomp:\t2");
	has(r.out, "\nlo\n");
	has(r.out, "fd full null ptmx pts random shm stderr stdin stdout tty "
	    "urandom zero");
	run_free(&r);
	kill_ok(uuid, SESSION_MODE_DEFAULT, &K);
	assert_int_equal(K.result, SESSION_RES_DISCARDED);
	assert_int_equal(K.reason, SESSION_WHY_REQUEST);
	assert_int_equal(K.mode, SESSION_MODE_DISCARD);
}

/*
 * A session has exactly its account's groups, as the host's group
 * database has them: a file only a supplementary group may read is
 * readable, one of a group the account is not in is not.  The parent
 * refuses root's account and an account in root's group.
 */
static void
test_groups(void **unused)
{
	struct p_session_conf_member	 m;
	const char			*why = NULL;
	char				 uuid[SESSION_IDSZ], want[512];
	char				 ids[256];
	struct run			 r;
	size_t				 i, n;

	memset(&m, 0, sizeof(m));
	assert_int_equal(conf_session_account("root", &m, &why), -1);
	assert_int_equal(conf_session_account(g_rooted, &m, &why), -1);
	assert_string_equal(why, "the account is in root's group");
	assert_int_equal(conf_session_account(g_acct, &m, &why), 0);
	assert_int_equal(m.ngroups, 2);
	/* the host's view: two gids, each followed by a space */
	pccx_strlcpy(ids, sh_out("id -G %s | tr ' ' '\\n' | sort -n | "
	    "tr '\\n' ' '", g_acct), sizeof(ids));
	assert_int_equal(strspn(ids, "0123456789 "), strlen(ids));
	for (i = n = 0; ids[i] != '\0'; i++)
		n += ids[i] == ' ';
	assert_int_equal(n, 2);
	snprintf(want, sizeof(want), "%s\ngroup secret\nrefused\n", ids);

	open_ok(GAIL, "grp", SESSION_MODE_DISCARD, uuid);
	run_ok(uuid, GAIL, "id -G | tr ' ' '\\n' | sort -n | tr '\\n' ' '; "
	    "echo; cat g-only; cat b-only 2>/dev/null || echo refused", &r);
	assert_string_equal(r.out, want);
	run_free(&r);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

/* cc, make, python3 and git work; so does a file of this repository. */
static void
test_build(void **unused)
{
	char		uuid[SESSION_IDSZ];
	struct run	r;

	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	run_ok(uuid, ALICE, "set -e; mkdir -p hello; cd hello; "
	    "printf '#include <stdio.h>\\nint main(void) "
	    "{ puts(\"hello from cc\"); return 0; }\\n' >hello.c; "
	    "printf 'hello: hello.c\\n\\tcc -O2 -o hello hello.c\\n' "
	    ">Makefile; make; ./hello; cd /project; "
	    "cc -c -I. -D_GNU_SOURCE -o /tmp/wire.o common/wire.c; "
	    "ls -s /tmp/wire.o >/dev/null && echo wire built; "
	    "python3 -c 'print(6 * 7)'; git --version", &r);
	has(r.out, "hello from cc\n");
	has(r.out, "wire built\n");
	has(r.out, "42\n");
	has(r.out, "git version");
	run_free(&r);
	/* The build stayed in the session. */
	assert_int_equal(sh("test -e '%s/hello'", tree1), 1);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

static char	sha_buf[128];

static const char *
tree_sha(const char *dir)
{
	snprintf(sha_buf, sizeof(sha_buf), "%s", sh_out("cd '%s' && tar "
	    "--sort=name -cf - . | sha256sum", dir));
	return sha_buf;
}

/* Writes stay in the upper layer; discard leaves the tree as it was. */
static void
test_discard(void **unused)
{
	char		uuid[SESSION_IDSZ], before[128];
	struct run	r;

	pccx_strlcpy(before, tree_sha(tree1), sizeof(before));
	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	run_ok(uuid, ALICE, "set -e; echo x >>README.md; rm Makefile; "
	    "rm -rf docs; mkdir newdir; echo n >newdir/f; chmod 700 common; "
	    "ln -s README.md rl; cat README.md | tail -1; ls Makefile "
	    "2>/dev/null || echo gone", &r);
	has(r.out, "x\ngone\n");
	run_free(&r);
	assert_string_equal(tree_sha(tree1), before);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
	assert_int_equal(K.result, SESSION_RES_DISCARDED);
	assert_string_equal(tree_sha(tree1), before);
	assert_int_equal(sh("test -e '%s/session/sessions/%s'", state, uuid),
	    1);
}

/*
 * A tree 700 directories deep is removed by a daemon allowed
 * T_NOFILE descriptors: the walk moves what is deeper than it holds
 * up to the top and goes on from there.
 */
static void
test_deep_tree(void **unused)
{
	char		uuid[SESSION_IDSZ];
	struct run	r;

	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	run_ok(uuid, ALICE, "set -e; for i in $(seq 700); do mkdir d; cd d; "
	    "done; echo deep >f", &r);
	run_free(&r);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
	assert_int_equal(K.result, SESSION_RES_DISCARDED);
	assert_int_equal(sh("for i in $(seq 100); do [ -z \"$(ls -A "
	    "'%s/session/trash')\" ] && exit 0; sleep 0.1; done; "
	    "ls -lA '%s/session/trash' >&2; exit 1", state, state), 0);
}

/* What squash must do to the tree, done on a copy by the same user. */
#define SQ_SCRIPT							\
	"set -e; echo new >newfile; mkdir -p newdir/deep; "		\
	"echo deep >newdir/deep/f; echo changed >>README.md; "		\
	"rm Makefile; rm -rf docs; rm -rf common; mkdir common; "	\
	"echo only >common/only; ln -s newfile link; chmod 750 newfile; "\
	"cp /bin/true suid; chmod 4755 suid; "				\
	"mv regress/config/full.conf regress/config/full2.conf; "	\
	"chmod 600 regress/config/minimal.conf"

static const char *
tree_list(const char *dir)
{
	return sh_out("cd '%s' && find . -printf '%%y %%m %%u %%g %%s %%p "
	    "%%l\\n' | sort && find . -type f -exec sha256sum {} + | sort",
	    dir);
}

/* Squash applies creations, changes, deletions and replacements. */
static void
test_squash(void **unused)
{
	char		uuid[SESSION_IDSZ], exp[1100], *want;
	struct run	r;
	uint32_t	i;

	snprintf(exp, sizeof(exp), "%s/expected", work);
	if (sh("cp -a '%s' '%s' && cd '%s' && setpriv --reuid=%d --regid=%d "
	    "--clear-groups sh -c '%s' && chmod u-s suid", treesq, exp, exp,
	    ALICE_UID, ALICE_UID, SQ_SCRIPT) != 0)
		fail_msg("cannot make the expected tree");
	open_ok(ALICE, "sq", SESSION_MODE_SQUASH, uuid);
	run_ok(uuid, ALICE, SQ_SCRIPT, &r);
	run_free(&r);
	assert_int_equal(sh("test -e '%s/newfile'", treesq), 1);
	kill_ok(uuid, SESSION_MODE_DEFAULT, &K);
	for (i = 0; i < K.nconflicts; i++)
		print_message("# conflict: %s\n", K.conflicts[i]);
	assert_int_equal(K.result, SESSION_RES_SQUASHED);
	assert_int_equal(K.nconflicts, 0);
	assert_true(K.applied > 8);
	want = strdup(tree_list(exp));
	assert_string_equal(tree_list(treesq), want);
	free(want);
	/* The setuid bit did not come back; the file did. */
	assert_string_equal(sh_out("stat -c %%a '%s/suid'", treesq), "755\n");
	assert_int_equal(sh("test -d '%s/docs'", treesq), 1);
	assert_int_equal(sh("test -e '%s/session/sessions/%s'", state, uuid),
	    1);
}

/*
 * Squash keeps a sparse file sparse (8 GiB with one byte of data takes
 * a block or so, not 8 GiB of zeros) and leaves a setgid directory of
 * the tree setgid.
 */
static void
test_squash_keeps(void **unused)
{
	char		uuid[SESSION_IDSZ];
	struct run	r;

	/* older than the session, so that squash sets its metadata */
	assert_int_equal(sh("cd '%s' && mkdir sgid && chown %d:%d sgid && "
	    "chmod 2775 sgid && sleep 1", treesq, ALICE_UID, ALICE_UID), 0);
	open_ok(ALICE, "sq", SESSION_MODE_SQUASH, uuid);
	run_ok(uuid, ALICE, "set -e; truncate -s 8G sparse; printf x >>sparse; "
	    "touch sgid/a", &r);
	run_free(&r);
	kill_ok(uuid, SESSION_MODE_DEFAULT, &K);
	assert_int_equal(K.result, SESSION_RES_SQUASHED);
	assert_string_equal(sh_out("stat -c %%s '%s/sparse'", treesq),
	    "8589934593\n");
	assert_int_equal(sh("test $(stat -c %%b '%s/sparse') -lt 2048",
	    treesq), 0);
	assert_string_equal(sh_out("stat -c %%a '%s/sgid'", treesq),
	    "2775\n");
	assert_int_equal(sh("test -e '%s/sgid/a'", treesq), 0);
	assert_int_equal(sh("rm -rf '%s/sparse' '%s/sgid'", treesq, treesq),
	    0);
}

/* A tree changed behind a session: the squash is refused, nothing lost. */
static void
test_conflict(void **unused)
{
	char		uuid[SESSION_IDSZ], kept[1100];
	struct run	r;
	uint32_t	i;
	int		readme = 0, wire = 0;

	open_ok(ALICE, "cf", SESSION_MODE_SQUASH, uuid);
	run_ok(uuid, ALICE, "set -e; echo s >>README.md; echo s >>Makefile; "
	    "echo s >created; echo s >>common/wire.c", &r);
	run_free(&r);
	if (sh("echo host >>'%s/README.md' && rm '%s/common/wire.c'", treecf,
	    treecf) != 0)
		fail_msg("cannot change the tree");
	kill_ok(uuid, SESSION_MODE_DEFAULT, &K);
	assert_int_equal(K.result, SESSION_RES_CONFLICT);
	for (i = 0; i < K.nconflicts; i++) {
		print_message("# conflict: %s\n", K.conflicts[i]);
		readme |= strcmp(K.conflicts[i], "README.md") == 0;
		wire |= strcmp(K.conflicts[i], "common/wire.c") == 0;
	}
	assert_true(readme && wire);
	assert_int_equal(K.nconflicts, 2);
	/* Nothing was written: the tree keeps its own change only. */
	assert_string_equal(sh_out("tail -1 '%s/README.md'", treecf), "host\n");
	assert_string_not_equal(sh_out("tail -1 '%s/Makefile'", treecf), "s\n");
	assert_int_equal(sh("test -e '%s/created'", treecf), 1);
	/* The upper layer is kept for inspection. */
	snprintf(kept, sizeof(kept), "%s/session/conflicts/%s/upper", state,
	    uuid);
	assert_string_equal(sh_out("tail -1 '%s/Makefile'", kept), "s\n");
	assert_string_equal(sh_out("cat '%s/created'", kept), "s\n");
}

/* Mounts, user namespaces and the kernel's wider calls are refused. */
static void
test_escape_kernel(void **unused)
{
	char		uuid[SESSION_IDSZ];
	struct run	r;

	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	run_ok(uuid, ALICE, "/project/.probe kernel; "
	    "unshare -U true && echo unshare-U worked; "
	    "unshare -Ur id && echo unshare-Ur worked; "
	    "mount -t tmpfs none /mnt && echo mount worked; "
	    "echo x >/proc/sys/kernel/domainname && echo procsys worked; "
	    "echo x >/proc/sysrq-trigger && echo sysrq worked; true", &r);
	print_message("# %s", r.out);
	has(r.out, "mount errno EPERM\n");
	has(r.out, "umount errno EPERM\n");
	has(r.out, "unshare-user errno EPERM\n");
	has(r.out, "unshare-ns errno EPERM\n");
	has(r.out, "setns errno EPERM\n");
	has(r.out, "keyctl errno EPERM\n");
	has(r.out, "bpf errno EPERM\n");
	has(r.out, "io_uring errno EPERM\n");
	has(r.out, "perf errno EPERM\n");
	assert_null(strstr(r.out, "procsys ok"));
	assert_null(strstr(r.out, "worked"));
	run_free(&r);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

/* clone3 with CLONE_NEWUSER, from a helper built in the session. */
static void
test_escape_clone3(void **unused)
{
	char		uuid[SESSION_IDSZ];
	struct run	r;

	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	run_ok(uuid, ALICE, "cc -D_GNU_SOURCE -o /tmp/probe probe.c && "
	    "/tmp/probe clone3 && /tmp/probe clone", &r);
	has(r.out, "clone3 errno ENOSYS\n");
	has(r.out, "clone errno EPERM\n");
	run_free(&r);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

/* A setuid-root file in the tree gives nothing: /project is nosuid. */
static void
test_escape_setuid(void **unused)
{
	char		uuid[SESSION_IDSZ];
	struct run	r;

	assert_string_equal(sh_out("stat -c '%%a %%u' '%s/.suidid'", tree1),
	    "4755 0\n");
	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	run_ok(uuid, ALICE, "/project/.suidid -u; cp /bin/id /tmp/i; "
	    "chmod 4755 /tmp/i; /tmp/i -u; "
	    "awk '$5 == \"/project\" || $5 == \"/usr\" || $5 == \"/\" "
	    "{ print $5, $6 }' /proc/self/mountinfo", &r);
	print_message("# %s", r.out);
	has(r.out, "65534\n65534\n");
	has(r.out, "/usr ro,nosuid,nodev");
	has(r.out, "/project rw,nosuid,nodev");
	run_free(&r);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

/* Links out of the tree resolve in the sandbox, where hidden is empty. */
static void
test_escape_symlink(void **unused)
{
	char		uuid[SESSION_IDSZ];
	struct run	r;

	assert_int_not_equal(atoi(sh_out("wc -c </etc/shadow")), 0);
	assert_int_not_equal(atoi(sh_out("ls -A '%s' | wc -l", state)), 0);
	assert_int_not_equal(atoi(sh_out("ls -A '%s' | wc -l", tree2)), 0);
	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	run_ok(uuid, ALICE, "cat .l-shadow | wc -c; ls -A .l-state/ | wc -l; "
	    "ls -A .l-tree2/ | wc -l; ls -A .l-root/ | wc -l; "
	    "cat /etc/shadow | wc -c", &r);
	assert_string_equal(r.out, "0\n0\n0\n0\n0\n");
	run_free(&r);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

/* What the host hides stays hidden: state, projects, secrets, /tmp. */
static void
test_hidden(void **unused)
{
	char		uuid[SESSION_IDSZ], script[8192], mark[1100];
	struct run	r;

	snprintf(mark, sizeof(mark), "/tmp/pccx-visible-%d", (int)getpid());
	assert_int_not_equal(atoi(sh_out("ls -A /root /run | wc -l")), 0);
	sh("touch '%s'", mark);
	snprintf(script, sizeof(script), "ls -A '%s' | wc -l; "
	    "ls -A '%s' | wc -l; ls -A '%s/hidden-dir' | wc -l; "
	    "cat '%s/hidden-file' | wc -c; ls -A /run | wc -l; "
	    "ls -A /root 2>/dev/null | wc -l; "
	    "test -e '%s' && echo host tmp visible; "
	    "for k in /etc/ssh/*key*; do test -s \"$k\" && echo key $k; done;"
	    " true", state, treesq, work, work, mark);
	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	run_ok(uuid, ALICE, script, &r);
	unlink(mark);
	print_message("# %s", r.out);
	assert_string_equal(r.out, "0\n0\n0\n0\n0\n0\n");
	run_free(&r);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

static int
listen_tcp(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			s;

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 8) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	*port = ntohs(sin.sin_port);
	return s;
}

static int
listen_abstract(const char *name)
{
	struct sockaddr_un	sun;
	int			s;

	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strncpy(sun.sun_path + 1, name, sizeof(sun.sun_path) - 2);
	if (bind(s, (struct sockaddr *)&sun, offsetof(struct sockaddr_un,
	    sun_path) + 1 + strlen(name)) == -1 || listen(s, 8) == -1)
		return -1;
	return s;
}

/* The host's loopback services are out of reach. */
static void
test_escape_loopback(void **unused)
{
	char		uuid[SESSION_IDSZ], script[512], name[64];
	struct run	r;
	int		port = 0, t, u;

	snprintf(name, sizeof(name), "pccx-test-%d", (int)getpid());
	assert_int_not_equal(t = listen_tcp(&port), -1);
	assert_int_not_equal(u = listen_abstract(name), -1);
	/* Both answer on the host. */
	assert_int_equal(sh("%s/.probe connect %d | grep -q 'connect ok' && "
	    "%s/.probe abstract %s | grep -q 'abstract ok'", tree1, port,
	    tree1, name), 0);
	snprintf(script, sizeof(script), "/project/.probe connect %d; "
	    "/project/.probe abstract %s", port, name);
	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	run_ok(uuid, ALICE, script, &r);
	has(r.out, "connect errno ECONNREFUSED\n");
	has(r.out, "abstract errno ECONNREFUSED\n");
	run_free(&r);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
	close(t);
	close(u);
}

/* ptrace of anything, in the session or out of it, is refused. */
static void
test_escape_ptrace(void **unused)
{
	char		uuid[SESSION_IDSZ], script[256];
	struct run	r;

	snprintf(script, sizeof(script), "/project/.probe ptrace %d",
	    (int)getpid());
	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	run_ok(uuid, ALICE, script, &r);
	has(r.out, "traceme errno EPERM\n");
	has(r.out, "attach-sibling errno EPERM\n");
	has(r.out, "attach-init errno EPERM\n");
	assert_null(strstr(r.out, "attach-host ok"));
	run_free(&r);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

/* One session cannot see another's files or processes. */
static void
test_escape_other_session(void **unused)
{
	char		a[SESSION_IDSZ], b[SESSION_IDSZ], script[2048];
	struct run	r;

	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, a);
	open_ok(BOB, "proj", SESSION_MODE_DISCARD, b);
	run_ok(a, ALICE, "echo s >/project/secret-a; echo s >/tmp/secret-a; "
	    "echo s >$HOME/secret-a; sleep 30 & echo started", &r);
	run_free(&r);
	snprintf(script, sizeof(script), "cat /project/secret-a /tmp/secret-a "
	    "/home/nobody/secret-a '%s/session/sessions/%s/upper/secret-a' "
	    "2>/dev/null; ls /home; ps -e -o comm= | grep -c sleep; true",
	    state, a);
	run_ok(b, BOB, script, &r);
	assert_string_equal(r.out, "pccxbob\n0\n");
	run_free(&r);
	kill_ok(a, SESSION_MODE_DISCARD, &K);
	kill_ok(b, SESSION_MODE_DISCARD, &K);
}

static int
v2_controllers(void)
{
	const char	*c = sh_out("cat /sys/fs/cgroup/cgroup.controllers "
	    "/sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null");

	return strstr(c, "memory") != NULL && strstr(c, "pids") != NULL;
}

/* A memory hog dies inside; the session lives on. */
static void
test_limit_memory(void **unused)
{
	char		uuid[SESSION_IDSZ];
	struct run	r;

	open_ok(ALICE, "lim", SESSION_MODE_DISCARD, uuid);
	assert_int_equal(h_sh(&H, uuid, ALICE, "exec /project/.probe memhog "
	    "256", &r), 0);
	has(r.out, "memhog start\n");
	assert_null(strstr(r.out, "survived"));
	assert_int_equal(r.sig, 9);
	run_free(&r);
	run_ok(uuid, ALICE, "echo alive", &r);
	has(r.out, "alive\n");
	run_free(&r);
	if (!v2_controllers())
		assert_string_equal(sh_out("cat /sys/fs/cgroup/memory/%s/%s/"
		    "memory.limit_in_bytes", H.cgroup, uuid), "67108864\n");
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

/* A fork bomb meets pids.max; the session lives on. */
static void
test_limit_pids(void **unused)
{
	char		uuid[SESSION_IDSZ];
	struct run	r;
	int		n;

	open_ok(ALICE, "lim", SESSION_MODE_DISCARD, uuid);
	run_ok(uuid, ALICE, "exec /project/.probe forkbomb", &r);
	print_message("# %s", r.out);
	has(r.out, " EAGAIN\n");
	n = atoi(strchr(r.out, ' ') + 1);
	assert_true(n > 10 && n < 64);
	run_free(&r);
	run_ok(uuid, ALICE, "echo alive", &r);
	has(r.out, "alive\n");
	run_free(&r);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

/* 20% of a CPU: a busy loop gets about that. */
static void
test_limit_cpu(void **unused)
{
	char		uuid[SESSION_IDSZ];
	struct run	r;
	double		cpu, wall;

	open_ok(ALICE, "lim", SESSION_MODE_DISCARD, uuid);
	run_ok(uuid, ALICE, "/project/.probe cpuburn 1.5", &r);
	assert_int_equal(sscanf(r.out, "cpuburn %lf %lf", &cpu, &wall), 2);
	print_message("# cpu %.3f s in %.3f s: %.0f%%\n", cpu, wall,
	    100 * cpu / wall);
	assert_true(cpu / wall < 0.3);
	assert_true(cpu > 0.05);
	run_free(&r);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

/*
 * Where cgroup v2 has the controllers, the limits are set there.
 * Run by regress/session/cgroup_v2.t, which skips it on hosts (this
 * one) where v2 has none: prove takes cmocka's skip for a failure.
 */
static void
test_limit_v2(void **unused)
{
	char		uuid[SESSION_IDSZ];

	assert_true(v2_controllers());
	open_ok(ALICE, "lim", SESSION_MODE_DISCARD, uuid);
	assert_string_equal(sh_out("cat /sys/fs/cgroup/unified/%s/%s/"
	    "memory.max /sys/fs/cgroup/%s/%s/memory.max 2>/dev/null",
	    H.cgroup, uuid, H.cgroup, uuid), "67108864\n");
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

/* The host pids of a session's processes, from its cgroup. */
static int
session_pids(const char *cg, const char *uuid, pid_t *pids, int max)
{
	char	path[512];
	FILE	*f;
	int	n = 0;
	long	v;

	snprintf(path, sizeof(path), "/sys/fs/cgroup/pids/%s/%s/cgroup.procs",
	    cg, uuid);
	if ((f = fopen(path, "r")) == NULL) {
		/* A host with cgroup v2 alone. */
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s/"
		    "cgroup.procs", cg, uuid);
		if ((f = fopen(path, "r")) == NULL)
			return -1;
	}
	while (n < max && fscanf(f, "%ld", &v) == 1)
		pids[n++] = v;
	fclose(f);
	return n;
}

/* Nothing of the session is left: processes, cgroups, mounts, netns. */
static void
assert_gone(const char *cg, const char *uuid, const pid_t *pids, int n,
    const char *netns)
{
	static const char *const h[] = { "memory", "cpu", "pids", "freezer",
	    "unified" };
	char	path[512];
	size_t	i;
	int	j, alive = 0;

	/* Orphans of a crashed host come here: reap them first. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	for (j = 0; j < n; j++)
		if (kill(pids[j], 0) == 0 || errno != ESRCH) {
			print_message("# alive: %s", sh_out("cat /proc/%d/stat",
			    (int)pids[j]));
			alive++;
		}
	assert_int_equal(alive, 0);
	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s/%s", h[i],
		    cg, uuid);
		assert_int_equal(access(path, F_OK), -1);
	}
	assert_string_equal(sh_out("grep -l '%s' /proc/[0-9]*/mountinfo "
	    "2>/dev/null | wc -l", uuid), "0\n");
	assert_string_equal(sh_out("ls -l /proc/[0-9]*/ns/net 2>/dev/null | "
	    "grep -cF '%s'", netns), "0\n");
}

/* Start n waiting processes; their stream stays open. */
static int
spawn(struct host *h, const char *uuid, int n, struct run *r)
{
	char		 arg[16];
	char *const	 argv[] = { "/project/.probe", "forker", arg, NULL };
	int		 fd;

	snprintf(arg, sizeof(arg), "%d", n);
	memset(r, 0, sizeof(*r));
	if ((fd = h_exec_start(h, uuid, ALICE, "/project", argv, NULL,
	    NULL)) == -1)
		return -1;
	if (run_until(fd, r, "ready", 60000) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
kill_many(struct host *h, const char *project, int n)
{
	static pid_t	 pids[2048];
	char		 uuid[SESSION_IDSZ], netns[64];
	struct p_session_error	e;
	struct run	 r;
	int		 fd, np;

	if (h_open(h, ALICE, project, SESSION_MODE_DISCARD, 0, 0, 0, uuid,
	    &e) == -1)
		fail_msg("open: %s", e.text);
	assert_int_not_equal(fd = spawn(h, uuid, n, &r), -1);
	np = session_pids(h->cgroup, uuid, pids, 2048);
	assert_true(np >= n + 2);
	snprintf(netns, sizeof(netns), "%s", sh_out("readlink "
	    "/proc/%d/ns/net | tr -d '\\n'", (int)pids[0]));
	print_message("# netns of %d: %s\n", (int)pids[0], netns);
	assert_true(strncmp(netns, "net:[", 5) == 0);
	assert_int_equal(h_kill(h, uuid, "", SESSION_MODE_DEFAULT, &K, &e), 0);
	print_message("# %d processes: gone in %.2f ms, reply after %.2f ms\n",
	    np, K.kill_us / 1000.0, K.total_us / 1000.0);
	/* The stream ends without an exit status: the session was killed. */
	assert_int_equal(run_read(fd, &r, 5000), 0);
	assert_int_equal(r.exited, 0);
	run_free(&r);
	assert_gone(h->cgroup, uuid, pids, np, netns);
}

static void
test_kill_1(void **unused)
{
	kill_many(&H, "proj", 1);
}

static void
test_kill_100(void **unused)
{
	kill_many(&H, "proj", 100);
}

static void
test_kill_1000(void **unused)
{
	kill_many(&H, "proj", 1000);
}

/* The v1 path: freezer, SIGKILL to each, thaw. */
static void
test_kill_freezer(void **unused)
{
	struct host_conf	hc;
	struct host		h2;
	char			st[1100];

	snprintf(st, sizeof(st), "%s/state-v1", work);
	assert_int_equal(mkdir(st, 0700), 0);
	memset(&hc, 0, sizeof(hc));
	hc.per_user = 2;
	hc.no_cgroup2 = 1;
	host_init(&h2, st, &hc);
	host_project(&h2, "proj", tree1, 0, 0, 4096, 1800);
	host_member(&h2, "proj", ALICE, "nobody", ALICE_UID, ALICE_UID);
	assert_int_equal(host_start(&h2, st, &hc), 0);
	kill_many(&h2, "proj", 100);
	assert_int_equal(host_stop(&h2), 0);
}

/* With no activity for the project's idle timeout, a session ends. */
static void
test_idle(void **unused)
{
	char		uuid[SESSION_IDSZ];
	struct run	r;
	uint64_t	t0 = now_mono_ms(), t;
	uint8_t		why;

	open_ok(ALICE, "idle", SESSION_MODE_DISCARD, uuid);
	/* A command running counts as activity: 3 s, over the 2 s. */
	run_ok(uuid, ALICE, "sleep 3; echo slept", &r);
	has(r.out, "slept\n");
	run_free(&r);
	assert_int_equal(h_wait_unasked(&H, uuid, 10000, &why), 0);
	t = now_mono_ms() - t0;
	opened_del(uuid);
	print_message("# idle kill after %.1f s\n", t / 1000.0);
	assert_int_equal(why, SESSION_WHY_IDLE);
	assert_true(t >= 4500 && t < 9000);
}

static uint32_t
session_procs(const char *uuid)
{
	struct p_session_row	row;

	if (h_info(&H, uuid, "", &row, NULL) == -1)
		return 0;
	return row.processes;
}

/* Closing the output stream kills the command. */
static void
test_client_gone(void **unused)
{
	char		 uuid[SESSION_IDSZ];
	char *const	 argv[] = { "/bin/sh", "-c",
	    "echo started; sleep 1000 & sleep 1000", NULL };
	struct run	 r;
	int		 fd, i;

	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	memset(&r, 0, sizeof(r));
	assert_int_not_equal(fd = h_exec_start(&H, uuid, ALICE, "/project",
	    argv, NULL, NULL), -1);
	assert_int_equal(run_until(fd, &r, "started", 10000), 0);
	for (i = 0; i < 200 && session_procs(uuid) != 4; i++)
		usleep(10000);
	assert_int_equal(session_procs(uuid), 4);
	close(fd);
	run_free(&r);
	for (i = 0; i < 200 && session_procs(uuid) != 1; i++)
		usleep(10000);
	assert_int_equal(session_procs(uuid), 1);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

/* Read what a pty says until the shell is gone. */
static char *
pty_talk(int fd, const char *input)
{
	static char	out[16384];
	struct pollfd	p;
	size_t		n = 0;
	ssize_t		r;

	if (write(fd, input, strlen(input)) != (ssize_t)strlen(input))
		return NULL;
	p.fd = fd;
	p.events = POLLIN;
	while (n < sizeof(out) - 1 && poll(&p, 1, 10000) == 1) {
		if ((r = read(fd, out + n, sizeof(out) - 1 - n)) <= 0)
			break;
		n += r;
	}
	out[n] = '\0';
	close(fd);
	return out;
}

/* A pty: a login shell on it, its size set and changed. */
static void
test_pty(void **unused)
{
	struct p_session_error	e;
	char			uuid[SESSION_IDSZ], *out;
	uint32_t		id;
	int			fd;

	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	assert_int_not_equal(fd = h_pty(&H, uuid, ALICE, 24, 80, &id, &e), -1);
	out = pty_talk(fd, "stty size; id -u; tty; exit\n");
	print_message("# %s\n", out);
	has(out, "24 80");
	has(out, "65534");
	has(out, "/dev/pts/0");
	assert_int_not_equal(fd = h_pty(&H, uuid, ALICE, 24, 80, &id, &e), -1);
	assert_int_equal(h_resize(&H, uuid, ALICE, id, 30, 100, &e), 0);
	out = pty_talk(fd, "stty size; exit\n");
	has(out, "30 100");
	/* Someone else's session: no pty. */
	assert_int_equal(h_pty(&H, uuid, BOB, 24, 80, &id, &e), -1);
	assert_int_equal(e.code, SESSION_E_NOTOWNER);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

/* A user holds per_user sessions at most. */
static void
test_per_user(void **unused)
{
	struct p_session_error	e;
	char			uuid[PER_USER + 1][SESSION_IDSZ];
	int			i;

	for (i = 0; i < PER_USER; i++)
		open_ok(CAROL, "proj", SESSION_MODE_DISCARD, uuid[i]);
	assert_int_equal(h_open(&H, CAROL, "proj", SESSION_MODE_DISCARD, 0, 0,
	    0, uuid[PER_USER], &e), -1);
	assert_int_equal(e.code, SESSION_E_PERUSER);
	for (i = 0; i < PER_USER; i++)
		kill_ok(uuid[i], SESSION_MODE_DISCARD, &K);
	open_ok(CAROL, "proj", SESSION_MODE_DISCARD, uuid[0]);
	kill_ok(uuid[0], SESSION_MODE_DISCARD, &K);
}

static void
expect_exec_error(const char *uuid, const char *user, const char *cwd,
    char *const *env, int code)
{
	struct p_session_error	 e;
	char *const		 argv[] = { "/bin/true", NULL };

	memset(&e, 0, sizeof(e));
	assert_int_equal(h_exec_start(&H, uuid, user, cwd, argv, env, &e), -1);
	assert_int_equal(e.code, code);
}

/* Requests are checked here whatever the front end said. */
static void
test_checks(void **unused)
{
	struct p_session_error	 e;
	char			 uuid[SESSION_IDSZ], u2[SESSION_IDSZ];
	char *const		 bad_env[] = { "LD_PRELOAD=/tmp/x.so",
	    NULL };
	char *const		 good_env[] = { "LANG=C", "PCCX_X=1", NULL };

	assert_int_equal(h_open(&H, ALICE, "nope", 1, 0, 0, 0, u2, &e), -1);
	assert_int_equal(e.code, SESSION_E_NOPROJECT);
	assert_int_equal(h_open(&H, BOB, "idle", 1, 0, 0, 0, u2, &e), -1);
	assert_int_equal(e.code, SESSION_E_NOTMAPPED);
	assert_int_equal(h_open(&H, ALICE, "lim", 1, 1ULL << 30, 0, 0, u2,
	    &e), -1);
	assert_int_equal(e.code, SESSION_E_LIMITS);
	assert_int_equal(h_open(&H, ALICE, "lim", 1, 0, 50, 0, u2, &e), -1);
	assert_int_equal(e.code, SESSION_E_LIMITS);
	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	expect_exec_error(uuid, ALICE, "/etc", NULL, SESSION_E_ARGS);
	expect_exec_error(uuid, ALICE, "/project/../etc", NULL, SESSION_E_ARGS);
	expect_exec_error(uuid, ALICE, "/projectx", NULL, SESSION_E_ARGS);
	expect_exec_error(uuid, ALICE, "/project", bad_env, SESSION_E_ENV);
	expect_exec_error(uuid, BOB, "/project", NULL, SESSION_E_NOTOWNER);
	assert_int_equal(h_kill(&H, uuid, BOB, 0, &K, &e), -1);
	assert_int_equal(e.code, SESSION_E_NOTOWNER);
	assert_int_equal(h_kill(&H, "00000000-0000-4000-8000-000000000000",
	    "", 0, &K, &e), -1);
	assert_int_equal(e.code, SESSION_E_NOSESSION);
	assert_int_not_equal(h_exec_start(&H, uuid, ALICE, "/project/common",
	    (char *const[]){ "/bin/true", NULL }, good_env, &e), -1);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

/* LIST and INFO show who runs what. */
static void
test_list(void **unused)
{
	struct p_session_row	rows[8];
	char			a[SESSION_IDSZ], b[SESSION_IDSZ];
	int			n = 0;

	open_ok(ALICE, "lim", SESSION_MODE_SQUASH, a);
	open_ok(BOB, "proj", SESSION_MODE_DISCARD, b);
	assert_int_equal(h_list(&H, BOB, rows, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].uuid, b);
	assert_string_equal(rows[0].account, "pccxbob");
	assert_int_equal(rows[0].state, SESSION_ST_READY);
	assert_true(rows[0].processes >= 1);
	assert_true(rows[0].memory > 0);
	assert_int_equal(h_info(&H, a, ALICE, rows, NULL), 0);
	assert_string_equal(rows[0].project, "lim");
	assert_int_equal(rows[0].mode, SESSION_MODE_SQUASH);
	assert_int_equal(rows[0].memory_max, 64 << 20);
	assert_int_equal(rows[0].pids_max, 64);
	assert_int_equal(rows[0].cpu_max, 20);
	kill_ok(a, SESSION_MODE_DISCARD, &K);
	kill_ok(b, SESSION_MODE_DISCARD, &K);
}

/* A reload adds and removes projects; open sessions carry on. */
static void
test_reload(void **unused)
{
	struct p_session_error	e;
	char			uuid[SESSION_IDSZ], u2[SESSION_IDSZ];
	struct run		r;

	open_ok(ALICE, "idle", SESSION_MODE_DISCARD, uuid);
	host_reload(&H, PER_USER, NULL, 0);
	host_project(&H, "proj", tree1, 2ULL << 30, 0, 4096, 1800);
	host_project(&H, "lim", tree2, 64 << 20, 20, 64, 1800);
	host_project(&H, "late", tree3, 0, 0, 0, 1800);
	host_member(&H, "proj", ALICE, "nobody", ALICE_UID, ALICE_UID);
	host_member(&H, "proj", BOB, "pccxbob", BOB_UID, BOB_UID);
	host_member(&H, "proj", CAROL, "pccxcarol", CAROL_UID, CAROL_UID);
	host_member(&H, "lim", ALICE, "nobody", ALICE_UID, ALICE_UID);
	host_member(&H, "late", BOB, "pccxbob", BOB_UID, BOB_UID);
	assert_int_equal(host_commit(&H), 0);
	assert_int_equal(h_open(&H, ALICE, "idle", 1, 0, 0, 0, u2, &e), -1);
	assert_int_equal(e.code, SESSION_E_NOPROJECT);
	assert_int_equal(h_open(&H, ALICE, "late", 1, 0, 0, 0, u2, &e), -1);
	assert_int_equal(e.code, SESSION_E_NOTMAPPED);
	open_ok(BOB, "late", SESSION_MODE_DISCARD, u2);
	run_ok(u2, BOB, "cat /project/a; ls /project/.l-state 2>&1 | wc -l",
	    &r);
	has(r.out, "one\n");
	run_free(&r);
	/* The session of the project gone runs on, until killed. */
	run_ok(uuid, ALICE, "cat /project/sub/b", &r);
	has(r.out, "two\n");
	run_free(&r);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
	kill_ok(u2, SESSION_MODE_DISCARD, &K);
}

/* After a crash, a new start ends what was left and keeps its upper. */
static void
test_restart(void **unused)
{
	struct host_conf	hc;
	struct p_session_error	e;
	struct host		h3;
	char			st[1100], cg[64], uuid[SESSION_IDSZ];
	struct run		r;
	pid_t			pids[16];
	int			n;

	snprintf(st, sizeof(st), "%s/state-crash", work);
	snprintf(cg, sizeof(cg), "pccx-test-%d-crash", (int)getpid());
	assert_int_equal(mkdir(st, 0700), 0);
	memset(&hc, 0, sizeof(hc));
	hc.per_user = 2;
	hc.cgroup = cg;
	host_init(&h3, st, &hc);
	host_project(&h3, "p", tree2, 0, 0, 0, 1800);
	host_member(&h3, "p", ALICE, "nobody", ALICE_UID, ALICE_UID);
	assert_int_equal(host_start(&h3, st, &hc), 0);
	assert_int_equal(h_open(&h3, ALICE, "p", SESSION_MODE_SQUASH, 0, 0, 0,
	    uuid, &e), 0);
	assert_int_equal(h_sh(&h3, uuid, ALICE, "echo kept >/project/work; "
	    "sleep 1000 & echo ok", &r), 0);
	run_free(&r);
	n = session_pids(cg, uuid, pids, 16);
	assert_true(n >= 2);
	host_crash(&h3);
	/* The sessions die with the daemon: their inits lose it. */
	host_init(&h3, st, &hc);
	host_project(&h3, "p", tree2, 0, 0, 0, 1800);
	host_member(&h3, "p", ALICE, "nobody", ALICE_UID, ALICE_UID);
	assert_int_equal(host_start(&h3, st, &hc), 0);
	assert_string_equal(sh_out("cat '%s/session/orphans/%s/upper/work'",
	    st, uuid), "kept\n");
	assert_int_equal(sh("test -e '%s/session/orphans/%s/work'", st, uuid),
	    1);
	assert_string_equal(sh_out("ls -A '%s/session/sessions' | wc -l", st),
	    "0\n");
	assert_int_equal(sh("test -e '%s/work'", tree2), 1);
	assert_gone(cg, uuid, pids, n, "no such namespace");
	assert_int_equal(host_stop(&h3), 0);
}

/* A revocation from the audit daemon ends the user's sessions at once. */
static void
test_revoked(void **unused)
{
	char	a1[SESSION_IDSZ], a2[SESSION_IDSZ], b[SESSION_IDSZ];
	uint8_t	why;

	open_ok(CAROL, "proj", SESSION_MODE_DISCARD, a1);
	open_ok(CAROL, "proj", SESSION_MODE_DISCARD, a2);
	open_ok(BOB, "proj", SESSION_MODE_DISCARD, b);
	assert_int_equal(h_revoke(&H, CAROL), 0);
	assert_int_equal(h_wait_unasked(&H, a1, 5000, &why), 0);
	assert_int_equal(why, SESSION_WHY_REVOKED);
	assert_int_equal(h_wait_unasked(&H, a2, 5000, &why), 0);
	assert_int_equal(why, SESSION_WHY_REVOKED);
	opened_del(a1);
	opened_del(a2);
	assert_int_equal(session_procs(b), 1);
	/* Each end was audited. */
	assert_int_equal(h_audit_count(&H, "session.open", "ok", a1), 1);
	assert_int_equal(h_audit_count(&H, "session.end", "ok", a1), 1);
	assert_int_equal(h_audit_count(&H, "session.end", "ok", a2), 1);
	assert_int_equal(h_audit_count(&H, "session.end", "ok", b), 0);
	kill_ok(b, SESSION_MODE_DISCARD, &K);
	assert_int_equal(h_audit_count(&H, "session.end", "ok", b), 1);
	assert_true(h_audit_count(&H, "session.open", "deny", NULL) >= 3);
	assert_true(h_audit_count(&H, "session.exec", "deny", NULL) >= 3);
}

/* The number of sessions the engine holds, opening ones included. */
static int
session_total(void)
{
	int	n = -1;

	if (h_list(&H, NULL, NULL, 0, &n) == -1)
		return -1;
	return n;
}

static uint64_t
ms_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * An open, exec, pty or kill waits for its audit row to be durable:
 * refused (SESSION_E_AUDIT) and not done when the audit daemon
 * refuses the row or does not answer.
 */
static void
test_audit_gate(void **unused)
{
	struct p_session_error	e;
	struct run		r;
	char			uuid[SESSION_IDSZ], other[SESSION_IDSZ];
	char *const		argv[] = { "/bin/sh", "-c",
	    "touch /project/.gate-marker", NULL };
	uint32_t		id;
	uint64_t		t0;
	int			n0, rows, fd;

	n0 = session_total();
	rows = h_audit_count(&H, "session.open", "allow", NULL);
	H.audit_answer = H_AUDIT_NACK;
	memset(&e, 0, sizeof(e));
	assert_int_equal(h_open(&H, ALICE, "proj", SESSION_MODE_DISCARD, 0,
	    0, 0, uuid, &e), -1);
	assert_int_equal(e.code, SESSION_E_AUDIT);
	assert_int_equal(h_audit_count(&H, "session.open", "allow", NULL),
	    rows + 1);
	assert_int_equal(session_total(), n0);

	/* Silent: refused at the deadline, and other requests go on. */
	H.audit_answer = H_AUDIT_SILENT;
	t0 = ms_now();
	assert_int_not_equal(id = h_open_begin(&H, ALICE, "proj"), 0);
	assert_int_equal(session_total(), n0);
	assert_true(ms_now() - t0 < 1000);
	memset(&e, 0, sizeof(e));
	assert_int_equal(h_open_end(&H, id, uuid, &e, 10000), -1);
	assert_int_equal(e.code, SESSION_E_AUDIT);
	print_message("# an unanswered open refused after %llu ms\n",
	    (unsigned long long)(ms_now() - t0));
	assert_true(ms_now() - t0 >= 1000);
	assert_int_equal(session_total(), n0);

	/* Durable: it opens; a late ACK of the old rows does nothing. */
	H.audit_answer = H_AUDIT_ACK;
	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	assert_int_equal(session_total(), n0 + 1);

	H.audit_answer = H_AUDIT_NACK;
	memset(&e, 0, sizeof(e));
	assert_int_equal(h_exec_start(&H, uuid, ALICE, "/project", argv,
	    NULL, &e), -1);
	assert_int_equal(e.code, SESSION_E_AUDIT);
	assert_int_equal(h_pty(&H, uuid, ALICE, 24, 80, &id, &e), -1);
	assert_int_equal(e.code, SESSION_E_AUDIT);
	assert_int_equal(h_kill(&H, uuid, "", SESSION_MODE_DISCARD, &K, &e),
	    -1);
	assert_int_equal(e.code, SESSION_E_AUDIT);
	H.audit_answer = H_AUDIT_SILENT;
	assert_int_equal(h_exec_start(&H, uuid, ALICE, "/project", argv,
	    NULL, &e), -1);
	assert_int_equal(e.code, SESSION_E_AUDIT);

	/* Nothing ran, and the session still lives. */
	H.audit_answer = H_AUDIT_ACK;
	run_ok(uuid, ALICE, "test ! -e /project/.gate-marker && echo none",
	    &r);
	has(r.out, "none");
	run_free(&r);
	assert_int_not_equal(fd = h_exec_start(&H, uuid, ALICE, "/project",
	    argv, NULL, &e), -1);
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_read(fd, &r, 10000), 0);
	assert_true(r.exited && r.code == 0);
	run_free(&r);
	run_ok(uuid, ALICE, "test -e /project/.gate-marker && echo there",
	    &r);
	has(r.out, "there");
	run_free(&r);
	assert_int_equal(h_audit_count(&H, "session.exec", "allow", uuid),
	    5);
	assert_int_equal(h_audit_count(&H, "session.kill", "allow", uuid),
	    1);
	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, other);
	kill_ok(other, SESSION_MODE_DISCARD, &K);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
	assert_int_equal(session_total(), n0);
}

/* An exec's standard input: the request's bytes, or /dev/null. */
static void
test_exec_stdin(void **unused)
{
	struct p_session_error	e;
	struct run		r;
	char			uuid[SESSION_IDSZ], *big;
	char *const		cat[] = { "/bin/cat", NULL };
	char *const		wc[] = { "/usr/bin/wc", "-c", NULL };
	char *const		tru[] = { "/bin/true", NULL };
	int			fd;

	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	assert_non_null(big = malloc(SESSION_INMAX));
	memset(big, 'x', SESSION_INMAX);
	assert_int_not_equal(fd = h_exec_in(&H, uuid, ALICE, "/project", cat,
	    NULL, "hello\nworld\n", 12, &e), -1);
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_read(fd, &r, 10000), 0);
	assert_true(r.exited && r.code == 0);
	assert_int_equal(r.outlen, 12);
	assert_memory_equal(r.out, "hello\nworld\n", 12);
	run_free(&r);
	/* The most one may give: more than a small pipe holds at once. */
	assert_int_not_equal(fd = h_exec_in(&H, uuid, ALICE, "/project", wc,
	    NULL, big, SESSION_INMAX, &e), -1);
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_read(fd, &r, 10000), 0);
	assert_true(r.exited && r.code == 0);
	assert_int_equal(atoi(r.out), SESSION_INMAX);
	run_free(&r);
	/* A command that reads none of it still ends. */
	assert_int_not_equal(fd = h_exec_in(&H, uuid, ALICE, "/project", tru,
	    NULL, big, SESSION_INMAX, &e), -1);
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_read(fd, &r, 10000), 0);
	assert_true(r.exited && r.code == 0);
	run_free(&r);
	/* None: cat sees the end at once. */
	assert_int_not_equal(fd = h_exec_start(&H, uuid, ALICE, "/project",
	    cat, NULL, &e), -1);
	memset(&r, 0, sizeof(r));
	assert_int_equal(run_read(fd, &r, 10000), 0);
	assert_true(r.exited && r.code == 0 && r.outlen == 0);
	run_free(&r);
	assert_int_equal(h_audit_count(&H, "session.exec", "allow", uuid), 4);
	free(big);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

/*
 * A device or login revocation ends exactly the sessions opened under
 * it, as fast as the kill switch.
 */
static void
test_revoke_login(void **unused)
{
	struct p_session_error	e;
	char			a1[SESSION_IDSZ], a2[SESSION_IDSZ];
	char			b[SESSION_IDSZ];
	uint64_t		t0;
	uint8_t			why;

	H.audit_answer = H_AUDIT_ACK;
	memset(&e, 0, sizeof(e));
	assert_int_equal(h_open_login(&H, ALICE, "proj", "devA", "loginA1",
	    a1, &e), 0);
	opened_add(a1);
	assert_int_equal(h_open_login(&H, ALICE, "proj", "devB", "loginB1",
	    b, &e), 0);
	opened_add(b);
	assert_int_equal(h_open_login(&H, ALICE, "proj", "devA", "loginA2",
	    a2, &e), 0);
	opened_add(a2);
	/* Names of other kinds match nothing. */
	assert_int_equal(h_revoke_kind(&H, AUDIT_REVOKE_SESSION, "devA"), 0);
	assert_int_equal(h_revoke_kind(&H, AUDIT_REVOKE_DEVICE, "loginB1"),
	    0);
	assert_int_equal(h_wait_unasked(&H, a1, 300, &why), -1);

	t0 = ms_now();
	assert_int_equal(h_revoke_kind(&H, AUDIT_REVOKE_DEVICE, "devA"), 0);
	assert_int_equal(h_wait_unasked(&H, a1, 5000, &why), 0);
	assert_int_equal(why, SESSION_WHY_REVOKED);
	assert_int_equal(h_wait_unasked(&H, a2, 5000, &why), 0);
	assert_int_equal(why, SESSION_WHY_REVOKED);
	print_message("# device revoked: 2 sessions gone in %llu ms\n",
	    (unsigned long long)(ms_now() - t0));
	assert_true(ms_now() - t0 < 1000);
	opened_del(a1);
	opened_del(a2);
	assert_int_equal(h_info(&H, b, "", NULL, NULL) == 0 &&
	    session_procs(b) >= 1, 1);

	t0 = ms_now();
	assert_int_equal(h_revoke_kind(&H, AUDIT_REVOKE_SESSION, "loginB1"),
	    0);
	assert_int_equal(h_wait_unasked(&H, b, 5000, &why), 0);
	assert_int_equal(why, SESSION_WHY_REVOKED);
	print_message("# login revoked: its session gone in %llu ms\n",
	    (unsigned long long)(ms_now() - t0));
	opened_del(b);
	assert_int_equal(h_audit_count(&H, "session.end", "ok", b), 1);
}

/* Revocation through the C API: a user's sessions end at once. */
static struct {
	int		 opened, killed, revoked;
	char		 uuid[3][SESSION_IDSZ];
} rv_state;

static void
rv_reply(void *arg, uint32_t reqid, const struct session_reply *r)
{
	if (r->type == MSG_SESSION_OPENED && reqid >= 1 && reqid <= 3)
		pccx_strlcpy(rv_state.uuid[rv_state.opened++],
		    r->u.opened.uuid, SESSION_IDSZ);
	if (r->type == MSG_SESSION_KILLED) {
		rv_state.killed++;
		if (reqid == 0 && r->u.killed->reason == SESSION_WHY_REVOKED)
			rv_state.revoked++;
	}
}

static int
rv_child(const char *st)
{
	struct p_session_conf_settings	s;
	struct p_session_conf_project	p;
	struct p_session_conf_member	m;
	struct p_session_open		o;
	struct session_params		sp;
	struct event_base		*base;
	char				dir[1200];
	int				i;

	memset(&s, 0, sizeof(s));
	s.per_user = 4;
	pccx_strlcpy(s.root, "/", sizeof(s.root));
	pccx_strlcpy(s.state_dir, st, sizeof(s.state_dir));
	memset(&p, 0, sizeof(p));
	pccx_strlcpy(p.name, "p", sizeof(p.name));
	pccx_strlcpy(p.path, tree2, sizeof(p.path));
	p.idle_timeout = 60;
	memset(&m, 0, sizeof(m));
	pccx_strlcpy(m.project, "p", sizeof(m.project));
	pccx_strlcpy(m.account, "nobody", sizeof(m.account));
	m.uid = m.gid = ALICE_UID;
	m.ngroups = 1;
	m.groups[0] = ALICE_UID;
	m.role = 2;
	if (session_conf_settings(&s) == -1 || session_conf_project(&p) == -1)
		return 10;
	pccx_strlcpy(m.user, ALICE, sizeof(m.user));
	session_conf_member(&m);
	pccx_strlcpy(m.user, BOB, sizeof(m.user));
	session_conf_member(&m);
	session_conf_commit();
	snprintf(dir, sizeof(dir), "%s/session", st);
	memset(&sp, 0, sizeof(sp));
	sp.dir = dir;
	sp.cgroup = cg_rv;
	sp.base = base = event_base_new();
	sp.reply = rv_reply;
	if (session_engine_init(&sp) == -1)
		return 11;
	memset(&o, 0, sizeof(o));
	o.uid = o.gid = SESSION_ANYID;
	o.mode = SESSION_MODE_DISCARD;
	pccx_strlcpy(o.project, "p", sizeof(o.project));
	for (i = 1; i <= 3; i++) {
		pccx_strlcpy(o.user, i < 3 ? ALICE : BOB, sizeof(o.user));
		session_open(i, &o);
	}
	while (rv_state.opened < 3)
		if (event_base_loop(base, EVLOOP_ONCE) == -1)
			return 12;
	if (session_kill_user(ALICE) != 2)
		return 13;
	while (rv_state.killed < 2)
		if (event_base_loop(base, EVLOOP_ONCE) == -1)
			return 14;
	if (rv_state.revoked != 2 || session_count() != 1)
		return 15;
	session_engine_stop();
	return session_count() == 0 && rv_state.killed == 3 ? 0 : 16;
}

static void
test_revoke(void **unused)
{
	char	st[1100];
	pid_t	pid;
	int	status;

	snprintf(st, sizeof(st), "%s/state-revoke", work);
	snprintf(cg_rv, sizeof(cg_rv), "pccx-test-%d-revoke", (int)getpid());
	host_cgroup_track(cg_rv);
	assert_int_equal(mkdir(st, 0700), 0);
	assert_int_equal(mkdir(strcat(strcpy((char[1200]){ 0 }, st),
	    "/session"), 0700), 0);
	if ((pid = fork()) == 0)
		_exit(rv_child(st));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/*
 * More paths to hide than the helper holds: a root whose /etc/ssh has
 * 260 key files.  No session is built (fail closed), and the next
 * configuration, with room again, builds them as before.
 */
static void
test_hide_overflow(void **unused)
{
	struct p_session_error	e;
	char			root[1100], uuid[SESSION_IDSZ];
	struct run		r;

	snprintf(root, sizeof(root), "%s/hideroot", work);
	sh("mkdir -p '%s/etc/ssh' && cd '%s/etc/ssh' && "
	    "for i in $(seq 260); do : >ssh_host_${i}_key; done", root, root);
	assert_int_equal(atoi(sh_out("ls '%s/etc/ssh' | wc -l", root)), 260);
	host_reload(&H, PER_USER, root, 0);
	host_project(&H, "proj", tree1, 2ULL << 30, 0, 4096, 1800);
	host_member(&H, "proj", ALICE, "nobody", ALICE_UID, ALICE_UID);
	assert_int_equal(host_commit(&H), 0);
	memset(&e, 0, sizeof(e));
	assert_int_equal(h_open(&H, ALICE, "proj", SESSION_MODE_DISCARD, 0,
	    0, 0, uuid, &e), -1);
	assert_int_equal(e.code, SESSION_E_INTERNAL);
	has(e.text, "more paths to hide than the helper holds");

	host_reload(&H, PER_USER, NULL, 0);
	host_project(&H, "proj", tree1, 2ULL << 30, 0, 4096, 1800);
	host_member(&H, "proj", ALICE, "nobody", ALICE_UID, ALICE_UID);
	assert_int_equal(host_commit(&H), 0);
	open_ok(ALICE, "proj", SESSION_MODE_DISCARD, uuid);
	run_ok(uuid, ALICE, "test -s /etc/shadow && echo shown; true", &r);
	assert_string_equal(r.out, "");
	run_free(&r);
	kill_ok(uuid, SESSION_MODE_DISCARD, &K);
}

/* A reload of the base configuration with keep seconds for kept layers. */
static void
reload_keep(uint32_t keep)
{
	host_reload(&H, PER_USER, NULL, keep);
	host_project(&H, "proj", tree1, 2ULL << 30, 0, 4096, 1800);
	host_member(&H, "proj", ALICE, "nobody", ALICE_UID, ALICE_UID);
	assert_int_equal(host_commit(&H), 0);
}

static int
exists(const char *dir, const char *name)
{
	return atoi(sh_out("test -e '%s/%s' && echo 1 || echo 0", dir, name));
}

/*
 * Layers kept in orphans/ and conflicts/ longer than keep-layers are
 * removed at a reload, each once its audit row is durable: refused
 * rows keep them.  Younger ones, and names that are no session's, stay.
 */
static void
test_keep_prune(void **unused)
{
	static const char *const old[] = {
	    "orphans/0b5e5c2a-3f1d-4c8e-9a7b-2d6f1e0c4a11",
	    "conflicts/7c0d9e4b-1a2f-4b3c-8d5e-6f7a8b9c0d22" };
	static const char *const stay[] = {
	    "conflicts/3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a633",
	    "conflicts/notes" };
	const char	*act = "session.layer_remove";
	char		 dir[1100];
	size_t		 i;
	int		 n, c;

	snprintf(dir, sizeof(dir), "%s/session", state);
	for (i = 0; i < 2; i++) {
		sh("mkdir -p '%s/%s/upper' && echo x >'%s/%s/upper/f' && "
		    "touch -d '-2 hours' '%s/%s'", dir, old[i], dir, old[i],
		    dir, old[i]);
		sh("mkdir -p '%s/%s/upper' && touch -d '-50 minutes' '%s/%s'",
		    dir, stay[i], dir, stay[i]);
	}
	sh("touch -d '-2 hours' '%s/%s'", dir, stay[1]);
	assert_int_equal(h_audit_count(&H, act, "ok", NULL), 0);

	/* Refused rows: asked again once the refusals are in, kept. */
	H.audit_answer = H_AUDIT_NACK;
	reload_keep(3600);
	for (n = 0; n < 100 && h_audit_count(&H, act, "ok", NULL) < 4; n++) {
		usleep(20000);
		reload_keep(3600);
	}
	assert_true((c = h_audit_count(&H, act, "ok", NULL)) >= 4);
	for (i = 0; i < 2; i++)
		assert_int_equal(exists(dir, old[i]), 1);

	/* Durable rows: removed (a pass skips what still waits). */
	H.audit_answer = H_AUDIT_ACK;
	for (n = 0; n < 100 && (exists(dir, old[0]) || exists(dir, old[1]));
	    n++) {
		reload_keep(3600);
		(void)h_audit_count(&H, act, "ok", NULL);
		usleep(20000);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(exists(dir, old[i]), 0);
		assert_int_equal(exists(dir, stay[i]), 1);
	}
	assert_true(h_audit_count(&H, act, "ok", NULL) >= c + 2);
	sh("rm -rf '%s/%s' '%s/%s'", dir, stay[0], dir, stay[1]);
	reload_keep(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_basics, test_teardown),
		cmocka_unit_test_teardown(test_groups, test_teardown),
		cmocka_unit_test_teardown(test_build, test_teardown),
		cmocka_unit_test_teardown(test_discard, test_teardown),
		cmocka_unit_test_teardown(test_deep_tree, test_teardown),
		cmocka_unit_test_teardown(test_squash, test_teardown),
		cmocka_unit_test_teardown(test_squash_keeps, test_teardown),
		cmocka_unit_test_teardown(test_conflict, test_teardown),
		cmocka_unit_test_teardown(test_escape_kernel, test_teardown),
		cmocka_unit_test_teardown(test_escape_clone3, test_teardown),
		cmocka_unit_test_teardown(test_escape_setuid, test_teardown),
		cmocka_unit_test_teardown(test_escape_symlink, test_teardown),
		cmocka_unit_test_teardown(test_hidden, test_teardown),
		cmocka_unit_test_teardown(test_escape_loopback, test_teardown),
		cmocka_unit_test_teardown(test_escape_ptrace, test_teardown),
		cmocka_unit_test_teardown(test_escape_other_session,
		    test_teardown),
		cmocka_unit_test_teardown(test_limit_memory, test_teardown),
		cmocka_unit_test_teardown(test_limit_pids, test_teardown),
		cmocka_unit_test_teardown(test_limit_cpu, test_teardown),
		cmocka_unit_test_teardown(test_kill_1, test_teardown),
		cmocka_unit_test_teardown(test_kill_100, test_teardown),
		cmocka_unit_test_teardown(test_kill_1000, test_teardown),
		cmocka_unit_test_teardown(test_kill_freezer, test_teardown),
		cmocka_unit_test_teardown(test_idle, test_teardown),
		cmocka_unit_test_teardown(test_client_gone, test_teardown),
		cmocka_unit_test_teardown(test_pty, test_teardown),
		cmocka_unit_test_teardown(test_per_user, test_teardown),
		cmocka_unit_test_teardown(test_checks, test_teardown),
		cmocka_unit_test_teardown(test_list, test_teardown),
		cmocka_unit_test_teardown(test_reload, test_teardown),
		cmocka_unit_test_teardown(test_restart, test_teardown),
		cmocka_unit_test_teardown(test_audit_gate, test_teardown),
		cmocka_unit_test_teardown(test_revoke_login, test_teardown),
		cmocka_unit_test_teardown(test_exec_stdin, test_teardown),
		cmocka_unit_test_teardown(test_revoked, test_teardown),
		cmocka_unit_test_teardown(test_revoke, test_teardown),
		cmocka_unit_test_teardown(test_hide_overflow, test_teardown),
		cmocka_unit_test_teardown(test_keep_prune, test_teardown),
	};
	const struct CMUnitTest v2[] = {
		cmocka_unit_test_teardown(test_limit_v2, test_teardown),
	};

	if (getuid() != 0) {
		printf("1..0 # SKIP sessions need root\n");
		return 0;
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	if (getenv("PCCX_TEST_ONLY") != NULL)
		cmocka_set_test_filter(getenv("PCCX_TEST_ONLY"));
	if (getenv("PCCX_TEST_V2") != NULL)
		return cmocka_run_group_tests(v2, group_setup, group_teardown);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
