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
#include "config.h"

enum limit_kind {
	LIMIT_SIZE,		/* bytes, K/M/G/T */
	LIMIT_COUNT,		/* plain number */
	LIMIT_TIME		/* seconds, s/m/h */
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
	int		 suffix;	/* 0: none */
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
};
#define NLIMITS	(sizeof(limit_defs) / sizeof(limit_defs[0]))

/* Largest first; the printer takes the first that divides exactly. */
static const struct unit size_units[] = {
	{ 'T', TB }, { 'G', GB }, { 'M', MB }, { 'K', KB }, { 0, 1 }
};
static const struct unit time_units[] = {
	{ 'h', 3600 }, { 'm', 60 }, { 's', 1 }, { 0, 1 }
};
static const struct unit count_units[] = {
	{ 0, 1 }
};

static const struct unit *
kind_units(int kind)
{
	switch (kind) {
	case LIMIT_SIZE:
		return size_units;
	case LIMIT_TIME:
		return time_units;
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
	default:
		return "number";
	}
}

/*
 * Digits and at most one unit suffix.  0, or -1 for bad syntax, or -2
 * when the value does not fit in 64 bits.
 */
static int
value_parse(const char *s, const struct unit *u, uint64_t *v)
{
	uint64_t	n = 0, mult = 1;
	size_t		i;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (UINT64_MAX - (*s - '0')) / 10)
			return -2;
		n = n * 10 + (*s - '0');
	}
	if (*s != '\0') {
		for (i = 0; u[i].suffix != 0; i++)
			if (s[0] == u[i].suffix && s[1] == '\0')
				break;
		if (u[i].suffix == 0)
			return -1;
		mult = u[i].mult;
	}
	if (n > UINT64_MAX / mult)
		return -2;
	*v = n * mult;
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
	if (u[i].suffix != 0)
		snprintf(buf, len, "%" PRIu64 "%c", v / u[i].mult,
		    u[i].suffix);
	else
		snprintf(buf, len, "%" PRIu64, v / u[i].mult);
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
	return conf;
}

void
config_free(struct config *conf)
{
	struct listen_addr	*la;

	if (conf == NULL)
		return;
	while ((la = TAILQ_FIRST(&conf->listens)) != NULL) {
		TAILQ_REMOVE(&conf->listens, la, entry);
		free(la);
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
	if (n < 0 || n > CONF_TOKMAX) {	/* must read back as one string */
		snprintf(err, errlen, "state-dir: too long to hold the "
		    "default %s", file);
		return -1;
	}
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
	return 0;
}

int
config_same_listeners(const struct config *a, const struct config *b)
{
	const struct listen_addr	*x, *y;

	y = TAILQ_FIRST(&b->listens);
	TAILQ_FOREACH(x, &a->listens, entry) {
		if (y == NULL || x->port != y->port || x->tls != y->tls ||
		    x->tunnel != y->tunnel || strcmp(x->addr, y->addr) != 0)
			return 0;
		y = TAILQ_NEXT(y, entry);
	}
	return y == NULL;
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

void
config_print(FILE *fp, const struct config *conf)
{
	const struct listen_addr	*la;

	print_setting(fp, "state-dir", conf->state_dir);
	print_setting(fp, "control-socket", conf->control_socket);
	TAILQ_FOREACH(la, &conf->listens, entry)
		fprintf(fp, "listen on %s port %u%s%s\n", la->addr, la->port,
		    la->tls ? " tls" : "", la->tunnel ? " tunnel" : "");
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
	print_limits(fp, &conf->limits);
}
