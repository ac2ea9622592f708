/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* pccx-auditd: keeps the append-only audit log and its signing key. */

#include <sys/stat.h>

#include <curl/curl.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/child.h"
#include "common/log.h"
#include "common/util.h"
#include "auditd.h"

/* CA bundle used when the configuration names none. */
#define AUDIT_SYSTEM_CA		"/etc/ssl/certs/ca-certificates.crt"
#define AUDIT_CA_MAX		(4 * 1024 * 1024)
#define AUDIT_SECRET_MAX	256

extern const struct sandbox_policy	sandbox_audit;
extern const int			caps_audit[];
extern const size_t			ncaps_audit;

static unsigned char		audit_pk[crypto_sign_PUBLICKEYBYTES];
static unsigned char		audit_sk[crypto_sign_SECRETKEYBYTES];
static struct audit_store	store;
static struct p_audit_conf	conf;
static int			have_conf;
static char			s3_secret[AUDIT_SECRET_MAX];
static char			*ca_pem;
static size_t			 ca_len;

static int	audit_msg_conf(struct chan *, struct msg *);

/* The largest MSG_AUDIT_CONF: each string at its bound, plus lengths. */
#define P_AUDIT_CONF_MAX	(4 + 4 + 1 + 9 * 2 +			\
	sizeof(conf.host) +						\
	sizeof(conf.recipient) + sizeof(conf.s3_endpoint) +		\
	sizeof(conf.s3_bucket) + sizeof(conf.s3_prefix) +		\
	sizeof(conf.s3_region) + sizeof(conf.s3_access_key) +		\
	sizeof(conf.s3_secret_file) + sizeof(conf.s3_ca_file))

#define SENDERS	(PROC_BIT(PROC_FRONT) | PROC_BIT(PROC_AUTH) | \
	PROC_BIT(PROC_TUNNEL) | PROC_BIT(PROC_SESSION))

/*
 * What the audit daemon accepts.  Rows come from every daemon that
 * decides something; they may arrive while this one is still being
 * configured, and then wait for the store.
 */
static const struct msg_rule audit_rules[] = {
	{ MSG_AUDIT_APPEND, SENDERS, ST_ANY, MSG_FD_NEVER,
	    P_AUDIT_ROW_MIN, P_AUDIT_ROW_MAX, append_msg },
	{ MSG_AUDIT_CONF, PROC_BIT(PROC_PARENT), ST_ANY, MSG_FD_NEVER,
	    27, P_AUDIT_CONF_MAX, audit_msg_conf },
	{ MSG_AUDIT_SUBSCRIBE, PROC_BIT(PROC_FRONT), ST_RUN, MSG_FD_NEVER,
	    P_AUDIT_SUB_MIN, P_AUDIT_SUB_MAX, feed_msg_sub },
	{ MSG_AUDIT_GRANT, PROC_BIT(PROC_AUTH), ST_RUN, MSG_FD_NEVER,
	    P_AUDIT_SUB_MIN, P_AUDIT_SUB_MAX, feed_msg_grant },
	{ MSG_AUDIT_MORE, PROC_BIT(PROC_FRONT), ST_RUN, MSG_FD_NEVER,
	    8, 8, feed_msg_more },
	{ MSG_AUDIT_UNSUBSCRIBE, PROC_BIT(PROC_FRONT), ST_RUN, MSG_FD_NEVER,
	    4, 4, feed_msg_unsub },
};

static int
audit_msg_conf(struct chan *c, struct msg *m)
{
	struct p_audit_conf	p;

	if (proto_get_audit_conf(m, &p) == -1)
		return -1;
	conf = p;
	have_conf = 1;
	return 0;
}

/* Read a whole file that was opened before confinement. */
static char *
file_slurp(int fd, size_t max, size_t *len)
{
	struct stat	 st;
	char		*buf;

	if (fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    (size_t)st.st_size > max || (buf = malloc(st.st_size + 1)) ==
	    NULL)
		return NULL;
	if (pread(fd, buf, st.st_size, 0) != st.st_size) {
		free(buf);
		return NULL;
	}
	buf[st.st_size] = '\0';
	*len = st.st_size;
	return buf;
}

/* The secret key of the S3 store, passed by the parent as a file. */
static int
audit_read_secret(void)
{
	char	*buf;
	size_t	 len;
	int	 fd = child_keyfd("s3-secret");

	if (fd == -1 || (buf = file_slurp(fd, sizeof(s3_secret) - 1,
	    &len)) == NULL) {
		log_warnx("s3: no secret key file");
		return -1;
	}
	len = strcspn(buf, "\r\n");
	memcpy(s3_secret, buf, len);
	s3_secret[len] = '\0';
	sodium_memzero(buf, len);
	free(buf);
	return s3_secret[0] == '\0' ? -1 : 0;
}

static int
audit_read_ca(void)
{
	const char	*path = conf.s3_ca_file[0] != '\0' ? conf.s3_ca_file :
			    AUDIT_SYSTEM_CA;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("s3: %s", path);
		return -1;
	}
	ca_pem = file_slurp(fd, AUDIT_CA_MAX, &ca_len);
	close(fd);
	if (ca_pem == NULL)
		log_warnx("s3: %s: cannot read", path);
	return ca_pem == NULL ? -1 : 0;
}

/*
 * Before confinement: the signing key, libcurl and OpenSSL set up
 * while their files are reachable, the S3 secret and CA bundle, and
 * the host name (uname is refused later).
 *
 * The S3 endpoint is best an IP literal: after chroot no resolver
 * files are reachable.  For a name, give the daemon's root
 * (<state>/audit) an etc/hosts, or etc/resolv.conf with
 * etc/nsswitch.conf: libcurl's resolver thread reads them there.
 */
static int
audit_setup(void)
{
	if (child_sign_key("audit", audit_pk, audit_sk) == -1)
		return -1;
	if (!have_conf)
		fatalx("no audit configuration");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	if (conf.host[0] == '\0' && (gethostname(conf.host,
	    sizeof(conf.host)) == -1 || audit_conf_check(&conf) == -1))
		pccx_strlcpy(conf.host, "localhost", sizeof(conf.host));
	if (conf.s3_set && (audit_read_secret() == -1 ||
	    audit_read_ca() == -1))
		log_warnx("s3: settings incomplete; rows are kept locally");
	return 0;
}

static int
audit_serve(void)
{
	int	ship;

	if (store_open(&store, AUDIT_DB, audit_sk) == -1)
		return -1;
	store_write_pub(audit_pk);
	store_write_meta(&store, &conf);
	if (ship_init(child_base(), &store) == -1)
		return -1;
	ship = ship_configure(&conf, s3_secret[0] != '\0' ? s3_secret : NULL,
	    ca_pem, ca_len);
	sodium_memzero(s3_secret, sizeof(s3_secret));
	if (ship == -1)
		return -1;
	append_init(child_base(), &store);
	append_configure(&conf, ship);
	if (feed_init(child_base(), &store) == -1)
		return -1;
	log_info("audit log at seq %llu, checkpoint %llu%s",
	    (unsigned long long)store.head,
	    (unsigned long long)store.cp_seq, ship ? ", shipping" : "");
	return 0;
}

/* A reload: new checkpoint and shipping settings, same secret. */
static void
audit_reload(void)
{
	append_configure(&conf, ship_configure(&conf, NULL, NULL, 0) == 1);
	store_write_meta(&store, &conf);
}

static const struct child_role audit_role = {
	.proc = PROC_AUDIT,
	.caps = caps_audit,
	.policy = &sandbox_audit,
	.rules = audit_rules,
	.nrules = sizeof(audit_rules) / sizeof(audit_rules[0]),
	.setup = audit_setup,
	.serve = audit_serve,
	.reload = audit_reload,
};

int
main(int argc, char *argv[])
{
	struct child_role	r = audit_role;

	r.ncaps = ncaps_audit;
	child_main(&r, argc, argv);
}
