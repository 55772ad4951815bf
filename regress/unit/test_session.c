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
 * The client session core (common/session.c): the happy path, the hello
 * it builds, welcome and membership news, the exact backoff sequence,
 * its cap and reset, every reject code, timeouts, protocol errors, the
 * TAP MTU action and the status export.  Time and the jitter input are
 * chosen by each test.
 *
 * MACs: this client 02:00:00:00:00:01, other clients 02:00:00:00:00:0N,
 * the gateway 00:1b:21:0a:0b:0c.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "compat.h"
#include "ether.h"
#include "session.h"
#include "wiremsg.h"

#define ME	"02:00:00:00:00:01"
#define CL2	"02:00:00:00:00:02"
#define CL3	"02:00:00:00:00:03"
#define GWMAC	"00:1b:21:0a:0b:0c"
#define ROOM	"lan-party"
#define SECRET	"s3cret"
#define RMAX	UINT32_MAX

static struct session		 S;
static struct session_actions	 A;
static struct wiremsg		 M;

static void
conf_default(struct session_conf *conf)
{
	session_conf_init(conf);
	cr_assert_eq(ether_mac_parse(ME, &conf->mac), 0);
	cr_assert_lt(snprintf(conf->room, sizeof(conf->room), "%s", ROOM),
	    (int)sizeof(conf->room));
	cr_assert_lt(snprintf(conf->secret, sizeof(conf->secret), "%s",
	    SECRET), (int)sizeof(conf->secret));
	cr_assert_lt(snprintf(conf->software, sizeof(conf->software),
	    "softlan-test/1"), (int)sizeof(conf->software));
}

static void
setup_conf(const struct session_conf *conf)
{
	char	 err[256];

	err[0] = '\0';
	cr_assert_eq(session_init(&S, conf, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(S.state, SESSION_DISCONNECTED);
}

static void
setup(void)
{
	struct session_conf	 conf;

	conf_default(&conf);
	setup_conf(&conf);
}

static void
teardown(void)
{
	session_clear(&S);
	cr_assert_eq(S.conf.secret[0], '\0');
	cr_assert_eq(S.hello.u.hello.secret[0], '\0');
}

static void
ev(enum session_event_type type, uint64_t now, uint32_t rnd)
{
	struct session_event	 e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.now = now;
	e.rnd = rnd;
	session_event(&S, &e, &A);
}

static void
ev_reason(enum session_event_type type, uint64_t now, uint32_t rnd,
    const char *reason)
{
	struct session_event	 e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.now = now;
	e.rnd = rnd;
	e.reason = reason;
	session_event(&S, &e, &A);
}

static void
ev_up(uint64_t now, uint32_t budget)
{
	struct session_event	 e;

	memset(&e, 0, sizeof(e));
	e.type = SESSION_EV_TRANSPORT_UP;
	e.now = now;
	e.budget = budget;
	session_event(&S, &e, &A);
}

static void
ev_msg(uint64_t now, uint32_t rnd)
{
	struct session_event	 e;

	memset(&e, 0, sizeof(e));
	e.type = SESSION_EV_MSG;
	e.now = now;
	e.rnd = rnd;
	e.msg = &M;
	session_event(&S, &e, &A);
}

/* Action i must be of this type; returns it. */
static const struct session_action *
act(size_t i, enum session_action_type type)
{
	cr_assert_lt(i, A.n, "action %zu of %zu", i, A.n);
	cr_assert_eq(A.a[i].type, type, "action %zu: %s, expected %s", i,
	    session_action_name(A.a[i].type), session_action_name(type));
	return (&A.a[i]);
}

static void
act_log_is(size_t i, enum session_log_level level, const char *text)
{
	const struct session_action	*a = act(i, SESSION_ACT_LOG);

	cr_assert_eq(a->level, level, "action %zu: level %d", i, a->level);
	cr_assert_str_eq(a->text, text);
}

/* How many actions of this type the last event returned. */
static size_t
count(enum session_action_type type)
{
	size_t	 i, n = 0;

	for (i = 0; i < A.n; i++)
		if (A.a[i].type == type)
			n++;
	return (n);
}

static void
peer(struct wiremsg_peer *p, uint32_t id, enum wiremsg_role role,
    const char *mac)
{
	memset(p, 0, sizeof(*p));
	p->peer_id = id;
	p->role = role;
	cr_assert_eq(ether_mac_parse(mac, &p->mac), 0);
}

/* A welcome: peer id 7, the gateway (1) and another client (3). */
static void
msg_welcome(uint32_t mtu)
{
	memset(&M, 0, sizeof(M));
	M.type = WIREMSG_WELCOME;
	M.u.welcome.peer_id = 7;
	M.u.welcome.room_mtu = mtu;
	M.u.welcome.npeers = 2;
	peer(&M.u.welcome.peers[0], 1, WIREMSG_ROLE_GATEWAY, GWMAC);
	peer(&M.u.welcome.peers[1], 3, WIREMSG_ROLE_CLIENT, CL3);
}

static void
msg_reject(enum wiremsg_code code, const char *reason)
{
	memset(&M, 0, sizeof(M));
	M.type = WIREMSG_REJECT;
	M.u.reject.code = code;
	cr_assert_lt(snprintf(M.u.reject.reason, sizeof(M.u.reject.reason),
	    "%s", reason), (int)sizeof(M.u.reject.reason));
}

static void
msg_peer(enum wiremsg_type type, uint32_t id, enum wiremsg_role role,
    const char *mac)
{
	memset(&M, 0, sizeof(M));
	M.type = type;
	peer(&M.u.peer, id, role, mac);
}

static uint64_t
deadline(void)
{
	uint64_t	 when = 0;

	cr_assert_eq(session_next_timer(&S, &when), 1, "no timer armed");
	return (when);
}

static void
no_timer(void)
{
	uint64_t	 when;

	cr_assert_eq(session_next_timer(&S, &when), 0, "timer armed");
}

/* start (or retry) at now, transport up, welcome: CONNECTED. */
static void
connect_at(uint64_t now, uint32_t mtu)
{
	if (S.state == SESSION_DISCONNECTED)
		ev(SESSION_EV_START, now, 0);
	else
		ev(SESSION_EV_TIMER, now, 0);
	cr_assert_eq(S.state, SESSION_CONNECTING);
	ev_up(now, 1200);
	cr_assert_eq(S.state, SESSION_HELLO_SENT);
	msg_welcome(mtu);
	ev_msg(now, 0);
	cr_assert_eq(S.state, SESSION_CONNECTED);
}

/* Fail the connection attempt under way; returns the wait chosen. */
static uint64_t
fail_at(uint64_t now, uint32_t rnd)
{
	cr_assert_eq(S.state, SESSION_CONNECTING);
	ev_reason(SESSION_EV_TRANSPORT_DOWN, now, rnd, "handshake timeout");
	cr_assert_eq(S.state, SESSION_RETRYING);
	cr_assert_eq(count(SESSION_ACT_CLOSE), 0);
	return (deadline() - now);
}

Test(session, init_errors)
{
	struct session_conf	 conf;
	char			 err[256];

	conf_default(&conf);
	conf.room[0] = '\0';
	cr_assert_eq(session_init(&S, &conf, err, sizeof(err)), -1);
	cr_assert(strstr(err, "\"room\"") != NULL, "%s", err);

	conf_default(&conf);
	(void)snprintf(conf.room, sizeof(conf.room), "lan party");
	cr_assert_eq(session_init(&S, &conf, err, sizeof(err)), -1);
	cr_assert(strstr(err, "\"room\"") != NULL, "%s", err);

	conf_default(&conf);
	cr_assert_eq(ether_mac_parse(GWMAC, &conf.mac), 0);
	cr_assert_eq(session_init(&S, &conf, err, sizeof(err)), -1);
	cr_assert(strstr(err, "\"mac\"") != NULL, "%s", err);
	cr_assert(strstr(err, "locally administered") != NULL, "%s", err);

	conf_default(&conf);
	memset(conf.room, 'a', sizeof(conf.room));
	cr_assert_eq(session_init(&S, &conf, err, sizeof(err)), -1);
	cr_assert_str_eq(err,
	    "session: a configuration string is not terminated");

	conf_default(&conf);
	conf.tap_mtu = 9000;
	cr_assert_eq(session_init(&S, &conf, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "session: TAP MTU 9000 out of range 576-1500");

	conf_default(&conf);
	cr_assert_eq(session_init(&S, &conf, err, sizeof(err)), 0);
	cr_assert_eq(S.state, SESSION_DISCONNECTED);
	session_clear(&S);
}

Test(session, happy_path, .init = setup, .fini = teardown)
{
	const struct session_action	*a;
	const struct wiremsg_hello	*h;
	struct wiremsg_error		 cerr;
	struct session_status		 st;

	no_timer();
	ev(SESSION_EV_START, 1000, 0);
	cr_assert_eq(S.state, SESSION_CONNECTING);
	cr_assert_eq(A.n, 2);
	act_log_is(0, SESSION_LOG_INFO,
	    "connecting to the relay for room " ROOM " (attempt 1)");
	(void)act(1, SESSION_ACT_CONNECT);
	cr_assert_eq(deadline(), 1000 + SESSION_CONNECT_TIMEOUT);

	/* A second start changes nothing. */
	ev(SESSION_EV_START, 1001, 0);
	cr_assert_eq(count(SESSION_ACT_CONNECT), 0);
	cr_assert_eq(S.state, SESSION_CONNECTING);

	ev_up(1500, 1167);
	cr_assert_eq(S.state, SESSION_HELLO_SENT);
	cr_assert_eq(A.n, 2);
	act_log_is(0, SESSION_LOG_DEBUG, "connected to the relay, sending "
	    "hello for room " ROOM " as " ME " (budget 1167)");
	a = act(1, SESSION_ACT_SEND_HELLO);
	cr_assert_not_null(a->msg);
	cr_assert_eq(a->msg->type, WIREMSG_HELLO);
	h = &a->msg->u.hello;
	cr_assert_eq(h->proto, WIREMSG_PROTO);
	cr_assert_eq(h->role, WIREMSG_ROLE_CLIENT);
	cr_assert_str_eq(h->room, ROOM);
	cr_assert_str_eq(ether_mac_str(&h->mac), ME);
	cr_assert_eq(h->datagram_budget, 1167);
	cr_assert_str_eq(h->secret, SECRET);
	cr_assert_str_eq(h->software, "softlan-test/1");
	cr_assert_eq(wiremsg_validate(a->msg, &cerr), 0, "%s", cerr.msg);
	cr_assert_eq(deadline(), 1500 + SESSION_HELLO_TIMEOUT);

	msg_welcome(1400);
	ev_msg(1600, 0);
	cr_assert_eq(S.state, SESSION_CONNECTED);
	cr_assert_eq(A.n, 2);
	act_log_is(0, SESSION_LOG_INFO, "connected to room " ROOM " as peer 7 "
	    "(MAC " ME "), room MTU 1400, 2 other members");
	a = act(1, SESSION_ACT_SET_MTU);
	cr_assert_eq(a->mtu, 1400);
	no_timer();
	cr_assert_eq(S.peer_id, 7);
	cr_assert_eq(S.room_mtu, 1400);
	cr_assert_eq(S.npeers, 2);

	msg_peer(WIREMSG_PEER_JOINED, 9, WIREMSG_ROLE_CLIENT, CL2);
	ev_msg(2000, 0);
	cr_assert_eq(A.n, 1);
	act_log_is(0, SESSION_LOG_INFO,
	    "peer 9 joined room " ROOM " (client " CL2 ")");
	cr_assert_eq(S.npeers, 3);
	cr_assert_eq(S.peers[2].peer_id, 9);
	cr_assert_str_eq(ether_mac_str(&S.peers[2].mac), CL2);

	msg_peer(WIREMSG_PEER_LEFT, 3, WIREMSG_ROLE_CLIENT, CL3);
	ev_msg(3000, 0);
	cr_assert_eq(A.n, 1);
	act_log_is(0, SESSION_LOG_INFO,
	    "peer 3 left room " ROOM " (client " CL3 ")");
	cr_assert_eq(S.npeers, 2);
	cr_assert_eq(S.peers[0].peer_id, 1);
	cr_assert_eq(S.peers[0].role, WIREMSG_ROLE_GATEWAY);
	cr_assert_eq(S.peers[1].peer_id, 9);

	session_status(&S, 4600, &st);
	cr_assert_str_eq(st.state, "connected");
	cr_assert_str_eq(st.room, ROOM);
	cr_assert_eq(st.peer_id, 7);
	cr_assert_eq(st.room_mtu, 1400);
	cr_assert_eq(st.connected_ms, 3000);
	cr_assert_eq(st.retry_in_ms, 0);
	cr_assert_eq(st.npeers, 2);
	cr_assert_eq(st.peers[1].peer_id, 9);
	cr_assert_str_eq(st.last_error, "");
	cr_assert_eq(st.counters->connects, 1);
	cr_assert_eq(st.counters->welcomes, 1);
	cr_assert_eq(st.counters->failures, 0);
	cr_assert_eq(st.counters->disconnects, 0);
	cr_assert_eq(st.counters->peer_errors, 0);
}

Test(session, backoff_function)
{
	static const uint64_t	 base[] = {
		1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000
	};
	size_t			 i;

	for (i = 0; i < nitems(base); i++) {
		cr_assert_eq(session_backoff(i, 0), base[i] * 3 / 4);
		cr_assert_eq(session_backoff(i, RMAX),
		    MINIMUM(base[i] * 5 / 4, 30000));
		cr_assert_eq(session_backoff(i, 0x80000000U), base[i],
		    "attempt %zu: %llu", i,
		    (unsigned long long)session_backoff(i, 0x80000000U));
	}
	cr_assert_eq(session_backoff(31, 0), 22500);
	cr_assert_eq(session_backoff(32, RMAX), 30000);
	cr_assert_eq(session_backoff(UINT32_MAX, RMAX), 30000);
}

Test(session, backoff_sequence_low, .init = setup, .fini = teardown)
{
	static const uint64_t	 want[] = {
		750, 1500, 3000, 6000, 12000, 22500, 22500, 22500
	};
	uint64_t		 now = 0, wait;
	size_t			 i;

	ev(SESSION_EV_START, now, 0);
	for (i = 0; i < nitems(want); i++) {
		now += 100;
		wait = fail_at(now, 0);
		cr_assert_eq(wait, want[i], "attempt %zu: %llu", i,
		    (unsigned long long)wait);
		/* A timer event before the deadline does nothing. */
		ev(SESSION_EV_TIMER, now + wait - 1, 0);
		cr_assert_eq(A.n, 0);
		cr_assert_eq(S.state, SESSION_RETRYING);
		now += wait;
		ev(SESSION_EV_TIMER, now, 0);
		cr_assert_eq(S.state, SESSION_CONNECTING);
		cr_assert_eq(count(SESSION_ACT_CONNECT), 1);
	}
	cr_assert_eq(S.counters.connects, nitems(want) + 1);
	cr_assert_eq(S.counters.failures, nitems(want));
}

/*
 * The sequence for a fixed jitter input, the attempts starting at start:
 * a row per input.  Criterion copies the rows into the process that runs
 * them.
 */
struct backoff_case {
	uint64_t	 start;
	uint32_t	 rnd;
	uint64_t	 want[7];
};

static struct backoff_case backoff_cases[] = {
	/* The highest input: +25 %, capped. */
	{ 5000, RMAX, { 1250, 2500, 5000, 10000, 20000, 30000, 30000 } },
	/* The middle one: no jitter at all. */
	{ 0, 0x80000000U, { 1000, 2000, 4000, 8000, 16000, 30000, 30000 } },
};

ParameterizedTestParameters(session, backoff_sequence)
{
	return (cr_make_param_array(struct backoff_case, backoff_cases,
	    nitems(backoff_cases)));
}

ParameterizedTest(const struct backoff_case *b, session, backoff_sequence,
    .init = setup, .fini = teardown)
{
	uint64_t	 now = b->start, wait;
	size_t		 i;

	ev(SESSION_EV_START, now, 0);
	for (i = 0; i < nitems(b->want); i++) {
		wait = fail_at(now, b->rnd);
		cr_assert_eq(wait, b->want[i], "jitter input %#x, attempt %zu: "
		    "%llu, want %llu", b->rnd, i, (unsigned long long)wait,
		    (unsigned long long)b->want[i]);
		now += wait;
		ev(SESSION_EV_TIMER, now, 0);
	}
}

Test(session, retry_log_lines, .init = setup, .fini = teardown)
{
	ev(SESSION_EV_START, 0, 0);
	ev_reason(SESSION_EV_TRANSPORT_DOWN, 10, 0, "no route to host");
	cr_assert_eq(A.n, 2);
	act_log_is(0, SESSION_LOG_WARN,
	    "cannot connect to the relay: no route to host");
	act_log_is(1, SESSION_LOG_INFO, "retrying in 0.7 s");
	cr_assert_str_eq(S.last_error,
	    "cannot connect to the relay: no route to host");
	ev(SESSION_EV_TIMER, 760, 0);
	act_log_is(0, SESSION_LOG_INFO,
	    "connecting to the relay for room " ROOM " (attempt 2)");
	ev_reason(SESSION_EV_TRANSPORT_DOWN, 800, RMAX, NULL);
	act_log_is(0, SESSION_LOG_WARN,
	    "cannot connect to the relay: no reason given");
	act_log_is(1, SESSION_LOG_INFO, "retrying in 2.5 s");
}

Test(session, backoff_reset_after_stable, .init = setup, .fini = teardown)
{
	uint64_t	 now = 0;
	int		 i;

	ev(SESSION_EV_START, now, 0);
	for (i = 0; i < 4; i++) {
		now += fail_at(now, 0);
		ev(SESSION_EV_TIMER, now, 0);
	}
	cr_assert_eq(S.attempt, 4);

	/* Up 29.999 s: not long enough, the backoff goes on growing. */
	ev_up(now, 1200);
	msg_welcome(1500);
	ev_msg(now, 0);
	cr_assert_eq(S.state, SESSION_CONNECTED);
	now += SESSION_STABLE_MS - 1;
	ev_reason(SESSION_EV_TRANSPORT_DOWN, now, 0, "idle timeout");
	cr_assert_eq(deadline() - now, 12000);
	cr_assert_eq(S.counters.disconnects, 1);

	/* Up exactly 30 s: back to the minimum. */
	now = deadline();
	connect_at(now, 1500);
	now += SESSION_STABLE_MS;
	ev_reason(SESSION_EV_TRANSPORT_DOWN, now, 0, "idle timeout");
	cr_assert_eq(S.state, SESSION_RETRYING);
	cr_assert_eq(deadline() - now, 750);
	cr_assert_eq(S.counters.disconnects, 2);
	cr_assert_str_eq(S.last_error,
	    "connection to the relay lost: idle timeout");

	/* And it grows again from there. */
	now = deadline();
	ev(SESSION_EV_TIMER, now, 0);
	cr_assert_eq(fail_at(now, 0), 1500);
}

/*
 * Every reject code: a row per code.  Criterion copies the rows into the
 * process that runs them, so the error is an array, not a pointer.
 */
struct reject_case {
	enum wiremsg_code	 code;
	int			 fatal;
	char			 error[128];
};

static struct reject_case reject_cases[] = {
	{ WIREMSG_CODE_VERSION, 1, "rejected (version): the relay does not "
	    "speak protocol version 1 (relay: why)" },
	{ WIREMSG_CODE_BAD_ROOM, 1, "rejected (bad-room): the relay refused "
	    "the room code " ROOM " (relay: why)" },
	{ WIREMSG_CODE_BAD_MAC, 1, "rejected (bad-mac): the relay refused "
	    "MAC " ME " (relay: why)" },
	{ WIREMSG_CODE_BAD_ROLE, 1, "rejected (bad-role): the relay refused "
	    "the client role (relay: why)" },
	{ WIREMSG_CODE_UNAUTHORIZED, 1, "rejected (unauthorized): wrong or "
	    "missing secret for room " ROOM " (relay: why)" },
	{ WIREMSG_CODE_GATEWAY_EXISTS, 1, "rejected (gateway-exists): the "
	    "relay says room " ROOM " already has a gateway, but this is a "
	    "client (relay: why)" },
	{ WIREMSG_CODE_DUPLICATE_MAC, 0, "rejected (duplicate-mac): the relay "
	    "says MAC " ME " is already in room " ROOM " (relay: why)" },
	{ WIREMSG_CODE_ROOM_FULL, 0, "rejected (room-full): room " ROOM
	    " is full (relay: why)" },
	{ WIREMSG_CODE_RELAY_FULL, 0, "rejected (relay-full): the relay is "
	    "full (relay: why)" },
};

ParameterizedTestParameters(session, rejects)
{
	return (cr_make_param_array(struct reject_case, reject_cases,
	    nitems(reject_cases)));
}

ParameterizedTest(const struct reject_case *rc, session, rejects,
    .init = setup, .fini = teardown)
{
	const char	*name = wiremsg_code_name(rc->code);
	size_t		 c;

	ev(SESSION_EV_START, 0, 0);
	ev_up(10, 1200);
	msg_reject(rc->code, "why");
	ev_msg(20, 0);
	cr_assert_str_eq(S.last_error, rc->error);
	for (c = 0; c < SESSION_CODE_MAX; c++)
		cr_assert_eq(S.counters.rejects[c],
		    c == (size_t)rc->code ? 1 : 0, "%s", name);
	cr_assert_eq(S.counters.failures, 1, "%s", name);
	act_log_is(0, SESSION_LOG_WARN, rc->error);
	cr_assert_str_eq(act(1, SESSION_ACT_CLOSE)->text, rc->error);
	if (rc->fatal) {
		cr_assert_eq(S.state, SESSION_STOPPED, "%s", name);
		cr_assert_eq(A.n, 4, "%s: %zu actions", name, A.n);
		act_log_is(2, SESSION_LOG_WARN,
		    "a retry cannot fix this: exiting");
		cr_assert_eq(act(3, SESSION_ACT_EXIT)->status, 1, "%s", name);
		no_timer();
		/* Nothing moves any more. */
		ev(SESSION_EV_TIMER, 100000, 0);
		cr_assert_eq(A.n, 0, "%s: %zu actions", name, A.n);
		ev(SESSION_EV_START, 100000, 0);
		cr_assert_eq(A.n, 0, "%s: %zu actions", name, A.n);
		cr_assert_eq(S.state, SESSION_STOPPED, "%s", name);
	} else {
		cr_assert_eq(S.state, SESSION_RETRYING, "%s", name);
		cr_assert_eq(A.n, 3, "%s: %zu actions", name, A.n);
		act_log_is(2, SESSION_LOG_INFO, "retrying in 0.7 s");
		cr_assert_eq(count(SESSION_ACT_EXIT), 0, "%s", name);
		cr_assert_eq(deadline(), 20 + 750, "%s", name);
	}
}

Test(session, reject_without_reason, .init = setup, .fini = teardown)
{
	ev(SESSION_EV_START, 0, 0);
	ev_up(10, 1200);
	msg_reject(WIREMSG_CODE_UNAUTHORIZED, "");
	ev_msg(20, 0);
	cr_assert_str_eq(S.last_error, "rejected (unauthorized): wrong or "
	    "missing secret for room " ROOM);
	cr_assert_eq(S.state, SESSION_STOPPED);
}

Test(session, duplicate_mac_grace, .init = setup, .fini = teardown)
{
	uint64_t	 now = 1000;
	int		 n = 0;

	ev(SESSION_EV_START, now, 0);
	for (;;) {
		ev_up(now, 1200);
		msg_reject(WIREMSG_CODE_DUPLICATE_MAC, "mac in use");
		ev_msg(now, 0);
		n++;
		if (S.state != SESSION_RETRYING)
			break;
		/* Still within the grace period, counted from the first. */
		cr_assert_lt(now - 1000, SESSION_DUPMAC_GRACE);
		now = deadline();
		ev(SESSION_EV_TIMER, now, 0);
	}
	cr_assert_eq(S.state, SESSION_STOPPED);
	cr_assert_geq(now - 1000, SESSION_DUPMAC_GRACE);
	/*
	 * Rejects at 0, 0.75, 2.25, 5.25, 11.25, 23.25, 45.75, 68.25,
	 * 90.75 and 113.25 s retry; the one at 135.75 s is fatal.
	 */
	cr_assert_eq(n, 11);
	cr_assert_eq(now, 1000 + 135750);
	cr_assert_eq(S.counters.rejects[WIREMSG_CODE_DUPLICATE_MAC], 11);
	cr_assert_str_eq(S.last_error, "rejected (duplicate-mac): the relay "
	    "says MAC " ME " is already in room " ROOM " (relay: mac in use)");
	cr_assert_eq(act(A.n - 1, SESSION_ACT_EXIT)->status, 1);
}

Test(session, duplicate_mac_streak_resets, .init = setup, .fini = teardown)
{
	uint64_t	 now = 0;

	/* A duplicate-mac, then a welcome: the streak ends. */
	ev(SESSION_EV_START, now, 0);
	ev_up(now, 1200);
	msg_reject(WIREMSG_CODE_DUPLICATE_MAC, "");
	ev_msg(now, 0);
	cr_assert_eq(S.state, SESSION_RETRYING);
	now = deadline();
	connect_at(now, 1500);
	now += 200000;
	ev_reason(SESSION_EV_TRANSPORT_DOWN, now, 0, "idle timeout");
	now = deadline();
	ev(SESSION_EV_TIMER, now, 0);
	ev_up(now, 1200);
	msg_reject(WIREMSG_CODE_DUPLICATE_MAC, "");
	ev_msg(now, 0);
	cr_assert_eq(S.state, SESSION_RETRYING, "a new streak is not fatal");
}

Test(session, duplicate_mac_no_grace)
{
	struct session_conf	 conf;

	conf_default(&conf);
	conf.dupmac_grace = 0;
	setup_conf(&conf);
	ev(SESSION_EV_START, 0, 0);
	ev_up(0, 1200);
	msg_reject(WIREMSG_CODE_DUPLICATE_MAC, "");
	ev_msg(0, 0);
	cr_assert_eq(S.state, SESSION_STOPPED);
	cr_assert_eq(act(A.n - 1, SESSION_ACT_EXIT)->status, 1);
	teardown();
}

Test(session, relay_disconnect, .init = setup, .fini = teardown)
{
	connect_at(0, 1500);
	memset(&M, 0, sizeof(M));
	M.type = WIREMSG_DISCONNECT;
	(void)snprintf(M.u.disconnect.reason, sizeof(M.u.disconnect.reason),
	    "relay shutting down");
	ev_msg(5000, 0);
	cr_assert_eq(S.state, SESSION_RETRYING);
	cr_assert_str_eq(S.last_error,
	    "the relay closed the connection: relay shutting down");
	cr_assert_eq(A.n, 3);
	act_log_is(0, SESSION_LOG_WARN, S.last_error);
	cr_assert_str_eq(act(1, SESSION_ACT_CLOSE)->text, S.last_error);
	cr_assert_eq(deadline(), 5000 + 750);
	cr_assert_eq(S.counters.disconnects, 1);
	cr_assert_eq(S.counters.failures, 0);
	cr_assert_eq(S.npeers, 0);
	cr_assert_eq(S.peer_id, 0);

	/* The transport going down afterwards is old news. */
	ev_reason(SESSION_EV_TRANSPORT_DOWN, 5001, 0, "closed");
	cr_assert_eq(A.n, 0);
	cr_assert_eq(deadline(), 5000 + 750);

	ev(SESSION_EV_TIMER, 5750, 0);
	cr_assert_eq(S.state, SESSION_CONNECTING);
	cr_assert_eq(count(SESSION_ACT_CONNECT), 1);
}

Test(session, disconnect_before_welcome, .init = setup, .fini = teardown)
{
	ev(SESSION_EV_START, 0, 0);
	ev_up(0, 1200);
	memset(&M, 0, sizeof(M));
	M.type = WIREMSG_DISCONNECT;
	ev_msg(10, 0);
	cr_assert_eq(S.state, SESSION_RETRYING);
	cr_assert_str_eq(S.last_error, "the relay closed the connection "
	    "before welcome: no reason given");
	cr_assert_eq(S.counters.failures, 1);
}

Test(session, transport_down_hello_sent, .init = setup, .fini = teardown)
{
	ev(SESSION_EV_START, 0, 0);
	ev_up(100, 1200);
	cr_assert_eq(S.state, SESSION_HELLO_SENT);
	ev_reason(SESSION_EV_TRANSPORT_DOWN, 200, RMAX, "stateless reset");
	cr_assert_eq(S.state, SESSION_RETRYING);
	cr_assert_eq(A.n, 2);
	act_log_is(0, SESSION_LOG_WARN,
	    "connection to the relay lost: stateless reset");
	act_log_is(1, SESSION_LOG_INFO, "retrying in 1.2 s");
	cr_assert_eq(count(SESSION_ACT_CLOSE), 0);
	cr_assert_eq(deadline(), 200 + 1250);
	cr_assert_eq(S.counters.failures, 1);
	cr_assert_eq(S.counters.disconnects, 0);

	/* A welcome from the dead connection is ignored. */
	msg_welcome(1500);
	ev_msg(300, 0);
	cr_assert_eq(S.state, SESSION_RETRYING);
	cr_assert_eq(count(SESSION_ACT_SET_MTU), 0);
}

Test(session, timeouts, .init = setup, .fini = teardown)
{
	ev(SESSION_EV_START, 0, 0);
	ev(SESSION_EV_TIMER, SESSION_CONNECT_TIMEOUT - 1, 0);
	cr_assert_eq(A.n, 0);
	ev(SESSION_EV_TIMER, SESSION_CONNECT_TIMEOUT, 0);
	cr_assert_eq(S.state, SESSION_RETRYING);
	cr_assert_str_eq(S.last_error, "no connection to the relay after 15 s");
	cr_assert_eq(count(SESSION_ACT_CLOSE), 1);
	cr_assert_eq(S.counters.timeouts, 1);

	ev(SESSION_EV_TIMER, deadline(), 0);
	ev_up(20000, 1200);
	ev(SESSION_EV_TIMER, 20000 + SESSION_HELLO_TIMEOUT, 0);
	cr_assert_eq(S.state, SESSION_RETRYING);
	cr_assert_str_eq(S.last_error,
	    "no answer to hello from the relay after 10 s");
	cr_assert_eq(count(SESSION_ACT_CLOSE), 1);
	cr_assert_eq(S.counters.timeouts, 2);
	cr_assert_eq(S.counters.failures, 2);
	cr_assert_eq(deadline(), 30000 + 1500);
}

Test(session, no_timeouts)
{
	struct session_conf	 conf;

	conf_default(&conf);
	conf.connect_timeout = 0;
	conf.hello_timeout = 0;
	setup_conf(&conf);
	ev(SESSION_EV_START, 0, 0);
	no_timer();
	ev_up(0, 1200);
	no_timer();
	teardown();
}

Test(session, zero_budget, .init = setup, .fini = teardown)
{
	ev(SESSION_EV_START, 0, 0);
	ev_up(0, 0);
	cr_assert_eq(S.state, SESSION_RETRYING);
	cr_assert_eq(count(SESSION_ACT_SEND_HELLO), 0);
	cr_assert_eq(count(SESSION_ACT_CLOSE), 1);
	cr_assert_str_eq(S.last_error, "the connection to the relay has no "
	    "room for datagrams (budget 0)");

	/* A budget above the protocol's limit is clamped. */
	ev(SESSION_EV_TIMER, deadline(), 0);
	ev_up(1000, 100000);
	cr_assert_eq(act(1, SESSION_ACT_SEND_HELLO)->msg->u.hello.
	    datagram_budget, WIREMSG_BUDGET_MAX);
}

Test(session, mtu_actions, .init = setup, .fini = teardown)
{
	uint64_t	 now = 0;

	connect_at(now, 1400);
	cr_assert_eq(count(SESSION_ACT_SET_MTU), 1);
	cr_assert_eq(act(1, SESSION_ACT_SET_MTU)->mtu, 1400);

	/* Reconnect to the same MTU: the TAP already has it. */
	ev_reason(SESSION_EV_TRANSPORT_DOWN, now, 0, "lost");
	now = deadline();
	connect_at(now, 1400);
	cr_assert_eq(count(SESSION_ACT_SET_MTU), 0);

	/* The relay came back with another MTU. */
	ev_reason(SESSION_EV_TRANSPORT_DOWN, now, 0, "lost");
	now = deadline();
	connect_at(now, 1280);
	cr_assert_eq(count(SESSION_ACT_SET_MTU), 1);
	cr_assert_eq(act(1, SESSION_ACT_SET_MTU)->mtu, 1280);

	/* The parent refused it: ask again next time. */
	session_tap_mtu_failed(&S);
	ev_reason(SESSION_EV_TRANSPORT_DOWN, now, 0, "lost");
	now = deadline();
	connect_at(now, 1280);
	cr_assert_eq(count(SESSION_ACT_SET_MTU), 1);
	cr_assert_eq(act(1, SESSION_ACT_SET_MTU)->mtu, 1280);
}

Test(session, mtu_known_at_start)
{
	struct session_conf	 conf;

	conf_default(&conf);
	conf.tap_mtu = 1500;
	setup_conf(&conf);
	connect_at(0, 1500);
	cr_assert_eq(count(SESSION_ACT_SET_MTU), 0);
	teardown();
}

Test(session, protocol_errors, .init = setup, .fini = teardown)
{
	uint64_t	 now = 0;

	/* A second welcome. */
	connect_at(now, 1500);
	msg_welcome(1500);
	ev_msg(now, 0);
	cr_assert_eq(S.state, SESSION_RETRYING);
	cr_assert_str_eq(S.last_error,
	    "protocol error: unexpected welcome from the relay after welcome");
	cr_assert_eq(count(SESSION_ACT_CLOSE), 1);
	cr_assert_eq(S.counters.proto_errors, 1);

	/* peer-joined before welcome. */
	now = deadline();
	ev(SESSION_EV_TIMER, now, 0);
	ev_up(now, 1200);
	msg_peer(WIREMSG_PEER_JOINED, 9, WIREMSG_ROLE_CLIENT, CL2);
	ev_msg(now, 0);
	cr_assert_eq(S.state, SESSION_RETRYING);
	cr_assert_str_eq(S.last_error, "protocol error: unexpected "
	    "peer-joined from the relay before welcome");
	cr_assert_eq(S.counters.proto_errors, 2);

	/* The caller could not decode the stream. */
	now = deadline();
	connect_at(now, 1500);
	ev_reason(SESSION_EV_PROTO_ERROR, now, 0,
	    "control stream: message length 70000 over 16384");
	cr_assert_eq(S.state, SESSION_RETRYING);
	cr_assert_str_eq(S.last_error, "protocol error: control stream: "
	    "message length 70000 over 16384");
	cr_assert_str_eq(act(1, SESSION_ACT_CLOSE)->text, S.last_error);
	cr_assert_eq(S.counters.proto_errors, 3);
	cr_assert_eq(S.counters.disconnects, 2);

	/* Out of range welcome (the decoder would refuse it). */
	now = deadline();
	ev(SESSION_EV_TIMER, now, 0);
	ev_up(now, 1200);
	msg_welcome(9000);
	ev_msg(now, 0);
	cr_assert_eq(S.state, SESSION_RETRYING);
	cr_assert_eq(count(SESSION_ACT_SET_MTU), 0);
	cr_assert_eq(S.counters.proto_errors, 4);

	/* A proto error while retrying is old news. */
	ev_reason(SESSION_EV_PROTO_ERROR, now, 0, "late");
	cr_assert_eq(A.n, 0);
	cr_assert_eq(S.counters.proto_errors, 4);
}

Test(session, membership_errors, .init = setup, .fini = teardown)
{
	connect_at(0, 1500);

	msg_peer(WIREMSG_PEER_LEFT, 42, WIREMSG_ROLE_CLIENT, CL2);
	ev_msg(1, 0);
	cr_assert_eq(A.n, 1);
	act_log_is(0, SESSION_LOG_WARN,
	    "peer-left for peer 42, not a member: ignored");

	msg_peer(WIREMSG_PEER_JOINED, 7, WIREMSG_ROLE_CLIENT, CL2);
	ev_msg(2, 0);
	act_log_is(0, SESSION_LOG_WARN,
	    "peer-joined names our own peer id 7: ignored");

	msg_peer(WIREMSG_PEER_JOINED, 3, WIREMSG_ROLE_CLIENT, CL2);
	ev_msg(3, 0);
	act_log_is(0, SESSION_LOG_WARN, "peer-joined for peer 3, already a "
	    "member: now client " CL2);
	cr_assert_eq(S.npeers, 2);
	cr_assert_str_eq(ether_mac_str(&S.peers[1].mac), CL2);

	cr_assert_eq(S.state, SESSION_CONNECTED);
	cr_assert_eq(S.counters.peer_errors, 3);
	cr_assert_eq(S.counters.proto_errors, 0);
}

Test(session, peers_full, .init = setup, .fini = teardown)
{
	size_t	 i;

	connect_at(0, 1500);
	for (i = 0; S.npeers < WIREMSG_MAX_PEERS; i++) {
		msg_peer(WIREMSG_PEER_JOINED, 100 + i, WIREMSG_ROLE_CLIENT,
		    CL2);
		ev_msg(1, 0);
	}
	cr_assert_eq(S.counters.peer_errors, 0);
	msg_peer(WIREMSG_PEER_JOINED, 5000, WIREMSG_ROLE_CLIENT, CL2);
	ev_msg(2, 0);
	cr_assert_eq(S.npeers, WIREMSG_MAX_PEERS);
	cr_assert_eq(S.counters.peer_errors, 1);
	act_log_is(0, SESSION_LOG_WARN,
	    "peer-joined for peer 5000: more than 128 members, not listed");

	/* Removing the first keeps the order of the others. */
	msg_peer(WIREMSG_PEER_LEFT, 1, WIREMSG_ROLE_GATEWAY, GWMAC);
	ev_msg(3, 0);
	cr_assert_eq(S.npeers, WIREMSG_MAX_PEERS - 1);
	cr_assert_eq(S.peers[0].peer_id, 3);
	cr_assert_eq(S.peers[WIREMSG_MAX_PEERS - 2].peer_id,
	    100 + WIREMSG_MAX_PEERS - 3);
}

Test(session, stats, .init = setup, .fini = teardown)
{
	connect_at(0, 1500);
	memset(&M, 0, sizeof(M));
	M.type = WIREMSG_STATS;
	ev_msg(1, 0);
	cr_assert_eq(A.n, 1);
	(void)act(0, SESSION_ACT_SEND_STATS);

	M.u.stats.reply = 1;
	M.u.stats.ncounters = 2;
	ev_msg(2, 0);
	cr_assert_eq(A.n, 1);
	act_log_is(0, SESSION_LOG_DEBUG,
	    "stats reply from the relay: 2 counters");
	cr_assert_eq(S.state, SESSION_CONNECTED);
}

Test(session, stop_and_restart, .init = setup, .fini = teardown)
{
	connect_at(0, 1500);
	ev_reason(SESSION_EV_STOP, 10, 0, NULL);
	cr_assert_eq(S.state, SESSION_DISCONNECTED);
	cr_assert_eq(A.n, 2);
	cr_assert_str_eq(act(0, SESSION_ACT_CLOSE)->text, "shutting down");
	act_log_is(1, SESSION_LOG_INFO, "session stopped: shutting down");
	no_timer();

	ev(SESSION_EV_START, 20, 0);
	cr_assert_eq(S.state, SESSION_CONNECTING);
	cr_assert_eq(S.counters.connects, 2);

	/* Stopping while waiting to retry has no connection to close. */
	ev_reason(SESSION_EV_TRANSPORT_DOWN, 30, 0, "lost");
	ev_reason(SESSION_EV_STOP, 40, 0, "SIGTERM");
	cr_assert_eq(A.n, 1);
	act_log_is(0, SESSION_LOG_INFO, "session stopped: SIGTERM");
	no_timer();
	ev(SESSION_EV_STOP, 50, 0);
	cr_assert_eq(A.n, 0);
}

Test(session, status_export, .init = setup, .fini = teardown)
{
	struct session_status	 st;
	char			 line[256];
	size_t			 i;

	session_status(&S, 0, &st);
	cr_assert_str_eq(st.state, "disconnected");
	cr_assert_eq(session_status_line(&S, 0, line, sizeof(line)), 0);
	cr_assert_str_eq(line, "disconnected");

	ev(SESSION_EV_START, 0, 0);
	cr_assert_eq(session_status_line(&S, 0, line, sizeof(line)), 0);
	cr_assert_str_eq(line, "connecting to the relay for room " ROOM);
	ev_up(0, 1200);
	session_status(&S, 0, &st);
	cr_assert_str_eq(st.state, "hello-sent");
	cr_assert_eq(session_status_line(&S, 0, line, sizeof(line)), 0);
	cr_assert_str_eq(line, "waiting for the relay to admit us to room "
	    ROOM);

	msg_reject(WIREMSG_CODE_ROOM_FULL, "");
	ev_msg(1000, RMAX);
	session_status(&S, 1100, &st);
	cr_assert_str_eq(st.state, "retrying");
	cr_assert_str_eq(st.room, ROOM);
	cr_assert_eq(st.retry_in_ms, 1150);
	cr_assert_eq(st.peer_id, 0);
	cr_assert_eq(st.room_mtu, 0);
	cr_assert_eq(st.npeers, 0);
	cr_assert_str_eq(st.last_error, "rejected (room-full): room " ROOM
	    " is full");
	cr_assert_eq(st.counters->rejects[WIREMSG_CODE_ROOM_FULL], 1);
	cr_assert_eq(session_status_line(&S, 1100, line, sizeof(line)), 0);
	cr_assert_str_eq(line, "retrying in 2 s (rejected (room-full): room "
	    ROOM " is full)");
	session_status(&S, 5000, &st);
	cr_assert_eq(st.retry_in_ms, 0);

	connect_at(2250, 1500);
	session_status(&S, 3250, &st);
	cr_assert_str_eq(st.state, "connected");
	cr_assert_eq(st.peer_id, 7);
	cr_assert_eq(st.room_mtu, 1500);
	cr_assert_eq(st.connected_ms, 1000);
	cr_assert_eq(st.npeers, 2);
	cr_assert_eq(st.peers[0].peer_id, 1);
	cr_assert_eq(st.peers[0].role, WIREMSG_ROLE_GATEWAY);
	cr_assert_str_eq(ether_mac_str(&st.peers[0].mac), GWMAC);
	cr_assert_eq(st.peers[1].peer_id, 3);
	cr_assert_str_eq(ether_mac_str(&st.peers[1].mac), CL3);
	cr_assert_eq(st.counters->connects, 2);
	cr_assert_eq(st.counters->welcomes, 1);
	cr_assert_eq(st.counters->failures, 1);
	cr_assert_eq(session_status_line(&S, 3250, line, sizeof(line)), 0);
	cr_assert_str_eq(line, "connected to room " ROOM " as peer 7, room "
	    "MTU 1500, 2 other members");
	cr_assert_eq(session_status_line(&S, 3250, line, 10), -1);
	cr_assert_eq(strlen(line), 9);

	msg_reject(WIREMSG_CODE_NONE, "");	/* reject after welcome */
	ev_msg(4000, 0);
	msg_reject(WIREMSG_CODE_BAD_MAC, "");
	ev(SESSION_EV_TIMER, deadline(), 0);
	ev_up(10000, 1200);
	ev_msg(10000, 0);
	cr_assert_eq(session_status_line(&S, 10000, line, sizeof(line)), 0);
	cr_assert_str_eq(line, "stopped: rejected (bad-mac): the relay "
	    "refused MAC " ME);
	session_status(&S, 10000, &st);
	cr_assert_str_eq(st.state, "stopped");
	cr_assert_eq(st.counters->proto_errors, 1);
	cr_assert_eq(st.counters->disconnects, 1);
	for (i = 0; i < SESSION_CODE_MAX; i++)
		cr_assert_eq(st.counters->rejects[i],
		    i == WIREMSG_CODE_ROOM_FULL || i == WIREMSG_CODE_BAD_MAC ?
		    1 : 0, "rejects[%zu]", i);
}

Test(session, names)
{
	cr_assert_str_eq(session_state_name(SESSION_DISCONNECTED),
	    "disconnected");
	cr_assert_str_eq(session_state_name(SESSION_STOPPED), "stopped");
	cr_assert_str_eq(session_state_name(SESSION_STATE_MAX), "unknown");
	cr_assert_str_eq(session_action_name(SESSION_ACT_SET_MTU), "set-mtu");
	cr_assert_str_eq(session_action_name((enum session_action_type)99),
	    "unknown");
}

/* gatewayd's session: role gateway with a universal (NIC) MAC. */
Test(session, gateway_role)
{
	struct session_conf	 conf;
	const struct session_action *a;
	char			 err[256];
	uint64_t		 now = 0;

	conf_default(&conf);
	conf.role = (enum wiremsg_role)7;
	cr_assert_eq(session_init(&S, &conf, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "session: role 7 is neither client nor "
	    "gateway");

	conf_default(&conf);
	cr_assert_eq(conf.role, WIREMSG_ROLE_CLIENT);
	conf.role = WIREMSG_ROLE_GATEWAY;
	cr_assert_eq(ether_mac_parse("00:1b:21:0a:0b:0d", &conf.mac), 0);
	setup_conf(&conf);

	ev(SESSION_EV_START, now, 0);
	ev_up(now, 1200);
	a = act(1, SESSION_ACT_SEND_HELLO);
	cr_assert_eq(a->msg->u.hello.role, WIREMSG_ROLE_GATEWAY);
	cr_assert_str_eq(ether_mac_str(&a->msg->u.hello.mac),
	    "00:1b:21:0a:0b:0d");

	/* Our previous connection may still hold the gateway slot. */
	msg_reject(WIREMSG_CODE_GATEWAY_EXISTS, "");
	ev_msg(now, 0);
	cr_assert_eq(S.state, SESSION_RETRYING);
	cr_assert_str_eq(S.last_error, "rejected (gateway-exists): room "
	    ROOM " already has a gateway");

	/* A welcome asks for no MTU change: there is no TAP. */
	now = deadline();
	ev(SESSION_EV_TIMER, now, 0);
	ev_up(now, 1200);
	memset(&M, 0, sizeof(M));
	M.type = WIREMSG_WELCOME;
	M.u.welcome.peer_id = 7;
	M.u.welcome.room_mtu = 1400;
	M.u.welcome.npeers = 1;
	peer(&M.u.welcome.peers[0], 3, WIREMSG_ROLE_CLIENT, CL3);
	ev_msg(now, 0);
	cr_assert_eq(S.state, SESSION_CONNECTED);
	cr_assert_eq(count(SESSION_ACT_SET_MTU), 0);
	cr_assert_eq(S.room_mtu, 1400);

	/* gateway-exists for ever: fatal once the grace has passed. */
	ev_reason(SESSION_EV_TRANSPORT_DOWN, now, 0, "lost");
	for (;;) {
		now = deadline();
		ev(SESSION_EV_TIMER, now, 0);
		ev_up(now, 1200);
		msg_reject(WIREMSG_CODE_GATEWAY_EXISTS, "");
		ev_msg(now, 0);
		if (S.state != SESSION_RETRYING)
			break;
	}
	cr_assert_eq(S.state, SESSION_STOPPED);
	cr_assert_eq(act(A.n - 1, SESSION_ACT_EXIT)->status, 1);

	/* bad-role names the role we asked for. */
	session_clear(&S);
	setup_conf(&conf);
	ev(SESSION_EV_START, 0, 0);
	ev_up(0, 1200);
	msg_reject(WIREMSG_CODE_BAD_ROLE, "");
	ev_msg(0, 0);
	cr_assert_str_eq(S.last_error, "rejected (bad-role): the relay "
	    "refused the gateway role");
	teardown();
}
