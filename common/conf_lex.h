/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Lexer shared by configuration grammars: tokens, macros, includes. */

#ifndef PCCX_CONF_LEX_H
#define PCCX_CONF_LEX_H

#include <sys/queue.h>
#include <sys/types.h>
#include <stddef.h>

#define CONF_TOKMAX		1024	/* bytes in one token */
#define CONF_MAXDEPTH		8	/* files open at once */
#define CONF_MAXFILES		64	/* files read in one parse */
#define CONF_FILEMAX		(1024 * 1024)	/* bytes in one file */
#define CONF_MAXMACROS		256
#define CONF_MACRONAMEMAX	64	/* with the NUL */

/* What conf_lex_next() returns; the text is in lex->text. */
enum conf_tok {
	CONF_T_EOF = 0,
	CONF_T_NL,		/* end of a line, or of a file */
	CONF_T_WORD,		/* bare word */
	CONF_T_STRING,		/* quoted string, escapes undone */
	/* a $macro's value: one word, no keyword */
	CONF_T_MACRO,
	CONF_T_LBRACE,
	CONF_T_RBRACE,
	CONF_T_EQUAL,
	CONF_T_ERROR		/* reported; the rest of the line skipped */
};

/* Flags of conf_lex_init(). */
#define CONF_LEX_NOINCLUDE	0x01	/* refuse "include" */

struct conf_file;
struct conf_macro;

/* A place in the input, for messages after the token has gone. */
struct conf_pos {
	/* valid until conf_lex_close() */
	const char	*file;
	int		 line;		/* 0: the whole file */
};

struct conf_lex {
	/* first is being read */
	TAILQ_HEAD(, conf_file)	 files;
	/* closed; names kept */
	TAILQ_HEAD(, conf_file)	 done;
	TAILQ_HEAD(, conf_macro) macros;
	struct conf_file	*pending;	/* include after this line */
	int			 depth;
	int			 nfiles;
	int			 nmacros;
	int			 flags;
	int			 errors;	/* messages reported */
	/* line has reported an error */
	int			 quiet;
	/* last token returned */
	int			 last;
	/* of the last token */
	struct conf_pos		 pos;
	size_t			 len;
	char			 text[CONF_TOKMAX + 1];
};

/* conf_lex_init: an empty lexer; flags are CONF_LEX_*. */
void	conf_lex_init(struct conf_lex *, int);
/*
 * conf_lex_open: start reading the file at path.  On failure the
 * reason is logged and -1 returned.
 */
int	conf_lex_open(struct conf_lex *, const char *);
/*
 * conf_lex_open_buf: start reading len bytes at buf, which the caller
 * keeps alive until conf_lex_close(); name stands for it in messages.
 */
int	conf_lex_open_buf(struct conf_lex *, const char *, const char *,
	    size_t);
/* conf_lex_close: free every file, name and macro. */
void	conf_lex_close(struct conf_lex *);
/*
 * conf_lex_next: the next token (enum conf_tok).  Each file ends with
 * CONF_T_NL even when its last line has no newline; the end of an
 * included file goes on with the file that included it.  Errors are
 * reported here and come back as CONF_T_ERROR, followed by the
 * CONF_T_NL of that line.
 */
int	conf_lex_next(struct conf_lex *);
/*
 * conf_lex_include: read path once the current line has ended.  A
 * relative path is taken from the directory of the current file.
 * Loops, nesting past CONF_MAXDEPTH, more than CONF_MAXFILES files and
 * unreadable files are reported; then -1 is returned.
 */
int	conf_lex_include(struct conf_lex *, const char *);
/*
 * conf_lex_macro_set: define or redefine a macro.  A fixed macro
 * (from the command line) wins over later definitions that are not,
 * which are then ignored.  Bad names and values are reported; -1.
 */
int	conf_lex_macro_set(struct conf_lex *, const char *, const char *,
	    int);
/* conf_lex_macro_define: a fixed macro from "name=value"; 0 or -1. */
int	conf_lex_macro_define(struct conf_lex *, const char *);
/* conf_lex_macro_name_ok: non-zero for [A-Za-z_][A-Za-z0-9_]* names. */
int	conf_lex_macro_name_ok(const char *);
/* conf_lex_getpos: where the last token was. */
void	conf_lex_getpos(struct conf_lex *, struct conf_pos *);
/* conf_lex_error: log "file:line: message" for the last token. */
void	conf_lex_error(struct conf_lex *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* conf_lex_error_at: the same at a saved place; line 0 names the file. */
void	conf_lex_error_at(struct conf_lex *, const struct conf_pos *,
	    const char *, ...) __attribute__((format(printf, 3, 4)));
/*
 * conf_quote: s in double quotes for a message, with unprintable bytes
 * as \xNN and anything past about 60 bytes cut to "...".  Returns buf.
 */
const char *conf_quote(const char *, char *, size_t);
#define CONF_QUOTEMAX	256	/* a buffer always big enough */

#endif
