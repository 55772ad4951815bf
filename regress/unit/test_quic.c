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
 * common/quic.c: two connections in memory, packets handed between them
 * in a loop with a fake clock, no sockets.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "compat.h"
#include "egress.h"
#include "mtu.h"
#include "overlay.h"
#include "quic.h"

#define NAME		"relay.test"
#define T0		(1000 * QUIC_NSEC)
#define MSEC		1000000ULL
#define MAXSTREAM	(48 * 1024)

static const char	*allowed[] = {
	"TLS13-AES128-GCM-SHA256",
	"TLS13-AES256-GCM-SHA384",
	"TLS13-CHACHA20-POLY1305-SHA256",
};

struct peer {
	struct quic_conn	*qc;
	struct quic_path	 path;	/* as seen from this peer */
	int			 handshakes;
	uint8_t			 sbuf[MAXSTREAM];
	size_t			 slen;
	int64_t			 sid;
	int			 ndgram;
	int			 bad_dgram;
	int			 cids;
	size_t			 sent;		/* packets */
	int			 deaf;		/* drops all it gets */
	size_t			 lose_from;	/* its packets in [from, to) */
	size_t			 lose_to;	/* are lost on the way */
	int			 pattern;	/* check stream bytes */
	uint64_t		 stotal;
	int			 sbad;
	int			 reject;	/* close from the callback */
};

struct pair {
	uint8_t			*cert, *key;
	size_t			 certlen, keylen;
	struct quic_tls		*ctls, *stls;
	struct quic_config	 ccfg, scfg;
	struct peer		 c, s;
	uint64_t		 now;
	uint8_t			 secret[32];
	size_t			 packets;
	int			 retry;		/* server always Retries */
	int			 retries;	/* Retry packets sent */
	int			 tokens;	/* valid tokens seen */
};

static struct quic_cb	 callbacks;

static void
on_handshake(struct quic_conn *qc, void *arg)
{
	struct peer	*p = arg;

	cr_assert_eq(qc, p->qc);
	p->handshakes++;
}

static uint8_t
pat(uint64_t off)
{
	return ((uint8_t)(off * 7 + off / 251));
}

static void
on_stream(struct quic_conn *qc, int64_t sid, const uint8_t *data,
    size_t len, int fin, void *arg)
{
	struct peer	*p = arg;
	size_t		 i;

	(void)fin;
	p->sid = sid;
	if (p->reject) {
		/* Inside a callback: done once ngtcp2 has returned. */
		cr_assert_eq(quic_conn_close(qc, 9, "bad-room", 0), 0);
		cr_assert_eq(quic_conn_state(qc), QUIC_ST_OPEN);
		return;
	}
	if (p->pattern) {
		(void)qc;
		for (i = 0; i < len; i++)
			if (data[i] != pat(p->stotal + i))
				p->sbad++;
		p->stotal += len;
		return;
	}
	cr_assert_leq(p->slen + len, sizeof(p->sbuf));
	memcpy(p->sbuf + p->slen, data, len);
	p->slen += len;
	p->sid = sid;
}

/* Datagram i: kind 0, 16-bit sequence number, then bytes (i + j) & 0xff. */
static size_t
mkdgram(uint8_t *buf, int i, size_t len)
{
	size_t	 j;

	cr_assert_geq(len, 3);
	buf[0] = 0;
	buf[1] = (uint8_t)(i >> 8);
	buf[2] = (uint8_t)i;
	for (j = 3; j < len; j++)
		buf[j] = (uint8_t)(i + j);
	return (len);
}

static void
on_datagram(struct quic_conn *qc, const uint8_t *data, size_t len,
    void *arg)
{
	struct peer	*p = arg;
	size_t		 j;
	int		 i;

	(void)qc;
	if (len < 3 || data[0] != 0) {
		p->bad_dgram++;
		return;
	}
	i = (data[1] << 8) | data[2];
	if (i != p->ndgram)
		p->bad_dgram++;
	for (j = 3; j < len; j++)
		if (data[j] != (uint8_t)(i + j)) {
			p->bad_dgram++;
			break;
		}
	p->ndgram++;
}

static void
on_cid_add(struct quic_conn *qc, const uint8_t *cid, size_t len, void *arg)
{
	struct peer	*p = arg;

	(void)qc;
	(void)cid;
	cr_assert_leq(len, QUIC_MAX_CIDLEN);
	p->cids++;
}

static void
on_cid_remove(struct quic_conn *qc, const uint8_t *cid, size_t len,
    void *arg)
{
	struct peer	*p = arg;

	(void)qc;
	(void)cid;
	(void)len;
	p->cids--;
}

static void
setaddr(struct sockaddr_storage *ss, socklen_t *len, const char *ip,
    uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	cr_assert_eq(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
	*len = sizeof(*sin);
}

static void
pair_init(struct pair *pr, const char *certname, const char *sni)
{
	uint8_t		*cert2 = NULL, *key2 = NULL;
	size_t		 cert2len = 0, key2len = 0;
	size_t		 i;

	memset(pr, 0, sizeof(*pr));
	callbacks.handshake = on_handshake;
	callbacks.stream = on_stream;
	callbacks.datagram = on_datagram;
	callbacks.cid_add = on_cid_add;
	callbacks.cid_remove = on_cid_remove;

	cr_assert_eq(quic_certgen(NAME, 30, &pr->cert, &pr->certlen,
	    &pr->key, &pr->keylen), 0);
	cr_assert_gt(pr->certlen, 100);
	cr_assert_gt(pr->keylen, 30);
	pr->stls = quic_tls_server_new(pr->cert, pr->certlen, pr->key,
	    pr->keylen);
	cr_assert_not_null(pr->stls);
	if (certname != NULL) {
		/* The client pins some other certificate. */
		cr_assert_eq(quic_certgen(certname, 30, &cert2, &cert2len,
		    &key2, &key2len), 0);
		pr->ctls = quic_tls_client_new(cert2, cert2len);
		free(cert2);
		freezero(key2, key2len);
	} else
		pr->ctls = quic_tls_client_new(pr->cert, pr->certlen);
	cr_assert_not_null(pr->ctls);

	for (i = 0; i < sizeof(pr->secret); i++)
		pr->secret[i] = (uint8_t)(0xa0 + i);

	quic_config_default(&pr->ccfg);
	pr->ccfg.tls = pr->ctls;
	pr->ccfg.server_name = sni != NULL ? sni : NAME;
	pr->ccfg.cb = &callbacks;
	pr->ccfg.arg = &pr->c;
	quic_config_default(&pr->scfg);
	pr->scfg.tls = pr->stls;
	pr->scfg.reset_secret = pr->secret;
	pr->scfg.reset_secretlen = sizeof(pr->secret);
	pr->scfg.cb = &callbacks;
	pr->scfg.arg = &pr->s;

	setaddr(&pr->c.path.local, &pr->c.path.locallen, "198.18.0.1", 40000);
	setaddr(&pr->c.path.remote, &pr->c.path.remotelen, "198.18.0.2", 443);
	setaddr(&pr->s.path.local, &pr->s.path.locallen, "198.18.0.2", 443);
	setaddr(&pr->s.path.remote, &pr->s.path.remotelen, "198.18.0.1",
	    40000);
	pr->c.sid = pr->s.sid = -1;
	pr->now = T0;
}

static void
pair_start(struct pair *pr)
{
	pr->c.qc = quic_conn_client_new(&pr->ccfg, &pr->c.path, pr->now);
	cr_assert_not_null(pr->c.qc);
}

static void
pair_free(struct pair *pr)
{
	quic_conn_free(pr->c.qc);
	quic_conn_free(pr->s.qc);
	quic_tls_free(pr->ctls);
	quic_tls_free(pr->stls);
	free(pr->cert);
	freezero(pr->key, pr->keylen);
}

/*
 * A server that validates every address: a first Initial without a
 * token gets a Retry (1: the packet is consumed), one with a valid token
 * goes on to quic_conn_accept() (0).
 */
static int
server_retry(struct pair *pr, struct peer *from, struct peer *to,
    const uint8_t *pkt, size_t len)
{
	uint8_t		 out[QUIC_MAX_PKTLEN];
	ssize_t		 n;

	switch (quic_initial_check(&pr->scfg, &to->path, pkt, len,
	    pr->now)) {
	case QUIC_INITIAL_NEW:
		n = quic_write_retry(&pr->scfg, &to->path, pkt, len, out,
		    sizeof(out), pr->now);
		cr_assert_gt(n, 0);
		cr_assert_lt((size_t)n, len, "a Retry must not amplify");
		pr->retries++;
		/* The client takes it and sends a new Initial. */
		cr_assert_eq(quic_conn_read(from->qc, &from->path, out,
		    (size_t)n, pr->now), 0);
		return (1);
	case QUIC_INITIAL_VALID:
		pr->tokens++;
		return (0);
	default:
		cr_assert_fail("server: unexpected first packet");
	}
	return (1);
}

/* Everything one side has to send goes to the other; count packets. */
static size_t
flush(struct pair *pr, struct peer *from, struct peer *to)
{
	uint8_t			 buf[QUIC_MAX_PKTLEN];
	struct quic_path	 path;
	ssize_t			 n;
	size_t			 moved = 0;

	if (from->qc == NULL)
		return (0);
	while ((n = quic_conn_write(from->qc, &path, buf, sizeof(buf),
	    pr->now)) > 0) {
		cr_assert_leq((size_t)n, sizeof(buf));
		cr_assert_eq(memcmp(&path.remote, &from->path.remote,
		    sizeof(struct sockaddr_in)), 0);
		moved++;
		from->sent++;
		if (to->deaf || (from->sent > from->lose_from &&
		    from->sent <= from->lose_to))
			continue;
		if (to->qc == NULL) {
			if (pr->retry && server_retry(pr, from, to, buf,
			    (size_t)n))
				continue;
			to->qc = quic_conn_accept(&pr->scfg, &to->path, buf,
			    (size_t)n, pr->now);
			cr_assert_not_null(to->qc);
		} else
			(void)quic_conn_read(to->qc, &to->path, buf,
			    (size_t)n, pr->now);
		cr_assert_lt(moved, 10000, "write loop does not end");
	}
	cr_assert_eq(n, 0);
	pr->packets += moved;
	return (moved);
}

static void
pump(struct pair *pr)
{
	int	 i;

	for (i = 0; i < 1000; i++)
		if (flush(pr, &pr->c, &pr->s) + flush(pr, &pr->s, &pr->c) == 0)
			return;
	cr_assert_fail("pump does not settle");
}

static uint64_t
expiry(struct peer *p)
{
	if (p->qc == NULL || quic_conn_state(p->qc) == QUIC_ST_CLOSED)
		return (UINT64_MAX);
	return (quic_conn_expiry(p->qc));
}

/* Run the fake clock forward by dt, firing timers and moving packets. */
static void
run(struct pair *pr, uint64_t dt)
{
	uint64_t	 until = pr->now + dt, next;
	int		 i;

	pump(pr);
	for (i = 0; i < 200000; i++) {
		next = MINIMUM(expiry(&pr->c), expiry(&pr->s));
		if (next > until) {
			pr->now = until;
			pump(pr);
			return;
		}
		if (next > pr->now)
			pr->now = next;
		if (pr->c.qc != NULL && expiry(&pr->c) <= pr->now)
			(void)quic_conn_handle_expiry(pr->c.qc, pr->now);
		if (pr->s.qc != NULL && expiry(&pr->s) <= pr->now)
			(void)quic_conn_handle_expiry(pr->s.qc, pr->now);
		pump(pr);
	}
	cr_assert_fail("timers do not settle");
}

static void
handshake(struct pair *pr)
{
	pair_start(pr);
	run(pr, 500 * MSEC);
	cr_assert_eq(quic_conn_state(pr->c.qc), QUIC_ST_OPEN, "client: %s",
	    quic_conn_error(pr->c.qc));
	cr_assert_not_null(pr->s.qc);
	cr_assert_eq(quic_conn_state(pr->s.qc), QUIC_ST_OPEN, "server: %s",
	    quic_conn_error(pr->s.qc));
}

TestSuite(quic, .init = quic_init);

Test(quic, handshake_alpn_cipher)
{
	struct pair	 pr;
	char		 alpn[32];
	const char	*cc, *sc;
	size_t		 i;
	int		 ok = 0;

	pair_init(&pr, NULL, NULL);
	pair_start(&pr);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_HANDSHAKE);
	cr_assert_eq(quic_conn_dgram_max(pr.c.qc), 0);
	run(&pr, 500 * MSEC);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_OPEN, "client: %s",
	    quic_conn_error(pr.c.qc));
	cr_assert_eq(quic_conn_state(pr.s.qc), QUIC_ST_OPEN, "server: %s",
	    quic_conn_error(pr.s.qc));
	cr_assert_eq(pr.c.handshakes, 1);
	cr_assert_eq(pr.s.handshakes, 1);
	cr_assert_str_empty(quic_conn_error(pr.c.qc));

	cr_assert_eq(quic_conn_alpn(pr.c.qc, alpn, sizeof(alpn)), 0);
	cr_assert_str_eq(alpn, "softlan/1");
	cr_assert_eq(quic_conn_alpn(pr.s.qc, alpn, sizeof(alpn)), 0);
	cr_assert_str_eq(alpn, "softlan/1");

	cc = quic_conn_cipher(pr.c.qc);
	sc = quic_conn_cipher(pr.s.qc);
	cr_assert_str_eq(cc, sc);
	for (i = 0; i < nitems(allowed); i++)
		if (strcmp(cc, allowed[i]) == 0)
			ok = 1;
	cr_assert(ok, "cipher %s not allowed", cc);

	/* The server issued connection IDs and announced them. */
	cr_assert_geq(pr.s.cids, 2);
	/* After PMTUD the budget follows the path: 1444 - 32 - 1. */
	cr_assert_eq(quic_conn_frame_budget(pr.c.qc), mtu_frame_budget(1444,
	    QUIC_CIDLEN));
	cr_assert_eq(quic_conn_dgram_max(pr.c.qc),
	    quic_conn_frame_budget(pr.c.qc) + MTU_KIND_LEN);
	quic_conn_free(pr.s.qc);
	pr.s.qc = NULL;
	cr_assert_eq(pr.s.cids, 0, "CIDs left in the map: %d", pr.s.cids);
	pair_free(&pr);
}

static void
expect_failure(struct pair *pr)
{
	pair_start(pr);
	run(pr, 2 * QUIC_NSEC);
	cr_assert_neq(quic_conn_state(pr->c.qc), QUIC_ST_OPEN);
	cr_assert_neq(quic_conn_state(pr->c.qc), QUIC_ST_HANDSHAKE);
	cr_assert_eq(pr->c.handshakes, 0);
	cr_assert_eq(pr->s.handshakes, 0);
	cr_assert(strstr(quic_conn_error(pr->c.qc), "TLS handshake failed") !=
	    NULL, "client error: %s", quic_conn_error(pr->c.qc));
	/* The server heard the alert. */
	cr_assert_not_null(pr->s.qc);
	cr_assert_neq(quic_conn_state(pr->s.qc), QUIC_ST_OPEN);
	cr_assert_neq(quic_conn_state(pr->s.qc), QUIC_ST_HANDSHAKE);
	/* Both are gone after the closing/draining period. */
	run(pr, 5 * QUIC_NSEC);
	cr_assert_eq(quic_conn_state(pr->c.qc), QUIC_ST_CLOSED);
	cr_assert_eq(quic_conn_state(pr->s.qc), QUIC_ST_CLOSED);
}

Test(quic, rejects_other_pinned_cert)
{
	struct pair	 pr;

	pair_init(&pr, NAME, NULL);	/* same name, other key */
	expect_failure(&pr);
	pair_free(&pr);
}

Test(quic, rejects_wrong_server_name)
{
	struct pair	 pr;

	pair_init(&pr, NULL, "other.test");
	expect_failure(&pr);
	pair_free(&pr);
}

Test(quic, config_errors)
{
	struct pair		 pr;
	struct quic_config	 cfg;
	struct quic_path	 path;
	uint8_t			 buf[QUIC_MAX_PKTLEN];
	ssize_t			 n;

	cr_assert_null(quic_tls_client_new(NULL, 0));
	cr_assert_null(quic_tls_client_new((const uint8_t *)"junk", 4));
	pair_init(&pr, NULL, NULL);
	cr_assert_null(quic_tls_server_new(pr.cert, pr.certlen, pr.cert,
	    pr.certlen));
	/* A server context cannot connect. */
	cfg = pr.ccfg;
	cfg.tls = pr.stls;
	cr_assert_null(quic_conn_client_new(&cfg, &pr.c.path, pr.now));
	cfg = pr.ccfg;
	cfg.server_name = NULL;
	cr_assert_null(quic_conn_client_new(&cfg, &pr.c.path, pr.now));
	/* A server needs its reset secret. */
	pair_start(&pr);
	pr.scfg.reset_secretlen = 4;
	n = quic_conn_write(pr.c.qc, &path, buf, sizeof(buf), pr.now);
	cr_assert_gt(n, 0);
	cr_assert_null(quic_conn_accept(&pr.scfg, &pr.s.path, buf, (size_t)n,
	    pr.now));
	/* With the secret it works. */
	pr.scfg.reset_secretlen = sizeof(pr.secret);
	pr.s.qc = quic_conn_accept(&pr.scfg, &pr.s.path, buf, (size_t)n,
	    pr.now);
	cr_assert_not_null(pr.s.qc);
	/* Garbage never starts a connection. */
	memset(buf, 0x5a, 100);
	cr_assert_null(quic_conn_accept(&pr.scfg, &pr.s.path, buf, 100,
	    pr.now));
	/* Write buffers must hold a full packet. */
	cr_assert_eq(quic_conn_write(pr.c.qc, &path, buf, 100, pr.now), -1);
	pair_free(&pr);
}

Test(quic, stream_hello_and_back)
{
	static const char	 hello[] = "\0\0\0\x27{\"type\":\"hello\","
				    "\"proto\":1,\"room\":\"lan\"}";
	static const char	 welcome[] =
				    "\0\0\0\x12{\"type\":\"welcome\"}";
	struct pair		 pr;
	uint8_t			*big;
	int64_t			 sid;
	size_t			 i, off;

	pair_init(&pr, NULL, NULL);
	handshake(&pr);
	cr_assert_eq(quic_conn_open_stream(pr.c.qc, &sid), 0);
	cr_assert_eq(quic_conn_stream_write(pr.c.qc, sid,
	    (const uint8_t *)hello, sizeof(hello) - 1), 0);
	cr_assert_eq(quic_conn_stream_pending(pr.c.qc, sid),
	    sizeof(hello) - 1);
	run(&pr, 100 * MSEC);
	cr_assert_eq(pr.s.slen, sizeof(hello) - 1);
	cr_assert_eq(memcmp(pr.s.sbuf, hello, sizeof(hello) - 1), 0);
	cr_assert_eq(pr.s.sid, sid);
	/* Acknowledged, so no longer kept. */
	cr_assert_eq(quic_conn_stream_pending(pr.c.qc, sid), 0);

	cr_assert_eq(quic_conn_stream_write(pr.s.qc, pr.s.sid,
	    (const uint8_t *)welcome, sizeof(welcome) - 1), 0);
	run(&pr, 100 * MSEC);
	cr_assert_eq(pr.c.slen, sizeof(welcome) - 1);
	cr_assert_eq(memcmp(pr.c.sbuf, welcome, sizeof(welcome) - 1), 0);
	cr_assert_eq(pr.c.sid, sid);

	/* 40 KiB in pieces crosses many packets and arrives intact. */
	big = malloc(40000);
	cr_assert_not_null(big);
	for (i = 0; i < 40000; i++)
		big[i] = (uint8_t)(i * 7 + i / 251);
	for (off = 0; off < 40000; off += 1000)
		cr_assert_eq(quic_conn_stream_write(pr.c.qc, sid, big + off,
		    1000), 0);
	/* The send buffer is bounded: 30000 more would pass 64 KiB. */
	cr_assert_eq(quic_conn_stream_write(pr.c.qc, sid, big, 30000), -1);
	run(&pr, 1 * QUIC_NSEC);
	cr_assert_eq(pr.s.slen, sizeof(hello) - 1 + 40000);
	cr_assert_eq(memcmp(pr.s.sbuf + sizeof(hello) - 1, big, 40000), 0);
	cr_assert_eq(quic_conn_stream_pending(pr.c.qc, sid), 0);
	/* Once acknowledged there is room again. */
	cr_assert_eq(quic_conn_stream_write(pr.c.qc, sid, big, 30000), 0);
	free(big);
	pair_free(&pr);
}

/* 1 MiB, four times the initial stream window: the windows must grow. */
Test(quic, stream_window_extends)
{
	struct pair	 pr;
	uint8_t		 chunk[16384];
	uint64_t	 off = 0;
	int64_t		 sid;
	size_t		 i;
	int		 rounds;

	pair_init(&pr, NULL, NULL);
	pr.s.pattern = 1;
	handshake(&pr);
	cr_assert_eq(quic_conn_open_stream(pr.c.qc, &sid), 0);
	for (rounds = 0; off < 1024 * 1024 && rounds < 10000; rounds++) {
		for (i = 0; i < sizeof(chunk); i++)
			chunk[i] = pat(off + i);
		if (quic_conn_stream_write(pr.c.qc, sid, chunk,
		    sizeof(chunk)) == 0)
			off += sizeof(chunk);
		else
			run(&pr, 20 * MSEC);
	}
	run(&pr, 2 * QUIC_NSEC);
	cr_assert_eq(off, 1024 * 1024);
	cr_assert_eq(pr.s.stotal, off);
	cr_assert_eq(pr.s.sbad, 0);
	cr_assert_eq(quic_conn_stream_pending(pr.c.qc, sid), 0);
	cr_assert_eq(quic_conn_stats(pr.s.qc)->stream_recv, off);
	pair_free(&pr);
}

static void
send_dgrams(struct pair *pr, struct peer *from, int n)
{
	uint8_t		 buf[QUIC_MAX_PKTLEN];
	size_t		 max, len;
	int		 i;

	max = quic_conn_dgram_max(from->qc);
	cr_assert_gt(max, 1000);
	for (i = 0; i < n; i++) {
		/* Small ones coalesce, large ones fill packets. */
		len = 3 + (size_t)(i * 37) % (max - 2);
		mkdgram(buf, i, len);
		cr_assert_eq(quic_conn_send_datagram(from->qc, buf, len),
		    QUIC_DGRAM_QUEUED);
		if (i % 10 == 9)
			run(pr, 10 * MSEC);
	}
	run(pr, 100 * MSEC);
}

Test(quic, datagrams_both_ways)
{
	struct pair		 pr;
	const struct quic_stats	*cs, *ss;
	uint8_t			 buf[8];

	pair_init(&pr, NULL, NULL);
	pair_start(&pr);
	/* Before the handshake: refused and counted. */
	mkdgram(buf, 0, sizeof(buf));
	cr_assert_eq(quic_conn_send_datagram(pr.c.qc, buf, sizeof(buf)),
	    QUIC_DGRAM_NOTREADY);
	cr_assert_eq(quic_conn_stats(pr.c.qc)->dgram_drop_notready, 1);
	run(&pr, 500 * MSEC);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_OPEN);

	send_dgrams(&pr, &pr.c, 100);
	send_dgrams(&pr, &pr.s, 100);
	cr_assert_eq(pr.s.ndgram, 100);
	cr_assert_eq(pr.s.bad_dgram, 0);
	cr_assert_eq(pr.c.ndgram, 100);
	cr_assert_eq(pr.c.bad_dgram, 0);
	cs = quic_conn_stats(pr.c.qc);
	ss = quic_conn_stats(pr.s.qc);
	cr_assert_eq(cs->dgram_sent, 100);
	cr_assert_eq(ss->dgram_sent, 100);
	cr_assert_eq(cs->dgram_recv, 100);
	cr_assert_eq(ss->dgram_recv, 100);
	cr_assert_eq(cs->dgram_lost + ss->dgram_lost, 0);
	cr_assert_eq(cs->dgram_acked, 100);
	cr_assert_eq(cs->dgram_drop_full + cs->dgram_drop_toobig +
	    cs->dgram_drop_refused, 0);
	cr_assert_eq(quic_conn_dgram_queued(pr.c.qc), 0);
	pair_free(&pr);
}

Test(quic, small_datagrams_coalesce)
{
	struct pair	 pr;
	uint8_t		 buf[40];
	size_t		 before;
	int		 i;

	pair_init(&pr, NULL, NULL);
	handshake(&pr);
	before = pr.c.sent;
	for (i = 0; i < 20; i++) {
		mkdgram(buf, i, sizeof(buf));
		cr_assert_eq(quic_conn_send_datagram(pr.c.qc, buf,
		    sizeof(buf)), QUIC_DGRAM_QUEUED);
	}
	pump(&pr);
	cr_assert_eq(pr.s.ndgram, 20);
	cr_assert_eq(pr.s.bad_dgram, 0);
	/* 20 x 42 bytes fit in one packet; allow for pacing splits. */
	cr_assert_leq(pr.c.sent - before, 3, "%zu packets for 20 datagrams",
	    pr.c.sent - before);
	pair_free(&pr);
}

/*
 * An open connection with a stream that carried 5 bytes: what the PTO
 * anchors of the datagram tests ride on (conn_anchor() in quic.c).
 */
static void
open_with_stream(struct pair *pr)
{
	int64_t	 sid;

	pair_init(pr, NULL, NULL);
	handshake(pr);
	cr_assert_eq(quic_conn_open_stream(pr->c.qc, &sid), 0);
	cr_assert_eq(quic_conn_stream_write(pr->c.qc, sid,
	    (const uint8_t *)"hello", 5), 0);
	run(pr, 100 * MSEC);
	cr_assert_eq(pr->s.slen, 5);
}

/*
 * A frame at the full budget still shares its packet with the PTO anchor
 * and an ACK (mtu.h, MTU_PIGGYBACK): a bulk transfer must not cost two
 * packets a frame.  Both sides send, so both have ACKs to carry.
 */
Test(quic, full_datagrams_one_packet_each)
{
	struct pair		 pr;
	uint8_t			 buf[QUIC_MAX_PKTLEN];
	size_t			 max, before_c, before_s, pkts;
	int			 i;

	open_with_stream(&pr);
	max = quic_conn_dgram_max(pr.c.qc);
	cr_assert_geq(max, mtu_frame_budget(1200, QUIC_CIDLEN) + MTU_KIND_LEN);
	before_c = pr.c.sent;
	before_s = pr.s.sent;
	for (i = 0; i < 400; i++) {
		mkdgram(buf, i, max);
		cr_assert_eq(quic_conn_send_datagram(pr.c.qc, buf, max),
		    QUIC_DGRAM_QUEUED);
		if (i % 4 == 3) {
			mkdgram(buf, i, max);
			cr_assert_eq(quic_conn_send_datagram(pr.s.qc, buf,
			    max), QUIC_DGRAM_QUEUED);
		}
		if (i % 8 == 7)
			run(&pr, 1 * MSEC);
	}
	run(&pr, 100 * MSEC);
	cr_assert_eq(pr.s.ndgram, 400);
	cr_assert_eq(pr.c.ndgram, 100);
	pkts = pr.c.sent - before_c;
	/*
	 * One per datagram, and an ACK-only one when a burst is over (50
	 * bursts): 450 here.  Without the room for the anchor: 850.
	 */
	cr_assert_leq(pkts, 400 + 400 / 4, "%zu packets for 400 datagrams",
	    pkts);
	pkts = pr.s.sent - before_s;
	cr_assert_leq(pkts, 100 + 400 / 2, "%zu server packets", pkts);
	pair_free(&pr);
}

Test(quic, handshake_timeout_at_10s)
{
	struct pair	 pr;

	pair_init(&pr, NULL, NULL);
	pr.s.deaf = 1;
	pair_start(&pr);
	run(&pr, 9 * QUIC_NSEC);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_HANDSHAKE);
	cr_assert_gt(pr.c.sent, 1, "no Initial retransmissions");
	run(&pr, 2 * QUIC_NSEC);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_CLOSED);
	cr_assert_str_eq(quic_conn_error(pr.c.qc), "handshake timeout");
	cr_assert_null(pr.s.qc);
	pair_free(&pr);
}

Test(quic, datagram_too_big_is_counted)
{
	struct pair	 pr;
	uint8_t		 buf[QUIC_MAX_PKTLEN + 1];
	size_t		 max;

	pair_init(&pr, NULL, NULL);
	handshake(&pr);
	max = quic_conn_dgram_max(pr.c.qc);
	cr_assert_gt(max, 0);
	cr_assert_lt(max, sizeof(buf));
	mkdgram(buf, 0, max + 1);
	cr_assert_eq(quic_conn_send_datagram(pr.c.qc, buf, max + 1),
	    QUIC_DGRAM_TOOBIG);
	cr_assert_eq(quic_conn_stats(pr.c.qc)->dgram_drop_toobig, 1);
	cr_assert_eq(quic_conn_send_datagram(pr.c.qc, buf, 0),
	    QUIC_DGRAM_TOOBIG);
	cr_assert_eq(quic_conn_stats(pr.c.qc)->dgram_drop_toobig, 2);
	/* Exactly the budget fits in one packet: the math is right. */
	mkdgram(buf, 0, max);
	cr_assert_eq(quic_conn_send_datagram(pr.c.qc, buf, max),
	    QUIC_DGRAM_QUEUED);
	run(&pr, 100 * MSEC);
	cr_assert_eq(quic_conn_dgram_queued(pr.c.qc), 0);
	cr_assert_eq(quic_conn_stats(pr.c.qc)->dgram_sent, 1);
	cr_assert_eq(pr.s.ndgram, 1);
	cr_assert_eq(pr.s.bad_dgram, 0);
	pair_free(&pr);
}

Test(quic, datagram_queue_full_is_counted)
{
	struct pair	 pr;
	uint8_t		 buf[100];
	int		 i;

	pair_init(&pr, NULL, NULL);
	pr.ccfg.dgram_queue = 8;
	handshake(&pr);
	for (i = 0; i < 13; i++) {
		mkdgram(buf, i, sizeof(buf));
		cr_assert_eq(quic_conn_send_datagram(pr.c.qc, buf,
		    sizeof(buf)), i < 8 ? QUIC_DGRAM_QUEUED : QUIC_DGRAM_FULL);
	}
	cr_assert_eq(quic_conn_stats(pr.c.qc)->dgram_drop_full, 5);
	cr_assert_eq(quic_conn_dgram_queued(pr.c.qc), 8);
	run(&pr, 100 * MSEC);
	cr_assert_eq(pr.s.ndgram, 8);
	cr_assert_eq(pr.s.bad_dgram, 0);
	cr_assert_eq(quic_conn_dgram_queued(pr.c.qc), 0);
	pair_free(&pr);
}

/*
 * A packet of DATAGRAM frames only arms no PTO timer in ngtcp2 0.12:
 * with the tail of a full window lost, nothing was ever sent again (no
 * probe, no keep-alive) and the queue stayed full until the idle
 * timeout (found by regress/e2e/impair-lan.sh).  Here all but the
 * first packet of a window-filling flight are lost, then the path
 * heals.
 */
Test(quic, datagram_tail_loss_recovers)
{
	struct pair		 pr;
	const struct quic_stats	*cs;
	uint8_t			 buf[QUIC_MAX_PKTLEN];
	size_t			 max;
	int			 i;

	open_with_stream(&pr);
	max = quic_conn_dgram_max(pr.c.qc);
	cr_assert_gt(max, 1000);
	pr.c.lose_from = pr.c.sent + 1;
	pr.c.lose_to = SIZE_MAX;
	for (i = 0; i < 60; i++) {
		mkdgram(buf, i, max);
		cr_assert_eq(quic_conn_send_datagram(pr.c.qc, buf, max),
		    QUIC_DGRAM_QUEUED);
	}
	pump(&pr);
	cr_assert_gt(quic_conn_dgram_queued(pr.c.qc), 0,
	    "the congestion window did not fill");
	/* The path heals before any timer runs. */
	pr.c.lose_to = pr.c.sent;
	run(&pr, 10 * QUIC_NSEC);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_OPEN, "client: %s",
	    quic_conn_error(pr.c.qc));
	cr_assert_eq(quic_conn_dgram_queued(pr.c.qc), 0,
	    "stalled: %zu datagrams still queued, %zu packets sent",
	    quic_conn_dgram_queued(pr.c.qc), pr.c.sent);
	cs = quic_conn_stats(pr.c.qc);
	cr_assert_eq(cs->dgram_sent, 60);
	cr_assert_gt(cs->dgram_lost, 0, "no loss was detected");
	cr_assert_eq(cs->dgram_acked + cs->dgram_lost, 60);
	cr_assert_eq((uint64_t)pr.s.ndgram, cs->dgram_acked);
	pair_free(&pr);
}

Test(quic, idle_timeout_at_90s)
{
	struct pair	 pr;
	uint64_t	 start;

	pair_init(&pr, NULL, NULL);
	pr.ccfg.keepalive = 0;
	pr.scfg.keepalive = 0;
	handshake(&pr);
	start = pr.now;
	run(&pr, 88 * QUIC_NSEC);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_OPEN);
	cr_assert_eq(quic_conn_state(pr.s.qc), QUIC_ST_OPEN);
	run(&pr, 3 * QUIC_NSEC);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_CLOSED);
	cr_assert_eq(quic_conn_state(pr.s.qc), QUIC_ST_CLOSED);
	cr_assert_str_eq(quic_conn_error(pr.c.qc), "idle timeout");
	cr_assert_str_eq(quic_conn_error(pr.s.qc), "idle timeout");
	cr_assert_geq(pr.now - start, 88 * QUIC_NSEC);
	pair_free(&pr);
}

Test(quic, keepalive_keeps_it_open)
{
	struct pair	 pr;
	size_t		 before;

	pair_init(&pr, NULL, NULL);
	handshake(&pr);
	before = pr.packets;
	run(&pr, 200 * QUIC_NSEC);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_OPEN, "client: %s",
	    quic_conn_error(pr.c.qc));
	cr_assert_eq(quic_conn_state(pr.s.qc), QUIC_ST_OPEN, "server: %s",
	    quic_conn_error(pr.s.qc));
	/* PINGs every 20 s of quiet, and their ACKs, went across. */
	cr_assert_geq(pr.packets - before, 200 / 20);
	pair_free(&pr);
}

Test(quic, close_reaches_peer)
{
	struct pair	 pr;

	pair_init(&pr, NULL, NULL);
	handshake(&pr);
	cr_assert_eq(quic_conn_close(pr.c.qc, 7, "bye", pr.now),
	    QUIC_EV_CLOSED);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_CLOSING);
	pump(&pr);
	cr_assert_eq(quic_conn_state(pr.s.qc), QUIC_ST_DRAINING);
	cr_assert(strstr(quic_conn_error(pr.s.qc), "0x7, bye") != NULL,
	    "server error: %s", quic_conn_error(pr.s.qc));
	cr_assert_eq(quic_conn_stats(pr.s.qc)->stateless_reset, 0);
	run(&pr, 5 * QUIC_NSEC);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_CLOSED);
	cr_assert_eq(quic_conn_state(pr.s.qc), QUIC_ST_CLOSED);
	pair_free(&pr);
}

Test(quic, close_from_callback)
{
	struct pair	 pr;
	int64_t		 sid;

	pair_init(&pr, NULL, NULL);
	pr.s.reject = 1;
	handshake(&pr);
	cr_assert_eq(quic_conn_open_stream(pr.c.qc, &sid), 0);
	cr_assert_eq(quic_conn_stream_write(pr.c.qc, sid,
	    (const uint8_t *)"hello", 5), 0);
	pump(&pr);
	cr_assert_eq(quic_conn_state(pr.s.qc), QUIC_ST_CLOSING);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_DRAINING);
	cr_assert(strstr(quic_conn_error(pr.c.qc), "0x9, bad-room") != NULL,
	    "client error: %s", quic_conn_error(pr.c.qc));
	/* Nothing more goes out, datagrams are refused. */
	cr_assert_eq(quic_conn_send_datagram(pr.c.qc, (const uint8_t *)"\0x",
	    2), QUIC_DGRAM_NOTREADY);
	run(&pr, 5 * QUIC_NSEC);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_CLOSED);
	cr_assert_eq(quic_conn_state(pr.s.qc), QUIC_ST_CLOSED);
	pair_free(&pr);
}

Test(quic, stateless_reset_same_secret)
{
	struct pair	 a, b;
	uint8_t		 cid[QUIC_MAX_CIDLEN], pcid[QUIC_MAX_CIDLEN];
	uint8_t		 ta[QUIC_RESET_TOKENLEN];
	uint8_t		 tb[QUIC_RESET_TOKENLEN];
	uint8_t		 tok[QUIC_RESET_TOKENLEN], other[32];
	uint8_t		 pkt[QUIC_MAX_PKTLEN];
	struct quic_path path;
	size_t		 cidlen, pcidlen;
	ssize_t		 n, r;

	/* Two server instances (a relay and its restart), one secret. */
	pair_init(&a, NULL, NULL);
	pair_init(&b, NULL, NULL);
	cr_assert_eq(memcmp(a.secret, b.secret, sizeof(a.secret)), 0);
	handshake(&a);
	handshake(&b);

	cidlen = quic_conn_dcid(a.c.qc, cid, sizeof(cid));
	cr_assert_eq(cidlen, QUIC_CIDLEN);
	cr_assert_eq(quic_conn_peer_reset_token(a.c.qc, ta), 0);
	/* Instance b derives the token a's client holds... */
	cr_assert_eq(quic_reset_token(b.secret, sizeof(b.secret), cid, cidlen,
	    tok), 0);
	cr_assert_eq(memcmp(ta, tok, sizeof(tok)), 0);
	/* ...and the same holds the other way round. */
	cidlen = quic_conn_dcid(b.c.qc, cid, sizeof(cid));
	cr_assert_eq(quic_conn_peer_reset_token(b.c.qc, tb), 0);
	cr_assert_eq(quic_reset_token(a.secret, sizeof(a.secret), cid, cidlen,
	    tok), 0);
	cr_assert_eq(memcmp(tb, tok, sizeof(tok)), 0);
	/* Another secret gives another token. */
	memset(other, 0x11, sizeof(other));
	cr_assert_eq(quic_reset_token(other, sizeof(other), cid, cidlen,
	    tok), 0);
	cr_assert_neq(memcmp(tb, tok, sizeof(tok)), 0);
	cr_assert_eq(quic_reset_token(other, 8, cid, cidlen, tok), -1);

	/*
	 * b's client sends a packet after "a restart": the relay finds the
	 * DCID, knows no connection, answers with a stateless reset.
	 */
	cr_assert_eq(quic_conn_send_datagram(b.c.qc, (const uint8_t *)
	    "\0abcdefghijklmnopqrstuvwxyz0123456789", 37), QUIC_DGRAM_QUEUED);
	n = quic_conn_write(b.c.qc, &path, pkt, sizeof(pkt), b.now);
	cr_assert_gt(n, 40);
	cr_assert_eq(quic_packet_dcid(pkt, (size_t)n, pcid, &pcidlen), 0);
	cr_assert_eq(pcidlen, cidlen);
	cr_assert_eq(memcmp(pcid, cid, cidlen), 0);
	cr_assert_eq(quic_write_stateless_reset(pkt, sizeof(pkt), 20,
	    a.secret, sizeof(a.secret), pcid, pcidlen), 0);
	r = quic_write_stateless_reset(pkt, sizeof(pkt), (size_t)n, a.secret,
	    sizeof(a.secret), pcid, pcidlen);
	cr_assert_gt(r, 20);
	cr_assert_lt(r, n);
	cr_assert_eq(quic_conn_read(b.c.qc, &b.c.path, pkt, (size_t)r, b.now),
	    QUIC_EV_CLOSED);
	cr_assert_eq(quic_conn_state(b.c.qc), QUIC_ST_DRAINING);
	/* Reported as what it is, not as an ordinary close. */
	cr_assert_str_eq(quic_conn_error(b.c.qc), "stateless reset");
	cr_assert_eq(quic_conn_stats(b.c.qc)->stateless_reset, 1);
	cr_assert_eq(quic_conn_stats(a.c.qc)->stateless_reset, 0);
	pair_free(&a);
	pair_free(&b);
}

Test(quic, retry_then_handshake)
{
	struct pair	 pr;
	uint8_t		 buf[100];

	pair_init(&pr, NULL, NULL);
	pr.retry = 1;
	handshake(&pr);
	cr_assert_eq(pr.retries, 1);
	cr_assert_eq(pr.tokens, 1);
	cr_assert_eq(pr.c.handshakes, 1);
	cr_assert_eq(pr.s.handshakes, 1);
	cr_assert(quic_conn_addr_validated(pr.s.qc));
	/* Data flows on the validated connection. */
	mkdgram(buf, 0, sizeof(buf));
	cr_assert_eq(quic_conn_send_datagram(pr.c.qc, buf, sizeof(buf)),
	    QUIC_DGRAM_QUEUED);
	run(&pr, 100 * MSEC);
	cr_assert_eq(pr.s.ndgram, 1);
	cr_assert_eq(pr.s.bad_dgram, 0);
	/* The Retry's connection ID left the map with the rest. */
	quic_conn_free(pr.s.qc);
	pr.s.qc = NULL;
	cr_assert_eq(pr.s.cids, 0, "CIDs left in the map: %d", pr.s.cids);
	pair_free(&pr);
}

/* The offset of the token in a long-header Initial; its length. */
static size_t
token_at(const uint8_t *pkt, size_t len, size_t *tlen)
{
	size_t	 off, vlen, i;
	uint64_t v;

	cr_assert_gt(len, 7);
	cr_assert(pkt[0] & 0x80);
	off = 5;
	off += 1 + pkt[off];		/* DCID */
	cr_assert_lt(off, len);
	off += 1 + pkt[off];		/* SCID */
	cr_assert_lt(off, len);
	vlen = (size_t)1 << (pkt[off] >> 6);
	v = pkt[off] & 0x3f;
	for (i = 1; i < vlen; i++)
		v = (v << 8) | pkt[off + i];
	off += vlen;
	cr_assert_leq(off + v, len);
	*tlen = (size_t)v;
	return (off);
}

/*
 * By hand: the client's first Initial gets a Retry, and its second
 * Initial, which carries the token, is returned in out.
 */
static size_t
retry_initial(struct pair *pr, uint8_t *out, size_t outlen)
{
	uint8_t			 pkt[QUIC_MAX_PKTLEN], rbuf[QUIC_MAX_PKTLEN];
	struct quic_path	 path;
	ssize_t			 n, r;
	size_t			 tlen;

	pair_start(pr);
	n = quic_conn_write(pr->c.qc, &path, pkt, sizeof(pkt), pr->now);
	cr_assert_geq(n, 1200);
	(void)token_at(pkt, (size_t)n, &tlen);
	cr_assert_eq(tlen, 0);
	cr_assert_eq(quic_initial_check(&pr->scfg, &pr->s.path, pkt,
	    (size_t)n, pr->now), QUIC_INITIAL_NEW);
	r = quic_write_retry(&pr->scfg, &pr->s.path, pkt, (size_t)n, rbuf,
	    sizeof(rbuf), pr->now);
	cr_assert_gt(r, 0);
	/* Too small a buffer is an error, not an overflow. */
	cr_assert_eq(quic_write_retry(&pr->scfg, &pr->s.path, pkt, (size_t)n,
	    rbuf, 20, pr->now), -1);
	cr_assert_eq(quic_conn_read(pr->c.qc, &pr->c.path, rbuf, (size_t)r,
	    pr->now), 0);
	cr_assert_eq(quic_conn_state(pr->c.qc), QUIC_ST_HANDSHAKE);
	n = quic_conn_write(pr->c.qc, &path, out, outlen, pr->now);
	cr_assert_geq(n, 1200);
	(void)token_at(out, (size_t)n, &tlen);
	cr_assert_gt(tlen, 16, "no token in the Initial after the Retry");
	/* A packet that has a token gets no second Retry. */
	cr_assert_eq(quic_write_retry(&pr->scfg, &pr->s.path, out, (size_t)n,
	    rbuf, sizeof(rbuf), pr->now), -1);
	return ((size_t)n);
}

static void
expect_bad_token(struct pair *pr, const struct quic_config *cfg,
    const struct quic_path *path, const uint8_t *pkt, size_t len,
    uint64_t now)
{
	cr_assert_eq(quic_initial_check(cfg, path, pkt, len, now),
	    QUIC_INITIAL_BADTOKEN);
	cr_assert_null(quic_conn_accept(cfg, path, pkt, len, now));
	cr_assert_eq(pr->s.cids, 0);
}

Test(quic, retry_token_checks)
{
	struct pair		 pr;
	struct quic_config	 other;
	struct quic_path	 path;
	uint8_t			 pkt[QUIC_MAX_PKTLEN], bad[QUIC_MAX_PKTLEN];
	uint8_t			 secret2[32];
	size_t			 len, off, tlen;

	pair_init(&pr, NULL, NULL);
	len = retry_initial(&pr, pkt, sizeof(pkt));
	off = token_at(pkt, len, &tlen);
	cr_assert_eq(pkt[off], 0xb6, "not a Retry token");

	/* Valid now and 9 s later, not after its 10 s. */
	cr_assert_eq(quic_initial_check(&pr.scfg, &pr.s.path, pkt, len,
	    pr.now), QUIC_INITIAL_VALID);
	cr_assert_eq(quic_initial_check(&pr.scfg, &pr.s.path, pkt, len,
	    pr.now + 9 * QUIC_NSEC), QUIC_INITIAL_VALID);
	expect_bad_token(&pr, &pr.scfg, &pr.s.path, pkt, len,
	    pr.now + 11 * QUIC_NSEC);

	/* Bound to the client's address and port. */
	path = pr.s.path;
	setaddr(&path.remote, &path.remotelen, "198.18.0.3", 40000);
	expect_bad_token(&pr, &pr.scfg, &path, pkt, len, pr.now);
	setaddr(&path.remote, &path.remotelen, "198.18.0.1", 40001);
	expect_bad_token(&pr, &pr.scfg, &path, pkt, len, pr.now);

	/* Any byte changed, after the magic one, and it is refused. */
	memcpy(bad, pkt, len);
	bad[off + tlen / 2] ^= 0x01;
	expect_bad_token(&pr, &pr.scfg, &pr.s.path, bad, len, pr.now);
	memcpy(bad, pkt, len);
	bad[off + tlen - 1] ^= 0x80;
	expect_bad_token(&pr, &pr.scfg, &pr.s.path, bad, len, pr.now);

	/* A server with another secret cannot read it. */
	memset(secret2, 0x42, sizeof(secret2));
	other = pr.scfg;
	other.reset_secret = secret2;
	expect_bad_token(&pr, &other, &pr.s.path, pkt, len, pr.now);

	/* Garbage is no Initial at all. */
	memset(bad, 0x5a, sizeof(bad));
	cr_assert_eq(quic_initial_check(&pr.scfg, &pr.s.path, bad,
	    sizeof(bad), pr.now), QUIC_INITIAL_BAD);
	cr_assert_eq(quic_write_retry(&pr.scfg, &pr.s.path, bad, sizeof(bad),
	    pkt + len, sizeof(pkt) - len, pr.now), -1);

	/*
	 * The genuine one is accepted, validated before any handshake,
	 * and the handshake completes: the client checked the Retry
	 * connection IDs in the server's transport parameters.
	 */
	pr.now += 2 * QUIC_NSEC;
	pr.s.qc = quic_conn_accept(&pr.scfg, &pr.s.path, pkt, len, pr.now);
	cr_assert_not_null(pr.s.qc);
	cr_assert_eq(quic_conn_state(pr.s.qc), QUIC_ST_HANDSHAKE);
	cr_assert(quic_conn_addr_validated(pr.s.qc));
	cr_assert_eq(pr.s.cids, 2);
	run(&pr, 500 * MSEC);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_OPEN, "client: %s",
	    quic_conn_error(pr.c.qc));
	cr_assert_eq(quic_conn_state(pr.s.qc), QUIC_ST_OPEN, "server: %s",
	    quic_conn_error(pr.s.qc));
	pair_free(&pr);
}

Test(quic, accept_without_token_is_unvalidated)
{
	struct pair		 pr;
	struct quic_path	 path;
	uint8_t			 pkt[QUIC_MAX_PKTLEN];
	ssize_t			 n;

	pair_init(&pr, NULL, NULL);
	pair_start(&pr);
	n = quic_conn_write(pr.c.qc, &path, pkt, sizeof(pkt), pr.now);
	cr_assert_gt(n, 0);
	pr.s.qc = quic_conn_accept(&pr.scfg, &pr.s.path, pkt, (size_t)n,
	    pr.now);
	cr_assert_not_null(pr.s.qc);
	cr_assert_eq(quic_conn_addr_validated(pr.s.qc), 0);
	cr_assert_eq(quic_conn_addr_validated(pr.c.qc), 0);
	run(&pr, 500 * MSEC);
	cr_assert_eq(quic_conn_state(pr.s.qc), QUIC_ST_OPEN);
	/* The completed handshake proved it. */
	cr_assert(quic_conn_addr_validated(pr.s.qc));
	cr_assert(quic_conn_addr_validated(pr.c.qc));
	pair_free(&pr);
}

/*
 * Issue 10: ngtcp2 asserts on an empty packet (and calls it a connection
 * error in read_pkt), so one 0-byte datagram killed relayd.  Datagrams of
 * 0..QUIC_MIN_PKTLEN-1 bytes, even spoofed from the right address, are
 * counted and dropped: the demultiplexer, the Initial check, Retry and
 * accept refuse them, and an open connection stays open on both sides.
 */
Test(quic, short_datagrams_are_dropped)
{
	struct pair		 pr;
	uint8_t			 pkt[QUIC_MIN_PKTLEN], dcid[QUIC_MAX_CIDLEN];
	uint8_t			 out[QUIC_MAX_PKTLEN];
	size_t			 len, dlen;
	uint64_t		 before_c, before_s;
	const struct quic_stats	*cs, *ss;

	pair_init(&pr, NULL, NULL);
	for (len = 0; len < QUIC_MIN_PKTLEN; len++) {
		/* Long header, short header and zero bytes alike. */
		memset(pkt, len % 2 ? 0xc0 : 0x40, sizeof(pkt));
		cr_assert_eq(quic_packet_dcid(pkt, len, dcid, &dlen),
		    QUIC_PKT_SHORT, "%zu bytes", len);
		cr_assert_eq(dlen, 0);
		cr_assert_eq(quic_initial_check(&pr.scfg, &pr.s.path, pkt, len,
		    pr.now), QUIC_INITIAL_BAD);
		cr_assert_eq(quic_write_retry(&pr.scfg, &pr.s.path, pkt, len,
		    out, sizeof(out), pr.now), -1);
		cr_assert_null(quic_conn_accept(&pr.scfg, &pr.s.path, pkt,
		    len, pr.now));
	}
	handshake(&pr);
	send_dgrams(&pr, &pr.c, 10);
	before_c = quic_conn_stats(pr.c.qc)->pkt_recv;
	before_s = quic_conn_stats(pr.s.qc)->pkt_recv;
	for (len = 0; len < QUIC_MIN_PKTLEN; len++) {
		memset(pkt, 0, sizeof(pkt));
		cr_assert_eq(quic_conn_read(pr.c.qc, &pr.c.path, pkt, len,
		    pr.now), 0, "client, %zu bytes", len);
		cr_assert_eq(quic_conn_read(pr.s.qc, &pr.s.path, pkt, len,
		    pr.now), 0, "server, %zu bytes", len);
	}
	cs = quic_conn_stats(pr.c.qc);
	ss = quic_conn_stats(pr.s.qc);
	cr_assert_eq(cs->pkt_short, QUIC_MIN_PKTLEN);
	cr_assert_eq(ss->pkt_short, QUIC_MIN_PKTLEN);
	cr_assert_eq(cs->pkt_recv, before_c, "short ones are not packets");
	cr_assert_eq(ss->pkt_recv, before_s);
	cr_assert_eq(cs->pkt_bad + ss->pkt_bad, 0);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_OPEN, "client: %s",
	    quic_conn_error(pr.c.qc));
	cr_assert_eq(quic_conn_state(pr.s.qc), QUIC_ST_OPEN, "server: %s",
	    quic_conn_error(pr.s.qc));
	/* And the connection still carries datagrams both ways. */
	send_dgrams(&pr, &pr.c, 10);
	send_dgrams(&pr, &pr.s, 10);
	cr_assert_eq(pr.s.ndgram, 20);
	cr_assert_eq(pr.c.ndgram, 10);
	pair_free(&pr);
}

/* Garbage of valid length from the peer's address: dropped, not fatal. */
Test(quic, garbage_datagrams_keep_the_connection)
{
	struct pair	 pr;
	uint8_t		 pkt[1200];
	size_t		 len, i;
	uint32_t	 x = 12345;

	pair_init(&pr, NULL, NULL);
	handshake(&pr);
	for (len = QUIC_MIN_PKTLEN; len < sizeof(pkt); len += 37) {
		for (i = 0; i < len; i++) {
			x = x * 1103515245 + 12345;
			pkt[i] = (uint8_t)(x >> 16);
		}
		(void)quic_conn_read(pr.c.qc, &pr.c.path, pkt, len, pr.now);
		(void)quic_conn_read(pr.s.qc, &pr.s.path, pkt, len, pr.now);
	}
	run(&pr, 100 * MSEC);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_OPEN, "client: %s",
	    quic_conn_error(pr.c.qc));
	cr_assert_eq(quic_conn_state(pr.s.qc), QUIC_ST_OPEN, "server: %s",
	    quic_conn_error(pr.s.qc));
	send_dgrams(&pr, &pr.c, 5);
	cr_assert_eq(pr.s.ndgram, 5);
	pair_free(&pr);
}

/*
 * The shared send path (egress.c): a frame goes out whole or in
 * fragments, all pieces or none, and is counted once.
 */
Test(quic, egress_all_or_nothing)
{
	struct pair		 pr;
	struct ovl_tx		 tx;
	struct egress_stats	 st;
	uint8_t			 f[1514], buf[100];
	size_t			 budget;
	int			 i;

	pair_init(&pr, NULL, NULL);
	pr.ccfg.dgram_queue = 8;
	pair_start(&pr);
	memset(&st, 0, sizeof(st));
	ovl_tx_init(&tx, 1);
	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);			/* broadcast */
	f[6] = 0x02;				/* source */
	f[12] = 0x08;				/* IPv4 */
	/* No budget before the handshake. */
	cr_assert_eq(egress_frame(pr.c.qc, &tx, 0, f, 100, &st),
	    EGRESS_NOTREADY);
	run(&pr, 500 * MSEC);
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_OPEN);
	budget = quic_conn_frame_budget(pr.c.qc);
	cr_assert_gt(budget, 1000);
	cr_assert_lt(budget, sizeof(f));

	/* 1514 bytes: two pieces with this budget. */
	cr_assert_eq(egress_frame(pr.c.qc, &tx, budget, f, sizeof(f), &st),
	    EGRESS_SENT);
	cr_assert_eq(quic_conn_dgram_queued(pr.c.qc), 2);
	/* Fill the queue but one slot: the next frame does not fit. */
	for (i = 0; i < 5; i++) {
		mkdgram(buf, i, sizeof(buf));
		cr_assert_eq(quic_conn_send_datagram(pr.c.qc, buf,
		    sizeof(buf)), QUIC_DGRAM_QUEUED);
	}
	cr_assert_eq(quic_conn_dgram_room(pr.c.qc), 1);
	cr_assert_eq(egress_frame(pr.c.qc, &tx, budget, f, sizeof(f), &st),
	    EGRESS_FULL);
	cr_assert_eq(quic_conn_dgram_queued(pr.c.qc), 7, "no lone fragment");
	/* A small frame still fits whole. */
	cr_assert_eq(egress_frame(pr.c.qc, &tx, budget, f, 60, &st),
	    EGRESS_SENT);
	/* Over OVL_MAX_FRAGS pieces of a tiny budget. */
	cr_assert_eq(egress_frame(pr.c.qc, &tx, 100, f, sizeof(f), &st),
	    EGRESS_TOOBIG);
	cr_assert_eq(st.frames, 2);
	cr_assert_eq(st.drop_full, 1);
	cr_assert_eq(st.drop_toobig, 1);
	cr_assert_eq(st.drop_notready, 1);
	cr_assert_eq(egress_drops(&st), 3);
	cr_assert_eq(quic_conn_stats(pr.c.qc)->dgram_drop_full, 0,
	    "nothing was refused by the queue itself");
	pair_free(&pr);
}

/*
 * While closing, the CONNECTION_CLOSE is sent again for the 1st, 2nd,
 * 4th, 8th ... packet received only (RFC 9000 10.2.1), so two closing
 * ends, or a closing end and stateless resets, cannot ping-pong.
 */
Test(quic, closing_resends_close_at_a_falling_rate)
{
	struct pair		 pr;
	struct quic_path	 path;
	uint8_t			 pkt[64], out[QUIC_MAX_PKTLEN];
	int			 i, sent = 0;

	pair_init(&pr, NULL, NULL);
	handshake(&pr);
	(void)quic_conn_close(pr.c.qc, 1, "bye", pr.now);
	cr_assert_gt(quic_conn_write(pr.c.qc, &path, out, sizeof(out),
	    pr.now), 0, "the first CONNECTION_CLOSE");
	cr_assert_eq(quic_conn_state(pr.c.qc), QUIC_ST_CLOSING);
	memset(pkt, 0x41, sizeof(pkt));
	for (i = 1; i <= 16; i++) {
		(void)quic_conn_read(pr.c.qc, &pr.c.path, pkt, sizeof(pkt),
		    pr.now);
		if (quic_conn_write(pr.c.qc, &path, out, sizeof(out),
		    pr.now) > 0)
			sent++;
	}
	cr_assert_eq(sent, 5, "packets 1, 2, 4, 8, 16 answered, not %d",
	    sent);
	pair_free(&pr);
}
