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

#ifndef SOFTLAN_SESSION_H
#define SOFTLAN_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "ether.h"
#include "wiremsg.h"

/*
 * The session of any peer with the relay (DESIGN.md sections 4 and 7):
 * connect, hello, welcome, the room's member list, reconnects.  Shared
 * by gatewayd, the Linux client and the Windows client, so it is plain
 * C99: no sockets, no clock, no random source, no file or log I/O.
 * The caller feeds it events (each with the current time in
 * milliseconds and 32 random bits) and performs the actions it returns,
 * in order.
 *
 *	DISCONNECTED --start--> CONNECTING --transport up--> HELLO_SENT
 *	HELLO_SENT --welcome--> CONNECTED
 *	HELLO_SENT --reject (retry can fix it)--> RETRYING
 *	HELLO_SENT --reject (fatal)--> STOPPED (exit status 1)
 *	CONNECTING, HELLO_SENT, CONNECTED --transport down, disconnect,
 *	    protocol error, timeout--> RETRYING
 *	RETRYING --timer--> CONNECTING
 *	any --stop--> DISCONNECTED (STOPPED stays STOPPED)
 *
 * Timers: session_next_timer() says whether a deadline is armed and
 * gives it; the caller arms one timer for it (again after every event)
 * and sends SESSION_EV_TIMER when it passes.  CONNECTING has
 * conf.connect_timeout (the QUIC handshake normally fails first, 10 s),
 * HELLO_SENT has conf.hello_timeout for the relay's answer, RETRYING
 * has the backoff.  A timer event before the deadline does nothing.
 *
 * Backoff: the n-th consecutive failed attempt (n = 0, 1, ...) waits
 * base = MIN(1 s << n, 30 s), jittered by +-25 %: the wait is
 * base * 3/4 + (base / 2) * rnd / UINT32_MAX, so rnd = 0 gives the lower
 * bound, UINT32_MAX the upper one, and 50 clients that lose the relay
 * at once spread their reconnects over a window half as wide as the
 * base.  No wait is longer than 30 s (SESSION_BACKOFF_MAX): at the cap
 * the jitter spreads reconnects over 22.5-30 s.
 *
 * Backoff reset: the attempt count goes back to zero when a connection
 * that reached CONNECTED ends after staying up at least
 * SESSION_STABLE_MS (30 s), not at welcome: a relay that welcomes and
 * then drops us at once (a crash loop, a misbehaving room) must not
 * be hammered every second.
 *
 * Rejects: "version", "bad-room", "bad-mac", "bad-role" and
 * "unauthorized" are fatal: a retry sends the same hello and gets the
 * same answer, so the session logs why, closes the transport and asks
 * the caller to exit with status 1.  "gateway-exists" is fatal too: a
 * client never claims the gateway role, so the relay and the client
 * disagree about the protocol.  "room-full" and "relay-full" retry with
 * the backoff.  "duplicate-mac" retries for conf.dupmac_grace ms (120 s
 * by default: the relay's idle timeout of 90 s plus margin) counted from
 * the first duplicate-mac of a streak, then is fatal: the MAC may still
 * belong to our own previous connection, which the relay keeps until it
 * times out (clientd restarted, or our address changed without QUIC
 * migration).  Every reject message names the reason, and the room or
 * the MAC where they matter.
 *
 * Protocol errors: a message the state does not allow (a second
 * welcome, a reject after welcome, peer-joined before welcome, a hello
 * from the relay) closes the connection and retries; the caller reports
 * a stream it could not decode with SESSION_EV_PROTO_ERROR.  Membership
 * inconsistencies (peer-joined for a known id or for our own id,
 * peer-left for an unknown id) are logged and counted, the connection
 * stays up.
 *
 * Transport: after a SESSION_ACT_CLOSE (or SESSION_ACT_EXIT) the
 * session considers the connection gone; a transport-down event for it
 * that arrives later is ignored.  SESSION_ACT_CONNECT asks for a new
 * connection; the caller answers with SESSION_EV_TRANSPORT_UP or _DOWN.
 *
 * Role: conf.role is client (the default) or gateway (gatewayd, with its
 * NIC's MAC).  A gateway never gets SESSION_ACT_SET_MTU, and for it
 * "gateway-exists" retries like "duplicate-mac" (within dupmac_grace):
 * the room's gateway may be our own previous connection.
 *
 * The TAP MTU, an action of clients only (a gateway has no TAP):
 * SESSION_ACT_SET_MTU is emitted at welcome when the room
 * MTU differs from the last one set (or from conf.tap_mtu at first).
 * If the caller fails to set it, session_tap_mtu_failed() makes the
 * next welcome ask again.
 */

#define SESSION_BACKOFF_MIN	1000	/* ms */
#define SESSION_BACKOFF_MAX	30000	/* ms, cap of the base */
#define SESSION_STABLE_MS	30000	/* resets the backoff */
#define SESSION_CONNECT_TIMEOUT	15000	/* ms, default */
#define SESSION_HELLO_TIMEOUT	10000	/* ms, default */
#define SESSION_DUPMAC_GRACE	120000	/* ms, default */

#define SESSION_TEXTMAX		512	/* log lines and errors, with NUL */
#define SESSION_ACTIONS_MAX	8	/* actions one event can return */
#define SESSION_CODE_MAX	(WIREMSG_CODE_RELAY_FULL + 1)

enum session_state {
	SESSION_DISCONNECTED = 0,
	SESSION_CONNECTING,
	SESSION_HELLO_SENT,
	SESSION_CONNECTED,
	SESSION_RETRYING,
	SESSION_STOPPED,
	SESSION_STATE_MAX
};

enum session_event_type {
	SESSION_EV_START = 1,
	SESSION_EV_TRANSPORT_UP,	/* handshake done; budget */
	SESSION_EV_MSG,			/* a decoded control message */
	SESSION_EV_TRANSPORT_DOWN,	/* reason */
	SESSION_EV_PROTO_ERROR,		/* reason; caller cannot decode */
	SESSION_EV_TIMER,
	SESSION_EV_STOP			/* reason; shutting down */
};

struct session_event {
	enum session_event_type	 type;
	uint64_t		 now;		/* ms, monotonic */
	uint32_t		 rnd;		/* random bits for the jitter */
	uint32_t		 budget;	/* TRANSPORT_UP: frame budget */
	const struct wiremsg	*msg;		/* MSG */
	const char		*reason;	/* DOWN, PROTO_ERROR, STOP */
};

enum session_log_level {
	SESSION_LOG_WARN = 0,
	SESSION_LOG_INFO,
	SESSION_LOG_DEBUG
};

enum session_action_type {
	SESSION_ACT_LOG = 1,		/* level, text */
	SESSION_ACT_CONNECT,		/* open a new connection */
	SESSION_ACT_SEND_HELLO,		/* send msg on the control stream */
	SESSION_ACT_SET_MTU,		/* set the TAP MTU to mtu */
	SESSION_ACT_SEND_STATS,		/* answer a stats request */
	SESSION_ACT_CLOSE,		/* close the connection; text */
	SESSION_ACT_EXIT		/* exit with status */
};

struct session_action {
	enum session_action_type type;
	enum session_log_level	 level;		/* LOG */
	uint32_t		 mtu;		/* SET_MTU */
	int			 status;	/* EXIT */
	const struct wiremsg	*msg;		/* SEND_HELLO: in the session */
	char			 text[SESSION_TEXTMAX];	/* LOG, CLOSE */
};

struct session_actions {
	size_t			 n;
	struct session_action	 a[SESSION_ACTIONS_MAX];
};

struct session_conf {
	enum wiremsg_role	 role;		/* default: client */
	char			 room[WIREMSG_ROOM_MAX + 1];
	struct ether_mac	 mac;		/* the virtual or NIC MAC */
	char			 secret[WIREMSG_SECRET_MAX + 1]; /* "": none */
	char			 software[WIREMSG_SOFTWARE_MAX + 1];
	uint32_t		 tap_mtu;	/* at start, 0: unknown */
	uint64_t		 connect_timeout;	/* ms, 0: none */
	uint64_t		 hello_timeout;		/* ms, 0: none */
	uint64_t		 dupmac_grace;	/* ms, 0: duplicate-mac fatal */
};

struct session_counters {
	uint64_t		 connects;	/* connection attempts */
	uint64_t		 welcomes;	/* attempts that got welcome */
	uint64_t		 failures;	/* attempts without welcome */
	uint64_t		 disconnects;	/* lost after welcome */
	uint64_t		 timeouts;	/* connect or hello timeouts */
	uint64_t		 proto_errors;
	uint64_t		 peer_errors;	/* bad membership news */
	uint64_t		 rejects[SESSION_CODE_MAX];	/* by code */
};

struct session {
	struct session_conf	 conf;
	enum session_state	 state;
	struct wiremsg		 hello;		/* built at init */
	int			 timer;		/* deadline is armed */
	uint64_t		 deadline;	/* ms */
	uint32_t		 attempt;	/* consecutive failures */
	uint64_t		 connected_at;	/* ms, at welcome */
	uint64_t		 dupmac_since;	/* ms, first of a streak */
	int			 dupmac_streak;
	uint32_t		 peer_id;
	uint32_t		 room_mtu;	/* from welcome, 0: none yet */
	uint32_t		 tap_mtu;	/* last asked for, 0: unknown */
	uint32_t		 budget;
	size_t			 npeers;
	struct wiremsg_peer	 peers[WIREMSG_MAX_PEERS];	/* others */
	char			 last_error[SESSION_TEXTMAX];
	struct session_counters	 counters;
};

/* A snapshot for the control socket (softlanctl). */
struct session_status {
	const char		*state;		/* session_state_name() */
	const char		*room;
	uint32_t		 peer_id;	/* CONNECTED only, else 0 */
	uint32_t		 room_mtu;	/* CONNECTED only, else 0 */
	uint64_t		 connected_ms;	/* CONNECTED: time up */
	uint64_t		 retry_in_ms;	/* RETRYING: time left */
	const char		*last_error;	/* "" if none */
	size_t			 npeers;	/* CONNECTED only */
	const struct wiremsg_peer *peers;
	const struct session_counters *counters;
};

/* session.c */
void	 session_conf_init(struct session_conf *);
int	 session_init(struct session *, const struct session_conf *,
	    char *, size_t);
void	 session_clear(struct session *);
void	 session_event(struct session *, const struct session_event *,
	    struct session_actions *);
int	 session_next_timer(const struct session *, uint64_t *);
void	 session_tap_mtu_failed(struct session *);
void	 session_status(const struct session *, uint64_t,
	    struct session_status *);
int	 session_status_line(const struct session *, uint64_t, char *,
	    size_t);
uint64_t session_backoff(uint32_t, uint32_t);
const char *session_state_name(enum session_state);
const char *session_action_name(enum session_action_type);

#endif /* SOFTLAN_SESSION_H */
