/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The life of a child process: configure, confine, serve. */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <event2/event.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "priv.h"
#include "sandbox.h"
#include "util.h"

#define CHILD_MAXKEYS	8

struct child_chan {
	struct chan	 c;
	int		 live;
	struct event	*rev;
	struct event	*wev;
};

static const struct child_role	*role;
static struct child_chan	 chans[PROC_MAX];
static struct event_base	*base;
static int			 state = ST_CONF;
static time_t			 started;
static struct p_conf_priv	 priv;
static int			 have_priv;
static struct {
	char	name[PROTO_NAMEMAX];
	int	fd;
}				 keys[CHILD_MAXKEYS];
static size_t			 nkeys;

static int	child_msg_priv(struct chan *, struct msg *);
static int	child_msg_key(struct chan *, struct msg *);
static int	child_msg_end(struct chan *, struct msg *);
static int	child_msg_status_req(struct chan *, struct msg *);

/* Messages every child accepts, beside its role's own table. */
static const struct msg_rule common_rules[] = {
	{ MSG_CONF_PRIV, PROC_BIT(PROC_PARENT), ST_CONF, MSG_FD_NEVER,
	    12, 12 + PATH_MAX, child_msg_priv },
	{ MSG_CONF_KEY, PROC_BIT(PROC_PARENT), ST_CONF, MSG_FD_MUST,
	    3, 2 + PROTO_NAMEMAX, child_msg_key },
	{ MSG_CONF_END, PROC_BIT(PROC_PARENT), ST_ANY, MSG_FD_NEVER,
	    0, 0, child_msg_end },
	{ MSG_STATUS_REQ, PROC_BIT(PROC_PARENT) | PROC_BIT(PROC_FRONT),
	    ST_ANY, MSG_FD_NEVER, 0, 0, child_msg_status_req },
};

struct chan *
child_chan(int peer)
{
	if (peer < 0 || peer >= PROC_MAX || !chans[peer].live)
		return NULL;
	return &chans[peer].c;
}

struct event_base *
child_base(void)
{
	return base;
}

int
child_state(void)
{
	return state;
}

int
child_keyfd(const char *name)
{
	size_t	i;

	for (i = 0; i < nkeys; i++)
		if (strcmp(keys[i].name, name) == 0)
			return keys[i].fd;
	return -1;
}

void
child_status(struct p_status *st)
{
	int	i;

	memset(st, 0, sizeof(*st));
	st->pid = getpid();
	st->uid = getuid();
	st->started = started;
	st->state = state == ST_RUN ? PSTATE_READY : PSTATE_CONF;
	for (i = 0; i < PROC_MAX; i++) {
		if (!chans[i].live)
			continue;
		st->nin += chans[i].c.nin;
		st->nout += chans[i].c.nout;
	}
}

void
child_commit(struct chan *c)
{
	struct child_chan	*cc = (struct child_chan *)c;

	if (chan_flush(c) == -1)
		fatal("write to %s", proc_name(c->peer));
	if (chan_pending(c))
		event_add(cc->wev, NULL);
}

static int
child_msg_priv(struct chan *c, struct msg *m)
{
	if (have_priv || proto_get_conf_priv(m, &priv) == -1)
		return -1;
	have_priv = 1;
	log_setverbose(priv.verbose);
	return 0;
}

static int
child_msg_key(struct chan *c, struct msg *m)
{
	struct p_conf_key	k;

	if (proto_get_conf_key(m, &k) == -1 || nkeys == CHILD_MAXKEYS ||
	    child_keyfd(k.name) != -1) {
		close(m->fd);
		return -1;
	}
	pccx_strlcpy(keys[nkeys].name, k.name, sizeof(keys[nkeys].name));
	keys[nkeys++].fd = m->fd;
	return 0;
}

/* Close the key files the role did not take for itself. */
static void
child_close_keys(void)
{
	size_t	i;

	for (i = 0; i < nkeys; i++)
		if (keys[i].fd != -1)
			close(keys[i].fd);
	nkeys = 0;
}

/*
 * The configuration is complete: open what the role needs, then give
 * up everything else, in the order the design asks for, and serve.
 */
static void
child_confine(void)
{
	struct priv_spec	ps;

	if (!have_priv)
		fatalx("configuration ended without privilege settings");
	if (role->setup != NULL && role->setup() == -1)
		fatalx("setup failed");
	child_close_keys();
	/* jansson would seed from /dev/urandom, which no chroot holds. */
	json_object_seed(randombytes_random());
	ps.root = priv.root;
	ps.uid = priv.uid;
	ps.gid = priv.gid;
	ps.caps = role->caps;
	ps.ncaps = role->ncaps;
	priv_drop(&ps);
	sandbox_load(role->policy, priv.seccomp_debug);
	state = ST_RUN;
	if (role->serve != NULL && role->serve() == -1)
		fatalx("cannot serve");
	log_debug("ready");
}

static int
child_msg_end(struct chan *c, struct msg *m)
{
	if (proto_get_empty(m) == -1)
		return -1;
	if (state == ST_CONF)
		child_confine();
	else if (role->reload != NULL)
		role->reload();
	return 0;
}

static int
child_msg_status_req(struct chan *c, struct msg *m)
{
	struct p_status	st;

	if (proto_get_empty(m) == -1)
		return -1;
	child_status(&st);
	if (proto_send_status(c, m->hdr.peerid, &st) == -1)
		return -1;
	child_commit(c);
	return 0;
}

static int
role_knows(uint16_t type)
{
	size_t	i;

	for (i = 0; i < role->nrules; i++)
		if (role->rules[i].type == type)
			return 1;
	return 0;
}

/* One message: the role's table first, then the shared one. */
static void
child_dispatch(struct chan *c, struct msg *m)
{
	const char	*why = NULL;
	int		 rv;

	if (role_knows(m->hdr.type))
		rv = msg_dispatch(role->rules, role->nrules, state, c, m,
		    &why);
	else
		rv = msg_dispatch(common_rules, sizeof(common_rules) /
		    sizeof(common_rules[0]), state, c, m, &why);
	if (rv == -1) {
		if (m->fd != -1 && why != NULL &&
		    strcmp(why, "malformed payload") != 0)
			close(m->fd);
		fatalx("%s sent message %u: %s", proc_name(c->peer),
		    m->hdr.type, why);
	}
}

static void
child_on_read(evutil_socket_t fd, short ev, void *arg)
{
	struct chan	*c = arg;
	struct msg	 m;
	ssize_t		 n;
	int		 rv;

	if ((n = chan_read(c)) == -1) {
		if (errno == EAGAIN)
			return;
		fatal("read from %s", proc_name(c->peer));
	}
	if (n == 0) {
		if (role->stop != NULL)
			role->stop();
		if (c->peer == PROC_PARENT)
			exit(0);
		/* The parent names the child that went first. */
		log_debug("%s closed its channel", proc_name(c->peer));
		exit(CHILD_EXIT_PEER);
	}
	while ((rv = chan_get(c, &m)) == MSG_OK)
		child_dispatch(c, &m);
	if (rv != MSG_EMORE)
		fatalx("%s: %s", proc_name(c->peer), msg_errstr(rv));
}

static void
child_on_write(evutil_socket_t fd, short ev, void *arg)
{
	child_commit(arg);
}

static void
child_on_term(evutil_socket_t sig, short ev, void *arg)
{
	log_debug("terminating");
	if (role->stop != NULL)
		role->stop();
	exit(0);
}

/* Take the descriptors the parent placed at PROC_FD(peer). */
static void
child_open_chans(void)
{
	int	p;

	for (p = 0; p < PROC_CHILDREN + 1; p++) {
		if (p == role->proc || !proc_linked(role->proc, p))
			continue;
		if (fcntl(PROC_FD(p), F_GETFD) == -1)
			fatalx("no channel to %s", proc_name(p));
		if (fd_nonblock(PROC_FD(p)) == -1 ||
		    chan_init(&chans[p].c, PROC_FD(p), p) == -1)
			fatal("channel to %s", proc_name(p));
		chans[p].live = 1;
		chans[p].rev = event_new(base, PROC_FD(p),
		    EV_READ | EV_PERSIST, child_on_read, &chans[p].c);
		chans[p].wev = event_new(base, PROC_FD(p), EV_WRITE,
		    child_on_write, &chans[p].c);
		if (chans[p].rev == NULL || chans[p].wev == NULL)
			fatal("event_new");
		event_add(chans[p].rev, NULL);
	}
}

void
child_main(const struct child_role *r, int argc, char **argv)
{
	struct event	*sigterm;

	role = r;
	started = time(NULL);
	log_init(proc_name(r->proc), 1, 0);
	if (getppid() == 1 || argc != 1)
		fatalx("%s is started by pccx-remoted, not by hand",
		    proc_binary(r->proc));
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	child_open_chans();
	log_to_parent(&chans[PROC_PARENT].c);
	sigterm = evsignal_new(base, SIGTERM, child_on_term, NULL);
	if (sigterm == NULL || evsignal_add(sigterm, NULL) == -1)
		fatalx("evsignal");
	event_base_dispatch(base);
	fatalx("event loop ended");
}

/*
 * child_sign_key: derive an Ed25519 key pair from the 32-byte seed in
 * the key file the parent passed by name.  Called from setup().
 */
int
child_sign_key(const char *name, unsigned char *pk, unsigned char *sk)
{
	unsigned char	seed[crypto_sign_SEEDBYTES];
	int		fd = child_keyfd(name);

	if (sodium_init() == -1 || fd == -1)
		return -1;
	if (pread(fd, seed, sizeof(seed), 0) != sizeof(seed)) {
		log_warnx("%s key: cannot read %zu bytes", name, sizeof(seed));
		return -1;
	}
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, sizeof(seed));
	return 0;
}
