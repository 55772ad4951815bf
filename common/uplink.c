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
 * The uplink: one QUIC client connection to the relay at a time, driven
 * by the session state machine of common/session.c.  See uplink.h.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "compat.h"
#include "egress.h"
#include "evloop.h"
#include "log.h"
#include "mtu.h"
#include "overlay.h"
#include "quic.h"
#include "uplink.h"
#ifndef _WIN32
#include "udpseg.h"
#endif
#include "wiremsg.h"

#define UPLINK_RX_ROUNDS	64	/* datagrams per read event */
#define UPLINK_TX_ROUNDS	1024	/* packets per flush */
#define UPLINK_RXBUF		65536	/* UDP GRO: up to 64 KiB at once */
#define UPLINK_RX_PKTS		256	/* packets per read event */
#define UPLINK_TXBUF		65000	/* a UDP GSO batch (UDPSEG_MAX_BYTES) */
#define UPLINK_GSO_SEGS		64	/* UDPSEG_MAX_SEGS */
#define UPLINK_ERR_CLOSE	0x0	/* application close code */
#define UPLINK_RELAYSTR		(256 + INET6_ADDRSTRLEN + 16)

struct uplink_counters {
	uint64_t		 frames_in;	/* delivered to the daemon */
	uint64_t		 drop_notconnected;
	uint64_t		 drop_early;	/* before welcome */
	uint64_t		 full;		/* UPLINK_FULL: held */
	uint64_t		 writable;	/* cb.writable calls */
	uint64_t		 udp_recv;
	uint64_t		 udp_sent;
	uint64_t		 udp_gso_sends;	/* sendmsg()s of several */
	uint64_t		 udp_gro_reads;	/* reads of several */
	uint64_t		 udp_gso_refused;	/* runs sent one by one */
	uint64_t		 udp_send_errors;
	uint64_t		 udp_recv_errors;
	uint64_t		 udp_foreign;	/* not from the relay */
	uint64_t		 udp_truncated;	/* over UPLINK_RXBUF */
	uint64_t		 ctl_errors;	/* bad control stream */
};

/* udp_recv() results besides a length. */
#define UDP_AGAIN		-1	/* nothing (more) to read */
#define UDP_REFUSED		-2	/* an ICMP port unreachable */
#define UDP_ERROR		-3	/* anything else: logged */
#define UDP_TRUNCATED		-4	/* over the buffer: dropped */

struct uplink {
	struct evloop		*base;
	EVLOOP_SOCKET		 fd;
	struct evloop_io	 ev_read;
	struct evloop_timer	 ev_conn;	/* QUIC, reassembly */
	struct evloop_timer	 ev_session;	/* session deadline */
	struct uplink_cb	 cb;
	void			*arg;

	struct quic_tls		*tls;
	char			 server_name[256];
	char			 relay_name[256];
	char			 relay_str[UPLINK_RELAYSTR];
	struct quic_path	 path;

	struct session		 s;
	struct quic_conn	*qc;
	struct quic_conn	*dead;		/* freed outside callbacks */
	struct quic_conn	*busy;		/* inside quic_conn_read */
	int64_t			 sid;
	int			 have_sid;
	int			 up;		/* TRANSPORT_UP given */
	int			 stopped;
	int			 want_room;	/* UPLINK_FULL given */
	struct wiremsg_reader	 reader;
	struct wiremsg		 msg;
	struct ovl_tx		 tx;
	struct ovl_reasm	 reasm;
	struct egress_stats	 eg;

	struct uplink_counters	 c;
	struct quic_stats	 qclosed;	/* of connections gone */

	int			 gso_off;	/* the kernel refused it */
	int			 gso_ok;	/* it worked once */
	uint8_t			 txbuf[UPLINK_TXBUF];	/* conn_flush() */
	uint8_t			 rxbuf[UPLINK_RXBUF];	/* ev_read_cb() */
};

static void	 relay_format(struct uplink *);
static void	 session_feed(struct uplink *, struct session_event *);
static void	 do_actions(struct uplink *, const struct session_actions *);
static void	 conn_open(struct uplink *);
static void	 conn_drop(struct uplink *, const char *);
static void	 conn_flush(struct uplink *, struct quic_conn *, uint64_t);
static void	 dead_free(struct uplink *);
static void	 conn_service(struct uplink *);
static int	 conn_room(struct uplink *);
static void	 send_hello(struct uplink *);
static void	 send_stats(struct uplink *);
static void	 ev_read_cb(void *);
static void	 ev_conn_cb(void *);
static void	 ev_session_cb(void *);
static int	 sock_error(void);
static const char *sock_strerror(int);
static void	 sock_close(EVLOOP_SOCKET);
static int	 sock_name(EVLOOP_SOCKET, struct sockaddr_storage *,
		    socklen_t *);
static int	 udp_send(struct uplink *, const uint8_t *, size_t);
static void	 udp_send_batch(struct uplink *, const uint8_t *, size_t,
		    size_t);
static ssize_t	 udp_recv(struct uplink *, uint8_t *, size_t, size_t *,
		    struct sockaddr_storage *, socklen_t *);
static void	 cb_handshake(struct quic_conn *, void *);
static void	 cb_stream(struct quic_conn *, int64_t, const uint8_t *,
		    size_t, int, void *);
static void	 cb_datagram(struct quic_conn *, const uint8_t *, size_t,
		    void *);

static const struct quic_cb uplink_quic_cb = {
	.handshake = cb_handshake,
	.stream = cb_stream,
	.datagram = cb_datagram,
};

static void
relay_format(struct uplink *u)
{
	const struct sockaddr_storage	*ss = &u->path.remote;
	char				 addr[INET6_ADDRSTRLEN];
	unsigned int			 port = 0;

	addr[0] = '\0';
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		(void)inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		(void)inet_ntop(AF_INET6, &sin6->sin6_addr, addr,
		    sizeof(addr));
		port = ntohs(sin6->sin6_port);
	}
	(void)snprintf(u->relay_str, sizeof(u->relay_str), "%s (%s port %u)",
	    u->relay_name, addr, port);
}

struct uplink *
uplink_new(struct evloop *base, EVLOOP_SOCKET fd,
    const struct uplink_conf *conf, const struct uplink_cb *cb, void *arg,
    char *err, size_t errlen)
{
	struct uplink	*u;
	socklen_t	 len;

	if (conf->relaylen == 0 ||
	    (size_t)conf->relaylen > sizeof(u->path.remote)) {
		(void)snprintf(err, errlen, "uplink: no relay address");
		return (NULL);
	}
	if ((u = calloc(1, sizeof(*u))) == NULL) {
		(void)snprintf(err, errlen, "uplink: %s", strerror(errno));
		return (NULL);
	}
	u->base = base;
	u->fd = fd;
	u->cb = *cb;
	u->arg = arg;
	u->sid = -1;
	if (strlcpy(u->server_name, conf->server_name,
	    sizeof(u->server_name)) >= sizeof(u->server_name) ||
	    strlcpy(u->relay_name, conf->relay_name,
	    sizeof(u->relay_name)) >= sizeof(u->relay_name)) {
		(void)snprintf(err, errlen, "uplink: relay name too long");
		goto fail;
	}
	if (session_init(&u->s, &conf->session, err, errlen) == -1)
		goto fail;
	if ((u->tls = quic_tls_client_new(conf->ca, conf->calen)) == NULL) {
		(void)snprintf(err, errlen, "uplink: the CA certificate is "
		    "not a usable PEM or DER certificate");
		goto fail;
	}
	memcpy(&u->path.remote, &conf->relay, conf->relaylen);
	u->path.remotelen = conf->relaylen;
	len = sizeof(u->path.local);
	if (sock_name(fd, &u->path.local, &len) == -1) {
		(void)snprintf(err, errlen, "uplink: getsockname: %s",
		    sock_strerror(sock_error()));
		goto fail;
	}
	u->path.locallen = len;
	relay_format(u);
	wiremsg_reader_init(&u->reader);
	ovl_tx_init(&u->tx, (uint16_t)arc4random());
	if (ovl_reasm_init(&u->reasm, 0, 0) == -1) {
		(void)snprintf(err, errlen, "uplink: reassembly table: %s",
		    strerror(errno));
		goto fail;
	}
	if (evloop_io_set(&u->ev_read, base, fd, ev_read_cb, u) == -1) {
		(void)snprintf(err, errlen, "uplink: event_set failed");
		ovl_reasm_free(&u->reasm);
		goto fail;
	}
	evloop_timer_set(&u->ev_conn, base, ev_conn_cb, u);
	evloop_timer_set(&u->ev_session, base, ev_session_cb, u);
	if (evloop_io_add(&u->ev_read) == -1) {
		(void)snprintf(err, errlen, "uplink: event_add failed");
		evloop_io_del(&u->ev_read);
		ovl_reasm_free(&u->reasm);
		goto fail;
	}
	return (u);
 fail:
	if (u->tls != NULL)
		quic_tls_free(u->tls);
	session_clear(&u->s);
	free(u);
	return (NULL);
}

void
uplink_free(struct uplink *u)
{
	if (u == NULL)
		return;
	u->busy = NULL;
	conn_drop(u, "shutdown");
	dead_free(u);
	evloop_io_del(&u->ev_read);
	evloop_timer_del(&u->ev_conn);
	evloop_timer_del(&u->ev_session);
	ovl_reasm_free(&u->reasm);
	quic_tls_free(u->tls);
	session_clear(&u->s);
	sock_close(u->fd);
	explicit_bzero(&u->msg, sizeof(u->msg));
	wiremsg_reader_clear(&u->reader);
	free(u);
}

void
uplink_start(struct uplink *u)
{
	struct session_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SESSION_EV_START;
	u->stopped = 0;
	session_feed(u, &ev);
	conn_service(u);
}

void
uplink_stop(struct uplink *u, const char *reason)
{
	struct session_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SESSION_EV_STOP;
	ev.reason = reason;
	session_feed(u, &ev);
	u->stopped = 1;
	conn_drop(u, reason);
	conn_service(u);
}

int
uplink_set_relay(struct uplink *u, const struct sockaddr *sa, socklen_t len)
{
	if (len == 0 || (size_t)len > sizeof(u->path.remote) ||
	    sa->sa_family != u->path.local.ss_family)
		return (-1);
	memcpy(&u->path.remote, sa, len);
	u->path.remotelen = len;
	relay_format(u);
	return (0);
}

enum session_state
uplink_state(const struct uplink *u)
{
	return (u->s.state);
}

uint32_t
uplink_room_mtu(const struct uplink *u)
{
	return (u->s.state == SESSION_CONNECTED ? u->s.room_mtu : 0);
}

/* Hand an event to the session, then do what it says. */
static void
session_feed(struct uplink *u, struct session_event *ev)
{
	struct session_actions	 acts;
	enum session_state	 old = u->s.state;
	uint64_t		 now, when, d;

	now = clock_ns() / 1000000;
	ev->now = now;
	ev->rnd = arc4random();
	memset(&acts, 0, sizeof(acts));
	session_event(&u->s, ev, &acts);
	do_actions(u, &acts);
	if (u->s.state != old && u->cb.state != NULL)
		u->cb.state(old, u->s.state, u->arg);
	evloop_timer_del(&u->ev_session);
	if (session_next_timer(&u->s, &when)) {
		d = when > now ? when - now : 0;
		if (d > UINT64_MAX / 1000000)
			d = UINT64_MAX / 1000000;
		evloop_timer_add(&u->ev_session, d * 1000000);
	}
}

static void
do_actions(struct uplink *u, const struct session_actions *acts)
{
	const struct session_action	*a;
	size_t				 i;

	for (i = 0; i < acts->n; i++) {
		a = &acts->a[i];
		switch (a->type) {
		case SESSION_ACT_LOG:
			if (a->level == SESSION_LOG_WARN)
				log_warnx("%s", a->text);
			else if (a->level == SESSION_LOG_INFO)
				log_info("%s", a->text);
			else
				log_debug("%s", a->text);
			break;
		case SESSION_ACT_CONNECT:
			conn_open(u);
			break;
		case SESSION_ACT_SEND_HELLO:
			send_hello(u);
			break;
		case SESSION_ACT_SET_MTU:
			if (u->cb.set_mtu != NULL &&
			    u->cb.set_mtu(a->mtu, u->arg) == -1)
				session_tap_mtu_failed(&u->s);
			break;
		case SESSION_ACT_SEND_STATS:
			send_stats(u);
			break;
		case SESSION_ACT_CLOSE:
			conn_drop(u, a->text);
			break;
		case SESSION_ACT_EXIT:
			conn_drop(u, "exit");
			u->stopped = 1;
			if (u->cb.exit != NULL)
				u->cb.exit(a->status, u->arg);
			break;
		}
	}
}

/* A new connection attempt; the old one is gone already. */
static void
conn_open(struct uplink *u)
{
	struct quic_config	 cfg;
	struct session_event	 ev;

	conn_drop(u, "reconnect");
	quic_config_default(&cfg);
	cfg.tls = u->tls;
	cfg.server_name = u->server_name;
	cfg.cb = &uplink_quic_cb;
	cfg.arg = u;
	wiremsg_reader_clear(&u->reader);
	wiremsg_reader_init(&u->reader);
	u->have_sid = 0;
	u->sid = -1;
	u->up = 0;
	log_debug("connecting to relay %s", u->relay_str);
	if ((u->qc = quic_conn_client_new(&cfg, &u->path,
	    clock_ns())) == NULL) {
		memset(&ev, 0, sizeof(ev));
		ev.type = SESSION_EV_TRANSPORT_DOWN;
		ev.reason = "cannot create a QUIC connection";
		session_feed(u, &ev);
		return;
	}
	/* Packets go out from conn_service(), in the event loop. */
	evloop_timer_activate(&u->ev_conn);
}

/* Send the CONNECTION_CLOSE of a dropped connection and free it. */
static void
dead_free(struct uplink *u)
{
	if (u->dead == NULL || u->dead == u->busy)
		return;
	conn_flush(u, u->dead, clock_ns());
	quic_conn_free(u->dead);
	u->dead = NULL;
}

/*
 * Close the current connection (CONNECTION_CLOSE sent at once, no
 * closing period: the next attempt uses new connection IDs); it is
 * flushed and freed outside any QUIC callback.
 */
static void
conn_drop(struct uplink *u, const char *reason)
{
	uint64_t	 now;

	if (u->qc == NULL)
		return;
	now = clock_ns();
	if (quic_conn_state(u->qc) == QUIC_ST_OPEN ||
	    quic_conn_state(u->qc) == QUIC_ST_HANDSHAKE)
		(void)quic_conn_close(u->qc, UPLINK_ERR_CLOSE, reason, now);
	quic_stats_add(&u->qclosed, quic_conn_stats(u->qc));
	dead_free(u);
	if (u->dead != NULL)
		log_warnx("%s: two connections to free", __func__);
	u->dead = u->qc;
	u->qc = NULL;
	u->have_sid = 0;
	u->up = 0;
	u->want_room = 0;
	evloop_timer_activate(&u->ev_conn);
}

/*
 * Send what the connection has, up to UPLINK_TX_ROUNDS packets.  Runs of
 * packets of one size (the last may be shorter: what UDP GSO allows) go
 * in one sendmsg() with UDP_SEGMENT on Linux: one trip down the stack
 * instead of one per packet, which was most of the daemons' CPU time.
 */
static void
conn_flush(struct uplink *u, struct quic_conn *qc, uint64_t now)
{
	struct quic_path	 path;
	ssize_t			 n;
	size_t			 off = 0, seg = 0, nseg = 0, pmax;
	int			 i;

	if (qc == NULL || qc == u->busy)
		return;
	pmax = quic_conn_path_max(qc);
	for (i = 0; i < UPLINK_TX_ROUNDS; i++) {
		if (off + QUIC_MAX_PKTLEN > sizeof(u->txbuf)) {
			udp_send_batch(u, u->txbuf, off, seg);
			off = nseg = 0;
		}
		n = quic_conn_write(qc, &path, u->txbuf + off,
		    QUIC_MAX_PKTLEN, now);
		if (n <= 0)
			break;
		if (nseg > 0 && ((size_t)n > seg || (size_t)n > pmax)) {
			/* Longer than the run: the run goes, this starts one. */
			udp_send_batch(u, u->txbuf, off, seg);
			memmove(u->txbuf, u->txbuf + off, (size_t)n);
			off = nseg = 0;
		}
		if (nseg == 0)
			seg = (size_t)n;
		off += (size_t)n;
		nseg++;
		/*
		 * A shorter packet ends a run; a path MTU probe (over the
		 * path's known size) goes alone: as a GSO segment size
		 * over the route's MTU the kernel would refuse the run.
		 */
		if ((size_t)n < seg || (size_t)n > pmax ||
		    nseg == UPLINK_GSO_SEGS) {
			udp_send_batch(u, u->txbuf, off, seg);
			off = nseg = 0;
		}
	}
	if (nseg > 0)
		udp_send_batch(u, u->txbuf, off, seg);
}

/*
 * After any input: free a dropped connection, send what is due, notice
 * a connection that ended, rearm the timer.
 */
static void
conn_service(struct uplink *u)
{
	struct session_event	 ev;
	enum quic_state		 st;
	const char		*why;
	char			 reason[WIREMSG_REASON_MAX + 1];
	uint64_t		 now, exp, ms, d;

	dead_free(u);
	now = clock_ns();
	if (ovl_reasm_expire(&u->reasm, now / 1000000) > 0)
		log_debug("relay %s: incomplete frame expired",
		    u->relay_str);
	if (u->qc == NULL) {
		evloop_timer_del(&u->ev_conn);
		return;
	}
	conn_flush(u, u->qc, now);
	st = quic_conn_state(u->qc);
	if (st != QUIC_ST_OPEN && st != QUIC_ST_HANDSHAKE) {
		memset(&ev, 0, sizeof(ev));
		ev.type = SESSION_EV_TRANSPORT_DOWN;
		/* Copied: the connection is freed before the event. */
		why = quic_conn_error(u->qc);
		if (quic_conn_stats(u->qc)->stateless_reset)
			why = "stateless reset (relay restarted?)";
		else if (why == NULL || *why == '\0')
			why = "connection closed";
		(void)strlcpy(reason, why, sizeof(reason));
		ev.reason = reason;
		quic_stats_add(&u->qclosed, quic_conn_stats(u->qc));
		/* The session may CONNECT again at once: free it first. */
		quic_conn_free(u->qc);
		u->qc = NULL;
		u->have_sid = 0;
		u->up = 0;
		u->want_room = 0;
		session_feed(u, &ev);
		dead_free(u);
		if (u->qc == NULL) {
			evloop_timer_del(&u->ev_conn);
			return;
		}
		conn_flush(u, u->qc, now);
	}
	/*
	 * Back-pressure: the daemon stopped reading after UPLINK_FULL.
	 * Called here only, after a flush, so never from inside
	 * uplink_send_frame() nor from itself; what the daemon sends in
	 * it is flushed there, and the daemon reads again from its own
	 * event (timers keep their turn).
	 */
	if (u->want_room && conn_room(u)) {
		u->want_room = 0;
		u->c.writable++;
		if (u->cb.writable != NULL)
			u->cb.writable(u->arg);
		if (u->qc == NULL) {
			evloop_timer_del(&u->ev_conn);
			return;
		}
	}
	exp = quic_conn_expiry(u->qc);
	if (ovl_reasm_next_expiry(&u->reasm, &ms) &&
	    ms < UINT64_MAX / 1000000 && ms * 1000000 < exp)
		exp = ms * 1000000;
	evloop_timer_del(&u->ev_conn);
	if (exp == UINT64_MAX)
		return;
	d = exp > now ? exp - now : 0;
	evloop_timer_add(&u->ev_conn, d);
}

static void
ev_read_cb(void *arg)
{
	struct uplink		*u = arg;
	struct sockaddr_storage	 from;
	socklen_t		 fromlen;
	uint8_t			*buf = u->rxbuf;
	ssize_t			 n;
	size_t			 seg, off, len;
	uint64_t		 now;
	int			 i, npkt = 0, relay;

	for (i = 0; i < UPLINK_RX_ROUNDS && npkt < UPLINK_RX_PKTS; i++) {
		fromlen = sizeof(from);
		n = udp_recv(u, buf, sizeof(u->rxbuf), &seg, &from, &fromlen);
		if (n == UDP_AGAIN)
			break;
		if (n == UDP_REFUSED || n == UDP_ERROR) {
			u->c.udp_recv_errors++;
#ifdef _WIN32
			/* Winsock's ICMP error is per datagram: go on. */
			if (n == UDP_REFUSED)
				continue;
#endif
			break;
		}
		if (n == UDP_TRUNCATED) {
			u->c.udp_recv++;
			u->c.udp_truncated++;
			continue;
		}
		/* With UDP GRO, several datagrams of seg bytes each. */
		if (seg == 0 || seg >= (size_t)n)
			seg = (size_t)n;
		else
			u->c.udp_gro_reads++;
		/* Only the relay talks to us; the rest is noise. */
		relay = fromlen == u->path.remotelen &&
		    memcmp(&from, &u->path.remote, fromlen) == 0;
		off = 0;
		do {
			len = MINIMUM(seg, (size_t)n - off);
			u->c.udp_recv++;
			npkt++;
			if (u->qc == NULL || !relay) {
				u->c.udp_foreign++;
			} else {
				now = clock_ns();
				u->busy = u->qc;
				(void)quic_conn_read(u->qc, &u->path,
				    buf + off, len, now);
				u->busy = NULL;
			}
			off += len;
		} while (off < (size_t)n);
		if (u->qc == NULL)
			break;
		if (quic_conn_state(u->qc) != QUIC_ST_OPEN &&
		    quic_conn_state(u->qc) != QUIC_ST_HANDSHAKE)
			break;
	}
	conn_service(u);
}

static void
ev_conn_cb(void *arg)
{
	struct uplink	*u = arg;
	uint64_t	 now;

	if (u->qc != NULL) {
		now = clock_ns();
		if (now >= quic_conn_expiry(u->qc)) {
			u->busy = u->qc;
			(void)quic_conn_handle_expiry(u->qc, now);
			u->busy = NULL;
		}
	}
	conn_service(u);
}

static void
ev_session_cb(void *arg)
{
	struct uplink		*u = arg;
	struct session_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SESSION_EV_TIMER;
	session_feed(u, &ev);
	conn_service(u);
}

static void
send_hello(struct uplink *u)
{
	struct wiremsg		 m;
	struct wiremsg_error	 err;
	uint8_t			 buf[WIREMSG_FRAME_MAX];
	size_t			 len, budget;

	if (u->qc == NULL || !u->have_sid)
		return;
	memcpy(&m, &u->s.hello, sizeof(m));
	budget = quic_conn_frame_budget(u->qc);
	m.u.hello.datagram_budget = (uint32_t)MINIMUM(MAXIMUM(budget,
	    WIREMSG_BUDGET_MIN), WIREMSG_BUDGET_MAX);
	if (wiremsg_encode(&m, buf, sizeof(buf), &len, &err) == -1) {
		explicit_bzero(&m, sizeof(m));
		log_warnx("hello: %s", err.msg);
		(void)quic_conn_close(u->qc, UPLINK_ERR_CLOSE, "bad hello",
		    clock_ns());
		return;
	}
	explicit_bzero(&m, sizeof(m));
	if (quic_conn_stream_write(u->qc, u->sid, buf, len) == -1)
		log_warnx("relay %s: cannot write the hello", u->relay_str);
	explicit_bzero(buf, len);
}

static void
send_stats(struct uplink *u)
{
	struct wiremsg		 m;
	struct wiremsg_error	 err;
	uint8_t			 buf[WIREMSG_FRAME_MAX];
	size_t			 len;

	if (u->qc == NULL || !u->have_sid)
		return;
	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_STATS;
	m.u.stats.reply = 1;
	m.u.stats.ncounters = uplink_counters_export(u, m.u.stats.counters,
	    nitems(m.u.stats.counters));
	if (wiremsg_encode(&m, buf, sizeof(buf), &len, &err) == -1) {
		log_warnx("stats reply: %s", err.msg);
		return;
	}
	if (quic_conn_stream_write(u->qc, u->sid, buf, len) == -1)
		log_debug("relay %s: cannot write the stats reply",
		    u->relay_str);
}

static void
cb_handshake(struct quic_conn *qc, void *arg)
{
	struct uplink		*u = arg;
	struct session_event	 ev;

	if (qc != u->qc)
		return;
	memset(&ev, 0, sizeof(ev));
	if (quic_conn_open_stream(qc, &u->sid) == -1) {
		ev.type = SESSION_EV_TRANSPORT_DOWN;
		ev.reason = "cannot open the control stream";
		session_feed(u, &ev);
		return;
	}
	u->have_sid = 1;
	u->up = 1;
	log_debug("relay %s: QUIC handshake done (%s), frame budget %zu",
	    u->relay_str, quic_conn_cipher(qc), quic_conn_frame_budget(qc));
	ev.type = SESSION_EV_TRANSPORT_UP;
	ev.budget = (uint32_t)MINIMUM(quic_conn_frame_budget(qc), UINT32_MAX);
	session_feed(u, &ev);
}

static void
on_message(struct uplink *u, const struct wiremsg *m)
{
	struct session_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SESSION_EV_MSG;
	ev.msg = m;
	session_feed(u, &ev);
	if (u->s.state != SESSION_CONNECTED)
		return;
	switch (m->type) {
	case WIREMSG_WELCOME:
		if (u->cb.welcome != NULL)
			u->cb.welcome(&m->u.welcome, u->arg);
		break;
	case WIREMSG_PEER_JOINED:
		if (u->cb.peer_joined != NULL)
			u->cb.peer_joined(&m->u.peer, u->arg);
		break;
	case WIREMSG_PEER_LEFT:
		if (u->cb.peer_left != NULL)
			u->cb.peer_left(&m->u.peer, u->arg);
		break;
	default:
		break;
	}
}

static void
cb_stream(struct quic_conn *qc, int64_t sid, const uint8_t *data,
    size_t len, int fin, void *arg)
{
	struct uplink		*u = arg;
	struct wiremsg_error	 err;
	struct session_event	 ev;
	size_t			 used;
	int			 rv;

	if (qc != u->qc)
		return;
	memset(&ev, 0, sizeof(ev));
	if (!u->have_sid || sid != u->sid) {
		u->c.ctl_errors++;
		ev.type = SESSION_EV_PROTO_ERROR;
		ev.reason = "data on an unexpected stream";
		session_feed(u, &ev);
		return;
	}
	while (len > 0 && u->qc == qc) {
		rv = wiremsg_reader_feed(&u->reader, data, len, &used,
		    &u->msg, &err);
		data += used;
		len -= used;
		if (rv == -1) {
			u->c.ctl_errors++;
			ev.type = SESSION_EV_PROTO_ERROR;
			ev.reason = err.msg;
			session_feed(u, &ev);
			return;
		}
		if (rv == 1)
			on_message(u, &u->msg);
	}
	if (fin && u->qc == qc) {
		ev.type = SESSION_EV_TRANSPORT_DOWN;
		ev.reason = "the relay ended the control stream";
		if (wiremsg_reader_eof(&u->reader, &err) == -1)
			ev.reason = err.msg;
		session_feed(u, &ev);
	}
}

static void
cb_datagram(struct quic_conn *qc, const uint8_t *data, size_t len,
    void *arg)
{
	struct uplink	*u = arg;
	struct ovl_rx	 rx;

	if (qc != u->qc)
		return;
	if (u->s.state != SESSION_CONNECTED) {
		u->c.drop_early++;
		return;
	}
	if (ovl_reasm_input(&u->reasm, data, len, clock_ns() / 1000000,
	    &rx) != OVL_RX_FRAME)
		return;		/* counted by the reassembler */
	u->c.frames_in++;
	u->cb.frame(rx.frame, rx.len, u->arg);
}

/*
 * Room again after UPLINK_FULL: half the datagram queue free (at least
 * the pieces of the largest frame), so the daemon's next burst finds
 * room and the queue still holds packets to send meanwhile.
 */
static int
conn_room(struct uplink *u)
{
	size_t	 room, size;

	if (u->qc == NULL || u->s.state != SESSION_CONNECTED)
		return (0);
	room = quic_conn_dgram_room(u->qc);
	size = room + quic_conn_dgram_queued(u->qc);
	return (room >= OVL_MAX_FRAGS && room >= size / 2);
}

int
uplink_send_frame(struct uplink *u, const uint8_t *frame, size_t len)
{
	size_t	 budget, need;

	if (u->qc == NULL || u->s.state != SESSION_CONNECTED) {
		u->c.drop_notconnected++;
		return (UPLINK_NOTCONNECTED);
	}
	budget = quic_conn_frame_budget(u->qc);
	/*
	 * No room for every piece: refused before the overlay encodes it
	 * (no frame id or counter used), the caller keeps the frame and
	 * waits for cb->writable.  Frames egress_frame() refuses for
	 * another reason go on to it, to be counted there.
	 */
	need = budget > 0 ? mtu_fragments(len, budget) : 0;
	if (len >= OVL_MIN_FRAME && len <= OVL_MAX_FRAME && need > 0 &&
	    need <= OVL_MAX_FRAGS && quic_conn_dgram_room(u->qc) < need) {
		u->c.full++;
		u->want_room = 1;
		/* Let the queue drain before the next read. */
		evloop_timer_activate(&u->ev_conn);
		return (UPLINK_FULL);
	}
	switch (egress_frame(u->qc, &u->tx, budget, frame, len, &u->eg)) {
	case EGRESS_SENT:
		break;
	case EGRESS_FULL:
		/* No memory for the queue: nothing queued, try later. */
		u->c.full++;
		u->want_room = 1;
		evloop_timer_activate(&u->ev_conn);
		return (UPLINK_FULL);
	case EGRESS_TOOBIG:
		return (UPLINK_TOOBIG);
	default:
		return (UPLINK_NOTCONNECTED);
	}
	conn_flush(u, u->qc, clock_ns());
	return (UPLINK_SENT);
}

void
uplink_status(struct uplink *u, struct uplink_status *st)
{
	memset(st, 0, sizeof(*st));
	session_status(&u->s, clock_ns() / 1000000, &st->session);
	st->relay = u->relay_str;
	st->cipher = "";
	if (u->qc != NULL && quic_conn_state(u->qc) == QUIC_ST_OPEN) {
		if ((st->cipher = quic_conn_cipher(u->qc)) == NULL)
			st->cipher = "";
		st->budget = quic_conn_frame_budget(u->qc);
		st->rtt_us = quic_conn_rtt(u->qc) / 1000;
	}
}


/*
 * The uplink's counters: frames, drops by reason, QUIC (all connections
 * so far), overlay and session.  Names fit WIREMSG_COUNTER_NAME_MAX.
 */
size_t
uplink_counters_export(const struct uplink *u, struct wiremsg_counter *cs,
    size_t max)
{
	struct quic_stats		 q = u->qclosed;
	const struct session_counters	*sc = &u->s.counters;
	char				 name[WIREMSG_COUNTER_NAME_MAX + 1];
	size_t				 n = 0, i;

	if (u->qc != NULL)
		quic_stats_add(&q, quic_conn_stats(u->qc));
	wiremsg_counter_put(cs, max, &n, "uplink-frames-in", u->c.frames_in);
	wiremsg_counter_put(cs, max, &n, "uplink-drop-not-connected",
	    u->c.drop_notconnected);
	for (i = 0; egress_stat_name(i) != NULL; i++) {
		(void)snprintf(name, sizeof(name), "egress-%s",
		    egress_stat_name(i));
		wiremsg_counter_put(cs, max, &n,
		    name, egress_stat_value(&u->eg, i));
	}
	wiremsg_counter_put(cs, max, &n, "uplink-drop-before-welcome",
	    u->c.drop_early);
	wiremsg_counter_put(cs, max, &n, "uplink-queue-full", u->c.full);
	wiremsg_counter_put(cs, max, &n, "uplink-writable", u->c.writable);
	wiremsg_counter_put(cs, max, &n, "udp-recv", u->c.udp_recv);
	wiremsg_counter_put(cs, max, &n, "udp-sent", u->c.udp_sent);
	wiremsg_counter_put(cs, max, &n, "udp-gso-sends", u->c.udp_gso_sends);
	wiremsg_counter_put(cs, max, &n, "udp-gro-reads", u->c.udp_gro_reads);
	wiremsg_counter_put(cs, max, &n, "udp-gso-refused",
	    u->c.udp_gso_refused);
	wiremsg_counter_put(cs, max, &n, "udp-send-errors",
	    u->c.udp_send_errors);
	wiremsg_counter_put(cs, max, &n, "udp-recv-errors",
	    u->c.udp_recv_errors);
	wiremsg_counter_put(cs, max, &n, "udp-drop-not-relay",
	    u->c.udp_foreign);
	wiremsg_counter_put(cs, max, &n, "udp-drop-truncated",
	    u->c.udp_truncated);
	wiremsg_counter_put(cs, max, &n, "quic-pkt-recv", q.pkt_recv);
	wiremsg_counter_put(cs, max, &n, "quic-pkt-sent", q.pkt_sent);
	wiremsg_counter_put(cs, max, &n, "quic-pkt-bad", q.pkt_bad);
	wiremsg_counter_put(cs, max, &n, "quic-pkt-too-short", q.pkt_short);
	wiremsg_counter_put(cs, max, &n, "quic-dgram-recv", q.dgram_recv);
	wiremsg_counter_put(cs, max, &n, "quic-dgram-sent", q.dgram_sent);
	wiremsg_counter_put(cs, max, &n, "quic-dgram-lost", q.dgram_lost);
	wiremsg_counter_put(cs, max, &n, "quic-dgram-drop-full",
	    q.dgram_drop_full);
	wiremsg_counter_put(cs, max, &n, "quic-dgram-drop-toobig",
	    q.dgram_drop_toobig);
	wiremsg_counter_put(cs, max, &n, "quic-dgram-drop-notready",
	    q.dgram_drop_notready);
	wiremsg_counter_put(cs, max, &n, "quic-dgram-drop-refused",
	    q.dgram_drop_refused);
	wiremsg_counter_put(cs, max, &n, "quic-stateless-resets",
	    q.stateless_reset);
	wiremsg_counter_put(cs, max, &n, "ctl-errors", u->c.ctl_errors);
	for (i = 0; ovl_rx_stat_name(i) != NULL; i++) {
		(void)snprintf(name, sizeof(name), "ovl-rx-%s",
		    ovl_rx_stat_name(i));
		wiremsg_counter_put(cs, max, &n, name,
		    ovl_rx_stat_value(&u->reasm.stats, i));
	}
	for (i = 0; ovl_tx_stat_name(i) != NULL; i++) {
		(void)snprintf(name, sizeof(name), "ovl-tx-%s",
		    ovl_tx_stat_name(i));
		wiremsg_counter_put(cs, max, &n, name,
		    ovl_tx_stat_value(&u->tx.stats, i));
	}
	wiremsg_counter_put(cs, max, &n, "session-connects", sc->connects);
	wiremsg_counter_put(cs, max, &n, "session-welcomes", sc->welcomes);
	wiremsg_counter_put(cs, max, &n, "session-failures", sc->failures);
	wiremsg_counter_put(cs, max, &n, "session-disconnects",
	    sc->disconnects);
	wiremsg_counter_put(cs, max, &n, "session-timeouts", sc->timeouts);
	wiremsg_counter_put(cs, max, &n, "session-proto-errors",
	    sc->proto_errors);
	wiremsg_counter_put(cs, max, &n, "session-peer-errors",
	    sc->peer_errors);
	for (i = 1; i < SESSION_CODE_MAX; i++) {
		(void)snprintf(name, sizeof(name), "session-reject-%s",
		    wiremsg_code_name((enum wiremsg_code)i));
		wiremsg_counter_put(cs, max, &n, name, sc->rejects[i]);
	}
	return (n);
}

/*
 * The socket calls, Winsock-correct on Windows: the error is
 * WSAGetLastError()'s, a socket is closed with closesocket(), an ICMP
 * port unreachable shows as WSAECONNRESET on the next recvfrom() and a
 * datagram over the buffer as WSAEMSGSIZE (there is no MSG_TRUNC).
 */
static int
sock_error(void)
{
#ifdef _WIN32
	return (WSAGetLastError());
#else
	return (errno);
#endif
}

static const char *
sock_strerror(int e)
{
#ifdef _WIN32
	static char	 buf[64];

	(void)snprintf(buf, sizeof(buf), "winsock error %d", e);
	return (buf);
#else
	return (strerror(e));
#endif
}

static void
sock_close(EVLOOP_SOCKET fd)
{
#ifdef _WIN32
	if (fd != INVALID_SOCKET)
		(void)closesocket(fd);
#else
	if (fd != -1)
		(void)close(fd);
#endif
}

static int
sock_name(EVLOOP_SOCKET fd, struct sockaddr_storage *ss, socklen_t *len)
{
#ifdef _WIN32
	if (getsockname(fd, (struct sockaddr *)ss, len) == SOCKET_ERROR)
		return (-1);
	return (0);
#else
	return (getsockname(fd, (struct sockaddr *)ss, len));
#endif
}

/* 0 sent, -1 not (logged unless a usual, transient error). */
static int
udp_send(struct uplink *u, const uint8_t *pkt, size_t len)
{
	int	 e;

#ifdef _WIN32
	if (sendto(u->fd, (const char *)pkt, (int)len, 0,
	    (const struct sockaddr *)&u->path.remote,
	    u->path.remotelen) != SOCKET_ERROR)
		return (0);
	e = sock_error();
	if (e != WSAEWOULDBLOCK && e != WSAECONNRESET && e != WSAENETUNREACH &&
	    e != WSAEHOSTUNREACH)
		log_debug("relay %s: sendto: %s", u->relay_str,
		    sock_strerror(e));
#else
	if (sendto(u->fd, pkt, len, 0, (struct sockaddr *)&u->path.remote,
	    u->path.remotelen) != -1)
		return (0);
	e = sock_error();
	if (e != EAGAIN && e != EWOULDBLOCK && e != ECONNREFUSED &&
	    e != ENETUNREACH && e != EHOSTUNREACH)
		log_debug("relay %s: sendto: %s", u->relay_str,
		    sock_strerror(e));
#endif
	return (-1);
}

/*
 * len bytes of packets of seg bytes each but the last, counted.  Linux
 * sends them with UDP GSO; a run the kernel refuses goes one by one
 * (udpseg_refused(): this run only, counted as udp-gso-refused, or from
 * then on, said once).
 */
static void
udp_send_batch(struct uplink *u, const uint8_t *buf, size_t len, size_t seg)
{
#ifndef _WIN32
	struct msghdr		 msg;
	struct iovec		 iov;
	union udpseg_ctl	 ctl;
	size_t			 nseg;
	int			 e;

	nseg = (len + seg - 1) / seg;
	if (nseg > 1 && !u->gso_off) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = (void *)(uintptr_t)buf;
		iov.iov_len = len;
		msg.msg_name = &u->path.remote;
		msg.msg_namelen = u->path.remotelen;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		udpseg_gso(&msg, &ctl, seg);
		if (sendmsg(u->fd, &msg, 0) != -1) {
			u->c.udp_sent += nseg;
			u->c.udp_gso_sends++;
			u->gso_ok = 1;
			return;
		}
		e = errno;
		switch (udpseg_refused(e, u->gso_ok)) {
		case UDPSEG_RUN:
			u->c.udp_gso_refused++;
			break;
		case UDPSEG_OFF:
			log_info("relay %s: UDP GSO refused (%s), sending "
			    "packets one by one", u->relay_str, strerror(e));
			u->gso_off = 1;
			break;
		case UDPSEG_ERROR:
			u->c.udp_send_errors += nseg;
			if (e != EAGAIN && e != EWOULDBLOCK &&
			    e != ECONNREFUSED && e != ENETUNREACH &&
			    e != EHOSTUNREACH)
				log_debug("relay %s: sendmsg: %s",
				    u->relay_str, strerror(e));
			return;
		}
	}
#endif
	while (len > 0) {
		if (seg > len)
			seg = len;
		if (udp_send(u, buf, seg) == -1)
			u->c.udp_send_errors++;
		else
			u->c.udp_sent++;
		buf += seg;
		len -= seg;
	}
}

/*
 * A datagram's length, or UDP_AGAIN, UDP_REFUSED, UDP_ERROR, UDP_TRUNCATED.
 * *seg is 0, or with UDP GRO (priv/udp.c) the size of each of the
 * datagrams the kernel coalesced into buf (the last may be shorter).
 */
static ssize_t
udp_recv(struct uplink *u, uint8_t *buf, size_t len, size_t *seg,
    struct sockaddr_storage *from, socklen_t *fromlen)
{
	ssize_t		 n;
	int		 e;
#ifndef _WIN32
	struct msghdr	 msg;
	struct iovec	 iov;
	union udpseg_ctl ctl;
#endif

	*seg = 0;
#ifdef _WIN32
	n = recvfrom(u->fd, (char *)buf, (int)len, 0, (struct sockaddr *)from,
	    fromlen);
	if (n != SOCKET_ERROR)
		return (n);
	e = sock_error();
	if (e == WSAEWOULDBLOCK || e == WSAEINTR)
		return (UDP_AGAIN);
	if (e == WSAEMSGSIZE)
		return (UDP_TRUNCATED);
	if (e == WSAECONNRESET)
		return (UDP_REFUSED);
#else
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = len;
	msg.msg_name = from;
	msg.msg_namelen = *fromlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	udpseg_gro_ctl(&msg, &ctl);
	/* MSG_TRUNC: the datagram's real length, to drop it whole. */
	n = recvmsg(u->fd, &msg, MSG_TRUNC);
	if (n >= 0) {
		*fromlen = msg.msg_namelen;
		if ((size_t)n > len || (msg.msg_flags & MSG_TRUNC))
			return (UDP_TRUNCATED);
		*seg = udpseg_gro(&msg);
		return (n);
	}
	e = sock_error();
	if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR)
		return (UDP_AGAIN);
	if (e == ECONNREFUSED)
		return (UDP_REFUSED);
#endif
	log_debug("relay %s: recvfrom: %s", u->relay_str, sock_strerror(e));
	return (UDP_ERROR);
}
