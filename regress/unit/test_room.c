/*
 * Copyright (c) 2026 The softlan authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */


/*
 * The relay's room core (relayd/room.c): admission and every reject
 * code, secrets, limits, welcome and peer-joined/peer-left lists, the
 * MAC table with learning and aging, forwarding, filters, the token
 * bucket and the counters.  Frames are built by hand below.
 *
 * MACs: clients 02:00:00:00:00:0N (locally administered), the gateway's
 * NIC 00:1b:21:0a:0b:0c, hosts on the LAN 00:1b:21:00:00:NN.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#include "compat.h"
#include "wiremsg.h"
#include "ether.h"
#include "l2class.h"
#include "../../relayd/room.h"

#define CL1	"02:00:00:00:00:01"
#define CL2	"02:00:00:00:00:02"
#define CL3	"02:00:00:00:00:03"
#define GWMAC	"00:1b:21:0a:0b:0c"
#define LAN1	"00:1b:21:00:00:01"
#define LAN2	"00:1b:21:00:00:02"
#define LAN3	"00:1b:21:00:00:03"
#define BCAST	"ff:ff:ff:ff:ff:ff"
#define MCAST	"01:00:5e:00:00:fb"	/* mDNS */
#define STP	"01:80:c2:00:00:00"

#define CLIENT	WIREMSG_ROLE_CLIENT
#define GATEWAY	WIREMSG_ROLE_GATEWAY

static struct relay	*R;
static char		 err[256];

static struct relay *
mkrelay_conf(const struct relay_conf *conf)
{
	struct relay	*r;

	r = relay_new(conf, err, sizeof(err));
	cr_assert_not_null(r, "relay_new: %s", err);
	return (r);
}

/* A relay with the defaults, open rooms as asked. */
static struct relay *
mkrelay(int open_rooms)
{
	struct relay_conf	 conf;

	relay_conf_init(&conf);
	conf.open_rooms = open_rooms;
	return (mkrelay_conf(&conf));
}

/*
 * Wipe the dead stack the test left below us, so that stale peer and
 * room pointers there do not make leaked blocks look reachable.
 */
static void __attribute__((__noinline__))
scrub_stack(void)
{
	uint8_t	 junk[64 * 1024];

	explicit_bzero(junk, sizeof(junk));
}

/*
 * Under ASan, also prove that relay_free() left nothing behind.  A
 * failed assertion in a .fini is not reported by Criterion, so a leak
 * crashes the test instead (after LeakSanitizer's report).
 */
static void
teardown(void)
{
	relay_free(R);
	R = NULL;
	scrub_stack();
#ifdef __SANITIZE_ADDRESS__
	if (__lsan_do_recoverable_leak_check() != 0) {
		fprintf(stderr, "test_room: memory leaked\n");
		abort();
	}
#endif
}

static struct ether_mac
mac(const char *s)
{
	struct ether_mac	 m;

	cr_assert_eq(ether_mac_parse(s, &m), 0, "bad test MAC %s", s);
	return (m);
}

static struct wiremsg_hello
hello(enum wiremsg_role role, const char *room, const char *m,
    const char *secret)
{
	struct wiremsg_hello	 h;

	memset(&h, 0, sizeof(h));
	h.proto = WIREMSG_PROTO;
	h.role = role;
	strlcpy(h.room, room, sizeof(h.room));
	h.mac = mac(m);
	h.datagram_budget = 1167;
	if (secret != NULL)
		strlcpy(h.secret, secret, sizeof(h.secret));
	strlcpy(h.software, "test_room", sizeof(h.software));
	return (h);
}

static char	 last_reason[WIREMSG_REASON_MAX + 1];

/*
 * Admission that must fail with code; the reason must be set (and is
 * kept in last_reason).
 */
static void
refuse(const struct wiremsg_hello *h, enum wiremsg_code want)
{
	struct peer		*p = (struct peer *)0x1;
	enum wiremsg_code	 code = WIREMSG_CODE_NONE;
	char			 reason[WIREMSG_REASON_MAX + 1];

	reason[0] = '\0';
	cr_assert_eq(relay_admit(R, h, 0, &p, &code, reason, sizeof(reason)),
	    -1, "hello for room %s admitted, want %s", h->room,
	    wiremsg_code_name(want));
	cr_assert_eq(code, want, "code %s, want %s (%s)",
	    wiremsg_code_name(code), wiremsg_code_name(want), reason);
	cr_assert_null(p);
	cr_assert_neq(reason[0], '\0', "no reason for %s",
	    wiremsg_code_name(want));
	strlcpy(last_reason, reason, sizeof(last_reason));
}

static void
reason_has(const char *what)
{
	cr_assert(strstr(last_reason, what) != NULL,
	    "reason \"%s\" does not say \"%s\"", last_reason, what);
}

static void
refuse_as(enum wiremsg_role role, const char *room, const char *m,
    const char *secret, enum wiremsg_code want)
{
	struct wiremsg_hello	 h = hello(role, room, m, secret);

	refuse(&h, want);
}

static struct peer *
join_at(enum wiremsg_role role, const char *room, const char *m,
    const char *secret, uint64_t now)
{
	struct wiremsg_hello	 h = hello(role, room, m, secret);
	struct peer		*p = NULL;
	enum wiremsg_code	 code = WIREMSG_CODE_NONE;
	char			 reason[WIREMSG_REASON_MAX + 1] = "";

	cr_assert_eq(relay_admit(R, &h, now, &p, &code, reason,
	    sizeof(reason)), 0, "%s %s in room %s refused: %s: %s",
	    wiremsg_role_name(role), m, room, wiremsg_code_name(code), reason);
	cr_assert_not_null(p);
	cr_assert_eq(code, WIREMSG_CODE_NONE);
	cr_assert_neq(p->id, 0);
	cr_assert_eq(p->role, role);
	cr_assert(ether_mac_eq(&p->mac, &h.mac));
	return (p);
}

static struct peer *
join(enum wiremsg_role role, const char *room, const char *m)
{
	return (join_at(role, room, m, NULL, 0));
}

/*
 * An untagged frame of len bytes (at least 14): dst, src, EtherType,
 * then zero bytes.
 */
static size_t
frame(uint8_t *buf, size_t len, const char *dst, const char *src,
    uint16_t type)
{
	struct ether_mac	 d = mac(dst), s = mac(src);

	cr_assert_geq(len, ETHER_HDR_LEN);
	memset(buf, 0, len);
	memcpy(buf, d.octet, ETHER_ADDR_LEN);
	memcpy(buf + 6, s.octet, ETHER_ADDR_LEN);
	buf[12] = type >> 8;
	buf[13] = type & 0xff;
	return (len);
}

/* An ARP-sized frame (60 bytes). */
static size_t
arp(uint8_t *buf, const char *dst, const char *src)
{
	return (frame(buf, 60, dst, src, ETHERTYPE_ARP));
}

/*
 * IPv4 UDP from sport to dport with 8 bytes of payload: 50 bytes.
 * Checksums are left zero: the filters do not look at them.
 */
static size_t
udp4(uint8_t *buf, const char *dst, const char *src, uint16_t sport,
    uint16_t dport)
{
	uint8_t	*ip = buf + ETHER_HDR_LEN;

	frame(buf, ETHER_HDR_LEN + 20 + 8 + 8, dst, src, ETHERTYPE_IPV4);
	ip[0] = 0x45;			/* version 4, IHL 5 */
	ip[3] = 36;			/* total length 20 + 8 + 8 */
	ip[8] = 64;			/* TTL */
	ip[9] = 17;			/* UDP */
	ip[12] = 198; ip[13] = 18; ip[14] = 0; ip[15] = 1;
	ip[16] = 198; ip[17] = 18; ip[18] = 0; ip[19] = 100;
	ip[20] = sport >> 8; ip[21] = sport & 0xff;
	ip[22] = dport >> 8; ip[23] = dport & 0xff;
	ip[25] = 16;			/* UDP length 8 + 8 */
	return (ETHER_HDR_LEN + 36);
}

/* IPv6 with next header nh and 8 bytes of upper-layer data: 62 bytes. */
static size_t
ip6(uint8_t *buf, const char *dst, const char *src, uint8_t nh,
    const uint8_t up[8])
{
	uint8_t	*ip = buf + ETHER_HDR_LEN;

	frame(buf, ETHER_HDR_LEN + 40 + 8, dst, src, ETHERTYPE_IPV6);
	ip[0] = 0x60;			/* version 6 */
	ip[5] = 8;			/* payload length */
	ip[6] = nh;
	ip[7] = 255;			/* hop limit */
	ip[8] = 0xfe; ip[9] = 0x80;	/* fe80::1 -> ff02::1 */
	ip[23] = 1;
	ip[24] = 0xff; ip[25] = 0x02;
	ip[39] = 1;
	memcpy(ip + 40, up, 8);
	return (ETHER_HDR_LEN + 48);
}

static void
fwd_at(struct peer *from, const uint8_t *buf, size_t len, uint64_t now,
    struct fwd_result *res)
{
	memset(res, 0xa5, sizeof(*res));	/* no stale result passes */
	room_forward(R, from, buf, len, now, res);
}

static int
sent_to(const struct fwd_result *res, const struct peer *p)
{
	size_t	 i;

	for (i = 0; i < res->nout; i++)
		if (res->out[i] == p)
			return (1);
	return (0);
}

/* The frame must be dropped for reason want. */
static void
dropped(struct peer *from, const uint8_t *buf, size_t len, uint64_t now,
    enum fwd_reason want)
{
	struct fwd_result	 res;

	fwd_at(from, buf, len, now, &res);
	cr_assert_eq(res.reason, want, "reason %s, want %s",
	    fwd_reason_name(res.reason), fwd_reason_name(want));
	cr_assert_eq(res.nout, 0);
}

/* The frame (what, for the messages) must go to exactly to[0..n-1]. */
static void
sent_list(const char *what, struct peer *from, const uint8_t *buf,
    size_t len, uint64_t now, struct peer *const *to, size_t n)
{
	struct fwd_result	 res;
	size_t			 i;

	fwd_at(from, buf, len, now, &res);
	cr_assert_eq(res.reason, FWD_OK, "%s: dropped: %s", what,
	    fwd_reason_name(res.reason));
	cr_assert_eq(res.nout, n, "%s: sent to %zu peers, want %zu", what,
	    res.nout, n);
	for (i = 0; i < n; i++)
		cr_assert(sent_to(&res, to[i]), "%s: not sent to peer %u",
		    what, to[i]->id);
	cr_assert(!sent_to(&res, from), "%s: sent back to the ingress peer",
	    what);
}

/* The frame must go to exactly the n peers given. */
static void
sent(struct peer *from, const uint8_t *buf, size_t len, uint64_t now,
    size_t n, ...)
{
	struct peer	*to[ROOM_MEMBERS_MAX];
	va_list		 ap;
	size_t		 i;

	cr_assert_leq(n, nitems(to));
	va_start(ap, n);
	for (i = 0; i < n; i++)
		to[i] = va_arg(ap, struct peer *);
	va_end(ap);
	sent_list("frame", from, buf, len, now, to, n);
}

/* Configuration. */

Test(room_conf, defaults)
{
	struct relay_conf	 c;

	memset(&c, 0xff, sizeof(c));
	relay_conf_init(&c);
	cr_assert_eq(c.mtu, 1500);
	cr_assert_eq(c.mac_age, 300000);
	cr_assert_eq(c.max_learned, 4096);
	cr_assert_eq(c.open_rooms, 0);
	cr_assert_gt(c.max_rooms, 0);
	cr_assert_gt(c.max_peers, 0);
	cr_assert(c.max_clients > 0 && c.max_clients <= WIREMSG_MAX_PEERS);
	cr_assert_gt(c.bcast_rate, 0);
	cr_assert_gt(c.bcast_burst, 0);
}

Test(room_conf, invalid)
{
	struct relay_conf	 c;
	struct relay		*r;
	int			 i;

	for (i = 0; i < 9; i++) {
		relay_conf_init(&c);
		switch (i) {
		case 0: c.max_rooms = 0; break;
		case 1: c.max_peers = 0; break;
		case 2: c.max_clients = 0; break;
		case 3: c.max_clients = WIREMSG_MAX_PEERS + 1; break;
		case 4: c.mtu = 575; break;
		case 5: c.mtu = 1501; break;
		case 6: c.mac_age = 0; break;
		case 7: c.max_learned = 0; break;
		case 8: c.bcast_burst = 0; break;
		}
		err[0] = '\0';
		r = relay_new(&c, err, sizeof(err));
		cr_assert_null(r, "case %d accepted", i);
		cr_assert_neq(err[0], '\0', "case %d: no message", i);
	}
	/* Boundaries are accepted; no burst is fine without a rate. */
	relay_conf_init(&c);
	c.mtu = 576;
	c.max_clients = WIREMSG_MAX_PEERS;
	c.bcast_rate = 0;
	c.bcast_burst = 0;
	r = relay_new(&c, err, sizeof(err));
	cr_assert_not_null(r, "%s", err);
	relay_free(r);
}

Test(room_conf, declare, .fini = teardown)
{
	char	 longsecret[WIREMSG_SECRET_MAX + 2];

	R = mkrelay(0);
	cr_assert_eq(relay_declare(R, "lan", "s3cret", 1280, 4, err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(relay_declare(R, "open", NULL, 0, 0, err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(relay_declare(R, "lan", "", 0, 0, err, sizeof(err)), -1);
	cr_assert(strstr(err, "declared twice") != NULL, "%s", err);
	cr_assert_eq(relay_declare(R, "bad room", "", 0, 0, err,
	    sizeof(err)), -1);
	cr_assert(strstr(err, "invalid room code") != NULL, "%s", err);
	cr_assert_eq(relay_declare(R, "", "", 0, 0, err, sizeof(err)), -1);
	cr_assert_eq(relay_declare(R, "m", "", 575, 0, err, sizeof(err)), -1);
	cr_assert(strstr(err, "mtu") != NULL, "%s", err);
	cr_assert_eq(relay_declare(R, "m", "", 1501, 0, err, sizeof(err)),
	    -1);
	cr_assert_eq(relay_declare(R, "m", "", 0, WIREMSG_MAX_PEERS + 1, err,
	    sizeof(err)), -1);
	cr_assert(strstr(err, "max clients") != NULL, "%s", err);
	memset(longsecret, 'x', sizeof(longsecret) - 1);
	longsecret[sizeof(longsecret) - 1] = '\0';
	cr_assert_eq(relay_declare(R, "m", longsecret, 0, 0, err,
	    sizeof(err)), -1);
	cr_assert(strstr(err, "secret") != NULL, "%s", err);
	longsecret[WIREMSG_SECRET_MAX] = '\0';
	cr_assert_eq(relay_declare(R, "m", longsecret, 0, 0, err,
	    sizeof(err)), 0, "%s", err);
}

/* Admission: every reject code. */

Test(room_admit, version, .fini = teardown)
{
	struct wiremsg_hello	 h;

	R = mkrelay(1);
	h = hello(CLIENT, "lan", CL1, NULL);
	h.proto = 2;
	refuse(&h, WIREMSG_CODE_VERSION);
	h.proto = 0;
	refuse(&h, WIREMSG_CODE_VERSION);
	cr_assert_eq(R->rejected[WIREMSG_CODE_VERSION], 2);
	cr_assert_eq(R->nrooms, 0, "a refused hello created a room");
	cr_assert_eq(R->npeers, 0);
}

Test(room_admit, bad_room, .fini = teardown)
{
	R = mkrelay(1);
	refuse_as(CLIENT, "", CL1, NULL, WIREMSG_CODE_BAD_ROOM);
	refuse_as(CLIENT, "lan party", CL1, NULL, WIREMSG_CODE_BAD_ROOM);
	refuse_as(CLIENT, "lan/1", CL1, NULL, WIREMSG_CODE_BAD_ROOM);
	cr_assert_eq(R->rejected[WIREMSG_CODE_BAD_ROOM], 3);
	join(CLIENT, "Lan_Party-32", CL1);
}

Test(room_admit, bad_room_too_long, .fini = teardown)
{
	struct wiremsg_hello	 h;

	R = mkrelay(1);
	h = hello(CLIENT, "x", CL1, NULL);
	/* 33 characters: not possible from the codec, checked anyway. */
	memset(h.room, 'a', sizeof(h.room));
	refuse(&h, WIREMSG_CODE_BAD_ROOM);
}

Test(room_admit, bad_role, .fini = teardown)
{
	R = mkrelay(1);
	refuse_as(WIREMSG_ROLE_NONE, "lan", CL1, NULL, WIREMSG_CODE_BAD_ROLE);
	refuse_as((enum wiremsg_role)7, "lan", CL1, NULL,
	    WIREMSG_CODE_BAD_ROLE);
	cr_assert_eq(R->rejected[WIREMSG_CODE_BAD_ROLE], 2);
}

Test(room_admit, bad_mac, .fini = teardown)
{
	R = mkrelay(1);
	/* A client's MAC must be locally administered. */
	refuse_as(CLIENT, "lan", GWMAC, NULL, WIREMSG_CODE_BAD_MAC);
	refuse_as(CLIENT, "lan", "00:00:00:00:00:00", NULL,
	    WIREMSG_CODE_BAD_MAC);
	refuse_as(CLIENT, "lan", BCAST, NULL, WIREMSG_CODE_BAD_MAC);
	refuse_as(CLIENT, "lan", "03:00:00:00:00:01", NULL,
	    WIREMSG_CODE_BAD_MAC);
	/* A gateway's must be unicast and non-zero, local or not. */
	refuse_as(GATEWAY, "lan", MCAST, NULL, WIREMSG_CODE_BAD_MAC);
	refuse_as(GATEWAY, "lan", "00:00:00:00:00:00", NULL,
	    WIREMSG_CODE_BAD_MAC);
	cr_assert_eq(R->rejected[WIREMSG_CODE_BAD_MAC], 6);
	join(GATEWAY, "lan", GWMAC);
	join(GATEWAY, "lan2", "02:00:00:00:00:99");
}

Test(room_admit, order_of_checks, .fini = teardown)
{
	struct wiremsg_hello	 h;

	R = mkrelay(0);
	/* Everything wrong: the version is reported first. */
	h = hello(WIREMSG_ROLE_NONE, "bad room", GWMAC, NULL);
	h.proto = 9;
	refuse(&h, WIREMSG_CODE_VERSION);
	h.proto = WIREMSG_PROTO;
	refuse(&h, WIREMSG_CODE_BAD_ROOM);
	strlcpy(h.room, "lan", sizeof(h.room));
	refuse(&h, WIREMSG_CODE_BAD_ROLE);
	h.role = CLIENT;
	refuse(&h, WIREMSG_CODE_BAD_MAC);
	h.mac = mac(CL1);
	refuse(&h, WIREMSG_CODE_UNAUTHORIZED);	/* not declared */
}

Test(room_admit, secret, .fini = teardown)
{
	R = mkrelay(0);
	cr_assert_eq(relay_declare(R, "lan", "hunter2", 0, 0, err,
	    sizeof(err)), 0);
	cr_assert_eq(relay_declare(R, "free", "", 0, 0, err, sizeof(err)),
	    0);

	refuse_as(CLIENT, "lan", CL1, NULL, WIREMSG_CODE_UNAUTHORIZED);
	reason_has("requires a secret");
	refuse_as(CLIENT, "lan", CL1, "", WIREMSG_CODE_UNAUTHORIZED);
	reason_has("requires a secret");
	refuse_as(CLIENT, "lan", CL1, "hunter3", WIREMSG_CODE_UNAUTHORIZED);
	reason_has("wrong secret");
	refuse_as(CLIENT, "lan", CL1, "hunter", WIREMSG_CODE_UNAUTHORIZED);
	refuse_as(CLIENT, "lan", CL1, "hunter22", WIREMSG_CODE_UNAUTHORIZED);
	refuse_as(CLIENT, "lan", CL1, "HUNTER2", WIREMSG_CODE_UNAUTHORIZED);
	refuse_as(GATEWAY, "lan", GWMAC, "nope", WIREMSG_CODE_UNAUTHORIZED);
	cr_assert_eq(R->rejected[WIREMSG_CODE_UNAUTHORIZED], 7);
	cr_assert_eq(R->nrooms, 0);

	join_at(CLIENT, "lan", CL1, "hunter2", 0);
	join_at(GATEWAY, "lan", GWMAC, "hunter2", 0);
	/* Members still need it once the room exists. */
	refuse_as(CLIENT, "lan", CL2, NULL, WIREMSG_CODE_UNAUTHORIZED);
	/* A room without a secret ignores one. */
	join_at(CLIENT, "free", CL1, "whatever", 0);
	join_at(CLIENT, "free", CL2, NULL, 0);
	cr_assert_eq(R->admitted, 4);
}

Test(room_admit, secret_max_length, .fini = teardown)
{
	char	 s[WIREMSG_SECRET_MAX + 1];

	R = mkrelay(0);
	memset(s, 'k', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	cr_assert_eq(relay_declare(R, "lan", s, 0, 0, err, sizeof(err)), 0);
	s[WIREMSG_SECRET_MAX - 1] = 'j';		/* last byte differs */
	refuse_as(CLIENT, "lan", CL1, s, WIREMSG_CODE_UNAUTHORIZED);
	s[WIREMSG_SECRET_MAX - 1] = 'k';
	join_at(CLIENT, "lan", CL1, s, 0);
}

Test(room_admit, open_rooms_off, .fini = teardown)
{
	R = mkrelay(0);
	cr_assert_eq(relay_declare(R, "lan", NULL, 0, 0, err, sizeof(err)),
	    0);
	refuse_as(CLIENT, "other", CL1, NULL, WIREMSG_CODE_UNAUTHORIZED);
	reason_has("not declared");
	refuse_as(GATEWAY, "other", GWMAC, "x", WIREMSG_CODE_UNAUTHORIZED);
	cr_assert_null(relay_room_find(R, "other"));
	join(CLIENT, "lan", CL1);
}

Test(room_admit, open_rooms_on, .fini = teardown)
{
	struct peer	*p;

	R = mkrelay(1);
	p = join(CLIENT, "anything", CL1);
	cr_assert_not_null(relay_room_find(R, "anything"));
	cr_assert_eq(p->room, relay_room_find(R, "anything"));
	cr_assert_null(p->room->conf);
	/* Declared rooms keep their secret on an open relay. */
	cr_assert_eq(relay_declare(R, "lan", "pw", 0, 0, err, sizeof(err)),
	    0);
	refuse_as(CLIENT, "lan", CL1, NULL, WIREMSG_CODE_UNAUTHORIZED);
	join_at(CLIENT, "lan", CL1, "pw", 0);
}

Test(room_admit, gateway_exists, .fini = teardown)
{
	struct peer	*gw;

	R = mkrelay(1);
	gw = join(GATEWAY, "lan", GWMAC);
	refuse_as(GATEWAY, "lan", "00:1b:21:0a:0b:0d", NULL,
	    WIREMSG_CODE_GATEWAY_EXISTS);
	/* Checked before duplicate MACs: same MAC, same code. */
	refuse_as(GATEWAY, "lan", GWMAC, NULL, WIREMSG_CODE_GATEWAY_EXISTS);
	cr_assert_eq(R->rejected[WIREMSG_CODE_GATEWAY_EXISTS], 2);
	/* Another room may have its own, even with the same MAC. */
	join(GATEWAY, "lan2", GWMAC);
	/* Once the first leaves, a new gateway is admitted. */
	relay_leave(R, gw, NULL, NULL, 0);
	join(CLIENT, "lan", CL1);
	join(GATEWAY, "lan", "00:1b:21:0a:0b:0d");
}

Test(room_admit, duplicate_mac, .fini = teardown)
{
	R = mkrelay(1);
	join(CLIENT, "lan", CL1);
	join(GATEWAY, "lan", GWMAC);
	refuse_as(CLIENT, "lan", CL1, NULL, WIREMSG_CODE_DUPLICATE_MAC);
	reason_has("02:00:00:00:00:01");
	/* A client may not take the gateway's MAC (if local) ... */
	join(GATEWAY, "lan2", "02:00:00:00:00:77");
	refuse_as(CLIENT, "lan2", "02:00:00:00:00:77", NULL,
	    WIREMSG_CODE_DUPLICATE_MAC);
	/* ... nor a gateway a client's. */
	join(CLIENT, "lan3", CL2);
	refuse_as(GATEWAY, "lan3", CL2, NULL, WIREMSG_CODE_DUPLICATE_MAC);
	cr_assert_eq(R->rejected[WIREMSG_CODE_DUPLICATE_MAC], 3);
	/* The same MAC in another room is another broadcast domain. */
	join(CLIENT, "lan2", CL1);
}

Test(room_admit, duplicate_learned_mac, .fini = teardown)
{
	struct peer	*gw, *c1;
	uint8_t		 buf[64];
	size_t		 len;

	R = mkrelay(1);
	c1 = join(CLIENT, "lan", CL1);
	gw = join(GATEWAY, "lan", GWMAC);
	/* A LAN host with a locally administered MAC talks. */
	len = arp(buf, BCAST, CL2);
	sent(gw, buf, len, 1000, 1, c1);
	cr_assert_not_null(room_mac_find(gw->room, &(struct ether_mac){
	    { 0x02, 0, 0, 0, 0, 0x02 } }));
	refuse_as(CLIENT, "lan", CL2, NULL, WIREMSG_CODE_DUPLICATE_MAC);
	reason_has("behind the gateway");
	cr_assert_eq(R->rejected[WIREMSG_CODE_DUPLICATE_MAC], 1);
}

Test(room_admit, room_full, .fini = teardown)
{
	struct peer	*c1;

	R = mkrelay(1);
	cr_assert_eq(relay_declare(R, "small", NULL, 0, 2, err,
	    sizeof(err)), 0);
	c1 = join(CLIENT, "small", CL1);
	join(CLIENT, "small", CL2);
	refuse_as(CLIENT, "small", CL3, NULL, WIREMSG_CODE_ROOM_FULL);
	/* The gateway does not count as a client. */
	join(GATEWAY, "small", GWMAC);
	refuse_as(CLIENT, "small", CL3, NULL, WIREMSG_CODE_ROOM_FULL);
	cr_assert_eq(R->rejected[WIREMSG_CODE_ROOM_FULL], 2);
	cr_assert_eq(c1->room->nclients, 2);
	cr_assert_eq(c1->room->nmembers, 3);
	relay_leave(R, c1, NULL, NULL, 0);
	join(CLIENT, "small", CL3);
}

Test(room_admit, room_full_default, .fini = teardown)
{
	struct relay_conf	 c;
	char			 m[ETHER_MAC_STRLEN];
	int			 i;

	relay_conf_init(&c);
	c.open_rooms = 1;
	c.max_clients = 3;
	R = mkrelay_conf(&c);
	for (i = 1; i <= 3; i++) {
		snprintf(m, sizeof(m), "02:00:00:00:01:%02x", i);
		join(CLIENT, "lan", m);
	}
	refuse_as(CLIENT, "lan", CL1, NULL, WIREMSG_CODE_ROOM_FULL);
}

Test(room_admit, room_full_at_protocol_limit, .fini = teardown)
{
	struct relay_conf	 c;
	struct wiremsg_welcome	 w;
	struct peer		*p = NULL;
	char			 m[ETHER_MAC_STRLEN];
	int			 i;

	relay_conf_init(&c);
	c.open_rooms = 1;
	c.max_clients = WIREMSG_MAX_PEERS;
	R = mkrelay_conf(&c);
	for (i = 0; i < WIREMSG_MAX_PEERS; i++) {
		snprintf(m, sizeof(m), "02:00:00:00:01:%02x", i);
		join(CLIENT, "lan", m);
	}
	refuse_as(CLIENT, "lan", CL1, NULL, WIREMSG_CODE_ROOM_FULL);
	p = join(GATEWAY, "lan", GWMAC);
	relay_welcome(p, &w);
	cr_assert_eq(w.npeers, WIREMSG_MAX_PEERS);
	cr_assert_eq(p->room->nmembers, ROOM_MEMBERS_MAX);
}

Test(room_admit, relay_full_peers, .fini = teardown)
{
	struct relay_conf	 c;
	struct peer		*p;

	relay_conf_init(&c);
	c.open_rooms = 1;
	c.max_peers = 3;
	R = mkrelay_conf(&c);
	p = join(CLIENT, "a", CL1);
	join(CLIENT, "b", CL1);
	join(GATEWAY, "a", GWMAC);
	refuse_as(CLIENT, "a", CL2, NULL, WIREMSG_CODE_RELAY_FULL);
	reason_has("peers");
	refuse_as(CLIENT, "c", CL2, NULL, WIREMSG_CODE_RELAY_FULL);
	cr_assert_eq(R->rejected[WIREMSG_CODE_RELAY_FULL], 2);
	cr_assert_eq(R->nrooms, 2);
	relay_leave(R, p, NULL, NULL, 0);
	join(CLIENT, "a", CL2);
}

Test(room_admit, relay_full_rooms, .fini = teardown)
{
	struct relay_conf	 c;
	struct peer		*p, *q;

	relay_conf_init(&c);
	c.open_rooms = 1;
	c.max_rooms = 2;
	R = mkrelay_conf(&c);
	p = join(CLIENT, "a", CL1);
	join(CLIENT, "b", CL1);
	refuse_as(CLIENT, "c", CL1, NULL, WIREMSG_CODE_RELAY_FULL);
	reason_has("rooms");
	/* Existing rooms still take members. */
	q = join(CLIENT, "a", CL2);
	join(GATEWAY, "b", GWMAC);
	cr_assert_eq(R->nrooms, 2);
	cr_assert_null(relay_room_find(R, "c"));
	/* Room "a" still has a member: still full. */
	relay_leave(R, p, NULL, NULL, 0);
	refuse_as(CLIENT, "c", CL1, NULL, WIREMSG_CODE_RELAY_FULL);
	relay_leave(R, q, NULL, NULL, 0);
	cr_assert_null(relay_room_find(R, "a"));
	join(CLIENT, "c", CL1);
}

/* Reasons are checked in the documented order. */
Test(room_admit, limits_order, .fini = teardown)
{
	struct relay_conf	 c;

	relay_conf_init(&c);
	c.open_rooms = 1;
	c.max_peers = 2;
	c.max_clients = 1;
	R = mkrelay_conf(&c);
	join(CLIENT, "lan", CL1);
	join(GATEWAY, "lan", GWMAC);
	/* Everything is full: the room's own problems come first. */
	refuse_as(GATEWAY, "lan", LAN1, NULL, WIREMSG_CODE_GATEWAY_EXISTS);
	refuse_as(CLIENT, "lan", CL1, NULL, WIREMSG_CODE_DUPLICATE_MAC);
	refuse_as(CLIENT, "lan", CL2, NULL, WIREMSG_CODE_ROOM_FULL);
	refuse_as(CLIENT, "new", CL2, NULL, WIREMSG_CODE_RELAY_FULL);
}

Test(room_admit, peer_ids, .fini = teardown)
{
	struct peer	*p[6];
	uint32_t	 ids[8];
	int		 i, j;

	R = mkrelay(1);
	p[0] = join(CLIENT, "a", CL1);
	p[1] = join(CLIENT, "a", CL2);
	p[2] = join(GATEWAY, "a", GWMAC);
	p[3] = join(CLIENT, "b", CL1);
	for (i = 0; i < 4; i++)
		ids[i] = p[i]->id;
	for (i = 0; i < 4; i++)
		cr_assert_eq(relay_peer_find(R, ids[i]), p[i]);
	/* Leave and come back: a new id, never an old one. */
	relay_leave(R, p[0], NULL, NULL, 0);
	relay_leave(R, p[3], NULL, NULL, 0);
	cr_assert_null(relay_peer_find(R, ids[0]));
	cr_assert_null(relay_peer_find(R, ids[3]));
	p[4] = join(CLIENT, "a", CL1);
	p[5] = join(CLIENT, "b", CL1);
	ids[4] = p[4]->id;
	ids[5] = p[5]->id;
	for (i = 0; i < 6; i++) {
		cr_assert_neq(ids[i], 0);
		for (j = 0; j < i; j++)
			cr_assert_neq(ids[i], ids[j], "id %u reused", ids[i]);
	}
	cr_assert_null(relay_peer_find(R, 0));
}

Test(room_admit, peer_ids_exhausted, .fini = teardown)
{
	struct peer	*p;

	R = mkrelay(1);
	R->next_id = UINT32_MAX;
	p = join(CLIENT, "a", CL1);
	cr_assert_eq(p->id, UINT32_MAX);
	refuse_as(CLIENT, "a", CL2, NULL, WIREMSG_CODE_RELAY_FULL);
	relay_leave(R, p, NULL, NULL, 0);
	/* Never 0, never again UINT32_MAX. */
	refuse_as(CLIENT, "a", CL2, NULL, WIREMSG_CODE_RELAY_FULL);
}

Test(room_admit, peer_fields, .fini = teardown)
{
	struct peer	*p;

	R = mkrelay(1);
	p = join_at(CLIENT, "lan", CL1, NULL, 12345);
	cr_assert_eq(p->datagram_budget, 1167);
	cr_assert_str_eq(p->software, "test_room");
	cr_assert_eq(p->joined, 12345);
	cr_assert_str_eq(p->room->name, "lan");
	cr_assert_eq(p->room->created, 12345);
	cr_assert_null(p->cookie);
}

Test(room_admit, room_mtu, .fini = teardown)
{
	struct relay_conf	 c;
	struct wiremsg_welcome	 w;
	struct peer		*p;

	R = mkrelay(1);
	cr_assert_eq(relay_declare(R, "small", NULL, 1280, 0, err,
	    sizeof(err)), 0);
	cr_assert_eq(relay_declare(R, "dflt", NULL, 0, 0, err, sizeof(err)),
	    0);
	p = join(CLIENT, "small", CL1);
	relay_welcome(p, &w);
	cr_assert_eq(w.room_mtu, 1280);
	cr_assert_eq(w.peer_id, p->id);
	p = join(CLIENT, "dflt", CL1);
	relay_welcome(p, &w);
	cr_assert_eq(w.room_mtu, 1500);
	p = join(CLIENT, "open", CL1);
	relay_welcome(p, &w);
	cr_assert_eq(w.room_mtu, 1500);
	relay_free(R);

	relay_conf_init(&c);
	c.open_rooms = 1;
	c.mtu = 1400;
	R = mkrelay_conf(&c);
	cr_assert_eq(relay_declare(R, "dflt", NULL, 0, 0, err, sizeof(err)),
	    0);
	cr_assert_eq(relay_declare(R, "small", NULL, 576, 0, err,
	    sizeof(err)), 0);
	p = join(CLIENT, "open", CL1);
	relay_welcome(p, &w);
	cr_assert_eq(w.room_mtu, 1400);
	p = join(CLIENT, "dflt", CL1);
	relay_welcome(p, &w);
	cr_assert_eq(w.room_mtu, 1400);
	p = join(CLIENT, "small", CL1);
	relay_welcome(p, &w);
	cr_assert_eq(w.room_mtu, 576);
}

static void
assert_peer(const struct wiremsg_peer *cp, const struct peer *p)
{
	cr_assert_eq(cp->peer_id, p->id);
	cr_assert_eq(cp->role, p->role);
	cr_assert(ether_mac_eq(&cp->mac, &p->mac));
}

Test(room_admit, members_and_notify, .fini = teardown)
{
	struct wiremsg_welcome	 w;
	struct wiremsg_peer	 gone;
	struct wiremsg		 msg;
	struct wiremsg_error	 cerr;
	struct peer		*a, *gw, *b, *other;
	struct peer		*list[ROOM_MEMBERS_MAX];

	R = mkrelay(1);
	other = join(CLIENT, "elsewhere", CL3);
	a = join(CLIENT, "lan", CL1);
	relay_welcome(a, &w);
	cr_assert_eq(w.npeers, 0);
	cr_assert_eq(relay_others(a, list, nitems(list)), 0);

	gw = join(GATEWAY, "lan", GWMAC);
	relay_welcome(gw, &w);
	cr_assert_eq(w.npeers, 1);
	assert_peer(&w.peers[0], a);
	cr_assert_eq(relay_others(gw, list, nitems(list)), 1);
	cr_assert_eq(list[0], a);

	b = join(CLIENT, "lan", CL2);
	relay_welcome(b, &w);
	cr_assert_eq(w.peer_id, b->id);
	cr_assert_eq(w.npeers, 2);
	assert_peer(&w.peers[0], a);
	assert_peer(&w.peers[1], gw);
	/* The welcome is one the codec accepts. */
	memset(&msg, 0, sizeof(msg));
	msg.type = WIREMSG_WELCOME;
	msg.u.welcome = w;
	cr_assert_eq(wiremsg_validate(&msg, &cerr), 0, "%s", cerr.msg);
	cr_assert_eq(relay_others(b, list, nitems(list)), 2);
	cr_assert_eq(list[0], a);
	cr_assert_eq(list[1], gw);
	/* A short array gets the first ones. */
	cr_assert_eq(relay_others(b, list, 1), 1);
	cr_assert_eq(list[0], a);

	/* The gateway leaves: a and b are told. */
	memset(list, 0, sizeof(list));
	cr_assert_eq(relay_leave(R, gw, &gone, list, nitems(list)), 2);
	cr_assert_eq(list[0], a);
	cr_assert_eq(list[1], b);
	cr_assert_eq(gone.role, GATEWAY);
	cr_assert(ether_mac_eq(&gone.mac, &(struct ether_mac){
	    { 0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c } }));
	cr_assert_null(a->room->gateway);
	relay_welcome(b, &w);
	cr_assert_eq(w.npeers, 1);
	assert_peer(&w.peers[0], a);

	cr_assert_eq(relay_leave(R, a, &gone, list, nitems(list)), 1);
	cr_assert_eq(list[0], b);
	cr_assert_eq(relay_leave(R, b, &gone, list, nitems(list)), 0);
	cr_assert_eq(gone.role, CLIENT);
	/* The other room never saw any of it. */
	relay_welcome(other, &w);
	cr_assert_eq(w.npeers, 0);
	cr_assert_eq(R->left, 3);
}

Test(room_admit, destroyed_when_empty, .fini = teardown)
{
	struct peer	*a, *b, *gw;
	uint8_t		 buf[64];
	size_t		 len;

	R = mkrelay(1);
	a = join(CLIENT, "lan", CL1);
	b = join(CLIENT, "lan", CL2);
	gw = join(GATEWAY, "lan", GWMAC);
	len = arp(buf, BCAST, CL1);
	sent(a, buf, len, 0, 2, b, gw);
	cr_assert_eq(R->nrooms, 1);
	relay_leave(R, a, NULL, NULL, 0);
	relay_leave(R, gw, NULL, NULL, 0);
	cr_assert_not_null(relay_room_find(R, "lan"));
	relay_leave(R, b, NULL, NULL, 0);
	cr_assert_null(relay_room_find(R, "lan"));
	cr_assert_eq(R->nrooms, 0);
	cr_assert_eq(R->npeers, 0);
	cr_assert_eq(R->rooms_created, 1);

	/* Same code later: a new room with fresh counters. */
	a = join(CLIENT, "lan", CL1);
	cr_assert_eq(R->nrooms, 1);
	cr_assert_eq(R->rooms_created, 2);
	cr_assert_eq(a->room->counters.frames_in, 0);
	cr_assert_eq(a->room->nmembers, 1);
	cr_assert_null(a->room->gateway);
	/* The relay's counters survive. */
	cr_assert_eq(R->counters.frames_in, 1);
	cr_assert_eq(R->counters.frames_out, 2);
}

/* Forwarding. */

struct lan {
	struct peer	*a, *b, *c, *gw;
};

/* Room "lan": clients a, b, c and the gateway. */
static struct lan
mklan(void)
{
	struct lan	 l;

	R = mkrelay(1);
	l.a = join(CLIENT, "lan", CL1);
	l.b = join(CLIENT, "lan", CL2);
	l.c = join(CLIENT, "lan", CL3);
	l.gw = join(GATEWAY, "lan", GWMAC);
	return (l);
}

/*
 * One ARP-sized frame in room "lan" of mklan(), and the members it must
 * reach: a row per frame, members named by letter (a, b, c; g the
 * gateway).  Criterion copies the rows into the process that runs them,
 * so the MACs are arrays, not pointers.
 */
struct fwd_case {
	char	 from;
	char	 dst[ETHER_MAC_STRLEN];
	char	 src[ETHER_MAC_STRLEN];
	char	 to[4];
};

static struct fwd_case fwd_cases[] = {
	/* Broadcast and multicast from a client. */
	{ 'a', BCAST, CL1, "bcg" },
	{ 'b', MCAST, CL2, "acg" },
	/* From the gateway; its own MAC as source is fine too. */
	{ 'g', BCAST, LAN1, "abc" },
	{ 'g', "33:33:00:00:00:01", GWMAC, "abc" },
	/* Unicast to a client, from a client or the gateway. */
	{ 'a', CL2, CL1, "b" },
	{ 'c', CL1, CL3, "a" },
	{ 'g', CL3, LAN1, "c" },
	{ 'g', CL1, GWMAC, "a" },
};

static struct peer *
member(const struct lan *l, char c)
{
	switch (c) {
	case 'a':
		return (l->a);
	case 'b':
		return (l->b);
	case 'c':
		return (l->c);
	case 'g':
		return (l->gw);
	}
	cr_assert_fail("no member %c", c);
	return (NULL);
}

ParameterizedTestParameters(room_fwd, delivered)
{
	return (cr_make_param_array(struct fwd_case, fwd_cases,
	    nitems(fwd_cases)));
}

ParameterizedTest(const struct fwd_case *f, room_fwd, delivered,
    .fini = teardown)
{
	struct lan	 l = mklan();
	struct peer	*to[sizeof(f->to)];
	char		 what[64];
	uint8_t		 buf[64];
	size_t		 len, n;

	snprintf(what, sizeof(what), "%c: %s > %s", f->from, f->src, f->dst);
	for (n = 0; n < sizeof(f->to) && f->to[n] != '\0'; n++)
		to[n] = member(&l, f->to[n]);
	len = arp(buf, f->dst, f->src);
	sent_list(what, member(&l, f->from), buf, len, 0, to, n);
}

Test(room_fwd, no_receiver, .fini = teardown)
{
	struct peer	*a;
	uint8_t		 buf[64];
	size_t		 len;

	R = mkrelay(1);
	a = join(CLIENT, "lan", CL1);
	len = arp(buf, BCAST, CL1);
	dropped(a, buf, len, 0, FWD_DROP_NO_RECEIVER);
	cr_assert_eq(a->counters.drops[FWD_DROP_NO_RECEIVER], 1);
}

Test(room_fwd, other_rooms_isolated, .fini = teardown)
{
	struct lan	 l = mklan();
	struct peer	*x, *xgw;
	uint8_t		 buf[64];
	size_t		 len;

	x = join(CLIENT, "other", CL1);
	xgw = join(GATEWAY, "other", GWMAC);
	len = arp(buf, BCAST, CL1);
	sent(x, buf, len, 0, 1, xgw);
	len = arp(buf, CL2, CL1);
	sent(x, buf, len, 0, 1, xgw);	/* CL2 is not in room "other" */
	sent(l.a, buf, len, 0, 1, l.b);
}

Test(room_fwd, unicast_client_to_unknown, .fini = teardown)
{
	struct lan	 l = mklan();
	uint8_t		 buf[64];
	size_t		 len;

	len = arp(buf, LAN1, CL1);
	sent(l.a, buf, len, 0, 1, l.gw);
	/* To the gateway's own MAC, and to a learned one: the gateway. */
	len = arp(buf, GWMAC, CL1);
	sent(l.a, buf, len, 0, 1, l.gw);
	len = arp(buf, BCAST, LAN2);
	sent(l.gw, buf, len, 0, 3, l.a, l.b, l.c);
	len = arp(buf, LAN2, CL2);
	sent(l.b, buf, len, 0, 1, l.gw);
}

Test(room_fwd, no_gateway, .fini = teardown)
{
	struct peer	*a, *b;
	uint8_t		 buf[64];
	size_t		 len;

	R = mkrelay(1);
	a = join(CLIENT, "lan", CL1);
	b = join(CLIENT, "lan", CL2);
	len = arp(buf, LAN1, CL1);
	dropped(a, buf, len, 0, FWD_DROP_NO_GATEWAY);
	dropped(a, buf, len, 0, FWD_DROP_NO_GATEWAY);
	cr_assert_eq(a->counters.drops[FWD_DROP_NO_GATEWAY], 2);
	cr_assert_eq(a->room->counters.drops[FWD_DROP_NO_GATEWAY], 2);
	cr_assert_eq(R->counters.drops[FWD_DROP_NO_GATEWAY], 2);
	cr_assert_eq(b->counters.drops[FWD_DROP_NO_GATEWAY], 0);
	cr_assert_eq(a->counters.frames_in, 2);
	cr_assert_eq(a->counters.bytes_in, 120);
	/* Client to client still works without one. */
	len = arp(buf, CL2, CL1);
	sent(a, buf, len, 0, 1, b);
}

Test(room_fwd, gateway_unknown_unicast, .fini = teardown)
{
	struct lan	 l = mklan();
	uint8_t		 buf[64];
	size_t		 len;

	len = arp(buf, LAN2, LAN1);
	dropped(l.gw, buf, len, 0, FWD_DROP_GW_UNKNOWN);
	len = arp(buf, "02:00:00:00:00:55", LAN1);	/* not a member */
	dropped(l.gw, buf, len, 0, FWD_DROP_GW_UNKNOWN);
	cr_assert_eq(l.gw->counters.drops[FWD_DROP_GW_UNKNOWN], 2);
	cr_assert_eq(R->counters.drops[FWD_DROP_GW_UNKNOWN], 2);
}

Test(room_fwd, hairpin, .fini = teardown)
{
	struct lan	 l = mklan();
	uint8_t		 buf[64];
	size_t		 len;

	/* A client to itself. */
	len = arp(buf, CL1, CL1);
	dropped(l.a, buf, len, 0, FWD_DROP_HAIRPIN);
	/* The gateway to a MAC behind itself, or to itself. */
	len = arp(buf, BCAST, LAN1);
	sent(l.gw, buf, len, 0, 3, l.a, l.b, l.c);
	len = arp(buf, LAN1, LAN2);
	dropped(l.gw, buf, len, 0, FWD_DROP_HAIRPIN);
	len = arp(buf, GWMAC, LAN2);
	dropped(l.gw, buf, len, 0, FWD_DROP_HAIRPIN);
	cr_assert_eq(l.a->counters.drops[FWD_DROP_HAIRPIN], 1);
	cr_assert_eq(l.gw->counters.drops[FWD_DROP_HAIRPIN], 2);
	cr_assert_eq(l.a->room->counters.drops[FWD_DROP_HAIRPIN], 3);
}

Test(room_fwd, spoofed, .fini = teardown)
{
	struct lan	 l = mklan();
	uint8_t		 buf[64];
	size_t		 len;

	len = arp(buf, BCAST, CL2);	/* a claims to be b */
	dropped(l.a, buf, len, 0, FWD_DROP_SPOOFED);
	len = arp(buf, CL2, LAN1);	/* a claims a LAN host */
	dropped(l.a, buf, len, 0, FWD_DROP_SPOOFED);
	len = arp(buf, CL2, GWMAC);
	dropped(l.a, buf, len, 0, FWD_DROP_SPOOFED);
	cr_assert_eq(l.a->counters.drops[FWD_DROP_SPOOFED], 3);
	cr_assert_eq(l.a->counters.frames_out, 0);
	cr_assert_eq(l.b->counters.frames_out, 0);
	/* A spoofed frame teaches the table nothing. */
	cr_assert_null(room_mac_find(l.a->room, &(struct ether_mac){
	    { 0x00, 0x1b, 0x21, 0x00, 0x00, 0x01 } }));
}

Test(room_fwd, source_invalid, .fini = teardown)
{
	struct lan	 l = mklan();
	uint8_t		 buf[64];
	size_t		 len;

	len = arp(buf, BCAST, MCAST);
	dropped(l.gw, buf, len, 0, FWD_DROP_SOURCE_INVALID);
	len = arp(buf, BCAST, BCAST);
	dropped(l.gw, buf, len, 0, FWD_DROP_SOURCE_INVALID);
	len = arp(buf, CL1, "00:00:00:00:00:00");
	dropped(l.gw, buf, len, 0, FWD_DROP_SOURCE_INVALID);
	len = arp(buf, BCAST, "00:00:00:00:00:00");
	dropped(l.a, buf, len, 0, FWD_DROP_SOURCE_INVALID);
	cr_assert_eq(l.gw->counters.drops[FWD_DROP_SOURCE_INVALID], 3);
	cr_assert_eq(l.gw->room->nlearned, 0);
}

Test(room_fwd, loop_guard, .fini = teardown)
{
	struct lan	 l = mklan();
	uint8_t		 buf[64];
	size_t		 len;

	/* A client's frame comes back from the LAN. */
	len = arp(buf, BCAST, CL1);
	dropped(l.gw, buf, len, 0, FWD_DROP_LOOP);
	len = arp(buf, CL2, CL1);
	dropped(l.gw, buf, len, 0, FWD_DROP_LOOP);
	cr_assert_eq(l.gw->counters.drops[FWD_DROP_LOOP], 2);
	cr_assert_eq(l.gw->room->counters.drops[FWD_DROP_LOOP], 2);
	cr_assert_eq(R->counters.drops[FWD_DROP_LOOP], 2);
	/* The client's entry is still its own. */
	cr_assert_eq(room_mac_find(l.a->room, &l.a->mac)->owner, l.a);
	cr_assert_eq(room_mac_find(l.a->room, &l.a->mac)->learned, 0);
}

Test(room_fwd, learning, .fini = teardown)
{
	struct lan		 l = mklan();
	struct ether_mac	 lan1 = mac(LAN1);
	struct mac_entry	*me;
	uint8_t			 buf[64];
	size_t			 len;

	cr_assert_null(room_mac_find(l.gw->room, &lan1));
	len = arp(buf, CL1, LAN1);
	sent(l.gw, buf, len, 5000, 1, l.a);
	me = room_mac_find(l.gw->room, &lan1);
	cr_assert_not_null(me);
	cr_assert_eq(me->owner, l.gw);
	cr_assert_eq(me->learned, 1);
	cr_assert_eq(me->seen, 5000);
	sent(l.gw, buf, len, 7000, 1, l.a);
	cr_assert_eq(me->seen, 7000);
	/* Time running backwards does not age the entry. */
	sent(l.gw, buf, len, 6000, 1, l.a);
	cr_assert_eq(me->seen, 7000);
	cr_assert_eq(l.gw->room->nlearned, 1);
	cr_assert_eq(l.gw->room->learned_total, 1);
	/* Even a frame dropped later on (unknown unicast) teaches. */
	len = arp(buf, LAN1, LAN2);
	dropped(l.gw, buf, len, 7000, FWD_DROP_HAIRPIN);
	len = arp(buf, LAN3, LAN2);
	dropped(l.gw, buf, len, 7000, FWD_DROP_GW_UNKNOWN);
	cr_assert_eq(l.gw->room->nlearned, 2);
	cr_assert_eq(R->learned_total, 2);
	/* The gateway's own MAC is pinned, not learned. */
	len = arp(buf, BCAST, GWMAC);
	sent(l.gw, buf, len, 0, 3, l.a, l.b, l.c);
	cr_assert_eq(l.gw->room->nlearned, 2);
	cr_assert_eq(room_mac_find(l.gw->room, &l.gw->mac)->learned, 0);
}

Test(room_fwd, learn_full, .fini = teardown)
{
	struct relay_conf	 c;
	struct peer		*a, *gw;
	struct ether_mac	 lan3 = mac(LAN3);
	uint8_t			 buf[64];
	size_t			 len;

	relay_conf_init(&c);
	c.open_rooms = 1;
	c.max_learned = 2;
	R = mkrelay_conf(&c);
	a = join(CLIENT, "lan", CL1);
	gw = join(GATEWAY, "lan", GWMAC);
	len = arp(buf, BCAST, LAN1);
	sent(gw, buf, len, 0, 1, a);
	len = arp(buf, BCAST, LAN2);
	sent(gw, buf, len, 0, 1, a);
	/* Full: still forwarded, not learned, counted. */
	len = arp(buf, BCAST, LAN3);
	sent(gw, buf, len, 0, 1, a);
	sent(gw, buf, len, 0, 1, a);
	cr_assert_null(room_mac_find(gw->room, &lan3));
	cr_assert_eq(gw->room->nlearned, 2);
	cr_assert_eq(gw->room->learn_full, 2);
	cr_assert_eq(R->learn_full, 2);
	/* Known ones are still refreshed. */
	len = arp(buf, BCAST, LAN1);
	sent(gw, buf, len, 10, 1, a);
	cr_assert_eq(gw->room->learn_full, 2);
	/* Room again after aging. */
	cr_assert_eq(room_expire(R, 300000), 1);	/* LAN2, seen at 0 */
	len = arp(buf, BCAST, LAN3);
	sent(gw, buf, len, 300000, 1, a);
	cr_assert_not_null(room_mac_find(gw->room, &lan3));
}

Test(room_fwd, learned_then_client_joins, .fini = teardown)
{
	struct lan	 l = mklan();
	struct peer	*d;
	uint8_t		 buf[64];
	size_t		 len;

	/* A LAN host uses 02:00:00:00:00:04; a client then wants it. */
	len = arp(buf, BCAST, "02:00:00:00:00:04");
	sent(l.gw, buf, len, 1000, 3, l.a, l.b, l.c);
	refuse_as(CLIENT, "lan", "02:00:00:00:00:04", NULL,
	    WIREMSG_CODE_DUPLICATE_MAC);
	/* Still fresh just before the age. */
	{
		struct wiremsg_hello	 h = hello(CLIENT, "lan",
		    "02:00:00:00:00:04", NULL);
		struct peer		*p = NULL;
		enum wiremsg_code	 code;
		char			 reason[64];

		cr_assert_eq(relay_admit(R, &h, 1000 + 299999, &p, &code,
		    reason, sizeof(reason)), -1);
		cr_assert_eq(code, WIREMSG_CODE_DUPLICATE_MAC);
	}
	/* Aged out (even before room_expire() ran): admitted. */
	d = join_at(CLIENT, "lan", "02:00:00:00:00:04", NULL, 1000 + 300000);
	cr_assert_eq(d->room->expired, 1);
	cr_assert_eq(R->expired, 1);
	cr_assert_eq(room_mac_find(d->room, &d->mac)->owner, d);
	cr_assert_eq(room_mac_find(d->room, &d->mac)->learned, 0);
	cr_assert_eq(d->room->nlearned, 0);
	/* And now the LAN host's frames are a loop. */
	dropped(l.gw, buf, len, 1000 + 300001, FWD_DROP_LOOP);
}

Test(room_fwd, aging, .fini = teardown)
{
	struct lan		 l = mklan();
	struct ether_mac	 lan1 = mac(LAN1), lan2 = mac(LAN2);
	uint8_t			 buf[64];
	size_t			 len;

	len = arp(buf, BCAST, LAN1);
	sent(l.gw, buf, len, 1000, 3, l.a, l.b, l.c);
	len = arp(buf, BCAST, LAN2);
	sent(l.gw, buf, len, 2000, 3, l.a, l.b, l.c);
	cr_assert_eq(room_expire(R, 1000), 0);
	cr_assert_eq(room_expire(R, 1000 + 299999), 0);
	cr_assert_not_null(room_mac_find(l.gw->room, &lan1));
	cr_assert_eq(room_expire(R, 1000 + 300000), 1);
	cr_assert_null(room_mac_find(l.gw->room, &lan1));
	cr_assert_not_null(room_mac_find(l.gw->room, &lan2));
	/* Refreshed: lives on. */
	sent(l.gw, buf, len, 250000, 3, l.a, l.b, l.c);
	cr_assert_eq(room_expire(R, 302000), 0);
	cr_assert_eq(room_expire(R, 550000), 1);
	cr_assert_eq(l.gw->room->nlearned, 0);
	cr_assert_eq(l.gw->room->expired, 2);
	cr_assert_eq(R->expired, 2);
	/* Pinned MACs never age. */
	cr_assert_eq(room_expire(R, UINT64_MAX), 0);
	cr_assert_not_null(room_mac_find(l.a->room, &l.a->mac));
	cr_assert_not_null(room_mac_find(l.a->room, &l.gw->mac));
}

Test(room_fwd, aging_configured, .fini = teardown)
{
	struct relay_conf	 c;
	struct peer		*a, *gw;
	uint8_t			 buf[64];
	size_t			 len;

	relay_conf_init(&c);
	c.open_rooms = 1;
	c.mac_age = 10000;
	R = mkrelay_conf(&c);
	a = join(CLIENT, "lan", CL1);
	gw = join(GATEWAY, "lan", GWMAC);
	len = arp(buf, BCAST, LAN1);
	sent(gw, buf, len, 500, 1, a);
	cr_assert_eq(room_expire(R, 10499), 0);
	cr_assert_eq(room_expire(R, 10500), 1);
}

Test(room_fwd, token_bucket, .fini = teardown)
{
	struct relay_conf	 c;
	struct peer		*a, *b, *gw;
	uint8_t			 buf[64];
	size_t			 len;
	int			 i;

	relay_conf_init(&c);
	c.open_rooms = 1;
	c.bcast_rate = 10;	/* one per 100 ms */
	c.bcast_burst = 3;
	R = mkrelay_conf(&c);
	a = join_at(CLIENT, "lan", CL1, NULL, 1000);
	b = join_at(CLIENT, "lan", CL2, NULL, 1000);
	gw = join_at(GATEWAY, "lan", GWMAC, NULL, 1000);

	len = arp(buf, BCAST, CL1);
	for (i = 0; i < 3; i++)
		sent(a, buf, len, 1000, 2, b, gw);
	dropped(a, buf, len, 1000, FWD_DROP_RATE_LIMITED);
	dropped(a, buf, len, 1099, FWD_DROP_RATE_LIMITED);
	sent(a, buf, len, 1100, 2, b, gw);
	dropped(a, buf, len, 1100, FWD_DROP_RATE_LIMITED);
	/* Multicast shares the bucket; unicast does not use it. */
	len = arp(buf, MCAST, CL1);
	dropped(a, buf, len, 1150, FWD_DROP_RATE_LIMITED);
	len = arp(buf, CL2, CL1);
	sent(a, buf, len, 1150, 1, b);
	/* Each peer has its own bucket. */
	len = arp(buf, BCAST, CL2);
	sent(b, buf, len, 1150, 2, a, gw);
	/* A long pause refills to the burst, no more. */
	len = arp(buf, BCAST, CL1);
	for (i = 0; i < 3; i++)
		sent(a, buf, len, 1000000, 2, b, gw);
	dropped(a, buf, len, 1000000, FWD_DROP_RATE_LIMITED);
	/* Time going backwards refills nothing. */
	dropped(a, buf, len, 500, FWD_DROP_RATE_LIMITED);
	cr_assert_eq(a->counters.drops[FWD_DROP_RATE_LIMITED], 6);
	cr_assert_eq(a->room->counters.drops[FWD_DROP_RATE_LIMITED], 6);
	cr_assert_eq(R->counters.drops[FWD_DROP_RATE_LIMITED], 6);
	cr_assert_eq(b->counters.drops[FWD_DROP_RATE_LIMITED], 0);
}

Test(room_fwd, token_bucket_gateway_learns, .fini = teardown)
{
	struct relay_conf	 c;
	struct peer		*a, *gw;
	struct ether_mac	 lan1 = mac(LAN1);
	uint8_t			 buf[64];
	size_t			 len;

	relay_conf_init(&c);
	c.open_rooms = 1;
	c.bcast_rate = 1;
	c.bcast_burst = 1;
	R = mkrelay_conf(&c);
	a = join(CLIENT, "lan", CL1);
	gw = join(GATEWAY, "lan", GWMAC);
	len = arp(buf, BCAST, LAN2);
	sent(gw, buf, len, 0, 1, a);
	len = arp(buf, BCAST, LAN1);
	dropped(gw, buf, len, 10, FWD_DROP_RATE_LIMITED);
	cr_assert_not_null(room_mac_find(gw->room, &lan1));
	cr_assert_eq(room_mac_find(gw->room, &lan1)->seen, 10);
	sent(gw, buf, len, 1000, 1, a);
}

Test(room_fwd, token_bucket_off, .fini = teardown)
{
	struct relay_conf	 c;
	struct peer		*a, *b;
	uint8_t			 buf[64];
	size_t			 len;
	int			 i;

	relay_conf_init(&c);
	c.open_rooms = 1;
	c.bcast_rate = 0;
	R = mkrelay_conf(&c);
	a = join(CLIENT, "lan", CL1);
	b = join(CLIENT, "lan", CL2);
	len = arp(buf, BCAST, CL1);
	for (i = 0; i < 10000; i++)
		sent(a, buf, len, 0, 1, b);
}

Test(room_fwd, token_bucket_huge_values, .fini = teardown)
{
	struct relay_conf	 c;
	struct peer		*a, *b;
	uint8_t			 buf[64];
	size_t			 len;

	relay_conf_init(&c);
	c.open_rooms = 1;
	c.bcast_rate = UINT32_MAX;
	c.bcast_burst = UINT32_MAX;
	R = mkrelay_conf(&c);
	a = join(CLIENT, "lan", CL1);
	b = join(CLIENT, "lan", CL2);
	len = arp(buf, BCAST, CL1);
	sent(a, buf, len, UINT64_MAX / 2, 1, b);	/* no overflow trap */
	sent(a, buf, len, UINT64_MAX, 1, b);
}

/* Filters: every l2class reason, per role, reaches all three counters. */

static void
assert_drops(const struct peer *p, enum fwd_reason r, uint64_t n)
{
	cr_assert_eq(p->counters.drops[r], n, "peer %s: %ju, want %ju",
	    fwd_reason_name(r), (uintmax_t)p->counters.drops[r],
	    (uintmax_t)n);
}

Test(room_filter, dhcp4_server, .fini = teardown)
{
	struct lan	 l = mklan();
	uint8_t		 buf[128];
	size_t		 len;

	/* A client running a DHCP server: dropped. */
	len = udp4(buf, BCAST, CL1, 67, 68);
	dropped(l.a, buf, len, 0, FWD_DROP_DHCP4_SERVER);
	len = udp4(buf, CL2, CL1, 67, 68);
	dropped(l.a, buf, len, 0, FWD_DROP_DHCP4_SERVER);
	assert_drops(l.a, FWD_DROP_DHCP4_SERVER, 2);
	/* The LAN's server behind the gateway: forwarded. */
	len = udp4(buf, CL1, LAN1, 67, 68);
	sent(l.gw, buf, len, 0, 1, l.a);
	len = udp4(buf, BCAST, LAN1, 67, 68);
	sent(l.gw, buf, len, 0, 3, l.a, l.b, l.c);
	/* The client's own DHCP request goes out. */
	len = udp4(buf, BCAST, CL1, 68, 67);
	sent(l.a, buf, len, 0, 3, l.b, l.c, l.gw);
	cr_assert_eq(R->counters.drops[FWD_DROP_DHCP4_SERVER], 2);
	cr_assert_eq(l.a->room->counters.drops[FWD_DROP_DHCP4_SERVER], 2);
}

Test(room_filter, dhcp6_server, .fini = teardown)
{
	struct lan	 l = mklan();
	uint8_t		 buf[128];
	size_t		 len;
	const uint8_t	 advertise[8] = { 0x02, 0x23, 0x02, 0x22, 0, 16 };
	const uint8_t	 solicit[8] = { 0x02, 0x22, 0x02, 0x23, 0, 16 };

	len = ip6(buf, "33:33:00:01:00:02", CL1, 17, advertise);
	dropped(l.a, buf, len, 0, FWD_DROP_DHCP6_SERVER);
	len = ip6(buf, "33:33:00:01:00:02", LAN1, 17, advertise);
	sent(l.gw, buf, len, 0, 3, l.a, l.b, l.c);
	len = ip6(buf, "33:33:00:01:00:02", CL1, 17, solicit);
	sent(l.a, buf, len, 0, 3, l.b, l.c, l.gw);
	assert_drops(l.a, FWD_DROP_DHCP6_SERVER, 1);
	cr_assert_eq(R->counters.drops[FWD_DROP_DHCP6_SERVER], 1);
}

Test(room_filter, router_advert, .fini = teardown)
{
	struct lan	 l = mklan();
	uint8_t		 buf[128];
	size_t		 len;
	const uint8_t	 ra[8] = { 134, 0, 0, 0, 64, 0, 0x07, 0x08 };
	const uint8_t	 rs[8] = { 133 };

	len = ip6(buf, "33:33:00:00:00:01", CL1, 58, ra);
	dropped(l.a, buf, len, 0, FWD_DROP_RA);
	len = ip6(buf, "33:33:00:00:00:01", LAN1, 58, ra);
	sent(l.gw, buf, len, 0, 3, l.a, l.b, l.c);
	len = ip6(buf, "33:33:00:00:00:02", CL2, 58, rs);
	sent(l.b, buf, len, 0, 3, l.a, l.c, l.gw);
	assert_drops(l.a, FWD_DROP_RA, 1);
	cr_assert_eq(l.a->room->counters.drops[FWD_DROP_RA], 1);
	cr_assert_eq(R->counters.drops[FWD_DROP_RA], 1);
}

Test(room_filter, link_local_from_anyone, .fini = teardown)
{
	struct lan	 l = mklan();
	uint8_t		 buf[64];
	size_t		 len;

	/* STP BPDU: 802.3 length field, LLC 42 42 03. */
	len = frame(buf, 60, STP, CL1, 0x0026);
	buf[14] = 0x42; buf[15] = 0x42; buf[16] = 0x03;
	dropped(l.a, buf, len, 0, FWD_DROP_LINK_LOCAL);
	len = frame(buf, 60, STP, LAN1, 0x0026);
	buf[14] = 0x42; buf[15] = 0x42; buf[16] = 0x03;
	dropped(l.gw, buf, len, 0, FWD_DROP_LINK_LOCAL);
	/* LLDP and LACP to their group addresses. */
	len = frame(buf, 60, "01:80:c2:00:00:0e", LAN1, ETHERTYPE_LLDP);
	dropped(l.gw, buf, len, 0, FWD_DROP_LINK_LOCAL);
	len = frame(buf, 60, "01:80:c2:00:00:02", CL2, ETHERTYPE_SLOW);
	dropped(l.b, buf, len, 0, FWD_DROP_LINK_LOCAL);
	assert_drops(l.a, FWD_DROP_LINK_LOCAL, 1);
	assert_drops(l.b, FWD_DROP_LINK_LOCAL, 1);
	assert_drops(l.gw, FWD_DROP_LINK_LOCAL, 2);
	cr_assert_eq(R->counters.drops[FWD_DROP_LINK_LOCAL], 4);
	/* 01:80:c2:00:00:10 is not reserved. */
	len = frame(buf, 60, "01:80:c2:00:00:10", CL1, 0x88b5);
	sent(l.a, buf, len, 0, 3, l.b, l.c, l.gw);
	/* A link-local frame teaches nothing. */
	cr_assert_eq(l.gw->room->nlearned, 0);
}

Test(room_filter, slow_protocol, .fini = teardown)
{
	struct lan	 l = mklan();
	uint8_t		 buf[64];
	size_t		 len;

	len = frame(buf, 60, BCAST, CL1, ETHERTYPE_PAUSE);
	dropped(l.a, buf, len, 0, FWD_DROP_SLOW_PROTO);
	len = frame(buf, 60, CL1, LAN1, ETHERTYPE_SLOW);
	dropped(l.gw, buf, len, 0, FWD_DROP_SLOW_PROTO);
	assert_drops(l.a, FWD_DROP_SLOW_PROTO, 1);
	assert_drops(l.gw, FWD_DROP_SLOW_PROTO, 1);
	cr_assert_eq(l.a->room->counters.drops[FWD_DROP_SLOW_PROTO], 2);
}

Test(room_filter, runt, .fini = teardown)
{
	struct lan	 l = mklan();
	uint8_t		 buf[64];

	memset(buf, 0, sizeof(buf));
	frame(buf, 14, BCAST, CL1, ETHERTYPE_ARP);
	dropped(l.a, buf, 13, 0, FWD_DROP_RUNT);
	dropped(l.a, buf, 0, 0, FWD_DROP_RUNT);
	dropped(l.gw, buf, 6, 0, FWD_DROP_RUNT);
	/* A tagged header needs 18 bytes. */
	frame(buf, 18, BCAST, CL1, ETHERTYPE_VLAN);
	dropped(l.a, buf, 17, 0, FWD_DROP_RUNT);
	assert_drops(l.a, FWD_DROP_RUNT, 3);
	assert_drops(l.gw, FWD_DROP_RUNT, 1);
	cr_assert_eq(l.a->counters.bytes_in, 13 + 0 + 17);
	/* A bare 14-byte header passes (TAP frames are not padded). */
	frame(buf, 14, BCAST, CL1, ETHERTYPE_ARP);
	sent(l.a, buf, 14, 0, 3, l.b, l.c, l.gw);
}

Test(room_filter, jumbo_per_room_mtu, .fini = teardown)
{
	struct peer	*a, *gw, *x, *xgw;
	uint8_t		 buf[1600];
	size_t		 len;

	R = mkrelay(1);
	cr_assert_eq(relay_declare(R, "small", NULL, 1280, 0, err,
	    sizeof(err)), 0);
	a = join(CLIENT, "small", CL1);
	gw = join(GATEWAY, "small", GWMAC);
	x = join(CLIENT, "big", CL1);
	xgw = join(GATEWAY, "big", GWMAC);

	len = frame(buf, 1280 + 14, BCAST, CL1, 0x88b5);
	sent(a, buf, len, 0, 1, gw);
	len = frame(buf, 1280 + 15, BCAST, CL1, 0x88b5);
	dropped(a, buf, len, 0, FWD_DROP_JUMBO);
	len = frame(buf, 1280 + 15, CL1, LAN1, 0x88b5);
	dropped(gw, buf, len, 0, FWD_DROP_JUMBO);
	/* With a VLAN tag, 4 more bytes. */
	len = frame(buf, 1280 + 18, BCAST, CL1, ETHERTYPE_VLAN);
	buf[16] = 0x88; buf[17] = 0xb5;
	sent(a, buf, len, 0, 1, gw);
	len = frame(buf, 1280 + 19, BCAST, CL1, ETHERTYPE_VLAN);
	buf[16] = 0x88; buf[17] = 0xb5;
	dropped(a, buf, len, 0, FWD_DROP_JUMBO);
	/* The same sizes fit the 1500-byte room. */
	len = frame(buf, 1280 + 15, BCAST, CL1, 0x88b5);
	sent(x, buf, len, 0, 1, xgw);
	len = frame(buf, 1514, CL1, LAN1, 0x88b5);
	sent(xgw, buf, len, 0, 1, x);
	len = frame(buf, 1515, CL1, LAN1, 0x88b5);
	dropped(xgw, buf, len, 0, FWD_DROP_JUMBO);
	assert_drops(a, FWD_DROP_JUMBO, 2);
	assert_drops(gw, FWD_DROP_JUMBO, 1);
	assert_drops(xgw, FWD_DROP_JUMBO, 1);
	cr_assert_eq(a->room->counters.drops[FWD_DROP_JUMBO], 3);
	cr_assert_eq(x->room->counters.drops[FWD_DROP_JUMBO], 1);
	cr_assert_eq(R->counters.drops[FWD_DROP_JUMBO], 4);
}

Test(room_filter, malformed_from_client_only, .fini = teardown)
{
	struct lan	 l = mklan();
	uint8_t		 buf[64];
	size_t		 len;

	/* IPv4 EtherType, 10 bytes of payload: no IP header. */
	len = frame(buf, 24, BCAST, CL1, ETHERTYPE_IPV4);
	dropped(l.a, buf, len, 0, FWD_DROP_MALFORMED);
	/* From the gateway nothing past Ethernet is inspected. */
	len = frame(buf, 24, BCAST, LAN1, ETHERTYPE_IPV4);
	sent(l.gw, buf, len, 0, 3, l.a, l.b, l.c);
	assert_drops(l.a, FWD_DROP_MALFORMED, 1);
	cr_assert_eq(R->counters.drops[FWD_DROP_MALFORMED], 1);
}

/* Filters come before the source checks. */
Test(room_filter, filters_first, .fini = teardown)
{
	struct lan	 l = mklan();
	uint8_t		 buf[128];
	size_t		 len;

	len = udp4(buf, BCAST, CL2, 67, 68);	/* spoofed and a server */
	dropped(l.a, buf, len, 0, FWD_DROP_DHCP4_SERVER);
	len = frame(buf, 60, STP, CL1, 0x0026);	/* loop and link-local */
	dropped(l.gw, buf, len, 0, FWD_DROP_LINK_LOCAL);
	assert_drops(l.a, FWD_DROP_SPOOFED, 0);
	assert_drops(l.gw, FWD_DROP_LOOP, 0);
}

/* Leaving. */

Test(room_leave, removes_macs, .fini = teardown)
{
	struct lan		 l = mklan();
	struct ether_mac	 cl2 = mac(CL2), lan1 = mac(LAN1);
	uint8_t			 buf[64];
	size_t			 len;

	len = arp(buf, CL2, CL1);
	sent(l.a, buf, len, 0, 1, l.b);
	relay_leave(R, l.b, NULL, NULL, 0);
	cr_assert_null(room_mac_find(l.a->room, &cl2));
	/* Now unknown unicast: to the gateway. */
	sent(l.a, buf, len, 0, 1, l.gw);
	/* From the gateway, to a departed client: dropped. */
	len = arp(buf, CL2, LAN1);
	dropped(l.gw, buf, len, 0, FWD_DROP_GW_UNKNOWN);
	cr_assert_not_null(room_mac_find(l.a->room, &lan1));
	/* Its MAC is free again. */
	l.b = join(CLIENT, "lan", CL2);
	len = arp(buf, CL2, CL1);
	sent(l.a, buf, len, 0, 1, l.b);

	/* The gateway leaves: its own and every learned MAC go. */
	relay_leave(R, l.gw, NULL, NULL, 0);
	cr_assert_null(room_mac_find(l.a->room, &lan1));
	cr_assert_null(room_mac_find(l.a->room, &(struct ether_mac){
	    { 0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c } }));
	cr_assert_eq(l.a->room->nlearned, 0);
	len = arp(buf, LAN1, CL1);
	dropped(l.a, buf, len, 0, FWD_DROP_NO_GATEWAY);
	/* A formerly learned MAC can be a client's now. */
	join(CLIENT, "lan", "02:1b:21:00:00:01");
	cr_assert_eq(l.a->room->nmembers, 4);
	cr_assert_eq(l.a->room->nclients, 4);
}

Test(room_leave, gateway_leave_with_many_learned, .fini = teardown)
{
	struct lan	 l = mklan();
	uint8_t		 buf[64];
	char		 m[ETHER_MAC_STRLEN];
	size_t		 len;
	int		 i;

	for (i = 0; i < 300; i++) {
		snprintf(m, sizeof(m), "00:1b:21:00:%02x:%02x", i >> 8,
		    i & 0xff);
		len = arp(buf, CL1, m);
		sent(l.gw, buf, len, 0, 1, l.a);
	}
	cr_assert_eq(l.a->room->nlearned, 300);
	relay_leave(R, l.gw, NULL, NULL, 0);
	cr_assert_eq(l.a->room->nlearned, 0);
	/* Only the three clients' pinned MACs remain. */
	{
		struct mac_entry	*me;
		int			 n = 0;

		RB_FOREACH(me, mac_table, &l.a->room->macs) {
			cr_assert_eq(me->learned, 0);
			cr_assert_eq(me->owner->role, CLIENT);
			n++;
		}
		cr_assert_eq(n, 3);
	}
}

/* Counters. */

Test(room_counters, exact, .fini = teardown)
{
	struct lan	 l = mklan();
	struct room	*room = l.a->room;
	uint8_t		 buf[128];
	size_t		 len;

	len = arp(buf, BCAST, CL1);			/* 60 -> 3 */
	sent(l.a, buf, len, 0, 3, l.b, l.c, l.gw);
	len = frame(buf, 100, CL2, CL1, 0x88b5);	/* 100 -> b */
	sent(l.a, buf, len, 0, 1, l.b);
	len = frame(buf, 70, LAN1, CL3, 0x88b5);	/* 70 -> gw */
	sent(l.c, buf, len, 0, 1, l.gw);
	len = frame(buf, 80, CL1, LAN1, 0x88b5);	/* 80 -> a */
	sent(l.gw, buf, len, 0, 1, l.a);
	len = arp(buf, BCAST, CL2);			/* 60, spoofed */
	dropped(l.a, buf, len, 0, FWD_DROP_SPOOFED);
	len = arp(buf, LAN2, LAN1);			/* 60, gw unknown */
	dropped(l.gw, buf, len, 0, FWD_DROP_GW_UNKNOWN);

	cr_assert_eq(l.a->counters.frames_in, 3);
	cr_assert_eq(l.a->counters.bytes_in, 60 + 100 + 60);
	cr_assert_eq(l.a->counters.frames_out, 1);
	cr_assert_eq(l.a->counters.bytes_out, 80);
	cr_assert_eq(l.b->counters.frames_in, 0);
	cr_assert_eq(l.b->counters.frames_out, 2);
	cr_assert_eq(l.b->counters.bytes_out, 60 + 100);
	cr_assert_eq(l.c->counters.frames_in, 1);
	cr_assert_eq(l.c->counters.bytes_in, 70);
	cr_assert_eq(l.c->counters.frames_out, 1);
	cr_assert_eq(l.c->counters.bytes_out, 60);
	cr_assert_eq(l.gw->counters.frames_in, 2);
	cr_assert_eq(l.gw->counters.bytes_in, 140);
	cr_assert_eq(l.gw->counters.frames_out, 2);
	cr_assert_eq(l.gw->counters.bytes_out, 130);
	assert_drops(l.a, FWD_DROP_SPOOFED, 1);
	assert_drops(l.gw, FWD_DROP_GW_UNKNOWN, 1);

	cr_assert_eq(room->counters.frames_in, 6);
	cr_assert_eq(room->counters.bytes_in, 60 + 100 + 70 + 80 + 60 + 60);
	cr_assert_eq(room->counters.frames_out, 6);
	cr_assert_eq(room->counters.bytes_out, 3 * 60 + 100 + 70 + 80);
	cr_assert_eq(room->counters.drops[FWD_DROP_SPOOFED], 1);
	cr_assert_eq(room->counters.drops[FWD_DROP_GW_UNKNOWN], 1);
	cr_assert_eq(memcmp(&R->counters, &room->counters,
	    sizeof(R->counters)), 0, "relay and its only room differ");
	/* Every frame in is either sent or dropped with a reason. */
	{
		uint64_t	 drops = 0;
		int		 i;

		for (i = 0; i < FWD_REASON_MAX; i++)
			drops += room->counters.drops[i];
		cr_assert_eq(drops, 2);
		cr_assert_eq(room->counters.drops[FWD_OK], 0);
	}
	cr_assert_eq(R->admitted, 4);
	cr_assert_eq(R->rooms_created, 1);
}

Test(room_counters, names)
{
	const char	*n, *m;
	int		 i, j;

	for (i = 1; i < FWD_REASON_MAX; i++) {
		n = fwd_reason_name((enum fwd_reason)i);
		cr_assert_str_neq(n, "unknown", "reason %d has no name", i);
		for (j = 1; j < i; j++) {
			m = fwd_reason_name((enum fwd_reason)j);
			cr_assert_str_neq(n, m, "reasons %d and %d: %s", i,
			    j, n);
		}
	}
	cr_assert_str_eq(fwd_reason_name(FWD_DROP_JUMBO), "jumbo");
	cr_assert_str_eq(fwd_reason_name(FWD_DROP_DHCP4_SERVER),
	    "dhcp4-server");
	cr_assert_str_eq(fwd_reason_name(FWD_DROP_SPOOFED), "spoofed");
	cr_assert_str_eq(fwd_reason_name(FWD_DROP_LOOP), "loop");
	cr_assert_str_eq(fwd_reason_name(FWD_DROP_NO_GATEWAY), "no-gateway");
	cr_assert_str_eq(fwd_reason_name(FWD_DROP_RATE_LIMITED),
	    "rate-limited");
	cr_assert_str_eq(fwd_reason_name(FWD_REASON_MAX), "unknown");
	cr_assert_str_eq(fwd_reason_name((enum fwd_reason)-1), "unknown");
}

Test(room_counters, export_is_a_valid_stats_reply)
{
	struct fwd_counters	 fc;
	struct wiremsg		 msg;
	struct wiremsg_error	 cerr;
	size_t			 n, i;

	memset(&fc, 0, sizeof(fc));
	fc.frames_in = 7;
	fc.bytes_out = 1234;
	fc.drops[FWD_DROP_LOOP] = 3;
	memset(&msg, 0, sizeof(msg));
	msg.type = WIREMSG_STATS;
	msg.u.stats.reply = 1;
	n = fwd_counters_export(&fc, msg.u.stats.counters,
	    nitems(msg.u.stats.counters));
	cr_assert_eq(n, 4 + FWD_REASON_MAX - 1);
	msg.u.stats.ncounters = n;
	cr_assert_eq(wiremsg_validate(&msg, &cerr), 0, "%s", cerr.msg);
	cr_assert_str_eq(msg.u.stats.counters[0].name, "frames-in");
	cr_assert_eq(msg.u.stats.counters[0].value, 7);
	cr_assert_str_eq(msg.u.stats.counters[3].name, "bytes-out");
	cr_assert_eq(msg.u.stats.counters[3].value, 1234);
	for (i = 4; i < n; i++)
		if (strcmp(msg.u.stats.counters[i].name, "drop-loop") == 0)
			break;
	cr_assert_lt(i, n, "no drop-loop counter");
	cr_assert_eq(msg.u.stats.counters[i].value, 3);
	/* A short array is filled and not overrun. */
	memset(&msg.u.stats.counters[2], 0x5a, sizeof(msg.u.stats.counters[2]));
	cr_assert_eq(fwd_counters_export(&fc, msg.u.stats.counters, 2), 2);
	cr_assert_eq(msg.u.stats.counters[2].value, 0x5a5a5a5a5a5a5a5aULL);
}

Test(room_counters, room_and_relay_export, .fini = teardown)
{
	struct lan		 l = mklan();
	struct wiremsg		 msg;
	struct wiremsg_error	 cerr;
	struct wiremsg_counter	*c;
	uint8_t			 buf[64];
	size_t			 len, n, i;

	refuse_as(CLIENT, "lan", CL1, NULL, WIREMSG_CODE_DUPLICATE_MAC);
	refuse_as(CLIENT, "lan", CL1, NULL, WIREMSG_CODE_DUPLICATE_MAC);
	len = arp(buf, BCAST, LAN1);
	sent(l.gw, buf, len, 0, 3, l.a, l.b, l.c);
	len = arp(buf, BCAST, CL2);
	dropped(l.a, buf, len, 0, FWD_DROP_SPOOFED);

	memset(&msg, 0, sizeof(msg));
	msg.type = WIREMSG_STATS;
	msg.u.stats.reply = 1;
	c = msg.u.stats.counters;
	n = room_counters_export(l.a->room, c, nitems(msg.u.stats.counters));
	cr_assert_eq(n, 6 + 4 + FWD_REASON_MAX - 1);
	msg.u.stats.ncounters = n;
	cr_assert_eq(wiremsg_validate(&msg, &cerr), 0, "%s", cerr.msg);
	cr_assert_str_eq(c[0].name, "members");
	cr_assert_eq(c[0].value, 4);
	cr_assert_str_eq(c[1].name, "clients");
	cr_assert_eq(c[1].value, 3);
	cr_assert_str_eq(c[2].name, "macs");
	cr_assert_eq(c[2].value, 1);
	cr_assert_str_eq(c[6].name, "frames-in");
	cr_assert_eq(c[6].value, 2);
	for (i = 0; i < n && strcmp(c[i].name, "drop-spoofed") != 0; i++)
		;
	cr_assert_lt(i, n);
	cr_assert_eq(c[i].value, 1);

	n = relay_counters_export(R, c, nitems(msg.u.stats.counters));
	cr_assert_eq(n, 5 + 9 + 3 + 4 + FWD_REASON_MAX - 1);
	cr_assert_leq(n, WIREMSG_MAX_COUNTERS);
	msg.u.stats.ncounters = n;
	cr_assert_eq(wiremsg_validate(&msg, &cerr), 0, "%s", cerr.msg);
	cr_assert_str_eq(c[0].name, "peers");
	cr_assert_eq(c[0].value, 4);
	cr_assert_str_eq(c[1].name, "rooms");
	cr_assert_eq(c[1].value, 1);
	cr_assert_str_eq(c[2].name, "admitted");
	cr_assert_eq(c[2].value, 4);
	for (i = 0; i < n && strcmp(c[i].name, "reject-duplicate-mac") != 0;
	    i++)
		;
	cr_assert_lt(i, n, "no reject-duplicate-mac");
	cr_assert_eq(c[i].value, 2);
	for (i = 0; i < n && strcmp(c[i].name, "reject-relay-full") != 0;
	    i++)
		;
	cr_assert_lt(i, n, "no reject-relay-full");
	cr_assert_eq(c[i].value, 0);
	/* Bounded by max. */
	cr_assert_eq(relay_counters_export(R, c, 3), 3);
	cr_assert_eq(room_counters_export(l.a->room, c, 0), 0);
}

Test(room_admit, unterminated_strings, .fini = teardown)
{
	struct wiremsg_hello	 h;
	struct peer		*p = NULL;
	enum wiremsg_code	 code;
	char			 reason[WIREMSG_REASON_MAX + 1];

	R = mkrelay(1);
	h = hello(CLIENT, "lan", CL1, NULL);
	memset(h.software, 'v', sizeof(h.software));
	cr_assert_eq(relay_admit(R, &h, 0, &p, &code, reason,
	    sizeof(reason)), 0, "%s", reason);
	cr_assert_eq(strlen(p->software), WIREMSG_SOFTWARE_MAX);
}
