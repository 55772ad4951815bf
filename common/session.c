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
 * The client session state machine; see session.h.  Portable C99 only
 * (the Windows client builds this file too): no POSIX calls, no libbsd.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "ether.h"
#include "session.h"
#include "wiremsg.h"

#define SOFTWARE_DEFAULT	"softlan-clientd"

static void	 wipe(void *, size_t);
static int	 copystr(char *, const char *, size_t);
static struct session_action *act_push(struct session_actions *,
		    enum session_action_type);
static void	 act_log(struct session_actions *, enum session_log_level,
		    const char *, ...)
		    __printflike(3, 4);
static void	 act_close(struct session_actions *, const char *);
static void	 set_error(struct session *, const char *, ...)
		    __printflike(2, 3);
static void	 arm(struct session *, uint64_t, uint64_t);
static void	 forget_connection(struct session *);
static void	 start_connect(struct session *, uint64_t,
		    struct session_actions *);
static void	 retry(struct session *, const struct session_event *, int,
		    struct session_actions *);
static void	 stop_fatal(struct session *, int, struct session_actions *);
static void	 proto_error(struct session *, const struct session_event *,
		    const char *, struct session_actions *);
static void	 on_transport_up(struct session *,
		    const struct session_event *, struct session_actions *);
static void	 on_welcome(struct session *, const struct session_event *,
		    const struct wiremsg_welcome *, struct session_actions *);
static void	 on_reject(struct session *, const struct session_event *,
		    const struct wiremsg_reject *, struct session_actions *);
static void	 on_peer_joined(struct session *, const struct wiremsg_peer *,
		    struct session_actions *);
static void	 on_peer_left(struct session *, const struct wiremsg_peer *,
		    struct session_actions *);
static void	 on_msg(struct session *, const struct session_event *,
		    struct session_actions *);
static void	 on_timer(struct session *, const struct session_event *,
		    struct session_actions *);
static void	 on_stop(struct session *, const struct session_event *,
		    struct session_actions *);
static const char *reason_or(const char *, const char *);

/* Stable: softlanctl prints these. */
static const char *const state_names[SESSION_STATE_MAX] = {
	[SESSION_DISCONNECTED] =	"disconnected",
	[SESSION_CONNECTING] =		"connecting",
	[SESSION_HELLO_SENT] =		"hello-sent",
	[SESSION_CONNECTED] =		"connected",
	[SESSION_RETRYING] =		"retrying",
	[SESSION_STOPPED] =		"stopped",
};

static const char *const action_names[] = {
	[SESSION_ACT_LOG] =		"log",
	[SESSION_ACT_CONNECT] =		"connect",
	[SESSION_ACT_SEND_HELLO] =	"send-hello",
	[SESSION_ACT_SET_MTU] =		"set-mtu",
	[SESSION_ACT_SEND_STATS] =	"send-stats",
	[SESSION_ACT_CLOSE] =		"close",
	[SESSION_ACT_EXIT] =		"exit",
};

/* explicit_bzero is not C99: a store the compiler cannot drop. */
static void
wipe(void *p, size_t len)
{
	volatile unsigned char	*vp = p;

	while (len-- > 0)
		*vp++ = 0;
}

/* strlcpy semantics without libbsd; returns -1 on truncation. */
static int
copystr(char *dst, const char *src, size_t size)
{
	size_t	 len;

	len = strlen(src);
	if (len >= size) {
		if (size > 0) {
			memcpy(dst, src, size - 1);
			dst[size - 1] = '\0';
		}
		return (-1);
	}
	memcpy(dst, src, len + 1);
	return (0);
}

static const char *
reason_or(const char *reason, const char *dflt)
{
	if (reason == NULL || reason[0] == '\0')
		return (dflt);
	return (reason);
}

const char *
session_state_name(enum session_state state)
{
	if ((unsigned int)state >= SESSION_STATE_MAX)
		return ("unknown");
	return (state_names[state]);
}

const char *
session_action_name(enum session_action_type type)
{
	if ((unsigned int)type >= nitems(action_names) ||
	    action_names[type] == NULL)
		return ("unknown");
	return (action_names[type]);
}

void
session_conf_init(struct session_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	(void)copystr(conf->software, SOFTWARE_DEFAULT,
	    sizeof(conf->software));
	conf->role = WIREMSG_ROLE_CLIENT;
	conf->connect_timeout = SESSION_CONNECT_TIMEOUT;
	conf->hello_timeout = SESSION_HELLO_TIMEOUT;
	conf->dupmac_grace = SESSION_DUPMAC_GRACE;
}

/*
 * Set up s from conf and build the hello.  Returns 0, or -1 with a
 * message naming the bad setting in err.
 */
int
session_init(struct session *s, const struct session_conf *conf,
    char *err, size_t errlen)
{
	struct wiremsg_error	 cerr;
	struct wiremsg_hello	*h;

	memset(s, 0, sizeof(*s));
	if (memchr(conf->room, '\0', sizeof(conf->room)) == NULL ||
	    memchr(conf->secret, '\0', sizeof(conf->secret)) == NULL ||
	    memchr(conf->software, '\0', sizeof(conf->software)) == NULL) {
		(void)snprintf(err, errlen,
		    "session: a configuration string is not terminated");
		return (-1);
	}
	if (conf->tap_mtu != 0 && (conf->tap_mtu < WIREMSG_MTU_MIN ||
	    conf->tap_mtu > WIREMSG_MTU_MAX)) {
		(void)snprintf(err, errlen, "session: TAP MTU %lu out of "
		    "range %d-%d", (unsigned long)conf->tap_mtu,
		    WIREMSG_MTU_MIN, WIREMSG_MTU_MAX);
		return (-1);
	}
	if (conf->role != WIREMSG_ROLE_CLIENT &&
	    conf->role != WIREMSG_ROLE_GATEWAY) {
		(void)snprintf(err, errlen, "session: role %d is neither "
		    "client nor gateway", (int)conf->role);
		return (-1);
	}
	memcpy(&s->conf, conf, sizeof(s->conf));

	s->hello.type = WIREMSG_HELLO;
	h = &s->hello.u.hello;
	h->proto = WIREMSG_PROTO;
	h->role = conf->role;
	h->mac = conf->mac;
	/* The real budget comes with the connection. */
	h->datagram_budget = WIREMSG_BUDGET_MAX;
	(void)copystr(h->room, conf->room, sizeof(h->room));
	(void)copystr(h->secret, conf->secret, sizeof(h->secret));
	(void)copystr(h->software, conf->software, sizeof(h->software));
	if (wiremsg_validate(&s->hello, &cerr) == -1) {
		(void)snprintf(err, errlen, "session: %s", cerr.msg);
		session_clear(s);
		return (-1);
	}

	s->state = SESSION_DISCONNECTED;
	s->tap_mtu = conf->tap_mtu;
	return (0);
}

/* Forget everything, the secret first. */
void
session_clear(struct session *s)
{
	wipe(s->conf.secret, sizeof(s->conf.secret));
	wipe(s->hello.u.hello.secret, sizeof(s->hello.u.hello.secret));
	memset(s, 0, sizeof(*s));
}

/*
 * The wait before the next attempt after attempt consecutive failures:
 * see session.h.
 */
uint64_t
session_backoff(uint32_t attempt, uint32_t rnd)
{
	uint64_t	 base;

	if (attempt >= 16)
		base = SESSION_BACKOFF_MAX;
	else
		base = MINIMUM((uint64_t)SESSION_BACKOFF_MIN << attempt,
		    (uint64_t)SESSION_BACKOFF_MAX);
	return (MINIMUM(base - base / 4 + (base / 2) * rnd / UINT32_MAX,
	    (uint64_t)SESSION_BACKOFF_MAX));
}

int
session_next_timer(const struct session *s, uint64_t *when)
{
	if (!s->timer)
		return (0);
	*when = s->deadline;
	return (1);
}

/* The parent could not set the TAP MTU: ask again at the next welcome. */
void
session_tap_mtu_failed(struct session *s)
{
	s->tap_mtu = 0;
}

static struct session_action *
act_push(struct session_actions *acts, enum session_action_type type)
{
	struct session_action	*a;

	/* Sized for the longest sequence an event produces. */
	if (acts->n >= nitems(acts->a))
		return (NULL);
	a = &acts->a[acts->n++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	return (a);
}

static void
act_log(struct session_actions *acts, enum session_log_level level,
    const char *fmt, ...)
{
	struct session_action	*a;
	va_list			 ap;

	if ((a = act_push(acts, SESSION_ACT_LOG)) == NULL)
		return;
	a->level = level;
	va_start(ap, fmt);
	(void)vsnprintf(a->text, sizeof(a->text), fmt, ap);
	va_end(ap);
}

static void
act_close(struct session_actions *acts, const char *why)
{
	struct session_action	*a;

	if ((a = act_push(acts, SESSION_ACT_CLOSE)) == NULL)
		return;
	(void)copystr(a->text, why, sizeof(a->text));
}

static void
set_error(struct session *s, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(s->last_error, sizeof(s->last_error), fmt, ap);
	va_end(ap);
}

/* Arm the timer at now + after, or disarm it when after is 0. */
static void
arm(struct session *s, uint64_t now, uint64_t after)
{
	s->timer = after != 0;
	s->deadline = after != 0 ? now + after : 0;
}

static void
forget_connection(struct session *s)
{
	s->peer_id = 0;
	s->room_mtu = 0;
	s->budget = 0;
	s->npeers = 0;
	s->hello.u.hello.datagram_budget = WIREMSG_BUDGET_MAX;
}

static void
start_connect(struct session *s, uint64_t now, struct session_actions *acts)
{
	s->state = SESSION_CONNECTING;
	s->counters.connects++;
	arm(s, now, s->conf.connect_timeout);
	act_log(acts, SESSION_LOG_INFO, "connecting to the relay for room %s "
	    "(attempt %lu)", s->conf.room, (unsigned long)(s->attempt + 1));
	(void)act_push(acts, SESSION_ACT_CONNECT);
}

/*
 * The current connection failed, with s->last_error set: log it, close
 * the connection if the caller still has one, and wait for the next
 * attempt.
 */
static void
retry(struct session *s, const struct session_event *ev, int close,
    struct session_actions *acts)
{
	uint64_t	 wait;

	if (s->state == SESSION_CONNECTED) {
		s->counters.disconnects++;
		if (ev->now >= s->connected_at &&
		    ev->now - s->connected_at >= SESSION_STABLE_MS)
			s->attempt = 0;
	} else
		s->counters.failures++;

	act_log(acts, SESSION_LOG_WARN, "%s", s->last_error);
	if (close)
		act_close(acts, s->last_error);
	forget_connection(s);

	wait = session_backoff(s->attempt, ev->rnd);
	if (s->attempt < UINT32_MAX)
		s->attempt++;
	s->state = SESSION_RETRYING;
	arm(s, ev->now, wait);
	act_log(acts, SESSION_LOG_INFO, "retrying in %lu.%01lu s",
	    (unsigned long)(wait / 1000), (unsigned long)(wait % 1000 / 100));
}

/* A retry cannot fix s->last_error: close and exit with status 1. */
static void
stop_fatal(struct session *s, int close, struct session_actions *acts)
{
	struct session_action	*a;

	s->counters.failures++;
	act_log(acts, SESSION_LOG_WARN, "%s", s->last_error);
	if (close)
		act_close(acts, s->last_error);
	forget_connection(s);
	s->state = SESSION_STOPPED;
	arm(s, 0, 0);
	act_log(acts, SESSION_LOG_WARN, "a retry cannot fix this: exiting");
	if ((a = act_push(acts, SESSION_ACT_EXIT)) != NULL)
		a->status = 1;
}

static void
proto_error(struct session *s, const struct session_event *ev,
    const char *what, struct session_actions *acts)
{
	s->counters.proto_errors++;
	set_error(s, "protocol error: %s", what);
	retry(s, ev, 1, acts);
}

static void
on_transport_up(struct session *s, const struct session_event *ev,
    struct session_actions *acts)
{
	struct session_action	*a;

	if (s->state != SESSION_CONNECTING) {
		act_log(acts, SESSION_LOG_DEBUG, "transport up ignored in "
		    "state %s", session_state_name(s->state));
		return;
	}
	if (ev->budget < WIREMSG_BUDGET_MIN) {
		set_error(s, "the connection to the relay has no room for "
		    "datagrams (budget 0)");
		retry(s, ev, 1, acts);
		return;
	}
	s->budget = MINIMUM(ev->budget, (uint32_t)WIREMSG_BUDGET_MAX);
	s->hello.u.hello.datagram_budget = s->budget;
	s->state = SESSION_HELLO_SENT;
	arm(s, ev->now, s->conf.hello_timeout);
	act_log(acts, SESSION_LOG_DEBUG, "connected to the relay, sending "
	    "hello for room %s as %s (budget %lu)", s->conf.room,
	    ether_mac_str(&s->conf.mac), (unsigned long)s->budget);
	if ((a = act_push(acts, SESSION_ACT_SEND_HELLO)) != NULL)
		a->msg = &s->hello;
}

static void
on_welcome(struct session *s, const struct session_event *ev,
    const struct wiremsg_welcome *w, struct session_actions *acts)
{
	struct session_action	*a;

	/* The decoder checked these; the core does not rely on it. */
	if (w->room_mtu < WIREMSG_MTU_MIN || w->room_mtu > WIREMSG_MTU_MAX ||
	    w->npeers > nitems(s->peers)) {
		proto_error(s, ev, "welcome: field \"room_mtu\" or \"peers\" "
		    "out of range", acts);
		return;
	}
	s->state = SESSION_CONNECTED;
	s->counters.welcomes++;
	s->connected_at = ev->now;
	arm(s, 0, 0);
	s->dupmac_streak = 0;
	s->peer_id = w->peer_id;
	s->room_mtu = w->room_mtu;
	s->npeers = w->npeers;
	memcpy(s->peers, w->peers, w->npeers * sizeof(s->peers[0]));
	act_log(acts, SESSION_LOG_INFO, "connected to room %s as peer %lu "
	    "(MAC %s), room MTU %lu, %zu other member%s", s->conf.room,
	    (unsigned long)s->peer_id, ether_mac_str(&s->conf.mac),
	    (unsigned long)s->room_mtu, s->npeers, s->npeers == 1 ? "" : "s");
	if (s->conf.role == WIREMSG_ROLE_CLIENT && s->room_mtu != s->tap_mtu) {
		if ((a = act_push(acts, SESSION_ACT_SET_MTU)) != NULL)
			a->mtu = s->room_mtu;
		s->tap_mtu = s->room_mtu;
	}
}

static void
on_reject(struct session *s, const struct session_event *ev,
    const struct wiremsg_reject *r, struct session_actions *acts)
{
	const char	*room = s->conf.room;
	const char	*mac = ether_mac_str(&s->conf.mac);
	char		 msg[SESSION_TEXTMAX];
	int		 fatal = 1;

	if ((unsigned int)r->code < SESSION_CODE_MAX)
		s->counters.rejects[r->code]++;
	else
		s->counters.rejects[WIREMSG_CODE_NONE]++;

	switch (r->code) {
	case WIREMSG_CODE_VERSION:
		(void)snprintf(msg, sizeof(msg), "the relay does not speak "
		    "protocol version %d", WIREMSG_PROTO);
		break;
	case WIREMSG_CODE_BAD_ROOM:
		(void)snprintf(msg, sizeof(msg), "the relay refused the room "
		    "code %s", room);
		break;
	case WIREMSG_CODE_BAD_MAC:
		(void)snprintf(msg, sizeof(msg), "the relay refused MAC %s",
		    mac);
		break;
	case WIREMSG_CODE_BAD_ROLE:
		(void)snprintf(msg, sizeof(msg), "the relay refused the "
		    "%s role", wiremsg_role_name(s->conf.role));
		break;
	case WIREMSG_CODE_UNAUTHORIZED:
		(void)snprintf(msg, sizeof(msg), "wrong or missing secret "
		    "for room %s", room);
		break;
	case WIREMSG_CODE_DUPLICATE_MAC:
		(void)snprintf(msg, sizeof(msg), "the relay says MAC %s is "
		    "already in room %s", mac, room);
		if (!s->dupmac_streak) {
			s->dupmac_streak = 1;
			s->dupmac_since = ev->now;
		}
		/* Perhaps our own previous connection, not yet timed out. */
		if (s->conf.dupmac_grace != 0 &&
		    ev->now - s->dupmac_since < s->conf.dupmac_grace)
			fatal = 0;
		break;
	case WIREMSG_CODE_GATEWAY_EXISTS:
		if (s->conf.role == WIREMSG_ROLE_CLIENT) {
			(void)snprintf(msg, sizeof(msg), "the relay says room "
			    "%s already has a gateway, but this is a client",
			    room);
			break;
		}
		(void)snprintf(msg, sizeof(msg), "room %s already has a "
		    "gateway", room);
		if (!s->dupmac_streak) {
			s->dupmac_streak = 1;
			s->dupmac_since = ev->now;
		}
		/* Perhaps our own previous connection, not yet timed out. */
		if (s->conf.dupmac_grace != 0 &&
		    ev->now - s->dupmac_since < s->conf.dupmac_grace)
			fatal = 0;
		break;
	case WIREMSG_CODE_ROOM_FULL:
		(void)snprintf(msg, sizeof(msg), "room %s is full", room);
		fatal = 0;
		break;
	case WIREMSG_CODE_RELAY_FULL:
		(void)snprintf(msg, sizeof(msg), "the relay is full");
		fatal = 0;
		break;
	default:
		(void)snprintf(msg, sizeof(msg), "unknown reject code %d",
		    (int)r->code);
		fatal = 0;
		break;
	}
	if (r->reason[0] != '\0')
		set_error(s, "rejected (%s): %s (relay: %s)",
		    wiremsg_code_name(r->code) != NULL ?
		    wiremsg_code_name(r->code) : "unknown", msg, r->reason);
	else
		set_error(s, "rejected (%s): %s",
		    wiremsg_code_name(r->code) != NULL ?
		    wiremsg_code_name(r->code) : "unknown", msg);

	if (fatal)
		stop_fatal(s, 1, acts);
	else
		retry(s, ev, 1, acts);
}

static void
on_peer_joined(struct session *s, const struct wiremsg_peer *p,
    struct session_actions *acts)
{
	const char	*role = wiremsg_role_name(p->role);
	size_t		 i;

	if (role == NULL)
		role = "unknown";
	if (p->peer_id == s->peer_id) {
		s->counters.peer_errors++;
		act_log(acts, SESSION_LOG_WARN, "peer-joined names our own "
		    "peer id %lu: ignored", (unsigned long)p->peer_id);
		return;
	}
	for (i = 0; i < s->npeers; i++) {
		if (s->peers[i].peer_id != p->peer_id)
			continue;
		s->counters.peer_errors++;
		act_log(acts, SESSION_LOG_WARN, "peer-joined for peer %lu, "
		    "already a member: now %s %s", (unsigned long)p->peer_id,
		    role, ether_mac_str(&p->mac));
		s->peers[i] = *p;
		return;
	}
	if (s->npeers >= nitems(s->peers)) {
		s->counters.peer_errors++;
		act_log(acts, SESSION_LOG_WARN, "peer-joined for peer %lu: "
		    "more than %zu members, not listed",
		    (unsigned long)p->peer_id, nitems(s->peers));
		return;
	}
	s->peers[s->npeers++] = *p;
	act_log(acts, SESSION_LOG_INFO, "peer %lu joined room %s (%s %s)",
	    (unsigned long)p->peer_id, s->conf.room, role,
	    ether_mac_str(&p->mac));
}

static void
on_peer_left(struct session *s, const struct wiremsg_peer *p,
    struct session_actions *acts)
{
	const char	*role = wiremsg_role_name(p->role);
	size_t		 i;

	if (role == NULL)
		role = "unknown";
	for (i = 0; i < s->npeers; i++)
		if (s->peers[i].peer_id == p->peer_id)
			break;
	if (i == s->npeers) {
		s->counters.peer_errors++;
		act_log(acts, SESSION_LOG_WARN, "peer-left for peer %lu, "
		    "not a member: ignored", (unsigned long)p->peer_id);
		return;
	}
	memmove(&s->peers[i], &s->peers[i + 1],
	    (s->npeers - i - 1) * sizeof(s->peers[0]));
	s->npeers--;
	act_log(acts, SESSION_LOG_INFO, "peer %lu left room %s (%s %s)",
	    (unsigned long)p->peer_id, s->conf.room, role,
	    ether_mac_str(&p->mac));
}

static void
on_msg(struct session *s, const struct session_event *ev,
    struct session_actions *acts)
{
	const struct wiremsg	*m = ev->msg;
	char			 what[SESSION_TEXTMAX];

	if (m == NULL)
		return;
	if (s->state != SESSION_HELLO_SENT && s->state != SESSION_CONNECTED) {
		/* Left over from a connection already closed. */
		act_log(acts, SESSION_LOG_DEBUG, "%s ignored in state %s",
		    wiremsg_type_name(m->type) != NULL ?
		    wiremsg_type_name(m->type) : "message",
		    session_state_name(s->state));
		return;
	}

	if (m->type == WIREMSG_DISCONNECT) {
		set_error(s, "the relay closed the connection%s: %s",
		    s->state == SESSION_HELLO_SENT ? " before welcome" : "",
		    reason_or(m->u.disconnect.reason, "no reason given"));
		retry(s, ev, 1, acts);
		return;
	}
	if (s->state == SESSION_HELLO_SENT) {
		switch (m->type) {
		case WIREMSG_WELCOME:
			on_welcome(s, ev, &m->u.welcome, acts);
			return;
		case WIREMSG_REJECT:
			on_reject(s, ev, &m->u.reject, acts);
			return;
		default:
			break;
		}
	} else {
		switch (m->type) {
		case WIREMSG_PEER_JOINED:
			on_peer_joined(s, &m->u.peer, acts);
			return;
		case WIREMSG_PEER_LEFT:
			on_peer_left(s, &m->u.peer, acts);
			return;
		case WIREMSG_STATS:
			if (m->u.stats.reply)
				act_log(acts, SESSION_LOG_DEBUG, "stats reply "
				    "from the relay: %zu counters",
				    m->u.stats.ncounters);
			else
				(void)act_push(acts, SESSION_ACT_SEND_STATS);
			return;
		default:
			break;
		}
	}
	(void)snprintf(what, sizeof(what), "unexpected %s from the relay "
	    "%s", wiremsg_type_name(m->type) != NULL ?
	    wiremsg_type_name(m->type) : "message",
	    s->state == SESSION_HELLO_SENT ? "before welcome" :
	    "after welcome");
	proto_error(s, ev, what, acts);
}

static void
on_timer(struct session *s, const struct session_event *ev,
    struct session_actions *acts)
{
	if (!s->timer || ev->now < s->deadline)
		return;
	switch (s->state) {
	case SESSION_RETRYING:
		start_connect(s, ev->now, acts);
		break;
	case SESSION_CONNECTING:
		s->counters.timeouts++;
		set_error(s, "no connection to the relay after %lu s",
		    (unsigned long)(s->conf.connect_timeout / 1000));
		retry(s, ev, 1, acts);
		break;
	case SESSION_HELLO_SENT:
		s->counters.timeouts++;
		set_error(s, "no answer to hello from the relay after %lu s",
		    (unsigned long)(s->conf.hello_timeout / 1000));
		retry(s, ev, 1, acts);
		break;
	default:
		arm(s, 0, 0);
		break;
	}
}

static void
on_stop(struct session *s, const struct session_event *ev,
    struct session_actions *acts)
{
	const char	*why = reason_or(ev->reason, "shutting down");

	if (s->state == SESSION_STOPPED || s->state == SESSION_DISCONNECTED)
		return;
	if (s->state != SESSION_RETRYING)
		act_close(acts, why);
	forget_connection(s);
	s->state = SESSION_DISCONNECTED;
	s->attempt = 0;
	arm(s, 0, 0);
	act_log(acts, SESSION_LOG_INFO, "session stopped: %s", why);
}

/*
 * Feed one event; acts receives the actions to perform, in order.
 */
void
session_event(struct session *s, const struct session_event *ev,
    struct session_actions *acts)
{
	acts->n = 0;
	if (s->state == SESSION_STOPPED)
		return;

	switch (ev->type) {
	case SESSION_EV_START:
		if (s->state != SESSION_DISCONNECTED) {
			act_log(acts, SESSION_LOG_DEBUG, "start ignored in "
			    "state %s", session_state_name(s->state));
			break;
		}
		s->attempt = 0;
		start_connect(s, ev->now, acts);
		break;
	case SESSION_EV_TRANSPORT_UP:
		on_transport_up(s, ev, acts);
		break;
	case SESSION_EV_MSG:
		on_msg(s, ev, acts);
		break;
	case SESSION_EV_TRANSPORT_DOWN:
		switch (s->state) {
		case SESSION_CONNECTING:
			set_error(s, "cannot connect to the relay: %s",
			    reason_or(ev->reason, "no reason given"));
			break;
		case SESSION_HELLO_SENT:
		case SESSION_CONNECTED:
			set_error(s, "connection to the relay lost: %s",
			    reason_or(ev->reason, "no reason given"));
			break;
		default:
			return;
		}
		retry(s, ev, 0, acts);
		break;
	case SESSION_EV_PROTO_ERROR:
		if (s->state != SESSION_CONNECTING &&
		    s->state != SESSION_HELLO_SENT &&
		    s->state != SESSION_CONNECTED)
			break;
		proto_error(s, ev, reason_or(ev->reason, "unknown"), acts);
		break;
	case SESSION_EV_TIMER:
		on_timer(s, ev, acts);
		break;
	case SESSION_EV_STOP:
		on_stop(s, ev, acts);
		break;
	}
}

void
session_status(const struct session *s, uint64_t now,
    struct session_status *st)
{
	memset(st, 0, sizeof(*st));
	st->state = session_state_name(s->state);
	st->room = s->conf.room;
	st->last_error = s->last_error;
	st->counters = &s->counters;
	st->peers = s->peers;
	if (s->state == SESSION_CONNECTED) {
		st->peer_id = s->peer_id;
		st->room_mtu = s->room_mtu;
		st->npeers = s->npeers;
		st->connected_ms = now > s->connected_at ?
		    now - s->connected_at : 0;
	}
	if (s->state == SESSION_RETRYING && s->timer && s->deadline > now)
		st->retry_in_ms = s->deadline - now;
}

/*
 * One human line for the status: what the session does now.  Returns 0,
 * or -1 if buf was too small (it then holds a truncated line).
 */
int
session_status_line(const struct session *s, uint64_t now, char *buf,
    size_t len)
{
	struct session_status	 st;
	int			 n;

	session_status(s, now, &st);
	switch (s->state) {
	case SESSION_CONNECTED:
		n = snprintf(buf, len, "connected to room %s as peer %lu, "
		    "room MTU %lu, %zu other member%s", st.room,
		    (unsigned long)st.peer_id, (unsigned long)st.room_mtu,
		    st.npeers, st.npeers == 1 ? "" : "s");
		break;
	case SESSION_RETRYING:
		n = snprintf(buf, len, "retrying in %lu s (%s)",
		    (unsigned long)((st.retry_in_ms + 999) / 1000),
		    st.last_error);
		break;
	case SESSION_STOPPED:
		n = snprintf(buf, len, "stopped: %s", st.last_error);
		break;
	case SESSION_CONNECTING:
		n = snprintf(buf, len, "connecting to the relay for room %s",
		    st.room);
		break;
	case SESSION_HELLO_SENT:
		n = snprintf(buf, len, "waiting for the relay to admit us to "
		    "room %s", st.room);
		break;
	default:
		n = snprintf(buf, len, "disconnected");
		break;
	}
	if (n < 0 || (size_t)n >= len)
		return (-1);
	return (0);
}
