/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The parent's configuration: what the file says, after defaults. */

#ifndef PCCX_CONFIG_H
#define PCCX_CONFIG_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/proto.h"

#define CONFIG_STATE_DIR	"/var/lib/pccx-remote"
#define CONFIG_CONTROL_SOCKET	"/run/pccx-remote.sock"
#define CONFIG_MAXLISTEN	PROTO_MAXLISTEN

struct listen_addr {
	TAILQ_ENTRY(listen_addr) entry;
	struct sockaddr_storage	 ss;		/* address and port */
	socklen_t		 sslen;
	char			 addr[INET6_ADDRSTRLEN]; /* printed form */
	uint16_t		 port;
	int			 tls;
	int			 tunnel;
	int			 fd;		/* -1 until the parent binds */
};


/* Roles in a project, weakest first: each can do all the one below can. */
#define ROLE_NONE		0
#define ROLE_VIEWER		1
#define ROLE_MAINTAINER		2
#define ROLE_OWNER		3

/* A person the suite knows: the OIDC claim value and the Unix account. */
struct conf_user {
	TAILQ_ENTRY(conf_user)	 entry;
	char			 name[PROTO_NAMEMAX];	/* e.g. an email */
	char			 account[PROTO_NAMEMAX];	/* for sessions */
};

struct conf_member {
	TAILQ_ENTRY(conf_member) entry;
	char			 user[PROTO_NAMEMAX];
	int			 role;			/* ROLE_* */
};

/* A project tree and who may do what in it. */
struct conf_project {
	TAILQ_ENTRY(conf_project) entry;
	char			 name[PROTO_NAMEMAX];
	char			 path[PATH_MAX];
	TAILQ_HEAD(, conf_member) members;
	uint64_t		 memory;	/* bytes; 0: no limit */
	uint32_t		 cpu;		/* percent of one CPU; 0: none */
	uint32_t		 pids;		/* 0: no limit */
	uint32_t		 idle_timeout;	/* seconds */
};

/* The OpenID provider the suite trusts, as a relying party. */
struct conf_oidc {
	int			 set;
	char			 issuer[512];
	char			 client_id[256];
	char			 client_secret_file[PATH_MAX];	/* secret */
	char			 ca_file[PATH_MAX];	/* "": system CAs */
	char			 redirect_uri[512];
	char			 claim[64];		/* default "email" */
	char			 scopes[256];	/* default "openid email" */
};

#define CONFIG_MAXORIGINS	8

struct conf_webauthn {
	char			 rp_id[256];		/* default "localhost" */
	char			 origins[CONFIG_MAXORIGINS][256];
	int			 norigins;		/* exact matches */
	int			 uv_required;		/* default 1 */
};

struct conf_tokens {
	uint32_t		 lifetime;	/* hard expiry, default 12h */
	uint32_t		 idle;		/* sliding expiry, default 30m */
	uint32_t		 skew;		/* clock skew allowed, 60s */
};

struct conf_ratelimit {
	uint32_t		 addr_rate;	/* requests per second */
	uint32_t		 addr_burst;
	uint32_t		 user_rate;
	uint32_t		 user_burst;
};

struct conf_audit {
	uint32_t		 checkpoint_rows;	/* default 256 */
	uint32_t		 checkpoint_interval;	/* default 10s */
	char			 host[64];	/* in object keys; hostname */
	char			 recipient[128];	/* age1...; "": plain */
	int			 s3_set;
	char			 s3_endpoint[512];
	char			 s3_bucket[64];
	char			 s3_prefix[256];
	char			 s3_region[64];		/* default us-east-1 */
	char			 s3_access_key[128];
	char			 s3_secret_file[PATH_MAX];	/* secret */
	char			 s3_ca_file[PATH_MAX];
};

struct conf_sessions {
	uint32_t		 per_user;	/* default 4 */
	char			 root[PATH_MAX];	/* default "/" */
};

struct config {
	char			 state_dir[PATH_MAX];
	char			 control_socket[PATH_MAX];
	TAILQ_HEAD(, listen_addr) listens;	/* at least one */
	int			 nlistens;
	struct p_limits		 limits;
	char			 token_key[PATH_MAX];
	char			 audit_key[PATH_MAX];
	char			 tls_cert[PATH_MAX];	/* "" when unset */
	char			 tls_key[PATH_MAX];
	int			 seccomp_debug;		/* "sandbox debug" */
	TAILQ_HEAD(, conf_user)	 users;
	TAILQ_HEAD(, conf_project) projects;
	struct conf_oidc	 oidc;
	struct conf_webauthn	 webauthn;
	struct conf_tokens	 tokens;
	struct conf_ratelimit	 ratelimit;
	struct conf_audit	 audit;
	struct conf_sessions	 sessions;
};

/*
 * config_parse: parse the file at path or, when path is NULL, the
 * embedded default.  defs is a NULL-terminated array (or NULL) of
 * "name=value" macros from -D, which win over definitions in the
 * file.  Each error is logged with log_warnx as "file:line: message";
 * with any error the result is NULL.  Not reentrant (yacc).
 */
struct config	*config_parse(const char *, char *const *);
/*
 * config_parse_buf: the same for len bytes at buf, called name in
 * messages.  "include" is refused: a buffer has no directory, and a
 * fuzzer must not read files.
 */
struct config	*config_parse_buf(const char *, const char *, size_t,
		    char *const *);
/* config_free: free conf and its listeners; NULL is fine. */
void		 config_free(struct config *);
/*
 * config_print: the normalised form: every setting, defaults
 * included, in a fixed order, sizes and durations in the largest
 * exact unit.  Parsing it gives the same configuration, so printing
 * that again gives the same text.
 */
void		 config_print(FILE *, const struct config *);
/* config_same_listeners: non-zero when a and b listen on the same. */
int		 config_same_listeners(const struct config *,
		    const struct config *);

/* The embedded etc/pccx-remote.conf (built by remoted/embed.sh). */
extern const char config_default_text[];

/*
 * Helpers for parse.y.  Each returns 0, or -1 with a message that
 * names the setting in err, which the grammar prefixes with
 * "file:line: ".
 */
struct config	*config_new(void);
/* config_set_path: an absolute path into dst (PATH_MAX bytes). */
int		 config_set_path(char *, const char *, const char *, char *,
		    size_t);
/* config_add_listen: "listen on addr port port", opts CONFIG_L_*. */
#define CONFIG_L_TLS	0x01
#define CONFIG_L_TUNNEL	0x02
int		 config_add_listen(struct config *, const char *, const char *,
		    int, char *, size_t);
/* config_limit_find: the index of a limit by name, or -1. */
int		 config_limit_find(const char *);
/* config_set_limit: set limit idx from its text. */
int		 config_set_limit(struct config *, int, const char *, char *,
		    size_t);
/* config_fill: derive what the file did not set and check it. */
int		 config_fill(struct config *, char *, size_t);

#endif
