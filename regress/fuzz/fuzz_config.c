/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Fuzz target: the config lexer, grammar and printer on hostile bytes. */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "proto/proto.h"
#include "remoted/config.h"

/*
 * Messages are formatted, so that a bad argument still shows, and
 * dropped: syslog or stderr would only slow the fuzzer down.
 */
static void
log_drop(const char *fmt, va_list ap)
{
	char	buf[LOG_MAXLINE];

	vsnprintf(buf, sizeof(buf), fmt, ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_drop(fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_drop(fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_drop(fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_drop(fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

static char *
print(const struct config *conf, size_t *len)
{
	char	*s = NULL;
	FILE	*fp;

	if ((fp = open_memstream(&s, len)) == NULL)
		abort();
	config_print(fp, conf);
	if (fclose(fp) != 0)
		abort();
	return s;
}

/* What the blocks of an accepted configuration must hold. */
static void
check_blocks(const struct config *conf)
{
	const struct conf_oidc		*o = &conf->oidc;
	const struct conf_audit		*a = &conf->audit;
	const struct conf_project	*pr;
	const struct conf_member	*m;

	if (conf->tokens.idle > conf->tokens.lifetime ||
	    conf->webauthn.norigins < 1 ||
	    conf->webauthn.norigins > CONFIG_MAXORIGINS)
		abort();
	if (o->set && (o->issuer[0] == '\0' || o->client_id[0] == '\0' ||
	    o->client_secret_file[0] != '/' || o->redirect_uri[0] == '\0'))
		abort();
	if (a->s3_set && (a->s3_endpoint[0] == '\0' ||
	    a->s3_bucket[0] == '\0' || a->s3_access_key[0] == '\0' ||
	    a->s3_secret_file[0] != '/'))
		abort();
	TAILQ_FOREACH(pr, &conf->projects, entry) {
		if (pr->path[0] != '/' || strcmp(pr->path, "/") == 0)
			abort();
		TAILQ_FOREACH(m, &pr->members, entry)
			if (config_find_user(conf, m->user) == NULL ||
			    m->role < ROLE_VIEWER || m->role > ROLE_OWNER)
				abort();
	}
}

/* What every accepted configuration must hold. */
static void
check(const struct config *conf)
{
	const struct listen_addr	*la;

	if (TAILQ_EMPTY(&conf->listens) ||
	    proto_check_limits(&conf->limits) != 0 ||
	    conf->state_dir[0] != '/' || conf->token_key[0] != '/' ||
	    conf->audit_key[0] != '/' || conf->control_socket[0] != '/')
		abort();
	TAILQ_FOREACH(la, &conf->listens, entry)
		if (la->port == 0 || (la->tls && conf->tls_cert[0] == '\0'))
			abort();
	check_blocks(conf);
}

/*
 * Parse the bytes; when they make a configuration, its printed form
 * must parse again and print the same.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*a, *b;
	char		*pa, *pb;
	size_t		 la, lb;

	if ((a = config_parse_buf("fuzz", (const char *)data, size,
	    NULL)) == NULL)
		return 0;
	check(a);
	pa = print(a, &la);
	if ((b = config_parse_buf("printed", pa, la, NULL)) == NULL) {
		fprintf(stderr, "printed form does not parse:\n%s", pa);
		abort();
	}
	pb = print(b, &lb);
	if (la != lb || memcmp(pa, pb, la) != 0) {
		fprintf(stderr, "printed twice differently:\n%s---\n%s",
		    pa, pb);
		abort();
	}
	free(pa);
	free(pb);
	config_free(a);
	config_free(b);
	return 0;
}
