/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The pccx-remote authors */
/* Tunnel units: UAPI text refuses bad values; netlink bytes are exact. */

#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/wireguard.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "common/msg.h"
#include "common/wire.h"
#include "proto/audit.h"
#include "proto/tunnel.h"
#include "tunneld/tunneld.h"

/* The peer table's audit rows go here (peer.c asks for the channel). */
static struct chan	 audit_out, audit_in;
static int		 audit_on;

struct chan *
child_chan(int p)
{
	return p == PROC_AUDIT && audit_on ? &audit_out : NULL;
}

void
child_commit(struct chan *c)
{
	if (chan_flush(c) == -1 || msg_flush_wait(c) == -1)
		abort();
}

/* How many rows with that action and actor arrived (read now). */
static int
audit_rows(const char *action, const char *actor)
{
	static struct p_audit_row	r;
	static char			seen[64][2][AUDIT_ACTOR_MAX];
	static int			nseen;
	struct msg			m;
	int				i, n = 0;

	while (chan_read(&audit_in) > 0)
		while (chan_get(&audit_in, &m) == MSG_OK) {
			assert_int_equal(m.hdr.type, MSG_AUDIT_APPEND);
			assert_int_equal(proto_get_audit_append(&m, &r), 0);
			assert_string_equal(r.source, "tunnel");
			assert_true(nseen < 64);
			strcpy(seen[nseen][0], r.action);
			strcpy(seen[nseen++][1], r.actor);
		}
	for (i = 0; i < nseen; i++)
		if (strcmp(seen[i][0], action) == 0 &&
		    strcmp(seen[i][1], actor) == 0)
			n++;
	return n;
}

/* A valid key: 32 bytes 0x01..0x20 in base64. */
static const char	key_ok[] =
    "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
static const char	key_hex[] =
    "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";

static int
build(const char *key, size_t keylen, const char *ip, size_t iplen,
    char *buf, size_t size)
{
	const char	*ips[1] = { ip };
	size_t		 lens[1] = { iplen };

	return uapi_build_peer(buf, size, key, keylen, ips, lens, 1, 25);
}

static void
test_uapi_peer_ok(void **state)
{
	char	buf[UAPI_BUFMAX], want[512];
	int	n;

	n = build(key_ok, strlen(key_ok), "10.77.0.2/32", 12, buf,
	    sizeof(buf));
	snprintf(want, sizeof(want), "set=1\npublic_key=%s\n"
	    "replace_allowed_ips=true\nallowed_ip=10.77.0.2/32\n"
	    "persistent_keepalive_interval=25\n\n", key_hex);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

static void
test_uapi_key_refused(void **state)
{
	char	buf[UAPI_BUFMAX], k[64];

	/* A newline, '=', NUL inside, too short, too long, not canonical. */
	memcpy(k, key_ok, 45);
	k[10] = '\n';
	assert_int_equal(build(k, 44, "10.77.0.2/32", 12, buf, sizeof(buf)),
	    -1);
	memcpy(k, key_ok, 45);
	k[10] = '=';
	assert_int_equal(build(k, 44, "10.77.0.2/32", 12, buf, sizeof(buf)),
	    -1);
	memcpy(k, key_ok, 45);
	k[10] = '\0';
	assert_int_equal(build(k, 44, "10.77.0.2/32", 12, buf, sizeof(buf)),
	    -1);
	assert_int_equal(build(key_ok, 43, "10.77.0.2/32", 12, buf,
	    sizeof(buf)), -1);
	snprintf(k, sizeof(k), "%sAAAA", key_ok);
	assert_int_equal(build(k, strlen(k), "10.77.0.2/32", 12, buf,
	    sizeof(buf)), -1);
	memcpy(k, key_ok, 45);
	k[42] = 'B';		/* spare bits set: not the canonical text */
	assert_int_equal(build(k, 44, "10.77.0.2/32", 12, buf, sizeof(buf)),
	    -1);
	assert_int_equal(uapi_key_hex(key_ok, 44, k), 0);
	assert_string_equal(k, key_hex);
}

static void
test_uapi_ip_refused(void **state)
{
	char		 buf[UAPI_BUFMAX], big[200];
	static const char *const bad[] = {
		"10.77.0.2/32\nremove=true", "10.77.0.2/32=", "10.77.0.2",
		"10.77.0.02/32", "10.77.0.2/33", "FD77::2/128", "fd77::2/129",
		"10.77.0.2/032", " 10.77.0.2/32", "10.77.0.2/32 ",
		"fd77:0::2/128", "10.77.0.2/-1", "",
	};
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(build(key_ok, 44, bad[i], strlen(bad[i]),
		    buf, sizeof(buf)), -1);
	/* NUL inside the value, and an over-long value. */
	assert_int_equal(build(key_ok, 44, "10.77.0.2/32\0x", 14, buf,
	    sizeof(buf)), -1);
	memset(big, '1', sizeof(big));
	assert_int_equal(build(key_ok, 44, big, sizeof(big), buf,
	    sizeof(buf)), -1);
	/* The buffer too small for the text. */
	assert_int_equal(build(key_ok, 44, "10.77.0.2/32", 12, buf, 64), -1);
	assert_true(build(key_ok, 44, "fd77::2/128", 11, buf,
	    sizeof(buf)) > 0);
}

static void
test_uapi_replies(void **state)
{
	int	e;

	assert_int_equal(uapi_reply_errno("errno=0\n\n", 9, &e), 0);
	assert_int_equal(e, 0);
	assert_int_equal(uapi_reply_errno("errno=-22\n\n", 11, &e), 0);
	assert_int_equal(e, 22);
	assert_int_equal(uapi_reply_errno("errno=0\n", 8, &e), -1);
	assert_int_equal(uapi_reply_errno("errno=x\n\n", 9, &e), -1);
	assert_int_equal(uapi_reply_errno("foo=0\n\n", 7, &e), -1);
	assert_int_equal(uapi_reply_errno("errno=0\nerrno=1\n\n", 17, &e),
	    -1);
}

static int	nstats;
static struct wg_peer_stats last;

static void
stats_cb(const struct wg_peer_stats *st, void *arg)
{
	nstats++;
	last = *st;
}

static void
test_uapi_stats(void **state)
{
	char	r[512];
	int	n;

	n = snprintf(r, sizeof(r), "private_key=%s\nlisten_port=1\n"
	    "public_key=%s\nlast_handshake_time_sec=1700000000\n"
	    "last_handshake_time_nsec=5\nrx_bytes=10\ntx_bytes=20\n"
	    "errno=0\n\n", key_hex, key_hex);
	nstats = 0;
	assert_int_equal(uapi_parse_stats(r, n, stats_cb, NULL), 0);
	assert_int_equal(nstats, 1);
	assert_int_equal(last.handshake, 1700000000);
	assert_int_equal(last.rx, 10);
	assert_int_equal(last.tx, 20);
	assert_int_equal(last.key[31], 0x20);
	assert_int_equal(uapi_parse_stats("errno=-22\n\n", 11, stats_cb,
	    NULL), -1);
	assert_int_equal(uapi_parse_stats("public_key=zz\nerrno=0\n\n", 23,
	    stats_cb, NULL), -1);
}

/* An independent encoder for the expected bytes. */
static size_t
put(uint8_t *b, size_t off, uint16_t type, const void *data, size_t len)
{
	uint16_t	alen = 4 + len;

	memcpy(b + off, &alen, 2);
	memcpy(b + off + 2, &type, 2);
	memcpy(b + off + 4, data, len);
	memset(b + off + 4 + len, 0, NLA_ALIGN(alen) - alen);
	return off + NLA_ALIGN(alen);
}

static void
set_len(uint8_t *b, size_t start, size_t end)
{
	uint16_t	len = end - start;

	memcpy(b + start, &len, 2);
}

static size_t
expect_head(uint8_t *b, uint16_t fam, uint32_t seq, const char *ifname)
{
	struct nlmsghdr		nh = { 0, fam, NLM_F_REQUEST | NLM_F_ACK,
	    seq, 0 };
	struct genlmsghdr	gh = { WG_CMD_SET_DEVICE, 1, 0 };

	memcpy(b, &nh, 16);
	memcpy(b + 16, &gh, 4);
	return put(b, 20, WGDEVICE_A_IFNAME, ifname, strlen(ifname) + 1);
}

static void
test_wgnl_peer(void **state)
{
	struct wg_peer_spec	p;
	uint8_t			got[512], want[512];
	uint8_t			fam = AF_INET, mask = 32;
	uint16_t		u16;
	uint32_t		u32, len;
	size_t			o, peers, peer, ips, ip, n;
	int			i;

	memset(&p, 0, sizeof(p));
	for (i = 0; i < 32; i++)
		p.key[i] = i + 1;
	p.nips = 1;
	p.ips[0].af = AF_INET;
	memcpy(p.ips[0].a, "\x0a\x4d\x00\x02", 4);
	p.ips[0].plen = 32;
	p.keepalive = 25;
	n = wgnl_build_peer(got, sizeof(got), 0x1d, 7, "pccx0", &p, 0);

	memset(want, 0, sizeof(want));
	o = expect_head(want, 0x1d, 7, "pccx0");
	peers = o;
	o = put(want, o, NLA_F_NESTED | WGDEVICE_A_PEERS, "", 0);
	peer = o;
	o = put(want, o, NLA_F_NESTED | 0, "", 0);
	o = put(want, o, WGPEER_A_PUBLIC_KEY, p.key, 32);
	u32 = WGPEER_F_REPLACE_ALLOWEDIPS;
	o = put(want, o, WGPEER_A_FLAGS, &u32, 4);
	u16 = 25;
	o = put(want, o, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, &u16, 2);
	ips = o;
	o = put(want, o, NLA_F_NESTED | WGPEER_A_ALLOWEDIPS, "", 0);
	ip = o;
	o = put(want, o, NLA_F_NESTED | 0, "", 0);
	u16 = fam;
	o = put(want, o, WGALLOWEDIP_A_FAMILY, &u16, 2);
	o = put(want, o, WGALLOWEDIP_A_IPADDR, p.ips[0].a, 4);
	o = put(want, o, WGALLOWEDIP_A_CIDR_MASK, &mask, 1);
	set_len(want, ip, o);
	set_len(want, ips, o);
	set_len(want, peer, o);
	set_len(want, peers, o);
	len = o;
	memcpy(want, &len, 4);

	assert_int_equal(n, o);
	assert_memory_equal(got, want, o);
	/* The numbers the kernel reads, spelt out. */
	assert_int_equal(WG_CMD_SET_DEVICE, 1);
	assert_int_equal(want[20 + 2], WGDEVICE_A_IFNAME);
	assert_int_equal(WGDEVICE_A_PEERS, 8);
	assert_int_equal(WGPEER_A_ALLOWEDIPS, 9);
}

static void
test_wgnl_remove(void **state)
{
	struct wg_peer_spec	p;
	uint8_t			got[512], want[512];
	uint32_t		u32, len;
	size_t			o, peers, peer, n;

	memset(&p, 0, sizeof(p));
	memset(p.key, 0xab, 32);
	n = wgnl_build_peer(got, sizeof(got), 0x1d, 9, "wg1", &p, 1);
	memset(want, 0, sizeof(want));
	o = expect_head(want, 0x1d, 9, "wg1");
	peers = o;
	o = put(want, o, NLA_F_NESTED | WGDEVICE_A_PEERS, "", 0);
	peer = o;
	o = put(want, o, NLA_F_NESTED | 0, "", 0);
	o = put(want, o, WGPEER_A_PUBLIC_KEY, p.key, 32);
	u32 = WGPEER_F_REMOVE_ME;
	o = put(want, o, WGPEER_A_FLAGS, &u32, 4);
	set_len(want, peer, o);
	set_len(want, peers, o);
	len = o;
	memcpy(want, &len, 4);
	assert_int_equal(n, o);
	assert_memory_equal(got, want, o);
	/* Too small a buffer gives nothing. */
	assert_int_equal(wgnl_build_peer(got, 40, 0x1d, 9, "wg1", &p, 1), 0);
}

static void
test_codec(void **state)
{
	struct p_tunnel_peer_add	a, b;
	struct chan			c, d;
	struct msg			m;
	uint8_t				copy[512];
	int				sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(chan_init(&c, sv[0], 0), 0);
	assert_int_equal(chan_init(&d, sv[1], 0), 0);
	memset(&a, 0, sizeof(a));
	strcpy(a.user, "alice@example.org");
	strcpy(a.device, "dev1");
	strcpy(a.sid, "s1");
	strcpy(a.key, key_ok);
	assert_int_equal(proto_send_tunnel_peer_add(&c, 5, &a), 0);
	assert_int_not_equal(chan_flush(&c), -1);
	assert_true(chan_read(&d) > 0);
	assert_int_equal(chan_get(&d, &m), MSG_OK);
	assert_int_equal(proto_get_tunnel_peer_add(&m, &b), 0);
	assert_string_equal(b.key, key_ok);
	assert_true(m.len <= sizeof(copy));
	memcpy(copy, m.data, m.len);
	copy[m.len - 2] = '\n';	/* a newline inside the key */
	m.data = copy;
	assert_int_equal(proto_get_tunnel_peer_add(&m, &b), -1);
	copy[m.len - 2] = key_ok[42];
	assert_int_equal(proto_get_tunnel_peer_add(&m, &b), 0);
	m.len--;			/* cut short */
	assert_int_equal(proto_get_tunnel_peer_add(&m, &b), -1);
	chan_clear(&c);
	chan_clear(&d);
}

/* A backend that records calls and reports fixed counters. */
static int	fake_sets, fake_removes;
static uint64_t	fake_rx;

static int
fake_device(const uint8_t *k, uint16_t port)
{
	return 0;
}

static int
fake_set(const struct wg_peer_spec *p)
{
	fake_sets++;
	return p->keepalive == 25 ? 0 : -1;
}

static int
fake_remove(const uint8_t *k)
{
	fake_removes++;
	return 0;
}

static int
fake_stats(wg_stats_cb cb, void *arg)
{
	const struct tpeer	*p;
	struct wg_peer_stats	 st;

	TAILQ_FOREACH(p, peer_list(), entry) {
		memset(&st, 0, sizeof(st));
		memcpy(st.key, p->key, WG_KEYLEN);
		st.rx = strcmp(p->user, "busy") == 0 ? ++fake_rx : 0;
		st.tx = ++fake_rx;	/* our keepalives: not activity */
		cb(&st, arg);
	}
	return 0;
}

static const struct wg_backend fake = {
	"fake", fake_device, fake_set, fake_remove, fake_stats
};

static void
peer_req(struct p_tunnel_peer_add *a, const char *user, const char *sid,
    int keybyte)
{
	uint8_t	k[32];

	memset(a, 0, sizeof(*a));
	memset(k, keybyte, sizeof(k));
	snprintf(a->user, sizeof(a->user), "%s", user);
	snprintf(a->device, sizeof(a->device), "dev-%s", user);
	snprintf(a->sid, sizeof(a->sid), "%s", sid);
	sodium_bin2base64(a->key, sizeof(a->key), k, 32,
	    sodium_base64_VARIANT_ORIGINAL);
}

static void
test_peer_table(void **state)
{
	struct p_tunnel_conf		c = { .set = 1, .ifname = "t0",
	    .addr4 = "10.77.0.1/30", .pool4 = "10.77.0.0/30",
	    .addr6 = "fd77::1/64", .pool6 = "fd77::/64", .port = 1,
	    .keepalive = 25, .idle_timeout = 60 };
	struct p_tunnel_peer_add	a;
	struct p_tunnel_peer_addr	r;

	assert_int_equal(tunnel_conf_check(&c), 0);
	peer_init(&c, &fake);
	peer_req(&a, "idle", "s1", 1);
	assert_int_equal(peer_add(&a, &r), 0);
	assert_string_equal(r.addr4, "10.77.0.2/32");
	assert_string_equal(r.addr6, "fd77::2/128");
	/* The same key for another user is refused. */
	peer_req(&a, "mallory", "s9", 1);
	assert_int_equal(peer_add(&a, &r), -1);
	assert_int_equal(r.code, TUNNEL_ERR_KEY);
	/* A /30 holds one host beside the interface: the pool is full. */
	peer_req(&a, "busy", "s2", 2);
	assert_int_equal(peer_add(&a, &r), -1);
	assert_int_equal(r.code, TUNNEL_ERR_FULL);
	/* The same user's new session takes the key over. */
	peer_req(&a, "idle", "s3", 1);
	assert_int_equal(peer_add(&a, &r), 0);
	assert_int_equal(fake_removes, 1);
	assert_int_equal(peer_del(TUNNEL_DEL_SESSION, "s1"), 0);
	assert_int_equal(peer_del(TUNNEL_DEL_USER, "idle"), 1);
	assert_true(TAILQ_EMPTY(peer_list()));
}

static void
test_peer_idle(void **state)
{
	struct p_tunnel_conf		c = { .set = 1, .ifname = "t0",
	    .addr4 = "10.77.0.1/24", .pool4 = "10.77.0.0/24", .port = 1,
	    .keepalive = 25, .idle_timeout = 60 };
	struct p_tunnel_peer_add	a;
	struct p_tunnel_peer_addr	r;
	const struct tpeer		*p;
	int				 sp[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(chan_init(&audit_out, sp[0], PROC_AUDIT), 0);
	assert_int_equal(chan_init(&audit_in, sp[1], PROC_TUNNEL), 0);
	assert_int_equal(fd_nonblock(sp[1]), 0);
	audit_on = 1;
	peer_init(&c, &fake);
	peer_req(&a, "idle", "s1", 1);
	assert_int_equal(peer_add(&a, &r), 0);
	assert_string_equal(r.addr6, "");
	peer_req(&a, "busy", "s2", 2);
	assert_int_equal(peer_add(&a, &r), 0);
	assert_string_equal(r.addr4, "10.77.0.3/32");
	peer_sweep(1);
	sleep(2);
	peer_sweep(1);
	/* Only the peer that sent something is left. */
	p = TAILQ_FIRST(peer_list());
	assert_non_null(p);
	assert_string_equal(p->user, "busy");
	assert_null(TAILQ_NEXT(p, entry));
	assert_int_equal(peer_del(TUNNEL_DEL_DEVICE, "dev-busy"), 1);
	/* Each change left its audit row. */
	assert_int_equal(audit_rows("tunnel.peer.add", "idle"), 1);
	assert_int_equal(audit_rows("tunnel.peer.add", "busy"), 1);
	assert_int_equal(audit_rows("tunnel.peer.idle", "idle"), 1);
	assert_int_equal(audit_rows("tunnel.peer.idle", "busy"), 0);
	assert_int_equal(audit_rows("tunnel.peer.del", "busy"), 1);
	audit_on = 0;
	close(sp[0]);
	close(sp[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uapi_peer_ok),
		cmocka_unit_test(test_uapi_key_refused),
		cmocka_unit_test(test_uapi_ip_refused),
		cmocka_unit_test(test_uapi_replies),
		cmocka_unit_test(test_uapi_stats),
		cmocka_unit_test(test_wgnl_peer),
		cmocka_unit_test(test_wgnl_remove),
		cmocka_unit_test(test_codec),
		cmocka_unit_test(test_peer_table),
		cmocka_unit_test(test_peer_idle),
	};

	log_init("test_tunnel", 1, 0);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
