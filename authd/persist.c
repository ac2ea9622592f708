/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Login sessions kept in auth.db across restarts, with their peers. */

#include <sys/queue.h>

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "common/child.h"
#include "common/log.h"
#include "common/util.h"
#include "authd.h"
#include "persist.h"
#include "store.h"
#include "token.h"

/* A loaded session whose peer the tunnel daemon must add again. */
struct persist_peer {
	STAILQ_ENTRY(persist_peer) entry;
	char		 user[STORE_NAMEMAX];
	char		 device[STORE_NAMEMAX];
	char		 sid[STORE_IDLEN + 1];
	char		 key[STORE_WGKEYLEN + 1];
};

/* A row that must go once the load is over. */
struct persist_drop {
	STAILQ_ENTRY(persist_drop) entry;
	char		 sid[STORE_IDLEN + 1];
};

static STAILQ_HEAD(, persist_peer) peers = STAILQ_HEAD_INITIALIZER(peers);
static STAILQ_HEAD(, persist_drop) drops = STAILQ_HEAD_INITIALIZER(drops);
static struct event	*ev_flush;
static void		 persist_drop(const char *);
static void		 persist_drops(void);
static int		 loaded, tunnel_ready, nloaded;

/* The token table changed: the same change in auth.db. */
static void
persist_sink(void *arg, int ev, const struct token_saved *sv)
{
	struct store_session	 ss;
	int			 rv;

	if (auth->store == NULL)
		return;
	switch (ev) {
	case TOKEN_EV_NEW:
		memset(&ss, 0, sizeof(ss));
		pccx_strlcpy(ss.sid, sv->sid, sizeof(ss.sid));
		pccx_strlcpy(ss.user, sv->user, sizeof(ss.user));
		pccx_strlcpy(ss.device, sv->device, sizeof(ss.device));
		pccx_strlcpy(ss.jkt, sv->jkt, sizeof(ss.jkt));
		memcpy(ss.login_pk, sv->login_pk, sizeof(ss.login_pk));
		ss.exp = sv->exp;
		ss.last_use = sv->last_use;
		ss.gen = sv->gen;
		rv = store_session_add(auth->store, &ss, time(NULL));
		break;
	case TOKEN_EV_GEN:
	case TOKEN_EV_USE:
		rv = store_session_use(auth->store, sv->sid, sv->gen,
		    sv->last_use);
		break;
	default:
		rv = store_session_del(auth->store, sv->sid);
	}
	if (rv == -1)
		log_warnx("session %s not kept in the database", sv->sid);
	/*
	 * An end that could not be written is tried again with each
	 * batch.  XXX: until it is, a restart would bring the session
	 * back (a revocation undone); only a database failing for that
	 * long leaves that window open.
	 */
	if (rv == -1 && ev == TOKEN_EV_END)
		persist_drop(sv->sid);
}

/* One batch: the last uses since the previous one, and the dead. */
static void
persist_flush(void)
{
	int	begun;

	if (auth->store == NULL || auth->tokens == NULL)
		return;
	begun = store_begin(auth->store) == 0;
	persist_drops();
	token_flush(auth->tokens);
	token_expire(auth->tokens, time(NULL));
	if (begun)
		store_commit(auth->store);
}

static void
persist_on_timer(evutil_socket_t fd, short ev, void *arg)
{
	persist_flush();
}

/* Whatever the way out, the last uses are written. */
static void
persist_at_exit(void)
{
	persist_flush();
}

/* Is the device of a loaded session still live, and whose key? */
static int
persist_device(const struct store_session *ss, struct store_device *d)
{
	if (store_device_get(auth->store, ss->device, d) != 0 ||
	    d->revoked != 0 || strcmp(d->user, ss->user) != 0)
		return -1;
	return 0;
}

static void
persist_drop(const char *sid)
{
	struct persist_drop	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("persist");
	pccx_strlcpy(p->sid, sid, sizeof(p->sid));
	STAILQ_INSERT_TAIL(&drops, p, entry);
}

/* Forget the rows of sessions that ended (or must not be loaded). */
static void
persist_drops(void)
{
	struct persist_drop	*p;

	while ((p = STAILQ_FIRST(&drops)) != NULL) {
		if (store_session_del(auth->store, p->sid) == -1)
			return;
		STAILQ_REMOVE_HEAD(&drops, entry);
		free(p);
	}
}

/* One row of auth.db back into the table, its peer to be asked for. */
static void
persist_load_row(void *arg, const struct store_session *ss)
{
	struct token_saved	 sv;
	struct store_device	 d;
	struct persist_peer	*p;
	enum token_error	 e;

	memset(&sv, 0, sizeof(sv));
	pccx_strlcpy(sv.sid, ss->sid, sizeof(sv.sid));
	pccx_strlcpy(sv.user, ss->user, sizeof(sv.user));
	pccx_strlcpy(sv.device, ss->device, sizeof(sv.device));
	pccx_strlcpy(sv.jkt, ss->jkt, sizeof(sv.jkt));
	memcpy(sv.login_pk, ss->login_pk, sizeof(sv.login_pk));
	sv.exp = ss->exp;
	sv.last_use = ss->last_use;
	sv.gen = ss->gen;
	if (persist_device(ss, &d) == -1) {
		log_info("session %s: its device is gone", ss->sid);
		persist_drop(ss->sid);
		return;
	}
	if ((e = token_restore(auth->tokens, &sv, time(NULL))) !=
	    TOKEN_OK) {
		log_warnx("session %s not restored: %s", ss->sid,
		    token_errname(e));
		if (e != TOKEN_FULL)
			persist_drop(ss->sid);
		return;
	}
	nloaded++;
	if (!store_wgkey_ok(d.wg_key))
		return;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("persist");
	pccx_strlcpy(p->user, ss->user, sizeof(p->user));
	pccx_strlcpy(p->device, ss->device, sizeof(p->device));
	pccx_strlcpy(p->sid, ss->sid, sizeof(p->sid));
	pccx_strlcpy(p->key, d.wg_key, sizeof(p->key));
	STAILQ_INSERT_TAIL(&peers, p, entry);
}

/* Both ready: the tunnel daemon adds the loaded sessions' peers. */
static void
persist_peers(void)
{
	struct persist_peer	*p;
	int			 n = 0;

	if (!loaded || !tunnel_ready)
		return;
	while ((p = STAILQ_FIRST(&peers)) != NULL) {
		STAILQ_REMOVE_HEAD(&peers, entry);
		/* The session may have ended since it was loaded. */
		if (token_has(auth->tokens, p->sid)) {
			auth_tunnel_add(p->user, p->device, p->sid, p->key);
			n++;
		}
		free(p);
	}
	if (n > 0)
		log_info("asked for the peers of %d restored session%s", n,
		    n == 1 ? "" : "s");
}

int
persist_start(void)
{
	struct timeval		 tv = { PERSIST_FLUSH, 0 };
	int			 n;

	n = store_sessions_load(auth->store, time(NULL),
	    auth->tok_conf.idle ? auth->tok_conf.idle : 30 * 60,
	    persist_load_row, NULL);
	if (n == -1)
		return -1;
	persist_drops();
	log_info("%d session%s restored", nloaded, nloaded == 1 ? "" : "s");
	token_store_sink(auth->tokens, persist_sink, NULL);
	ev_flush = event_new(child_base(), -1, EV_PERSIST, persist_on_timer,
	    NULL);
	if (ev_flush == NULL || event_add(ev_flush, &tv) == -1 ||
	    atexit(persist_at_exit) != 0)
		return -1;
	loaded = 1;
	persist_peers();
	return 0;
}

void
persist_lease(const char *sid, const char *addr4, const char *addr6)
{
	if (auth->store != NULL &&
	    store_session_lease(auth->store, sid, addr4, addr6) == -1)
		log_warnx("session %s: lease not kept", sid);
}

int
persist_tunnel_ready(struct chan *c, struct msg *m)
{
	if (proto_get_empty(m) == -1)
		return -1;
	tunnel_ready = 1;
	persist_peers();
	return 0;
}
