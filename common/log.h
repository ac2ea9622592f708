/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* One logging API for every process; children forward to the parent. */

#ifndef PCCX_LOG_H
#define PCCX_LOG_H

#include <stdarg.h>

struct chan;

/*
 * log_init: set the process name shown in each line, whether to log to
 * stderr (debug != 0) or syslog, and the verbosity (each -v adds one).
 */
void	log_init(const char *, int, int);
/* log_setverbose: change the verbosity, for a reload. */
void	log_setverbose(int);
int	log_getverbose(void);
/*
 * log_to_parent: from now on hand every record to the parent over the
 * channel instead of writing it here; used by children after chroot.
 */
void	log_to_parent(struct chan *);
const char *log_procname(void);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* log_emit: write one finished record from a child (parent only). */
void	log_emit(int, const char *, const char *);

#define LOG_MAXLINE	1024

#endif
