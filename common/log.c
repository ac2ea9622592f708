/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Logging to stderr, syslog, or the parent's channel after chroot. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "proto/proto.h"

static const char	*log_name = "pccx";
static int		 log_debugmode;
static int		 log_verbose;
static struct chan	*log_chan;

void
log_init(const char *name, int debug, int verbose)
{
	log_name = name;
	log_debugmode = debug;
	log_verbose = verbose;
	if (!debug)
		openlog(name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return log_verbose;
}

const char *
log_procname(void)
{
	return log_name;
}

void
log_to_parent(struct chan *c)
{
	log_chan = c;
}

void
log_emit(int pri, const char *who, const char *text)
{
	if (log_debugmode) {
		if (who != NULL)
			fprintf(stderr, "%s: %s\n", who, text);
		else
			fprintf(stderr, "%s\n", text);
		fflush(stderr);
	} else if (who != NULL)
		syslog(pri, "%s: %s", who, text);
	else
		syslog(pri, "%s", text);
}

static void
vlog(int pri, const char *fmt, va_list ap, int with_errno)
{
	char	 line[LOG_MAXLINE];
	int	 saved = errno, n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if (with_errno && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - n, ": %s",
		    strerror(saved));
	if (log_chan != NULL) {
		proto_send_log(log_chan, pri, line);
		msg_flush_wait(log_chan);
	} else
		log_emit(pri, log_debugmode ?
		    log_name : NULL, line);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, 1);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	if (log_verbose < 0)
		return;
	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
