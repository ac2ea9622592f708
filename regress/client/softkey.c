/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* A software CTAP2 key behind libfido2's I/O hooks: CTAPHID and state. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fido.h>
#include <openssl/pem.h>

#include "client/fido2.h"
#include "regress/client/softkey.h"

#define HID_REPORT	64
#define HID_INIT	0x06
#define HID_CBOR	0x10
#define HID_ERROR	0x3f
#define HID_CID		0x5c0f7e11u

/* One open device: the key, the request being read, the answer. */
struct softhid {
	struct softkey	 key;
	uint32_t	 cid;
	uint8_t		 cmd;
	size_t		 need, have;
	uint8_t		 seq;
	unsigned char	 req[SOFTKEY_MSGMAX];
	struct softkey_buf out;
	uint8_t		 outcmd;
	uint32_t	 outcid;
	size_t		 sent;
	uint8_t		 outseq;
	int		 ready;
};

static int
softkey_mode(void)
{
	const char	*e = getenv("PCCX_SOFTKEY");
	int		 m = 0;

	if (e == NULL)
		return 0;
	if (strstr(e, "noup") != NULL)
		m |= SOFTKEY_NOUP;
	if (strstr(e, "nouv") != NULL)
		m |= SOFTKEY_NOUV;
	if (strstr(e, "rewind") != NULL)
		m |= SOFTKEY_REWIND;
	return m;
}

/* Read the state file if there is one; 0, or -1 when it is bad. */
static int
softkey_load(struct softkey *k)
{
	FILE		*fp;
	unsigned	 i, b;
	unsigned long	 n;
	int		 rv = -1;

	if ((fp = fopen(k->path, "r")) == NULL)
		return 0;
	if (fscanf(fp, "counter %lu\ncred ", &n) != 1 || n > UINT32_MAX)
		goto done;
	k->counter = n;
	for (i = 0; i < sizeof(k->cred); i++) {
		if (fscanf(fp, "%2x", &b) != 1)
			goto done;
		k->cred[i] = b;
	}
	if ((k->pkey = PEM_read_PrivateKey(fp, NULL, NULL, NULL)) != NULL) {
		k->have_cred = 1;
		rv = 0;
	}
 done:
	fclose(fp);
	return rv;
}

/* softkey_save: see softkey.h. */
int
softkey_save(const struct softkey *k)
{
	FILE		*fp;
	size_t		 i;
	int		 rv = 0;

	if ((fp = fopen(k->path, "w")) == NULL)
		return -1;
	fprintf(fp, "counter %lu\ncred ", (unsigned long)k->counter);
	for (i = 0; i < sizeof(k->cred); i++)
		fprintf(fp, "%02x", k->cred[i]);
	fprintf(fp, "\n");
	if (PEM_write_PrivateKey(fp, k->pkey, NULL, NULL, 0, NULL, NULL) != 1)
		rv = -1;
	if (fclose(fp) != 0)
		rv = -1;
	return rv;
}

static void *
softkey_open(const char *path)
{
	struct softhid	*h;

	if (strncmp(path, "soft:", 5) != 0 ||
	    (h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	snprintf(h->key.path, sizeof(h->key.path), "%s", path + 5);
	h->key.mode = softkey_mode();
	if (softkey_load(&h->key) == -1) {
		free(h);
		return NULL;
	}
	return h;
}

static void
softkey_close(void *arg)
{
	struct softhid	*h = arg;

	EVP_PKEY_free(h->key.pkey);
	free(h);
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* Queue the answer to the whole request now read. */
static void
softkey_answer(struct softhid *h)
{
	struct softkey_buf	*o = &h->out;

	o->len = 0;
	o->err = 0;
	h->outcid = h->cid;
	h->outcmd = h->cmd;
	if (h->cmd == HID_INIT && h->need == 8) {
		memcpy(o->b, h->req, 8);
		put32(o->b + 8, HID_CID);
		o->b[12] = 2;		/* CTAPHID protocol version */
		o->b[13] = 1;		/* device version 1.0.0 */
		o->b[14] = 0;
		o->b[15] = 0;
		o->b[16] = FIDO_CAP_CBOR | FIDO_CAP_NMSG;
		o->len = 17;
	} else if (h->cmd == HID_CBOR && h->cid == HID_CID && h->need > 0)
		softkey_ctap(&h->key, h->req, h->need, o);
	else {
		h->outcmd = HID_ERROR;
		o->b[0] = 0x01;		/* ERR_INVALID_CMD */
		o->len = 1;
	}
	if (o->err) {
		h->outcmd = HID_ERROR;
		o->b[0] = 0x7f;		/* ERR_OTHER */
		o->len = 1;
	}
	h->sent = 0;
	h->outseq = 0;
	h->ready = 1;
}

/* One report from libfido2: a report id, then 64 bytes. */
static int
softkey_write(void *arg, const unsigned char *buf, size_t len)
{
	struct softhid		*h = arg;
	const unsigned char	*p = buf + 1;
	size_t			 n;

	if (len != HID_REPORT + 1)
		return -1;
	if (p[4] & 0x80) {
		h->cid = (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
		h->cmd = p[4] & 0x7f;
		h->need = (size_t)p[5] << 8 | p[6];
		if (h->need > SOFTKEY_MSGMAX)
			return -1;
		h->have = n = h->need < 57 ? h->need : 57;
		memcpy(h->req, p + 7, n);
		h->seq = 0;
	} else {
		if (p[4] != h->seq++ || h->have >= h->need)
			return -1;
		n = h->need - h->have < 59 ? h->need - h->have : 59;
		memcpy(h->req + h->have, p + 5, n);
		h->have += n;
	}
	if (h->have == h->need)
		softkey_answer(h);
	return (int)len;
}

/* The next report of the answer. */
static int
softkey_read(void *arg, unsigned char *buf, size_t len, int ms)
{
	struct softhid	*h = arg;
	size_t		 n, left;

	if (!h->ready || len < HID_REPORT)
		return -1;
	memset(buf, 0, HID_REPORT);
	put32(buf, h->outcid);
	left = h->out.len - h->sent;
	if (h->sent == 0 && h->outseq == 0) {
		buf[4] = h->outcmd | 0x80;
		buf[5] = h->out.len >> 8;
		buf[6] = h->out.len & 0xff;
		n = left < 57 ? left : 57;
		memcpy(buf + 7, h->out.b, n);
		h->outseq = 0x80;	/* the next is the first sequel */
	} else {
		buf[4] = h->outseq++ & 0x7f;
		n = left < 59 ? left : 59;
		memcpy(buf + 5, h->out.b + h->sent, n);
	}
	h->sent += n;
	if (h->sent == h->out.len)
		h->ready = 0;
	return HID_REPORT;
}

static const fido_dev_io_t softkey_io = {
	softkey_open, softkey_close, softkey_read, softkey_write
};

/* "soft:FILE" is this authenticator with its state in FILE. */
static int
softkey_hook(struct fido_dev *dev, const char *path)
{
	if (strncmp(path, "soft:", 5) != 0)
		return 0;
	return fido_dev_set_io_functions(dev, &softkey_io) == FIDO_OK ? 0 :
	    -1;
}

static void __attribute__((constructor))
softkey_install(void)
{
	fido2_dev_hook = softkey_hook;
}
