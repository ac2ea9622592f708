/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Grammar of pccx-remote.conf; only the parent parses it. */

%{
#include <sys/queue.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf_lex.h"
#include "common/log.h"
#include "remoted/config.h"

struct parse_val {
	char	*str;
	int	 num;
};
#define YYSTYPE			struct parse_val
#define YYSTYPE_IS_DECLARED	1

/* Settings that may appear once. */
#define SEEN_STATEDIR	0x01
#define SEEN_CTLSOCK	0x02
#define SEEN_TLS	0x04
#define SEEN_TOKENKEY	0x08
#define SEEN_AUDITKEY	0x10
#define SEEN_SANDBOX	0x20
#define SEEN_OIDC	0x40
#define SEEN_WEBAUTHN	0x80
#define SEEN_TOKENS	0x100
#define SEEN_RATELIMIT	0x200
#define SEEN_SESSIONS	0x400
#define SEEN_AUDIT	0x800
#define SEEN_S3		0x1000
#define SEEN_TUNNEL	0x2000

/* Settings of a project, which each project may set once. */
#define PROJECT_KEYS	(~0ULL << CONFIG_K_PATH)

_Static_assert(CONFIG_K_MAX <= 64, "keys_seen holds one bit per key");

/* What the first token of a line was, for syntax error messages. */
enum line_kind {
	LINE_NONE,
	LINE_KEYWORD,		/* a keyword: the statement */
	LINE_WORD,		/* a bare word that is no keyword */
	LINE_OTHER
};

/* An open block: s3 opens inside audit, so two at most. */
struct parse_block {
	int			 kind;		/* CONFIG_B_* */
	const char		*name;
	struct conf_pos		 pos;		/* of its "{" */
	/* lex.errors when it opened */
	int			 errors;
	/* given twice: reported */
	int			 again;
};
#define PARSE_MAXDEPTH	2

/* Each block's name in messages, and its bit in "seen" if once only. */
static const struct {
	const char	*name;
	unsigned int	 bit;
} block_defs[CONFIG_B_MAX] = {
	[CONFIG_B_OIDC] =	{ "oidc",	SEEN_OIDC },
	[CONFIG_B_WEBAUTHN] =	{ "webauthn",	SEEN_WEBAUTHN },
	[CONFIG_B_TOKENS] =	{ "tokens",	SEEN_TOKENS },
	[CONFIG_B_RATELIMIT] =	{ "rate-limit",	SEEN_RATELIMIT },
	[CONFIG_B_SESSIONS] =	{ "sessions",	SEEN_SESSIONS },
	[CONFIG_B_AUDIT] =	{ "audit",	SEEN_AUDIT },
	[CONFIG_B_S3] =		{ "s3",		SEEN_S3 },
	[CONFIG_B_TUNNEL] =	{ "tunnel",	SEEN_TUNNEL },
	[CONFIG_B_PROJECT] =	{ "project",	0 },
};

/* Every string the lexer hands over, freed in one go after a parse. */
struct pstr {
	TAILQ_ENTRY(pstr)	 entry;
	char			 s[];
};

int		 yyparse(void);
static int	 yylex(void);
static void	 yyerror(const char *);

static char	*pstr_new(const char *, const char *);
static void	 pstr_free(char *);
static char	*pstr_cat(char *, char *);
static void	 parse_macro(const char *, const char *);
static void	 parse_path(int, const char *, char *, const char *);
static void	 parse_tls(const char *, const char *);
static void	 parse_listen(const char *, const char *, int);
static int	 parse_listen_opt(int, int, const char *);
static void	 parse_sandbox(int);
static void	 parse_limit(const char *, const char *);
static void	 parse_open(int);
static void	 parse_close(void);
static void	 parse_key(int, const char *);
static void	 parse_key_many(int, const char *);
static void	 parse_rate(int, int, const char *, const char *);
static void	 parse_user(const char *, const char *);
static void	 parse_project(const char *);
static void	 parse_member(const char *, int);

static TAILQ_HEAD(, pstr) pstrs = TAILQ_HEAD_INITIALIZER(pstrs);
static struct conf_lex	 lex;
static struct config	*conf;
static unsigned int	 seen;
static unsigned int	 limits_seen;
static struct conf_pos	 tls_pos;	/* first listener with tls */
static const char	*block;		/* open block, for messages */
static int		 line_kind;
static int		 line_ntok;
static int		 line_second;	/* second token of the line */
/* a "{" came earlier on the line */
static int		 line_brace;
static char		 line_first[CONF_MACRONAMEMAX];
static char		 line_next[CONF_MACRONAMEMAX];	/* after "{" */
static struct conf_pos	 brace_pos;	/* of the last "{" */
static struct parse_block blocks[PARSE_MAXDEPTH];
static int		 nblocks;
static uint64_t		 keys_seen;	/* 1 << CONFIG_K_* */
static struct conf_project *project;	/* open project block */
%}

%token	AUDITKEY CERTIFICATE CONTROLSOCKET DEBUG ENFORCE INCLUDE KEY
%token	LIMITS LISTEN ON PORT SANDBOX STATEDIR TLS TOKENKEY TUNNEL
%token	ACCESSKEY ACCOUNT ADDRESS AUDIT BUCKET BURST CAFILE CHECKPOINT
%token	CLAIM CLIENTID CLIENTSECRET CPU ENDPOINT HOST IDLE IDLETIMEOUT
%token	INTERVAL ISSUER LIFETIME MAINTAINER MEMORY OIDC ORIGIN OWNER PATH
%token	PERUSER PIDS PREFIX PROJECT RATELIMIT RECIPIENT REDIRECTURI REGION
%token	ROOT ROWS RPID S3 SCOPES SECRETKEYFILE SESSIONS SKEW TOKENS USER
%token	USERVERIFICATION VIEWER WEBAUTHN
%token	BACKEND INTERFACE KEEPALIVE POOL PRIVATEKEYFILE PUBLIC
%token	DEVICECA FALLBACK KEEPLAYERS
%token	ERROR
%token	<str>	STRING
%type	<str>	string burst
%type	<num>	listenopts sandboxmode

%%

/*
 * A line is a statement, a macro, an include or a block.  A block is
 * named in "block" while open; its settings are separated by newlines
 * or by nothing, so that a short block fits on one line.
 */
grammar		: /* empty */
		| grammar '\n'
		| grammar include '\n'
		| grammar varset '\n'
		| grammar main '\n'
		| grammar limits '\n'
		| grammar user '\n'
		| grammar block '\n'
		| grammar error '\n'		{ yyerrok; }
		;

include		: INCLUDE string {
			conf_lex_include(&lex, $2);
		}
		;

varset		: STRING '=' string {
			parse_macro($1, $3);
		}
		;

string		: STRING
		| string STRING {
			$$ = pstr_cat($1, $2);
		}
		;

main		: STATEDIR string {
			parse_path(SEEN_STATEDIR, "state-dir", conf->state_dir,
			    $2);
		}
		| CONTROLSOCKET string {
			parse_path(SEEN_CTLSOCK, "control-socket",
			    conf->control_socket, $2);
		}
		| LISTEN ON STRING PORT STRING listenopts {
			parse_listen($3, $5, $6);
		}
		| TLS CERTIFICATE string KEY string {
			parse_tls($3, $5);
		}
		| TOKENKEY string {
			parse_path(SEEN_TOKENKEY, "token-key", conf->token_key,
			    $2);
		}
		| AUDITKEY string {
			parse_path(SEEN_AUDITKEY, "audit-key", conf->audit_key,
			    $2);
		}
		| SANDBOX sandboxmode		{ parse_sandbox($2); }
		;

listenopts	: /* empty */			{ $$ = 0; }
		| listenopts TLS {
			$$ = parse_listen_opt($1, CONFIG_L_TLS, "tls");
		}
		| listenopts TUNNEL {
			$$ = parse_listen_opt($1, CONFIG_L_TUNNEL, "tunnel");
		}
		| listenopts PUBLIC {
			$$ = parse_listen_opt($1, CONFIG_L_PUBLIC, "public");
		}
		;

sandboxmode	: DEBUG				{ $$ = 1; }
		| ENFORCE			{ $$ = 0; }
		;

limits		: LIMITS '{'			{ block = "limits"; }
		    optnl limitlist limitend	{ block = NULL; }
		;

limitlist	: /* empty */
		| limitlist limit nl
		| limitlist error nl		{ yyerrok; }
		;

limitend	: '}'
		| limit '}'
		;

limit		: STRING STRING {
			parse_limit($1, $2);
		}
		| IDLETIMEOUT STRING	{ parse_limit("idle-timeout", $2); }
		;

user		: USER STRING ACCOUNT STRING	{ parse_user($2, $4); }
		;

block		: OIDC '{'		{ parse_open(CONFIG_B_OIDC); }
		    oidcopts blockend	{ parse_close(); }
		| WEBAUTHN '{'		{ parse_open(CONFIG_B_WEBAUTHN); }
		    waopts blockend	{ parse_close(); }
		| TOKENS '{'		{ parse_open(CONFIG_B_TOKENS); }
		    tokopts blockend	{ parse_close(); }
		| RATELIMIT '{' {
			parse_open(CONFIG_B_RATELIMIT);
		}
		    rlopts blockend	{ parse_close(); }
		| SESSIONS '{'		{ parse_open(CONFIG_B_SESSIONS); }
		    sesopts blockend	{ parse_close(); }
		| AUDIT '{'		{ parse_open(CONFIG_B_AUDIT); }
		    auditopts blockend	{ parse_close(); }
		| TUNNEL '{'		{ parse_open(CONFIG_B_TUNNEL); }
		    tunopts blockend	{ parse_close(); }
		| PROJECT STRING '{'	{ parse_project($2); }
		    projopts blockend	{ parse_close(); }
		;

/* After an error the line is skipped, or the block ends at its "}". */
blockend	: '}'
		| error '}'			{ yyerrok; }
		;

oidcopts	: /* empty */
		| oidcopts '\n'
		| oidcopts oidcopt
		| oidcopts error '\n'		{ yyerrok; }
		;

oidcopt		: ISSUER string {
			parse_key(CONFIG_K_ISSUER, $2);
		}
		| CLIENTID STRING	{ parse_key(CONFIG_K_CLIENT_ID, $2); }
		| CLIENTSECRET string {
			parse_key(CONFIG_K_CLIENT_SECRET, $2);
		}
		| CAFILE string {
			parse_key(CONFIG_K_OIDC_CA, $2);
		}
		| REDIRECTURI string {
			parse_key(CONFIG_K_REDIRECT, $2);
		}
		| CLAIM STRING		{ parse_key(CONFIG_K_CLAIM, $2); }
		| SCOPES STRING {
			parse_key(CONFIG_K_SCOPES, $2);
		}
		;

waopts		: /* empty */
		| waopts '\n'
		| waopts waopt
		| waopts error '\n'		{ yyerrok; }
		;

waopt		: RPID STRING {
			parse_key(CONFIG_K_RP_ID, $2);
		}
		| ORIGIN string {
			parse_key_many(CONFIG_K_ORIGIN, $2);
		}
		| USERVERIFICATION STRING	{ parse_key(CONFIG_K_UV, $2); }
		;

tokopts		: /* empty */
		| tokopts '\n'
		| tokopts tokopt
		| tokopts error '\n'		{ yyerrok; }
		;

tokopt		: LIFETIME STRING {
			parse_key(CONFIG_K_LIFETIME, $2);
		}
		| IDLE STRING		{ parse_key(CONFIG_K_IDLE, $2); }
		| SKEW STRING		{ parse_key(CONFIG_K_SKEW, $2); }
		;

rlopts		: /* empty */
		| rlopts '\n'
		| rlopts rlopt
		| rlopts error '\n'		{ yyerrok; }
		;

rlopt		: ADDRESS STRING burst {
			parse_rate(CONFIG_K_ADDR_RATE, CONFIG_K_ADDR_BURST, $2,
			    $3);
		}
		| USER STRING burst {
			parse_rate(CONFIG_K_USER_RATE, CONFIG_K_USER_BURST, $2,
			    $3);
		}
		;

burst		: /* empty */			{ $$ = NULL; }
		| BURST STRING			{ $$ = $2; }
		;

sesopts		: /* empty */
		| sesopts '\n'
		| sesopts sesopt
		| sesopts error '\n'		{ yyerrok; }
		;

sesopt		: PERUSER STRING {
			parse_key(CONFIG_K_PER_USER, $2);
		}
		| ROOT string		{ parse_key(CONFIG_K_ROOT, $2); }
		| KEEPLAYERS STRING {
			parse_key(CONFIG_K_KEEP_LAYERS, $2);
		}
		;

auditopts	: /* empty */
		| auditopts '\n'
		| auditopts auditopt
		| auditopts error '\n'		{ yyerrok; }
		;

auditopt	: CHECKPOINT cpitems
		| HOST STRING		{ parse_key(CONFIG_K_HOST, $2); }
		| RECIPIENT STRING	{ parse_key(CONFIG_K_RECIPIENT, $2); }
		| S3 '{'		{ parse_open(CONFIG_B_S3); }
		    s3opts blockend	{ parse_close(); }
		;

cpitems		: cpitem
		| cpitems cpitem
		;

cpitem		: ROWS STRING {
			parse_key(CONFIG_K_CP_ROWS, $2);
		}
		| INTERVAL STRING {
			parse_key(CONFIG_K_CP_INTERVAL, $2);
		}
		;

s3opts		: /* empty */
		| s3opts '\n'
		| s3opts s3opt
		| s3opts error '\n'		{ yyerrok; }
		;

s3opt		: ENDPOINT string {
			parse_key(CONFIG_K_S3_ENDPOINT, $2);
		}
		| BUCKET STRING {
			parse_key(CONFIG_K_S3_BUCKET, $2);
		}
		| PREFIX STRING {
			parse_key(CONFIG_K_S3_PREFIX, $2);
		}
		| REGION STRING {
			parse_key(CONFIG_K_S3_REGION, $2);
		}
		| ACCESSKEY STRING {
			parse_key(CONFIG_K_S3_ACCESS_KEY, $2);
		}
		| SECRETKEYFILE string {
			parse_key(CONFIG_K_S3_SECRET, $2);
		}
		| CAFILE string {
			parse_key(CONFIG_K_S3_CA, $2);
		}
		;

tunopts		: /* empty */
		| tunopts '\n'
		| tunopts tunopt
		| tunopts error '\n'		{ yyerrok; }
		;

tunopt		: INTERFACE STRING {
			parse_key(CONFIG_K_TUN_IFACE, $2);
		}
		| BACKEND STRING	{ parse_key(CONFIG_K_TUN_BACKEND, $2); }
		| ADDRESS STRING {
			parse_key_many(CONFIG_K_TUN_ADDRESS, $2);
		}
		| PORT STRING {
			parse_key(CONFIG_K_TUN_PORT, $2);
		}
		| POOL STRING {
			parse_key_many(CONFIG_K_TUN_POOL, $2);
		}
		| KEEPALIVE STRING {
			parse_key(CONFIG_K_TUN_KEEPALIVE, $2);
		}
		| IDLETIMEOUT STRING {
			parse_key(CONFIG_K_TUN_IDLE, $2);
		}
		| PRIVATEKEYFILE string {
			parse_key(CONFIG_K_TUN_KEY, $2);
		}
		| FALLBACK LISTEN ON STRING PORT STRING {
			parse_key(CONFIG_K_TUN_FB_ADDR, $4);
			parse_key(CONFIG_K_TUN_FB_PORT, $6);
		}
		| FALLBACK CERTIFICATE string KEY string {
			parse_key(CONFIG_K_TUN_FB_CERT, $3);
			parse_key(CONFIG_K_TUN_FB_KEY, $5);
		}
		| DEVICECA CERTIFICATE string KEY string {
			parse_key(CONFIG_K_TUN_CA_CERT, $3);
			parse_key(CONFIG_K_TUN_CA_KEY, $5);
		}
		;

projopts	: /* empty */
		| projopts '\n'
		| projopts projopt
		| projopts error '\n'		{ yyerrok; }
		;

projopt		: PATH string {
			parse_key(CONFIG_K_PATH, $2);
		}
		| OWNER STRING		{ parse_member($2, ROLE_OWNER); }
		| MAINTAINER STRING {
			parse_member($2, ROLE_MAINTAINER);
		}
		| VIEWER STRING {
			parse_member($2, ROLE_VIEWER);
		}
		| MEMORY STRING {
			parse_key(CONFIG_K_MEMORY, $2);
		}
		| CPU STRING		{ parse_key(CONFIG_K_CPU, $2); }
		| PIDS STRING		{ parse_key(CONFIG_K_PIDS, $2); }
		| IDLETIMEOUT STRING {
			parse_key(CONFIG_K_IDLE_TIMEOUT, $2);
		}
		;

nl		: '\n' optnl
		;

optnl		: /* empty */
		| optnl '\n'
		;

%%

struct keyword {
	const char	*name;
	int		 token;
};

/* Sorted for bsearch. */
static const struct keyword keywords[] = {
	{ "access-key",		ACCESSKEY },
	{ "account",		ACCOUNT },
	{ "address",		ADDRESS },
	{ "audit",		AUDIT },
	{ "audit-key",		AUDITKEY },
	{ "backend",		BACKEND },
	{ "bucket",		BUCKET },
	{ "burst",		BURST },
	{ "ca-file",		CAFILE },
	{ "certificate",	CERTIFICATE },
	{ "checkpoint",		CHECKPOINT },
	{ "claim",		CLAIM },
	{ "client-id",		CLIENTID },
	{ "client-secret-file",	CLIENTSECRET },
	{ "control-socket",	CONTROLSOCKET },
	{ "cpu",		CPU },
	{ "debug",		DEBUG },
	{ "device-ca",		DEVICECA },
	{ "endpoint",		ENDPOINT },
	{ "enforce",		ENFORCE },
	{ "fallback",		FALLBACK },
	{ "host",		HOST },
	{ "idle",		IDLE },
	{ "idle-timeout",	IDLETIMEOUT },
	{ "include",		INCLUDE },
	{ "interface",		INTERFACE },
	{ "interval",		INTERVAL },
	{ "issuer",		ISSUER },
	{ "keep-layers",	KEEPLAYERS },
	{ "keepalive",		KEEPALIVE },
	{ "key",		KEY },
	{ "lifetime",		LIFETIME },
	{ "limits",		LIMITS },
	{ "listen",		LISTEN },
	{ "maintainer",		MAINTAINER },
	{ "memory",		MEMORY },
	{ "oidc",		OIDC },
	{ "on",			ON },
	{ "origin",		ORIGIN },
	{ "owner",		OWNER },
	{ "path",		PATH },
	{ "per-user",		PERUSER },
	{ "pids",		PIDS },
	{ "pool",		POOL },
	{ "port",		PORT },
	{ "prefix",		PREFIX },
	{ "private-key-file",	PRIVATEKEYFILE },
	{ "project",		PROJECT },
	{ "public",		PUBLIC },
	{ "rate-limit",		RATELIMIT },
	{ "recipient",		RECIPIENT },
	{ "redirect-uri",	REDIRECTURI },
	{ "region",		REGION },
	{ "root",		ROOT },
	{ "rows",		ROWS },
	{ "rp-id",		RPID },
	{ "s3",			S3 },
	{ "sandbox",		SANDBOX },
	{ "scopes",		SCOPES },
	{ "secret-key-file",	SECRETKEYFILE },
	{ "sessions",		SESSIONS },
	{ "skew",		SKEW },
	{ "state-dir",		STATEDIR },
	{ "tls",		TLS },
	{ "token-key",		TOKENKEY },
	{ "tokens",		TOKENS },
	{ "tunnel",		TUNNEL },
	{ "user",		USER },
	{ "user-verification",	USERVERIFICATION },
	{ "viewer",		VIEWER },
	{ "webauthn",		WEBAUTHN },
};

static int
keyword_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct keyword *)e)->name);
}

static int
keyword_find(const char *s)
{
	const struct keyword	*kw;

	kw = bsearch(s, keywords, sizeof(keywords) / sizeof(keywords[0]),
	    sizeof(keywords[0]), keyword_cmp);
	return kw == NULL ? 0 : kw->token;
}

/*
 * Remember how the line began, for yyerror().  In a block, or after a
 * "{" on the same line, the last keyword before the current token names
 * the statement.
 */
static void
line_track(int t, int tok)
{
	if (line_next[0] != '\0') {
		memcpy(line_first, line_next, sizeof(line_first));
		line_next[0] = '\0';
		line_kind = LINE_KEYWORD;
	}
	if (t == CONF_T_NL || t == CONF_T_EOF) {
		line_ntok = 0;
		line_brace = 0;
		return;
	}
	if (t == CONF_T_LBRACE)
		line_brace = 1;
	if (++line_ntok == 2)
		line_second = t;
	if (line_ntok != 1) {
		if ((line_brace || block != NULL) && t == CONF_T_WORD &&
		    tok != STRING && tok != ERROR)
			snprintf(line_next, sizeof(line_next), "%.*s",
			    (int)sizeof(line_next) - 1, lex.text);
		return;
	}
	if (tok != STRING && tok != ERROR && t == CONF_T_WORD)
		line_kind = LINE_KEYWORD;
	else if (t == CONF_T_WORD)
		line_kind = LINE_WORD;
	else
		line_kind = LINE_OTHER;
	snprintf(line_first, sizeof(line_first), "%.*s",
	    (int)sizeof(line_first) - 1, lex.text);
}

/* The shared lexer's tokens as this grammar knows them. */
static int
yylex(void)
{
	int	t, tok;

	switch ((t = conf_lex_next(&lex))) {
	case CONF_T_EOF:
		tok = 0;
		break;
	case CONF_T_NL:
		tok = '\n';
		break;
	case CONF_T_LBRACE:
		tok = '{';
		conf_lex_getpos(&lex, &brace_pos);
		break;
	case CONF_T_RBRACE:
		tok = '}';
		break;
	case CONF_T_EQUAL:
		tok = '=';
		break;
	case CONF_T_WORD:
	case CONF_T_STRING:
	case CONF_T_MACRO:
		if (t == CONF_T_WORD && (tok = keyword_find(lex.text)) != 0)
			break;
		yylval.str = pstr_new(lex.text, "");
		tok = STRING;
		break;
	default:
		tok = ERROR;
		break;
	}
	line_track(t, tok);
	return tok;
}

/* The last token as a message shows it. */
static const char *
token_show(char *buf, size_t len)
{
	switch (lex.last) {
	case CONF_T_LBRACE:
		return "\"{\"";
	case CONF_T_RBRACE:
		return "\"}\"";
	case CONF_T_EQUAL:
		return "\"=\"";
	default:
		return conf_quote(lex.text, buf, len);
	}
}

/*
 * Say what went wrong in words: an unknown keyword, a statement cut
 * short, or the token that does not belong.  The lexer has already
 * spoken for a line where it failed.
 */
static void
yyerror(const char *msg)
{
	char	q[CONF_QUOTEMAX];
	int	named;

	if (lex.quiet)
		return;
	named = line_kind == LINE_KEYWORD || (line_kind == LINE_WORD &&
	    (block != NULL || line_second == CONF_T_EQUAL));
	if (strcmp(msg, "syntax error") != 0)
		conf_lex_error(&lex, "%s", msg);
	else if (lex.last == CONF_T_EOF && block != NULL)
		conf_lex_error(&lex, "%s: missing \"}\"", block);
	else if (lex.last == CONF_T_EOF)
		conf_lex_error(&lex, "unexpected end of file");
	else if (block != NULL && line_ntok == 1)
		conf_lex_error(&lex, "%s: unexpected %s", block,
		    token_show(q, sizeof(q)));
	else if (line_kind == LINE_WORD && !named)
		conf_lex_error(&lex, "unknown keyword %s",
		    conf_quote(line_first, q, sizeof(q)));
	else if (named && (lex.last == CONF_T_NL ||
	    lex.last == CONF_T_RBRACE))
		conf_lex_error(&lex, "%s: missing argument", line_first);
	else if (named && line_ntok > 1)
		conf_lex_error(&lex, "%s: unexpected %s", line_first,
		    token_show(q, sizeof(q)));
	else if (lex.last == CONF_T_NL)
		conf_lex_error(&lex, "unexpected end of line");
	else
		conf_lex_error(&lex, "unexpected %s", token_show(q,
		    sizeof(q)));
}

static char *
pstr_new(const char *a, const char *b)
{
	struct pstr	*p;
	size_t		 la = strlen(a), lb = strlen(b);

	if ((p = malloc(sizeof(*p) + la + lb + 1)) == NULL)
		fatal("config");
	memcpy(p->s, a, la);
	memcpy(p->s + la, b, lb + 1);
	TAILQ_INSERT_TAIL(&pstrs, p, entry);
	return p->s;
}

static void
pstr_free(char *s)
{
	struct pstr	*p;

	p = (struct pstr *)(void *)(s - offsetof(struct pstr, s));
	TAILQ_REMOVE(&pstrs, p, entry);
	free(p);
}

static void
pstr_clear(void)
{
	struct pstr	*p;

	while ((p = TAILQ_FIRST(&pstrs)) != NULL) {
		TAILQ_REMOVE(&pstrs, p, entry);
		free(p);
	}
}

/* Adjacent strings join into one, within the token limit. */
static char *
pstr_cat(char *a, char *b)
{
	char	*s;

	if (strlen(a) + strlen(b) > CONF_TOKMAX) {
		conf_lex_error(&lex, "string is too long (more than %d "
		    "bytes)", CONF_TOKMAX);
		pstr_free(b);
		return a;
	}
	s = pstr_new(a, b);
	pstr_free(a);
	pstr_free(b);
	return s;
}

static void
parse_macro(const char *name, const char *value)
{
	conf_lex_macro_set(&lex, name, value, 0);
}

/* A setting that may appear once; its value has been checked. */
static void
parse_once(unsigned int bit, const char *name)
{
	if (seen & bit)
		conf_lex_error(&lex, "%s: set more than once", name);
	seen |= bit;
}

static void
parse_path(int bit, const char *name, char *dst, const char *value)
{
	char	err[LOG_MAXLINE];

	if (config_set_path(dst, name, value, err, sizeof(err)) == -1)
		conf_lex_error(&lex, "%s", err);
	else
		parse_once(bit, name);
}

static void
parse_tls(const char *cert, const char *key)
{
	char	err[LOG_MAXLINE];

	if (config_set_path(conf->tls_cert, "tls certificate", cert, err,
	    sizeof(err)) == -1 || config_set_path(conf->tls_key, "tls key",
	    key, err, sizeof(err)) == -1)
		conf_lex_error(&lex, "%s", err);
	else
		parse_once(SEEN_TLS, "tls");
}

static void
parse_listen(const char *addr, const char *port, int opts)
{
	char	err[LOG_MAXLINE];

	if (opts == -1)
		return;
	if (config_add_listen(conf, addr, port, opts, err, sizeof(err)) ==
	    -1) {
		conf_lex_error(&lex, "%s", err);
		return;
	}
	if ((opts & CONFIG_L_TLS) && tls_pos.file == NULL)
		conf_lex_getpos(&lex, &tls_pos);
}

/* One more option of a listen line; -1 poisons the line. */
static int
parse_listen_opt(int opts, int bit, const char *name)
{
	if (opts == -1)
		return -1;
	if (opts & bit) {
		conf_lex_error(&lex, "listen: %s given twice", name);
		return -1;
	}
	return opts | bit;
}

static void
parse_sandbox(int debug)
{
	parse_once(SEEN_SANDBOX, "sandbox");
	conf->seccomp_debug = debug;
}

static void
parse_limit(const char *name, const char *value)
{
	char	err[LOG_MAXLINE], q[CONF_QUOTEMAX];
	int	idx;

	if ((idx = config_limit_find(name)) == -1) {
		conf_lex_error(&lex, "limits: unknown limit %s",
		    conf_quote(name, q, sizeof(q)));
		return;
	}
	if (config_set_limit(conf, idx, value, err, sizeof(err)) == -1)
		conf_lex_error(&lex, "%s", err);
	else if (limits_seen & (1U << idx))
		conf_lex_error(&lex, "%s: set more than once", name);
	limits_seen |= 1U << idx;
}

/*
 * Block blk opens at the "{" just read.  Errors inside it silence the
 * checks made when it closes.
 */
static void
parse_open(int blk)
{
	struct parse_block	*b;
	unsigned int		 bit = block_defs[blk].bit;

	if (nblocks >= PARSE_MAXDEPTH)
		fatalx("config: blocks nested too deep");
	b = &blocks[nblocks++];
	b->kind = blk;
	b->name = block_defs[blk].name;
	b->again = bit != 0 && (seen & bit);
	if (b->again)
		conf_lex_error_at(&lex, &brace_pos, "%s: block given more "
		    "than once", b->name);
	seen |= bit;
	if (blk == CONFIG_B_OIDC)
		conf->oidc.set = 1;
	if (blk == CONFIG_B_S3)
		conf->audit.s3_set = 1;
	if (blk == CONFIG_B_TUNNEL)
		conf->tunnel.set = 1;
	b->pos = brace_pos;
	b->errors = lex.errors;
	block = b->name;
}

/* What a block needs is checked at its "{", once it has been read. */
static void
parse_close(void)
{
	struct parse_block	*b;
	char			 err[LOG_MAXLINE];

	if (nblocks == 0)
		fatalx("config: no block to close");
	b = &blocks[--nblocks];
	if (lex.errors == b->errors && config_check_block(conf, project,
	    b->kind, err, sizeof(err)) == -1)
		conf_lex_error_at(&lex, &b->pos, "%s", err);
	block = nblocks > 0 ? blocks[nblocks - 1].name : NULL;
	if (b->kind == CONFIG_B_PROJECT)
		project = NULL;
}

/* A setting in a block; 0, or -1 when its value is refused. */
static int
parse_key_set(int key, const char *value)
{
	char	err[LOG_MAXLINE];

	if (config_set_key(conf, project, key, value, err, sizeof(err)) ==
	    -1) {
		conf_lex_error(&lex, "%s", err);
		return -1;
	}
	return 0;
}

/*
 * A setting that may appear once in its block.  In a block given twice,
 * which has been reported as a whole, it is not reported again.
 */
static void
parse_key(int key, const char *value)
{
	char		name[64];
	uint64_t	bit = 1ULL << key;

	if (parse_key_set(key, value) == -1)
		return;
	if ((keys_seen & bit) && !(nblocks > 0 && blocks[nblocks - 1].again))
		conf_lex_error(&lex, "%s: set more than once",
		    config_key_name(key, name, sizeof(name)));
	keys_seen |= bit;
}

/* A setting that may be repeated, such as an origin. */
static void
parse_key_many(int key, const char *value)
{
	parse_key_set(key, value);
}

/* A rate and its burst, which is twice the rate when not given. */
static void
parse_rate(int rkey, int bkey, const char *rate, const char *burst)
{
	char		buf[32];
	uint32_t	r;

	parse_key(rkey, rate);
	if (burst == NULL) {
		r = rkey == CONFIG_K_ADDR_RATE ? conf->ratelimit.addr_rate :
		    conf->ratelimit.user_rate;
		snprintf(buf, sizeof(buf), "%u", 2 * r);
		burst = buf;
	}
	parse_key_many(bkey, burst);
}

static void
parse_user(const char *name, const char *account)
{
	char	err[LOG_MAXLINE];

	if (config_add_user(conf, name, account, err, sizeof(err)) == -1)
		conf_lex_error(&lex, "%s", err);
}

static void
parse_project(const char *name)
{
	char	err[LOG_MAXLINE];

	if ((project = config_add_project(conf, name, err, sizeof(err))) ==
	    NULL)
		fatalx("config: %s", err);
	if (err[0] != '\0')
		conf_lex_error_at(&lex, &brace_pos, "%s", err);
	keys_seen &= ~PROJECT_KEYS;
	parse_open(CONFIG_B_PROJECT);
}

static void
parse_member(const char *user, int role)
{
	char	err[LOG_MAXLINE];

	if (config_add_member(conf, project, user, role, err, sizeof(err)) ==
	    -1)
		conf_lex_error(&lex, "%s", err);
}

/* Checks that need the whole file: listeners, tls, derived paths. */
static void
parse_check(const char *name)
{
	struct conf_pos	 whole = { name, 0 };
	char		 err[LOG_MAXLINE];

	if (TAILQ_EMPTY(&conf->listens))
		conf_lex_error_at(&lex, &whole, "no listen address "
		    "configured");
	if (tls_pos.file != NULL && conf->tls_cert[0] == '\0')
		conf_lex_error_at(&lex, &tls_pos, "listen with tls needs "
		    "\"tls certificate ... key ...\"");
	if (config_fill(conf, err, sizeof(err)) == -1)
		conf_lex_error_at(&lex, &whole, "%s", err);
}

static struct config *
parse_run(const char *name, const char *path, const char *buf, size_t len,
    char *const *defs)
{
	struct config	*c = NULL;
	int		 rc;

	conf_lex_init(&lex, path == NULL ? CONF_LEX_NOINCLUDE : 0);
	seen = limits_seen = 0;
	memset(&tls_pos, 0, sizeof(tls_pos));
	block = NULL;
	line_ntok = line_brace = 0;
	line_next[0] = '\0';
	nblocks = 0;
	keys_seen = 0;
	project = NULL;
	for (; defs != NULL && *defs != NULL; defs++)
		conf_lex_macro_define(&lex, *defs);
	if ((conf = config_new()) == NULL)
		log_warn("config");
	else if (lex.errors == 0 && (path != NULL ?
	    conf_lex_open(&lex, path) : conf_lex_open_buf(&lex, name, buf,
	    len)) == 0) {
		rc = yyparse();
		if (rc == 0 && lex.errors == 0)
			parse_check(name);
		if (rc == 0 && lex.errors == 0)
			c = conf;
	}
	if (c == NULL)
		config_free(conf);
	conf = NULL;
	pstr_clear();
	conf_lex_close(&lex);
	return c;
}

struct config *
config_parse(const char *path, char *const *defs)
{
	if (path == NULL)
		return parse_run("<built-in>", NULL, config_default_text,
		    strlen(config_default_text), defs);
	return parse_run(path, path, NULL, 0, defs);
}

struct config *
config_parse_buf(const char *name, const char *buf, size_t len,
    char *const *defs)
{
	return parse_run(name, NULL, buf, len, defs);
}
