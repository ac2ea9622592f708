/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* OpenID Connect relying party: logins, discovery, keys, code, ID token. */

#include <sys/queue.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>

#include "common/log.h"
#include "common/util.h"
#include "remoted/config.h"
#include "fetch.h"
#include "jose.h"
#include "oidc.h"

#define OIDC_JSON_FLAGS	JSON_REJECT_DUPLICATES

enum oidc_kind { OIDC_LOGIN, OIDC_EXCHANGE, OIDC_CHECK };

enum oidc_step {
	STEP_DISC,		/* wait for the discovery document */
	STEP_URL,		/* build the authorisation request */
	STEP_TOKEN,		/* exchange the code */
	STEP_VERIFY,		/* check the ID token (may wait for keys) */
	STEP_IDENTITY,		/* the claim, maybe from userinfo */
	STEP_WAIT,		/* a transfer of this request runs */
	STEP_DONE
};

struct oidc_pending {
	char		 state[OIDC_STATE_LEN + 1];
	char		 nonce[OIDC_STATE_LEN + 1];
	char		 verifier[OIDC_STATE_LEN + 1];
	uint64_t	 created;		/* ms; 0: free slot */
	uint64_t	 seq;			/* order of creation */
	int		 used;
};

struct oidc_disc {
	char		*authz;
	char		*token;
	char		*jwks;
	/* NULL when not offered */
	char		*userinfo;
	int		 auth_post;		/* client_secret_post */
};

struct oidc_req {
	TAILQ_ENTRY(oidc_req)	 entry;		/* o->reqs */
	/* a queue of o, if waiting */
	TAILQ_ENTRY(oidc_req)	 wait;
	struct oidc		*o;
	enum oidc_kind		 kind;
	enum oidc_step		 step;
	enum oidc_err		 err;
	/* completion, from the loop */
	struct event		*ev;
	void			(*login_cb)(enum oidc_err,
				    const struct oidc_login *, void *);
	void			(*id_cb)(enum oidc_err,
				    const struct oidc_identity *, void *);
	void			*arg;
	char			*code;
	char			*id_token;
	char			*access_token;
	char			 nonce[OIDC_STATE_LEN + 1];
	char			 verifier[OIDC_STATE_LEN + 1];
	char			 state[OIDC_STATE_LEN + 1];
	char			*url;
	json_t			*claims;
	char			 identity[OIDC_IDENTITY_MAX];
	char			 sub[OIDC_IDENTITY_MAX];
	int			 from_userinfo;
	int			 jwks_waited;
};

TAILQ_HEAD(oidc_reqs, oidc_req);

struct oidc {
	struct event_base	*base;
	struct fetch		*fetch;
	char			 issuer[512];
	char			 client_id[256];
	char			 redirect_uri[512];
	char			 claim[64];
	char			 scope[264];
	char			 secret[OIDC_SECRET_MAX + 1];
	uint32_t		 skew;
	time_t			(*clock)(void);

	struct oidc_disc	*disc;
	uint64_t		 disc_ms;
	int			 disc_busy;
	enum oidc_err		 disc_err;

	struct jose_jwks	*jwks;
	uint64_t		 jwks_ms;	/* last fetch started */
	int			 jwks_busy;
	enum oidc_err		 jwks_err;

	struct oidc_reqs	 reqs;
	struct oidc_reqs	 wait_disc;
	struct oidc_reqs	 wait_jwks;
	struct oidc_pending	*pending;
	uint64_t		 seq;
	struct oidc_stats	 stats;
};

/* A bounded string builder; any overflow or failure sticks. */
struct oidc_buf {
	char		*p;
	size_t		 len;
	size_t		 cap;
	int		 err;
};

static void	 oidc_run(struct oidc_req *);
static void	 oidc_finish(struct oidc_req *, enum oidc_err);
static void	 oidc_disc_fetch(struct oidc *);
static void	 oidc_jwks_fetch(struct oidc *);

static const char *const oidc_names[OIDC_E_MAX] = {
	[OIDC_OK] = "ok",
	[OIDC_E_INTERNAL] = "internal",
	[OIDC_E_BUSY] = "busy",
	[OIDC_E_UNAVAILABLE] = "provider_unavailable",
	[OIDC_E_DISCOVERY] = "bad_discovery",
	[OIDC_E_JWKS] = "bad_jwks",
	[OIDC_E_BAD_STATE] = "bad_state",
	[OIDC_E_STATE_REUSED] = "state_reused",
	[OIDC_E_STATE_EXPIRED] = "state_expired",
	[OIDC_E_BAD_CODE] = "bad_code",
	[OIDC_E_CODE_REJECTED] = "code_rejected",
	[OIDC_E_CLIENT_REJECTED] = "client_rejected",
	[OIDC_E_TOKEN_ERROR] = "token_error",
	[OIDC_E_MALFORMED] = "malformed_token",
	[OIDC_E_ALG_REFUSED] = "alg_refused",
	[OIDC_E_UNKNOWN_KID] = "unknown_kid",
	[OIDC_E_BAD_SIGNATURE] = "bad_signature",
	[OIDC_E_BAD_ISS] = "bad_iss",
	[OIDC_E_BAD_AUD] = "bad_aud",
	[OIDC_E_BAD_AZP] = "bad_azp",
	[OIDC_E_BAD_SUB] = "bad_sub",
	[OIDC_E_EXPIRED] = "expired",
	[OIDC_E_NOT_YET_VALID] = "not_yet_valid",
	[OIDC_E_IAT_FUTURE] = "iat_future",
	[OIDC_E_IAT_OLD] = "iat_old",
	[OIDC_E_NONCE_MISSING] = "nonce_missing",
	[OIDC_E_NONCE_MISMATCH] = "nonce_mismatch",
	[OIDC_E_USERINFO] = "userinfo_failed",
	[OIDC_E_USERINFO_SUB] = "userinfo_sub_mismatch",
	[OIDC_E_NO_IDENTITY] = "no_identity",
	[OIDC_E_BAD_IDENTITY] = "bad_identity",
	[OIDC_E_EMAIL_UNVERIFIED] = "email_unverified",
};

const char *
oidc_strerror(enum oidc_err e)
{
	if ((unsigned)e >= OIDC_E_MAX || oidc_names[e] == NULL)
		return "unknown";
	return oidc_names[e];
}

/*
 * Small helpers: strings, encoding, time.
 */

static void
oidc_buf_add(struct oidc_buf *b, const char *s, size_t n)
{
	if (b->err || n > OIDC_URL_MAX * 2 - b->len) {
		b->err = 1;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t	 cap = b->cap ? b->cap * 2 : 512;
		char	*p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->err = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
oidc_buf_str(struct oidc_buf *b, const char *s)
{
	oidc_buf_add(b, s, strlen(s));
}

/* Append s percent-encoded: only RFC 3986 unreserved bytes stay. */
static void
oidc_buf_enc(struct oidc_buf *b, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 e[3];

	for (; *s != '\0'; s++) {
		unsigned char	c = *s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			oidc_buf_add(b, s, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		oidc_buf_add(b, e, 3);
	}
}

/* "&name=value" (or without the "&" first), value encoded. */
static void
oidc_buf_param(struct oidc_buf *b, const char *name, const char *value)
{
	if (b->len > 0 && b->p[b->len - 1] != '?')
		oidc_buf_str(b, "&");
	oidc_buf_str(b, name);
	oidc_buf_str(b, "=");
	oidc_buf_enc(b, value);
}

static char *
oidc_buf_take(struct oidc_buf *b)
{
	if (b->err || b->p == NULL) {
		free(b->p);
		return NULL;
	}
	return b->p;
}

/* A string of printable ASCII or UTF-8, no control bytes, below max. */
static int
oidc_printable(const char *s, size_t max)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (i + 1 >= max || (unsigned char)s[i] < 0x20 ||
		    s[i] == 0x7f)
			return 0;
	return i > 0;
}

/* 32 random bytes as base64url: a state, nonce or PKCE verifier. */
static void
oidc_random(char out[OIDC_STATE_LEN + 1])
{
	unsigned char	r[32];

	randombytes_buf(r, sizeof(r));
	sodium_bin2base64(out, OIDC_STATE_LEN + 1, r, sizeof(r),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(r, sizeof(r));
}

static time_t
oidc_now(const struct oidc *o)
{
	return o->clock != NULL ? o->clock() : time(NULL);
}

/* Milliseconds for lifetimes and rates: monotonic, or the test clock. */
static uint64_t
oidc_ms(const struct oidc *o)
{
	return o->clock != NULL ? (uint64_t)o->clock() * 1000 :
	    now_mono_ms();
}

/*
 * Configuration.
 */

/* The client secret: one line from fd, trailing blanks cut. */
static int
oidc_read_secret(struct oidc *o, int fd)
{
	char	buf[OIDC_SECRET_MAX + 2];
	ssize_t	n;
	size_t	len = 0;

	while (len < sizeof(buf)) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("oidc: client secret");
			return -1;
		}
		if (n == 0)
			break;
		len += n;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
	    buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		len--;
	if (len == 0 || len > OIDC_SECRET_MAX || memchr(buf, 0, len) ||
	    memchr(buf, '\n', len)) {
		log_warnx("oidc: client secret: want one line of 1 to %d "
		    "bytes", OIDC_SECRET_MAX);
		sodium_memzero(buf, sizeof(buf));
		return -1;
	}
	memcpy(o->secret, buf, len);
	o->secret[len] = '\0';
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

/* Scope tokens as RFC 6749 allows, single spaces, "openid" among them. */
static int
oidc_set_scope(struct oidc *o, const char *scopes)
{
	const char	*p;
	int		 openid = 0;
	size_t		 n;

	if (*scopes == '\0')
		scopes = "openid email";
	for (p = scopes; *p != '\0'; p++)
		if ((*p < 0x21 && *p != ' ') || *p == '"' || *p == '\\' ||
		    *p == 0x7f)
			return -1;
	for (p = scopes; *p != '\0'; p += n + (p[n] == ' ')) {
		n = strcspn(p, " ");
		if (n == 0 || (p[n] == ' ' && p[n + 1] == '\0'))
			return -1;
		if (n == 6 && strncmp(p, "openid", 6) == 0)
			openid = 1;
	}
	snprintf(o->scope, sizeof(o->scope), "%s%s", openid ? "" : "openid ",
	    scopes);
	return 0;
}

static int
oidc_set_conf(struct oidc *o, const struct conf_oidc *c)
{
	const char	*claim = c->claim[0] != '\0' ? c->claim : "email";

	if (strncmp(c->issuer, "https://", 8) != 0 ||
	    !oidc_printable(c->issuer, sizeof(o->issuer)) ||
	    strpbrk(c->issuer, " ?#") != NULL) {
		log_warnx("oidc: issuer must be an https URL without query");
		return -1;
	}
	if (!oidc_printable(c->client_id, sizeof(o->client_id)) ||
	    !oidc_printable(c->redirect_uri, sizeof(o->redirect_uri)) ||
	    strchr(c->redirect_uri, ' ') != NULL ||
	    (strncmp(c->redirect_uri, "https://", 8) != 0 &&
	    strncmp(c->redirect_uri, "http://", 7) != 0)) {
		log_warnx("oidc: client id and redirect URI required");
		return -1;
	}
	if (!oidc_printable(claim, sizeof(o->claim)) ||
	    oidc_set_scope(o, c->scopes) == -1) {
		log_warnx("oidc: bad claim name or scopes");
		return -1;
	}
	pccx_strlcpy(o->issuer, c->issuer, sizeof(o->issuer));
	pccx_strlcpy(o->client_id, c->client_id, sizeof(o->client_id));
	pccx_strlcpy(o->redirect_uri, c->redirect_uri,
	    sizeof(o->redirect_uri));
	pccx_strlcpy(o->claim, claim, sizeof(o->claim));
	return 0;
}

struct oidc *
oidc_new(struct event_base *base, const struct conf_oidc *c, int secretfd,
    uint32_t skew)
{
	struct oidc	*o;

	if (sodium_init() == -1 || (o = calloc(1, sizeof(*o))) == NULL) {
		log_warnx("oidc: cannot initialise");
		return NULL;
	}
	o->base = base;
	o->skew = skew > OIDC_SKEW_MAX ? OIDC_SKEW_MAX : skew;
	TAILQ_INIT(&o->reqs);
	TAILQ_INIT(&o->wait_disc);
	TAILQ_INIT(&o->wait_jwks);
	if (oidc_set_conf(o, c) == -1 || oidc_read_secret(o, secretfd) == -1)
		goto fail;
	if ((o->pending = calloc(OIDC_PENDING_MAX, sizeof(*o->pending))) ==
	    NULL || (o->fetch = fetch_new(base, c->ca_file)) == NULL)
		goto fail;
	return o;
fail:
	free(o->pending);
	sodium_memzero(o, sizeof(*o));
	free(o);
	return NULL;
}

static void
oidc_disc_free(struct oidc_disc *d)
{
	if (d == NULL)
		return;
	free(d->authz);
	free(d->token);
	free(d->jwks);
	free(d->userinfo);
	free(d);
}

static void
oidc_req_free(struct oidc_req *r)
{
	if (r->ev != NULL)
		event_free(r->ev);
	if (r->code != NULL)
		sodium_memzero(r->code, strlen(r->code));
	free(r->code);
	free(r->id_token);
	if (r->access_token != NULL)
		sodium_memzero(r->access_token, strlen(r->access_token));
	free(r->access_token);
	free(r->url);
	json_decref(r->claims);
	sodium_memzero(r, sizeof(*r));
	free(r);
}

void
oidc_free(struct oidc *o)
{
	struct oidc_req	*r;

	if (o == NULL)
		return;
	fetch_free(o->fetch);
	while ((r = TAILQ_FIRST(&o->reqs)) != NULL) {
		TAILQ_REMOVE(&o->reqs, r, entry);
		oidc_req_free(r);
	}
	oidc_disc_free(o->disc);
	jose_jwks_free(o->jwks);
	sodium_memzero(o->pending, OIDC_PENDING_MAX * sizeof(*o->pending));
	free(o->pending);
	sodium_memzero(o, sizeof(*o));
	free(o);
}

void
oidc_stats(const struct oidc *o, struct oidc_stats *st)
{
	uint64_t	now = oidc_ms(o);
	size_t		i;

	*st = o->stats;
	st->pending = 0;
	for (i = 0; i < OIDC_PENDING_MAX; i++)
		if (o->pending[i].created != 0 && !o->pending[i].used &&
		    now - o->pending[i].created < OIDC_PENDING_TTL * 1000ULL)
			st->pending++;
}

void
oidc_set_clock(struct oidc *o, time_t (*clock)(void))
{
	o->clock = clock;
}

struct fetch *
oidc_fetch(struct oidc *o)
{
	return o->fetch;
}

/*
 * Pending logins: a fixed table, scanned whole in constant time per
 * entry.  A used or expired state stays as a tombstone until its slot
 * is taken, so a replay is told apart from a forgery.
 */

static int
oidc_pending_dead(const struct oidc_pending *p, uint64_t now)
{
	return p->used || now - p->created >= OIDC_PENDING_TTL * 1000ULL;
}

/* A free slot, else the oldest dead one, else the oldest of all. */
static struct oidc_pending *
oidc_pending_slot(struct oidc *o)
{
	struct oidc_pending	*p, *dead = NULL, *old = NULL;
	uint64_t		 now = oidc_ms(o);
	size_t			 i;

	for (i = 0; i < OIDC_PENDING_MAX; i++) {
		p = &o->pending[i];
		if (p->created == 0)
			return p;
		if (oidc_pending_dead(p, now) &&
		    (dead == NULL || p->seq < dead->seq))
			dead = p;
		if (old == NULL || p->seq < old->seq)
			old = p;
	}
	if (dead == NULL)
		log_debug("oidc: pending logins full, oldest evicted");
	return dead != NULL ? dead : old;
}

/* Consume state: copy its nonce and verifier into r, keep a tombstone. */
static enum oidc_err
oidc_pending_take(struct oidc *o, const char *state, struct oidc_req *r)
{
	struct oidc_pending	*p, *hit = NULL;
	uint64_t		 now = oidc_ms(o);
	size_t			 i;

	for (i = 0; i < OIDC_PENDING_MAX; i++) {
		p = &o->pending[i];
		if (p->created != 0 && sodium_memcmp(p->state, state,
		    OIDC_STATE_LEN) == 0)
			hit = p;
	}
	if (hit == NULL)
		return OIDC_E_BAD_STATE;
	if (hit->used)
		return OIDC_E_STATE_REUSED;
	hit->used = 1;
	if (now - hit->created >= OIDC_PENDING_TTL * 1000ULL)
		return OIDC_E_STATE_EXPIRED;
	memcpy(r->nonce, hit->nonce, sizeof(r->nonce));
	memcpy(r->verifier, hit->verifier, sizeof(r->verifier));
	memcpy(r->state, hit->state, sizeof(r->state));
	sodium_memzero(hit->nonce, sizeof(hit->nonce));
	sodium_memzero(hit->verifier, sizeof(hit->verifier));
	return OIDC_OK;
}

/* Exactly OIDC_STATE_LEN base64url characters. */
static int
oidc_state_ok(const char *s)
{
	size_t	i;

	for (i = 0; i < OIDC_STATE_LEN; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_'))
			return 0;
	return s[i] == '\0';
}

/*
 * Requests: each moves through its steps; waiting ones sit on a queue
 * of o until the document or keys they need arrive.
 */

static struct oidc_req *
oidc_req_new(struct oidc *o, enum oidc_kind kind, void *arg)
{
	struct oidc_req	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->o = o;
	r->kind = kind;
	r->arg = arg;
	r->step = STEP_DISC;
	TAILQ_INSERT_TAIL(&o->reqs, r, entry);
	return r;
}

static void
oidc_wait(struct oidc_req *r, struct oidc_reqs *q)
{
	TAILQ_INSERT_TAIL(q, r, wait);
}

/* Take every waiter off q and run it on, or fail it with err. */
static void
oidc_wake(struct oidc_reqs *q, enum oidc_err err)
{
	struct oidc_req		*r;

	while ((r = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, r, wait);
		if (err != OIDC_OK)
			oidc_finish(r, err);
		else
			oidc_run(r);
	}
}

/* Report r to its owner; r is gone from o before the callback runs. */
static void
oidc_deliver(evutil_socket_t fd, short ev, void *arg)
{
	struct oidc_req		*r = arg;
	struct oidc_login	 l;
	struct oidc_identity	 id;

	TAILQ_REMOVE(&r->o->reqs, r, entry);
	if (r->kind == OIDC_LOGIN) {
		l.url = r->url;
		l.state = r->state;
		r->login_cb(r->err, r->err == OIDC_OK ? &l : NULL, r->arg);
	} else {
		id.identity = r->identity;
		id.claim = r->o->claim;
		id.sub = r->sub;
		id.from_userinfo = r->from_userinfo;
		r->id_cb(r->err, r->err == OIDC_OK ? &id : NULL, r->arg);
	}
	oidc_req_free(r);
}

static void
oidc_finish(struct oidc_req *r, enum oidc_err err)
{
	static const struct timeval	 now = { 0, 0 };

	r->err = err;
	r->step = STEP_DONE;
	if (err != OIDC_OK && r->kind != OIDC_LOGIN)
		log_debug("oidc: login refused: %s", oidc_strerror(err));
	if (r->ev == NULL &&
	    (r->ev = evtimer_new(r->o->base, oidc_deliver, r)) == NULL)
		fatal("oidc: evtimer_new");
	evtimer_add(r->ev, &now);
}

/*
 * Discovery: ISSUER/.well-known/openid-configuration, whose issuer
 * must be ours byte for byte and whose endpoints must be https.
 */

/* An https endpoint of the document, or NULL (absent or refused). */
static char *
oidc_disc_url(const json_t *doc, const char *name, int *bad)
{
	const json_t	*v = json_object_get(doc, name);
	const char	*s;

	if (v == NULL)
		return NULL;
	s = json_string_value(v);
	if (s == NULL || strncmp(s, "https://", 8) != 0 ||
	    !oidc_printable(s, FETCH_URL_MAX) || strpbrk(s, " #") != NULL) {
		log_warnx("oidc: discovery: %s is not an https URL", name);
		*bad = 1;
		return NULL;
	}
	return strdup(s);
}

/* Does the optional array name, when present, hold want? */
static int
oidc_disc_offers(const json_t *doc, const char *name, const char *want,
    int dflt)
{
	const json_t	*a = json_object_get(doc, name), *v;
	size_t		 i;

	if (a == NULL)
		return dflt;
	json_array_foreach(a, i, v)
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), want) == 0)
			return 1;
	return 0;
}

static struct oidc_disc *
oidc_disc_parse(struct oidc *o, const json_t *doc)
{
	struct oidc_disc	*d;
	const char		*iss = json_string_value(json_object_get(doc,
				    "issuer"));
	int			 bad = 0;

	if (iss == NULL || strcmp(iss, o->issuer) != 0) {
		log_warnx("oidc: discovery: issuer is not %s", o->issuer);
		return NULL;
	}
	if (!oidc_disc_offers(doc, "response_types_supported", "code", 1) ||
	    !oidc_disc_offers(doc, "code_challenge_methods_supported", "S256",
	    1)) {
		log_warnx("oidc: discovery: no code flow with PKCE S256");
		return NULL;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->authz = oidc_disc_url(doc, "authorization_endpoint", &bad);
	d->token = oidc_disc_url(doc, "token_endpoint", &bad);
	d->jwks = oidc_disc_url(doc, "jwks_uri", &bad);
	d->userinfo = oidc_disc_url(doc, "userinfo_endpoint", &bad);
	if (!oidc_disc_offers(doc, "token_endpoint_auth_methods_supported",
	    "client_secret_basic", 1)) {
		d->auth_post = 1;
		if (!oidc_disc_offers(doc,
		    "token_endpoint_auth_methods_supported",
		    "client_secret_post", 0))
			bad = 1;
	}
	if (bad || d->authz == NULL || d->token == NULL || d->jwks == NULL) {
		log_warnx("oidc: discovery: endpoints missing or refused");
		oidc_disc_free(d);
		return NULL;
	}
	return d;
}

static void
oidc_disc_done(const struct fetch_result *res, void *arg)
{
	struct oidc		*o = arg;
	struct oidc_disc	*d = NULL;
	json_t			*doc = NULL;
	enum oidc_err		 err = OIDC_E_UNAVAILABLE;

	o->disc_busy = 0;
	if (res->error != FETCH_OK || res->status != 200) {
		log_warnx("oidc: discovery: %s, status %ld",
		    fetch_strerror(res->error), res->status);
		goto done;
	}
	err = OIDC_E_DISCOVERY;
	doc = json_loadb(res->body, res->len, OIDC_JSON_FLAGS, NULL);
	if (!json_is_object(doc) || (d = oidc_disc_parse(o, doc)) == NULL)
		goto done;
	if (o->disc != NULL && strcmp(o->disc->jwks, d->jwks) != 0) {
		jose_jwks_free(o->jwks);
		o->jwks = NULL;
	}
	oidc_disc_free(o->disc);
	o->disc = d;
	o->disc_ms = oidc_ms(o);
	err = OIDC_OK;
	log_info("oidc: issuer %s discovered", o->issuer);
	if (o->jwks == NULL)
		oidc_jwks_fetch(o);
done:
	json_decref(doc);
	o->disc_err = err;
	/* A failed refresh keeps the document in use. */
	oidc_wake(&o->wait_disc, o->disc != NULL ? OIDC_OK : err);
}

static void
oidc_disc_fetch(struct oidc *o)
{
	struct fetch_req	 req = { 0 };
	struct oidc_buf		 b = { 0 };
	size_t			 n = strlen(o->issuer);
	enum fetch_err		 fe;

	if (o->disc_busy)
		return;
	if (n > 0 && o->issuer[n - 1] == '/')
		n--;
	oidc_buf_add(&b, o->issuer, n);
	oidc_buf_str(&b, "/.well-known/openid-configuration");
	if ((req.url = oidc_buf_take(&b)) == NULL) {
		oidc_wake(&o->wait_disc, OIDC_E_INTERNAL);
		return;
	}
	o->stats.discovery++;
	fe = fetch_start(o->fetch, &req, oidc_disc_done, o);
	free((char *)req.url);
	if (fe != FETCH_OK) {
		log_warnx("oidc: discovery: %s", fetch_strerror(fe));
		oidc_wake(&o->wait_disc, o->disc != NULL ? OIDC_OK :
		    OIDC_E_UNAVAILABLE);
		return;
	}
	o->disc_busy = 1;
}

/* Go on now with a fresh document; wait for one; refresh an old one. */
static int
oidc_need_disc(struct oidc_req *r)
{
	struct oidc	*o = r->o;

	if (o->disc != NULL) {
		if (oidc_ms(o) - o->disc_ms >= OIDC_DISC_TTL * 1000ULL)
			oidc_disc_fetch(o);
		return 1;
	}
	oidc_wait(r, &o->wait_disc);
	oidc_disc_fetch(o);
	return 0;
}

/*
 * The key set: fetched after discovery, again when a token names a
 * kid we do not know, but never twice within OIDC_JWKS_REFETCH.
 */

static void
oidc_jwks_done(const struct fetch_result *res, void *arg)
{
	struct oidc		*o = arg;
	struct jose_jwks	*set;

	o->jwks_busy = 0;
	if (res->error != FETCH_OK || res->status != 200) {
		log_warnx("oidc: key set: %s, status %ld",
		    fetch_strerror(res->error), res->status);
		o->jwks_err = OIDC_E_UNAVAILABLE;
	} else if ((set = jose_jwks_parse(res->body, res->len)) == NULL) {
		log_warnx("oidc: key set refused: no usable key");
		o->jwks_err = OIDC_E_JWKS;
	} else {
		jose_jwks_free(o->jwks);
		o->jwks = set;
		o->jwks_err = OIDC_OK;
		log_debug("oidc: key set: %zu keys", set->nkeys);
	}
	/* Waiters look again: with old keys, new keys, or none. */
	oidc_wake(&o->wait_jwks, OIDC_OK);
}

static void
oidc_jwks_fetch(struct oidc *o)
{
	struct fetch_req	 req = { 0 };
	enum fetch_err		 fe;

	if (o->jwks_busy || o->disc == NULL)
		return;
	req.url = o->disc->jwks;
	o->jwks_ms = oidc_ms(o);
	o->stats.jwks++;
	if ((fe = fetch_start(o->fetch, &req, oidc_jwks_done, o)) !=
	    FETCH_OK) {
		log_warnx("oidc: key set: %s", fetch_strerror(fe));
		o->jwks_err = OIDC_E_UNAVAILABLE;
		oidc_wake(&o->wait_jwks, OIDC_OK);
		return;
	}
	o->jwks_busy = 1;
}

/* May this request wait for a (re)fetch of the keys? Then do so. */
static int
oidc_jwks_wait(struct oidc_req *r)
{
	struct oidc	*o = r->o;

	if (r->jwks_waited)
		return 0;
	if (o->jwks != NULL && !o->jwks_busy &&
	    oidc_ms(o) - o->jwks_ms < OIDC_JWKS_REFETCH * 1000ULL)
		return 0;
	r->jwks_waited = 1;
	oidc_wait(r, &o->wait_jwks);
	oidc_jwks_fetch(o);
	return 1;
}

/*
 * The ID token.
 */

/* A NumericDate claim: a finite number, or -1 when absent or not one. */
static int
oidc_claim_time(const json_t *claims, const char *name, double *t)
{
	const json_t	*v = json_object_get(claims, name);

	if (v == NULL)
		return 0;
	if (!json_is_number(v) || json_number_value(v) < 0 ||
	    json_number_value(v) > 1e13)
		return -1;
	*t = json_number_value(v);
	return 1;
}

/* aud holds client_id; with other audiences azp must be client_id. */
static enum oidc_err
oidc_check_aud(const struct oidc_expect *x, const json_t *claims)
{
	const json_t	*aud = json_object_get(claims, "aud"), *v;
	const json_t	*azp = json_object_get(claims, "azp");
	size_t		 i;
	int		 found = 0, others = 0;

	if (json_is_string(aud)) {
		found = strcmp(json_string_value(aud), x->client_id) == 0;
	} else if (json_is_array(aud)) {
		json_array_foreach(aud, i, v) {
			if (!json_is_string(v))
				return OIDC_E_BAD_AUD;
			if (strcmp(json_string_value(v), x->client_id) == 0)
				found = 1;
			else
				others = 1;
		}
	}
	if (!found)
		return OIDC_E_BAD_AUD;
	if (azp != NULL && (!json_is_string(azp) ||
	    strcmp(json_string_value(azp), x->client_id) != 0))
		return OIDC_E_BAD_AZP;
	if (others && azp == NULL)
		return OIDC_E_BAD_AZP;
	return OIDC_OK;
}

static enum oidc_err
oidc_check_times(const struct oidc_expect *x, const json_t *claims)
{
	double	now = (double)x->now, skew = x->skew, exp, iat, nbf;
	int	rc;

	if (oidc_claim_time(claims, "exp", &exp) != 1 ||
	    oidc_claim_time(claims, "iat", &iat) != 1 ||
	    (rc = oidc_claim_time(claims, "nbf", &nbf)) == -1)
		return OIDC_E_MALFORMED;
	if (now >= exp + skew)
		return OIDC_E_EXPIRED;
	if (rc == 1 && nbf > now + skew)
		return OIDC_E_NOT_YET_VALID;
	if (iat > now + skew)
		return OIDC_E_IAT_FUTURE;
	if (iat < now - OIDC_IAT_MAX_AGE - skew)
		return OIDC_E_IAT_OLD;
	return OIDC_OK;
}

static enum oidc_err
oidc_check_nonce(const struct oidc_expect *x, const json_t *claims)
{
	const json_t	*v = json_object_get(claims, "nonce");
	size_t		 n;

	if (v == NULL)
		return OIDC_E_NONCE_MISSING;
	if (!json_is_string(v) || x->nonce == NULL)
		return OIDC_E_NONCE_MISMATCH;
	n = strlen(x->nonce);
	if (json_string_length(v) != n ||
	    sodium_memcmp(json_string_value(v), x->nonce, n) != 0)
		return OIDC_E_NONCE_MISMATCH;
	return OIDC_OK;
}

static enum oidc_err
oidc_check_claims(const struct oidc_expect *x, const json_t *claims)
{
	const char	*iss, *sub;
	enum oidc_err	 err;

	iss = json_string_value(json_object_get(claims, "iss"));
	sub = json_string_value(json_object_get(claims, "sub"));
	if (iss == NULL || strcmp(iss, x->issuer) != 0)
		return OIDC_E_BAD_ISS;
	if ((err = oidc_check_aud(x, claims)) != OIDC_OK)
		return err;
	if (sub == NULL || !oidc_printable(sub, OIDC_IDENTITY_MAX))
		return OIDC_E_BAD_SUB;
	if ((err = oidc_check_times(x, claims)) != OIDC_OK)
		return err;
	return oidc_check_nonce(x, claims);
}

static enum oidc_err
oidc_jose_err(enum jose_err e)
{
	switch (e) {
	case JOSE_OK:
		return OIDC_OK;
	case JOSE_E_ALG:
		return OIDC_E_ALG_REFUSED;
	case JOSE_E_KID:
		return OIDC_E_UNKNOWN_KID;
	case JOSE_E_SIG:
		return OIDC_E_BAD_SIGNATURE;
	case JOSE_E_NOMEM:
		return OIDC_E_INTERNAL;
	default:
		return OIDC_E_MALFORMED;
	}
}

enum oidc_err
oidc_idtoken_verify(const struct oidc_expect *x, const struct jose_jwks *set,
    const char *tok, size_t len, json_t **claimsp)
{
	struct jose_jws		 jws;
	const struct jose_key	*k;
	json_t			*claims = NULL;
	enum oidc_err		 err;

	if (claimsp != NULL)
		*claimsp = NULL;
	if ((err = oidc_jose_err(jose_jws_parse(tok, len, &jws))) != OIDC_OK)
		return err;
	if (jws.typ[0] != '\0' && strcasecmp(jws.typ, "JWT") != 0 &&
	    strcasecmp(jws.typ, "application/jwt") != 0)
		err = OIDC_E_MALFORMED;
	else if (set == NULL)
		err = OIDC_E_UNKNOWN_KID;
	else if ((err = oidc_jose_err(jose_jwks_select(set, &jws, &k))) ==
	    OIDC_OK)
		err = oidc_jose_err(jose_jws_verify(&jws, k));
	if (err == OIDC_OK) {
		claims = json_loadb((char *)jws.payload, jws.payloadlen,
		    OIDC_JSON_FLAGS, NULL);
		if (!json_is_object(claims))
			err = OIDC_E_MALFORMED;
		else
			err = oidc_check_claims(x, claims);
	}
	jose_jws_clear(&jws);
	if (err == OIDC_OK && claimsp != NULL)
		*claimsp = claims;
	else
		json_decref(claims);
	return err;
}

/*
 * The identity: the configured claim as a short printable string; an
 * email only when the same claims say it is verified.
 */
static enum oidc_err
oidc_take_identity(struct oidc_req *r, const json_t *claims)
{
	const char	*claim = r->o->claim;
	const json_t	*v = json_object_get(claims, claim), *ver;

	if (v == NULL)
		return OIDC_E_NO_IDENTITY;
	if (!json_is_string(v) ||
	    !oidc_printable(json_string_value(v), OIDC_IDENTITY_MAX))
		return OIDC_E_BAD_IDENTITY;
	ver = json_object_get(claims, "email_verified");
	if (strcmp(claim, "email") == 0 && !json_is_true(ver) &&
	    !(json_is_string(ver) && strcmp(json_string_value(ver),
	    "true") == 0))
		return OIDC_E_EMAIL_UNVERIFIED;
	pccx_strlcpy(r->identity, json_string_value(v), sizeof(r->identity));
	return OIDC_OK;
}

/* Is the ID token silent on what we need, so that userinfo may say? */
static int
oidc_identity_partial(const struct oidc *o, const json_t *claims)
{
	if (json_object_get(claims, o->claim) == NULL)
		return 1;
	return strcmp(o->claim, "email") == 0 &&
	    json_object_get(claims, "email_verified") == NULL;
}

static void
oidc_step_verify(struct oidc_req *r)
{
	struct oidc		*o = r->o;
	struct oidc_expect	 x;
	enum oidc_err		 err;

	if (o->jwks == NULL && oidc_jwks_wait(r))
		return;
	if (o->jwks == NULL) {
		oidc_finish(r, o->jwks_err != OIDC_OK ? o->jwks_err :
		    OIDC_E_JWKS);
		return;
	}
	memset(&x, 0, sizeof(x));
	x.issuer = o->issuer;
	x.client_id = o->client_id;
	x.nonce = r->nonce;
	x.now = oidc_now(o);
	x.skew = o->skew;
	err = oidc_idtoken_verify(&x, o->jwks, r->id_token,
	    strlen(r->id_token), &r->claims);
	if (err == OIDC_E_UNKNOWN_KID && oidc_jwks_wait(r))
		return;
	if (err != OIDC_OK) {
		oidc_finish(r, err);
		return;
	}
	pccx_strlcpy(r->sub, json_string_value(json_object_get(r->claims,
	    "sub")), sizeof(r->sub));
	r->step = STEP_IDENTITY;
	oidc_run(r);
}

/*
 * The code exchange at the token endpoint.
 */

/* A provider's error code, for the log: only [a-z_], bounded. */
static const char *
oidc_provider_error(const json_t *doc)
{
	const char	*e = json_string_value(json_object_get(doc, "error"));

	if (e == NULL || strlen(e) > 40 || strspn(e,
	    "abcdefghijklmnopqrstuvwxyz_") != strlen(e))
		return "?";
	return e;
}

static enum oidc_err
oidc_token_refused(const struct fetch_result *res, const json_t *doc)
{
	const char	*e = oidc_provider_error(doc);

	log_debug("oidc: token endpoint: status %ld, %s", res->status, e);
	if (res->status >= 500)
		return OIDC_E_UNAVAILABLE;
	if (strcmp(e, "invalid_grant") == 0)
		return OIDC_E_CODE_REJECTED;
	if (strcmp(e, "invalid_client") == 0 || res->status == 401)
		return OIDC_E_CLIENT_REJECTED;
	return OIDC_E_TOKEN_ERROR;
}

static enum oidc_err
oidc_token_parse(struct oidc_req *r, const json_t *doc)
{
	const json_t	*id = json_object_get(doc, "id_token");
	const json_t	*at = json_object_get(doc, "access_token");
	const char	*tt = json_string_value(json_object_get(doc,
			    "token_type"));

	if (!json_is_string(id) || json_string_length(id) == 0 ||
	    json_string_length(id) > JOSE_TOKEN_MAX)
		return OIDC_E_TOKEN_ERROR;
	if ((r->id_token = strdup(json_string_value(id))) == NULL)
		return OIDC_E_INTERNAL;
	/* Without a usable bearer token there is simply no userinfo. */
	if (json_is_string(at) && tt != NULL && strcasecmp(tt, "Bearer") == 0 &&
	    oidc_printable(json_string_value(at), 8192) &&
	    strchr(json_string_value(at), ' ') == NULL &&
	    (r->access_token = strdup(json_string_value(at))) == NULL)
		return OIDC_E_INTERNAL;
	return OIDC_OK;
}

static void
oidc_token_done(const struct fetch_result *res, void *arg)
{
	struct oidc_req	*r = arg;
	json_t		*doc = NULL;
	enum oidc_err	 err;

	if (res->error != FETCH_OK) {
		log_warnx("oidc: token endpoint: %s",
		    fetch_strerror(res->error));
		oidc_finish(r, OIDC_E_UNAVAILABLE);
		return;
	}
	doc = json_loadb(res->body, res->len, OIDC_JSON_FLAGS, NULL);
	if (res->status != 200)
		err = oidc_token_refused(res, doc);
	else if (!json_is_object(doc))
		err = OIDC_E_TOKEN_ERROR;
	else
		err = oidc_token_parse(r, doc);
	json_decref(doc);
	if (err != OIDC_OK) {
		oidc_finish(r, err);
		return;
	}
	r->step = STEP_VERIFY;
	oidc_run(r);
}

/* The form: code, redirect_uri, PKCE verifier, maybe the credentials. */
static char *
oidc_token_form(struct oidc_req *r)
{
	struct oidc	*o = r->o;
	struct oidc_buf	 b = { 0 };

	oidc_buf_param(&b, "grant_type", "authorization_code");
	oidc_buf_param(&b, "code", r->code);
	oidc_buf_param(&b, "redirect_uri", o->redirect_uri);
	oidc_buf_param(&b, "code_verifier", r->verifier);
	if (o->disc->auth_post) {
		oidc_buf_param(&b, "client_id", o->client_id);
		oidc_buf_param(&b, "client_secret", o->secret);
	}
	return oidc_buf_take(&b);
}

static void
oidc_wipe(char *s)
{
	if (s != NULL) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

/* client_secret_basic: both parts form-encoded first (RFC 6749 2.3.1). */
static void
oidc_step_token(struct oidc_req *r)
{
	struct oidc		*o = r->o;
	struct fetch_req	 req = { 0 };
	struct oidc_buf		 user = { 0 }, pass = { 0 };
	char			*form;
	enum fetch_err		 fe = FETCH_E_NOMEM;

	req.url = o->disc->token;
	if (!o->disc->auth_post) {
		oidc_buf_enc(&user, o->client_id);
		oidc_buf_enc(&pass, o->secret);
		req.user = oidc_buf_take(&user);
		req.password = oidc_buf_take(&pass);
	}
	form = oidc_token_form(r);
	req.form = form;
	if (form != NULL && (o->disc->auth_post ||
	    (req.user != NULL && req.password != NULL))) {
		o->stats.token++;
		fe = fetch_start(o->fetch, &req, oidc_token_done, r);
	}
	oidc_wipe(form);
	oidc_wipe((char *)req.user);
	oidc_wipe((char *)req.password);
	sodium_memzero(r->verifier, sizeof(r->verifier));
	if (fe != FETCH_OK) {
		log_warnx("oidc: token endpoint: %s", fetch_strerror(fe));
		oidc_finish(r, fe == FETCH_E_BUSY ? OIDC_E_BUSY :
		    OIDC_E_UNAVAILABLE);
		return;
	}
	r->step = STEP_WAIT;
}

/*
 * Userinfo, when the ID token lacks the claim: it must be about the
 * same subject (OpenID Connect Core 5.3.2).
 */

static enum oidc_err
oidc_userinfo_parse(struct oidc_req *r, const struct fetch_result *res)
{
	json_t		*doc;
	const char	*sub;
	enum oidc_err	 err;

	/*
	 * XXX: a signed userinfo answer (application/jwt) is refused: the
	 * client would have to register for one, and none here does.
	 */
	if (res->status != 200 || strncasecmp(res->ctype, "application/json",
	    16) != 0) {
		log_debug("oidc: userinfo: status %ld, type %.40s",
		    res->status, res->ctype);
		return OIDC_E_USERINFO;
	}
	doc = json_loadb(res->body, res->len, OIDC_JSON_FLAGS, NULL);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return OIDC_E_USERINFO;
	}
	sub = json_string_value(json_object_get(doc, "sub"));
	if (sub == NULL || strcmp(sub, r->sub) != 0)
		err = OIDC_E_USERINFO_SUB;
	else
		err = oidc_take_identity(r, doc);
	json_decref(doc);
	return err;
}

static void
oidc_userinfo_done(const struct fetch_result *res, void *arg)
{
	struct oidc_req	*r = arg;

	if (res->error != FETCH_OK) {
		log_warnx("oidc: userinfo: %s", fetch_strerror(res->error));
		oidc_finish(r, OIDC_E_UNAVAILABLE);
		return;
	}
	r->from_userinfo = 1;
	oidc_finish(r, oidc_userinfo_parse(r, res));
}

static void
oidc_step_identity(struct oidc_req *r)
{
	struct oidc		*o = r->o;
	struct fetch_req	 req = { 0 };
	enum fetch_err		 fe;

	if (!oidc_identity_partial(o, r->claims) || r->kind != OIDC_EXCHANGE ||
	    o->disc->userinfo == NULL || r->access_token == NULL) {
		oidc_finish(r, oidc_take_identity(r, r->claims));
		return;
	}
	req.url = o->disc->userinfo;
	req.bearer = r->access_token;
	o->stats.userinfo++;
	if ((fe = fetch_start(o->fetch, &req, oidc_userinfo_done, r)) !=
	    FETCH_OK) {
		log_warnx("oidc: userinfo: %s", fetch_strerror(fe));
		oidc_finish(r, fe == FETCH_E_BUSY ? OIDC_E_BUSY :
		    OIDC_E_UNAVAILABLE);
		return;
	}
	r->step = STEP_WAIT;
}

/*
 * Logins.
 */

static void
oidc_step_url(struct oidc_req *r)
{
	struct oidc		*o = r->o;
	struct oidc_pending	*p = oidc_pending_slot(o);
	struct oidc_buf		 b = { 0 };
	unsigned char		 h[crypto_hash_sha256_BYTES];
	char			 challenge[OIDC_STATE_LEN + 1];

	memset(p, 0, sizeof(*p));
	oidc_random(p->state);
	oidc_random(p->nonce);
	oidc_random(p->verifier);
	p->created = oidc_ms(o);
	p->seq = ++o->seq;
	crypto_hash_sha256(h, (unsigned char *)p->verifier, OIDC_STATE_LEN);
	sodium_bin2base64(challenge, sizeof(challenge), h, sizeof(h),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);

	oidc_buf_str(&b, o->disc->authz);
	oidc_buf_str(&b, strchr(o->disc->authz, '?') != NULL ? "&" : "?");
	oidc_buf_param(&b, "response_type", "code");
	oidc_buf_param(&b, "client_id", o->client_id);
	oidc_buf_param(&b, "redirect_uri", o->redirect_uri);
	oidc_buf_param(&b, "scope", o->scope);
	oidc_buf_param(&b, "state", p->state);
	oidc_buf_param(&b, "nonce", p->nonce);
	oidc_buf_param(&b, "code_challenge", challenge);
	oidc_buf_param(&b, "code_challenge_method", "S256");
	if ((r->url = oidc_buf_take(&b)) == NULL || b.len > OIDC_URL_MAX) {
		sodium_memzero(p, sizeof(*p));
		oidc_finish(r, OIDC_E_INTERNAL);
		return;
	}
	memcpy(r->state, p->state, sizeof(r->state));
	oidc_finish(r, OIDC_OK);
}

static void
oidc_run(struct oidc_req *r)
{
	switch (r->step) {
	case STEP_DISC:
		if (!oidc_need_disc(r))
			return;
		r->step = r->kind == OIDC_LOGIN ? STEP_URL :
		    r->kind == OIDC_EXCHANGE ? STEP_TOKEN : STEP_VERIFY;
		oidc_run(r);
		break;
	case STEP_URL:
		oidc_step_url(r);
		break;
	case STEP_TOKEN:
		oidc_step_token(r);
		break;
	case STEP_VERIFY:
		oidc_step_verify(r);
		break;
	case STEP_IDENTITY:
		oidc_step_identity(r);
		break;
	default:
		break;
	}
}

enum oidc_err
oidc_login_start(struct oidc *o,
    void (*cb)(enum oidc_err, const struct oidc_login *, void *), void *arg)
{
	struct oidc_req	*r;

	if ((r = oidc_req_new(o, OIDC_LOGIN, arg)) == NULL)
		return OIDC_E_INTERNAL;
	r->login_cb = cb;
	oidc_run(r);
	return OIDC_OK;
}

/* A code as providers make them: visible ASCII, bounded. */
static int
oidc_code_ok(const char *code)
{
	size_t	i;

	for (i = 0; code[i] != '\0'; i++)
		if (i >= OIDC_CODE_MAX || code[i] < 0x21 || code[i] > 0x7e)
			return 0;
	return i > 0;
}

enum oidc_err
oidc_callback(struct oidc *o, const char *state, const char *code,
    void (*cb)(enum oidc_err, const struct oidc_identity *, void *),
    void *arg)
{
	struct oidc_req	*r;
	enum oidc_err	 err;

	if (!oidc_state_ok(state))
		return OIDC_E_BAD_STATE;
	if ((r = oidc_req_new(o, OIDC_EXCHANGE, arg)) == NULL)
		return OIDC_E_INTERNAL;
	if ((err = oidc_pending_take(o, state, r)) == OIDC_OK &&
	    !oidc_code_ok(code))
		err = OIDC_E_BAD_CODE;
	if (err == OIDC_OK && (r->code = strdup(code)) == NULL)
		err = OIDC_E_INTERNAL;
	if (err != OIDC_OK) {
		TAILQ_REMOVE(&o->reqs, r, entry);
		oidc_req_free(r);
		return err;
	}
	r->id_cb = cb;
	oidc_run(r);
	return OIDC_OK;
}

enum oidc_err
oidc_idtoken_check(struct oidc *o, const char *token, const char *nonce,
    void (*cb)(enum oidc_err, const struct oidc_identity *, void *),
    void *arg)
{
	struct oidc_req	*r;

	if (strlen(nonce) > OIDC_STATE_LEN ||
	    strnlen(token, JOSE_TOKEN_MAX + 1) > JOSE_TOKEN_MAX)
		return OIDC_E_MALFORMED;
	if ((r = oidc_req_new(o, OIDC_CHECK, arg)) == NULL)
		return OIDC_E_INTERNAL;
	if ((r->id_token = strdup(token)) == NULL) {
		TAILQ_REMOVE(&o->reqs, r, entry);
		oidc_req_free(r);
		return OIDC_E_INTERNAL;
	}
	pccx_strlcpy(r->nonce, nonce, sizeof(r->nonce));
	r->id_cb = cb;
	oidc_run(r);
	return OIDC_OK;
}
