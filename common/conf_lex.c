/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Lexer shared by configuration grammars: tokens, macros, includes. */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_lex.h"
#include "log.h"

struct conf_file {
	TAILQ_ENTRY(conf_file)	 entry;
	char			*name;
	/* owned contents, or NULL */
	char			*buf;
	const char		*data;
	size_t			 len;
	size_t			 off;
	int			 line;
	int			 isfile;
	dev_t			 dev;
	ino_t			 ino;
};

struct conf_macro {
	TAILQ_ENTRY(conf_macro)	 entry;
	char			 name[CONF_MACRONAMEMAX];
	char			*value;
	int			 fixed;
};

static struct conf_file	*file_new(const char *);
static void		 file_free(struct conf_file *);
static int		 file_load(struct conf_file *, int, const char **);
static void		 lex_push(struct conf_lex *, struct conf_file *);
static int		 lex_token(struct conf_lex *);
static int		 lex_eof(struct conf_lex *, struct conf_file *);
static int		 lex_string(struct conf_lex *, struct conf_file *);
static int		 lex_word(struct conf_lex *, struct conf_file *, int);
static int		 lex_macro(struct conf_lex *, struct conf_file *);
static int		 lex_fail(struct conf_lex *, struct conf_file *,
			    const char *, ...)
			    __attribute__((format(printf, 3, 4)));
static void		 lex_verror(struct conf_lex *,
			    const struct conf_pos *, const char *, va_list)
			    __attribute__((format(printf, 3, 0)));
static struct conf_macro *macro_find(struct conf_lex *, const char *);

void
conf_lex_init(struct conf_lex *lex, int flags)
{
	memset(lex, 0, sizeof(*lex));
	TAILQ_INIT(&lex->files);
	TAILQ_INIT(&lex->done);
	TAILQ_INIT(&lex->macros);
	lex->flags = flags;
	lex->last = CONF_T_NL;
}

static struct conf_file *
file_new(const char *name)
{
	struct conf_file	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	if ((f->name = strdup(name)) == NULL) {
		free(f);
		return NULL;
	}
	f->line = 1;
	return f;
}

static void
file_free(struct conf_file *f)
{
	if (f == NULL)
		return;
	free(f->buf);
	free(f->name);
	free(f);
}

/*
 * Read the whole file named f->name, at most CONF_FILEMAX bytes.  With
 * regular set anything but a regular file is refused, before a FIFO or
 * a device could block the read.
 */
static int
file_load(struct conf_file *f, int regular, const char **why)
{
	struct stat	 st;
	size_t		 cap = 0;
	ssize_t		 n;
	char		*p;
	int		 fd;

	*why = NULL;
	if ((fd = open(f->name, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    (regular ? O_NONBLOCK : 0))) == -1 || fstat(fd, &st) == -1)
		goto fail;
	if (regular && !S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		goto fail;
	}
	f->isfile = 1;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	for (;;) {
		if (f->len == cap) {
			if (cap > CONF_FILEMAX) {
				*why = "file is larger than 1 MiB";
				goto fail;
			}
			cap = cap == 0 ? 8192 : cap * 2;
			if (cap > CONF_FILEMAX + 1)
				cap = CONF_FILEMAX + 1;
			if ((p = realloc(f->buf, cap)) == NULL)
				goto fail;
			f->buf = p;
		}
		if ((n = read(fd, f->buf + f->len, cap - f->len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		f->len += n;
	}
	close(fd);
	f->data = f->buf;
	return 0;

 fail:
	if (*why == NULL)
		*why = strerror(errno);
	if (fd != -1)
		close(fd);
	return -1;
}

static void
lex_push(struct conf_lex *lex, struct conf_file *f)
{
	TAILQ_INSERT_HEAD(&lex->files, f, entry);
	lex->depth++;
}

int
conf_lex_open(struct conf_lex *lex, const char *path)
{
	struct conf_file	*f;
	const char		*why;

	if ((f = file_new(path)) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	if (file_load(f, 0, &why) == -1) {
		log_warnx("%s: %s", path, why);
		file_free(f);
		return -1;
	}
	lex_push(lex, f);
	lex->nfiles++;
	return 0;
}

int
conf_lex_open_buf(struct conf_lex *lex, const char *name, const char *buf,
    size_t len)
{
	struct conf_file	*f;

	if ((f = file_new(name)) == NULL) {
		log_warn("%s", name);
		return -1;
	}
	f->data = buf;
	f->len = len;
	lex_push(lex, f);
	lex->nfiles++;
	return 0;
}

void
conf_lex_close(struct conf_lex *lex)
{
	struct conf_file	*f;
	struct conf_macro	*m;

	while ((f = TAILQ_FIRST(&lex->files)) != NULL) {
		TAILQ_REMOVE(&lex->files, f, entry);
		file_free(f);
	}
	while ((f = TAILQ_FIRST(&lex->done)) != NULL) {
		TAILQ_REMOVE(&lex->done, f, entry);
		file_free(f);
	}
	file_free(lex->pending);
	lex->pending = NULL;
	while ((m = TAILQ_FIRST(&lex->macros)) != NULL) {
		TAILQ_REMOVE(&lex->macros, m, entry);
		free(m->value);
		free(m);
	}
	lex->nmacros = 0;
	lex->depth = 0;
}

static int
lex_getc(struct conf_file *f)
{
	int	c;

	if (f->off >= f->len)
		return EOF;
	c = (unsigned char)f->data[f->off++];
	if (c == '\n')
		f->line++;
	return c;
}

static int
lex_peek(struct conf_file *f)
{
	if (f->off >= f->len)
		return EOF;
	return (unsigned char)f->data[f->off];
}

/* Skip to the end of the line, leaving its newline to be read. */
static void
lex_skipline(struct conf_file *f)
{
	int	c;

	while ((c = lex_peek(f)) != EOF && c != '\n')
		f->off++;
}

static int
lex_add(struct conf_lex *lex, int c)
{
	if (lex->len >= CONF_TOKMAX)
		return -1;
	lex->text[lex->len++] = c;
	lex->text[lex->len] = '\0';
	return 0;
}

static int
is_word(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && c != EOF && strchr("-_.:/+@%,*~", c) != NULL;
}

static int
is_name(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

int
conf_lex_next(struct conf_lex *lex)
{
	int	t;

	if (lex->pending != NULL && lex->last == CONF_T_NL) {
		lex_push(lex, lex->pending);
		lex->pending = NULL;
	}
	t = lex_token(lex);
	if (t == CONF_T_NL)
		lex->quiet = 0;
	lex->last = t;
	return t;
}

static int
lex_token(struct conf_lex *lex)
{
	struct conf_file	*f;
	int			 c, t;

	for (;;) {
		lex->len = 0;
		lex->text[0] = '\0';
		if ((f = TAILQ_FIRST(&lex->files)) == NULL)
			return CONF_T_EOF;
		lex->pos.file = f->name;
		lex->pos.line = f->line;
		switch (c = lex_getc(f)) {
		case ' ':
		case '\t':
		case '\r':
			continue;
		case '#':
			lex_skipline(f);
			continue;
		case '\n':
			return CONF_T_NL;
		case EOF:
			if ((t = lex_eof(lex, f)) == -1)
				continue;
			return t;
		case '"':
			return lex_string(lex, f);
		case '$':
			return lex_macro(lex, f);
		case '{':
			return CONF_T_LBRACE;
		case '}':
			return CONF_T_RBRACE;
		case '=':
			return CONF_T_EQUAL;
		}
		if (is_word(c))
			return lex_word(lex, f, c);
		if (c > 0x20 && c < 0x7f)
			return lex_fail(lex, f, "unexpected character '%c'",
			    c);
		return lex_fail(lex, f, "unexpected byte 0x%02x", c);
	}
}

/* End of a file: close its last line, then go back to the includer. */
static int
lex_eof(struct conf_lex *lex, struct conf_file *f)
{
	if (f->off > 0 && f->data[f->off - 1] == '\n')
		lex->pos.line = f->line - 1;
	if (lex->last != CONF_T_NL && lex->last != CONF_T_EOF)
		return CONF_T_NL;
	if (TAILQ_NEXT(f, entry) == NULL)
		return CONF_T_EOF;
	TAILQ_REMOVE(&lex->files, f, entry);
	free(f->buf);
	f->buf = NULL;
	f->data = NULL;
	TAILQ_INSERT_TAIL(&lex->done, f, entry);
	lex->depth--;
	return -1;
}

static int
lex_string(struct conf_lex *lex, struct conf_file *f)
{
	int	c;

	for (;;) {
		c = lex_peek(f);
		if (c == EOF || c == '\n')
			return lex_fail(lex, f, "unterminated string");
		f->off++;
		if (c == '"')
			return CONF_T_STRING;
		if (c == '\\') {
			c = lex_peek(f);
			if (c == EOF || c == '\n')
				return lex_fail(lex, f, "unterminated string");
			f->off++;
			if (c != '"' && c != '\\')
				return lex_fail(lex, f, "invalid escape in "
				    "string (only \\\" and \\\\ are known)");
		} else if (c == '\0')
			return lex_fail(lex, f, "string contains a NUL byte");
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			return lex_fail(lex, f,
			    "string contains a control character");
		if (lex_add(lex, c) == -1)
			return lex_fail(lex, f, "string is too long (more "
			    "than %d bytes)", CONF_TOKMAX);
	}
}

static int
lex_word(struct conf_lex *lex, struct conf_file *f, int c)
{
	for (;;) {
		if (lex_add(lex, c) == -1)
			return lex_fail(lex, f, "word is too long (more than "
			    "%d bytes)", CONF_TOKMAX);
		if (!is_word(lex_peek(f)))
			return CONF_T_WORD;
		c = lex_getc(f);
	}
}

static int
lex_macro(struct conf_lex *lex, struct conf_file *f)
{
	struct conf_macro	*m;
	char			 name[CONF_MACRONAMEMAX];
	char			 q[CONF_QUOTEMAX];
	size_t			 n = 0;

	while (is_name(lex_peek(f))) {
		if (n == sizeof(name) - 1)
			return lex_fail(lex, f, "macro name is too long");
		name[n++] = lex_getc(f);
	}
	name[n] = '\0';
	if (n == 0)
		return lex_fail(lex, f, "$ must be followed by a macro name");
	if ((m = macro_find(lex, name)) == NULL)
		return lex_fail(lex, f, "macro %s is not defined",
		    conf_quote(name, q, sizeof(q)));
	lex->len = strlen(m->value);
	memcpy(lex->text, m->value, lex->len + 1);
	return CONF_T_MACRO;
}

/* Report at the token's start, drop the rest of the line. */
static int
lex_fail(struct conf_lex *lex, struct conf_file *f, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	lex_verror(lex, &lex->pos, fmt, ap);
	va_end(ap);
	lex_skipline(f);
	lex->quiet = 1;
	lex->len = 0;
	lex->text[0] = '\0';
	return CONF_T_ERROR;
}

static void
lex_verror(struct conf_lex *lex, const struct conf_pos *pos, const char *fmt,
    va_list ap)
{
	char	msg[LOG_MAXLINE];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (pos->file == NULL)
		log_warnx("%s", msg);
	else if (pos->line == 0)
		log_warnx("%s: %s", pos->file, msg);
	else
		log_warnx("%s:%d: %s", pos->file, pos->line, msg);
	lex->errors++;
}

void
conf_lex_error(struct conf_lex *lex, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	lex_verror(lex, &lex->pos, fmt, ap);
	va_end(ap);
}

void
conf_lex_error_at(struct conf_lex *lex, const struct conf_pos *pos,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	lex_verror(lex, pos, fmt, ap);
	va_end(ap);
}

void
conf_lex_getpos(struct conf_lex *lex, struct conf_pos *pos)
{
	*pos = lex->pos;
}

/* The path of an include, relative to the directory of the includer. */
static int
include_path(const char *cur, const char *path, char *buf, size_t len)
{
	const char	*slash;
	int		 n;

	slash = strrchr(cur, '/');
	if (path[0] == '/' || slash == NULL)
		n = snprintf(buf, len, "%s", path);
	else
		n = snprintf(buf, len, "%.*s/%s", (int)(slash - cur), cur,
		    path);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Refuse a file that is already open further up the stack. */
static int
include_loops(struct conf_lex *lex, const struct conf_file *nf)
{
	struct conf_file	*f;

	TAILQ_FOREACH(f, &lex->files, entry)
		if (f->isfile && f->dev == nf->dev && f->ino == nf->ino)
			return 1;
	return 0;
}

int
conf_lex_include(struct conf_lex *lex, const char *path)
{
	struct conf_file	*cur, *f;
	const char		*why;
	char			 full[PATH_MAX], q[CONF_QUOTEMAX];

	conf_quote(path, q, sizeof(q));
	if ((cur = TAILQ_FIRST(&lex->files)) == NULL || lex->pending != NULL)
		return -1;
	if (lex->flags & CONF_LEX_NOINCLUDE) {
		conf_lex_error(lex, "include %s: not allowed here", q);
		return -1;
	}
	if (include_path(cur->name, path, full, sizeof(full)) == -1) {
		conf_lex_error(lex, "include %s: path is too long", q);
		return -1;
	}
	if (lex->depth >= CONF_MAXDEPTH) {
		conf_lex_error(lex, "include %s: files nested more than %d "
		    "deep", q, CONF_MAXDEPTH);
		return -1;
	}
	if (lex->nfiles >= CONF_MAXFILES) {
		conf_lex_error(lex, "include %s: more than %d files in all",
		    q, CONF_MAXFILES);
		return -1;
	}
	if ((f = file_new(full)) == NULL) {
		conf_lex_error(lex, "include %s: %s", q, strerror(errno));
		return -1;
	}
	if (file_load(f, 1, &why) == -1 ||
	    (include_loops(lex, f) && (why = "include loop") != NULL)) {
		conf_lex_error(lex, "include %s: %s", q, why);
		file_free(f);
		return -1;
	}
	lex->pending = f;
	lex->nfiles++;
	return 0;
}

int
conf_lex_macro_name_ok(const char *name)
{
	size_t	i;

	if (!is_name((unsigned char)name[0]) ||
	    (name[0] >= '0' && name[0] <= '9'))
		return 0;
	for (i = 1; name[i] != '\0'; i++)
		if (!is_name((unsigned char)name[i]) ||
		    i >= CONF_MACRONAMEMAX - 1)
			return 0;
	return 1;
}

static struct conf_macro *
macro_find(struct conf_lex *lex, const char *name)
{
	struct conf_macro	*m;

	TAILQ_FOREACH(m, &lex->macros, entry)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

static int
macro_value_ok(const char *v)
{
	const unsigned char	*p;

	if (strlen(v) > CONF_TOKMAX)
		return 0;
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	return 1;
}

int
conf_lex_macro_set(struct conf_lex *lex, const char *name, const char *value,
    int fixed)
{
	struct conf_macro	*m;
	char			 q[CONF_QUOTEMAX];
	char			*v;

	conf_quote(name, q, sizeof(q));
	if (!conf_lex_macro_name_ok(name)) {
		conf_lex_error(lex, "invalid macro name %s", q);
		return -1;
	}
	if (!macro_value_ok(value)) {
		conf_lex_error(lex, "macro %s: value is too long or holds a "
		    "control character", q);
		return -1;
	}
	if ((m = macro_find(lex, name)) != NULL && m->fixed && !fixed)
		return 0;
	if (m == NULL && lex->nmacros >= CONF_MAXMACROS) {
		conf_lex_error(lex, "macro %s: more than %d macros", q,
		    CONF_MAXMACROS);
		return -1;
	}
	if ((v = strdup(value)) == NULL) {
		conf_lex_error(lex, "macro %s: %s", q, strerror(errno));
		return -1;
	}
	if (m == NULL) {
		if ((m = calloc(1, sizeof(*m))) == NULL) {
			free(v);
			conf_lex_error(lex, "macro %s: %s", q,
			    strerror(errno));
			return -1;
		}
		memcpy(m->name, name, strlen(name) + 1);
		TAILQ_INSERT_TAIL(&lex->macros, m, entry);
		lex->nmacros++;
	}
	free(m->value);
	m->value = v;
	m->fixed = fixed;
	return 0;
}

int
conf_lex_macro_define(struct conf_lex *lex, const char *def)
{
	char		 name[CONF_MACRONAMEMAX], q[CONF_QUOTEMAX];
	const char	*eq, *why = NULL;
	size_t		 n;

	conf_quote(def, q, sizeof(q));
	if ((eq = strchr(def, '=')) == NULL)
		why = "not a macro definition (name=value)";
	else if ((n = eq - def) >= sizeof(name))
		why = "invalid macro name";
	else {
		memcpy(name, def, n);
		name[n] = '\0';
		if (!conf_lex_macro_name_ok(name))
			why = "invalid macro name";
		else if (!macro_value_ok(eq + 1))
			why = "value is too long or holds a control character";
	}
	if (why != NULL) {
		log_warnx("-D %s: %s", q, why);
		lex->errors++;
		return -1;
	}
	return conf_lex_macro_set(lex, name, eq + 1, 1);
}

const char *
conf_quote(const char *s, char *buf, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 o = 0, i;
	char			 tmp[8];

	if (len < CONF_QUOTEMAX) {
		if (len > 0)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (i = 0; p[i] != '\0'; i++) {
		if (i == 60) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (p[i] == '"' || p[i] == '\\')
			snprintf(tmp, sizeof(tmp), "\\%c", p[i]);
		else if (p[i] >= 0x20 && p[i] < 0x7f)
			snprintf(tmp, sizeof(tmp), "%c", p[i]);
		else
			snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
		memcpy(buf + o, tmp, strlen(tmp));
		o += strlen(tmp);
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
