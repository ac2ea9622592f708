/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Audit messages' codecs, the row hash, checkpoints, FTS5 quoting, keys. */

#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "common/wire.h"
#include "proto/audit.h"

static const char	 row_tag[] = "pccx-audit-row-v1\n";
static const char	 cp_tag[] = "pccx-remote audit checkpoint v1";

int
audit_outcome_valid(const char *s)
{
	return strcmp(s, "allow") == 0 || strcmp(s, "deny") == 0 ||
	    strcmp(s, "ok") == 0 || strcmp(s, "fail") == 0 ? 0 : -1;
}

/*
 * No byte below 0x20 and no DEL: these fields end up on terminals; and
 * well-formed UTF-8, as the rows are shipped and fed as JSON text.
 */
static int
text_clean(const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -1;
	return utf8_valid(s) ? 0 : -1;
}

/* A field as text_clean wants it: what is not, becomes '?'. */
static void
text_mend(char *s)
{
	char	*p;

	utf8_mend(s);
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static int
json_valid(const char *s)
{
	json_t	*j;

	if ((j = json_loads(s, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
	    NULL)) == NULL)
		return -1;
	json_decref(j);
	return 0;
}

/*
 * The sender mends what the receiver would refuse: a name that came
 * from outside (a project in a query, say) must not make a row that
 * could not be stored, or could be stored but not shipped.
 */
static int
row_clean(const struct p_audit_row *p)
{
	return text_clean(p->actor) == 0 && text_clean(p->device) == 0 &&
	    text_clean(p->source) == 0 && text_clean(p->action) == 0 &&
	    text_clean(p->project) == 0 && text_clean(p->object) == 0;
}

int
proto_send_audit_append(struct chan *c, uint32_t peerid,
    const struct p_audit_row *row)
{
	const struct p_audit_row	*p = row;
	struct p_audit_row		*t = NULL;
	struct wire_w			 w;
	int				 rv;

	/* a copy only for the rare row that needs mending */
	if (!row_clean(row)) {
		if ((t = malloc(sizeof(*t))) == NULL)
			return -1;
		*t = *row;
		text_mend(t->actor);
		text_mend(t->device);
		text_mend(t->source);
		text_mend(t->action);
		text_mend(t->project);
		text_mend(t->object);
		p = t;
	}
	wire_w_init(&w);
	wire_put_u64(&w, p->time);
	wire_put_str(&w, p->actor);
	wire_put_str(&w, p->device);
	wire_put_str(&w, p->source);
	wire_put_str(&w, p->action);
	wire_put_str(&w, p->project);
	wire_put_str(&w, p->object);
	wire_put_str(&w, p->outcome);
	wire_put_str(&w, p->detail);
	rv = proto_send_plain(c, MSG_AUDIT_APPEND, peerid, &w);
	free(t);
	return rv;
}

int
proto_get_audit_append(const struct msg *m, struct p_audit_row *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->time = wire_get_u64(&r);
	wire_get_str(&r, p->actor, sizeof(p->actor));
	wire_get_str(&r, p->device, sizeof(p->device));
	wire_get_str(&r, p->source, sizeof(p->source));
	wire_get_str(&r, p->action, sizeof(p->action));
	wire_get_str(&r, p->project, sizeof(p->project));
	wire_get_str(&r, p->object, sizeof(p->object));
	wire_get_str(&r, p->outcome, sizeof(p->outcome));
	wire_get_str(&r, p->detail, sizeof(p->detail));
	if (wire_done(&r) == -1 || audit_outcome_valid(p->outcome) == -1 ||
	    p->action[0] == '\0' || p->time > INT64_MAX)
		return -1;
	if (!row_clean(p))
		return -1;
	return json_valid(p->detail);
}

int
audit_append(struct chan *c, uint32_t peerid, const struct p_audit_row *p)
{
	struct p_audit_row	tmp;

	if (p->detail[0] != '\0')
		return proto_send_audit_append(c, peerid, p);
	tmp = *p;
	memcpy(tmp.detail, "{}", 3);
	return proto_send_audit_append(c, peerid, &tmp);
}

int
proto_send_audit_ack(struct chan *c, uint32_t peerid, uint64_t seq)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u64(&w, seq);
	return proto_send_plain(c, MSG_AUDIT_ACK, peerid, &w);
}

int
proto_get_audit_ack(const struct msg *m, uint64_t *seq)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	*seq = wire_get_u64(&r);
	if (*seq == 0 || *seq > INT64_MAX)
		return -1;
	return wire_done(&r);
}

int
proto_send_audit_nack(struct chan *c, uint32_t peerid, uint32_t why)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u32(&w, why);
	return proto_send_plain(c, MSG_AUDIT_NACK, peerid, &w);
}

int
proto_get_audit_nack(const struct msg *m, uint32_t *why)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	*why = wire_get_range(&r, AUDIT_NACK_STORE, AUDIT_NACK_FULL);
	return wire_done(&r);
}

int
proto_send_audit_revoked(struct chan *c, const struct p_audit_revoked *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u8(&w, p->kind);
	wire_put_str(&w, p->id);
	return proto_send_plain(c, MSG_AUDIT_REVOKED, 0, &w);
}

int
proto_get_audit_revoked(const struct msg *m, struct p_audit_revoked *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->kind = wire_get_u8(&r);
	wire_get_str(&r, p->id, sizeof(p->id));
	if (p->kind < AUDIT_REVOKE_USER || p->kind > AUDIT_REVOKE_SESSION ||
	    p->id[0] == '\0' || text_clean(p->id) == -1)
		return -1;
	return wire_done(&r);
}

int
proto_send_audit_conf(struct chan *c, const struct p_audit_conf *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u32(&w, p->checkpoint_rows);
	wire_put_u32(&w, p->checkpoint_interval);
	wire_put_str(&w, p->host);
	wire_put_str(&w, p->recipient);
	wire_put_u8(&w, p->s3_set);
	wire_put_str(&w, p->s3_endpoint);
	wire_put_str(&w, p->s3_bucket);
	wire_put_str(&w, p->s3_prefix);
	wire_put_str(&w, p->s3_region);
	wire_put_str(&w, p->s3_access_key);
	wire_put_str(&w, p->s3_secret_file);
	wire_put_str(&w, p->s3_ca_file);
	return proto_send_plain(c, MSG_AUDIT_CONF, 0, &w);
}

int
proto_get_audit_conf(const struct msg *m, struct p_audit_conf *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->checkpoint_rows = wire_get_u32(&r);
	p->checkpoint_interval = wire_get_u32(&r);
	wire_get_str(&r, p->host, sizeof(p->host));
	wire_get_str(&r, p->recipient, sizeof(p->recipient));
	p->s3_set = wire_get_u8(&r);
	wire_get_str(&r, p->s3_endpoint, sizeof(p->s3_endpoint));
	wire_get_str(&r, p->s3_bucket, sizeof(p->s3_bucket));
	wire_get_str(&r, p->s3_prefix, sizeof(p->s3_prefix));
	wire_get_str(&r, p->s3_region, sizeof(p->s3_region));
	wire_get_str(&r, p->s3_access_key, sizeof(p->s3_access_key));
	wire_get_str(&r, p->s3_secret_file, sizeof(p->s3_secret_file));
	wire_get_str(&r, p->s3_ca_file, sizeof(p->s3_ca_file));
	if (wire_done(&r) == -1)
		return -1;
	return audit_conf_check(p);
}

/* Every byte of s is in the set, and s has from lo to hi bytes. */
static int
chars_in(const char *s, const char *set, size_t lo, size_t hi)
{
	size_t	n = strlen(s);

	if (n < lo || n > hi || strspn(s, set) != n)
		return -1;
	return 0;
}

#define LOWER	"abcdefghijklmnopqrstuvwxyz"
#define UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT	"0123456789"

/* Names that become parts of a URL path or a host name. */
static int
s3_check(const struct p_audit_conf *p)
{
	const char	*host = p->s3_endpoint + 8;

	if (strncmp(p->s3_endpoint, "https://", 8) != 0 ||
	    chars_in(host, LOWER UPPER DIGIT ".-:[]", 1, 255) == -1 ||
	    chars_in(p->s3_bucket, LOWER DIGIT ".-", 3, 63) == -1 ||
	    chars_in(p->s3_prefix, LOWER UPPER DIGIT "/._-", 0, 200) == -1 ||
	    chars_in(p->s3_region, LOWER DIGIT "-", 1, 63) == -1 ||
	    chars_in(p->s3_access_key, LOWER UPPER DIGIT "/+=._-", 1,
	    127) == -1)
		return -1;
	if (p->s3_prefix[0] == '/' || strstr(p->s3_prefix, "//") != NULL ||
	    strstr(p->s3_prefix, "..") != NULL ||
	    (p->s3_prefix[0] != '\0' &&
	    p->s3_prefix[strlen(p->s3_prefix) - 1] == '/'))
		return -1;
	if (p->s3_secret_file[0] != '/' ||
	    (p->s3_ca_file[0] != '\0' && p->s3_ca_file[0] != '/'))
		return -1;
	return 0;
}

int
audit_conf_check(const struct p_audit_conf *p)
{
	if (p->checkpoint_rows < AUDIT_CP_ROWS_MIN ||
	    p->checkpoint_rows > AUDIT_CP_ROWS_MAX ||
	    p->checkpoint_interval < AUDIT_CP_INTERVAL_MIN ||
	    p->checkpoint_interval > AUDIT_CP_INTERVAL_MAX ||
	    p->s3_set > 1)
		return -1;
	if (chars_in(p->host, LOWER UPPER DIGIT "._-", 0, 63) == -1 ||
	    strcmp(p->host, ".") == 0 || strcmp(p->host, "..") == 0 ||
	    chars_in(p->recipient, LOWER DIGIT, 0, 127) == -1)
		return -1;
	if (p->s3_set && s3_check(p) == -1)
		return -1;
	return 0;
}

static int
audit_sub_send(struct chan *c, uint16_t type, const struct p_audit_sub *p)
{
	struct wire_w	*w;
	int		 i, rv;

	if ((w = malloc(sizeof(*w))) == NULL)
		return -1;
	wire_w_init(w);
	wire_put_u32(w, p->sub);
	wire_put_u64(w, p->since);
	wire_put_u64(w, p->grant);
	wire_put_u32(w, p->window);
	wire_put_u8(w, p->suite);
	wire_put_u8(w, p->nprojects);
	wire_put_str(w, p->user);
	for (i = 0; i < p->nprojects && i < AUDIT_SUB_MAXPROJECTS; i++)
		wire_put_str(w, p->projects[i]);
	rv = proto_send_plain(c, type, p->sub, w);
	free(w);
	return rv;
}

int
proto_send_audit_sub(struct chan *c, const struct p_audit_sub *p)
{
	return audit_sub_send(c, MSG_AUDIT_SUBSCRIBE, p);
}

int
proto_send_audit_grant(struct chan *c, const struct p_audit_sub *p)
{
	return audit_sub_send(c, MSG_AUDIT_GRANT, p);
}

int
proto_get_audit_sub(const struct msg *m, struct p_audit_sub *p)
{
	struct wire_r	r;
	int		i;

	memset(p, 0, sizeof(*p));
	wire_r_init(&r, m->data, m->len);
	p->sub = wire_get_u32(&r);
	p->since = wire_get_u64(&r);
	p->grant = wire_get_u64(&r);
	p->window = wire_get_range(&r, 1, AUDIT_SUB_WINDOW_MAX);
	p->suite = wire_get_u8(&r);
	p->nprojects = wire_get_u8(&r);
	wire_get_str(&r, p->user, sizeof(p->user));
	if (p->nprojects > AUDIT_SUB_MAXPROJECTS || p->suite > 1 ||
	    p->since > AUDIT_SINCE_HEAD)
		return -1;
	for (i = 0; i < p->nprojects; i++) {
		wire_get_str(&r, p->projects[i], sizeof(p->projects[i]));
		if (p->projects[i][0] == '\0' || text_clean(p->projects[i]))
			return -1;
	}
	if (wire_done(&r) == -1 || p->user[0] == '\0' ||
	    text_clean(p->user))
		return -1;
	return 0;
}

int
proto_get_audit_grant(const struct msg *m, struct p_audit_sub *p)
{
	if (proto_get_audit_sub(m, p) == -1 || p->grant == 0)
		return -1;
	return 0;
}

int
proto_send_audit_more(struct chan *c, const struct p_audit_more *p)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u32(&w, p->sub);
	wire_put_u32(&w, p->rows);
	return proto_send_plain(c, MSG_AUDIT_MORE, p->sub, &w);
}

int
proto_get_audit_more(const struct msg *m, struct p_audit_more *p)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	p->sub = wire_get_u32(&r);
	p->rows = wire_get_range(&r, 1, AUDIT_SUB_WINDOW_MAX);
	return wire_done(&r);
}

int
proto_send_audit_unsub(struct chan *c, uint32_t sub)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u32(&w, sub);
	return proto_send_plain(c, MSG_AUDIT_UNSUBSCRIBE, sub, &w);
}

int
proto_get_audit_unsub(const struct msg *m, uint32_t *sub)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	*sub = wire_get_u32(&r);
	return wire_done(&r);
}

int
proto_send_audit_event(struct chan *c, const struct p_audit_event *p)
{
	struct wire_w	*w;
	int		 rv;

	if ((w = malloc(sizeof(*w))) == NULL)
		return -1;
	wire_w_init(w);
	wire_put_u32(w, p->sub);
	wire_put_u8(w, p->replay);
	wire_put_u64(w, p->seq);
	wire_put_str(w, p->daemon);
	wire_put_u64(w, p->row.time);
	wire_put_str(w, p->row.actor);
	wire_put_str(w, p->row.device);
	wire_put_str(w, p->row.source);
	wire_put_str(w, p->row.action);
	wire_put_str(w, p->row.project);
	wire_put_str(w, p->row.object);
	wire_put_str(w, p->row.outcome);
	wire_put_str(w, p->row.detail);
	rv = proto_send_plain(c, MSG_AUDIT_EVENT, p->sub, w);
	free(w);
	return rv;
}

int
proto_get_audit_event(const struct msg *m, struct p_audit_event *p)
{
	struct wire_r		 r;
	struct p_audit_row	*row = &p->row;

	wire_r_init(&r, m->data, m->len);
	p->sub = wire_get_u32(&r);
	p->replay = wire_get_u8(&r);
	p->seq = wire_get_u64(&r);
	wire_get_str(&r, p->daemon, sizeof(p->daemon));
	row->time = wire_get_u64(&r);
	wire_get_str(&r, row->actor, sizeof(row->actor));
	wire_get_str(&r, row->device, sizeof(row->device));
	wire_get_str(&r, row->source, sizeof(row->source));
	wire_get_str(&r, row->action, sizeof(row->action));
	wire_get_str(&r, row->project, sizeof(row->project));
	wire_get_str(&r, row->object, sizeof(row->object));
	wire_get_str(&r, row->outcome, sizeof(row->outcome));
	wire_get_str(&r, row->detail, sizeof(row->detail));
	if (wire_done(&r) == -1 || p->replay > 1 || p->seq == 0 ||
	    p->seq > INT64_MAX || row->time > INT64_MAX ||
	    text_clean(p->daemon) || text_clean(row->actor) ||
	    text_clean(row->device) || text_clean(row->source) ||
	    text_clean(row->action) || text_clean(row->project) ||
	    text_clean(row->object) || audit_outcome_valid(row->outcome))
		return -1;
	return json_valid(row->detail);
}

int
proto_send_audit_subend(struct chan *c, uint32_t sub, uint8_t why)
{
	struct wire_w	w;

	wire_w_init(&w);
	wire_put_u32(&w, sub);
	wire_put_u8(&w, why);
	return proto_send_plain(c, MSG_AUDIT_SUBEND, sub, &w);
}

int
proto_get_audit_subend(const struct msg *m, uint32_t *sub, uint8_t *why)
{
	struct wire_r	r;

	wire_r_init(&r, m->data, m->len);
	*sub = wire_get_u32(&r);
	*why = wire_get_u8(&r);
	if (*why < AUDIT_SUBEND_STORE || *why > AUDIT_SUBEND_DENIED)
		return -1;
	return wire_done(&r);
}

int
audit_sub_match(const struct p_audit_sub *s, const char *project)
{
	int	i;

	if (project[0] == '\0')
		return s->suite;
	for (i = 0; i < s->nprojects; i++)
		if (strcmp(s->projects[i], project) == 0)
			return 1;
	return 0;
}

/* audit_sub_within: see proto/audit.h. */
int
audit_sub_within(const struct p_audit_sub *s, const struct p_audit_sub *g)
{
	int	i, j;

	if (s->grant == 0 || s->grant != g->grant ||
	    strcmp(s->user, g->user) != 0 || (s->suite && !g->suite))
		return 0;
	for (i = 0; i < s->nprojects; i++) {
		for (j = 0; j < g->nprojects; j++)
			if (strcmp(s->projects[i], g->projects[j]) == 0)
				break;
		if (j == g->nprojects)
			return 0;
	}
	return 1;
}

void
proto_audit_decode_any(const struct msg *m)
{
	union {
		struct p_audit_row	row;
		struct p_audit_conf	conf;
		struct p_audit_revoked	rev;
		struct p_audit_sub	sub;
		struct p_audit_more	more;
		struct p_audit_event	ev;
		uint64_t		seq;
		uint32_t		why;
	} u;
	uint8_t	why;

	switch (m->hdr.type) {
	case MSG_AUDIT_APPEND:
		proto_get_audit_append(m, &u.row);
		break;
	case MSG_AUDIT_ACK:
		proto_get_audit_ack(m, &u.seq);
		break;
	case MSG_AUDIT_NACK:
		proto_get_audit_nack(m, &u.why);
		break;
	case MSG_AUDIT_CONF:
		proto_get_audit_conf(m, &u.conf);
		break;
	case MSG_AUDIT_REVOKED:
		proto_get_audit_revoked(m, &u.rev);
		break;
	case MSG_AUDIT_SUBSCRIBE:
		proto_get_audit_sub(m, &u.sub);
		break;
	case MSG_AUDIT_GRANT:
		proto_get_audit_grant(m, &u.sub);
		break;
	case MSG_AUDIT_MORE:
		proto_get_audit_more(m, &u.more);
		break;
	case MSG_AUDIT_UNSUBSCRIBE:
		proto_get_audit_unsub(m, &u.why);
		break;
	case MSG_AUDIT_EVENT:
		proto_get_audit_event(m, &u.ev);
		break;
	case MSG_AUDIT_SUBEND:
		proto_get_audit_subend(m, &u.why, &why);
		break;
	}
}

static void
put_be64(unsigned char *p, uint64_t v)
{
	int	i;

	for (i = 7; i >= 0; i--) {
		p[i] = v & 0xff;
		v >>= 8;
	}
}

static void
hash_field(crypto_generichash_state *st, const char *s)
{
	unsigned char	len[4];
	size_t		n = s != NULL ? strlen(s) : 0;

	len[0] = n >> 24;
	len[1] = n >> 16;
	len[2] = n >> 8;
	len[3] = n;
	crypto_generichash_update(st, len, sizeof(len));
	if (n > 0)
		crypto_generichash_update(st, (const unsigned char *)s, n);
}

void
audit_rec_hash(struct audit_rec *r)
{
	crypto_generichash_state	st;
	unsigned char			num[16];

	crypto_generichash_init(&st, NULL, 0, AUDIT_HASHLEN);
	crypto_generichash_update(&st, r->prev, AUDIT_HASHLEN);
	crypto_generichash_update(&st, (const unsigned char *)row_tag,
	    sizeof(row_tag) - 1);
	put_be64(num, r->seq);
	put_be64(num + 8, r->time);
	crypto_generichash_update(&st, num, sizeof(num));
	hash_field(&st, r->daemon);
	hash_field(&st, r->actor);
	hash_field(&st, r->device);
	hash_field(&st, r->source);
	hash_field(&st, r->action);
	hash_field(&st, r->project);
	hash_field(&st, r->object);
	hash_field(&st, r->outcome);
	hash_field(&st, r->detail);
	crypto_generichash_final(&st, r->hash, AUDIT_HASHLEN);
}

void
audit_cp_message(uint64_t seq, const unsigned char *head, unsigned char *buf)
{
	memcpy(buf, cp_tag, sizeof(cp_tag) - 1);
	put_be64(buf + sizeof(cp_tag) - 1, seq);
	memcpy(buf + sizeof(cp_tag) - 1 + 8, head, AUDIT_HASHLEN);
}

void
audit_cp_sign(uint64_t seq, const unsigned char *head, const unsigned char *sk,
    unsigned char *sig)
{
	unsigned char	msg[AUDIT_CP_MSGLEN];

	audit_cp_message(seq, head, msg);
	crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
}

int
audit_cp_verify(uint64_t seq, const unsigned char *head,
    const unsigned char *sig, const unsigned char *pk)
{
	unsigned char	msg[AUDIT_CP_MSGLEN];

	audit_cp_message(seq, head, msg);
	return crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) == 0 ?
	    0 : -1;
}

char *
audit_fts_query(const char *text)
{
	const char	*p = text;
	char		*q, *o;
	size_t		 n;
	int		 words = 0;

	/* Worst case: every byte a '"' doubled, plus quotes and spaces. */
	n = strlen(text);
	if ((q = malloc(n * 4 + 1)) == NULL)
		return NULL;
	o = q;
	while (*p != '\0') {
		while (*p != '\0' && isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (words++ > 0)
			*o++ = ' ';
		*o++ = '"';
		for (; *p != '\0' && !isspace((unsigned char)*p); p++) {
			if (*p == '"')
				*o++ = '"';
			*o++ = *p;
		}
		*o++ = '"';
	}
	*o = '\0';
	if (words == 0) {
		free(q);
		return NULL;
	}
	return q;
}

int
audit_object_key(char *buf, size_t size, const char *prefix,
    const char *host, uint64_t first, uint64_t last)
{
	int	n;

	n = snprintf(buf, size, "%s%s%s/%020" PRIu64 "-%020" PRIu64
	    ".ndjson", prefix, prefix[0] != '\0' ? "/" : "", host, first,
	    last);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
audit_object_parse(const char *key, uint64_t *first, uint64_t *last)
{
	const char	*name = strrchr(key, '/');
	char		 a[21], b[21], *end;

	name = name != NULL ? name + 1 : key;
	if (strlen(name) != 20 + 1 + 20 + 7 || name[20] != '-' ||
	    strcmp(name + 41, ".ndjson") != 0 ||
	    strspn(name, DIGIT) != 20 || strspn(name + 21, DIGIT) != 20)
		return -1;
	memcpy(a, name, 20);
	memcpy(b, name + 21, 20);
	a[20] = b[20] = '\0';
	*first = strtoull(a, &end, 10);
	*last = strtoull(b, &end, 10);
	if (*first == 0 || *last < *first || *last > INT64_MAX)
		return -1;
	return 0;
}
