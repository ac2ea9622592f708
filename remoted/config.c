/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Configuration values: defaults, checks, units, the normalised printer. */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf_lex.h"
#include "proto/auth.h"
#include "config.h"

enum limit_kind {
	LIMIT_SIZE,		/* bytes, K/M/G/T */
	LIMIT_COUNT,		/* plain number */
	LIMIT_TIME,		/* seconds, s/m/h/d */
	LIMIT_PERCENT,		/* of one CPU, N% */
	LIMIT_RATE		/* per second, N/s */
};

struct limit_def {
	const char	*name;
	int		 kind;
	size_t		 off;		/* in struct p_limits */
	int		 wide;		/* uint64_t, else uint32_t */
	uint64_t	 min;
	uint64_t	 max;
	uint64_t	 def;
};

struct unit {
	const char	*suffix;	/* "": none; NULL ends a table */
	uint64_t	 mult;
};

#define KB	1024ULL
#define MB	(1024 * KB)
#define GB	(1024 * MB)
#define TB	(1024 * GB)

#define U32(f)	offsetof(struct p_limits, f), 0
#define U64(f)	offsetof(struct p_limits, f), 1

/* Every limit once: name, unit, field, range from proto.h, default. */
static const struct limit_def limit_defs[] = {
	{ "request-line", LIMIT_SIZE, U32(request_line),
	    LIM_REQLINE_MIN, LIM_REQLINE_MAX, 8 * KB },
	{ "headers", LIMIT_COUNT, U32(header_count),
	    LIM_HDRCOUNT_MIN, LIM_HDRCOUNT_MAX, 64 },
	{ "header-bytes", LIMIT_SIZE, U32(header_bytes),
	    LIM_HDRBYTES_MIN, LIM_HDRBYTES_MAX, 16 * KB },
	{ "body", LIMIT_SIZE, U32(body_bytes),
	    LIM_BODY_MIN, LIM_BODY_MAX, 1 * MB },
	{ "upload", LIMIT_SIZE, U64(upload_bytes),
	    LIM_UPLOAD_MIN, LIM_UPLOAD_MAX, 1 * GB },
	{ "idle-timeout", LIMIT_TIME, U32(idle_timeout),
	    LIM_TIMEOUT_MIN, LIM_TIMEOUT_MAX, 30 },
	{ "request-timeout", LIMIT_TIME, U32(request_timeout),
	    LIM_TIMEOUT_MIN, LIM_TIMEOUT_MAX, 60 },
	{ "ws-frame", LIMIT_SIZE, U32(ws_frame_bytes),
	    LIM_WSFRAME_MIN, LIM_WSFRAME_MAX, 64 * KB },
	{ "ws-message", LIMIT_SIZE, U32(ws_message_bytes),
	    LIM_WSMSG_MIN, LIM_WSMSG_MAX, 1 * MB },
	{ "connections", LIMIT_COUNT, U32(max_connections),
	    LIM_CONN_MIN, LIM_CONN_MAX, 1024 },
	{ "feeds", LIMIT_COUNT, U32(feeds_per_user),
	    LIM_FEEDS_MIN, LIM_FEEDS_MAX, 8 },
};
#define NLIMITS	(sizeof(limit_defs) / sizeof(limit_defs[0]))

#define MIN	60ULL
#define HOUR	(60 * MIN)
#define DAY	(24 * HOUR)

/* How the text of a setting in a block is checked and stored. */
enum key_kind {
	KEY_NUM,		/* a LIMIT_* value (arg) in [min, max] */
	KEY_PATH,		/* an absolute path, then check */
	KEY_URL,		/* SYNTAX_URL_* flags in arg */
	KEY_TEXT,		/* any text that check accepts */
	KEY_ORIGIN,		/* one more WebAuthn origin */
	KEY_UV,			/* "required" or "preferred" */
	KEY_BACKEND,		/* auto, kernel or userspace */
	KEY_CIDR		/* ADDRESS/PREFIX; arg 1: a network */
};

#define KEY_REQ		0x01	/* its block needs it */
#define KEY_OPT		0x02	/* printed only when set */
#define KEY_OWN		0x04	/* printed by its block's own code */

struct key_def {
	int		 block;		/* CONFIG_B_* */
	const char	*kw;		/* as the block writes it */
	int		 kind;
	int		 flags;
	int		 project;	/* in conf_project, not in config */
	size_t		 off;
	size_t		 size;		/* of the field */
	int		 arg;
	const char	*(*check)(const char *);
	uint64_t	 min;
	uint64_t	 max;
	/* default as written; NULL: none */
	const char	*def;
};

#define CF(f)	0, offsetof(struct config, f), \
		    sizeof(((struct config *)0)->f)
#define PF(f)	1, offsetof(struct conf_project, f), \
		    sizeof(((struct conf_project *)0)->f)
#define NUM(b, kw, fl, fld, unit, lo, hi, def) \
	{ CONFIG_B_##b, kw, KEY_NUM, fl, fld, unit, NULL, lo, hi, def }
#define STR(b, kw, kind, fl, fld, arg, chk, def) \
	{ CONFIG_B_##b, kw, KEY_##kind, fl, fld, arg, chk, 0, 0, def }

#define URL_LOCAL	SYNTAX_URL_HTTP
#define URL_ORIGIN	(SYNTAX_URL_HTTP | SYNTAX_URL_ORIGIN)
#define URL_REDIRECT	(SYNTAX_URL_HTTP | SYNTAX_URL_PATH | \
	    SYNTAX_URL_QUERY)

static const char	*check_rp_id(const char *);
static const char	*check_ip_addr(const char *);

/* Every setting of a block once, in printed order, with its default. */
static const struct key_def key_defs[CONFIG_K_MAX] = {
	[CONFIG_K_ISSUER] = STR(OIDC, "issuer", URL, KEY_REQ,
	    CF(oidc.issuer), SYNTAX_URL_PATH, NULL, NULL),
	[CONFIG_K_CLIENT_ID] = STR(OIDC, "client-id", TEXT, KEY_REQ,
	    CF(oidc.client_id), 0, syntax_check_visible, NULL),
	[CONFIG_K_CLIENT_SECRET] = STR(OIDC, "client-secret-file", PATH,
	    KEY_REQ, CF(oidc.client_secret_file), 0, NULL, NULL),
	[CONFIG_K_OIDC_CA] = STR(OIDC, "ca-file", PATH, KEY_OPT,
	    CF(oidc.ca_file), 0, NULL, NULL),
	[CONFIG_K_REDIRECT] = STR(OIDC, "redirect-uri", URL, KEY_REQ,
	    CF(oidc.redirect_uri), URL_REDIRECT, NULL, NULL),
	[CONFIG_K_CLAIM] = STR(OIDC, "claim", TEXT, 0, CF(oidc.claim), 0,
	    syntax_check_visible, "email"),
	[CONFIG_K_SCOPES] = STR(OIDC, "scopes", TEXT, 0, CF(oidc.scopes), 0,
	    syntax_check_scopes, "openid email"),
	[CONFIG_K_RP_ID] = STR(WEBAUTHN, "rp-id", TEXT, 0,
	    CF(webauthn.rp_id), 0, check_rp_id, "localhost"),
	[CONFIG_K_ORIGIN] = STR(WEBAUTHN, "origin", ORIGIN, KEY_OWN,
	    CF(webauthn.origins[0]), URL_ORIGIN, NULL, NULL),
	[CONFIG_K_UV] = STR(WEBAUTHN, "user-verification", UV, KEY_OWN,
	    CF(webauthn.uv_required), 0, NULL, "required"),
	[CONFIG_K_LIFETIME] = NUM(TOKENS, "lifetime", 0, CF(tokens.lifetime),
	    LIMIT_TIME, 5 * MIN, 7 * DAY, "12h"),
	[CONFIG_K_IDLE] = NUM(TOKENS, "idle", 0, CF(tokens.idle), LIMIT_TIME,
	    MIN, 7 * DAY, "30m"),
	[CONFIG_K_SKEW] = NUM(TOKENS, "skew", 0, CF(tokens.skew), LIMIT_TIME,
	    0, 5 * MIN, "60s"),
	[CONFIG_K_ADDR_RATE] = NUM(RATELIMIT, "address", KEY_OWN,
	    CF(ratelimit.addr_rate), LIMIT_RATE, 1, 100000, "20/s"),
	[CONFIG_K_ADDR_BURST] = NUM(RATELIMIT, "address burst", KEY_OWN,
	    CF(ratelimit.addr_burst), LIMIT_COUNT, 1, 1000000, "40"),
	[CONFIG_K_USER_RATE] = NUM(RATELIMIT, "user", KEY_OWN,
	    CF(ratelimit.user_rate), LIMIT_RATE, 1, 100000, "50/s"),
	[CONFIG_K_USER_BURST] = NUM(RATELIMIT, "user burst", KEY_OWN,
	    CF(ratelimit.user_burst), LIMIT_COUNT, 1, 1000000, "100"),
	[CONFIG_K_PER_USER] = NUM(SESSIONS, "per-user", 0,
	    CF(sessions.per_user), LIMIT_COUNT, 1, 64, "4"),
	[CONFIG_K_ROOT] = STR(SESSIONS, "root", PATH, 0, CF(sessions.root),
	    0, NULL, "/"),
	[CONFIG_K_KEEP_LAYERS] = NUM(SESSIONS, "keep-layers", 0,
	    CF(sessions.keep_layers), LIMIT_TIME, HOUR, 3650 * DAY, "30d"),
	[CONFIG_K_CP_ROWS] = NUM(AUDIT, "checkpoint rows", KEY_OWN,
	    CF(audit.checkpoint_rows), LIMIT_COUNT, 1, 100000, "256"),
	[CONFIG_K_CP_INTERVAL] = NUM(AUDIT, "checkpoint interval", KEY_OWN,
	    CF(audit.checkpoint_interval), LIMIT_TIME, 1, HOUR, "10s"),
	[CONFIG_K_HOST] = STR(AUDIT, "host", TEXT, 0, CF(audit.host), 0,
	    syntax_check_name, "localhost"),
	[CONFIG_K_RECIPIENT] = STR(AUDIT, "recipient", TEXT, KEY_OPT,
	    CF(audit.recipient), 0, syntax_check_age_recipient, NULL),
	[CONFIG_K_S3_ENDPOINT] = STR(S3, "endpoint", URL, KEY_REQ,
	    CF(audit.s3_endpoint), URL_LOCAL, NULL, NULL),
	[CONFIG_K_S3_BUCKET] = STR(S3, "bucket", TEXT, KEY_REQ,
	    CF(audit.s3_bucket), 0, syntax_check_bucket, NULL),
	[CONFIG_K_S3_PREFIX] = STR(S3, "prefix", TEXT, 0, CF(audit.s3_prefix),
	    0, syntax_check_prefix, "pccx"),
	[CONFIG_K_S3_REGION] = STR(S3, "region", TEXT, 0, CF(audit.s3_region),
	    0, syntax_check_region, "us-east-1"),
	[CONFIG_K_S3_ACCESS_KEY] = STR(S3, "access-key", TEXT, KEY_REQ,
	    CF(audit.s3_access_key), 0, syntax_check_access_key, NULL),
	[CONFIG_K_S3_SECRET] = STR(S3, "secret-key-file", PATH, KEY_REQ,
	    CF(audit.s3_secret_file), 0, NULL, NULL),
	[CONFIG_K_S3_CA] = STR(S3, "ca-file", PATH, KEY_OPT,
	    CF(audit.s3_ca_file), 0, NULL, NULL),
	[CONFIG_K_TUN_IFACE] = STR(TUNNEL, "interface", TEXT, 0,
	    CF(tunnel.ifname), 0, syntax_check_name, "pccx0"),
	[CONFIG_K_TUN_BACKEND] = STR(TUNNEL, "backend", BACKEND, KEY_OWN,
	    CF(tunnel.backend), 0, NULL, "auto"),
	[CONFIG_K_TUN_ADDRESS] = STR(TUNNEL, "address", CIDR, KEY_OWN,
	    CF(tunnel.addr4), 0, NULL, NULL),
	[CONFIG_K_TUN_PORT] = NUM(TUNNEL, "port", 0, CF(tunnel.port),
	    LIMIT_COUNT, 1, 65535, "51820"),
	[CONFIG_K_TUN_POOL] = STR(TUNNEL, "pool", CIDR, KEY_OWN,
	    CF(tunnel.pool4), 1, NULL, NULL),
	[CONFIG_K_TUN_KEEPALIVE] = NUM(TUNNEL, "keepalive", 0,
	    CF(tunnel.keepalive), LIMIT_TIME, 1, 3600, "25s"),
	[CONFIG_K_TUN_IDLE] = NUM(TUNNEL, "idle-timeout", 0,
	    CF(tunnel.idle_timeout), LIMIT_TIME, 60, DAY, "30m"),
	[CONFIG_K_TUN_KEY] = STR(TUNNEL, "private-key-file", PATH, KEY_REQ,
	    CF(tunnel.private_key_file), 0, NULL, NULL),
	[CONFIG_K_TUN_FB_ADDR] = STR(TUNNEL, "fallback listen on", TEXT,
	    KEY_OWN, CF(tunnel.fb_addr), 0, check_ip_addr, NULL),
	[CONFIG_K_TUN_FB_PORT] = NUM(TUNNEL, "fallback port", KEY_OWN,
	    CF(tunnel.fb_port), LIMIT_COUNT, 1, 65535, NULL),
	[CONFIG_K_TUN_FB_CERT] = STR(TUNNEL, "fallback certificate", PATH,
	    KEY_OWN, CF(tunnel.fb_cert), 0, NULL, NULL),
	[CONFIG_K_TUN_FB_KEY] = STR(TUNNEL, "fallback key", PATH, KEY_OWN,
	    CF(tunnel.fb_key), 0, NULL, NULL),
	[CONFIG_K_TUN_CA_CERT] = STR(TUNNEL, "device-ca certificate", PATH,
	    KEY_OWN, CF(tunnel.ca_cert), 0, NULL, NULL),
	[CONFIG_K_TUN_CA_KEY] = STR(TUNNEL, "device-ca key", PATH, KEY_OWN,
	    CF(tunnel.ca_key), 0, NULL, NULL),
	[CONFIG_K_PATH] = STR(PROJECT, "path", PATH, KEY_REQ, PF(path), 0,
	    syntax_check_not_root, NULL),
	[CONFIG_K_MEMORY] = NUM(PROJECT, "memory", KEY_OPT, PF(memory),
	    LIMIT_SIZE, 16 * MB, TB, NULL),
	[CONFIG_K_CPU] = NUM(PROJECT, "cpu", KEY_OPT, PF(cpu), LIMIT_PERCENT,
	    1, 100 * 1024, NULL),
	[CONFIG_K_PIDS] = NUM(PROJECT, "pids", KEY_OPT, PF(pids), LIMIT_COUNT,
	    16, 1000000, NULL),
	[CONFIG_K_IDLE_TIMEOUT] = NUM(PROJECT, "idle-timeout", 0,
	    PF(idle_timeout), LIMIT_TIME, 1, 7 * DAY, "30m"),
};

static const char *const block_names[CONFIG_B_MAX] = {
	[CONFIG_B_OIDC] = "oidc",
	[CONFIG_B_WEBAUTHN] = "webauthn",
	[CONFIG_B_TOKENS] = "tokens",
	[CONFIG_B_RATELIMIT] = "rate-limit",
	[CONFIG_B_SESSIONS] = "sessions",
	[CONFIG_B_AUDIT] = "audit",
	[CONFIG_B_S3] = "s3",
	[CONFIG_B_TUNNEL] = "tunnel",
	[CONFIG_B_PROJECT] = "project",
};

/*
 * Largest first; the printer takes the first that divides exactly, and
 * the first of multiplier 1 for 0 and for what none divides.
 */
static const struct unit size_units[] = {
	{ "T", TB }, { "G", GB }, { "M", MB }, { "K", KB }, { "", 1 },
	{ NULL, 0 }
};
static const struct unit time_units[] = {
	{ "d", 86400 }, { "h", 3600 }, { "m", 60 }, { "s", 1 }, { "", 1 },
	{ NULL, 0 }
};
static const struct unit count_units[] = {
	{ "", 1 }, { NULL, 0 }
};
static const struct unit percent_units[] = {
	{ "%", 1 }, { NULL, 0 }
};
static const struct unit rate_units[] = {
	{ "/s", 1 }, { NULL, 0 }
};

static const struct unit *
kind_units(int kind)
{
	switch (kind) {
	case LIMIT_SIZE:
		return size_units;
	case LIMIT_TIME:
		return time_units;
	case LIMIT_PERCENT:
		return percent_units;
	case LIMIT_RATE:
		return rate_units;
	default:
		return count_units;
	}
}

static const char *
kind_name(int kind)
{
	switch (kind) {
	case LIMIT_SIZE:
		return "size";
	case LIMIT_TIME:
		return "duration";
	case LIMIT_PERCENT:
		return "percentage";
	case LIMIT_RATE:
		return "rate";
	default:
		return "number";
	}
}

/*
 * Digits and one suffix of the table (which may be "").  0, or -1 for
 * bad syntax, or -2 when the value does not fit in 64 bits.
 */
static int
value_parse(const char *s, const struct unit *u, uint64_t *v)
{
	uint64_t	n = 0;
	size_t		i;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (UINT64_MAX - (*s - '0')) / 10)
			return -2;
		n = n * 10 + (*s - '0');
	}
	for (i = 0; u[i].suffix != NULL; i++)
		if (strcmp(s, u[i].suffix) == 0)
			break;
	if (u[i].suffix == NULL)
		return -1;
	if (n > UINT64_MAX / u[i].mult)
		return -2;
	*v = n * u[i].mult;
	return 0;
}

/* The value in the largest unit that divides it exactly. */
static const char *
value_format(uint64_t v, const struct unit *u, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; u[i].mult != 1; i++)
		if (v != 0 && v % u[i].mult == 0)
			break;
	snprintf(buf, len, "%" PRIu64 "%s", v / u[i].mult, u[i].suffix);
	return buf;
}

/*
 * value_check: parse s as a value of kind in [min, max] into *v, or
 * put "name: ..." in err.
 */
static int
value_check(const char *name, int kind, const char *s, uint64_t min,
    uint64_t max, uint64_t *v, char *err, size_t errlen)
{
	const struct unit	*u = kind_units(kind);
	char			 lo[32], hi[32], q[CONF_QUOTEMAX];
	int			 rc;

	if ((rc = value_parse(s, u, v)) == -1) {
		snprintf(err, errlen, "%s: %s is not a %s", name,
		    conf_quote(s, q, sizeof(q)), kind_name(kind));
		return -1;
	}
	if (rc == -2 || *v < min || *v > max) {
		snprintf(err, errlen, "%s: %s is out of range (%s..%s)",
		    name, s, value_format(min, u, lo, sizeof(lo)),
		    value_format(max, u, hi, sizeof(hi)));
		return -1;
	}
	return 0;
}

static uint64_t
limit_get(const struct p_limits *l, const struct limit_def *d)
{
	const char	*p = (const char *)l + d->off;
	uint64_t	 v64;
	uint32_t	 v32;

	if (d->wide) {
		memcpy(&v64, p, sizeof(v64));
		return v64;
	}
	memcpy(&v32, p, sizeof(v32));
	return v32;
}

static void
limit_put(struct p_limits *l, const struct limit_def *d, uint64_t v)
{
	char		*p = (char *)l + d->off;
	uint32_t	 v32 = v;

	if (d->wide)
		memcpy(p, &v, sizeof(v));
	else
		memcpy(p, &v32, sizeof(v32));
}

/* Where setting d lives: in conf, or in project pr. */
static void *
key_ptr(const struct config *conf, const struct conf_project *pr,
    const struct key_def *d)
{
	const char	*base = d->project ? (const char *)pr :
			    (const char *)conf;

	return (void *)(uintptr_t)(base + d->off);
}

static uint64_t
key_get(const void *p, const struct key_def *d)
{
	uint64_t	v64;
	uint32_t	v32;

	if (d->size == sizeof(v64)) {
		memcpy(&v64, p, sizeof(v64));
		return v64;
	}
	memcpy(&v32, p, sizeof(v32));
	return v32;
}

static int
key_is_set(const void *p, const struct key_def *d)
{
	if (d->kind == KEY_NUM)
		return key_get(p, d) != 0;
	return ((const char *)p)[0] != '\0';
}

/* Every default of conf's settings, or of project pr's when not NULL. */
static int
key_defaults(struct config *conf, struct conf_project *pr)
{
	char	err[256];
	int	k;

	for (k = 0; k < CONFIG_K_MAX; k++)
		if (key_defs[k].def != NULL &&
		    key_defs[k].project == (pr != NULL) &&
		    config_set_key(conf, pr, k, key_defs[k].def, err,
		    sizeof(err)) == -1)
			return -1;
	return 0;
}

struct config *
config_new(void)
{
	struct config	*conf;
	size_t		 i;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return NULL;
	TAILQ_INIT(&conf->listens);
	TAILQ_INIT(&conf->users);
	TAILQ_INIT(&conf->projects);
	snprintf(conf->state_dir, sizeof(conf->state_dir), "%s",
	    CONFIG_STATE_DIR);
	snprintf(conf->control_socket, sizeof(conf->control_socket), "%s",
	    CONFIG_CONTROL_SOCKET);
	for (i = 0; i < NLIMITS; i++)
		limit_put(&conf->limits, &limit_defs[i], limit_defs[i].def);
	if (key_defaults(conf, NULL) == -1) {
		free(conf);
		return NULL;
	}
	return conf;
}

static void
project_free(struct conf_project *pr)
{
	struct conf_member	*m;

	while ((m = TAILQ_FIRST(&pr->members)) != NULL) {
		TAILQ_REMOVE(&pr->members, m, entry);
		free(m);
	}
	free(pr);
}

void
config_adopt(struct config *dst, struct config *src)
{
	TAILQ_HEAD(, conf_user)		users;
	TAILQ_HEAD(, conf_project)	projects;

	TAILQ_INIT(&users);
	TAILQ_CONCAT(&users, &dst->users, entry);
	TAILQ_CONCAT(&dst->users, &src->users, entry);
	TAILQ_CONCAT(&src->users, &users, entry);
	TAILQ_INIT(&projects);
	TAILQ_CONCAT(&projects, &dst->projects, entry);
	TAILQ_CONCAT(&dst->projects, &src->projects, entry);
	TAILQ_CONCAT(&src->projects, &projects, entry);
	dst->limits = src->limits;
	dst->tokens = src->tokens;
	dst->ratelimit = src->ratelimit;
	dst->sessions.per_user = src->sessions.per_user;
	dst->sessions.keep_layers = src->sessions.keep_layers;
}

void
config_free(struct config *conf)
{
	struct listen_addr	*la;
	struct conf_user	*u;
	struct conf_project	*pr;

	if (conf == NULL)
		return;
	while ((la = TAILQ_FIRST(&conf->listens)) != NULL) {
		TAILQ_REMOVE(&conf->listens, la, entry);
		free(la);
	}
	while ((u = TAILQ_FIRST(&conf->users)) != NULL) {
		TAILQ_REMOVE(&conf->users, u, entry);
		free(u);
	}
	while ((pr = TAILQ_FIRST(&conf->projects)) != NULL) {
		TAILQ_REMOVE(&conf->projects, pr, entry);
		project_free(pr);
	}
	free(conf);
}

int
config_set_path(char *dst, const char *name, const char *value, char *err,
    size_t errlen)
{
	char	q[CONF_QUOTEMAX];
	size_t	n = strlen(value);

	if (value[0] != '/') {
		snprintf(err, errlen, "%s: %s is not an absolute path", name,
		    conf_quote(value, q, sizeof(q)));
		return -1;
	}
	if (n >= PATH_MAX) {
		snprintf(err, errlen, "%s: path is too long", name);
		return -1;
	}
	while (n > 1 && value[n - 1] == '/')
		n--;
	memcpy(dst, value, n);
	dst[n] = '\0';
	return 0;
}

int
config_limit_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NLIMITS; i++)
		if (strcmp(limit_defs[i].name, name) == 0)
			return i;
	return -1;
}

int
config_set_limit(struct config *conf, int idx, const char *text, char *err,
    size_t errlen)
{
	const struct limit_def	*d;
	uint64_t		 v;

	if (idx < 0 || (size_t)idx >= NLIMITS) {
		snprintf(err, errlen, "no such limit");
		return -1;
	}
	d = &limit_defs[idx];
	if (value_check(d->name, d->kind, text, d->min, d->max, &v, err,
	    errlen) == -1)
		return -1;
	limit_put(&conf->limits, d, v);
	return 0;
}

const char *
config_key_name(int key, char *buf, size_t len)
{
	if (key < 0 || key >= CONFIG_K_MAX)
		snprintf(buf, len, "setting");
	else
		snprintf(buf, len, "%s %s", block_names[key_defs[key].block],
		    key_defs[key].kw);
	return buf;
}

/* A WebAuthn rp-id: a host name in lower case, as browsers give it. */
static const char *
check_rp_id(const char *s)
{
	const char	*why;

	if ((why = syntax_check_dns_name(s)) != NULL)
		return why;
	if (strpbrk(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != NULL)
		return "has upper case";
	return NULL;
}

/* A numeric IPv4 or IPv6 address, as a listener takes it. */
static const char *
check_ip_addr(const char *s)
{
	uint8_t	a[16];

	if (inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1)
		return NULL;
	return "is not an IPv4 or IPv6 address";
}

static int
key_set_num(const struct key_def *d, const char *name, void *dst,
    const char *text, char *err, size_t errlen)
{
	uint64_t	v;
	uint32_t	v32;

	if (value_check(name, d->arg, text, d->min, d->max, &v, err,
	    errlen) == -1)
		return -1;
	v32 = v;
	if (d->size == sizeof(v))
		memcpy(dst, &v, sizeof(v));
	else
		memcpy(dst, &v32, sizeof(v32));
	return 0;
}

/* Text, a URL or a path, checked, into a field of d->size bytes. */
static int
key_set_str(const struct key_def *d, const char *name, char *dst,
    const char *text, char *err, size_t errlen)
{
	struct syntax_url	 u;
	const char		*why = NULL;
	char			 q[CONF_QUOTEMAX];

	if (d->kind == KEY_PATH) {
		if (config_set_path(dst, name, text, err, errlen) == -1)
			return -1;
		if (d->check != NULL && (why = d->check(dst)) != NULL)
			goto bad;
		return 0;
	}
	if (strlen(text) >= d->size) {
		snprintf(err, errlen, "%s: longer than %zu bytes", name,
		    d->size - 1);
		return -1;
	}
	if (d->kind == KEY_URL || d->kind == KEY_ORIGIN)
		why = syntax_check_url(text, d->arg, &u);
	else if (d->check != NULL)
		why = d->check(text);
	if (why != NULL)
		goto bad;
	memcpy(dst, text, strlen(text) + 1);
	return 0;

 bad:
	snprintf(err, errlen, "%s: %s %s", name, conf_quote(text, q,
	    sizeof(q)), why);
	return -1;
}

static int
key_add_origin(struct config *conf, const struct key_def *d,
    const char *name, const char *text, char *err, size_t errlen)
{
	struct conf_webauthn	*wa = &conf->webauthn;
	char			 q[CONF_QUOTEMAX];
	int			 i;

	for (i = 0; i < wa->norigins; i++)
		if (strcmp(wa->origins[i], text) == 0) {
			snprintf(err, errlen, "%s: %s given twice", name,
			    conf_quote(text, q, sizeof(q)));
			return -1;
		}
	if (wa->norigins >= CONFIG_MAXORIGINS) {
		snprintf(err, errlen, "%s: more than %d origins", name,
		    CONFIG_MAXORIGINS);
		return -1;
	}
	if (key_set_str(d, name, wa->origins[wa->norigins], text, err,
	    errlen) == -1)
		return -1;
	wa->norigins++;
	return 0;
}

static int
key_set_uv(struct config *conf, const char *name, const char *text,
    char *err, size_t errlen)
{
	char	q[CONF_QUOTEMAX];

	if (strcmp(text, "required") == 0)
		conf->webauthn.uv_required = 1;
	else if (strcmp(text, "preferred") == 0)
		conf->webauthn.uv_required = 0;
	else {
		snprintf(err, errlen, "%s: %s is not required or preferred",
		    name, conf_quote(text, q, sizeof(q)));
		return -1;
	}
	return 0;
}

static const char *const backend_names[] = {
	[CONFIG_TUN_AUTO] = "auto",
	[CONFIG_TUN_KERNEL] = "kernel",
	[CONFIG_TUN_USERSPACE] = "userspace",
};

static int
key_set_backend(struct config *conf, const char *name, const char *text,
    char *err, size_t errlen)
{
	char	q[CONF_QUOTEMAX];
	int	i;

	for (i = 0; i <= CONFIG_TUN_USERSPACE; i++)
		if (strcmp(text, backend_names[i]) == 0) {
			conf->tunnel.backend = i;
			return 0;
		}
	snprintf(err, errlen, "%s: %s is not auto, kernel or userspace",
	    name, conf_quote(text, q, sizeof(q)));
	return -1;
}

/*
 * "ADDRESS/PREFIX" into its family, bytes and prefix length; the
 * printed form goes to out.  NULL, or why not.
 */
static const char *
cidr_parse(const char *s, int *af, uint8_t *a, int *plen, char *out,
    size_t outlen)
{
	char		 buf[INET6_ADDRSTRLEN], *end;
	const char	*slash;
	long		 n;

	if ((slash = strchr(s, '/')) == NULL || (size_t)(slash - s) >=
	    sizeof(buf))
		return "is not ADDRESS/PREFIX";
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	*af = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(*af, buf, a) != 1)
		return "is not an IPv4 or IPv6 address with a prefix";
	if (slash[1] < '0' || slash[1] > '9')
		return "has no prefix length";
	n = strtol(slash + 1, &end, 10);
	if (*end != '\0' || end - slash > 4)
		return "is not ADDRESS/PREFIX";
	if (n < (*af == AF_INET ? 8 : 48) ||
	    n > (*af == AF_INET ? 30 : 126))
		return *af == AF_INET ? "needs a prefix of 8..30" :
		    "needs a prefix of 48..126";
	*plen = n;
	inet_ntop(*af, a, buf, sizeof(buf));
	snprintf(out, outlen, "%s/%d", buf, *plen);
	return NULL;
}

/* Non-zero when bits of a past plen are set. */
static int
cidr_host_bits(const uint8_t *a, int af, int plen)
{
	int	i;

	for (i = plen; i < (af == AF_INET ? 32 : 128); i++)
		if (a[i / 8] & (0x80 >> (i % 8)))
			return 1;
	return 0;
}

/* An interface address or a pool, one of each family. */
static int
key_set_cidr(struct config *conf, const struct key_def *d,
    const char *name, const char *text, char *err, size_t errlen)
{
	struct conf_tunnel	*t = &conf->tunnel;
	char			 q[CONF_QUOTEMAX], out[64], *dst;
	const char		*why;
	uint8_t			 a[16];
	int			 af, plen;

	if ((why = cidr_parse(text, &af, a, &plen, out, sizeof(out))) ==
	    NULL && d->arg && cidr_host_bits(a, af, plen))
		why = "has host bits set";
	if (why != NULL) {
		snprintf(err, errlen, "%s: %s %s", name, conf_quote(text, q,
		    sizeof(q)), why);
		return -1;
	}
	if (af == AF_INET)
		dst = d->arg ? t->pool4 : t->addr4;
	else
		dst = d->arg ? t->pool6 : t->addr6;
	if (dst[0] != '\0') {
		snprintf(err, errlen, "%s: given twice for %s", name,
		    af == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	memcpy(dst, out, strlen(out) + 1);
	return 0;
}

int
config_set_key(struct config *conf, struct conf_project *pr, int key,
    const char *text, char *err, size_t errlen)
{
	const struct key_def	*d;
	char			 name[64];
	void			*dst;

	if (key < 0 || key >= CONFIG_K_MAX || (key_defs[key].project &&
	    pr == NULL)) {
		snprintf(err, errlen, "no such setting");
		return -1;
	}
	d = &key_defs[key];
	config_key_name(key, name, sizeof(name));
	dst = key_ptr(conf, pr, d);
	switch (d->kind) {
	case KEY_NUM:
		return key_set_num(d, name, dst, text, err, errlen);
	case KEY_ORIGIN:
		return key_add_origin(conf, d, name, text, err, errlen);
	case KEY_UV:
		return key_set_uv(conf, name, text, err, errlen);
	case KEY_BACKEND:
		return key_set_backend(conf, name, text, err, errlen);
	case KEY_CIDR:
		return key_set_cidr(conf, d, name, text, err, errlen);
	default:
		return key_set_str(d, name, dst, text, err, errlen);
	}
}

/* Each origin's host must be the rp-id or a name under it. */
static int
check_origins(const struct conf_webauthn *wa, char *err, size_t errlen)
{
	struct syntax_url	 u;
	char			 q[CONF_QUOTEMAX], r[CONF_QUOTEMAX];
	size_t			 h, n = strlen(wa->rp_id);
	int			 i;

	for (i = 0; i < wa->norigins; i++) {
		if (syntax_check_url(wa->origins[i], URL_ORIGIN, &u) == NULL) {
			h = strlen(u.host);
			if (strcmp(u.host, wa->rp_id) == 0 || (h > n + 1 &&
			    u.host[h - n - 1] == '.' &&
			    strcmp(u.host + h - n, wa->rp_id) == 0))
				continue;
		}
		snprintf(err, errlen, "webauthn origin %s: host is not rp-id "
		    "%s or a name under it", conf_quote(wa->origins[i], q,
		    sizeof(q)), conf_quote(wa->rp_id, r, sizeof(r)));
		return -1;
	}
	return 0;
}

static int
check_tokens(const struct conf_tokens *t, char *err, size_t errlen)
{
	char	a[32], b[32];

	if (t->idle <= t->lifetime)
		return 0;
	snprintf(err, errlen, "tokens idle: %s is longer than lifetime %s",
	    value_format(t->idle, time_units, a, sizeof(a)),
	    value_format(t->lifetime, time_units, b, sizeof(b)));
	return -1;
}

/* An address and its pool: both or neither, the address inside. */
static int
check_tunnel_family(const char *addr, const char *pool, const char *fam,
    char *err, size_t errlen)
{
	uint8_t	a[16], p[16];
	char	out[64];
	int	af, alen, plen, i;

	if (addr[0] == '\0' && pool[0] == '\0')
		return 0;
	if (addr[0] == '\0' || pool[0] == '\0') {
		snprintf(err, errlen, "tunnel: an %s address needs an %s pool "
		    "and the other way round", fam, fam);
		return -1;
	}
	if (cidr_parse(addr, &af, a, &alen, out, sizeof(out)) != NULL ||
	    cidr_parse(pool, &af, p, &plen, out, sizeof(out)) != NULL)
		return -1;
	for (i = 0; i < plen; i++)
		if ((a[i / 8] ^ p[i / 8]) & (0x80 >> (i % 8)))
			break;
	if (i < plen || alen < plen || !cidr_host_bits(a, af, alen)) {
		snprintf(err, errlen, "tunnel: address %s is not a host in "
		    "pool %s", addr, pool);
		return -1;
	}
	return 0;
}

static int
check_tunnel(const struct conf_tunnel *t, char *err, size_t errlen)
{
	if (t->addr4[0] == '\0' && t->addr6[0] == '\0') {
		snprintf(err, errlen, "tunnel: address is required");
		return -1;
	}
	if (t->fb_addr[0] != '\0' && (t->fb_cert[0] == '\0' ||
	    t->ca_cert[0] == '\0')) {
		snprintf(err, errlen, "tunnel: fallback listen needs fallback "
		    "certificate and device-ca");
		return -1;
	}
	if (check_tunnel_family(t->addr4, t->pool4, "IPv4", err, errlen) ==
	    -1)
		return -1;
	return check_tunnel_family(t->addr6, t->pool6, "IPv6", err, errlen);
}

/* The settings that blk needs and lacks, all named in one message. */
static int
check_required(const struct config *conf, const struct conf_project *pr,
    int blk, char *err, size_t errlen)
{
	const struct key_def	*d;
	char			 q[CONF_QUOTEMAX], list[256] = "";
	int			 k, n = 0;

	for (k = 0; k < CONFIG_K_MAX; k++) {
		d = &key_defs[k];
		if (d->block != blk || !(d->flags & KEY_REQ) ||
		    key_is_set(key_ptr(conf, pr, d), d))
			continue;
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s%s", n++ > 0 ? ", " : "", d->kw);
	}
	if (n == 0)
		return 0;
	if (blk == CONFIG_B_PROJECT)
		snprintf(err, errlen, "project %s: %s %s required",
		    conf_quote(pr->name, q, sizeof(q)), list, n > 1 ? "are" :
		    "is");
	else
		snprintf(err, errlen, "%s: %s %s required", block_names[blk],
		    list, n > 1 ? "are" : "is");
	return -1;
}

int
config_check_block(const struct config *conf, const struct conf_project *pr,
    int blk, char *err, size_t errlen)
{
	if (blk < 0 || blk >= CONFIG_B_MAX || (blk == CONFIG_B_PROJECT &&
	    pr == NULL)) {
		snprintf(err, errlen, "no such block");
		return -1;
	}
	if (check_required(conf, pr, blk, err, errlen) == -1)
		return -1;
	if (blk == CONFIG_B_TOKENS)
		return check_tokens(&conf->tokens, err, errlen);
	if (blk == CONFIG_B_WEBAUTHN)
		return check_origins(&conf->webauthn, err, errlen);
	if (blk == CONFIG_B_TUNNEL)
		return check_tunnel(&conf->tunnel, err, errlen);
	return 0;
}

const struct conf_user *
config_find_user(const struct config *conf, const char *name)
{
	const struct conf_user	*u;

	TAILQ_FOREACH(u, &conf->users, entry)
		if (strcmp(u->name, name) == 0)
			return u;
	return NULL;
}

const struct conf_project *
config_find_project(const struct config *conf, const char *name)
{
	const struct conf_project	*pr;

	TAILQ_FOREACH(pr, &conf->projects, entry)
		if (strcmp(pr->name, name) == 0)
			return pr;
	return NULL;
}

const char *
config_role_name(int role)
{
	switch (role) {
	case ROLE_OWNER:
		return "owner";
	case ROLE_MAINTAINER:
		return "maintainer";
	case ROLE_VIEWER:
		return "viewer";
	default:
		return "none";
	}
}

int
config_add_user(struct config *conf, const char *name, const char *account,
    char *err, size_t errlen)
{
	struct conf_user	*u;
	const char		*why;
	char			 q[CONF_QUOTEMAX], a[CONF_QUOTEMAX];

	conf_quote(name, q, sizeof(q));
	conf_quote(account, a, sizeof(a));
	if (strlen(name) >= sizeof(u->name))
		snprintf(err, errlen, "user: longer than %zu bytes",
		    sizeof(u->name) - 1);
	else if ((why = syntax_check_visible(name)) != NULL)
		snprintf(err, errlen, "user: %s %s", q, why);
	else if ((why = syntax_check_account(account)) != NULL)
		snprintf(err, errlen, "user %s: account %s %s", q, a, why);
	else if (config_find_user(conf, name) != NULL)
		snprintf(err, errlen, "user %s: declared twice", q);
	else if ((u = calloc(1, sizeof(*u))) == NULL)
		snprintf(err, errlen, "user: out of memory");
	else {
		memcpy(u->name, name, strlen(name) + 1);
		memcpy(u->account, account, strlen(account) + 1);
		TAILQ_INSERT_TAIL(&conf->users, u, entry);
		return 0;
	}
	return -1;
}

struct conf_project *
config_add_project(struct config *conf, const char *name, char *err,
    size_t errlen)
{
	struct conf_project	*pr;
	const char		*why;
	char			 q[CONF_QUOTEMAX];

	err[0] = '\0';
	conf_quote(name, q, sizeof(q));
	if (strlen(name) >= sizeof(pr->name))
		snprintf(err, errlen, "project: longer than %zu bytes",
		    sizeof(pr->name) - 1);
	else if ((why = syntax_check_name(name)) != NULL)
		snprintf(err, errlen, "project: %s %s", q, why);
	else if (config_find_project(conf, name) != NULL)
		snprintf(err, errlen, "project %s: declared twice", q);
	if ((pr = calloc(1, sizeof(*pr))) == NULL) {
		snprintf(err, errlen, "project: out of memory");
		return NULL;
	}
	TAILQ_INIT(&pr->members);
	snprintf(pr->name, sizeof(pr->name), "%s", name);
	if (key_defaults(conf, pr) == -1) {
		snprintf(err, errlen, "project: bad default");
		project_free(pr);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&conf->projects, pr, entry);
	return pr;
}

/*
 * The projects user is a member of.  The auth daemon's answers name at
 * most AUTH_MAXPROJECTS projects of a user, so no user may have more.
 */
static int
member_count(const struct config *conf, const char *user)
{
	const struct conf_project	*pr;
	const struct conf_member	*m;
	int				 n = 0;

	TAILQ_FOREACH(pr, &conf->projects, entry)
		TAILQ_FOREACH(m, &pr->members, entry)
			if (strcmp(m->user, user) == 0)
				n++;
	return n;
}

int
config_add_member(struct config *conf, struct conf_project *pr,
    const char *user, int role, char *err, size_t errlen)
{
	struct conf_member	*m;
	const char		*rn = config_role_name(role);
	char			 q[CONF_QUOTEMAX], p[CONF_QUOTEMAX];

	conf_quote(user, q, sizeof(q));
	conf_quote(pr->name, p, sizeof(p));
	if (role < ROLE_VIEWER || role > ROLE_OWNER) {
		snprintf(err, errlen, "%s %s: no such role", rn, q);
		return -1;
	}
	if (config_find_user(conf, user) == NULL) {
		snprintf(err, errlen, "%s %s: no such user (declare it with "
		    "\"user\" first)", rn, q);
		return -1;
	}
	TAILQ_FOREACH(m, &pr->members, entry)
		if (strcmp(m->user, user) == 0) {
			snprintf(err, errlen, "%s %s: already %s of project %s",
			    rn, q, config_role_name(m->role), p);
			return -1;
		}
	if (member_count(conf, user) >= AUTH_MAXPROJECTS) {
		snprintf(err, errlen, "%s %s: already in %d projects, the "
		    "most for one user", rn, q, AUTH_MAXPROJECTS);
		return -1;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", rn);
		return -1;
	}
	memcpy(m->user, user, strlen(user) + 1);
	m->role = role;
	TAILQ_INSERT_TAIL(&pr->members, m, entry);
	return 0;
}

/* An IPv4 or IPv6 literal with a port, or -1. */
static int
listen_sockaddr(struct listen_addr *la, const char *addr, uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&la->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&la->ss;
	const void		*a;

	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		la->sslen = sizeof(*sin);
		a = &sin->sin_addr;
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		la->sslen = sizeof(*sin6);
		a = &sin6->sin6_addr;
	} else
		return -1;
	if (inet_ntop(la->ss.ss_family, a, la->addr, sizeof(la->addr)) ==
	    NULL)
		return -1;
	la->port = port;
	return 0;
}

static int
listen_any(const struct listen_addr *la)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	if (la->ss.ss_family == AF_INET) {
		sin = (const struct sockaddr_in *)&la->ss;
		return sin->sin_addr.s_addr == htonl(INADDR_ANY);
	}
	sin6 = (const struct sockaddr_in6 *)&la->ss;
	return IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
}

/* Two listeners that could not both be bound. */
static int
listen_clash(const struct listen_addr *a, const struct listen_addr *b)
{
	if (a->ss.ss_family != b->ss.ss_family || a->port != b->port)
		return 0;
	return strcmp(a->addr, b->addr) == 0 || listen_any(a) ||
	    listen_any(b);
}

int
config_add_listen(struct config *conf, const char *addr, const char *port,
    int opts, char *err, size_t errlen)
{
	struct listen_addr	*la, *o;
	char			 q[CONF_QUOTEMAX];
	uint64_t		 p;

	if (value_check("port", LIMIT_COUNT, port, 1, 65535, &p, err,
	    errlen) == -1)
		return -1;
	if ((la = calloc(1, sizeof(*la))) == NULL) {
		snprintf(err, errlen, "listen: out of memory");
		return -1;
	}
	la->fd = -1;
	la->tls = (opts & CONFIG_L_TLS) != 0;
	la->tunnel = (opts & CONFIG_L_TUNNEL) != 0;
	la->public = (opts & CONFIG_L_PUBLIC) != 0;
	if (la->tunnel && la->public) {
		snprintf(err, errlen, "listen: public and tunnel are two "
		    "doors; choose one");
		goto fail;
	}
	if (listen_sockaddr(la, addr, p) == -1) {
		snprintf(err, errlen, "listen: %s is not an IPv4 or IPv6 "
		    "address", conf_quote(addr, q, sizeof(q)));
		goto fail;
	}
	TAILQ_FOREACH(o, &conf->listens, entry)
		if (listen_clash(la, o)) {
			if (strcmp(la->addr, o->addr) == 0)
				snprintf(err, errlen, "listen on %s port %u: "
				    "given twice", la->addr, la->port);
			else
				snprintf(err, errlen, "listen on %s port %u: "
				    "clashes with listen on %s port %u",
				    la->addr, la->port, o->addr, o->port);
			goto fail;
		}
	if (conf->nlistens >= CONFIG_MAXLISTEN) {
		snprintf(err, errlen, "listen: more than %d addresses",
		    CONFIG_MAXLISTEN);
		goto fail;
	}
	TAILQ_INSERT_TAIL(&conf->listens, la, entry);
	conf->nlistens++;
	return 0;

 fail:
	free(la);
	return -1;
}

static int
key_default(char *dst, const char *dir, const char *file, char *err,
    size_t errlen)
{
	int	n;

	if (dst[0] != '\0')
		return 0;
	n = snprintf(dst, PATH_MAX, "%s/keys/%s", strcmp(dir, "/") == 0 ?
	    "" : dir, file);
	/* must read back as one string */
	if (n < 0 || n > CONF_TOKMAX) {
		snprintf(err, errlen, "state-dir: too long to hold the "
		    "default %s", file);
		return -1;
	}
	return 0;
}

/* Without an origin, the rp-id over https on its default port. */
static int
origin_default(struct conf_webauthn *wa, char *err, size_t errlen)
{
	int	n;

	if (wa->norigins > 0)
		return 0;
	n = snprintf(wa->origins[0], sizeof(wa->origins[0]), "https://%s",
	    wa->rp_id);
	if (n < 0 || (size_t)n >= sizeof(wa->origins[0])) {
		snprintf(err, errlen, "webauthn: rp-id is too long for the "
		    "default origin; give an origin");
		return -1;
	}
	wa->norigins = 1;
	return 0;
}

int
config_fill(struct config *conf, char *err, size_t errlen)
{
	if (key_default(conf->token_key, conf->state_dir, "token.key", err,
	    errlen) == -1 || key_default(conf->audit_key, conf->state_dir,
	    "audit.key", err, errlen) == -1)
		return -1;
	if (proto_check_limits(&conf->limits) == -1) {
		snprintf(err, errlen, "limits: out of range");
		return -1;
	}
	return origin_default(&conf->webauthn, err, errlen);
}

/* A string the lexer reads back as it was. */
static void
print_str(FILE *fp, const char *s)
{
	putc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putc('\\', fp);
		putc(*s, fp);
	}
	putc('"', fp);
}

static void
print_setting(FILE *fp, const char *name, const char *value)
{
	fprintf(fp, "%s ", name);
	print_str(fp, value);
	putc('\n', fp);
}

static void
print_limits(FILE *fp, const struct p_limits *l)
{
	const struct limit_def	*d;
	char			 buf[32];
	size_t			 i;

	fprintf(fp, "limits {\n");
	for (i = 0; i < NLIMITS; i++) {
		d = &limit_defs[i];
		fprintf(fp, "\t%s %s\n", d->name, value_format(limit_get(l,
		    d), kind_units(d->kind), buf, sizeof(buf)));
	}
	fprintf(fp, "}\n");
}

static void
print_indent(FILE *fp, int depth)
{
	while (depth-- > 0)
		putc('\t', fp);
}

static void
print_key(FILE *fp, const void *p, const struct key_def *d, int depth)
{
	char	buf[32];

	print_indent(fp, depth);
	fprintf(fp, "%s ", d->kw);
	if (d->kind == KEY_NUM)
		fputs(value_format(key_get(p, d), kind_units(d->arg), buf,
		    sizeof(buf)), fp);
	else
		print_str(fp, p);
	putc('\n', fp);
}

/* A block's own lines that come before its plain settings. */
static void
print_block_head(FILE *fp, const struct config *conf, int blk, int depth)
{
	const struct conf_ratelimit	*rl = &conf->ratelimit;
	char				 buf[32];

	if (blk == CONFIG_B_AUDIT) {
		print_indent(fp, depth);
		fprintf(fp, "checkpoint rows %u interval %s\n",
		    conf->audit.checkpoint_rows, value_format(
		    conf->audit.checkpoint_interval, time_units, buf,
		    sizeof(buf)));
	}
	if (blk != CONFIG_B_RATELIMIT)
		return;
	print_indent(fp, depth);
	fprintf(fp, "address %u/s burst %u\n", rl->addr_rate,
	    rl->addr_burst);
	print_indent(fp, depth);
	fprintf(fp, "user %u/s burst %u\n", rl->user_rate, rl->user_burst);
}

static void
print_members(FILE *fp, const struct conf_project *pr, int depth)
{
	const struct conf_member	*m;
	int				 role;

	for (role = ROLE_OWNER; role >= ROLE_VIEWER; role--)
		TAILQ_FOREACH(m, &pr->members, entry) {
			if (m->role != role)
				continue;
			print_indent(fp, depth);
			fprintf(fp, "%s ", config_role_name(role));
			print_str(fp, m->user);
			putc('\n', fp);
		}
}

/* The fallback listener and the two certificate pairs, when given. */
static void
print_tunnel_fallback(FILE *fp, const struct conf_tunnel *t, int depth)
{
	if (t->fb_addr[0] != '\0') {
		print_indent(fp, depth);
		fprintf(fp, "fallback listen on %s port %u\n", t->fb_addr,
		    t->fb_port);
	}
	if (t->fb_cert[0] != '\0') {
		print_indent(fp, depth);
		fputs("fallback certificate ", fp);
		print_str(fp, t->fb_cert);
		fputs(" key ", fp);
		print_str(fp, t->fb_key);
		fputc('\n', fp);
	}
	if (t->ca_cert[0] != '\0') {
		print_indent(fp, depth);
		fputs("device-ca certificate ", fp);
		print_str(fp, t->ca_cert);
		fputs(" key ", fp);
		print_str(fp, t->ca_key);
		fputc('\n', fp);
	}
}

static void
print_tunnel(FILE *fp, const struct conf_tunnel *t, int depth)
{
	const char *const	lines[4][2] = {
		{ "address", t->addr4 }, { "address", t->addr6 },
		{ "pool", t->pool4 }, { "pool", t->pool6 }
	};
	int			i;

	print_indent(fp, depth);
	fprintf(fp, "backend %s\n", backend_names[t->backend]);
	for (i = 0; i < 4; i++) {
		if (lines[i][1][0] == '\0')
			continue;
		print_indent(fp, depth);
		fprintf(fp, "%s %s\n", lines[i][0], lines[i][1]);
	}
	print_tunnel_fallback(fp, t, depth);
}

/* A block's own lines that come after its plain settings. */
static void
print_block_tail(FILE *fp, const struct config *conf,
    const struct conf_project *pr, int blk, int depth)
{
	const struct conf_webauthn	*wa = &conf->webauthn;
	int				 i;

	if (blk == CONFIG_B_WEBAUTHN) {
		for (i = 0; i < wa->norigins; i++) {
			print_indent(fp, depth);
			fprintf(fp, "origin ");
			print_str(fp, wa->origins[i]);
			putc('\n', fp);
		}
		print_indent(fp, depth);
		fprintf(fp, "user-verification %s\n", wa->uv_required ?
		    "required" : "preferred");
	}
	if (blk == CONFIG_B_PROJECT)
		print_members(fp, pr, depth);
	if (blk == CONFIG_B_TUNNEL)
		print_tunnel(fp, &conf->tunnel, depth);
}

static void
print_block(FILE *fp, const struct config *conf,
    const struct conf_project *pr, int blk, int depth)
{
	const struct key_def	*d;
	const void		*p;
	int			 k;

	print_indent(fp, depth);
	fprintf(fp, "%s ", block_names[blk]);
	if (blk == CONFIG_B_PROJECT) {
		print_str(fp, pr->name);
		putc(' ', fp);
	}
	fprintf(fp, "{\n");
	print_block_head(fp, conf, blk, depth + 1);
	for (k = 0; k < CONFIG_K_MAX; k++) {
		d = &key_defs[k];
		if (d->block != blk || (d->flags & KEY_OWN))
			continue;
		p = key_ptr(conf, pr, d);
		if (!(d->flags & KEY_OPT) || key_is_set(p, d))
			print_key(fp, p, d, depth + 1);
	}
	print_block_tail(fp, conf, pr, blk, depth + 1);
	if (blk == CONFIG_B_AUDIT && conf->audit.s3_set)
		print_block(fp, conf, NULL, CONFIG_B_S3, depth + 1);
	print_indent(fp, depth);
	fprintf(fp, "}\n");
}

/* The blocks, then users before the projects that name them. */
static void
print_blocks(FILE *fp, const struct config *conf)
{
	const struct conf_user		*u;
	const struct conf_project	*pr;
	int				 blk;

	for (blk = CONFIG_B_OIDC; blk <= CONFIG_B_AUDIT; blk++)
		if (blk != CONFIG_B_OIDC || conf->oidc.set)
			print_block(fp, conf, NULL, blk, 0);
	if (conf->tunnel.set)
		print_block(fp, conf, NULL, CONFIG_B_TUNNEL, 0);
	TAILQ_FOREACH(u, &conf->users, entry) {
		fprintf(fp, "user ");
		print_str(fp, u->name);
		fprintf(fp, " account ");
		print_str(fp, u->account);
		putc('\n', fp);
	}
	TAILQ_FOREACH(pr, &conf->projects, entry)
		print_block(fp, conf, pr, CONFIG_B_PROJECT, 0);
}

/* What stands before the limits: paths, listeners, keys, sandbox. */
static void
print_head(FILE *fp, const struct config *conf)
{
	const struct listen_addr	*la;

	print_setting(fp, "state-dir", conf->state_dir);
	print_setting(fp, "control-socket", conf->control_socket);
	TAILQ_FOREACH(la, &conf->listens, entry)
		fprintf(fp, "listen on %s port %u%s%s%s\n", la->addr,
		    la->port, la->tls ? " tls" : "", la->tunnel ? " tunnel" :
		    "", la->public ? " public" : "");
	if (conf->tls_cert[0] != '\0') {
		fprintf(fp, "tls certificate ");
		print_str(fp, conf->tls_cert);
		fprintf(fp, " key ");
		print_str(fp, conf->tls_key);
		putc('\n', fp);
	}
	print_setting(fp, "token-key", conf->token_key);
	print_setting(fp, "audit-key", conf->audit_key);
	fprintf(fp, "sandbox %s\n", conf->seccomp_debug ? "debug" :
	    "enforce");
}

void
config_print(FILE *fp, const struct config *conf)
{
	print_head(fp, conf);
	print_limits(fp, &conf->limits);
	print_blocks(fp, conf);
}

/* The printed text of one part (a block, or CONFIG_B_MAX: the head). */
static char *
part_text(const struct config *conf, int part)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 len = 0;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	if (part == CONFIG_B_MAX)
		print_head(fp, conf);
	else if ((part != CONFIG_B_OIDC || conf->oidc.set) &&
	    (part != CONFIG_B_TUNNEL || conf->tunnel.set))
		print_block(fp, conf, NULL, part, 0);
	if (fclose(fp) == EOF) {
		free(buf);
		return NULL;
	}
	return buf;
}

int
config_pending(const struct config *a, const struct config *b, char *buf,
    size_t len)
{
	const char	*name;
	char		*ta, *tb;
	size_t		 off = 0;
	int		 part, n = 0, same;

	buf[0] = '\0';
	for (part = CONFIG_B_OIDC; part <= CONFIG_B_MAX; part++) {
		if (part == CONFIG_B_S3 || part == CONFIG_B_PROJECT)
			continue;
		ta = part_text(a, part);
		tb = part_text(b, part);
		same = ta != NULL && tb != NULL && strcmp(ta, tb) == 0;
		free(ta);
		free(tb);
		if (same)
			continue;
		name = part == CONFIG_B_MAX ? "top-level settings" :
		    block_names[part];
		if (off < len)
			off += snprintf(buf + off, len - off, "%s%s",
			    n > 0 ? ", " : "", name);
		n++;
	}
	return n;
}
