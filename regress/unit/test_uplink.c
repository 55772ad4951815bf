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
 * common/uplink.c against an in-process QUIC server: the hello it sends,
 * welcome and membership callbacks, frames both ways (whole and
 * fragmented), the connection lost, and the error paths.  Each test runs
 * in a network namespace of its own (Criterion forks per test) with
 * 198.18.0.1 on its loopback; without the privilege to make one, the
 * tests are skipped.  On Windows (make check-windows, under Wine) there
 * is no namespace: the relay is on 127.0.0.1 and the loop is
 * clientd/win/evloop_win.c's.
 */

#include <sys/types.h>
#ifndef _WIN32
#include <sys/ioctl.h>
#endif
#include <sys/socket.h>

#ifndef _WIN32
#include <net/if.h>
#endif
#include <netinet/in.h>
#ifndef _WIN32
#include <netinet/udp.h>
#endif
#include <arpa/inet.h>

#include <errno.h>
#ifndef _WIN32
#include <event.h>
#include <fcntl.h>
#include <sched.h>
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "clock.h"
#include "compat.h"
#include "ether.h"
#include "evloop.h"
#include "overlay.h"
#ifndef _WIN32
#include "udpseg.h"
#endif
#include "quic.h"
#include "uplink.h"
#include "wiremsg.h"

#define CN		"softlan-relay"
#ifdef _WIN32
#define RELAYADDR	"127.0.0.1"
#else
#define RELAYADDR	"198.18.0.1"
#endif
#define GWMAC		"00:1b:21:0a:0b:0c"
#define PEERMAC		"02:00:00:00:00:07"
#define BP_FRAMES	400		/* back-pressure test's frames */
#define BP_LEN		1500		/* two pieces each */

struct srv {
	EVLOOP_SOCKET		 fd;
	struct evloop_io	 ev;
	struct quic_tls		*tls;
	struct quic_config	 cfg;
	struct quic_conn	*qc;
	struct quic_path	 path;
	uint8_t			 secret[32];
	int64_t			 sid;
	struct wiremsg_reader	 reader;
	struct wiremsg		 msg;
	int			 hello;
	struct wiremsg_hello	 h;
	struct ovl_reasm	 reasm;
	struct ovl_tx		 tx;
	uint8_t			 frame[OVL_MAX_FRAME];
	size_t			 framelen;
	int			 frames;	/* reassembled */
	uint8_t			 seen[BP_FRAMES];	/* by sequence */
	uint64_t		 bytes;			/* of whole frames */
	int			 gso;	/* srv_flush(): UDP GSO runs */
	int			 gso_runs;	/* sends of several */
};

struct cli {
	int			 welcomes;
	uint32_t		 peer_id;
	size_t			 npeers;
	int			 joined;
	int			 left;
	enum session_state	 states[16];
	size_t			 nstates;
	uint8_t			 frame[OVL_MAX_FRAME];
	size_t			 framelen;
	int			 frames;
	int			 exits;
	int			 writables;
	int			 in_send;	/* inside uplink_send_frame */
	int			 seq_check;	/* byte 20 counts 1, 2, ... */
	uint8_t			 seq_last;
	int			 seq_bad;
};

static void	 srv_flush(void);
#ifndef _WIN32
static void	 srv_flush_gso(void);
#endif

static struct srv	 S;
static struct cli	 C;
#ifndef _WIN32
static int		 T_gro;	/* udp_socket(): with UDP_GRO */
#endif
static uint8_t		*cert, *key;
static size_t		 certlen, keylen;

static uint64_t
now_ns(void)
{
	return (clock_ns());
}

/*
 * One pass of the loop, at most 20 ms.  On Windows the server also sends
 * what its pacing held back: it has no timer of its own, and with Wine's
 * coarser clock nothing else may wake it.
 */
static void
loop_once(void)
{
#ifdef _WIN32
	(void)evloop_loop_once(NULL, 20 * 1000000);
	srv_flush();
#else
	struct timeval	 tv = { 0, 20000 };

	event_loopexit(&tv);
	event_loop(EVLOOP_ONCE);
#endif
}

static void
srv_flush(void)
{
	struct quic_path	 path;
	uint8_t			 pkt[QUIC_MAX_PKTLEN];
	ssize_t			 n;

	if (S.qc == NULL)
		return;
#ifndef _WIN32
	if (S.gso) {
		srv_flush_gso();
		return;
	}
#endif
	while ((n = quic_conn_write(S.qc, &path, pkt, sizeof(pkt),
	    now_ns())) > 0)
		(void)sendto(S.fd, (const char *)pkt, (size_t)n, 0,
		    (struct sockaddr *)&path.remote, path.remotelen);
}

#ifndef _WIN32
/* The server's packets as UDP GSO runs of one size, as relayd sends. */
static void
srv_gso_send(const uint8_t *buf, size_t len, size_t seg,
    const struct quic_path *path)
{
	struct msghdr		 msg;
	struct iovec		 iov;
	union udpseg_ctl	 ctl;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	msg.msg_name = (void *)(uintptr_t)&path->remote;
	msg.msg_namelen = path->remotelen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	udpseg_gso(&msg, &ctl, seg);
	cr_assert_eq(sendmsg(S.fd, &msg, 0), (ssize_t)len, "sendmsg: %s",
	    strerror(errno));
	if (len > seg)
		S.gso_runs++;
}

static void
srv_flush_gso(void)
{
	static uint8_t		 buf[64 * 1024];
	struct quic_path	 path;
	ssize_t			 n;
	size_t			 off = 0, seg = 0;

	for (;;) {
		if (off + QUIC_MAX_PKTLEN > sizeof(buf)) {
			srv_gso_send(buf, off, seg, &path);
			off = 0;
		}
		n = quic_conn_write(S.qc, &path, buf + off, QUIC_MAX_PKTLEN,
		    now_ns());
		if (n <= 0)
			break;
		if (off > 0 && (size_t)n > seg) {
			srv_gso_send(buf, off, seg, &path);
			memmove(buf, buf + off, (size_t)n);
			off = 0;
		}
		if (off == 0)
			seg = (size_t)n;
		off += (size_t)n;
		/* A shorter packet ends a run. */
		if ((size_t)n < seg) {
			srv_gso_send(buf, off, seg, &path);
			off = 0;
		}
	}
	if (off > 0)
		srv_gso_send(buf, off, seg, &path);
}
#endif

static void
srv_send_msg(const struct wiremsg *m)
{
	struct wiremsg_error	 err;
	uint8_t			 buf[WIREMSG_FRAME_MAX];
	size_t			 len;

	cr_assert_eq(wiremsg_encode(m, buf, sizeof(buf), &len, &err), 0, "%s",
	    err.msg);
	cr_assert_eq(quic_conn_stream_write(S.qc, S.sid, buf, len), 0);
	srv_flush();
}

static void
srv_stream(struct quic_conn *qc, int64_t sid, const uint8_t *data,
    size_t len, int fin, void *arg)
{
	struct wiremsg_error	 err;
	size_t			 used;
	int			 rv;

	(void)qc;
	(void)fin;
	(void)arg;
	S.sid = sid;
	while (len > 0) {
		rv = wiremsg_reader_feed(&S.reader, data, len, &used, &S.msg,
		    &err);
		cr_assert_neq(rv, -1, "%s", err.msg);
		data += used;
		len -= used;
		if (rv == 1 && S.msg.type == WIREMSG_HELLO) {
			S.hello++;
			S.h = S.msg.u.hello;
		}
	}
}

static void
srv_datagram(struct quic_conn *qc, const uint8_t *data, size_t len,
    void *arg)
{
	struct ovl_rx	 rx;

	(void)qc;
	(void)arg;
	if (ovl_reasm_input(&S.reasm, data, len, now_ns() / 1000000,
	    &rx) == OVL_RX_FRAME) {
		memcpy(S.frame, rx.frame, rx.len);
		S.framelen = rx.len;
		S.frames++;
		S.bytes += rx.len;
		if (rx.len == BP_LEN)
			S.seen[(rx.frame[14] << 8 | rx.frame[15]) %
			    BP_FRAMES]++;
	}
}

static const struct quic_cb srv_cb = {
	.stream = srv_stream,
	.datagram = srv_datagram,
};

static void
srv_read(void *arg)
{
	uint8_t			 buf[2048];
	struct sockaddr_storage	 from;
	socklen_t		 fromlen = sizeof(from);
	ssize_t			 n;

	(void)arg;
	while ((n = recvfrom(S.fd, (char *)buf, sizeof(buf), 0,
	    (struct sockaddr *)&from, &fromlen)) > 0) {
		memcpy(&S.path.remote, &from, fromlen);
		S.path.remotelen = fromlen;
		if (S.qc == NULL)
			S.qc = quic_conn_accept(&S.cfg, &S.path, buf,
			    (size_t)n, now_ns());
		else
			(void)quic_conn_read(S.qc, &S.path, buf, (size_t)n,
			    now_ns());
		fromlen = sizeof(from);
	}
	srv_flush();
}

/* Frames from the server, fragmented above its budget. */
static void
srv_send_frame(const uint8_t *f, size_t len)
{
	struct ovl_piece	 pieces[OVL_MAX_FRAGS];
	uint8_t			 dg[OVL_FRAG_HDRLEN + OVL_MAX_FRAME];
	int			 n, i;

	n = ovl_encode(&S.tx, f, len, quic_conn_frame_budget(S.qc), pieces);
	cr_assert_gt(n, 0);
	for (i = 0; i < n; i++)
		cr_assert_eq(quic_conn_send_datagram(S.qc, dg,
		    ovl_piece_copy(&pieces[i], dg, sizeof(dg))),
		    QUIC_DGRAM_QUEUED);
	srv_flush();
}

static void
cb_frame(const uint8_t *f, size_t len, void *arg)
{
	(void)arg;
	memcpy(C.frame, f, len);
	C.framelen = len;
	C.frames++;
	if (C.seq_check) {
		if (len != 1000 || f[20] != (uint8_t)(C.seq_last + 1))
			C.seq_bad++;
		C.seq_last = f[20];
	}
}

static void
cb_welcome(const struct wiremsg_welcome *w, void *arg)
{
	(void)arg;
	C.welcomes++;
	C.peer_id = w->peer_id;
	C.npeers = w->npeers;
}

static void
cb_joined(const struct wiremsg_peer *p, void *arg)
{
	(void)p;
	(void)arg;
	C.joined++;
}

static void
cb_left(const struct wiremsg_peer *p, void *arg)
{
	(void)p;
	(void)arg;
	C.left++;
}

static void
cb_state(enum session_state old, enum session_state new, void *arg)
{
	(void)old;
	(void)arg;
	if (C.nstates < nitems(C.states))
		C.states[C.nstates++] = new;
}

static void
cb_exit(int status, void *arg)
{
	(void)status;
	(void)arg;
	C.exits++;
}

static void
cb_writable(void *arg)
{
	(void)arg;
	cr_assert_eq(C.in_send, 0, "writable from inside uplink_send_frame");
	C.writables++;
}

static const struct uplink_cb cli_cb = {
	.frame = cb_frame,
	.welcome = cb_welcome,
	.peer_joined = cb_joined,
	.peer_left = cb_left,
	.state = cb_state,
	.exit = cb_exit,
	.writable = cb_writable,
};

static EVLOOP_SOCKET
udp_socket(const char *addr)
{
	struct sockaddr_in	 sin;
	EVLOOP_SOCKET		 fd;
#ifdef _WIN32
	u_long			 on = 1;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_neq(fd, INVALID_SOCKET);
	cr_assert_eq(ioctlsocket(fd, FIONBIO, &on), 0);
#else

	int			 on = 1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	cr_assert_neq(fd, -1);
	if (T_gro)
		cr_assert_eq(setsockopt(fd, SOL_UDP, UDP_GRO, &on,
		    sizeof(on)), 0);
#endif
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin.sin_addr);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return (fd);
}

/* A private network namespace whose loopback has RELAYADDR. */
static void
netns(void)
{
#ifdef _WIN32
	static int	 started;
	WSADATA		 wsa;

	if (!started) {
		cr_assert_eq(WSAStartup(MAKEWORD(2, 2), &wsa), 0);
		started = 1;
	}
#else
	struct ifreq		 ifr;
	struct sockaddr_in	*sin;
	int			 s;

	if (unshare(CLONE_NEWNET) == -1)
		cr_skip_test("no network namespace: %s", strerror(errno));
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_neq(s, -1);
	memset(&ifr, 0, sizeof(ifr));
	(void)strlcpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name));
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	cr_assert_eq(inet_pton(AF_INET, RELAYADDR, &sin->sin_addr), 1);
	cr_assert_eq(ioctl(s, SIOCSIFADDR, &ifr), 0, "%s", strerror(errno));
	cr_assert_eq(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	cr_assert_eq(ioctl(s, SIOCSIFFLAGS, &ifr), 0, "%s", strerror(errno));
	close(s);
#endif
}

static void
setup(void)
{
	socklen_t	 len;

	netns();
	memset(&S, 0, sizeof(S));
	memset(&C, 0, sizeof(C));
#ifdef _WIN32
	evloop_init(evloop_default());
#else
	event_init();
#endif
	quic_init();
	cr_assert_eq(quic_certgen(CN, 2, &cert, &certlen, &key, &keylen), 0);
	S.tls = quic_tls_server_new(cert, certlen, key, keylen);
	cr_assert_not_null(S.tls);
	quic_config_default(&S.cfg);
	S.cfg.tls = S.tls;
	arc4random_buf(S.secret, sizeof(S.secret));
	S.cfg.reset_secret = S.secret;
	S.cfg.reset_secretlen = sizeof(S.secret);
	S.cfg.cb = &srv_cb;
	S.fd = udp_socket(RELAYADDR);
	len = sizeof(S.path.local);
	cr_assert_eq(getsockname(S.fd, (struct sockaddr *)&S.path.local,
	    &len), 0);
	S.path.locallen = len;
	wiremsg_reader_init(&S.reader);
	cr_assert_eq(ovl_reasm_init(&S.reasm, 0, 0), 0);
	ovl_tx_init(&S.tx, 1);
	cr_assert_eq(evloop_io_set(&S.ev, NULL, S.fd, srv_read, NULL), 0);
	cr_assert_eq(evloop_io_add(&S.ev), 0);
}

static void
teardown(void)
{
	evloop_io_del(&S.ev);
	if (S.qc != NULL)
		quic_conn_free(S.qc);
	quic_tls_free(S.tls);
	ovl_reasm_free(&S.reasm);
#ifdef _WIN32
	(void)closesocket(S.fd);
#else
	close(S.fd);
#endif
	free(cert);
	freezero(key, keylen);
}

static void
conf_init(struct uplink_conf *uc)
{
	memset(uc, 0, sizeof(*uc));
	session_conf_init(&uc->session);
	uc->session.role = WIREMSG_ROLE_GATEWAY;
	cr_assert_eq(ether_mac_parse(GWMAC, &uc->session.mac), 0);
	(void)strlcpy(uc->session.room, "lan", sizeof(uc->session.room));
	uc->ca = cert;
	uc->calen = certlen;
	(void)strlcpy(uc->server_name, CN, sizeof(uc->server_name));
	(void)strlcpy(uc->relay_name, "relay.test", sizeof(uc->relay_name));
	memcpy(&uc->relay, &S.path.local, S.path.locallen);
	uc->relaylen = S.path.locallen;
}

/*
 * Run the loop until *flag reaches want, for at most 30 s: a bound for a
 * loaded machine (sanitizers, Wine), not a speed test.
 */
static void
run_until(const int *flag, int want)
{
	uint64_t	 end = now_ns() + 30 * QUIC_NSEC;

	while (*flag < want && now_ns() < end)
		loop_once();
	cr_assert_geq(*flag, want, "timed out");
}

static uint64_t
counter(const struct uplink *u, const char *name)
{
	struct wiremsg_counter	 cs[128];
	size_t			 n, i;

	n = uplink_counters_export(u, cs, nitems(cs));
	for (i = 0; i < n; i++)
		if (strcmp(cs[i].name, name) == 0)
			return (cs[i].value);
	cr_assert_fail("no counter %s", name);
	return (0);
}

TestSuite(uplink, .init = setup, .fini = teardown);

Test(uplink, errors)
{
	struct uplink_conf	 uc;
	struct uplink		*u;
	char			 err[256];
	uint8_t			 f[60];

	conf_init(&uc);
	uc.relaylen = 0;
	cr_assert_null(uplink_new(NULL, udp_socket("0.0.0.0"), &uc, &cli_cb,
	    NULL, err, sizeof(err)));
	cr_assert_str_eq(err, "uplink: no relay address");

	conf_init(&uc);
	uc.ca = (const uint8_t *)"not a certificate";
	uc.calen = 17;
	cr_assert_null(uplink_new(NULL, udp_socket("0.0.0.0"), &uc, &cli_cb,
	    NULL, err, sizeof(err)));
	cr_assert(strstr(err, "CA certificate") != NULL, "%s", err);

	conf_init(&uc);
	(void)strlcpy(uc.session.room, "no room", sizeof(uc.session.room));
	cr_assert_null(uplink_new(NULL, udp_socket("0.0.0.0"), &uc, &cli_cb,
	    NULL, err, sizeof(err)));
	cr_assert(strstr(err, "\"room\"") != NULL, "%s", err);

	/* Not connected: frames are refused and counted. */
	conf_init(&uc);
	u = uplink_new(NULL, udp_socket("0.0.0.0"), &uc, &cli_cb, NULL, err,
	    sizeof(err));
	cr_assert_not_null(u, "%s", err);
	memset(f, 0xff, sizeof(f));
	cr_assert_eq(uplink_send_frame(u, f, sizeof(f)), UPLINK_NOTCONNECTED);
	cr_assert_eq(counter(u, "uplink-drop-not-connected"), 1);
	cr_assert_eq(uplink_state(u), SESSION_DISCONNECTED);
	cr_assert_eq(uplink_room_mtu(u), 0);
	uplink_free(u);
}

Test(uplink, counter_names)
{
	struct wiremsg_counter	 cs[128];
	struct uplink_conf	 uc;
	struct uplink		*u;
	char			 err[256];
	size_t			 n, i, j;

	conf_init(&uc);
	u = uplink_new(NULL, udp_socket("0.0.0.0"), &uc, &cli_cb, NULL, err,
	    sizeof(err));
	cr_assert_not_null(u, "%s", err);
	n = uplink_counters_export(u, cs, nitems(cs));
	cr_assert_gt(n, 30);
	cr_assert_lt(n, nitems(cs));
	for (i = 0; i < n; i++) {
		cr_assert_lt(strlen(cs[i].name), WIREMSG_COUNTER_NAME_MAX);
		for (j = i + 1; j < n; j++)
			cr_assert_str_neq(cs[i].name, cs[j].name);
	}
	/* A short array gets a prefix. */
	cr_assert_eq(uplink_counters_export(u, cs, 3), 3);
	uplink_free(u);
}

Test(uplink, session)
{
	struct uplink_conf	 uc;
	struct uplink_status	 st;
	struct uplink		*u;
	struct wiremsg		 m;
	char			 err[256];
	uint8_t			 f[1500];	/* over any budget */
	size_t			 i;

	conf_init(&uc);
	u = uplink_new(NULL, udp_socket("0.0.0.0"), &uc, &cli_cb, NULL, err,
	    sizeof(err));
	cr_assert_not_null(u, "%s", err);
	uplink_start(u);
	run_until(&S.hello, 1);
	cr_assert_eq(S.h.role, WIREMSG_ROLE_GATEWAY);
	cr_assert_str_eq(S.h.room, "lan");
	cr_assert_str_eq(ether_mac_str(&S.h.mac), GWMAC);
	cr_assert_eq(S.h.datagram_budget, quic_conn_frame_budget(S.qc));
	cr_assert_eq(uplink_state(u), SESSION_HELLO_SENT);

	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_WELCOME;
	m.u.welcome.peer_id = 9;
	m.u.welcome.room_mtu = 1400;
	m.u.welcome.npeers = 1;
	m.u.welcome.peers[0].peer_id = 7;
	m.u.welcome.peers[0].role = WIREMSG_ROLE_CLIENT;
	cr_assert_eq(ether_mac_parse(PEERMAC, &m.u.welcome.peers[0].mac), 0);
	srv_send_msg(&m);
	run_until(&C.welcomes, 1);
	cr_assert_eq(C.peer_id, 9);
	cr_assert_eq(C.npeers, 1);
	cr_assert_eq(uplink_room_mtu(u), 1400);
	cr_assert_eq(C.nstates, 3);
	cr_assert_eq(C.states[0], SESSION_CONNECTING);
	cr_assert_eq(C.states[1], SESSION_HELLO_SENT);
	cr_assert_eq(C.states[2], SESSION_CONNECTED);
	uplink_status(u, &st);
	cr_assert_str_eq(st.session.state, "connected");
	cr_assert(strstr(st.relay, "relay.test (" RELAYADDR " port ") != NULL,
	    "%s", st.relay);
	cr_assert_gt(st.budget, 1000);

	/* peer-joined, peer-left. */
	m.type = WIREMSG_PEER_JOINED;
	m.u.peer.peer_id = 8;
	m.u.peer.role = WIREMSG_ROLE_CLIENT;
	cr_assert_eq(ether_mac_parse("02:00:00:00:00:08", &m.u.peer.mac), 0);
	srv_send_msg(&m);
	run_until(&C.joined, 1);
	m.type = WIREMSG_PEER_LEFT;
	srv_send_msg(&m);
	run_until(&C.left, 1);

	/* relay -> uplink: whole, then fragmented. */
	for (i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)i;
	srv_send_frame(f, 60);
	run_until(&C.frames, 1);
	cr_assert_eq(C.framelen, 60);
	cr_assert_arr_eq(C.frame, f, 60);
	srv_send_frame(f, sizeof(f));
	run_until(&C.frames, 2);
	cr_assert_eq(C.framelen, sizeof(f));
	cr_assert_arr_eq(C.frame, f, sizeof(f));

	/* uplink -> relay: fragmented (packets are at most 1452 bytes). */
	f[0] = 0xaa;
	cr_assert_eq(uplink_send_frame(u, f, sizeof(f)), UPLINK_SENT);
	{
		int	 got = 0;
		uint64_t end = now_ns() + 5 * QUIC_NSEC;

		while (S.framelen != sizeof(f) && now_ns() < end)
			loop_once();
		got = S.framelen == sizeof(f);
		cr_assert(got, "the server got no frame");
	}
	cr_assert_arr_eq(S.frame, f, sizeof(f));
	cr_assert_eq(counter(u, "egress-frames"), 1);
	cr_assert_eq(counter(u, "uplink-frames-in"), 2);
	cr_assert_eq(counter(u, "ovl-tx-whole"), 0);
	cr_assert_eq(counter(u, "ovl-tx-fragmented"), 1);
	cr_assert_geq(counter(u, "ovl-tx-fragments"), 2);

	/* The relay closes: the uplink goes to retrying. */
	(void)quic_conn_close(S.qc, 3, "shutdown", now_ns());
	srv_flush();
	{
		int	 retrying = 0;
		uint64_t end = now_ns() + 5 * QUIC_NSEC;

		while (!retrying && now_ns() < end) {
			loop_once();
			retrying = uplink_state(u) == SESSION_RETRYING;
		}
		cr_assert(retrying, "state %d", uplink_state(u));
	}
	cr_assert_eq(C.states[C.nstates - 1], SESSION_RETRYING);
	cr_assert_eq(counter(u, "session-disconnects"), 1);
	cr_assert_eq(uplink_send_frame(u, f, 60), UPLINK_NOTCONNECTED);
	cr_assert_eq(C.exits, 0);
	uplink_stop(u, "test over");
	cr_assert_eq(uplink_state(u), SESSION_DISCONNECTED);
	uplink_free(u);
}

/* An uplink in a room: handshake, hello, welcome. */
static struct uplink *
uplink_joined(void)
{
	struct uplink_conf	 uc;
	struct uplink		*u;
	struct wiremsg		 m;
	char			 err[256];

	conf_init(&uc);
	u = uplink_new(NULL, udp_socket("0.0.0.0"), &uc, &cli_cb, NULL, err,
	    sizeof(err));
	cr_assert_not_null(u, "%s", err);
	uplink_start(u);
	run_until(&S.hello, 1);
	memset(&m, 0, sizeof(m));
	m.type = WIREMSG_WELCOME;
	m.u.welcome.peer_id = 9;
	m.u.welcome.room_mtu = 1400;
	srv_send_msg(&m);
	run_until(&C.welcomes, 1);
	cr_assert_eq(uplink_state(u), SESSION_CONNECTED);
	return (u);
}

/* Frame seq of the back-pressure tests: BP_LEN bytes, seq in 14..15. */
static int
bp_send(struct uplink *u, uint8_t *f, int seq)
{
	int	 rv;

	memset(f, 0x5a, BP_LEN);
	f[14] = (uint8_t)(seq >> 8);
	f[15] = (uint8_t)seq;
	C.in_send = 1;
	rv = uplink_send_frame(u, f, BP_LEN);
	C.in_send = 0;
	return (rv);
}

/*
 * Back-pressure: frames sent faster than the connection may send them
 * fill the datagram queue; UPLINK_FULL takes nothing (the caller keeps
 * the frame), writable comes once the queue drained to half, from the
 * loop, and the frame sent again then arrives.  No frame is lost and
 * none is counted as dropped.
 */
Test(uplink, backpressure)
{
	struct uplink	*u;
	uint8_t		 f[BP_LEN];
	uint64_t	 end;
	int		 seq = 0, fulls = 0, w, rv, i;

	u = uplink_joined();
	while (seq < BP_FRAMES) {
		if ((rv = bp_send(u, f, seq)) == UPLINK_SENT) {
			seq++;
			continue;
		}
		cr_assert_eq(rv, UPLINK_FULL, "frame %d: %d", seq, rv);
		fulls++;
		w = C.writables;
		/* Still full until the loop ran: no callback meanwhile. */
		cr_assert_eq(bp_send(u, f, seq), UPLINK_FULL);
		fulls++;
		cr_assert_eq(C.writables, w);
		run_until(&C.writables, w + 1);
		cr_assert_eq(C.writables, w + 1);
	}
	cr_assert_gt(fulls, 0, "the queue never filled");
	end = now_ns() + 30 * QUIC_NSEC;
	while (S.frames < BP_FRAMES && now_ns() < end)
		loop_once();
#ifdef _WIN32
	/*
	 * Under Wine the loopback UDP path itself drops some of a burst
	 * that one thread sends and receives (about every second run):
	 * QUIC datagrams are not retransmitted, so the exact count is
	 * checked on Linux only; here every frame arrives at most once.
	 */
	cr_assert_gt(S.frames, 0);
	for (i = 0; i < BP_FRAMES; i++)
		cr_assert_leq(S.seen[i], 1, "frame %d seen %d times", i,
		    S.seen[i]);
#else
	cr_assert_eq(S.frames, BP_FRAMES);
	for (i = 0; i < BP_FRAMES; i++)
		cr_assert_eq(S.seen[i], 1, "frame %d seen %d times", i,
		    S.seen[i]);
#endif
	cr_assert_eq(counter(u, "uplink-queue-full"), (uint64_t)fulls);
	cr_assert_eq(counter(u, "uplink-writable"), (uint64_t)C.writables);
	cr_assert_eq(counter(u, "egress-frames"), BP_FRAMES);
	cr_assert_eq(counter(u, "egress-drop-queue-full"), 0);
	cr_assert_eq(counter(u, "quic-dgram-drop-full"), 0);
	cr_assert_eq(counter(u, "ovl-tx-fragmented"), BP_FRAMES,
	    "a refused frame used no overlay id");
	uplink_stop(u, "test over");
	uplink_free(u);
}

/*
 * n frames, frame i lens[i % nlens] bytes long, waiting for room when the
 * queue is full; the bytes sent.
 */
static uint64_t
burst(struct uplink *u, int n, const size_t *lens, size_t nlens)
{
	uint8_t		 f[1500];
	uint64_t	 bytes = 0;
	int		 i, w, rv;

	memset(f, 0x66, sizeof(f));
	f[0] = 0x02;		/* locally administered unicast */
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	f[12] = 0x08;
	f[13] = 0x00;
	for (i = 0; i < n; i++) {
		while ((rv = uplink_send_frame(u, f, lens[i % nlens])) ==
		    UPLINK_FULL) {
			w = C.writables;
			run_until(&C.writables, w + 1);
		}
		cr_assert_eq(rv, UPLINK_SENT, "frame %d: %d", i, rv);
		bytes += lens[i % nlens];
	}
	return (bytes);
}

/*
 * A burst of frames of mixed sizes: conn_flush() sends runs of equal
 * packets as one UDP GSO message on Linux, a shorter packet ending a run
 * and a longer one starting the next.  Every frame arrives whole (a
 * packet cut at the wrong place would fail its AEAD check), and on
 * Linux some sends carried several packets.
 */
Test(uplink, gso_mixed_sizes)
{
	static const size_t	 lens[] = { 1000, 1000, 1000, 60, 1300, 1300,
	    200, 1000, 1400, 1400, 1400, 1400, 90, 700 };
	struct uplink		*u;
	uint64_t		 end, bytes;
	int			 n = 300;

	u = uplink_joined();
	bytes = burst(u, n, lens, nitems(lens));
	end = now_ns() + 30 * QUIC_NSEC;
	while (S.frames < n && now_ns() < end)
		loop_once();
#ifndef _WIN32
	cr_assert_eq(S.frames, n);
	cr_assert_eq(S.bytes, bytes);
	cr_assert_gt(counter(u, "udp-gso-sends"), 0);
	cr_assert_gt(counter(u, "udp-sent"), counter(u, "udp-gso-sends"));
#else
	(void)bytes;	/* Wine's loopback may drop some: not compared */
	cr_assert_gt(S.frames, 0);
	cr_assert_eq(counter(u, "udp-gso-sends"), 0);
#endif
	cr_assert_eq(counter(u, "udp-send-errors"), 0);
	uplink_stop(u, "test over");
	uplink_free(u);
}

#ifndef _WIN32
/*
 * UDP GRO, as priv/udp.c turns it on: the relay's runs of equal packets
 * (UDP GSO) reach the uplink as one buffer, which it splits into the
 * packets again.  Every frame arrives whole and in order.
 */
Test(uplink, gro_split)
{
	struct ovl_piece	 pieces[OVL_MAX_FRAGS];
	struct uplink		*u;
	uint8_t			 f[1000], dg[OVL_FRAG_HDRLEN + OVL_MAX_FRAME];
	uint64_t		 end;
	int			 i, n;

	T_gro = 1;
	u = uplink_joined();
	T_gro = 0;
	S.gso = 1;
	C.seq_check = 1;
	for (i = 1; i <= 60; i++) {
		memset(f, 0x44, sizeof(f));
		f[20] = (uint8_t)i;
		n = ovl_encode(&S.tx, f, sizeof(f),
		    quic_conn_frame_budget(S.qc), pieces);
		cr_assert_eq(n, 1);
		cr_assert_eq(quic_conn_send_datagram(S.qc, dg,
		    ovl_piece_copy(&pieces[0], dg, sizeof(dg))),
		    QUIC_DGRAM_QUEUED);
	}
	srv_flush();
	/* The server has no timer: what its pacing held goes out here. */
	end = now_ns() + 30 * QUIC_NSEC;
	while (C.frames < 60 && now_ns() < end) {
		loop_once();
		srv_flush();
	}
	cr_assert_eq(C.frames, 60, "%d frames, %zu still queued", C.frames,
	    quic_conn_dgram_queued(S.qc));
	cr_assert_eq(C.seq_bad, 0, "%d frames arrived cut or out of order",
	    C.seq_bad);
	cr_assert_gt(S.gso_runs, 0);
	cr_assert_gt(counter(u, "udp-gro-reads"), 0, "recv %llu, server runs %d",
	    (unsigned long long)counter(u, "udp-recv"), S.gso_runs);
	cr_assert_eq(counter(u, "udp-drop-not-relay"), 0);
	cr_assert_eq(counter(u, "udp-drop-truncated"), 0);
	uplink_stop(u, "test over");
	uplink_free(u);
}
#endif

#ifndef _WIN32
/* The MTU of the test namespace's loopback. */
static void
lo_mtu(int mtu)
{
	struct ifreq	 ifr;
	int		 s;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_neq(s, -1);
	memset(&ifr, 0, sizeof(ifr));
	(void)strlcpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name));
	ifr.ifr_mtu = mtu;
	cr_assert_eq(ioctl(s, SIOCSIFMTU, &ifr), 0, "%s", strerror(errno));
	close(s);
}

/*
 * A route whose MTU is below the path's size (the loopback at 1300 here:
 * path MTU discovery still reaches 1452, its probes fragmented by the
 * kernel): a GSO run of packets over the MTU is refused (EMSGSIZE), that
 * run goes one by one (udp-gso-refused) and arrives, and GSO stays on
 * for the runs that fit.
 */
Test(uplink, gso_run_over_route_mtu)
{
	static const size_t	 big = 1350, small = 600;
	struct uplink_status	 st;
	struct uplink		*u;
	uint64_t		 end, sends;
	int			 want;

	lo_mtu(1300);
	u = uplink_joined();
	end = now_ns() + 30 * QUIC_NSEC;
	do {
		loop_once();
		uplink_status(u, &st);
	} while (st.budget < 1350 && now_ns() < end);
	cr_assert_geq(st.budget, 1350, "path MTU discovery: budget %zu",
	    st.budget);
	want = S.frames + 200;
	(void)burst(u, 200, &big, 1);
	end = now_ns() + 30 * QUIC_NSEC;
	while (S.frames < want && now_ns() < end)
		loop_once();
	cr_assert_eq(S.frames, want);
	cr_assert_gt(counter(u, "udp-gso-refused"), 0);
	cr_assert_eq(counter(u, "udp-send-errors"), 0);
	sends = counter(u, "udp-gso-sends");
	want = S.frames + 200;
	(void)burst(u, 200, &small, 1);
	end = now_ns() + 30 * QUIC_NSEC;
	while (S.frames < want && now_ns() < end)
		loop_once();
	cr_assert_eq(S.frames, want);
	cr_assert_gt(counter(u, "udp-gso-sends"), sends,
	    "GSO was turned off for good");
	uplink_stop(u, "test over");
	uplink_free(u);
}
#endif

/*
 * The connection goes away while the caller waits for room: no writable,
 * the state callback says it (the caller drops its frame), and frames are
 * refused as not connected.
 */
Test(uplink, backpressure_lost)
{
	struct uplink	*u;
	uint8_t		 f[BP_LEN];
	uint64_t	 end;
	int		 seq = 0, w;

	u = uplink_joined();
	while (bp_send(u, f, seq) == UPLINK_SENT)
		cr_assert_lt(++seq, 10000, "the queue never filled");
	w = C.writables;
	(void)quic_conn_close(S.qc, 3, "shutdown", now_ns());
	srv_flush();
	end = now_ns() + 5 * QUIC_NSEC;
	while (uplink_state(u) == SESSION_CONNECTED && now_ns() < end)
		loop_once();
	cr_assert_neq(uplink_state(u), SESSION_CONNECTED);
	cr_assert_eq(C.writables, w, "writable after the connection went");
	cr_assert_eq(bp_send(u, f, seq), UPLINK_NOTCONNECTED);
	uplink_stop(u, "test over");
	uplink_free(u);
}
