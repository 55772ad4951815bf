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
 * quicpkt: arbitrary UDP datagrams, empty ones included, through relayd's
 * packet input (relay.c: packet_input, conn_accept, send_reset, in the
 * same order of common/quic.c calls) and through the uplink's read on a
 * client connection, against a relay connection whose handshake with
 * that client completed in memory.  No sockets: two queues are the
 * network between the relay and the client, and the input moves the
 * clock.
 *
 * Once per process: wolfSSL's randomness (getrandom(), and
 * wolfSSL_RAND_bytes() wrapped at link time) comes from a fixed seed and
 * its clock (wc_SetTimeCb) is fixed, so the certificate from
 * quic_certgen(), the connection IDs and the keys are the same in every
 * run; then the client connects through the relay's own packet input.
 *
 * The input is a list of records, each an op byte and what follows it:
 *
 *	op & 7 = 0-3	a datagram to the relay: a 2-byte big-endian length,
 *			then the bytes (cut to what is left, at most 2048:
 *			relayd's receive buffer).  Bits 3-4 overwrite its
 *			DCID: 0 not, 1 with the live relay connection's,
 *			2 the client's, 3 the newest accepted connection's.
 *			Bits 5-6 pick the source: the client's address,
 *			another IPv4 host, an IPv6 host, the client's host
 *			from another port.  Bit 7: a busy relay, which
 *			answers a first Initial with a Retry.
 *	op & 7 = 4	a datagram to the client, spoofed from the relay
 *			(bit 5: from another host); same format.
 *	op & 7 = 5	the clock: one byte b, the clock moves on by
 *			((b & 15) + 1) ms << (b >> 4), up to 524 s; every
 *			timer due on the way fires, in order.
 *	op & 7 = 6	traffic on the live pair: a byte t, a length byte,
 *			the bytes; t & 3: 0 client stream, 1 client datagram,
 *			2 relay datagram, 3 relay stream.  Stream data
 *			starting with 0xff makes the relay close from its
 *			callback, as relayd does on a bad control message.
 *	op & 7 = 7	control, a byte c; c & 7: 0 lose the next packet to
 *			the relay (kept), 1 the same towards the client,
 *			2 deliver a kept packet late (c >> 3 picks it),
 *			3 deliver a copy of one, 4 relay restart (the live
 *			connection is forgotten), 5 the client closes, 6 the
 *			relay closes, 7 all packets in flight are lost.
 *
 * The empty input is one empty datagram to the relay, to the live relay
 * connection and to the client.
 *
 * Oracles, besides the sanitizers and ngtcp2's live assert()s:
 *	- a datagram under QUIC_MIN_PKTLEN bytes is counted and changes
 *	  nothing: no connection state, no answer;
 *	- no injected datagram closes the live pair; the client may end only
 *	  with "stateless reset";
 *	- quic_conn_write() stays within its buffer and ends (returns 0);
 *	- a stateless reset is shorter than its trigger, a Retry shorter
 *	  than the Initial it answers; quic_conn_accept() and
 *	  quic_write_retry() refuse what quic_initial_check() refuses;
 *	- connection IDs: each one announced is removed at most once, all
 *	  are gone when the connection is freed, and the client's packets
 *	  always find the live relay connection;
 *	- the handshake in memory completes; timers do not spin.
 *
 * Between inputs only the live pair (made again when gone) and the clock
 * carry over; accepted connections and kept packets go with their input.
 * QUICPKT_GEN=dir writes the seed corpus; FUZZ_VERBOSE=1 shows the log.
 */

#include <sys/types.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>

#include "compat.h"
#include "log.h"
#include "quic.h"

#include "fuzz.h"

#define FZ_NAME		"relay.fuzz"
#define FZ_T0		(1000 * QUIC_NSEC)
#define FZ_MSEC		1000000ULL
#define FZ_EPOCH	1767225600	/* wolfSSL's clock: 2026-01-01 */
#define FZ_SEED		0x736f66746c616e31ULL
#define FZ_DGRAM_MAX	2048		/* relayd's RELAY_RXBUF */
#define FZ_CONNS	6		/* relay connections, live one too */
#define FZ_CIDS		64		/* the relay's connection ID map */
#define FZ_QUEUE	64		/* packets in flight, each direction */
#define FZ_KEPT		8		/* lost packets kept for later */
#define FZ_LOSE_MAX	8
#define FZ_WRITES	1024		/* quic_conn_write() calls in a row */
#define FZ_STEPS	4096		/* deliveries or timer rounds */
#define FZ_REJECT	0xff		/* stream data the relay refuses */
#define FZ_HANDSHAKE_MS	2000		/* for the pair's handshake */
#define FZ_RESET_RATE	100		/* relay.c: resets per second */
#define FZ_RESET_BURST	200
#define FZ_PINGPONG	16		/* see settle() */

enum { FZ_TO_RELAY, FZ_TO_CLIENT };
enum { FZ_INJECTED, FZ_INFLIGHT, FZ_LATE };	/* where a datagram is from */
enum { FZ_SRC_CLIENT, FZ_SRC_OTHER, FZ_SRC_V6, FZ_SRC_PORT, FZ_NSRC };

struct fzconn {
	struct quic_conn	*qc;
	int			 live;
	int			 ncids;		/* announced, not removed */
	uint8_t			 cid[QUIC_MAX_CIDLEN];	/* newest one */
	size_t			 cidlen;
	int64_t			 sid;
	uint64_t		 seq;
};

struct fzcid {
	uint8_t			 cid[QUIC_MAX_CIDLEN];
	size_t			 len;
	struct fzconn		*c;
};

struct fzpkt {
	uint8_t			*data;
	size_t			 len;
	int			 dir;
};

struct fzqueue {
	struct fzpkt		 p[FZ_QUEUE];
	size_t			 head, n;
};

static struct {
	int			 ready;
	int			 verbose;
	uint64_t		 rng;
	uint64_t		 now;
	uint8_t			*cert, *key;
	size_t			 certlen, keylen;
	struct quic_tls		*stls, *ctls;
	struct quic_config	 scfg, ccfg;
	uint8_t			 secret[32];
	struct quic_path	 rpath[FZ_NSRC];	/* at the relay */
	struct quic_path	 cpath[2];	/* at the client */

	struct fzconn		 conns[FZ_CONNS];
	struct fzconn		*live, *newest;
	uint64_t		 seq;
	struct fzcid		 cids[FZ_CIDS];
	size_t			 ncids;

	struct quic_conn	*client;
	int64_t			 csid;
	int			 want_live;	/* making the pair */
	int			 retry_live;	/* ... through a Retry */
	uint64_t		 npairs;

	struct fzqueue		 q[2];
	struct fzpkt		 kept[FZ_KEPT];
	size_t			 nkept;
	int			 lose[2];

	uint64_t		 reset_tokens;	/* relay.c send_reset() */
	uint64_t		 reset_last;

	uint8_t			*initial;	/* a client's first */
	size_t			 initiallen;
	uint8_t			*token;		/* its next, after Retry */
	size_t			 tokenlen;
	uint64_t		 sink;
} fz = { .rng = FZ_SEED };

/* Exactly the size quic_conn_write() is told, so ASan sees an overrun. */
static uint8_t		 fz_out[QUIC_MAX_PKTLEN];
static uint8_t		 fz_empty[1];

int		 __wrap_wolfSSL_RAND_bytes(unsigned char *, int);

static void	 fail(const char *, ...)
		    __attribute__((__noreturn__, __format__ (printf, 1, 2)));
static uint64_t	 rng_next(void);
static void	 rng_fill(void *, size_t);
static time_t	 fz_time(time_t *);
static void	 fz_log(int, const char *);
static void	 trace(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2)));
static void	 setaddr(struct sockaddr_storage *, socklen_t *, const char *,
		    uint16_t);
static void	 setpath(struct quic_path *, const char *, uint16_t,
		    const char *, uint16_t);
static int	 sameaddr(const struct sockaddr_storage *, socklen_t,
		    const struct sockaddr_storage *, socklen_t);
static void	 setup(void);
static struct fzcid *cid_find(const uint8_t *, size_t);
static void	 cb_cid_add(struct quic_conn *, const uint8_t *, size_t,
		    void *);
static void	 cb_cid_remove(struct quic_conn *, const uint8_t *, size_t,
		    void *);
static void	 cb_stream(struct quic_conn *, int64_t, const uint8_t *,
		    size_t, int, void *);
static void	 cb_datagram(struct quic_conn *, const uint8_t *, size_t,
		    void *);
static void	 enqueue(int, const uint8_t *, size_t);
static int	 dequeue(int, struct fzpkt *);
static void	 drop_inflight(void);
static void	 flush_net(void);
static void	 settle(void);
static struct fzconn *conn_slot(void);
static void	 relay_free(struct fzconn *);
static void	 relay_service(struct fzconn *);
static void	 relay_input(const uint8_t *, size_t, int, int, int);
static void	 relay_accept(const uint8_t *, size_t, int, int, int);
static void	 relay_reset(const uint8_t *, size_t, size_t, int);
static void	 client_service(void);
static void	 client_input(const uint8_t *, size_t, int, int);
static void	 live_short(const uint8_t *, size_t);
static uint64_t	 next_expiry(void);
static void	 clock_advance(uint64_t);
static int	 pair_ok(void);
static void	 pair_free(void);
static void	 pair_new(void);
static void	 set_dcid(uint8_t *, size_t, int);
static uint8_t	*take(const uint8_t **, size_t *, size_t, size_t *);
static void	 op_datagram(uint8_t, const uint8_t **, size_t *);
static void	 op_traffic(const uint8_t **, size_t *);
static void	 op_control(const uint8_t **, size_t *);
static void	 input_done(void);
static void	 gen(const char *);

static const struct quic_cb	 relay_cb = {
	.stream = cb_stream,
	.datagram = cb_datagram,
	.cid_add = cb_cid_add,
	.cid_remove = cb_cid_remove,
};

static const struct quic_cb	 client_cb = {
	.stream = cb_stream,
	.datagram = cb_datagram,
};

static void
fail(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "quicpkt: oracle failed: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/* Deterministic randomness: splitmix64 from a fixed seed. */
static uint64_t
rng_next(void)
{
	uint64_t	 z;

	z = (fz.rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static void
rng_fill(void *buf, size_t len)
{
	uint8_t		*p = buf;
	uint64_t	 r = 0;
	size_t		 i;

	for (i = 0; i < len; i++) {
		if (i % 8 == 0)
			r = rng_next();
		p[i] = (uint8_t)r;
		r >>= 8;
	}
}

/* wolfSSL seeds its DRBGs with getrandom() (WOLFSSL_GETRANDOM). */
ssize_t
getrandom(void *buf, size_t len, unsigned int flags)
{
	(void)flags;
	rng_fill(buf, len);
	return ((ssize_t)MINIMUM(len, SSIZE_MAX));
}

/* quic.c's cb_rand() (CIDs, reset randomness): -Wl,--wrap. */
int
__wrap_wolfSSL_RAND_bytes(unsigned char *buf, int len)
{
	if (len < 0)
		return (0);
	rng_fill(buf, (size_t)len);
	return (1);
}

static time_t
fz_time(time_t *t)
{
	if (t != NULL)
		*t = FZ_EPOCH;
	return (FZ_EPOCH);
}

static void
fz_log(int pri, const char *line)
{
	(void)pri;
	if (fz.verbose)
		fprintf(stderr, "%s\n", line);
}

/* FUZZ_VERBOSE=1: what the harness does, with common/quic.c's log. */
static void
trace(const char *fmt, ...)
{
	va_list	 ap;

	if (!fz.verbose)
		return;
	fprintf(stderr, "quicpkt: %8.3f ms: ",
	    (double)(fz.now - FZ_T0) / FZ_MSEC);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

static void
setaddr(struct sockaddr_storage *ss, socklen_t *len, const char *ip,
    uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
	} else
		fail("bad address %s", ip);
}

static void
setpath(struct quic_path *p, const char *local, uint16_t lport,
    const char *remote, uint16_t rport)
{
	memset(p, 0, sizeof(*p));
	setaddr(&p->local, &p->locallen, local, lport);
	setaddr(&p->remote, &p->remotelen, remote, rport);
}

static int
sameaddr(const struct sockaddr_storage *a, socklen_t alen,
    const struct sockaddr_storage *b, socklen_t blen)
{
	return (alen == blen && memcmp(a, b, alen) == 0);
}

static void
setup(void)
{
	struct quic_path	 path;
	struct quic_conn	*qc;
	ssize_t			 n;
	size_t			 i;

	if (fz.ready)
		return;
	fz.ready = 1;
	if (getenv("FUZZ_VERBOSE") != NULL) {
		fz.verbose = 1;
		log_setverbose(2);
	}
	log_sethook(fz_log);
	if (wc_SetTimeCb(fz_time) != 0)
		fail("wc_SetTimeCb");
	quic_init();
	if (quic_certgen(FZ_NAME, 3650, &fz.cert, &fz.certlen, &fz.key,
	    &fz.keylen) == -1)
		fail("quic_certgen");
	if ((fz.stls = quic_tls_server_new(fz.cert, fz.certlen, fz.key,
	    fz.keylen)) == NULL ||
	    (fz.ctls = quic_tls_client_new(fz.cert, fz.certlen)) == NULL)
		fail("TLS contexts");
	for (i = 0; i < sizeof(fz.secret); i++)
		fz.secret[i] = (uint8_t)(0xa0 + i);

	quic_config_default(&fz.scfg);
	fz.scfg.tls = fz.stls;
	fz.scfg.reset_secret = fz.secret;
	fz.scfg.reset_secretlen = sizeof(fz.secret);
	fz.scfg.cb = &relay_cb;
	quic_config_default(&fz.ccfg);
	fz.ccfg.tls = fz.ctls;
	fz.ccfg.server_name = FZ_NAME;
	fz.ccfg.cb = &client_cb;

	setpath(&fz.rpath[FZ_SRC_CLIENT], "198.18.0.1", 443, "198.18.0.2",
	    40000);
	setpath(&fz.rpath[FZ_SRC_OTHER], "198.18.0.1", 443, "198.18.0.3",
	    40001);
	setpath(&fz.rpath[FZ_SRC_V6], "2001:db8::1", 443, "2001:db8::3",
	    40002);
	setpath(&fz.rpath[FZ_SRC_PORT], "198.18.0.1", 443, "198.18.0.2",
	    40003);
	setpath(&fz.cpath[0], "198.18.0.2", 40000, "198.18.0.1", 443);
	setpath(&fz.cpath[1], "198.18.0.2", 40000, "198.18.0.3", 443);

	fz.now = FZ_T0;
	fz.csid = -1;

	/*
	 * For the seed corpus: another client's first Initial, and the one
	 * it sends after a Retry, with a token valid for 10 s from T0.
	 */
	if ((qc = quic_conn_client_new(&fz.ccfg, &fz.cpath[0], fz.now)) == NULL)
		fail("quic_conn_client_new");
	if ((n = quic_conn_write(qc, &path, fz_out, sizeof(fz_out),
	    fz.now)) <= 0)
		fail("no Initial from a new client");
	fz.initiallen = (size_t)n;
	if ((fz.initial = malloc(fz.initiallen)) == NULL)
		fail("malloc");
	memcpy(fz.initial, fz_out, fz.initiallen);
	if ((n = quic_write_retry(&fz.scfg, &fz.rpath[FZ_SRC_CLIENT],
	    fz.initial, fz.initiallen, fz_out, sizeof(fz_out), fz.now)) <= 0)
		fail("no Retry for a new client");
	(void)quic_conn_read(qc, &fz.cpath[0], fz_out, (size_t)n, fz.now);
	if ((n = quic_conn_write(qc, &path, fz_out, sizeof(fz_out),
	    fz.now)) <= 0)
		fail("no Initial after a Retry");
	fz.tokenlen = (size_t)n;
	if ((fz.token = malloc(fz.tokenlen)) == NULL)
		fail("malloc");
	memcpy(fz.token, fz_out, fz.tokenlen);
	quic_conn_free(qc);

	pair_new();
}

/* The relay's connection ID map (relay.c: cid_tree). */

static struct fzcid *
cid_find(const uint8_t *cid, size_t len)
{
	size_t	 i;

	for (i = 0; i < fz.ncids; i++)
		if (fz.cids[i].len == len &&
		    memcmp(fz.cids[i].cid, cid, len) == 0)
			return (&fz.cids[i]);
	return (NULL);
}

static void
cb_cid_add(struct quic_conn *qc, const uint8_t *cid, size_t len, void *arg)
{
	struct fzconn	*c = arg;
	struct fzcid	*e;

	(void)qc;
	if (c == NULL)
		fail("cid_add without the connection's argument");
	if (len == 0 || len > QUIC_MAX_CIDLEN)
		fail("cid_add: %zu byte connection ID", len);
	c->ncids++;
	memcpy(c->cid, cid, len);
	c->cidlen = len;
	/* relayd ignores a collision too (the peer chose the ID). */
	if (cid_find(cid, len) != NULL)
		return;
	if (fz.ncids == FZ_CIDS)
		fail("more than %d connection IDs announced", FZ_CIDS);
	e = &fz.cids[fz.ncids++];
	memcpy(e->cid, cid, len);
	e->len = len;
	e->c = c;
}

static void
cb_cid_remove(struct quic_conn *qc, const uint8_t *cid, size_t len,
    void *arg)
{
	struct fzconn	*c = arg;
	struct fzcid	*e;

	(void)qc;
	if (c == NULL)
		fail("cid_remove without the connection's argument");
	if (len == 0 || len > QUIC_MAX_CIDLEN)
		fail("cid_remove: %zu byte connection ID", len);
	if (--c->ncids < 0)
		fail("cid_remove: more connection IDs removed than announced");
	if ((e = cid_find(cid, len)) != NULL && e->c == c)
		*e = fz.cids[--fz.ncids];
}

static void
cb_stream(struct quic_conn *qc, int64_t sid, const uint8_t *data,
    size_t len, int fin, void *arg)
{
	struct fzconn	*c = arg;
	size_t		 i;

	(void)fin;
	for (i = 0; i < len; i++)
		fz.sink += data[i];
	trace("%s: stream %lld: %zu bytes%s", c == NULL ? "client" : "relay",
	    (long long)sid, len, fin ? ", FIN" : "");
	if (c == NULL)
		return;
	if (c->sid == -1)
		c->sid = sid;
	/* relayd refuses a bad control message from inside the callback. */
	if (len > 0 && data[0] == FZ_REJECT)
		(void)quic_conn_close(qc, 1, "protocol error", 0);
}

static void
cb_datagram(struct quic_conn *qc, const uint8_t *data, size_t len,
    void *arg)
{
	size_t	 i;

	(void)qc;
	for (i = 0; i < len; i++)
		fz.sink += data[i];
	trace("%s: datagram of %zu bytes", arg == NULL ? "client" : "relay",
	    len);
}

/* The network: one queue each way, exact-size copies. */

static void
enqueue(int dir, const uint8_t *data, size_t len)
{
	struct fzqueue	*q = &fz.q[dir];
	struct fzpkt	*p;

	if (fz.lose[dir] > 0) {
		fz.lose[dir]--;
		if (fz.nkept == FZ_KEPT) {
			free(fz.kept[0].data);
			memmove(&fz.kept[0], &fz.kept[1],
			    (FZ_KEPT - 1) * sizeof(fz.kept[0]));
			fz.nkept--;
		}
		p = &fz.kept[fz.nkept++];
	} else {
		if (q->n == FZ_QUEUE)
			return;		/* a full queue drops */
		p = &q->p[(q->head + q->n++) % FZ_QUEUE];
	}
	if ((p->data = malloc(MAXIMUM(len, 1))) == NULL)
		fail("malloc");
	memcpy(p->data, data, len);
	p->len = len;
	p->dir = dir;
}

static int
dequeue(int dir, struct fzpkt *p)
{
	struct fzqueue	*q = &fz.q[dir];

	if (q->n == 0)
		return (0);
	*p = q->p[q->head];
	q->head = (q->head + 1) % FZ_QUEUE;
	q->n--;
	return (1);
}

/* Everything in flight is lost. */
static void
drop_inflight(void)
{
	struct fzpkt	 p;
	int		 dir;

	for (dir = 0; dir < 2; dir++)
		while (dequeue(dir, &p))
			free(p.data);
}

/* The same, kept packets and losses to come too. */
static void
flush_net(void)
{
	size_t	 i;

	drop_inflight();
	for (i = 0; i < fz.nkept; i++)
		free(fz.kept[i].data);
	fz.nkept = 0;
	fz.lose[0] = fz.lose[1] = 0;
}

/*
 * Deliver what is in flight until both sides are quiet.  A connection in
 * its closing period answers every packet with its CONNECTION_CLOSE, with
 * no rate limit: two closing ends, or a closing client and the relay's
 * stateless resets, play ping-pong until the period ends, one round trip
 * a packet.  This network has no latency, so that exchange is cut after
 * FZ_PINGPONG packets (the rest is lost); any other storm is a failure.
 */
static void
settle(void)
{
	struct fzpkt	 p;
	int		 i, moved, pingpong = 0;

	for (i = 0; i < FZ_STEPS; i++) {
		if (fz.client != NULL &&
		    quic_conn_state(fz.client) == QUIC_ST_CLOSING &&
		    (fz.live == NULL ||
		    quic_conn_state(fz.live->qc) == QUIC_ST_CLOSING) &&
		    pingpong++ == FZ_PINGPONG) {
			trace("closing ping-pong cut after %d packets",
			    FZ_PINGPONG);
			drop_inflight();
			return;
		}
		moved = 0;
		if (dequeue(FZ_TO_RELAY, &p)) {
			relay_input(p.data, p.len, FZ_SRC_CLIENT, FZ_INFLIGHT,
			    fz.retry_live);
			free(p.data);
			moved = 1;
		}
		if (dequeue(FZ_TO_CLIENT, &p)) {
			client_input(p.data, p.len, 0, FZ_INFLIGHT);
			free(p.data);
			moved = 1;
		}
		if (!moved)
			return;
	}
	fail("the network does not settle");
}

/* The relay's side (relay.c). */

static struct fzconn *
conn_slot(void)
{
	struct fzconn	*c, *old = NULL;
	size_t		 i;

	for (i = 0; i < FZ_CONNS; i++) {
		c = &fz.conns[i];
		if (c->qc == NULL && c->ncids == 0)
			return (c);
		if (!c->live && (old == NULL || c->seq < old->seq))
			old = c;
	}
	if (old == NULL)
		fail("no connection slot");
	relay_free(old);
	return (old);
}

static void
relay_free(struct fzconn *c)
{
	size_t	 i;

	if (c->qc != NULL)
		trace("relay: connection %llu%s freed: %s",
		    (unsigned long long)c->seq, c->live ? " (live)" : "",
		    quic_conn_error(c->qc));
	quic_conn_free(c->qc);
	if (c->ncids != 0)
		fail("%d connection IDs left in the map after "
		    "quic_conn_free", c->ncids);
	for (i = 0; i < fz.ncids; i++)
		if (fz.cids[i].c == c)
			fail("a freed connection's ID is still in the map");
	if (c == fz.live)
		fz.live = NULL;
	if (c == fz.newest)
		fz.newest = NULL;
	memset(c, 0, sizeof(*c));
}

/* relay.c conn_service(): write what is due, free when closed. */
static void
relay_service(struct fzconn *c)
{
	struct quic_path	 path;
	ssize_t			 n;
	int			 i;

	for (i = 0;; i++) {
		if (i == FZ_WRITES)
			fail("relay: quic_conn_write does not end");
		n = quic_conn_write(c->qc, &path, fz_out, sizeof(fz_out),
		    fz.now);
		if (n == 0)
			break;
		if (n < 0 || (size_t)n > sizeof(fz_out))
			fail("relay: quic_conn_write returned %zd", n);
		if (c->live && sameaddr(&path.remote, path.remotelen,
		    &fz.rpath[FZ_SRC_CLIENT].remote,
		    fz.rpath[FZ_SRC_CLIENT].remotelen))
			enqueue(FZ_TO_CLIENT, fz_out, (size_t)n);
	}
	if (quic_conn_state(c->qc) == QUIC_ST_CLOSED)
		relay_free(c);
}

/* relay.c packet_input(). */
static void
relay_input(const uint8_t *pkt, size_t len, int src, int how, int retry)
{
	const struct quic_path	*path = &fz.rpath[src];
	struct fzcid		*e;
	struct fzconn		*c;
	uint8_t			 dcid[QUIC_MAX_CIDLEN];
	size_t			 dcidlen;
	enum quic_state		 st;

	switch (quic_packet_dcid(pkt, len, dcid, &dcidlen)) {
	case QUIC_PKT_OK:
		break;
	case QUIC_PKT_SHORT:
		if (len >= QUIC_MIN_PKTLEN || dcidlen != 0)
			fail("a %zu byte datagram called short", len);
		trace("relay: %zu bytes: too short", len);
		return;
	default:
		if (how == FZ_INFLIGHT)
			fail("relay: a packet of the client refused");
		trace("relay: %zu bytes: not QUIC v1", len);
		return;
	}
	if (len < QUIC_MIN_PKTLEN || dcidlen > QUIC_MAX_CIDLEN)
		fail("quic_packet_dcid: %zu byte datagram, %zu byte DCID",
		    len, dcidlen);
	if ((e = cid_find(dcid, dcidlen)) != NULL) {
		c = e->c;
		if (c->qc == NULL)
			return;
		st = quic_conn_state(c->qc);
		if (how != FZ_INFLIGHT)
			trace("relay: %zu bytes to connection %llu%s", len,
			    (unsigned long long)c->seq,
			    c->live ? " (live)" : "");
		(void)quic_conn_read(c->qc, path, pkt, len, fz.now);
		if (c->live && how == FZ_INJECTED && st == QUIC_ST_OPEN &&
		    quic_conn_state(c->qc) != QUIC_ST_OPEN)
			fail("an injected datagram of %zu bytes closed the "
			    "live relay connection: %s", len,
			    quic_conn_error(c->qc));
		relay_service(c);
		return;
	}
	if (how == FZ_INFLIGHT && fz.live != NULL)
		fail("a packet of the client matched no relay connection");
	if (pkt[0] & 0x80)
		relay_accept(pkt, len, src, how, retry);
	else
		relay_reset(dcid, dcidlen, len, src);
}

/* relay.c conn_accept(). */
static void
relay_accept(const uint8_t *pkt, size_t len, int src, int how, int retry)
{
	const struct quic_path	*path = &fz.rpath[src];
	struct quic_config	 cfg;
	struct quic_conn	*qc;
	struct fzconn		*c, scratch;
	enum quic_initial	 ini;
	ssize_t			 n;

	ini = quic_initial_check(&fz.scfg, path, pkt, len, fz.now);
	switch (ini) {
	case QUIC_INITIAL_NEW:
		if (!retry)
			break;
		n = quic_write_retry(&fz.scfg, path, pkt, len, fz_out,
		    sizeof(fz_out), fz.now);
		trace("relay: Retry of %zd bytes to source %d", n, src);
		if (n <= 0)
			fail("no Retry for a first Initial of %zu bytes", len);
		if ((size_t)n >= len)
			fail("a Retry of %zd bytes answers %zu", n, len);
		if (src == FZ_SRC_CLIENT && how == FZ_INFLIGHT)
			enqueue(FZ_TO_CLIENT, fz_out, (size_t)n);
		return;
	case QUIC_INITIAL_VALID:
		break;
	default:
		trace("relay: %zu bytes: %s", len,
		    ini == QUIC_INITIAL_BADTOKEN ? "bad Retry token" :
		    "not a first Initial");
		if (quic_write_retry(&fz.scfg, path, pkt, len, fz_out,
		    sizeof(fz_out), fz.now) != -1)
			fail("a Retry for a packet quic_initial_check refused");
		memset(&scratch, 0, sizeof(scratch));
		cfg = fz.scfg;
		cfg.arg = &scratch;
		if ((qc = quic_conn_accept(&cfg, path, pkt, len,
		    fz.now)) != NULL)
			fail("quic_conn_accept took a packet "
			    "quic_initial_check refused");
		return;
	}
	c = conn_slot();
	cfg = fz.scfg;
	cfg.arg = c;
	c->sid = -1;
	if ((c->qc = quic_conn_accept(&cfg, path, pkt, len, fz.now)) == NULL) {
		trace("relay: quic_conn_accept refused %zu bytes", len);
		relay_free(c);
		return;
	}
	c->seq = ++fz.seq;
	fz.newest = c;
	if (fz.want_live && src == FZ_SRC_CLIENT && how == FZ_INFLIGHT) {
		c->live = 1;
		fz.live = c;
		fz.want_live = 0;
	}
	trace("relay: connection %llu accepted from source %d%s%s",
	    (unsigned long long)c->seq, src, c->live ? " (live)" : "",
	    quic_conn_addr_validated(c->qc) ? ", validated" : "");
	relay_service(c);
}

/*
 * relay.c send_reset(), rate limit included: a client in its closing
 * period answers every packet, a reset too, with its CONNECTION_CLOSE.
 * The reset goes back to the source: if that is the client, to it.
 */
static void
relay_reset(const uint8_t *dcid, size_t dcidlen, size_t trigger, int src)
{
	uint64_t	 ms = fz.now / FZ_MSEC;
	ssize_t		 n;

	fz.reset_tokens += (ms - fz.reset_last) * FZ_RESET_RATE;
	fz.reset_tokens = MINIMUM(fz.reset_tokens, FZ_RESET_BURST * 1000ULL);
	fz.reset_last = ms;
	if (fz.reset_tokens < 1000)
		return;
	fz.reset_tokens -= 1000;
	n = quic_write_stateless_reset(fz_out, sizeof(fz_out), trigger,
	    fz.secret, sizeof(fz.secret), dcid, dcidlen);
	if (n > 0 && (size_t)n >= trigger)
		fail("a stateless reset of %zd bytes answers %zu", n,
		    trigger);
	trace("relay: stateless reset of %zd bytes for a %zu byte trigger",
	    n, trigger);
	if (n > 0 && src == FZ_SRC_CLIENT)
		enqueue(FZ_TO_CLIENT, fz_out, (size_t)n);
}

/* The uplink's side (uplink.c): one client connection. */

static void
client_service(void)
{
	struct quic_path	 path;
	ssize_t			 n;
	int			 i;

	if (fz.client == NULL)
		return;
	for (i = 0;; i++) {
		if (i == FZ_WRITES)
			fail("client: quic_conn_write does not end");
		n = quic_conn_write(fz.client, &path, fz_out, sizeof(fz_out),
		    fz.now);
		if (n == 0)
			break;
		if (n < 0 || (size_t)n > sizeof(fz_out))
			fail("client: quic_conn_write returned %zd", n);
		enqueue(FZ_TO_RELAY, fz_out, (size_t)n);
	}
	if (quic_conn_state(fz.client) == QUIC_ST_CLOSED) {
		trace("client: freed: %s", quic_conn_error(fz.client));
		quic_conn_free(fz.client);
		fz.client = NULL;
		fz.csid = -1;
	}
}

static void
client_input(const uint8_t *pkt, size_t len, int src, int how)
{
	const struct quic_stats	*qs;
	enum quic_state		 st;
	uint64_t		 nshort;
	int			 ev;

	if (fz.client == NULL)
		return;
	st = quic_conn_state(fz.client);
	qs = quic_conn_stats(fz.client);
	nshort = qs->pkt_short;
	if (how != FZ_INFLIGHT)
		trace("client: %zu bytes from source %d", len, src);
	ev = quic_conn_read(fz.client, &fz.cpath[src], pkt, len, fz.now);
	if (len < QUIC_MIN_PKTLEN && (quic_conn_state(fz.client) != st ||
	    qs->pkt_short != nshort + 1 ||
	    ev != (st == QUIC_ST_CLOSED ? QUIC_EV_CLOSED : 0)))
		fail("client: a %zu byte datagram was not just counted", len);
	if (how == FZ_INJECTED && st == QUIC_ST_OPEN &&
	    quic_conn_state(fz.client) != QUIC_ST_OPEN &&
	    strcmp(quic_conn_error(fz.client), "stateless reset") != 0)
		fail("an injected datagram of %zu bytes closed the client: "
		    "%s", len, quic_conn_error(fz.client));
	client_service();
}

/*
 * A short datagram straight to the live relay connection: relayd never
 * gets that far with one, but quic_conn_read() must not care.
 */
static void
live_short(const uint8_t *pkt, size_t len)
{
	const struct quic_stats	*qs;
	enum quic_state		 st;
	uint64_t		 nshort;
	int			 ev;

	if (fz.live == NULL || len >= QUIC_MIN_PKTLEN)
		return;
	st = quic_conn_state(fz.live->qc);
	qs = quic_conn_stats(fz.live->qc);
	nshort = qs->pkt_short;
	ev = quic_conn_read(fz.live->qc, &fz.rpath[FZ_SRC_CLIENT], pkt, len,
	    fz.now);
	if (quic_conn_state(fz.live->qc) != st || qs->pkt_short != nshort + 1 ||
	    ev != (st == QUIC_ST_CLOSED ? QUIC_EV_CLOSED : 0))
		fail("relay: a %zu byte datagram was not just counted", len);
	relay_service(fz.live);
}

/* The clock. */

static uint64_t
next_expiry(void)
{
	uint64_t	 next = UINT64_MAX;
	size_t		 i;

	if (fz.client != NULL)
		next = MINIMUM(next, quic_conn_expiry(fz.client));
	for (i = 0; i < FZ_CONNS; i++)
		if (fz.conns[i].qc != NULL)
			next = MINIMUM(next,
			    quic_conn_expiry(fz.conns[i].qc));
	return (next);
}

/* Move the clock by dt; timers fire in order, as in relayd's loop. */
static void
clock_advance(uint64_t dt)
{
	uint64_t	 until = fz.now + dt;
	size_t		 i;
	int		 step;

	settle();
	for (step = 0; step < FZ_STEPS; step++) {
		if (next_expiry() > until) {
			fz.now = until;
			return;
		}
		if (next_expiry() > fz.now)
			fz.now = next_expiry();
		if (fz.client != NULL &&
		    quic_conn_expiry(fz.client) <= fz.now) {
			(void)quic_conn_handle_expiry(fz.client, fz.now);
			client_service();
		}
		for (i = 0; i < FZ_CONNS; i++)
			if (fz.conns[i].qc != NULL &&
			    quic_conn_expiry(fz.conns[i].qc) <= fz.now) {
				(void)quic_conn_handle_expiry(fz.conns[i].qc,
				    fz.now);
				relay_service(&fz.conns[i]);
			}
		settle();
	}
	fail("timers do not settle (%llu ms to go)",
	    (unsigned long long)((until - fz.now) / FZ_MSEC));
}

/* The live pair: the client and its relay connection. */

static int
pair_ok(void)
{
	return (fz.client != NULL && fz.live != NULL &&
	    quic_conn_state(fz.client) == QUIC_ST_OPEN &&
	    quic_conn_state(fz.live->qc) == QUIC_ST_OPEN);
}

static void
pair_free(void)
{
	flush_net();
	if (fz.live != NULL)
		relay_free(fz.live);
	quic_conn_free(fz.client);
	fz.client = NULL;
	fz.csid = -1;
}

/* A handshake through the relay's packet input; every other one Retries. */
static void
pair_new(void)
{
	int	 i;

	pair_free();
	fz.want_live = 1;
	fz.retry_live = fz.npairs++ % 2 == 1;
	if ((fz.client = quic_conn_client_new(&fz.ccfg, &fz.cpath[0],
	    fz.now)) == NULL)
		fail("quic_conn_client_new");
	client_service();
	/* Pacing holds packets back until the clock moves. */
	for (i = 0; i < FZ_HANDSHAKE_MS / 5 && !pair_ok(); i++)
		clock_advance(5 * FZ_MSEC);
	fz.want_live = fz.retry_live = 0;
	trace("pair %llu: %s", (unsigned long long)fz.npairs,
	    pair_ok() ? "open" : "no handshake");
	if (!pair_ok())
		fail("no handshake in memory in %d ms: client %s, relay %s",
		    FZ_HANDSHAKE_MS,
		    fz.client == NULL ? "gone" : quic_conn_error(fz.client),
		    fz.live == NULL ? "gone" : quic_conn_error(fz.live->qc));
}

/* The input. */

/* Point the datagram at a connection the relay or the client knows. */
static void
set_dcid(uint8_t *p, size_t len, int which)
{
	uint8_t	 cid[QUIC_MAX_CIDLEN];
	size_t	 cidlen = 0, off;

	switch (which) {
	case 1:		/* the live relay connection, as the client sees it */
		if (fz.client != NULL)
			cidlen = quic_conn_dcid(fz.client, cid, sizeof(cid));
		break;
	case 2:		/* the client */
		if (fz.live != NULL)
			cidlen = quic_conn_dcid(fz.live->qc, cid, sizeof(cid));
		break;
	case 3:
		if (fz.newest != NULL) {
			cidlen = fz.newest->cidlen;
			memcpy(cid, fz.newest->cid, cidlen);
		}
		break;
	default:
		break;
	}
	if (cidlen == 0 || len == 0)
		return;
	if (p[0] & 0x80) {
		if (len < 6)
			return;
		p[5] = (uint8_t)cidlen;
		off = 6;
	} else
		off = 1;
	if (off < len)
		memcpy(p + off, cid, MINIMUM(cidlen, len - off));
}

/* The next n bytes of the input (fewer at its end), as a copy. */
static uint8_t *
take(const uint8_t **datap, size_t *sizep, size_t n, size_t *lenp)
{
	uint8_t	*p;

	n = MINIMUM(n, *sizep);
	if ((p = malloc(n)) == NULL) {
		if (n > 0)
			fail("malloc");
		p = fz_empty;
	}
	memcpy(p, *datap, n);
	*datap += n;
	*sizep -= n;
	*lenp = n;
	return (p);
}

static void
op_datagram(uint8_t op, const uint8_t **datap, size_t *sizep)
{
	uint8_t	*p;
	size_t	 len, want = 0;
	int	 src;

	if (*sizep >= 2) {
		want = ((size_t)(*datap)[0] << 8) | (*datap)[1];
		*datap += 2;
		*sizep -= 2;
	} else if (*sizep == 1) {
		(*datap)++;
		(*sizep)--;
	}
	p = take(datap, sizep, MINIMUM(want, FZ_DGRAM_MAX), &len);
	set_dcid(p, len, (op >> 3) & 3);
	if ((op & 7) == 4) {
		client_input(p, len, (op >> 5) & 1, FZ_INJECTED);
	} else {
		src = (op >> 5) & 3;
		relay_input(p, len, src, FZ_INJECTED, (op & 0x80) != 0);
		if (((op >> 3) & 3) == 1)
			live_short(p, len);
	}
	if (p != fz_empty)
		free(p);
}

static void
op_traffic(const uint8_t **datap, size_t *sizep)
{
	uint8_t	*p;
	size_t	 len;
	uint8_t	 t = 0, n = 0;

	if (*sizep > 0) {
		t = **datap;
		(*datap)++;
		(*sizep)--;
	}
	if (*sizep > 0) {
		n = **datap;
		(*datap)++;
		(*sizep)--;
	}
	p = take(datap, sizep, n, &len);
	switch (t & 3) {
	case 0:
		if (fz.client == NULL ||
		    quic_conn_state(fz.client) != QUIC_ST_OPEN)
			break;
		if (fz.csid == -1 &&
		    quic_conn_open_stream(fz.client, &fz.csid) == -1)
			break;
		(void)quic_conn_stream_write(fz.client, fz.csid, p, len);
		break;
	case 1:
		if (fz.client != NULL)
			(void)quic_conn_send_datagram(fz.client, p, len);
		break;
	case 2:
		if (fz.live != NULL)
			(void)quic_conn_send_datagram(fz.live->qc, p, len);
		break;
	default:
		if (fz.live != NULL && fz.live->sid != -1 &&
		    quic_conn_state(fz.live->qc) == QUIC_ST_OPEN)
			(void)quic_conn_stream_write(fz.live->qc,
			    fz.live->sid, p, len);
		break;
	}
	if (p != fz_empty)
		free(p);
	client_service();
	if (fz.live != NULL)
		relay_service(fz.live);
}

static void
op_control(const uint8_t **datap, size_t *sizep)
{
	struct fzpkt	 k;
	uint8_t		 c = 0;
	size_t		 i;

	if (*sizep > 0) {
		c = **datap;
		(*datap)++;
		(*sizep)--;
	}
	switch (c & 7) {
	case 0:
	case 1:
		if (fz.lose[c & 1] < FZ_LOSE_MAX)
			fz.lose[c & 1]++;
		break;
	case 2:
	case 3:
		if (fz.nkept == 0)
			break;
		/* A copy: delivering it may keep (and drop) others. */
		i = (c >> 3) % fz.nkept;
		k = fz.kept[i];
		if ((c & 7) == 2)
			fz.kept[i] = fz.kept[--fz.nkept];
		else {
			if ((k.data = malloc(MAXIMUM(k.len, 1))) == NULL)
				fail("malloc");
			memcpy(k.data, fz.kept[i].data, k.len);
		}
		if (k.dir == FZ_TO_RELAY)
			relay_input(k.data, k.len, FZ_SRC_CLIENT, FZ_LATE, 0);
		else
			client_input(k.data, k.len, 0, FZ_LATE);
		free(k.data);
		break;
	case 4:
		if (fz.live != NULL)
			relay_free(fz.live);
		break;
	case 5:
		if (fz.client != NULL) {
			(void)quic_conn_close(fz.client, 0, "bye", fz.now);
			client_service();
		}
		break;
	case 6:
		if (fz.live != NULL) {
			(void)quic_conn_close(fz.live->qc, 3,
			    "relay shutting down", fz.now);
			relay_service(fz.live);
		}
		break;
	default:
		drop_inflight();
		break;
	}
}

/* Accepted connections and kept packets go with their input. */
static void
input_done(void)
{
	size_t	 i;

	settle();
	for (i = 0; i < FZ_CONNS; i++)
		if (fz.conns[i].qc != NULL && !fz.conns[i].live)
			relay_free(&fz.conns[i]);
	flush_net();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*dir;

	(void)argc;
	(void)argv;
	setup();
	if ((dir = getenv("QUICPKT_GEN")) != NULL)
		gen(dir);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	 op, b;

	setup();
	if (!pair_ok())
		pair_new();
	if (size == 0) {
		relay_input(fz_empty, 0, FZ_SRC_CLIENT, FZ_INJECTED, 0);
		live_short(fz_empty, 0);
		client_input(fz_empty, 0, 0, FZ_INJECTED);
	}
	while (size > 0) {
		op = *data++;
		size--;
		switch (op & 7) {
		case 5:
			b = 0;
			if (size > 0) {
				b = *data++;
				size--;
			}
			clock_advance((((uint64_t)b & 15) + 1) * FZ_MSEC <<
			    (b >> 4));
			break;
		case 6:
			op_traffic(&data, &size);
			break;
		case 7:
			op_control(&data, &size);
			break;
		default:
			op_datagram(op, &data, &size);
			break;
		}
		settle();
		if (fz.client == NULL)
			pair_new();
	}
	input_done();
	return (0);
}

/* QUICPKT_GEN=dir: the seed corpus (regress/fuzz/corpus/quicpkt). */

struct genbuf {
	uint8_t	 b[4096];
	size_t	 len;
};

static void	 gen_put(struct genbuf *, const void *, size_t);
static void	 gen_byte(struct genbuf *, uint8_t);
static void	 gen_dgram(struct genbuf *, uint8_t, const uint8_t *, size_t);
static void	 gen_write(const char *, const char *, const struct genbuf *);

static void
gen_put(struct genbuf *g, const void *p, size_t len)
{
	if (len > sizeof(g->b) - g->len)
		fail("seed too long");
	memcpy(g->b + g->len, p, len);
	g->len += len;
}

static void
gen_byte(struct genbuf *g, uint8_t b)
{
	gen_put(g, &b, 1);
}

static void
gen_dgram(struct genbuf *g, uint8_t op, const uint8_t *p, size_t len)
{
	gen_byte(g, op);
	gen_byte(g, (uint8_t)(len >> 8));
	gen_byte(g, (uint8_t)len);
	gen_put(g, p, len);
}

static void
gen_write(const char *dir, const char *name, const struct genbuf *g)
{
	char	 path[PATH_MAX];
	FILE	*f;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		fail("%s/%s: path too long", dir, name);
	if ((f = fopen(path, "w")) == NULL ||
	    fwrite(g->b, 1, g->len, f) != g->len || fclose(f) != 0)
		fail("%s: cannot write", path);
}

static void
gen(const char *dir)
{
	struct genbuf	 g;
	uint8_t		 d[1200];
	char		 name[64];
	size_t		 n, i;

	if (fz.initial == NULL)
		fail("no Initial captured");
	memset(d, 0, sizeof(d));

	/* Nothing at all: one empty datagram everywhere. */
	g.len = 0;
	gen_write(dir, "empty", &g);

	/* 0..20 bytes, short and long headers, to the live connections. */
	for (n = 0; n < QUIC_MIN_PKTLEN; n++) {
		for (i = 0; i < n; i++)
			d[i] = (uint8_t)(i * 37 + n);
		if (n > 0)
			d[0] = 0x40;
		g.len = 0;
		gen_dgram(&g, 0x08, d, n);	/* to the relay, live DCID */
		gen_dgram(&g, 0x14, d, n);	/* to the client, its DCID */
		(void)snprintf(name, sizeof(name), "short-%02zu", n);
		gen_write(dir, name, &g);
	}
	g.len = 0;
	d[0] = 0xc0;
	for (n = 1; n < QUIC_MIN_PKTLEN; n += 4)
		gen_dgram(&g, 0x28, d, n);	/* long header, elsewhere */
	gen_write(dir, "short-long", &g);

	/* The client's real first Initial, as sent, with and without Retry. */
	g.len = 0;
	gen_dgram(&g, 0x00, fz.initial, fz.initiallen);
	gen_write(dir, "initial", &g);
	g.len = 0;
	gen_dgram(&g, 0x80, fz.initial, fz.initiallen);
	gen_write(dir, "initial-retry", &g);
	g.len = 0;
	gen_dgram(&g, 0x40, fz.initial, fz.initiallen);
	gen_dgram(&g, 0x40, fz.initial, fz.initiallen);
	gen_write(dir, "initial-v6-twice", &g);
	g.len = 0;
	gen_dgram(&g, 0x18, fz.initial, fz.initiallen);	/* newest conn */
	gen_dgram(&g, 0x00, fz.initial, fz.initiallen);
	gen_dgram(&g, 0x18, fz.initial, 200);
	gen_byte(&g, 0x05);
	gen_byte(&g, 0xa0);				/* 1 s */
	gen_write(dir, "initial-then", &g);
	g.len = 0;
	gen_dgram(&g, 0x00, fz.initial, fz.initiallen);
	gen_byte(&g, 0x05);
	gen_byte(&g, 0xd1);				/* 16 s */
	gen_write(dir, "initial-timeout", &g);

	/* With a Retry token: valid (at first), from elsewhere, expired. */
	g.len = 0;
	gen_dgram(&g, 0x00, fz.token, fz.tokenlen);
	gen_write(dir, "token", &g);
	g.len = 0;
	gen_dgram(&g, 0x20, fz.token, fz.tokenlen);
	gen_dgram(&g, 0x60, fz.token, fz.tokenlen);
	gen_write(dir, "token-other", &g);
	g.len = 0;
	gen_byte(&g, 0x05);
	gen_byte(&g, 0xd1);
	gen_dgram(&g, 0x80, fz.token, fz.tokenlen);
	gen_write(dir, "token-expired", &g);

	/* Garbage for the live connections, from elsewhere too. */
	g.len = 0;
	for (i = 0; i < 64; i++)
		d[i] = (uint8_t)(i * 11);
	d[0] = 0x41;
	gen_dgram(&g, 0x08, d, 40);
	gen_dgram(&g, 0x28, d, 64);
	gen_dgram(&g, 0x48, d, 30);
	gen_dgram(&g, 0x14, d, 50);
	gen_dgram(&g, 0x34, d, 50);
	d[0] = 0xe0;
	d[1] = d[2] = d[3] = 0;
	d[4] = 1;
	d[14] = 8;
	d[23] = 0x44;
	d[24] = 0x00;
	gen_dgram(&g, 0x08, d, sizeof(d));		/* Handshake, live */
	gen_write(dir, "garbage-live", &g);

	/* A short header for nobody: a stateless reset to the client. */
	g.len = 0;
	d[0] = 0x43;
	gen_dgram(&g, 0x00, d, 45);
	gen_dgram(&g, 0x00, d, 22);
	gen_write(dir, "reset", &g);

	/* Version negotiation and an unknown version. */
	g.len = 0;
	d[0] = 0xc0;
	d[1] = 0x1a;
	d[2] = 0x2a;
	d[3] = 0x3a;
	d[4] = 0x4a;
	d[5] = 8;
	gen_dgram(&g, 0x00, d, sizeof(d));
	d[1] = d[2] = d[3] = d[4] = 0;
	gen_dgram(&g, 0x04, d, 60);
	gen_write(dir, "version", &g);

	/* Traffic both ways, then quiet for a while (keep-alive). */
	g.len = 0;
	gen_byte(&g, 0x06);
	gen_byte(&g, 0x00);
	gen_byte(&g, 5);
	gen_put(&g, "hello", 5);
	gen_byte(&g, 0x06);
	gen_byte(&g, 0x01);
	gen_byte(&g, 64);
	gen_put(&g, d, 64);
	gen_byte(&g, 0x06);
	gen_byte(&g, 0x02);
	gen_byte(&g, 200);
	gen_put(&g, d, 200);
	gen_byte(&g, 0x06);
	gen_byte(&g, 0x03);
	gen_byte(&g, 7);
	gen_put(&g, "welcome", 7);
	gen_byte(&g, 0x05);
	gen_byte(&g, 0xe4);				/* 80 s */
	gen_write(dir, "traffic", &g);

	/* Loss, a late packet and a duplicate. */
	g.len = 0;
	gen_byte(&g, 0x07);
	gen_byte(&g, 0x00);
	gen_byte(&g, 0x07);
	gen_byte(&g, 0x01);
	gen_byte(&g, 0x06);
	gen_byte(&g, 0x00);
	gen_byte(&g, 3);
	gen_put(&g, "abc", 3);
	gen_byte(&g, 0x05);
	gen_byte(&g, 0x98);				/* 288 ms */
	gen_byte(&g, 0x07);
	gen_byte(&g, 0x03);
	gen_byte(&g, 0x07);
	gen_byte(&g, 0x02);
	gen_byte(&g, 0x07);
	gen_byte(&g, 0x0a);
	gen_write(dir, "loss", &g);

	/* A relay restart: the client hears stateless resets. */
	g.len = 0;
	gen_byte(&g, 0x07);
	gen_byte(&g, 0x04);
	gen_byte(&g, 0x06);
	gen_byte(&g, 0x00);
	gen_byte(&g, 2);
	gen_put(&g, "hi", 2);
	gen_byte(&g, 0x05);
	gen_byte(&g, 0xe4);
	gen_write(dir, "restart", &g);

	/* Closes from each side, a refused control message, idle. */
	g.len = 0;
	gen_byte(&g, 0x07);
	gen_byte(&g, 0x05);
	gen_dgram(&g, 0x14, d, 40);
	gen_byte(&g, 0x05);
	gen_byte(&g, 0xa5);
	gen_write(dir, "close-client", &g);
	g.len = 0;
	gen_byte(&g, 0x07);
	gen_byte(&g, 0x06);
	gen_dgram(&g, 0x08, d, 40);
	gen_byte(&g, 0x05);
	gen_byte(&g, 0xa5);
	gen_write(dir, "close-relay", &g);
	g.len = 0;
	gen_byte(&g, 0x06);
	gen_byte(&g, 0x00);
	gen_byte(&g, 1);
	gen_byte(&g, FZ_REJECT);
	gen_byte(&g, 0x05);
	gen_byte(&g, 0x50);
	gen_write(dir, "reject", &g);
	g.len = 0;
	gen_byte(&g, 0x07);
	gen_byte(&g, 0x07);
	gen_byte(&g, 0x07);
	gen_byte(&g, 0x01);
	gen_byte(&g, 0x07);
	gen_byte(&g, 0x01);
	gen_byte(&g, 0x07);
	gen_byte(&g, 0x01);
	gen_byte(&g, 0x07);
	gen_byte(&g, 0x01);
	gen_byte(&g, 0x05);
	gen_byte(&g, 0xf0);				/* 524 s */
	gen_write(dir, "idle", &g);
}
