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

#include "common/util.h"
#include "proto/proto.h"

#define CONFIG_STATE_DIR	PCCX_STATE_DIR
#define CONFIG_CONTROL_SOCKET	"/run/pccx-remote.sock"
#define CONFIG_MAXLISTEN	PROTO_MAXLISTEN

struct listen_addr {
	TAILQ_ENTRY(listen_addr) entry;
	/* address and port */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 addr[INET6_ADDRSTRLEN]; /* printed form */
	uint16_t		 port;
	int			 tls;
	int			 tunnel;
	int			 public;
	/* -1 until the parent binds */
	int			 fd;
};


/* Roles in a project, weakest first: each can do all the one below can. */
#define ROLE_NONE		0
#define ROLE_VIEWER		1
#define ROLE_MAINTAINER		2
#define ROLE_OWNER		3

/* A person the suite knows: the OIDC claim value and the Unix account. */
struct conf_user {
	TAILQ_ENTRY(conf_user)	 entry;
	/* e.g. an email */
	char			 name[PROTO_NAMEMAX];
	char			 account[PROTO_NAMEMAX]; /* for sessions */
};

/* One user's role in a project; a user has at most one per project. */
struct conf_member {
	TAILQ_ENTRY(conf_member) entry;
	/* a conf_user name */
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
	uint32_t		 cpu;		/* % of one CPU; 0: none */
	uint32_t		 pids;		/* 0: no limit */
	uint32_t		 idle_timeout;	/* seconds, default 30m */
};

/* The OpenID provider the suite trusts, as a relying party. */
struct conf_oidc {
	/* the block was given */
	int			 set;
	char			 issuer[512];
	char			 client_id[256];
	/* secret */
	char			 client_secret_file[PATH_MAX];
	/* "": system CAs */
	char			 ca_file[PATH_MAX];
	char			 redirect_uri[512];
	/* default "email" */
	char			 claim[64];
	/* default "openid email" */
	char			 scopes[256];
};

#define CONFIG_MAXORIGINS	8

struct conf_webauthn {
	/* default "localhost" */
	char			 rp_id[256];
	char			 origins[CONFIG_MAXORIGINS][256];
	/* exact matches; at least 1 */
	int			 norigins;
	int			 uv_required;		/* default 1 */
};

struct conf_tokens {
	uint32_t		 lifetime;	/* hard expiry, default 12h */
	uint32_t		 idle;		/* sliding expiry, 30m */
	/* clock skew allowed, 60s */
	uint32_t		 skew;
};

struct conf_ratelimit {
	uint32_t		 addr_rate;	/* requests per second, 20 */
	uint32_t		 addr_burst;	/* default 40 */
	uint32_t		 user_rate;	/* default 50 */
	uint32_t		 user_burst;	/* default 100 */
};

struct conf_audit {
	uint32_t		 checkpoint_rows;	/* default 256 */
	uint32_t		 checkpoint_interval;	/* default 10s */
	char			 host[64];	/* in keys; "localhost" */
	/* age1...; "": plain */
	char			 recipient[128];
	int			 s3_set;	/* the s3 block was given */
	char			 s3_endpoint[512];
	char			 s3_bucket[64];
	char			 s3_prefix[256];	/* default "pccx" */
	/* default us-east-1 */
	char			 s3_region[64];
	char			 s3_access_key[128];
	/* secret */
	char			 s3_secret_file[PATH_MAX];
	/* "": system CAs */
	char			 s3_ca_file[PATH_MAX];
};

struct conf_sessions {
	uint32_t		 per_user;	/* default 4 */
	char			 root[PATH_MAX];	/* default "/" */
	uint32_t		 keep_layers;	/* seconds, default 30d */
};

/* The WireGuard interface; given only with a tunnel block. */
#define CONFIG_TUN_AUTO		0
#define CONFIG_TUN_KERNEL	1
#define CONFIG_TUN_USERSPACE	2

struct conf_tunnel {
	/* the block was given */
	int			 set;
	char			 ifname[16];	/* default "pccx0" */
	int			 backend;	/* CONFIG_TUN_*, auto */
	char			 addr4[64];	/* "A/P", "": none */
	char			 addr6[64];
	/* the network, "": none */
	char			 pool4[64];
	char			 pool6[64];
	uint32_t		 port;		/* default 51820 */
	uint32_t		 keepalive;	/* default 25s */
	uint32_t		 idle_timeout;	/* default 30m */
	/* secret */
	char			 private_key_file[PATH_MAX];
	/* the TLS fallback: "" and 0 when not given */
	char			 fb_addr[64];
	uint32_t		 fb_port;
	char			 fb_cert[PATH_MAX];
	char			 fb_key[PATH_MAX];	/* secret */
	/* the device CA: the auth daemon signs, the tunnel checks */
	char			 ca_cert[PATH_MAX];
	char			 ca_key[PATH_MAX];	/* secret */
};

struct config {
	char			 state_dir[PATH_MAX];
	char			 control_socket[PATH_MAX];
	TAILQ_HEAD(, listen_addr) listens;	/* at least one */
	int			 nlistens;
	struct p_limits		 limits;
	char			 token_key[PATH_MAX];
	char			 audit_key[PATH_MAX];
	/* "" when unset */
	char			 tls_cert[PATH_MAX];
	char			 tls_key[PATH_MAX];
	/* "sandbox debug" */
	int			 seccomp_debug;
	TAILQ_HEAD(, conf_user)	 users;
	TAILQ_HEAD(, conf_project) projects;
	struct conf_oidc	 oidc;
	struct conf_webauthn	 webauthn;
	struct conf_tokens	 tokens;
	struct conf_ratelimit	 ratelimit;
	struct conf_audit	 audit;
	struct conf_sessions	 sessions;
	struct conf_tunnel	 tunnel;
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
/*
 * config_adopt: take from src what a reload changes (the limits, users,
 * projects, token lifetimes, rate limits, the per-user session cap and
 * how long kept layers stay);
 * src keeps dst's old users and projects, to be freed with it.
 */
void		 config_adopt(struct config *, struct config *);
/*
 * config_pending: after config_adopt(a, b), name in buf the parts of b
 * that a did not take ("oidc, tunnel": they wait for a restart);
 * returns how many.
 */
int		 config_pending(const struct config *,
		    const struct config *, char *, size_t);
/* config_free: free conf and its listeners; NULL is fine. */
void		 config_free(struct config *);
/*
 * config_print: the normalised form: every setting, defaults
 * included, in a fixed order, sizes and durations in the largest
 * exact unit.  Parsing it gives the same configuration, so printing
 * that again gives the same text.
 */
void		 config_print(FILE *, const struct config *);

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
#define CONFIG_L_PUBLIC	0x04
int		 config_add_listen(struct config *, const char *,
		    const char *, int, char *, size_t);
/* config_limit_find: the index of a limit by name, or -1. */
int		 config_limit_find(const char *);
/* config_set_limit: set limit idx from its text. */
int		 config_set_limit(struct config *, int, const char *, char *,
		    size_t);
/* config_fill: derive what the file did not set and check it. */
int		 config_fill(struct config *, char *, size_t);

/* Blocks of settings, for config_check_block(). */
enum config_block {
	CONFIG_B_OIDC,
	CONFIG_B_WEBAUTHN,
	CONFIG_B_TOKENS,
	CONFIG_B_RATELIMIT,
	CONFIG_B_SESSIONS,
	CONFIG_B_AUDIT,
	CONFIG_B_S3,
	CONFIG_B_TUNNEL,
	CONFIG_B_PROJECT,
	CONFIG_B_MAX
};

/* Settings inside blocks, for config_set_key(); the last are a project's. */
enum config_key {
	CONFIG_K_ISSUER,
	CONFIG_K_CLIENT_ID,
	CONFIG_K_CLIENT_SECRET,
	CONFIG_K_OIDC_CA,
	CONFIG_K_REDIRECT,
	CONFIG_K_CLAIM,
	CONFIG_K_SCOPES,
	CONFIG_K_RP_ID,
	CONFIG_K_ORIGIN,		/* each adds one */
	CONFIG_K_UV,
	CONFIG_K_LIFETIME,
	CONFIG_K_IDLE,
	CONFIG_K_SKEW,
	CONFIG_K_ADDR_RATE,
	CONFIG_K_ADDR_BURST,
	CONFIG_K_USER_RATE,
	CONFIG_K_USER_BURST,
	CONFIG_K_PER_USER,
	CONFIG_K_ROOT,
	CONFIG_K_KEEP_LAYERS,
	CONFIG_K_CP_ROWS,
	CONFIG_K_CP_INTERVAL,
	CONFIG_K_HOST,
	CONFIG_K_RECIPIENT,
	CONFIG_K_S3_ENDPOINT,
	CONFIG_K_S3_BUCKET,
	CONFIG_K_S3_PREFIX,
	CONFIG_K_S3_REGION,
	CONFIG_K_S3_ACCESS_KEY,
	CONFIG_K_S3_SECRET,
	CONFIG_K_S3_CA,
	CONFIG_K_TUN_IFACE,
	CONFIG_K_TUN_BACKEND,
	CONFIG_K_TUN_ADDRESS,		/* one per family */
	CONFIG_K_TUN_PORT,
	CONFIG_K_TUN_POOL,		/* one per family */
	CONFIG_K_TUN_KEEPALIVE,
	CONFIG_K_TUN_IDLE,
	CONFIG_K_TUN_KEY,
	CONFIG_K_TUN_FB_ADDR,		/* fallback listen on A port P */
	CONFIG_K_TUN_FB_PORT,
	CONFIG_K_TUN_FB_CERT,		/* fallback certificate C key K */
	CONFIG_K_TUN_FB_KEY,
	CONFIG_K_TUN_CA_CERT,		/* device-ca certificate C key K */
	CONFIG_K_TUN_CA_KEY,
	CONFIG_K_PATH,			/* first of a project's */
	CONFIG_K_MEMORY,
	CONFIG_K_CPU,
	CONFIG_K_PIDS,
	CONFIG_K_IDLE_TIMEOUT,
	CONFIG_K_MAX
};

/*
 * config_set_key: check the text of setting key and store it in conf,
 * or in project pr for a project's setting.
 */
int		 config_set_key(struct config *, struct conf_project *, int,
		    const char *, char *, size_t);
/* config_key_name: "block keyword" of a setting, for messages. */
const char	*config_key_name(int, char *, size_t);
/*
 * config_check_block: what a block needs once it is closed: required
 * settings, idle within lifetime, origins under the rp-id.  pr is the
 * project for CONFIG_B_PROJECT.
 */
int		 config_check_block(const struct config *,
		    const struct conf_project *, int, char *, size_t);
/* config_add_user: declare a user; names are unique. */
int		 config_add_user(struct config *, const char *, const char *,
		    char *, size_t);
/*
 * config_add_project: append a project with its defaults and return
 * it.  A bad or duplicate name is put in err, which is "" otherwise;
 * the project is appended either way.  NULL when out of memory.
 */
struct conf_project *config_add_project(struct config *, const char *,
		    char *, size_t);
/* config_add_member: give a declared user one role in project pr. */
int		 config_add_member(struct config *, struct conf_project *,
		    const char *, int, char *, size_t);
/* config_find_user, config_find_project: by name, or NULL. */
const struct conf_user *config_find_user(const struct config *,
		    const char *);
const struct conf_project *config_find_project(const struct config *,
		    const char *);
/* config_role_name: "owner", "maintainer", "viewer", or "none". */
const char	*config_role_name(int);

/*
 * Value syntax, in config_syntax.c.  Each check returns NULL when s is
 * well formed, or the end of a message that says why not, to follow
 * the quoted value ("is not ...").
 */
/* http too, on a loopback host */
#define SYNTAX_URL_HTTP		0x01
/* a path may follow the host */
#define SYNTAX_URL_PATH		0x02
#define SYNTAX_URL_QUERY	0x04	/* a query may follow */
#define SYNTAX_URL_ORIGIN	0x08	/* lower case, no default port */

struct syntax_url {
	int			 https;
	int			 loopback;	/* localhost, 127/8, ::1 */
	uint16_t		 port;		/* 0: not given */
	/* IPv6 without brackets */
	char			 host[256];
};

const char	*syntax_check_url(const char *, int, struct syntax_url *);
const char	*syntax_check_dns_name(const char *);
const char	*syntax_check_name(const char *);
const char	*syntax_check_account(const char *);
const char	*syntax_check_visible(const char *);
const char	*syntax_check_scopes(const char *);
const char	*syntax_check_bucket(const char *);
const char	*syntax_check_prefix(const char *);
const char	*syntax_check_region(const char *);
const char	*syntax_check_access_key(const char *);
const char	*syntax_check_age_recipient(const char *);
const char	*syntax_check_not_root(const char *);

/* conf_send_device_ca: the device CA to pccx-authd (conf_tunnel.c). */
struct chan;
void	conf_send_device_ca(struct chan *, const struct config *);
/*
 * conf_session_account: a session member's Unix account, resolved
 * from the host's databases (conf_session.c).  0 with the member's
 * uid, gid and groups filled, or -1 with why set for the log.
 */
struct p_session_conf_member;
int	conf_session_account(const char *, struct p_session_conf_member *,
	    const char **);

#endif
