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
 * The control stream codec: framing, the incremental reader, every message
 * both ways, and every way a message is refused.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <malloc.h>

#include <cJSON.h>
#include <criterion/criterion.h>

#include "compat.h"
#include "ether.h"
#include "wiremsg.h"

enum kind { NUM, STR, ARR, OBJ };

/* One field of a message as raw JSON, and how it must fail. */
struct field {
	const char		*key;
	const char		*val;
	enum kind		 kind;
	int			 optional;
	enum wiremsg_code	 code;	/* hello only */
};

struct msgdef {
	const char		*type;
	const struct field	*fields;
	size_t			 nfields;
};

#define PEER0	"{\"peer_id\":1,\"role\":\"gateway\"," \
		    "\"mac\":\"00:11:22:33:44:55\"}"
#define PEER1	"{\"peer_id\":2,\"role\":\"client\"," \
		    "\"mac\":\"02:00:00:00:00:02\"}"

static const struct field hello_fields[] = {
	{ "proto", "1", NUM, 0, WIREMSG_CODE_VERSION },
	{ "role", "\"client\"", STR, 0, WIREMSG_CODE_BAD_ROLE },
	{ "room", "\"lan-party_1\"", STR, 0, WIREMSG_CODE_BAD_ROOM },
	{ "mac", "\"02:00:5e:10:00:01\"", STR, 0, WIREMSG_CODE_BAD_MAC },
	{ "datagram_budget", "1200", NUM, 0, WIREMSG_CODE_VERSION },
	{ "secret", "\"s3cret-pass\"", STR, 1, WIREMSG_CODE_UNAUTHORIZED },
	{ "software", "\"softlan-clientd 0.1\"", STR, 0, WIREMSG_CODE_VERSION }
};

static const struct field welcome_fields[] = {
	{ "peer_id", "7", NUM, 0, WIREMSG_CODE_NONE },
	{ "room_mtu", "1500", NUM, 0, WIREMSG_CODE_NONE },
	{ "peers", "[" PEER0 "," PEER1 "]", ARR, 0, WIREMSG_CODE_NONE }
};

static const struct field reject_fields[] = {
	{ "code", "\"room-full\"", STR, 0, WIREMSG_CODE_NONE },
	{ "reason", "\"room is full\"", STR, 0, WIREMSG_CODE_NONE }
};

static const struct field peer_fields[] = {
	{ "peer_id", "3", NUM, 0, WIREMSG_CODE_NONE },
	{ "role", "\"client\"", STR, 0, WIREMSG_CODE_NONE },
	{ "mac", "\"02:00:00:00:00:03\"", STR, 0, WIREMSG_CODE_NONE }
};

static const struct field stats_fields[] = {
	{ "counters", "{\"rx\":1,\"drop.spoofed\":0}", OBJ, 1,
	    WIREMSG_CODE_NONE }
};

static const struct field disconnect_fields[] = {
	{ "reason", "\"shutting down\"", STR, 0, WIREMSG_CODE_NONE }
};

static const struct msgdef msgdefs[] = {
	{ "hello", hello_fields, nitems(hello_fields) },
	{ "welcome", welcome_fields, nitems(welcome_fields) },
	{ "reject", reject_fields, nitems(reject_fields) },
	{ "peer-joined", peer_fields, nitems(peer_fields) },
	{ "peer-left", peer_fields, nitems(peer_fields) },
	{ "stats", stats_fields, nitems(stats_fields) },
	{ "disconnect", disconnect_fields, nitems(disconnect_fields) }
};

static char	 jsonbuf[4 * WIREMSG_MAX];

/*
 * {"type":type, fields...} with the value of key replaced by val (raw
 * JSON; NULL omits the field).  A key not among the fields is appended.
 */
static const char *
mkjson(const char *type, const struct field *f, size_t n, const char *key,
    const char *val)
{
	size_t	 i;
	int	 seen = 0;

	snprintf(jsonbuf, sizeof(jsonbuf), "{\"type\":\"%s\"", type);
	for (i = 0; i < n; i++) {
		if (key != NULL && strcmp(f[i].key, key) == 0) {
			seen = 1;
			if (val == NULL)
				continue;
			strlcat(jsonbuf, ",\"", sizeof(jsonbuf));
			strlcat(jsonbuf, key, sizeof(jsonbuf));
			strlcat(jsonbuf, "\":", sizeof(jsonbuf));
			strlcat(jsonbuf, val, sizeof(jsonbuf));
			continue;
		}
		strlcat(jsonbuf, ",\"", sizeof(jsonbuf));
		strlcat(jsonbuf, f[i].key, sizeof(jsonbuf));
		strlcat(jsonbuf, "\":", sizeof(jsonbuf));
		strlcat(jsonbuf, f[i].val, sizeof(jsonbuf));
	}
	if (key != NULL && !seen && val != NULL) {
		strlcat(jsonbuf, ",\"", sizeof(jsonbuf));
		strlcat(jsonbuf, key, sizeof(jsonbuf));
		strlcat(jsonbuf, "\":", sizeof(jsonbuf));
		strlcat(jsonbuf, val, sizeof(jsonbuf));
	}
	cr_assert(strlcat(jsonbuf, "}", sizeof(jsonbuf)) < sizeof(jsonbuf));
	return (jsonbuf);
}

static const char *
hello_with(const char *key, const char *val)
{
	return (mkjson("hello", hello_fields, nitems(hello_fields), key,
	    val));
}

static const char *
welcome_with(const char *key, const char *val)
{
	return (mkjson("welcome", welcome_fields, nitems(welcome_fields),
	    key, val));
}

static int
all_zero(const void *p, size_t len)
{
	const uint8_t	*b = p;
	size_t		 i;

	for (i = 0; i < len; i++)
		if (b[i] != 0)
			return (0);
	return (1);
}

/* Decode from an exact-size heap copy, so ASan sees any over-read. */
static int
decode_len(const char *json, size_t len, struct wiremsg *m,
    struct wiremsg_error *err)
{
	char	*copy;
	int	 rv;

	copy = malloc(len == 0 ? 1 : len);
	cr_assert_not_null(copy);
	memcpy(copy, json, len);
	rv = wiremsg_decode(copy, len, m, err);
	free(copy);
	return (rv);
}

static int
decode_str(const char *json, struct wiremsg *m, struct wiremsg_error *err)
{
	return (decode_len(json, strlen(json), m, err));
}

static void
expect_ok(const char *json, struct wiremsg *m)
{
	struct wiremsg_error	 err;

	cr_assert_eq(decode_str(json, m, &err), 0, "refused: %s\n  for %s",
	    err.msg, json);
	cr_assert_eq(wiremsg_validate(m, &err), 0, "decoded but invalid: %s",
	    err.msg);
}

static void
expect_fail_len(const char *json, size_t len, const char *want,
    enum wiremsg_code code)
{
	static struct wiremsg	 m;
	struct wiremsg_error	 err;

	memset(&m, 0xa5, sizeof(m));
	cr_assert_eq(decode_len(json, len, &m, &err), -1,
	    "accepted: %.*s", (int)MINIMUM(len, 300), json);
	cr_assert_not_null(strstr(err.msg, want),
	    "error \"%s\" lacks \"%s\"\n  for %.*s", err.msg, want,
	    (int)MINIMUM(len, 300), json);
	cr_assert_eq(err.code, code, "code %d, want %d (%s) for %.*s",
	    err.code, code, err.msg, (int)MINIMUM(len, 300), json);
	cr_assert(all_zero(&m, sizeof(m)), "message not wiped on error");
}

static void
expect_fail(const char *json, const char *want, enum wiremsg_code code)
{
	expect_fail_len(json, strlen(json), want, code);
}

static void
hello_fails(const char *key, const char *val, const char *want,
    enum wiremsg_code code)
{
	expect_fail(hello_with(key, val), want, code);
}

/* Encode, check the prefix, decode the body, compare with the original. */
static size_t
roundtrip(const struct wiremsg *in, uint8_t *frame, size_t framesz)
{
	static struct wiremsg	 out;
	struct wiremsg_error	 err;
	size_t			 len, bodylen;

	cr_assert_eq(wiremsg_encode(in, frame, framesz, &len, &err), 0,
	    "encode: %s", err.msg);
	cr_assert_geq(len, WIREMSG_HDRLEN + 2);
	cr_assert_leq(len, WIREMSG_FRAME_MAX);
	bodylen = (size_t)frame[0] << 24 | (size_t)frame[1] << 16 |
	    (size_t)frame[2] << 8 | frame[3];
	cr_assert_eq(bodylen, len - WIREMSG_HDRLEN);
	cr_assert_eq(frame[WIREMSG_HDRLEN], '{');
	cr_assert_eq(decode_len((const char *)frame + WIREMSG_HDRLEN, bodylen,
	    &out, &err), 0, "decode: %s\n  of %.*s", err.msg, (int)bodylen,
	    frame + WIREMSG_HDRLEN);
	cr_assert_eq(memcmp(in, &out, sizeof(out)), 0,
	    "round trip changed the %s message: %.*s",
	    wiremsg_type_name(in->type), (int)bodylen, frame + WIREMSG_HDRLEN);
	return (len);
}

static void
setmac(struct ether_mac *mac, const char *s)
{
	cr_assert_eq(ether_mac_parse(s, mac), 0, "bad test MAC %s", s);
}

static void
mkhello(struct wiremsg *m, enum wiremsg_role role, const char *mac,
    const char *secret)
{
	memset(m, 0, sizeof(*m));
	m->type = WIREMSG_HELLO;
	m->u.hello.proto = WIREMSG_PROTO;
	m->u.hello.role = role;
	strlcpy(m->u.hello.room, "lan-party_1", sizeof(m->u.hello.room));
	setmac(&m->u.hello.mac, mac);
	m->u.hello.datagram_budget = 1200;
	if (secret != NULL)
		strlcpy(m->u.hello.secret, secret,
		    sizeof(m->u.hello.secret));
	strlcpy(m->u.hello.software, "softlan-clientd 0.1",
	    sizeof(m->u.hello.software));
}

static void
mkpeer(struct wiremsg_peer *p, uint32_t id, enum wiremsg_role role,
    const char *mac)
{
	p->peer_id = id;
	p->role = role;
	setmac(&p->mac, mac);
}

static uint8_t	 frame[WIREMSG_FRAME_MAX];

/*
 * Round trips.
 */

Test(wiremsg, roundtrip_hello)
{
	static struct wiremsg	 m;

	mkhello(&m, WIREMSG_ROLE_CLIENT, "02:00:5e:10:00:01", "s3cret");
	roundtrip(&m, frame, sizeof(frame));
	/* No secret, and a gateway with its NIC's global MAC. */
	mkhello(&m, WIREMSG_ROLE_GATEWAY, "00:11:22:33:44:55", NULL);
	m.u.hello.datagram_budget = WIREMSG_BUDGET_MAX;
	roundtrip(&m, frame, sizeof(frame));
	m.u.hello.datagram_budget = WIREMSG_BUDGET_MIN;
	strlcpy(m.u.hello.room, "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_0129",
	    sizeof(m.u.hello.room));
	memset(m.u.hello.secret, 'x', WIREMSG_SECRET_MAX);
	memset(m.u.hello.software, '~', WIREMSG_SOFTWARE_MAX);
	roundtrip(&m, frame, sizeof(frame));
	memset(m.u.hello.software, 0, sizeof(m.u.hello.software));
	roundtrip(&m, frame, sizeof(frame));
}

Test(wiremsg, roundtrip_welcome)
{
	static struct wiremsg	 m;
	struct wiremsg_welcome	*w = &m.u.welcome;
	char			 mac[ETHER_MAC_STRLEN];
	size_t			 i, len;

	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_WELCOME;
	w->peer_id = 1;
	w->room_mtu = 1500;
	roundtrip(&m, frame, sizeof(frame));	/* alone in the room */

	w->room_mtu = WIREMSG_MTU_MIN;
	w->npeers = 2;
	mkpeer(&w->peers[0], 0, WIREMSG_ROLE_GATEWAY, "00:11:22:33:44:55");
	mkpeer(&w->peers[1], UINT32_MAX, WIREMSG_ROLE_CLIENT,
	    "02:00:00:00:00:02");
	roundtrip(&m, frame, sizeof(frame));

	/* A full room with the longest ids still fits one message. */
	w->peer_id = 0;
	w->npeers = WIREMSG_MAX_PEERS;
	for (i = 0; i < WIREMSG_MAX_PEERS; i++) {
		snprintf(mac, sizeof(mac), "0a:00:00:00:%02zx:%02zx",
		    i >> 8, i & 0xff);
		mkpeer(&w->peers[i], UINT32_MAX - (uint32_t)i,
		    i == 5 ? WIREMSG_ROLE_GATEWAY : WIREMSG_ROLE_CLIENT, mac);
	}
	len = roundtrip(&m, frame, sizeof(frame));
	cr_assert_lt(len, WIREMSG_FRAME_MAX);
}

Test(wiremsg, roundtrip_reject_every_code)
{
	static struct wiremsg	 m;
	int			 c, n = 0;

	for (c = WIREMSG_CODE_VERSION; c <= WIREMSG_CODE_RELAY_FULL; c++) {
		memset(&m, 0, sizeof(m));
		m.type = WIREMSG_REJECT;
		m.u.reject.code = (enum wiremsg_code)c;
		snprintf(m.u.reject.reason, sizeof(m.u.reject.reason),
		    "reason \"%d\" \\ caf\xc3\xa9", c);
		roundtrip(&m, frame, sizeof(frame));
		n++;
	}
	cr_assert_eq(n, 9);
	memset(m.u.reject.reason, 'r', WIREMSG_REASON_MAX);
	roundtrip(&m, frame, sizeof(frame));
	memset(m.u.reject.reason, 0, sizeof(m.u.reject.reason));
	roundtrip(&m, frame, sizeof(frame));
}

Test(wiremsg, roundtrip_peer_joined_left)
{
	static struct wiremsg	 m;

	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_PEER_JOINED;
	mkpeer(&m.u.peer, 42, WIREMSG_ROLE_CLIENT, "06:aa:bb:cc:dd:ee");
	roundtrip(&m, frame, sizeof(frame));
	m.type = WIREMSG_PEER_LEFT;
	roundtrip(&m, frame, sizeof(frame));
	mkpeer(&m.u.peer, 43, WIREMSG_ROLE_GATEWAY, "00:11:22:33:44:55");
	roundtrip(&m, frame, sizeof(frame));
}

Test(wiremsg, roundtrip_stats)
{
	static struct wiremsg	 m;
	static struct wiremsg	 out;
	struct wiremsg_stats	*s = &m.u.stats;
	struct wiremsg_error	 err;
	size_t			 i, len;

	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_STATS;
	len = roundtrip(&m, frame, sizeof(frame));	/* request */
	cr_assert_eq(len, WIREMSG_HDRLEN + strlen("{\"type\":\"stats\"}"));

	s->reply = 1;
	roundtrip(&m, frame, sizeof(frame));		/* empty reply */

	s->ncounters = WIREMSG_MAX_COUNTERS;
	for (i = 0; i < WIREMSG_MAX_COUNTERS; i++) {
		snprintf(s->counters[i].name, sizeof(s->counters[i].name),
		    "drop.reason-%02zu_%s", i, "xxxxxxxxxxxxxxxxx");
		s->counters[i].value = i * 1000003ULL;
	}
	s->counters[0].value = WIREMSG_COUNTER_MAX;
	s->counters[1].value = 4294967296ULL;
	roundtrip(&m, frame, sizeof(frame));

	/* Above 2^53 - 1 a double is not exact: saturate. */
	s->counters[0].value = UINT64_MAX;
	s->counters[1].value = WIREMSG_COUNTER_MAX + 1;
	cr_assert_eq(wiremsg_encode(&m, frame, sizeof(frame), &len, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(wiremsg_decode((const char *)frame + WIREMSG_HDRLEN,
	    len - WIREMSG_HDRLEN, &out, &err), 0, "%s", err.msg);
	cr_assert_eq(out.u.stats.counters[0].value, WIREMSG_COUNTER_MAX);
	cr_assert_eq(out.u.stats.counters[1].value, WIREMSG_COUNTER_MAX);
	cr_assert_eq(out.u.stats.counters[2].value, 2 * 1000003ULL);
}

Test(wiremsg, roundtrip_disconnect)
{
	static struct wiremsg	 m;

	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_DISCONNECT;
	strlcpy(m.u.disconnect.reason, "relay shutting down",
	    sizeof(m.u.disconnect.reason));
	roundtrip(&m, frame, sizeof(frame));
}

/* The exact bytes on the wire. */
Test(wiremsg, encode_wire_format)
{
	static struct wiremsg	 m;
	const char		*want;
	size_t			 len;

	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_PEER_JOINED;
	mkpeer(&m.u.peer, 5, WIREMSG_ROLE_CLIENT, "02:0A:0B:0C:0D:0E");
	want = "{\"type\":\"peer-joined\",\"peer_id\":5,\"role\":\"client\","
	    "\"mac\":\"02:0a:0b:0c:0d:0e\"}";
	cr_assert_eq(wiremsg_encode(&m, frame, sizeof(frame), &len, NULL), 0);
	cr_assert_eq(len, WIREMSG_HDRLEN + strlen(want));
	cr_assert_eq(frame[0], 0);
	cr_assert_eq(frame[1], 0);
	cr_assert_eq(frame[2], 0);
	cr_assert_eq(frame[3], strlen(want));
	cr_assert_eq(memcmp(frame + WIREMSG_HDRLEN, want, strlen(want)), 0,
	    "got %.*s", (int)(len - WIREMSG_HDRLEN), frame + WIREMSG_HDRLEN);

	mkhello(&m, WIREMSG_ROLE_CLIENT, "02:00:5e:10:00:01", NULL);
	want = "{\"type\":\"hello\",\"proto\":1,\"role\":\"client\","
	    "\"room\":\"lan-party_1\",\"mac\":\"02:00:5e:10:00:01\","
	    "\"datagram_budget\":1200,\"software\":\"softlan-clientd 0.1\"}";
	cr_assert_eq(wiremsg_encode(&m, frame, sizeof(frame), &len, NULL), 0);
	cr_assert_eq(len - WIREMSG_HDRLEN, strlen(want));
	cr_assert_eq(memcmp(frame + WIREMSG_HDRLEN, want, strlen(want)), 0,
	    "got %.*s", (int)(len - WIREMSG_HDRLEN), frame + WIREMSG_HDRLEN);
}

Test(wiremsg, encode_refuses_invalid)
{
	static struct wiremsg	 m;
	struct wiremsg_error	 err;
	size_t			 len = 99;

	mkhello(&m, WIREMSG_ROLE_CLIENT, "02:00:5e:10:00:01", NULL);
	strlcpy(m.u.hello.room, "bad room", sizeof(m.u.hello.room));
	cr_assert_eq(wiremsg_encode(&m, frame, sizeof(frame), &len, &err), -1);
	cr_assert_eq(len, 0);
	cr_assert_str_eq(err.msg, "hello: field \"room\": invalid room code "
	    "(1-32 characters of [A-Za-z0-9_-])");
	cr_assert_eq(err.code, WIREMSG_CODE_BAD_ROOM);

	mkhello(&m, WIREMSG_ROLE_CLIENT, "00:11:22:33:44:55", NULL);
	cr_assert_eq(wiremsg_encode(&m, frame, sizeof(frame), &len, &err), -1);
	cr_assert_str_eq(err.msg, "hello: field \"mac\": client MAC address "
	    "must be locally administered");

	mkhello(&m, WIREMSG_ROLE_CLIENT, "02:00:5e:10:00:01", NULL);
	memset(m.u.hello.software, 'a', sizeof(m.u.hello.software));
	cr_assert_eq(wiremsg_encode(&m, frame, sizeof(frame), &len, &err), -1);
	cr_assert_str_eq(err.msg, "hello: field \"software\": not "
	    "NUL-terminated");

	mkhello(&m, WIREMSG_ROLE_CLIENT, "02:00:5e:10:00:01", NULL);
	m.u.hello.proto = 2;
	cr_assert_eq(wiremsg_encode(&m, frame, sizeof(frame), &len, &err), -1);
	cr_assert_eq(err.code, WIREMSG_CODE_VERSION);

	/* Too small a buffer: refused, nothing claimed written. */
	mkhello(&m, WIREMSG_ROLE_CLIENT, "02:00:5e:10:00:01", NULL);
	cr_assert_eq(wiremsg_encode(&m, frame, 20, &len, &err), -1);
	cr_assert_eq(len, 0);
	cr_assert_not_null(strstr(err.msg, "too small"), "%s", err.msg);

	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_REJECT;
	cr_assert_eq(wiremsg_encode(&m, frame, sizeof(frame), &len, &err), -1);
	cr_assert_str_eq(err.msg, "reject: field \"code\": unknown reject "
	    "code");

	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_PEER_LEFT;
	cr_assert_eq(wiremsg_encode(&m, frame, sizeof(frame), &len, &err), -1);
	cr_assert_str_eq(err.msg, "peer-left: field \"role\": invalid role "
	    "(expected \"client\" or \"gateway\")");

	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_DISCONNECT;
	strlcpy(m.u.disconnect.reason, "line\nbreak",
	    sizeof(m.u.disconnect.reason));
	cr_assert_eq(wiremsg_encode(&m, frame, sizeof(frame), &len, &err), -1);
	cr_assert_str_eq(err.msg, "disconnect: field \"reason\": contains "
	    "control characters");

	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_STATS;
	m.u.stats.reply = 1;
	m.u.stats.ncounters = WIREMSG_MAX_COUNTERS + 1;
	cr_assert_eq(wiremsg_encode(&m, frame, sizeof(frame), &len, &err), -1);
	cr_assert_not_null(strstr(err.msg, "too many counters"), "%s",
	    err.msg);

	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_WELCOME;
	m.u.welcome.room_mtu = 1500;
	m.u.welcome.npeers = WIREMSG_MAX_PEERS + 1;
	cr_assert_eq(wiremsg_encode(&m, frame, sizeof(frame), &len, &err), -1);
	cr_assert_not_null(strstr(err.msg, "too many peers"), "%s", err.msg);

	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_NONE;
	cr_assert_eq(wiremsg_encode(&m, frame, sizeof(frame), &len, &err), -1);
	cr_assert_not_null(strstr(err.msg, "unknown message type"), "%s",
	    err.msg);
}

/*
 * Fields: present, missing, mistyped, repeated, unknown.
 */

Test(wiremsg, base_messages_decode)
{
	static struct wiremsg	 m;
	size_t			 i;

	for (i = 0; i < nitems(msgdefs); i++) {
		expect_ok(mkjson(msgdefs[i].type, msgdefs[i].fields,
		    msgdefs[i].nfields, NULL, NULL), &m);
		cr_assert_str_eq(wiremsg_type_name(m.type), msgdefs[i].type);
	}
	expect_ok(hello_with(NULL, NULL), &m);
	cr_assert_eq(m.u.hello.proto, 1);
	cr_assert_eq(m.u.hello.role, WIREMSG_ROLE_CLIENT);
	cr_assert_str_eq(m.u.hello.room, "lan-party_1");
	cr_assert_str_eq(ether_mac_str(&m.u.hello.mac), "02:00:5e:10:00:01");
	cr_assert_eq(m.u.hello.datagram_budget, 1200);
	cr_assert_str_eq(m.u.hello.secret, "s3cret-pass");
	cr_assert_str_eq(m.u.hello.software, "softlan-clientd 0.1");

	expect_ok(welcome_with(NULL, NULL), &m);
	cr_assert_eq(m.u.welcome.peer_id, 7);
	cr_assert_eq(m.u.welcome.room_mtu, 1500);
	cr_assert_eq(m.u.welcome.npeers, 2);
	cr_assert_eq(m.u.welcome.peers[0].peer_id, 1);
	cr_assert_eq(m.u.welcome.peers[0].role, WIREMSG_ROLE_GATEWAY);
	cr_assert_str_eq(ether_mac_str(&m.u.welcome.peers[0].mac),
	    "00:11:22:33:44:55");
	cr_assert_eq(m.u.welcome.peers[1].role, WIREMSG_ROLE_CLIENT);

	expect_ok(mkjson("stats", stats_fields, 1, NULL, NULL), &m);
	cr_assert_eq(m.u.stats.reply, 1);
	cr_assert_eq(m.u.stats.ncounters, 2);
	cr_assert_str_eq(m.u.stats.counters[1].name, "drop.spoofed");
	cr_assert_eq(m.u.stats.counters[0].value, 1);
}

Test(wiremsg, every_missing_field)
{
	static struct wiremsg	 m;
	const struct msgdef	*d;
	char			 want[128];
	size_t			 i, j;
	int			 checked = 0;

	for (i = 0; i < nitems(msgdefs); i++) {
		d = &msgdefs[i];
		for (j = 0; j < d->nfields; j++) {
			const char *json = mkjson(d->type, d->fields,
			    d->nfields, d->fields[j].key, NULL);

			if (d->fields[j].optional) {
				expect_ok(json, &m);
				continue;
			}
			snprintf(want, sizeof(want),
			    "%s: field \"%s\": missing", d->type,
			    d->fields[j].key);
			expect_fail(json, want, d->fields[j].code);
			checked++;
		}
	}
	cr_assert_eq(checked, 6 + 3 + 2 + 3 + 3 + 0 + 1);
}

Test(wiremsg, every_mistyped_field)
{
	static const char *const notnum[] = { "\"1\"", "true", "null", "[]",
	    "{}", "[1]" };
	static const char *const notstr[] = { "1", "false", "null", "[]",
	    "{}", "[\"client\"]" };
	static const char *const notarr[] = { "1", "\"[]\"", "null", "{}" };
	static const char *const notobj[] = { "1", "\"{}\"", "null", "[]" };
	const char *const	*bad;
	const struct msgdef	*d;
	const char		*what;
	char			 want[128];
	size_t			 i, j, k, nbad;
	int			 checked = 0;

	for (i = 0; i < nitems(msgdefs); i++) {
		d = &msgdefs[i];
		for (j = 0; j < d->nfields; j++) {
			switch (d->fields[j].kind) {
			case NUM:
				bad = notnum;
				nbad = nitems(notnum);
				what = "not a number";
				break;
			case STR:
				bad = notstr;
				nbad = nitems(notstr);
				what = "not a string";
				break;
			case ARR:
				bad = notarr;
				nbad = nitems(notarr);
				what = "not an array";
				break;
			default:
				bad = notobj;
				nbad = nitems(notobj);
				what = "not an object";
				break;
			}
			snprintf(want, sizeof(want), "%s: field \"%s\": %s",
			    d->type, d->fields[j].key, what);
			for (k = 0; k < nbad; k++) {
				expect_fail(mkjson(d->type, d->fields,
				    d->nfields, d->fields[j].key, bad[k]),
				    want, d->fields[j].code);
				checked++;
			}
		}
	}
	cr_assert_eq(checked, 2 * 6 + 5 * 6 + 2 * 6 + 4 + 2 * 6 + 6 * 6 + 4 +
	    6);
}

Test(wiremsg, repeated_field)
{
	char	 json[512];

	snprintf(json, sizeof(json), "%.*s,\"room\":\"other\"}",
	    (int)strlen(hello_with(NULL, NULL)) - 1, hello_with(NULL, NULL));
	expect_fail(json, "hello: field \"room\": appears more than once",
	    WIREMSG_CODE_BAD_ROOM);
	expect_fail("{\"type\":\"stats\",\"type\":\"stats\"}",
	    "control message: field \"type\": appears more than once",
	    WIREMSG_CODE_NONE);
	expect_fail("{\"type\":\"stats\",\"counters\":{\"a\":1,\"a\":2}}",
	    "stats: field \"counters.a\": appears more than once",
	    WIREMSG_CODE_NONE);
}

Test(wiremsg, unknown_fields_ignored)
{
	static struct wiremsg	 m, plain;
	const char		*extra;

	expect_ok(hello_with(NULL, NULL), &plain);
	extra = "{\"future\":[1,{\"x\":null}],\"proto\":1,\"Room\":1,"
	    "\"role\":\"client\",\"room\":\"lan-party_1\",\"note\":\"\","
	    "\"mac\":\"02:00:5e:10:00:01\",\"datagram_budget\":1200,"
	    "\"secret\":\"s3cret-pass\",\"software\":\"softlan-clientd 0.1\","
	    "\"type\":\"hello\",\"zz\":true}";
	expect_ok(extra, &m);
	cr_assert_eq(memcmp(&m, &plain, sizeof(m)), 0);

	expect_ok("{\"type\":\"welcome\",\"peer_id\":1,\"room_mtu\":1400,"
	    "\"peers\":[{\"peer_id\":2,\"role\":\"client\",\"nick\":\"bob\","
	    "\"mac\":\"02:00:00:00:00:02\"}]}", &m);
	cr_assert_eq(m.u.welcome.npeers, 1);
	cr_assert_eq(m.u.welcome.peers[0].peer_id, 2);
	expect_ok("{\"type\":\"stats\",\"request\":{\"all\":true}}", &m);
	cr_assert_eq(m.u.stats.reply, 0);
}

/*
 * The JSON text itself.
 */

Test(wiremsg, not_an_object)
{
	static const char *const bodies[] = { "[]", "[{\"type\":\"stats\"}]",
	    "\"hello\"", "42", "null", "true", " [ ] " };
	size_t	 i;

	for (i = 0; i < nitems(bodies); i++)
		expect_fail(bodies[i], "control message: not a JSON object",
		    WIREMSG_CODE_NONE);
}

Test(wiremsg, invalid_json)
{
	static const char *const bodies[] = { "{", "{\"type\":\"hello\"",
	    "{\"type\":", "{\"type\":\"hel", "{\"type\":\"stats\",}",
	    "{'type':'stats'}", "{type:\"stats\"}", "   ", "x",
	    "{\"type\":\"stats\" \"counters\":{}}" };
	size_t	 i;

	for (i = 0; i < nitems(bodies); i++)
		expect_fail(bodies[i], "control message: invalid JSON",
		    WIREMSG_CODE_NONE);
	/* A whole hello cut short anywhere is refused. */
	for (i = 1; i < strlen(hello_with(NULL, NULL)); i++)
		expect_fail_len(hello_with(NULL, NULL), i,
		    "control message: invalid JSON", WIREMSG_CODE_NONE);
}

Test(wiremsg, trailing_data)
{
	static struct wiremsg	 m;

	expect_fail("{\"type\":\"stats\"} {}", "trailing data",
	    WIREMSG_CODE_NONE);
	expect_fail("{\"type\":\"stats\"}x", "trailing data",
	    WIREMSG_CODE_NONE);
	expect_ok(" \t\r\n{\"type\":\"stats\"} \t\r\n", &m);
	cr_assert_eq(m.type, WIREMSG_STATS);
}

Test(wiremsg, nul_characters)
{
	static struct wiremsg	 m;
	static const char	 raw[] = "{\"type\":\"stats\"}\0";

	expect_fail_len(raw, sizeof(raw) - 1, "NUL character",
	    WIREMSG_CODE_NONE);
	/* "room\u0000x" must not pass as "room". */
	hello_fails("room", "\"lan\\u0000x\"", "NUL character",
	    WIREMSG_CODE_NONE);
	/* An escaped backslash followed by u0000 is plain text. */
	expect_ok("{\"type\":\"disconnect\",\"reason\":\"a\\\\u0000\"}", &m);
	cr_assert_str_eq(m.u.disconnect.reason, "a\\u0000");
}

/* Hostile shapes inside the size limit are refused or ignored, cleanly. */
Test(wiremsg, deep_and_wide)
{
	static struct wiremsg	 m;
	static char		 json[WIREMSG_MAX + 1];
	const char		*head = "{\"type\":\"stats\",\"x\":";
	size_t			 i, off, depth;

	/* Nesting beyond cJSON's limit of 1000. */
	depth = 4000;
	off = strlcpy(json, head, sizeof(json));
	memset(json + off, '[', depth);
	memset(json + off + depth, ']', depth);
	json[off + 2 * depth] = '}';
	json[off + 2 * depth + 1] = '\0';
	expect_fail(json, "control message: invalid JSON", WIREMSG_CODE_NONE);

	/* Deep but allowed, in an unknown field: ignored. */
	depth = 900;
	memset(json + off, '[', depth);
	memset(json + off + depth, ']', depth);
	json[off + 2 * depth] = '}';
	json[off + 2 * depth + 1] = '\0';
	expect_ok(json, &m);
	cr_assert_eq(m.type, WIREMSG_STATS);

	/* A full body of tiny array items. */
	off = strlcpy(json, head, sizeof(json));
	json[off++] = '[';
	for (i = 0; off + 4 < WIREMSG_MAX; i++) {
		json[off++] = '0';
		json[off++] = ',';
	}
	json[off++] = '0';
	json[off++] = ']';
	json[off++] = '}';
	json[off] = '\0';
	cr_assert_leq(strlen(json), WIREMSG_MAX);
	expect_ok(json, &m);
}

Test(wiremsg, type_field)
{
	static const struct {
		const char	*json;
		const char	*want;
	} bad[] = {
		{ "{}", "control message: field \"type\": missing" },
		{ "{\"type\":1}",
		    "control message: field \"type\": not a string" },
		{ "{\"type\":\"goodbye\"}",
		    "control message: field \"type\": unknown message type" },
		{ "{\"type\":\"Hello\"}", "unknown message type" },
		{ "{\"Type\":\"stats\"}", "field \"type\": missing" },
	};
	size_t	 i;

	for (i = 0; i < nitems(bad); i++)
		expect_fail(bad[i].json, bad[i].want, WIREMSG_CODE_NONE);
}

Test(wiremsg, decode_length_bounds)
{
	char	*big;

	expect_fail_len("", 0, "length 0 out of range 1-16384",
	    WIREMSG_CODE_NONE);
	big = malloc(WIREMSG_MAX + 1);
	cr_assert_not_null(big);
	memset(big, ' ', WIREMSG_MAX + 1);
	memcpy(big, "{\"type\":\"stats\"}", 16);
	expect_fail_len(big, WIREMSG_MAX + 1, "length 16385 out of range",
	    WIREMSG_CODE_NONE);
	free(big);
}

/*
 * Numbers.
 */

Test(wiremsg, hello_proto)
{
	static const struct {
		const char	*val;
		const char	*want;
	} bad[] = {
		{ "2", "hello: field \"proto\": unsupported protocol version 2 "
		    "(expected 1)" },
		{ "0", "unsupported protocol version 0" },
		{ "1.5", "hello: field \"proto\": not an integer" },
		{ "-1", "hello: field \"proto\": out of range" },
		{ "4294967296", "field \"proto\": out of range" },
		{ "1e400", "field \"proto\": not an integer" },
	};
	static struct wiremsg	 m;
	size_t			 i;

	for (i = 0; i < nitems(bad); i++)
		hello_fails("proto", bad[i].val, bad[i].want,
		    WIREMSG_CODE_VERSION);
	/* The version decides the code, whatever else is wrong. */
	expect_fail("{\"type\":\"hello\",\"proto\":2,\"room\":\"a b\"}",
	    "unsupported protocol version 2", WIREMSG_CODE_VERSION);
	expect_ok(hello_with("proto", "1"), &m);
}

Test(wiremsg, hello_datagram_budget)
{
	static const struct {
		const char	*val;
		const char	*want;
	} bad[] = {
		{ "0", "hello: field \"datagram_budget\": out of range "
		    "1-65535" },
		{ "65536", "out of range 1-65535" },
		{ "-1200", "out of range 1-65535" },
		{ "1200.5", "field \"datagram_budget\": not an integer" },
		{ "1e20", "out of range 1-65535" },
	};
	static struct wiremsg	 m;
	size_t			 i;

	for (i = 0; i < nitems(bad); i++)
		hello_fails("datagram_budget", bad[i].val, bad[i].want,
		    WIREMSG_CODE_VERSION);
	expect_ok(hello_with("datagram_budget", "65535"), &m);
	cr_assert_eq(m.u.hello.datagram_budget, 65535);
	expect_ok(hello_with("datagram_budget", "1"), &m);
	cr_assert_eq(m.u.hello.datagram_budget, 1);
}

Test(wiremsg, welcome_numbers)
{
	static const struct {
		const char	*key;
		const char	*val;
		const char	*want;
	} bad[] = {
		{ "room_mtu", "575",
		    "welcome: field \"room_mtu\": out of range 576-1500" },
		{ "room_mtu", "1501",
		    "welcome: field \"room_mtu\": out of range 576-1500" },
		{ "room_mtu", "-1500", "out of range 576-1500" },
		{ "room_mtu", "1400.25",
		    "welcome: field \"room_mtu\": not an integer" },
		{ "peer_id", "4294967296",
		    "welcome: field \"peer_id\": out of range 0-4294967295" },
		{ "peer_id", "-1",
		    "welcome: field \"peer_id\": out of range 0-4294967295" },
		{ "peer_id", "0.5",
		    "welcome: field \"peer_id\": not an integer" },
	};
	static struct wiremsg	 m;
	size_t			 i;

	for (i = 0; i < nitems(bad); i++)
		expect_fail(welcome_with(bad[i].key, bad[i].val), bad[i].want,
		    WIREMSG_CODE_NONE);
	expect_ok(welcome_with("room_mtu", "576"), &m);
	cr_assert_eq(m.u.welcome.room_mtu, 576);
	expect_ok(welcome_with("peer_id", "4294967295"), &m);
	cr_assert_eq(m.u.welcome.peer_id, UINT32_MAX);

	expect_fail("{\"type\":\"peer-left\",\"peer_id\":9e9,\"role\":"
	    "\"client\",\"mac\":\"02:00:00:00:00:01\"}",
	    "peer-left: field \"peer_id\": out of range", WIREMSG_CODE_NONE);
}

Test(wiremsg, counter_values)
{
	static const struct {
		const char	*json;
		const char	*want;
	} bad[] = {
		{ "{\"type\":\"stats\",\"counters\":{\"big\":"
		    "9007199254740992}}",
		    "stats: field \"counters.big\": out of range "
		    "0-9007199254740991" },
		{ "{\"type\":\"stats\",\"counters\":{\"x\":-1}}",
		    "stats: field \"counters.x\": out of range" },
		{ "{\"type\":\"stats\",\"counters\":{\"x\":0.5}}",
		    "stats: field \"counters.x\": not an integer" },
		{ "{\"type\":\"stats\",\"counters\":{\"x\":\"5\"}}",
		    "stats: field \"counters.x\": not a number" },
		{ "{\"type\":\"stats\",\"counters\":{\"x\":{}}}",
		    "stats: field \"counters.x\": not a number" },
	};
	static struct wiremsg	 m;
	size_t			 i;

	expect_ok("{\"type\":\"stats\",\"counters\":{\"big\":"
	    "9007199254740991,\"zero\":0}}", &m);
	cr_assert_eq(m.u.stats.counters[0].value, WIREMSG_COUNTER_MAX);
	for (i = 0; i < nitems(bad); i++)
		expect_fail(bad[i].json, bad[i].want, WIREMSG_CODE_NONE);
}

/*
 * Strings: room, role, MAC, secret, software, reason, code, counters.
 */

Test(wiremsg, room_codes)
{
	static struct wiremsg	 m;
	static const char *const bad[] = { "", "a b", "a.b", "a/b",
	    "caf\xc3\xa9", "room!", "\\t", "123456789012345678901234567890123",
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ" };
	char			 json[64];
	size_t			 i;

	for (i = 0; i < nitems(bad); i++) {
		snprintf(json, sizeof(json), "\"%s\"", bad[i]);
		hello_fails("room", json, "hello: field \"room\": invalid room "
		    "code", WIREMSG_CODE_BAD_ROOM);
	}
	expect_ok(hello_with("room", "\"12345678901234567890123456789012\""),
	    &m);
	cr_assert_str_eq(m.u.hello.room, "12345678901234567890123456789012");
	expect_ok(hello_with("room", "\"x\""), &m);
	expect_ok(hello_with("room", "\"-_-\""), &m);

	cr_assert(wiremsg_room_valid("Az09_-"));
	cr_assert(wiremsg_room_valid("12345678901234567890123456789012"));
	cr_assert_not(wiremsg_room_valid("123456789012345678901234567890123"));
	cr_assert_not(wiremsg_room_valid(""));
	cr_assert_not(wiremsg_room_valid(NULL));
	cr_assert_not(wiremsg_room_valid("a b"));
	cr_assert_not(wiremsg_room_valid("a\nb"));
	cr_assert_not(wiremsg_room_valid("a+b"));
}

Test(wiremsg, roles)
{
	static const char *const bad[] = { "\"admin\"", "\"Client\"",
	    "\"GATEWAY\"", "\"\"", "\"client \"", "\"clients\"" };
	enum wiremsg_role	 r = WIREMSG_ROLE_NONE;
	size_t			 i;

	for (i = 0; i < nitems(bad); i++)
		hello_fails("role", bad[i], "hello: field \"role\": invalid "
		    "role", WIREMSG_CODE_BAD_ROLE);
	expect_fail(welcome_with("peers", "[{\"peer_id\":1,\"role\":\"relay\","
	    "\"mac\":\"02:00:00:00:00:01\"}]"),
	    "welcome: field \"peers[0].role\": invalid role",
	    WIREMSG_CODE_NONE);

	cr_assert_eq(wiremsg_role_parse("client", &r), 0);
	cr_assert_eq(r, WIREMSG_ROLE_CLIENT);
	cr_assert_eq(wiremsg_role_parse("gateway", &r), 0);
	cr_assert_eq(r, WIREMSG_ROLE_GATEWAY);
	cr_assert_eq(wiremsg_role_parse("Gateway", &r), -1);
	cr_assert_eq(wiremsg_role_parse("", &r), -1);
	cr_assert_eq(wiremsg_role_parse(NULL, &r), -1);
	cr_assert_eq(r, WIREMSG_ROLE_GATEWAY, "failed parse changed *r");
	cr_assert_str_eq(wiremsg_role_name(WIREMSG_ROLE_CLIENT), "client");
	cr_assert_str_eq(wiremsg_role_name(WIREMSG_ROLE_GATEWAY), "gateway");
	cr_assert_null(wiremsg_role_name(WIREMSG_ROLE_NONE));
	cr_assert_null(wiremsg_role_name((enum wiremsg_role)7));
	cr_assert_null(wiremsg_role_name((enum wiremsg_role)-1));
}

Test(wiremsg, mac_forms)
{
	static const char *const bad[] = { "", "02:00:00:00:00",
	    "02:00:00:00:00:01:02", "02-00-00-00-00-01", "0g:00:00:00:00:01",
	    "02:00:00:00:00:1", "02:00:00:00:00:001", " 02:00:00:00:00:01",
	    "02:00:00:00:00:01 ", "02:00:00:00:00-01", "020000000001",
	    "02.00.00.00.00.01", "2:0:0:0:0:1" };
	static struct wiremsg	 m;
	char			 json[64];
	size_t			 i;

	for (i = 0; i < nitems(bad); i++) {
		snprintf(json, sizeof(json), "\"%s\"", bad[i]);
		hello_fails("mac", json, "hello: field \"mac\": invalid MAC "
		    "address (expected xx:xx:xx:xx:xx:xx)",
		    WIREMSG_CODE_BAD_MAC);
	}
	expect_ok(hello_with("mac", "\"02:AB:cd:EF:00:01\""), &m);
	cr_assert_str_eq(ether_mac_str(&m.u.hello.mac), "02:ab:cd:ef:00:01");
}

Test(wiremsg, mac_rules)
{
	static struct wiremsg	 m;
	struct ether_mac	 mac;
	const char		*why;

	hello_fails("mac", "\"00:00:00:00:00:00\"", "hello: field \"mac\": "
	    "zero MAC address", WIREMSG_CODE_BAD_MAC);
	hello_fails("mac", "\"ff:ff:ff:ff:ff:ff\"", "hello: field \"mac\": "
	    "broadcast MAC address", WIREMSG_CODE_BAD_MAC);
	hello_fails("mac", "\"03:00:00:00:00:01\"", "hello: field \"mac\": "
	    "multicast MAC address", WIREMSG_CODE_BAD_MAC);
	hello_fails("mac", "\"01:00:5e:00:00:fb\"", "multicast MAC address",
	    WIREMSG_CODE_BAD_MAC);
	hello_fails("mac", "\"33:33:00:00:00:01\"", "multicast MAC address",
	    WIREMSG_CODE_BAD_MAC);
	/* A globally administered MAC: a gateway's NIC, never a client. */
	hello_fails("mac", "\"00:11:22:33:44:55\"", "hello: field \"mac\": "
	    "client MAC address must be locally administered",
	    WIREMSG_CODE_BAD_MAC);
	expect_ok("{\"type\":\"hello\",\"proto\":1,\"role\":\"gateway\","
	    "\"room\":\"r\",\"mac\":\"00:11:22:33:44:55\","
	    "\"datagram_budget\":1200,\"software\":\"gw\"}", &m);
	cr_assert_eq(m.u.hello.role, WIREMSG_ROLE_GATEWAY);
	expect_fail("{\"type\":\"hello\",\"proto\":1,\"role\":\"gateway\","
	    "\"room\":\"r\",\"mac\":\"01:11:22:33:44:55\","
	    "\"datagram_budget\":1200,\"software\":\"gw\"}",
	    "multicast MAC address", WIREMSG_CODE_BAD_MAC);
	/* The same rules for the members a relay announces. */
	expect_fail(welcome_with("peers", "[{\"peer_id\":1,\"role\":\"client\","
	    "\"mac\":\"00:11:22:33:44:55\"}]"), "welcome: field "
	    "\"peers[0].mac\": client MAC address must be locally "
	    "administered", WIREMSG_CODE_NONE);
	expect_fail("{\"type\":\"peer-joined\",\"peer_id\":1,\"role\":"
	    "\"gateway\",\"mac\":\"ff:ff:ff:ff:ff:ff\"}",
	    "peer-joined: field \"mac\": broadcast MAC address",
	    WIREMSG_CODE_NONE);

	setmac(&mac, "00:11:22:33:44:55");
	cr_assert(wiremsg_mac_valid(WIREMSG_ROLE_GATEWAY, &mac, &why));
	cr_assert_null(why);
	cr_assert_not(wiremsg_mac_valid(WIREMSG_ROLE_CLIENT, &mac, &why));
	cr_assert_not_null(strstr(why, "locally administered"));
	cr_assert_not(wiremsg_mac_valid(WIREMSG_ROLE_NONE, &mac, NULL));
	setmac(&mac, "02:00:00:00:00:01");
	cr_assert(wiremsg_mac_valid(WIREMSG_ROLE_CLIENT, &mac, NULL));
}

Test(wiremsg, hello_secret)
{
	static struct wiremsg	 m;
	char			 json[256];

	/* "" is no secret at all. */
	expect_ok(hello_with("secret", "\"\""), &m);
	cr_assert_str_eq(m.u.hello.secret, "");
	expect_ok(hello_with("secret", NULL), &m);
	cr_assert_str_eq(m.u.hello.secret, "");

	snprintf(json, sizeof(json), "\"%0128d\"", 7);
	expect_ok(hello_with("secret", json), &m);
	cr_assert_eq(strlen(m.u.hello.secret), WIREMSG_SECRET_MAX);
	snprintf(json, sizeof(json), "\"%0129d\"", 7);
	hello_fails("secret", json, "hello: field \"secret\": too long (max "
	    "128 bytes)", WIREMSG_CODE_UNAUTHORIZED);
	hello_fails("secret", "\"a\\nb\"", "hello: field \"secret\": contains "
	    "control characters", WIREMSG_CODE_UNAUTHORIZED);
	hello_fails("secret", "\"a\\u007fb\"", "contains control characters",
	    WIREMSG_CODE_UNAUTHORIZED);
	/* Error messages never echo a secret. */
	hello_fails("secret", "\"hunter2\\t\"", "secret",
	    WIREMSG_CODE_UNAUTHORIZED);
	{
		struct wiremsg_error	 err;

		cr_assert_eq(decode_str(hello_with("secret", "\"hunter2\\t\""),
		    &m, &err), -1);
		cr_assert_null(strstr(err.msg, "hunter2"));
	}
}

Test(wiremsg, hello_software)
{
	static struct wiremsg	 m;
	char			 json[256];

	expect_ok(hello_with("software", "\"\""), &m);
	snprintf(json, sizeof(json), "\"%064d\"", 1);
	expect_ok(hello_with("software", json), &m);
	snprintf(json, sizeof(json), "\"%065d\"", 1);
	hello_fails("software", json, "hello: field \"software\": too long "
	    "(max 64 bytes)", WIREMSG_CODE_VERSION);
	hello_fails("software", "\"a\\u0001\"", "hello: field \"software\": "
	    "not printable ASCII", WIREMSG_CODE_VERSION);
	hello_fails("software", "\"caf\\u00e9\"", "not printable ASCII",
	    WIREMSG_CODE_VERSION);
	hello_fails("software", "\"x\\ry\"", "not printable ASCII",
	    WIREMSG_CODE_VERSION);
}

Test(wiremsg, reject_fields)
{
	static struct wiremsg	 m;
	char			 json[512];

	expect_fail("{\"type\":\"reject\",\"code\":\"nope\",\"reason\":\"x\"}",
	    "reject: field \"code\": unknown reject code", WIREMSG_CODE_NONE);
	expect_fail("{\"type\":\"reject\",\"code\":\"\",\"reason\":\"x\"}",
	    "reject: field \"code\": unknown reject code", WIREMSG_CODE_NONE);
	expect_fail("{\"type\":\"reject\",\"code\":\"Version\","
	    "\"reason\":\"\"}", "unknown reject code", WIREMSG_CODE_NONE);
	expect_fail("{\"type\":\"reject\",\"code\":\"version\",\"reason\":"
	    "\"a\\u001bb\"}", "reject: field \"reason\": contains control "
	    "characters", WIREMSG_CODE_NONE);
	snprintf(json, sizeof(json), "{\"type\":\"reject\",\"code\":"
	    "\"relay-full\",\"reason\":\"%0257d\"}", 0);
	expect_fail(json, "reject: field \"reason\": too long (max 256 bytes)",
	    WIREMSG_CODE_NONE);
	snprintf(json, sizeof(json), "{\"type\":\"disconnect\",\"reason\":"
	    "\"%0257d\"}", 0);
	expect_fail(json, "disconnect: field \"reason\": too long",
	    WIREMSG_CODE_NONE);
	snprintf(json, sizeof(json), "{\"type\":\"reject\",\"code\":"
	    "\"gateway-exists\",\"reason\":\"%0256d\"}", 0);
	expect_ok(json, &m);
	cr_assert_eq(m.u.reject.code, WIREMSG_CODE_GATEWAY_EXISTS);
	cr_assert_eq(strlen(m.u.reject.reason), WIREMSG_REASON_MAX);
}

Test(wiremsg, reject_code_names)
{
	static const char *const names[] = { "version", "bad-room",
	    "bad-mac", "bad-role", "unauthorized", "duplicate-mac",
	    "gateway-exists", "room-full", "relay-full" };
	enum wiremsg_code	 c;
	size_t			 i;

	for (i = 0; i < nitems(names); i++) {
		c = WIREMSG_CODE_NONE;
		cr_assert_eq(wiremsg_code_parse(names[i], &c), 0, "%s",
		    names[i]);
		cr_assert_eq(c, (enum wiremsg_code)(i + 1), "%s", names[i]);
		cr_assert_str_eq(wiremsg_code_name(c), names[i]);
	}
	cr_assert_eq(wiremsg_code_parse("bad_room", &c), -1);
	cr_assert_eq(wiremsg_code_parse("", &c), -1);
	cr_assert_eq(wiremsg_code_parse(NULL, &c), -1);
	cr_assert_null(wiremsg_code_name(WIREMSG_CODE_NONE));
	cr_assert_null(wiremsg_code_name((enum wiremsg_code)10));
	cr_assert_null(wiremsg_code_name((enum wiremsg_code)-3));
	cr_assert_str_eq(wiremsg_type_name(WIREMSG_PEER_JOINED), "peer-joined");
	cr_assert_null(wiremsg_type_name(WIREMSG_NONE));
	cr_assert_null(wiremsg_type_name((enum wiremsg_type)8));
}

Test(wiremsg, welcome_peers)
{
	static const struct {
		const char	*peers;
		const char	*want;
	} bad[] = {
		{ "[1]", "welcome: field \"peers[0]\": not an object" },
		{ "[" PEER0 ",[]]",
		    "welcome: field \"peers[1]\": not an object" },
		{ "[" PEER0 ",{\"peer_id\":2,\"role\":\"client\"}]",
		    "welcome: field \"peers[1].mac\": missing" },
		{ "[{\"role\":\"client\",\"mac\":\"02:00:00:00:00:02\"}]",
		    "welcome: field \"peers[0].peer_id\": missing" },
		{ "[{\"peer_id\":2,\"mac\":\"02:00:00:00:00:02\"}]",
		    "welcome: field \"peers[0].role\": missing" },
		{ "[{\"peer_id\":\"2\",\"role\":\"client\","
		    "\"mac\":\"02:00:00:00:00:02\"}]",
		    "welcome: field \"peers[0].peer_id\": not a number" },
		{ "[{\"peer_id\":2,\"role\":\"client\","
		    "\"mac\":\"02:00:00:00:00\"}]",
		    "welcome: field \"peers[0].mac\": invalid MAC address" },
		/* The set: no duplicates, not the receiver, one gateway. */
		{ "[" PEER0 "," PEER1 ",{\"peer_id\":2,\"role\":\"client\","
		    "\"mac\":\"02:00:00:00:00:09\"}]",
		    "welcome: field \"peers[2].peer_id\": duplicate of "
		    "peers[1]" },
		{ "[" PEER0 "," PEER1 ",{\"peer_id\":3,\"role\":\"client\","
		    "\"mac\":\"02:00:00:00:00:02\"}]",
		    "welcome: field \"peers[2].mac\": duplicate of peers[1]" },
		{ "[" PEER1 ",{\"peer_id\":7,\"role\":\"client\","
		    "\"mac\":\"02:00:00:00:00:07\"}]",
		    "welcome: field \"peers[1].peer_id\": is the receiving "
		    "peer's own id 7" },
		{ "[" PEER0 "," PEER1 ",{\"peer_id\":3,\"role\":\"gateway\","
		    "\"mac\":\"00:11:22:33:44:66\"}]",
		    "welcome: field \"peers[2].role\": a second gateway "
		    "(peers[0] is one)" },
	};
	char	 json[16384];
	size_t	 i;

	for (i = 0; i < nitems(bad); i++)
		expect_fail(welcome_with("peers", bad[i].peers), bad[i].want,
		    WIREMSG_CODE_NONE);

	/* 129 entries is one too many. */
	strlcpy(json, "[", sizeof(json));
	for (i = 0; i <= WIREMSG_MAX_PEERS; i++) {
		char	 e[96];

		snprintf(e, sizeof(e), "%s{\"peer_id\":%zu,\"role\":\"client\","
		    "\"mac\":\"02:00:00:00:%02zx:%02zx\"}", i ? "," : "",
		    i + 100, i >> 8, i & 0xff);
		cr_assert_lt(strlcat(json, e, sizeof(json)), sizeof(json));
	}
	strlcat(json, "]", sizeof(json));
	expect_fail(welcome_with("peers", json), "welcome: field \"peers\": "
	    "too many peers (max 128)", WIREMSG_CODE_NONE);
}

Test(wiremsg, stats_counters)
{
	static struct wiremsg	 m;
	char			 json[8192];
	size_t			 i;

	expect_fail("{\"type\":\"stats\",\"counters\":{\"\":1}}",
	    "stats: field \"counters\": counter 0: invalid name",
	    WIREMSG_CODE_NONE);
	expect_fail("{\"type\":\"stats\",\"counters\":{\"a\":1,\"b c\":1}}",
	    "stats: field \"counters\": counter 1: invalid name",
	    WIREMSG_CODE_NONE);
	expect_fail("{\"type\":\"stats\",\"counters\":{\"a\\nb\":1}}",
	    "counter 0: invalid name", WIREMSG_CODE_NONE);
	expect_fail("{\"type\":\"stats\",\"counters\":{"
	    "\"abcdefghijklmnopqrstuvwxyz0123456\":1}}",
	    "counter 0: invalid name", WIREMSG_CODE_NONE);
	expect_ok("{\"type\":\"stats\",\"counters\":{"
	    "\"abcdefghijklmnopqrstuvwxyz012345\":1}}", &m);
	cr_assert_str_eq(m.u.stats.counters[0].name,
	    "abcdefghijklmnopqrstuvwxyz012345");

	for (i = 0; i <= WIREMSG_MAX_COUNTERS; i++) {
		char	 e[32];

		snprintf(e, sizeof(e), "%s\"c%zu\":%zu", i ? "," : "", i, i);
		if (i == 0)
			strlcpy(json, "{\"type\":\"stats\",\"counters\":{",
			    sizeof(json));
		strlcat(json, e, sizeof(json));
		if (i == WIREMSG_MAX_COUNTERS - 1) {
			/* exactly 64: fine */
			char	 ok[8192];

			snprintf(ok, sizeof(ok), "%s}}", json);
			expect_ok(ok, &m);
			cr_assert_eq(m.u.stats.ncounters, WIREMSG_MAX_COUNTERS);
			cr_assert_eq(m.u.stats.counters[63].value, 63);
		}
	}
	strlcat(json, "}}", sizeof(json));
	expect_fail(json, "stats: field \"counters\": too many counters "
	    "(max 64)", WIREMSG_CODE_NONE);
}

/*
 * The reader.
 */

struct stream {
	uint8_t			 buf[200 * 512];
	size_t			 len;
	size_t			 nmsgs;
	struct wiremsg		 msgs[8];	/* the first few */
};

static void
stream_add(struct stream *s, const struct wiremsg *m)
{
	size_t			 n;
	struct wiremsg_error	 err;

	cr_assert_eq(wiremsg_encode(m, s->buf + s->len, sizeof(s->buf) - s->len,
	    &n, &err), 0, "%s", err.msg);
	s->len += n;
	if (s->nmsgs < nitems(s->msgs))
		s->msgs[s->nmsgs] = *m;
	s->nmsgs++;
}

/* Four messages of different kinds. */
static void
stream_mixed(struct stream *s)
{
	static struct wiremsg	 m;

	memset(s, 0, sizeof(*s));
	mkhello(&m, WIREMSG_ROLE_CLIENT, "02:00:5e:10:00:01", "pw");
	stream_add(s, &m);
	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_WELCOME;
	m.u.welcome.peer_id = 9;
	m.u.welcome.room_mtu = 1400;
	m.u.welcome.npeers = 1;
	mkpeer(&m.u.welcome.peers[0], 1, WIREMSG_ROLE_GATEWAY,
	    "00:11:22:33:44:55");
	stream_add(s, &m);
	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_STATS;
	m.u.stats.reply = 1;
	m.u.stats.ncounters = 1;
	strlcpy(m.u.stats.counters[0].name, "rx", WIREMSG_COUNTER_NAME_MAX);
	m.u.stats.counters[0].value = 77;
	stream_add(s, &m);
	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_DISCONNECT;
	strlcpy(m.u.disconnect.reason, "bye", sizeof(m.u.disconnect.reason));
	stream_add(s, &m);
}

/* Feed the stream in pieces of chunk bytes; check every message. */
static void
feed_in_chunks(const struct stream *s, size_t chunk)
{
	static struct wiremsg_reader	 r;
	static struct wiremsg		 m;
	struct wiremsg_error		 err;
	size_t				 off = 0, end, used, got = 0;
	int				 rv;

	wiremsg_reader_init(&r);
	while (off < s->len) {
		end = MINIMUM(off + chunk, s->len);
		while (off < end) {
			rv = wiremsg_reader_feed(&r, s->buf + off, end - off,
			    &used, &m, &err);
			cr_assert_neq(rv, -1, "chunk %zu: %s", chunk, err.msg);
			cr_assert_leq(used, end - off);
			off += used;
			if (rv == 0) {
				cr_assert_eq(off, end, "0 but bytes left");
				continue;
			}
			cr_assert_lt(got, s->nmsgs);
			cr_assert_eq(memcmp(&m, &s->msgs[got], sizeof(m)), 0,
			    "chunk %zu: message %zu differs", chunk, got);
			got++;
		}
	}
	cr_assert_eq(got, s->nmsgs, "chunk %zu: %zu of %zu messages", chunk,
	    got, s->nmsgs);
	cr_assert_eq(wiremsg_reader_eof(&r, &err), 0, "%s", err.msg);
}

Test(wiremsg, reader_one_byte_at_a_time)
{
	static struct stream		 s;
	static struct wiremsg_reader	 r;
	static struct wiremsg		 m;
	struct wiremsg_error		 err;
	size_t				 i, used, got = 0, end;
	int				 rv;

	stream_mixed(&s);
	wiremsg_reader_init(&r);
	end = 0;	/* where the message being fed ends */
	for (i = 0; i < s.len; i++) {
		if (i == end)
			end = i + WIREMSG_HDRLEN + ((size_t)s.buf[i] << 24 |
			    (size_t)s.buf[i + 1] << 16 |
			    (size_t)s.buf[i + 2] << 8 | s.buf[i + 3]);
		rv = wiremsg_reader_feed(&r, s.buf + i, 1, &used, &m, &err);
		cr_assert_neq(rv, -1, "byte %zu: %s", i, err.msg);
		cr_assert_eq(used, 1);
		/* A message completes exactly on its last byte. */
		cr_assert_eq(rv, i + 1 == end, "byte %zu: rv %d", i, rv);
		if (rv == 1) {
			cr_assert_eq(memcmp(&m, &s.msgs[got], sizeof(m)), 0,
			    "message %zu differs", got);
			got++;
		}
	}
	cr_assert_eq(got, 4);
	cr_assert_eq(end, s.len);
	/* An empty feed is harmless. */
	cr_assert_eq(wiremsg_reader_feed(&r, NULL, 0, &used, &m, &err), 0);
	cr_assert_eq(used, 0);
	cr_assert_eq(wiremsg_reader_eof(&r, &err), 0);
}

Test(wiremsg, reader_every_split)
{
	static struct stream	 s;
	size_t			 chunk;

	stream_mixed(&s);
	for (chunk = 1; chunk <= s.len; chunk++)
		feed_in_chunks(&s, chunk);
}

Test(wiremsg, reader_prefix_split)
{
	static struct stream		 s;
	static struct wiremsg_reader	 r;
	static struct wiremsg		 m;
	struct wiremsg_error		 err;
	size_t				 used, first;

	stream_mixed(&s);
	first = WIREMSG_HDRLEN + ((size_t)s.buf[2] << 8 | s.buf[3]);
	wiremsg_reader_init(&r);
	/* Two bytes of prefix, then the rest of it with half the body. */
	cr_assert_eq(wiremsg_reader_feed(&r, s.buf, 2, &used, &m, &err), 0);
	cr_assert_eq(used, 2);
	cr_assert_eq(wiremsg_reader_eof(&r, &err), -1);
	cr_assert_not_null(strstr(err.msg, "inside a length prefix (2 of 4"),
	    "%s", err.msg);
	cr_assert_eq(wiremsg_reader_feed(&r, s.buf + 2, 20, &used, &m, &err),
	    0);
	cr_assert_eq(wiremsg_reader_eof(&r, &err), -1);
	cr_assert_not_null(strstr(err.msg, "inside a message (18 of"), "%s",
	    err.msg);
	/* The rest of the first message and 3 bytes of the next prefix. */
	cr_assert_eq(wiremsg_reader_feed(&r, s.buf + 22, first + 3 - 22,
	    &used, &m, &err), 1, "%s", err.msg);
	cr_assert_eq(used, first - 22);
	cr_assert_eq(m.type, WIREMSG_HELLO);
	cr_assert_str_eq(m.u.hello.secret, "pw");
	cr_assert_eq(wiremsg_reader_feed(&r, s.buf + first, 3, &used, &m,
	    &err), 0);
	cr_assert_eq(used, 3);
	cr_assert_eq(wiremsg_reader_feed(&r, s.buf + first + 3,
	    s.len - first - 3, &used, &m, &err), 1, "%s", err.msg);
	cr_assert_eq(m.type, WIREMSG_WELCOME);
	cr_assert_eq(m.u.welcome.peer_id, 9);
}

Test(wiremsg, reader_hundred_in_one_chunk)
{
	static struct stream		 s;
	static struct wiremsg_reader	 r;
	static struct wiremsg		 m, pm;
	struct wiremsg_error		 err;
	size_t				 i, off, used, got = 0, calls = 0;
	int				 rv;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < 100; i++) {
		memset(&pm, 0, sizeof(pm));
		pm.type = (i % 2) ? WIREMSG_PEER_LEFT : WIREMSG_PEER_JOINED;
		mkpeer(&pm.u.peer, (uint32_t)i, WIREMSG_ROLE_CLIENT,
		    "02:00:00:00:00:10");
		pm.u.peer.mac.octet[5] = (uint8_t)i;
		stream_add(&s, &pm);
	}
	wiremsg_reader_init(&r);
	off = 0;
	for (;;) {
		rv = wiremsg_reader_feed(&r, s.buf + off, s.len - off, &used,
		    &m, &err);
		calls++;
		cr_assert_neq(rv, -1, "%s", err.msg);
		off += used;
		if (rv == 0)
			break;
		cr_assert_eq(m.type, (got % 2) ? WIREMSG_PEER_LEFT :
		    WIREMSG_PEER_JOINED);
		cr_assert_eq(m.u.peer.peer_id, got);
		cr_assert_eq(m.u.peer.mac.octet[5], got);
		got++;
	}
	cr_assert_eq(got, 100);
	cr_assert_eq(off, s.len);
	cr_assert_eq(calls, 101);
}

Test(wiremsg, reader_length_zero)
{
	static struct wiremsg_reader	 r;
	static struct wiremsg		 m;
	static const uint8_t		 zero[] = { 0, 0, 0, 0, '{', '}' };
	struct wiremsg_error		 err;
	size_t				 used;

	wiremsg_reader_init(&r);
	cr_assert_eq(wiremsg_reader_feed(&r, zero, sizeof(zero), &used, &m,
	    &err), -1);
	cr_assert_str_eq(err.msg, "control stream: message length 0");
	cr_assert_eq(err.code, WIREMSG_CODE_NONE);
	/* Final: the reader keeps refusing, with the same reason. */
	memset(&err, 0, sizeof(err));
	cr_assert_eq(wiremsg_reader_feed(&r, zero + 4, 2, &used, &m, &err), -1);
	cr_assert_eq(used, 0);
	cr_assert_str_eq(err.msg, "control stream: message length 0");
	cr_assert_eq(wiremsg_reader_eof(&r, &err), -1);
}

Test(wiremsg, reader_too_long)
{
	static struct wiremsg_reader	 r;
	static struct wiremsg		 m;
	static const uint8_t		 hdr[] = { 0, 0, 0x40, 0x01 };
	static const uint8_t		 huge[] = { 0xff, 0xff, 0xff, 0xff };
	struct wiremsg_error		 err;
	size_t				 used;

	/* Refused on the prefix alone, before any body byte arrives. */
	wiremsg_reader_init(&r);
	cr_assert_eq(wiremsg_reader_feed(&r, hdr, 3, &used, &m, &err), 0);
	cr_assert_eq(wiremsg_reader_feed(&r, hdr + 3, 1, &used, &m, &err), -1);
	cr_assert_str_eq(err.msg, "control stream: message length 16385 "
	    "exceeds 16384");
	wiremsg_reader_init(&r);
	cr_assert_eq(wiremsg_reader_feed(&r, huge, 4, &used, &m, &err), -1);
	cr_assert_str_eq(err.msg, "control stream: message length 4294967295 "
	    "exceeds 16384");
}

/* A 16384-byte body is fine if it is a valid object. */
Test(wiremsg, reader_exactly_max)
{
	static struct wiremsg_reader	 r;
	static struct wiremsg		 m;
	static uint8_t			 buf[WIREMSG_FRAME_MAX + 1];
	const char			*head, *tail;
	struct wiremsg_error		 err;
	size_t				 pad, used;

	head = "{\"type\":\"disconnect\",\"reason\":\"bye\",\"pad\":\"";
	tail = "\"}";
	pad = WIREMSG_MAX - strlen(head) - strlen(tail);
	buf[0] = 0;
	buf[1] = 0;
	buf[2] = WIREMSG_MAX >> 8;
	buf[3] = WIREMSG_MAX & 0xff;
	memcpy(buf + 4, head, strlen(head));
	memset(buf + 4 + strlen(head), 'p', pad);
	memcpy(buf + 4 + strlen(head) + pad, tail, strlen(tail));

	wiremsg_reader_init(&r);
	cr_assert_eq(wiremsg_reader_feed(&r, buf, WIREMSG_FRAME_MAX, &used, &m,
	    &err), 1, "%s", err.msg);
	cr_assert_eq(used, WIREMSG_FRAME_MAX);
	cr_assert_eq(m.type, WIREMSG_DISCONNECT);
	cr_assert_str_eq(m.u.disconnect.reason, "bye");
	/* Straight from an exact-size heap buffer as well. */
	cr_assert_eq(decode_len((const char *)buf + 4, WIREMSG_MAX, &m, &err),
	    0, "%s", err.msg);

	/* One pad byte more, announced as 16385: refused. */
	buf[2] = (WIREMSG_MAX + 1) >> 8;
	buf[3] = (WIREMSG_MAX + 1) & 0xff;
	memmove(buf + 4 + WIREMSG_MAX - 1, tail, strlen(tail));
	buf[4 + WIREMSG_MAX - 2] = 'p';
	wiremsg_reader_init(&r);
	cr_assert_eq(wiremsg_reader_feed(&r, buf, WIREMSG_FRAME_MAX + 1, &used,
	    &m, &err), -1);
	cr_assert_str_eq(err.msg, "control stream: message length 16385 "
	    "exceeds 16384");
}

Test(wiremsg, reader_bad_bodies)
{
	static struct wiremsg_reader	 r;
	static struct wiremsg		 m;
	static const uint8_t		 arr[] = { 0, 0, 0, 3, '[', '1', ']' };
	static const uint8_t		 good[] = { 0, 0, 0, 16, '{', '"', 't',
	    'y', 'p', 'e', '"', ':', '"', 's', 't', 'a', 't', 's', '"', '}' };
	static const uint8_t		 trunc[] = { 0, 0, 0, 8, '{', '"', 't',
	    'y', 'p', 'e', '"', ':' };
	struct wiremsg_error		 err;
	size_t				 used;

	wiremsg_reader_init(&r);
	cr_assert_eq(wiremsg_reader_feed(&r, good, sizeof(good), &used, &m,
	    &err), 1, "%s", err.msg);
	cr_assert_eq(wiremsg_reader_feed(&r, arr, sizeof(arr), &used, &m,
	    &err), -1);
	cr_assert_str_eq(err.msg, "control message: not a JSON object");
	/* Final: a good message after it is refused with the same error. */
	memset(&err, 0, sizeof(err));
	cr_assert_eq(wiremsg_reader_feed(&r, good, sizeof(good), &used, &m,
	    &err), -1);
	cr_assert_eq(used, 0);
	cr_assert_str_eq(err.msg, "control message: not a JSON object");

	wiremsg_reader_init(&r);
	cr_assert_eq(wiremsg_reader_feed(&r, trunc, sizeof(trunc), &used, &m,
	    &err), -1);
	cr_assert_not_null(strstr(err.msg, "invalid JSON"), "%s", err.msg);
}

/* A bad hello through the reader carries the reject code. */
Test(wiremsg, reader_bad_hello_code)
{
	static struct wiremsg_reader	 r;
	static struct wiremsg		 m;
	static uint8_t			 buf[1024];
	struct wiremsg_error		 err;
	const char			*json;
	size_t				 len, used;

	json = hello_with("room", "\"no spaces\"");
	len = strlen(json);
	buf[0] = 0;
	buf[1] = 0;
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	memcpy(buf + 4, json, len);
	wiremsg_reader_init(&r);
	cr_assert_eq(wiremsg_reader_feed(&r, buf, len + 4, &used, &m, &err),
	    -1);
	cr_assert_eq(err.code, WIREMSG_CODE_BAD_ROOM);
	cr_assert_str_eq(err.msg, "hello: field \"room\": invalid room code "
	    "(1-32 characters of [A-Za-z0-9_-])");
	cr_assert_eq(used, len + 4);
}

/* Secrets do not linger in the reader, nor in a refused message. */
Test(wiremsg, secrets_wiped)
{
	static struct stream		 s;
	static struct wiremsg_reader	 r;
	static struct wiremsg		 m;
	struct wiremsg_error		 err;
	size_t				 used;

	memset(&s, 0, sizeof(s));
	mkhello(&m, WIREMSG_ROLE_CLIENT, "02:00:5e:10:00:01",
	    "correct-horse-battery");
	stream_add(&s, &m);
	cr_assert_not_null(memmem(s.buf, s.len, "correct-horse", 13));
	wiremsg_reader_init(&r);
	cr_assert_eq(wiremsg_reader_feed(&r, s.buf, s.len, &used, &m, &err),
	    1);
	cr_assert_str_eq(m.u.hello.secret, "correct-horse-battery");
	cr_assert_null(memmem(&r, sizeof(r), "correct-horse", 13));
	wiremsg_clear(&m);
	cr_assert(all_zero(&m, sizeof(m)));

	/* Half a hello, then the reader is cleared. */
	wiremsg_reader_init(&r);
	cr_assert_eq(wiremsg_reader_feed(&r, s.buf, s.len - 3, &used, &m,
	    &err), 0);
	cr_assert_not_null(memmem(&r, sizeof(r), "correct-horse", 13));
	wiremsg_reader_clear(&r);
	cr_assert(all_zero(&r, sizeof(r)));
}

/*
 * cJSON frees without clearing: no block it frees may still hold the
 * secret, whether decoding or encoding.
 */
static int	 leaked;

static void
checking_free(void *p)
{
	if (p != NULL &&
	    memmem(p, malloc_usable_size(p), "correct-horse", 13) != NULL)
		leaked++;
	free(p);
}

Test(wiremsg, secrets_not_left_in_freed_json)
{
	static struct stream	 s;
	static struct wiremsg	 m;
	cJSON_Hooks		 hooks = { malloc, checking_free };
	struct wiremsg_error	 err;

	cJSON_InitHooks(&hooks);
	memset(&s, 0, sizeof(s));
	mkhello(&m, WIREMSG_ROLE_CLIENT, "02:00:5e:10:00:01",
	    "correct-horse-battery");
	stream_add(&s, &m);
	cr_assert_eq(wiremsg_decode((const char *)s.buf + WIREMSG_HDRLEN,
	    s.len - WIREMSG_HDRLEN, &m, &err), 0, "%s", err.msg);
	cr_assert_str_eq(m.u.hello.secret, "correct-horse-battery");
	/* Refused after the secret was parsed: still wiped. */
	cr_assert_eq(decode_str("{\"type\":\"hello\",\"proto\":1,"
	    "\"role\":\"client\",\"room\":\"r\",\"mac\":\"02:00:00:00:00:01\","
	    "\"datagram_budget\":1,\"secret\":\"correct-horse\","
	    "\"software\":1}", &m, &err), -1);
	cr_assert_eq(leaked, 0, "%d freed blocks held the secret", leaked);
	/* The checker itself works. */
	checking_free(strdup("xx correct-horse xx"));
	cr_assert_eq(leaked, 1);
	cJSON_InitHooks(NULL);
}
