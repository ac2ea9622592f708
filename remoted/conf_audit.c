/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* The parent's half of the audit settings: what it sends pccx-auditd. */

#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "proto/audit.h"
#include "config.h"

#define AUDIT_DEF_ROWS		256
#define AUDIT_DEF_INTERVAL	10
#define AUDIT_DEF_REGION	"us-east-1"

static void
conf_audit_copy(struct p_audit_conf *p, const struct conf_audit *a)
{
	p->checkpoint_rows = a->checkpoint_rows ? a->checkpoint_rows :
	    AUDIT_DEF_ROWS;
	/* A shipped object ends at a checkpoint: keep objects bounded. */
	if (p->checkpoint_rows > AUDIT_CP_ROWS_MAX)
		p->checkpoint_rows = AUDIT_CP_ROWS_MAX;
	p->checkpoint_interval = a->checkpoint_interval ?
	    a->checkpoint_interval : AUDIT_DEF_INTERVAL;
	pccx_strlcpy(p->host, a->host, sizeof(p->host));
	pccx_strlcpy(p->recipient, a->recipient, sizeof(p->recipient));
	p->s3_set = a->s3_set ? 1 : 0;
	if (!p->s3_set)
		return;
	pccx_strlcpy(p->s3_endpoint, a->s3_endpoint, sizeof(p->s3_endpoint));
	pccx_strlcpy(p->s3_bucket, a->s3_bucket, sizeof(p->s3_bucket));
	pccx_strlcpy(p->s3_prefix, a->s3_prefix, sizeof(p->s3_prefix));
	pccx_strlcpy(p->s3_region, a->s3_region[0] ? a->s3_region :
	    AUDIT_DEF_REGION, sizeof(p->s3_region));
	pccx_strlcpy(p->s3_access_key, a->s3_access_key,
	    sizeof(p->s3_access_key));
	pccx_strlcpy(p->s3_secret_file, a->s3_secret_file,
	    sizeof(p->s3_secret_file));
	pccx_strlcpy(p->s3_ca_file, a->s3_ca_file, sizeof(p->s3_ca_file));
}

/*
 * The S3 secret goes as a descriptor, the first time only: the
 * daemon reads it before it confines itself.  A secret file that is
 * not root-owned 0600 turns shipping off, with a warning.
 */
static int
conf_audit_secret(struct chan *c, const char *path)
{
	struct p_conf_key	k = { "s3-secret" };
	char			err[PATH_MAX + 128];
	int			fd;

	if ((fd = secret_open(path, err, sizeof(err))) == -1) {
		log_warnx("audit: %s", err);
		return -1;
	}
	if (proto_send_conf_key(c, fd, &k) == -1)
		fatalx("send s3 secret");
	return 0;
}

/*
 * conf_send_audit: send pccx-auditd its settings (MSG_AUDIT_CONF)
 * and, when first is set, the S3 secret.  Called by the parent for
 * each child configuration, before MSG_CONF_END.  Settings that do
 * not pass the daemon's own checks are replaced by "no shipping",
 * with a warning, so that the daemon never sees a message it must
 * refuse.
 */
void
conf_send_audit(struct chan *c, const struct config *cf, int first)
{
	struct p_audit_conf	p = { 0 };

	conf_audit_copy(&p, &cf->audit);
	if (p.host[0] == '\0' && (gethostname(p.host, sizeof(p.host)) == -1 ||
	    audit_conf_check(&p) == -1))
		pccx_strlcpy(p.host, "localhost", sizeof(p.host));
	if (audit_conf_check(&p) == -1) {
		log_warnx("audit: settings out of range; rows not shipped");
		conf_audit_copy(&p, &(struct conf_audit){
		    .checkpoint_rows = cf->audit.checkpoint_rows,
		    .checkpoint_interval = cf->audit.checkpoint_interval });
		if (audit_conf_check(&p) == -1)
			conf_audit_copy(&p, &(struct conf_audit){ 0 });
	}
	if (first && p.s3_set && conf_audit_secret(c, p.s3_secret_file) == -1)
		p.s3_set = 0;
	if (proto_send_audit_conf(c, &p) == -1)
		fatalx("send audit settings");
}
