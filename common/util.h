/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Small helpers every process shares: strings, secrets, descriptors. */

#ifndef PCCX_UTIL_H
#define PCCX_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* strlcpy as on the BSDs: always terminates, returns strlen(src). */
size_t	 pccx_strlcpy(char *, const char *, size_t);
/*
 * secret_open: open a file that holds a secret for reading.  It must
 * be a regular file owned by root with no group or other permission
 * bits; otherwise -1 is returned and err holds a message naming the
 * file and what is wrong with it.
 */
int	 secret_open(const char *, char *, size_t);
/* secret_read: read exactly n bytes from fd; 0 or -1. */
int	 secret_read(int, void *, size_t);
/* fd_nonblock: set O_NONBLOCK; 0 or -1. */
int	 fd_nonblock(int);
/* now_mono_ms: a monotonic clock in milliseconds. */
uint64_t now_mono_ms(void);

/* The default state directory. */
#define PCCX_STATE_DIR	"/var/lib/pccx-remote"
/*
 * cgroup_name: the cgroup directory that holds a suite's sessions:
 * "pccx" for the default state directory, "pccx-" and a hash of the
 * directory for any other, so that two suites on one host never take
 * each other's sessions for what a crash left behind.
 */
void	 cgroup_name(const char *, char *, size_t);

/*
 * utf8_len: the length of the well-formed UTF-8 sequence at s (no
 * overlong form, no surrogate, nothing past U+10FFFF), or 0.
 */
size_t	 utf8_len(const unsigned char *);
/* utf8_valid: non-zero when all of s is well-formed UTF-8. */
int	 utf8_valid(const char *);
/* utf8_mend: replace each byte not in a well-formed sequence by '?'. */
void	 utf8_mend(char *);

/* "ABCD-EFGH" and its NUL */
#define LOGIN_CODELEN	10
/*
 * login_code: what the login page shows and the client prints, so that
 * the person at the browser can tell the login is the one their own
 * terminal started: the first 40 bits of SHA-256("pccx-login-code" ||
 * the login's public key), as eight characters of an alphabet without
 * 0, O, 1 and I, in two groups of four.
 */
void	 login_code(const unsigned char *, char *);

#endif
