/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Shipping: audit segments to an S3 store, from the spool, never blocking. */

#include <sys/stat.h>

#include <curl/curl.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/age.h"
#include "common/log.h"
#include "common/util.h"
#include "auditd.h"

/*
 * One object is in flight at a time, so objects are acknowledged in
 * order and the shipped table never has a hole: after a restart the
 * next object starts right after the newest acknowledged one.  The
 * object being shipped is staged in the spool file, first line its
 * key, so that a retry after a restart sends the same bytes.  When
 * the store fails, the same object is tried again after a pause that
 * doubles up to SHIP_BACKOFF_MAX; appends never wait for any of it.
 */
#define SHIP_SPOOL		"spool.ndjson"
#define SHIP_SPOOL_TMP		"spool.ndjson.tmp"
#define SHIP_BACKOFF_MIN	500	/* ms */
#define SHIP_BACKOFF_MAX	30000
#define SHIP_CONNECT_TIMEOUT	5L	/* s */
#define SHIP_TIMEOUT		60L
#define SHIP_ERRMAX		512

struct ship_conf {
	char	endpoint[512];
	char	bucket[64];
	char	prefix[256];
	char	host[64];
	char	region[64];
	char	access_key[128];
	char	recipient[128];
};

static struct event_base	*base;
static struct audit_store	*store;
static CURLM			*multi;
static struct event		*ev_timeout, *ev_retry, *ev_kick;
static struct ship_conf		 conf;
static char			*secret;
static char			*ca_pem;
static size_t			 ca_len;
static int			 enabled;
static struct age_recipient	 rcpt;
static int			 encrypt;

/* The object in flight. */
static struct {
	CURL			*h;
	struct curl_slist	*hdrs;
	char			*body;
	size_t			 len;
	size_t			 off;
	uint64_t		 first;
	uint64_t		 last;
	char			 key[512];
	char			 etag[128];
	char			 err[SHIP_ERRMAX];
	size_t			 errlen;
}				 cur;
static uint32_t			 backoff;
static int			 failing;

static void	ship_start(void);
static void	ship_done(CURLcode, long);
static void	ship_on_kick(evutil_socket_t, short, void *);

/* The libcurl side: sockets and the timer, on the daemon's loop. */

static void
ship_check_done(void)
{
	CURLMsg	*m;
	int	 left;
	long	 code = 0;

	while ((m = curl_multi_info_read(multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE || m->easy_handle != cur.h)
			continue;
		curl_easy_getinfo(cur.h, CURLINFO_RESPONSE_CODE, &code);
		ship_done(m->data.result, code);
	}
}

static void
ship_on_sock(evutil_socket_t fd, short what, void *arg)
{
	int	action = 0, running;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(multi, fd, action, &running);
	ship_check_done();
}

static void
ship_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	int	running;

	curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
	ship_check_done();
}

static int
ship_sock_cb(CURL *h, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct event	*ev = sockp;
	short		 kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL)
			event_free(ev);
		curl_multi_assign(multi, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (ev != NULL) {
		event_del(ev);
		event_assign(ev, base, s, kind, ship_on_sock, NULL);
	} else {
		if ((ev = event_new(base, s, kind, ship_on_sock, NULL)) == NULL)
			fatalx("event_new");
		curl_multi_assign(multi, s, ev);
	}
	event_add(ev, NULL);
	return 0;
}

static int
ship_timer_cb(CURLM *m, long ms, void *arg)
{
	struct timeval	tv;

	if (ms < 0) {
		evtimer_del(ev_timeout);
		return 0;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev_timeout, &tv);
	return 0;
}

/*
 * ship_init: make the multi handle on base.  curl_global_init ran in
 * setup(), before the sandbox.  0 or -1.
 */
int
ship_init(struct event_base *b, struct audit_store *s)
{
	base = b;
	store = s;
	if ((multi = curl_multi_init()) == NULL)
		return -1;
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, ship_sock_cb);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, ship_timer_cb);
	ev_timeout = evtimer_new(base, ship_on_timeout, NULL);
	ev_retry = evtimer_new(base, ship_on_kick, NULL);
	ev_kick = evtimer_new(base, ship_on_kick, NULL);
	if (ev_timeout == NULL || ev_retry == NULL || ev_kick == NULL)
		return -1;
	return 0;
}

static void
ship_str(char *dst, const char *src, size_t size)
{
	pccx_strlcpy(dst, src, size);
}

/*
 * ship_configure: new settings take effect with the next object.  On
 * the first call secret and the CA bundle are taken (the caller read
 * them before confinement); on a reload they may be NULL.  Returns 1
 * when shipping is on, 0 when off, -1 on error.
 */
int
ship_configure(const struct p_audit_conf *p, const char *sec,
    const char *ca, size_t calen)
{
	if (sec != NULL) {
		if (secret != NULL) {
			sodium_memzero(secret, strlen(secret));
			free(secret);
		}
		if ((secret = strdup(sec)) == NULL)
			return -1;
	}
	if (ca != NULL) {
		free(ca_pem);
		if ((ca_pem = malloc(calen)) == NULL)
			return -1;
		memcpy(ca_pem, ca, calen);
		ca_len = calen;
	}
	ship_str(conf.endpoint, p->s3_endpoint, sizeof(conf.endpoint));
	ship_str(conf.bucket, p->s3_bucket, sizeof(conf.bucket));
	ship_str(conf.prefix, p->s3_prefix, sizeof(conf.prefix));
	ship_str(conf.host, p->host, sizeof(conf.host));
	ship_str(conf.region, p->s3_region, sizeof(conf.region));
	ship_str(conf.access_key, p->s3_access_key, sizeof(conf.access_key));
	ship_str(conf.recipient, p->recipient, sizeof(conf.recipient));
	enabled = p->s3_set && secret != NULL && ca_pem != NULL;
	if (p->s3_set && !enabled)
		log_warnx("s3: no secret or CA bundle; not shipping");
	encrypt = conf.recipient[0] != '\0';
	if (encrypt && age_recipient_parse(&rcpt, conf.recipient) == -1) {
		/* Never ship plain what the operator wanted encrypted. */
		log_warnx("s3: recipient is not an age X25519 key; not "
		    "shipping");
		enabled = 0;
	}
	ship_kick();
	return enabled;
}

/* ship_kick: something may be ready to ship; look from the loop. */
void
ship_kick(void)
{
	struct timeval	tv = { 0, 0 };

	if (enabled && cur.h == NULL && !evtimer_pending(ev_retry, NULL) &&
	    !evtimer_pending(ev_kick, NULL))
		evtimer_add(ev_kick, &tv);
}

int
ship_idle(void)
{
	uint64_t	done;

	if (!enabled)
		return 1;
	if (cur.h != NULL || store_shipped_last(store, &done) == -1)
		return 0;
	return done == store->head;
}

static void
ship_free_cur(void)
{
	if (cur.h != NULL) {
		curl_multi_remove_handle(multi, cur.h);
		curl_easy_cleanup(cur.h);
	}
	curl_slist_free_all(cur.hdrs);
	free(cur.body);
	memset(&cur, 0, sizeof(cur));
}

/*
 * The spool: "KEY\n" (or "KEY age\n" when it is encrypted) then the
 * object.  One that names the object we want, in the form we want, is
 * sent as it is; anything else is replaced: a segment staged plain is
 * never sent once a recipient is set, nor the other way round.
 */
static const char *
spool_tag(void)
{
	static char	tag[sizeof(cur.key) + 4];

	snprintf(tag, sizeof(tag), "%s%s", cur.key, encrypt ? " age" : "");
	return tag;
}

static int
spool_read(void)
{
	const char	*tag = spool_tag();
	struct stat	 st;
	char		*nl;
	FILE		*f;
	size_t		 n;

	if ((f = fopen(SHIP_SPOOL, "re")) == NULL)
		return -1;
	if (fstat(fileno(f), &st) == -1 || st.st_size <= 0 ||
	    st.st_size > 256 * 1024 * 1024 ||
	    (cur.body = malloc(st.st_size)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(cur.body, 1, st.st_size, f);
	fclose(f);
	if (n != (size_t)st.st_size ||
	    (nl = memchr(cur.body, '\n', n)) == NULL ||
	    (size_t)(nl - cur.body) != strlen(tag) ||
	    memcmp(cur.body, tag, nl - cur.body) != 0) {
		free(cur.body);
		cur.body = NULL;
		return -1;
	}
	cur.len = n;
	cur.off = nl + 1 - cur.body;
	return 0;
}

static int
spool_write(const char *text, size_t len)
{
	FILE	*f;
	int	 rv = 0;

	if ((f = fopen(SHIP_SPOOL_TMP, "we")) == NULL) {
		log_warn("s3: %s", SHIP_SPOOL_TMP);
		return -1;
	}
	if (fprintf(f, "%s\n", spool_tag()) < 0 ||
	    fwrite(text, 1, len, f) != len || fflush(f) != 0 ||
	    fsync(fileno(f)) == -1)
		rv = -1;
	if (fclose(f) != 0 || rv == -1 ||
	    rename(SHIP_SPOOL_TMP, SHIP_SPOOL) == -1) {
		log_warn("s3: %s", SHIP_SPOOL);
		unlink(SHIP_SPOOL_TMP);
		return -1;
	}
	return 0;
}

/* age output into a memory stream. */
static int
ship_age_out(void *arg, const void *p, size_t n)
{
	return fwrite(p, 1, n, arg) == n ? 0 : -1;
}

/*
 * With a recipient, the object is an age file (X25519) of the NDJSON
 * text, encrypted once, into the spool, so a retry sends the same
 * bytes.  The key keeps its .ndjson name.
 */
static int
ship_encrypt(char **text, size_t *len)
{
	struct age_enc	*e;
	char		*out = NULL;
	size_t		 olen = 0;
	FILE		*f;
	int		 rv = -1;

	if ((f = open_memstream(&out, &olen)) == NULL)
		return -1;
	if ((e = age_enc_new(&rcpt, 1, ship_age_out, f, NULL)) != NULL &&
	    age_enc_update(e, *text, *len) == 0 && age_enc_final(e) == 0)
		rv = 0;
	age_enc_free(e);
	if (fclose(f) != 0)
		rv = -1;
	sodium_memzero(*text, *len);
	free(*text);
	*text = out;
	*len = olen;
	if (rv == -1) {
		free(out);
		*text = NULL;
	}
	return rv;
}

/*
 * Stage the next object in the spool: 0 when one is ready, 1 when
 * nothing can ship yet, -1 on error.
 */
static int
ship_stage(void)
{
	char	*text;
	size_t	 len;
	int	 rv;

	if ((rv = store_next_segment(store, &cur.first, &cur.last)) != 0)
		return rv;
	if (audit_object_key(cur.key, sizeof(cur.key), conf.prefix,
	    conf.host, cur.first, cur.last) == -1)
		return -1;
	if (spool_read() == 0)
		return 0;
	if (store_segment_text(store, conf.host, cur.first, cur.last, &text,
	    &len) == -1) {
		log_warnx("s3: cannot read rows %llu-%llu",
		    (unsigned long long)cur.first,
		    (unsigned long long)cur.last);
		return -1;
	}
	if (encrypt && ship_encrypt(&text, &len) == -1) {
		log_warnx("s3: cannot encrypt rows %llu-%llu",
		    (unsigned long long)cur.first,
		    (unsigned long long)cur.last);
		return -1;
	}
	rv = spool_write(text, len);
	free(text);
	if (rv == -1)
		return -1;
	return spool_read();
}

static size_t
ship_read_cb(char *buf, size_t size, size_t n, void *arg)
{
	size_t	left = cur.len - cur.off;

	n *= size;
	if (n > left)
		n = left;
	memcpy(buf, cur.body + cur.off, n);
	cur.off += n;
	return n;
}

/* Keep the start of an error answer for the log. */
static size_t
ship_write_cb(char *p, size_t size, size_t n, void *arg)
{
	size_t	room = sizeof(cur.err) - 1 - cur.errlen;
	size_t	take = size * n < room ? size * n : room;

	memcpy(cur.err + cur.errlen, p, take);
	cur.errlen += take;
	cur.err[cur.errlen] = '\0';
	return size * n;
}

static size_t
ship_header_cb(char *p, size_t size, size_t n, void *arg)
{
	size_t	len = size * n, i = 5, j = 0;

	if (len > 5 && strncasecmp(p, "etag:", 5) == 0) {
		while (i < len && j < sizeof(cur.etag) - 1) {
			if (p[i] != ' ' && p[i] != '"' && p[i] != '\r' &&
			    p[i] != '\n')
				cur.etag[j++] = p[i];
			i++;
		}
		cur.etag[j] = '\0';
	}
	return len;
}

/* The headers: SigV4 signs the payload hash, which curl cannot see. */
static int
ship_headers(const char *body, size_t len)
{
	unsigned char	md[32];
	char		hex[65], h[128];
	const char	*fixed[] = { encrypt ?
			    "Content-Type: application/octet-stream" :
			    "Content-Type: application/x-ndjson" };
	size_t		i;

	if (EVP_Digest(body, len, md, NULL, EVP_sha256(), NULL) != 1)
		return -1;
	sodium_bin2hex(hex, sizeof(hex), md, sizeof(md));
	snprintf(h, sizeof(h), "x-amz-content-sha256: %s", hex);
	if ((cur.hdrs = curl_slist_append(NULL, h)) == NULL)
		return -1;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (curl_slist_append(cur.hdrs, fixed[i]) == NULL)
			return -1;
	return 0;
}

static int
ship_request(void)
{
	struct curl_blob	 ca = { ca_pem, ca_len, CURL_BLOB_COPY };
	char			 url[2048], sigv4[128];
	CURL			*h;

	if (snprintf(url, sizeof(url), "%s/%s/%s", conf.endpoint,
	    conf.bucket, cur.key) >= (int)sizeof(url))
		return -1;
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:s3", conf.region);
	if (ship_headers(cur.body + cur.off, cur.len - cur.off) == -1 ||
	    (h = cur.h = curl_easy_init()) == NULL)
		return -1;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, SHIP_CONNECT_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, SHIP_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
	curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4);
	curl_easy_setopt(h, CURLOPT_USERNAME, conf.access_key);
	curl_easy_setopt(h, CURLOPT_PASSWORD, secret);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, cur.hdrs);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, ship_read_cb);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE,
	    (curl_off_t)(cur.len - cur.off));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ship_write_cb);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, ship_header_cb);
	if (curl_multi_add_handle(multi, h) != CURLM_OK)
		return -1;
	return 0;
}

static void
ship_retry(const char *why)
{
	struct timeval	tv;

	if (!failing)
		log_warnx("s3: %s: %s; holding rows from %llu in the spool",
		    cur.key, why, (unsigned long long)cur.first);
	else
		log_debug("s3: %s: %s", cur.key, why);
	failing = 1;
	ship_free_cur();
	backoff = backoff == 0 ? SHIP_BACKOFF_MIN : backoff * 2;
	if (backoff > SHIP_BACKOFF_MAX)
		backoff = SHIP_BACKOFF_MAX;
	tv.tv_sec = backoff / 1000;
	tv.tv_usec = (backoff % 1000) * 1000;
	evtimer_add(ev_retry, &tv);
}

static void
ship_start(void)
{
	int	rv;

	if ((rv = ship_stage()) == 1)
		return;
	if (rv == -1) {
		ship_retry("cannot stage the object");
		return;
	}
	if (ship_request() == -1) {
		ship_retry("cannot make the request");
		return;
	}
	log_debug("s3: put %s (%zu bytes)", cur.key, cur.len - cur.off);
}

static void
ship_done(CURLcode res, long code)
{
	char	why[SHIP_ERRMAX + 64];

	if (res != CURLE_OK || code != 200) {
		if (res != CURLE_OK)
			snprintf(why, sizeof(why), "%s",
			    curl_easy_strerror(res));
		else
			snprintf(why, sizeof(why), "HTTP %ld %.*s", code,
			    (int)strcspn(cur.err, "\r\n"), cur.err);
		ship_retry(why);
		return;
	}
	if (store_shipped_add(store, cur.first, cur.last, cur.key,
	    cur.etag) == -1) {
		ship_retry("cannot record the object");
		return;
	}
	if (failing)
		log_info("s3: shipping again, from %s", cur.key);
	failing = 0;
	backoff = 0;
	unlink(SHIP_SPOOL);
	ship_free_cur();
	ship_kick();
}

static void
ship_on_kick(evutil_socket_t fd, short what, void *arg)
{
	if (enabled && cur.h == NULL)
		ship_start();
}
