/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The auth daemon's database: devices, enrolment codes, sessions. */

#ifndef PCCX_STORE_H
#define PCCX_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STORE_IDLEN		22	/* base64url of 16 random bytes */
#define STORE_NAMEMAX		64
#define STORE_CREDMAX		1023
#define STORE_COSEMAX		128
#define STORE_WGKEYLEN		44	/* base64 of 32 bytes */
/* base64url of 24 random bytes */
#define STORE_CODELEN		32
#define STORE_CODE_TTL		(24 * 3600)
#define STORE_MAXDEVICES	16	/* per user */

/* One registered device: a hardware key and a WireGuard key. */
struct store_device {
	char		id[STORE_IDLEN + 1];
	char		user[STORE_NAMEMAX];
	char		name[STORE_NAMEMAX];
	uint8_t		cred_id[STORE_CREDMAX];
	size_t		cred_idlen;
	uint8_t		cose[STORE_COSEMAX];
	size_t		coselen;
	uint32_t	sign_count;
	uint8_t		aaguid[16];
	char		wg_key[STORE_WGKEYLEN + 1];
	int64_t		created;
	int64_t		revoked;	/* 0: live */
};

/*
 * One login session as kept across restarts: what the token table
 * holds, and the tunnel addresses its peer was given ("" if none).
 */
struct store_session {
	char		sid[STORE_IDLEN + 1];
	char		user[STORE_NAMEMAX];
	char		device[STORE_NAMEMAX];
	uint8_t		login_pk[32];
	char		jkt[44];		/* base64url SHA-256 */
	int64_t		exp;			/* hard expiry */
	int64_t		last_use;
	uint32_t	gen;
	char		addr4[64];
	char		addr6[64];
};

struct store;

/*
 * store_open: open or create the database at path (relative to the
 * chroot once confined; call in setup()); NULL, logged, on error.
 */
struct store	*store_open(const char *);
void		 store_close(struct store *);

/*
 * store_device_add: record a new device; d->id is filled in.  The WireGuard
 * key must be the base64 of exactly 32 bytes.  0; 1 when the user
 * already has STORE_MAXDEVICES live devices (all a login looks
 * through); or -1.
 */
int		 store_device_add(struct store *, struct store_device *,
		    time_t);
/* store_device_count: the live devices of user, or -1. */
int		 store_device_count(struct store *, const char *);
/*
 * store_devices: up to max live devices of user into out; returns how
 * many, or -1 on error.
 */
int		 store_devices(struct store *, const char *,
		    struct store_device *, int);
/* store_device_get: a device by id, revoked or not; 0, 1 absent, -1. */
int		 store_device_get(struct store *, const char *,
		    struct store_device *);
/* store_device_counter: record a new sign counter; 0 or -1. */
int		 store_device_counter(struct store *, const char *,
		    uint32_t);
/*
 * store_device_revoke: mark device id (of user, unless user is NULL)
 * revoked; returns how many rows changed, or -1.
 */
int		 store_device_revoke(struct store *, const char *,
		    const char *, time_t);
/* store_user_revoke: revoke every device of user; count or -1. */
int		 store_user_revoke(struct store *, const char *, time_t);

/*
 * store_code_new: a fresh single-use enrolment code for user, valid
 * STORE_CODE_TTL seconds, into code (STORE_CODELEN + 1 bytes); only
 * its BLAKE2b hash is kept.  0 or -1.
 */
int		 store_code_new(struct store *, const char *, char *,
		    time_t);
/*
 * store_code_use: consume code if it is live and issued for user;
 * 0 when it was, 1 when it is unknown, spent, expired or another
 * user's, -1 on error.
 */
int		 store_code_use(struct store *, const char *, const char *,
		    time_t);

/*
 * Sessions.  Writes to them leave the device cache alone.
 * store_session_add: insert (or replace) a session opened at now; 0
 * or -1.  store_session_use: raise its generation and last use to at
 * least gen and last_use.  store_session_lease: record its tunnel
 * addresses.  store_session_del: forget it (ended, revoked, expired).
 * These three return the rows changed, or -1.
 */
int		 store_session_add(struct store *,
		    const struct store_session *, time_t);
int		 store_session_use(struct store *, const char *, uint32_t,
		    int64_t);
int		 store_session_lease(struct store *, const char *,
		    const char *, const char *);
int		 store_session_del(struct store *, const char *);
/*
 * store_sessions_load: delete the sessions dead at now (hard expiry,
 * or last use more than idle seconds ago), then call fn(arg, row) for
 * each one left, oldest first.  How many, or -1.
 */
int		 store_sessions_load(struct store *, time_t, uint32_t,
		    void (*)(void *, const struct store_session *), void *);
/* store_begin, store_commit: one transaction around a batch; 0 or -1. */
int		 store_begin(struct store *);
int		 store_commit(struct store *);

/* store_wgkey_ok: non-zero when s is base64 of exactly 32 bytes. */
int		 store_wgkey_ok(const char *);

#endif
