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

/* What the first token of a line was, for syntax error messages. */
enum line_kind {
	LINE_NONE,
	LINE_KEYWORD,		/* a keyword: the statement */
	LINE_WORD,		/* a bare word that is no keyword */
	LINE_OTHER
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
static char		 line_first[CONF_MACRONAMEMAX];
%}

%token	AUDITKEY CERTIFICATE CONTROLSOCKET DEBUG ENFORCE INCLUDE KEY
%token	LIMITS LISTEN ON PORT SANDBOX STATEDIR TLS TOKENKEY TUNNEL
%token	ERROR
%token	<str>	STRING
%type	<str>	string
%type	<num>	listenopts sandboxmode

%%

/*
 * A line is a statement, a macro, an include or a block.  A new block
 * (users, projects and their roles, an identity provider) is one more
 * alternative here with its own list, named in "block" while open.
 */
grammar		: /* empty */
		| grammar '\n'
		| grammar include '\n'
		| grammar varset '\n'
		| grammar main '\n'
		| grammar limits '\n'
		| grammar error '\n'		{ yyerrok; }
		;

include		: INCLUDE string		{ conf_lex_include(&lex, $2); }
		;

varset		: STRING '=' string		{ parse_macro($1, $3); }
		;

string		: STRING
		| string STRING			{ $$ = pstr_cat($1, $2); }
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

limit		: STRING STRING			{ parse_limit($1, $2); }
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
	{ "audit-key",		AUDITKEY },
	{ "certificate",	CERTIFICATE },
	{ "control-socket",	CONTROLSOCKET },
	{ "debug",		DEBUG },
	{ "enforce",		ENFORCE },
	{ "include",		INCLUDE },
	{ "key",		KEY },
	{ "limits",		LIMITS },
	{ "listen",		LISTEN },
	{ "on",			ON },
	{ "port",		PORT },
	{ "sandbox",		SANDBOX },
	{ "state-dir",		STATEDIR },
	{ "tls",		TLS },
	{ "token-key",		TOKENKEY },
	{ "tunnel",		TUNNEL },
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

/* Remember how the line began, for yyerror(). */
static void
line_track(int t, int tok)
{
	if (t == CONF_T_NL || t == CONF_T_EOF) {
		line_ntok = 0;
		return;
	}
	if (++line_ntok == 2)
		line_second = t;
	if (line_ntok != 1)
		return;
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
	else if (named && lex.last == CONF_T_NL)
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
	line_ntok = 0;
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
