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
 * slpeer: a scriptable softlan peer for tests (not installed).
 *
 * It joins a room of a relay as a client or a gateway over the same
 * common/ code as the daemons (QUIC, the control-message codec, the
 * overlay, egress_frame() for a frame, ether.c for MACs,
 * daemon_read_file()), and speaks a line protocol on stdin/stdout so that
 * a shell script can drive it.  What it does not share with the uplink
 * (common/uplink.c) is on purpose: a test peer must be able to misbehave
 * (no hello, a hello twice, a hello the codec would refuse, raw bytes,
 * bad JSON or an oversized message on the control stream) and to report
 * every control message it gets, where the uplink runs the session state
 * machine and never sends what the codec refuses.  Commands (read once
 * the QUIC handshake is done):
 *
 *	frame HEX	send one Ethernet frame (fragmented above the budget)
 *	raw HEX		write bytes as they are on the control stream
 *	json TEXT	write TEXT as one length-prefixed control message
 *	bigmsg N	announce an N-byte control message and send N bytes
 *	hello		send the hello (again)
 *	stats		send a stats request
 *	quit		close the connection and exit
 *
 * Output lines (stdout is flushed after each):
 *
 *	connected cipher=C budget=N
 *	welcome peer_id=N mtu=N peers=ID/ROLE/MAC,...	("-" when none)
 *	reject code=CODE reason=TEXT
 *	peer-joined id=N role=R mac=M
 *	peer-left id=N role=R mac=M
 *	disconnect reason=TEXT
 *	stats NAME=VALUE ...
 *	frame HEX			one received frame
 *	sent len=N datagrams=K		one frame queued as K datagrams
 *	rx-drop reason=R		a received datagram the overlay refused
 *	control-eof			the relay finished the control stream
 *	error TEXT			a local problem (bad command, ...)
 *	closed reason=TEXT		the connection is gone; the last line
 *
 * "closed reason=stateless reset" when the relay answered with a
 * stateless reset carrying the token it announced (a restarted relay).
 *
 * Exit status: 0 after quit (or end of input), 2 after a reject, 3 when
 * the -t time limit ran out, 1 for anything else.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "compat.h"
#include "daemon.h"
#include "egress.h"
#include "ether.h"
#include "log.h"
#include "mtu.h"
#include "overlay.h"
#include "quic.h"
#include "wiremsg.h"

#define PEER_LINEMAX	(256 * 1024)	/* longest input line */
#define PEER_FRAMEMAX	9216		/* longest frame a command may give */
#define PEER_RAWMAX	(64 * 1024)	/* raw/json/bigmsg bytes */
#define PEER_CERTMAX	(1024 * 1024)	/* the pinned certificate file */

#define EXIT_QUIT	0
#define EXIT_FAIL	1
#define EXIT_REJECT	2
#define EXIT_TIMEOUT	3

struct peer {
	/* options */
	const char		*host;
	const char		*port;
	const char		*certfile;
	const char		*server_name;
	const char		*room;
	const char		*mac;
	const char		*role;
	const char		*secret;
	long long		 proto;
	size_t			 budget_override;
	uint64_t		 deadline;	/* ns, 0: none */
	int			 nohello;
	int			 keep;		/* keep running after EOF */

	int			 sock;
	struct quic_path	 path;
	struct quic_tls		*tls;
	struct quic_conn	*qc;
	int64_t			 sid;
	int			 have_sid;
	int			 stdin_open;
	int			 quitting;
	int			 rejected;
	int			 reset_seen;
	int			 have_token;
	uint8_t			 token[QUIC_RESET_TOKENLEN];
	struct wiremsg_reader	 reader;
	struct wiremsg		 msg;
	struct ovl_tx		 tx;
	struct egress_stats	 egress;
	struct ovl_reasm	 reasm;

	char			*line;
	size_t			 linelen;
	int			 line_toolong;
};

static void	 out(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2)));
static void	 out_hex(const char *, const uint8_t *, size_t);
static int	 hexval(int);
static int	 hex_decode(const char *, uint8_t *, size_t, size_t *);
static void	 json_str(char *, size_t, const char *);
static size_t	 ctl_prefix(uint8_t *, size_t);
static void	 peer_socket(struct peer *);
static void	 peer_connect(struct peer *, uint64_t);
static void	 peer_flush(struct peer *, uint64_t);
static void	 peer_recv(struct peer *, uint64_t);
static void	 peer_stdin(struct peer *, uint64_t);
static void	 peer_command(struct peer *, char *, uint64_t);
static int	 peer_ctl_write(struct peer *, const uint8_t *, size_t);
static void	 peer_send_hello(struct peer *);
static void	 peer_send_frame(struct peer *, const uint8_t *, size_t);
static void	 peer_message(struct peer *, const struct wiremsg *);
static const char *peer_list(const struct wiremsg_welcome *, char *, size_t);
static void	 cb_handshake(struct quic_conn *, void *);
static void	 cb_stream(struct quic_conn *, int64_t, const uint8_t *,
		    size_t, int, void *);
static void	 cb_datagram(struct quic_conn *, const uint8_t *, size_t,
		    void *);
static __dead void usage(void);

static const struct quic_cb peer_cb = {
	.handshake = cb_handshake,
	.stream = cb_stream,
	.datagram = cb_datagram,
};

/* One output line, flushed at once. */
static void
out(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vprintf(fmt, ap);
	va_end(ap);
	(void)putchar('\n');
	if (fflush(stdout) == EOF)
		fatal("stdout");
}

static void
out_hex(const char *prefix, const uint8_t *p, size_t len)
{
	size_t	 i;

	(void)fputs(prefix, stdout);
	for (i = 0; i < len; i++)
		(void)printf("%02x", p[i]);
	(void)putchar('\n');
	if (fflush(stdout) == EOF)
		fatal("stdout");
}

static int
hexval(int c)
{
	if (!isxdigit(c))
		return (-1);
	return (isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
}

/* Hex digits (whitespace between bytes allowed) into buf. */
static int
hex_decode(const char *s, uint8_t *buf, size_t bufsz, size_t *lenp)
{
	size_t	 n = 0;
	int	 hi, lo;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ':')
			s++;
		if (*s == '\0')
			break;
		if ((hi = hexval((unsigned char)s[0])) == -1 ||
		    (lo = hexval((unsigned char)s[1])) == -1)
			return (-1);
		if (n == bufsz)
			return (-1);
		buf[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	*lenp = n;
	return (0);
}

/* s as a JSON string literal (quotes included) into buf. */
static void
json_str(char *buf, size_t bufsz, const char *s)
{
	size_t	 n = 0;
	char	 esc[8];
	size_t	 i, elen;

	if (bufsz < 3)
		fatalx("%s: buffer too small", __func__);
	buf[n++] = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			esc[0] = '\\';
			esc[1] = *s;
			elen = 2;
		} else if ((unsigned char)*s < 0x20) {
			(void)snprintf(esc, sizeof(esc), "\\u%04x",
			    (unsigned char)*s);
			elen = 6;
		} else {
			esc[0] = *s;
			elen = 1;
		}
		if (n + elen + 2 > bufsz)
			fatalx("%s: string too long", __func__);
		for (i = 0; i < elen; i++)
			buf[n++] = esc[i];
	}
	buf[n++] = '"';
	buf[n] = '\0';
}

/*
 * The control stream's length prefix for a len-byte body, written by hand
 * for the bodies the codec would refuse; returns the prefix's length.
 */
static size_t
ctl_prefix(uint8_t *buf, size_t len)
{
	buf[0] = (uint8_t)(len >> 24);
	buf[1] = (uint8_t)(len >> 16);
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	return (WIREMSG_HDRLEN);
}

/*
 * An unconnected UDP socket bound to the wildcard address (as clientd
 * does), and the path: the local address is the one the kernel would
 * pick to reach the relay, with the socket's port.
 */
static void
peer_socket(struct peer *p)
{
	struct addrinfo		 hints, *res;
	struct sockaddr_storage	 ss, local;
	socklen_t		 sslen, locallen;
	int			 error, s, flags;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	if ((error = getaddrinfo(p->host, p->port, &hints, &res)) != 0)
		fatalx("%s port %s: %s", p->host, p->port,
		    gai_strerror(error));
	if (res->ai_addrlen > sizeof(p->path.remote))
		fatalx("%s: address too long", p->host);
	memcpy(&p->path.remote, res->ai_addr, res->ai_addrlen);
	p->path.remotelen = res->ai_addrlen;

	/* Which local address reaches the relay. */
	if ((s = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	if (connect(s, res->ai_addr, res->ai_addrlen) == -1)
		fatal("connect %s", p->host);
	locallen = sizeof(local);
	if (getsockname(s, (struct sockaddr *)&local, &locallen) == -1)
		fatal("getsockname");
	(void)close(s);

	if ((p->sock = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = res->ai_family;
	sslen = res->ai_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
	if (bind(p->sock, (struct sockaddr *)&ss, sslen) == -1)
		fatal("bind");
	sslen = sizeof(ss);
	if (getsockname(p->sock, (struct sockaddr *)&ss, &sslen) == -1)
		fatal("getsockname");
	if (local.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&local)->sin6_port =
		    ((struct sockaddr_in6 *)&ss)->sin6_port;
	else
		((struct sockaddr_in *)&local)->sin_port =
		    ((struct sockaddr_in *)&ss)->sin_port;
	memcpy(&p->path.local, &local, locallen);
	p->path.locallen = locallen;
	if ((flags = fcntl(p->sock, F_GETFL)) == -1 ||
	    fcntl(p->sock, F_SETFL, flags | O_NONBLOCK) == -1)
		fatal("fcntl");
	freeaddrinfo(res);
}

static void
peer_connect(struct peer *p, uint64_t now)
{
	struct quic_config	 cfg;
	uint8_t			*cert;
	size_t			 certlen;

	if ((cert = daemon_read_file(p->certfile, PEER_CERTMAX,
	    &certlen)) == NULL)
		fatalx("%s: cannot read the certificate", p->certfile);
	if ((p->tls = quic_tls_client_new(cert, certlen)) == NULL)
		fatalx("%s: not a usable certificate", p->certfile);
	free(cert);
	quic_config_default(&cfg);
	cfg.tls = p->tls;
	cfg.server_name = p->server_name;
	cfg.cb = &peer_cb;
	cfg.arg = p;
	if ((p->qc = quic_conn_client_new(&cfg, &p->path, now)) == NULL)
		fatalx("cannot create the QUIC connection");
}

/* Send every packet the connection has. */
static void
peer_flush(struct peer *p, uint64_t now)
{
	struct quic_path	 path;
	uint8_t			 buf[QUIC_MAX_PKTLEN];
	ssize_t			 n;
	int			 i;

	/* Bounded: a full socket buffer just loses packets (UDP). */
	for (i = 0; i < 1024; i++) {
		n = quic_conn_write(p->qc, &path, buf, sizeof(buf), now);
		if (n <= 0)
			break;
		if (sendto(p->sock, buf, (size_t)n, 0,
		    (struct sockaddr *)&path.remote, path.remotelen) == -1 &&
		    errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != ECONNREFUSED)
			log_warn("sendto");
	}
}

static void
peer_recv(struct peer *p, uint64_t now)
{
	struct sockaddr_storage	 from;
	socklen_t		 fromlen;
	uint8_t			 buf[65536];
	ssize_t			 n;
	int			 i;

	for (i = 0; i < 256; i++) {
		fromlen = sizeof(from);
		n = recvfrom(p->sock, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &fromlen);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNREFUSED)
				log_warn("recvfrom");
			return;
		}
		/*
		 * A stateless reset is a short-header packet that ends with
		 * the token the relay announced.  quic.c reports it as a
		 * plain close, so recognise it here to say so.
		 */
		if (p->have_token && n >= 21 && (buf[0] & 0x80) == 0 &&
		    memcmp(buf + n - QUIC_RESET_TOKENLEN, p->token,
		    QUIC_RESET_TOKENLEN) == 0)
			p->reset_seen = 1;
		if (fromlen <= sizeof(p->path.remote)) {
			memcpy(&p->path.remote, &from, fromlen);
			p->path.remotelen = fromlen;
		}
		(void)quic_conn_read(p->qc, &p->path, buf, (size_t)n, now);
		if (quic_conn_state(p->qc) != QUIC_ST_OPEN &&
		    quic_conn_state(p->qc) != QUIC_ST_HANDSHAKE)
			return;
	}
}

static void
cb_handshake(struct quic_conn *qc, void *arg)
{
	struct peer	*p = arg;

	if (quic_conn_peer_reset_token(qc, p->token) == 0)
		p->have_token = 1;
	out("connected cipher=%s budget=%zu", quic_conn_cipher(qc),
	    quic_conn_frame_budget(qc));
	if (quic_conn_open_stream(qc, &p->sid) == -1) {
		out("error cannot open the control stream");
		(void)quic_conn_close(qc, 1, "no stream", 0);
		return;
	}
	p->have_sid = 1;
	p->stdin_open = 1;
	if (!p->nohello)
		peer_send_hello(p);
}

static void
cb_stream(struct quic_conn *qc, int64_t sid, const uint8_t *data,
    size_t len, int fin, void *arg)
{
	struct peer		*p = arg;
	struct wiremsg_error	 err;
	size_t			 used;
	int			 rv;

	if (!p->have_sid || sid != p->sid) {
		out("error data on unexpected stream %lld", (long long)sid);
		return;
	}
	while (len > 0) {
		rv = wiremsg_reader_feed(&p->reader, data, len, &used,
		    &p->msg, &err);
		data += used;
		len -= used;
		if (rv == -1) {
			out("error control stream: %s", err.msg);
			(void)quic_conn_close(qc, 1, "bad control message", 0);
			return;
		}
		if (rv == 1)
			peer_message(p, &p->msg);
	}
	if (fin) {
		if (wiremsg_reader_eof(&p->reader, &err) == -1)
			out("error control stream: %s", err.msg);
		out("control-eof");
	}
}

static void
cb_datagram(struct quic_conn *qc, const uint8_t *data, size_t len,
    void *arg)
{
	struct peer	*p = arg;
	struct ovl_rx	 rx;

	(void)qc;
	switch (ovl_reasm_input(&p->reasm, data, len, clock_ns() / 1000000,
	    &rx)) {
	case OVL_RX_FRAME:
		out_hex("frame ", rx.frame, rx.len);
		break;
	case OVL_RX_DROP:
		out("rx-drop reason=%s", ovl_drop_name(rx.drop));
		break;
	default:
		break;
	}
}

static const char *
peer_list(const struct wiremsg_welcome *w, char *buf, size_t bufsz)
{
	size_t	 i, n = 0;
	int	 rv;

	if (w->npeers == 0)
		return ("-");
	buf[0] = '\0';
	for (i = 0; i < w->npeers; i++) {
		rv = snprintf(buf + n, bufsz - n, "%s%u/%s/%s",
		    i > 0 ? "," : "", w->peers[i].peer_id,
		    wiremsg_role_name(w->peers[i].role),
		    ether_mac_str(&w->peers[i].mac));
		if (rv < 0 || (size_t)rv >= bufsz - n)
			break;
		n += (size_t)rv;
	}
	return (buf);
}

static void
peer_message(struct peer *p, const struct wiremsg *m)
{
	char	 list[WIREMSG_MAX_PEERS * 48];
	size_t	 i;

	switch (m->type) {
	case WIREMSG_WELCOME:
		out("welcome peer_id=%u mtu=%u peers=%s", m->u.welcome.peer_id,
		    m->u.welcome.room_mtu,
		    peer_list(&m->u.welcome, list, sizeof(list)));
		break;
	case WIREMSG_REJECT:
		p->rejected = 1;
		out("reject code=%s reason=%s",
		    wiremsg_code_name(m->u.reject.code), m->u.reject.reason);
		break;
	case WIREMSG_PEER_JOINED:
	case WIREMSG_PEER_LEFT:
		out("%s id=%u role=%s mac=%s", wiremsg_type_name(m->type),
		    m->u.peer.peer_id, wiremsg_role_name(m->u.peer.role),
		    ether_mac_str(&m->u.peer.mac));
		break;
	case WIREMSG_DISCONNECT:
		out("disconnect reason=%s", m->u.disconnect.reason);
		break;
	case WIREMSG_STATS:
		if (!m->u.stats.reply) {
			out("stats-request");
			break;
		}
		(void)fputs("stats", stdout);
		for (i = 0; i < m->u.stats.ncounters; i++)
			(void)printf(" %s=%llu", m->u.stats.counters[i].name,
			    (unsigned long long)m->u.stats.counters[i].value);
		out("%s", "");
		break;
	default:
		out("error unexpected %s message", wiremsg_type_name(m->type));
		break;
	}
}

static int
peer_ctl_write(struct peer *p, const uint8_t *data, size_t len)
{
	if (!p->have_sid) {
		out("error no control stream yet");
		return (-1);
	}
	if (quic_conn_stream_write(p->qc, p->sid, data, len) == -1) {
		out("error cannot write %zu bytes on the control stream",
		    len);
		return (-1);
	}
	return (0);
}

/*
 * The hello.  With values the codec refuses (a bad room, MAC or role, a
 * proto other than 1: the reject tests), the JSON is written by hand.
 */
static void
peer_send_hello(struct peer *p)
{
	struct wiremsg		 m;
	struct wiremsg_error	 err;
	uint8_t			 buf[WIREMSG_FRAME_MAX];
	char			 room[256], mac[256], role[256];
	char			 secret[1024], json[4096];
	size_t			 len, budget;
	int			 n, ok = 1;

	budget = p->budget_override;
	if (budget == 0)
		budget = quic_conn_frame_budget(p->qc);
	if (budget > WIREMSG_BUDGET_MAX)
		budget = WIREMSG_BUDGET_MAX;

	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_HELLO;
	m.u.hello.proto = (uint32_t)p->proto;
	m.u.hello.datagram_budget = (uint32_t)budget;
	if (p->proto != WIREMSG_PROTO ||
	    wiremsg_role_parse(p->role, &m.u.hello.role) == -1 ||
	    ether_mac_parse(p->mac, &m.u.hello.mac) == -1 ||
	    strlcpy(m.u.hello.room, p->room, sizeof(m.u.hello.room)) >=
	    sizeof(m.u.hello.room) ||
	    strlcpy(m.u.hello.secret, p->secret, sizeof(m.u.hello.secret)) >=
	    sizeof(m.u.hello.secret))
		ok = 0;
	(void)strlcpy(m.u.hello.software, "slpeer",
	    sizeof(m.u.hello.software));
	if (ok && wiremsg_encode(&m, buf, sizeof(buf), &len, &err) == 0) {
		explicit_bzero(&m, sizeof(m));
		(void)peer_ctl_write(p, buf, len);
		explicit_bzero(buf, sizeof(buf));
		return;
	}
	explicit_bzero(&m, sizeof(m));

	json_str(room, sizeof(room), p->room);
	json_str(mac, sizeof(mac), p->mac);
	json_str(role, sizeof(role), p->role);
	json_str(secret, sizeof(secret), p->secret);
	n = snprintf(json, sizeof(json), "{\"type\":\"hello\",\"proto\":%lld,"
	    "\"role\":%s,\"room\":%s,\"mac\":%s,\"datagram_budget\":%zu,"
	    "\"secret\":%s,\"software\":\"slpeer\"}", p->proto, role, room,
	    mac, budget, secret);
	if (n < 0 || (size_t)n >= sizeof(json))
		fatalx("hello too long");
	len = ctl_prefix(buf, (size_t)n);
	memcpy(buf + len, json, (size_t)n);
	(void)peer_ctl_write(p, buf, len + (size_t)n);
	explicit_bzero(json, sizeof(json));
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(buf, sizeof(buf));
}

/* One frame through the daemons' send path (all pieces or none). */
static void
peer_send_frame(struct peer *p, const uint8_t *frame, size_t len)
{
	size_t	 budget;

	budget = quic_conn_frame_budget(p->qc);
	if (p->budget_override != 0 && p->budget_override < budget)
		budget = p->budget_override;
	switch (egress_frame(p->qc, &p->tx, budget, frame, len, &p->egress)) {
	case EGRESS_SENT:
		out("sent len=%zu datagrams=%zu", len,
		    mtu_fragments(len, budget));
		break;
	case EGRESS_TOOBIG:
		out("error frame: %zu bytes is shorter than an Ethernet "
		    "header or does not fit %d fragments of budget %zu", len,
		    OVL_MAX_FRAGS, budget);
		break;
	case EGRESS_FULL:
		out("error frame: datagram queue full");
		break;
	case EGRESS_NOTREADY:
		out("error frame: no datagram budget (connection not open)");
		break;
	}
}

static void
peer_command(struct peer *p, char *line, uint64_t now)
{
	static uint8_t		 buf[PEER_RAWMAX + WIREMSG_HDRLEN];
	struct wiremsg		 m;
	struct wiremsg_error	 err;
	const char		*errstr;
	char			*arg;
	size_t			 len, i;
	long long		 n;

	if ((arg = strchr(line, ' ')) != NULL)
		*arg++ = '\0';
	else
		arg = line + strlen(line);

	if (strcmp(line, "frame") == 0) {
		if (hex_decode(arg, buf, PEER_FRAMEMAX, &len) == -1) {
			out("error frame: bad hex or longer than %d bytes",
			    PEER_FRAMEMAX);
			return;
		}
		peer_send_frame(p, buf, len);
	} else if (strcmp(line, "raw") == 0) {
		if (hex_decode(arg, buf, PEER_RAWMAX, &len) == -1 ||
		    len == 0) {
			out("error raw: bad hex, empty or longer than %d "
			    "bytes", PEER_RAWMAX);
			return;
		}
		if (peer_ctl_write(p, buf, len) == 0)
			out("sent raw=%zu", len);
	} else if (strcmp(line, "json") == 0) {
		len = strlen(arg);
		if (len > PEER_RAWMAX) {
			out("error json: longer than %d bytes", PEER_RAWMAX);
			return;
		}
		(void)ctl_prefix(buf, len);
		memcpy(buf + WIREMSG_HDRLEN, arg, len);
		if (peer_ctl_write(p, buf, WIREMSG_HDRLEN + len) == 0)
			out("sent json=%zu", len);
	} else if (strcmp(line, "bigmsg") == 0) {
		n = strtonum(arg, 1, PEER_RAWMAX, &errstr);
		if (errstr != NULL) {
			out("error bigmsg: length %s: %s", arg, errstr);
			return;
		}
		len = (size_t)n;
		(void)ctl_prefix(buf, len);
		/* {"type":"stats","pad":"xxx...x"}, as long as asked. */
		for (i = 0; i < len; i++)
			buf[WIREMSG_HDRLEN + i] = 'x';
		if (len >= 32) {
			memcpy(buf + WIREMSG_HDRLEN, "{\"type\":\"stats\","
			    "\"pad\":\"", 24);
			buf[WIREMSG_HDRLEN + len - 2] = '"';
			buf[WIREMSG_HDRLEN + len - 1] = '}';
		}
		if (peer_ctl_write(p, buf, WIREMSG_HDRLEN + len) == 0)
			out("sent bigmsg=%zu", len);
	} else if (strcmp(line, "hello") == 0) {
		peer_send_hello(p);
	} else if (strcmp(line, "stats") == 0) {
		memset(&m, 0, sizeof(m));
		m.type = WIREMSG_STATS;
		if (wiremsg_encode(&m, buf, sizeof(buf), &len, &err) == -1) {
			out("error stats: %s", err.msg);
			return;
		}
		(void)peer_ctl_write(p, buf, len);
	} else if (strcmp(line, "quit") == 0) {
		p->quitting = 1;
		(void)quic_conn_close(p->qc, 0, "bye", now);
	} else if (line[0] == '\0' || line[0] == '#') {
		/* nothing */
	} else
		out("error unknown command \"%s\"", line);
}

/* Read what stdin has and run every complete line. */
static void
peer_stdin(struct peer *p, uint64_t now)
{
	char	 buf[16384];
	ssize_t	 n;
	size_t	 i;

	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		fatal("stdin");
	}
	if (n == 0) {
		p->stdin_open = 0;
		if (!p->keep && !p->quitting) {
			p->quitting = 1;
			(void)quic_conn_close(p->qc, 0, "bye", now);
		}
		return;
	}
	for (i = 0; i < (size_t)n; i++) {
		if (buf[i] == '\r')
			continue;
		if (buf[i] != '\n') {
			if (p->linelen + 1 < PEER_LINEMAX)
				p->line[p->linelen++] = buf[i];
			else
				p->line_toolong = 1;
			continue;
		}
		p->line[p->linelen] = '\0';
		if (p->line_toolong)
			out("error line longer than %d bytes", PEER_LINEMAX);
		else if (quic_conn_state(p->qc) == QUIC_ST_OPEN)
			peer_command(p, p->line, now);
		p->linelen = 0;
		p->line_toolong = 0;
	}
}

static __dead void
usage(void)
{
	extern char	*__progname;

	(void)fprintf(stderr, "usage: %s -r host [-p port] -c cert.der "
	    "[-n servername] -R room -m mac [-gkNv] [-B budget] "
	    "[-o role] [-P proto] [-S secret] [-t seconds]\n", __progname);
	exit(EXIT_FAIL);
}

int
main(int argc, char *argv[])
{
	struct peer	 peer, *p = &peer;
	struct pollfd	 pfd[2];
	const char	*errstr, *why;
	uint64_t	 now, when, ms;
	long long	 t;
	int		 ch, timeout, verbose = 0, status;

	memset(p, 0, sizeof(*p));
	p->port = "443";
	p->role = "client";
	p->secret = "";
	p->proto = WIREMSG_PROTO;
	p->sock = -1;

	while ((ch = getopt(argc, argv, "B:c:gkm:Nn:o:P:p:R:r:S:t:v")) != -1) {
		switch (ch) {
		case 'B':
			p->budget_override = (size_t)strtonum(optarg, 1,
			    WIREMSG_BUDGET_MAX, &errstr);
			if (errstr != NULL)
				errx(EXIT_FAIL, "budget %s: %s", optarg, errstr);
			break;
		case 'c':
			p->certfile = optarg;
			break;
		case 'g':
			p->role = "gateway";
			break;
		case 'k':
			p->keep = 1;
			break;
		case 'm':
			p->mac = optarg;
			break;
		case 'N':
			p->nohello = 1;
			break;
		case 'n':
			p->server_name = optarg;
			break;
		case 'o':
			p->role = optarg;
			break;
		case 'P':
			p->proto = strtonum(optarg, 0, UINT32_MAX, &errstr);
			if (errstr != NULL)
				errx(EXIT_FAIL, "proto %s: %s", optarg, errstr);
			break;
		case 'p':
			p->port = optarg;
			break;
		case 'R':
			p->room = optarg;
			break;
		case 'r':
			p->host = optarg;
			break;
		case 'S':
			p->secret = optarg;
			break;
		case 't':
			t = strtonum(optarg, 1, 86400, &errstr);
			if (errstr != NULL)
				errx(EXIT_FAIL, "timeout %s: %s", optarg, errstr);
			p->deadline = (uint64_t)t * QUIC_NSEC;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0 || p->host == NULL || p->certfile == NULL ||
	    p->room == NULL || p->mac == NULL)
		usage();
	if (p->server_name == NULL)
		p->server_name = p->host;

	log_init(1, 0);
	log_setverbose(verbose);
	log_procinit("slpeer");
	quic_init();
	if ((p->line = malloc(PEER_LINEMAX)) == NULL)
		fatal("line buffer");
	wiremsg_reader_init(&p->reader);
	ovl_tx_init(&p->tx, (uint16_t)arc4random());
	if (ovl_reasm_init(&p->reasm, 0, 0) == -1)
		fatal("reassembly table");

	now = clock_ns();
	if (p->deadline != 0)
		p->deadline += now;
	peer_socket(p);
	peer_connect(p, now);

	for (;;) {
		now = clock_ns();
		peer_flush(p, now);
		if (quic_conn_state(p->qc) != QUIC_ST_OPEN &&
		    quic_conn_state(p->qc) != QUIC_ST_HANDSHAKE)
			break;
		if (p->deadline != 0 && now >= p->deadline)
			break;

		when = quic_conn_expiry(p->qc);
		if (ovl_reasm_next_expiry(&p->reasm, &ms) &&
		    ms < UINT64_MAX / 1000000 && ms * 1000000 < when)
			when = ms * 1000000;
		if (p->deadline != 0 && p->deadline < when)
			when = p->deadline;
		if (when <= now)
			timeout = 0;
		else if (when - now > 60 * QUIC_NSEC)
			timeout = 60 * 1000;
		else
			timeout = (int)((when - now + 999999) / 1000000);

		pfd[0].fd = p->sock;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		pfd[1].fd = p->stdin_open ? STDIN_FILENO : -1;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		if (poll(pfd, 2, timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		now = clock_ns();
		if (pfd[0].revents & (POLLIN | POLLERR))
			peer_recv(p, now);
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			peer_stdin(p, now);
		if (quic_conn_expiry(p->qc) <= now)
			(void)quic_conn_handle_expiry(p->qc, now);
		if (ovl_reasm_expire(&p->reasm, now / 1000000) > 0)
			out("rx-drop reason=%s", ovl_drop_name(OVL_DROP_TIMEOUT));
	}

	/* One more flush: the CONNECTION_CLOSE of a quit. */
	peer_flush(p, now);
	if (quic_conn_state(p->qc) == QUIC_ST_OPEN ||
	    quic_conn_state(p->qc) == QUIC_ST_HANDSHAKE) {
		why = "timeout";
		status = EXIT_TIMEOUT;
	} else {
		if (p->reset_seen)
			why = "stateless reset";
		else if (p->quitting)
			why = "quit";
		else if ((why = quic_conn_error(p->qc)) == NULL || *why == '\0')
			why = "unknown";
		if (p->quitting && !p->reset_seen)
			status = EXIT_QUIT;
		else if (p->rejected)
			status = EXIT_REJECT;
		else
			status = EXIT_FAIL;
	}
	out("closed reason=%s", why);
	quic_conn_free(p->qc);
	quic_tls_free(p->tls);
	ovl_reasm_free(&p->reasm);
	free(p->line);
	(void)close(p->sock);
	return (status);
}
