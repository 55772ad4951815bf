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
 * hsflood: a QUIC handshake flood against relayd, for the memory
 * figure of "make bench" (regress/bench/hsflood.sh).
 *
 *	hsflood -r relay -c cert -s source [-s source ...] [-a attempts]
 *	    [-n server-name] [-p port] [-t seconds] [-w ms]
 *
 * One UDP socket per source address (-s ADDRESS or -s FIRST-LAST, an
 * inclusive range), bound to it and connected to the relay.  Each socket
 * has one handshake attempt in flight at a time, all sockets at once,
 * until -a attempts were started or -t seconds went by.  An attempt is a
 * new client connection of common/quic.c: its Initial goes out; if a
 * Retry comes back it is fed to the connection, which sends the Initial
 * with the token, and the attempt is abandoned right there; if the
 * server's Initial comes back instead (no Retry asked), or nothing in -w
 * ms, it is abandoned too.  The server's handshake flight is never
 * answered, so every connection the relay accepted stays in its
 * handshake until the relay's handshake timeout.
 *
 * Received packets are counted by type (coalesced ones too); a packet
 * for an abandoned attempt (the server's flight, its retransmissions)
 * is "stale".  The summary goes to stdout as "name value" lines.
 * Exit status 1 when not a single packet came back from the relay.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "log.h"
#include "quic.h"

#define HS_MAXSRC	4096		/* source addresses */
#define HS_CERTMAX	(1024 * 1024)
#define HS_RXBUF	2048
#define HS_RXBURST	64		/* datagrams per socket per round */
#define HS_NAME		"softlan-relay"	/* relayd's dev-certificate */

/* QUIC v1 long header packet types (RFC 9000 17.2). */
#define LH_INITIAL	0
#define LH_0RTT		1
#define LH_HANDSHAKE	2
#define LH_RETRY	3

struct src {
	int			 fd;
	struct quic_path	 path;
	struct quic_conn	*qc;		/* the attempt in flight */
	uint8_t			 scid[QUIC_MAX_CIDLEN];
	size_t			 scidlen;
	int			 retried;
	uint64_t		 deadline;
};

struct stats {
	uint64_t	 attempts;	/* connections started */
	uint64_t	 retried;	/* a Retry came and was followed */
	uint64_t	 token_sent;	/* Initials with the token sent */
	uint64_t	 direct;	/* server's Initial without a Retry */
	uint64_t	 unanswered;	/* nothing in time */
	uint64_t	 failed;	/* the client refused the Retry etc. */
	uint64_t	 tx;		/* datagrams sent */
	uint64_t	 tx_errors;
	uint64_t	 rx;		/* datagrams received */
	uint64_t	 rx_initial;	/* packets, coalesced ones too */
	uint64_t	 rx_handshake;
	uint64_t	 rx_retry;
	uint64_t	 rx_short;	/* 1-RTT */
	uint64_t	 rx_other;	/* version negotiation, garbage */
	uint64_t	 rx_stale;	/* datagrams of abandoned attempts */
	uint64_t	 rx_errors;	/* ICMP errors and the like */
};

static __dead void	 usage(void);
static uint64_t		 now_ns(void);
static uint8_t		*read_cert(const char *, size_t *);
static int		 parse_addr(const char *, uint16_t,
			    struct sockaddr_storage *, socklen_t *);
static void		 addr_next(struct sockaddr_storage *);
static int		 addr_cmp(const struct sockaddr_storage *,
			    const struct sockaddr_storage *);
static void		 add_sources(const char *);
static void		 src_open(struct src *, const struct sockaddr_storage *,
			    socklen_t);
static int		 varint(const uint8_t **, const uint8_t *, uint64_t *);
static int		 lh_cids(const uint8_t *, size_t, int *,
			    const uint8_t **, size_t *, const uint8_t **,
			    size_t *);
static void		 classify(const uint8_t *, size_t);
static int		 flush(struct src *, uint64_t);
static void		 attempt_start(struct src *, uint64_t);
static void		 attempt_end(struct src *);
static void		 src_input(struct src *, uint64_t);

static struct quic_config	 cfg;
static struct sockaddr_storage	 relay;
static socklen_t		 relaylen;
static struct src		*srcs;
static size_t			 nsrcs;
static struct stats		 st;
static uint64_t			 waitns = QUIC_NSEC;
static uint16_t			 port = 443;

static __dead void
usage(void)
{
	fprintf(stderr, "usage: hsflood -r relay -c cert -s source "
	    "[-s source ...] [-a attempts]\n"
	    "               [-n server-name] [-p port] [-t seconds] "
	    "[-w ms]\n");
	exit(2);
}

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		err(1, "clock_gettime");
	return ((uint64_t)ts.tv_sec * QUIC_NSEC + (uint64_t)ts.tv_nsec);
}

/* The relay's certificate, DER or PEM (quic_tls_client_new takes both). */
static uint8_t *
read_cert(const char *file, size_t *len)
{
	uint8_t	*buf;
	ssize_t	 n;
	size_t	 have = 0;
	int	 fd;

	if ((fd = open(file, O_RDONLY)) == -1)
		err(1, "%s", file);
	if ((buf = malloc(HS_CERTMAX)) == NULL)
		err(1, NULL);
	while ((n = read(fd, buf + have, HS_CERTMAX - have)) > 0) {
		have += (size_t)n;
		if (have == HS_CERTMAX)
			errx(1, "%s: too large", file);
	}
	if (n == -1)
		err(1, "%s", file);
	if (have == 0)
		errx(1, "%s: empty", file);
	close(fd);
	*len = have;
	return (buf);
}

static int
parse_addr(const char *s, uint16_t p, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		*len = sizeof(*sin);
		return (0);
	}
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		*len = sizeof(*sin6);
		return (0);
	}
	return (-1);
}

/* The next address: the last byte up by one, with carry. */
static void
addr_next(struct sockaddr_storage *ss)
{
	uint8_t	*a;
	size_t	 n;

	if (ss->ss_family == AF_INET) {
		a = (uint8_t *)&((struct sockaddr_in *)ss)->sin_addr;
		n = 4;
	} else {
		a = (uint8_t *)&((struct sockaddr_in6 *)ss)->sin6_addr;
		n = 16;
	}
	while (n > 0 && ++a[n - 1] == 0)
		n--;
}

static int
addr_cmp(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family == AF_INET)
		return (memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((const struct sockaddr_in *)b)->sin_addr, 4));
	return (memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	    &((const struct sockaddr_in6 *)b)->sin6_addr, 16));
}

/* -s ADDRESS or -s FIRST-LAST */
static void
add_sources(const char *arg)
{
	struct sockaddr_storage	 first, last;
	socklen_t		 len, lastlen;
	char			 buf[2 * INET6_ADDRSTRLEN + 2], *dash;

	if (strlcpy(buf, arg, sizeof(buf)) >= sizeof(buf))
		errx(1, "source %s: too long", arg);
	if ((dash = strchr(buf, '-')) != NULL)
		*dash++ = '\0';
	if (parse_addr(buf, 0, &first, &len) == -1)
		errx(1, "source %s: not an address", buf);
	if (dash == NULL)
		last = first;
	else if (parse_addr(dash, 0, &last, &lastlen) == -1 ||
	    last.ss_family != first.ss_family)
		errx(1, "source %s: not an address of the same family", dash);
	if (addr_cmp(&first, &last) > 0)
		errx(1, "source %s: empty range", arg);
	for (;;) {
		if (nsrcs == HS_MAXSRC)
			errx(1, "more than %d sources", HS_MAXSRC);
		src_open(&srcs[nsrcs++], &first, len);
		if (addr_cmp(&first, &last) == 0)
			break;
		addr_next(&first);
	}
}

/* A socket bound to the source address, connected to the relay. */
static void
src_open(struct src *s, const struct sockaddr_storage *ss, socklen_t len)
{
	char	 a[INET6_ADDRSTRLEN];

	memset(s, 0, sizeof(*s));
	if (ss->ss_family != relay.ss_family)
		errx(1, "a source and the relay of different families");
	if (getnameinfo((const struct sockaddr *)ss, len, a, sizeof(a),
	    NULL, 0, NI_NUMERICHOST) != 0)
		strlcpy(a, "?", sizeof(a));
	if ((s->fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	if (bind(s->fd, (const struct sockaddr *)ss, len) == -1)
		err(1, "bind %s", a);
	if (connect(s->fd, (struct sockaddr *)&relay, relaylen) == -1)
		err(1, "connect from %s", a);
	s->path.locallen = sizeof(s->path.local);
	if (getsockname(s->fd, (struct sockaddr *)&s->path.local,
	    &s->path.locallen) == -1)
		err(1, "getsockname");
	memcpy(&s->path.remote, &relay, relaylen);
	s->path.remotelen = relaylen;
}

/* A QUIC variable-length integer (RFC 9000 16); -1 if truncated. */
static int
varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	size_t	 n, i;

	if (*p >= end)
		return (-1);
	n = (size_t)1 << (**p >> 6);
	if ((size_t)(end - *p) < n)
		return (-1);
	*v = **p & 0x3f;
	for (i = 1; i < n; i++)
		*v = *v << 8 | (*p)[i];
	*p += n;
	return (0);
}

/*
 * The connection IDs of a QUIC v1 long header packet, and its type;
 * -1 for anything else.
 */
static int
lh_cids(const uint8_t *pkt, size_t len, int *type, const uint8_t **dcid,
    size_t *dcidlen, const uint8_t **scid, size_t *scidlen)
{
	const uint8_t	*p = pkt, *end = pkt + len;
	uint32_t	 version;

	if (len < 7 || (p[0] & 0x80) == 0)
		return (-1);
	version = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 8 | p[4];
	if (version != 1)
		return (-1);
	*type = (p[0] >> 4) & 0x03;
	p += 5;
	*dcidlen = *p++;
	if (*dcidlen > QUIC_MAX_CIDLEN || (size_t)(end - p) < *dcidlen + 1)
		return (-1);
	*dcid = p;
	p += *dcidlen;
	*scidlen = *p++;
	if (*scidlen > QUIC_MAX_CIDLEN || (size_t)(end - p) < *scidlen)
		return (-1);
	*scid = p;
	return ((int)(p + *scidlen - pkt));
}

/* Count the packets of a datagram from the relay by type. */
static void
classify(const uint8_t *pkt, size_t len)
{
	const uint8_t	*p = pkt, *end = pkt + len, *dcid, *scid;
	size_t		 dcidlen, scidlen;
	uint64_t	 v;
	int		 type, hlen;

	while (p < end) {
		if ((p[0] & 0x80) == 0) {
			st.rx_short++;	/* 1-RTT: the rest of the datagram */
			return;
		}
		if ((hlen = lh_cids(p, (size_t)(end - p), &type, &dcid,
		    &dcidlen, &scid, &scidlen)) == -1) {
			st.rx_other++;
			return;
		}
		p += hlen;
		switch (type) {
		case LH_RETRY:
			st.rx_retry++;
			return;
		case LH_INITIAL:
			st.rx_initial++;
			if (varint(&p, end, &v) == -1 ||
			    (uint64_t)(end - p) < v)
				return;
			p += v;		/* the token */
			break;
		case LH_HANDSHAKE:
			st.rx_handshake++;
			break;
		default:
			st.rx_other++;
			break;
		}
		if (varint(&p, end, &v) == -1 || (uint64_t)(end - p) < v)
			return;
		p += v;
	}
}

/* Send what the attempt has to send; -1 on a send error. */
static int
flush(struct src *s, uint64_t now)
{
	uint8_t			 buf[QUIC_MAX_PKTLEN];
	struct quic_path	 path;
	const uint8_t		*dcid, *scid;
	size_t			 dcidlen, scidlen;
	ssize_t			 n;
	int			 i, type, ret = 0;

	for (i = 0; i < 16; i++) {
		if ((n = quic_conn_write(s->qc, &path, buf, sizeof(buf),
		    now)) <= 0)
			break;
		if (s->scidlen == 0 && lh_cids(buf, (size_t)n, &type, &dcid,
		    &dcidlen, &scid, &scidlen) != -1 && scidlen > 0) {
			memcpy(s->scid, scid, scidlen);
			s->scidlen = scidlen;
		}
		if (send(s->fd, buf, (size_t)n, 0) == -1) {
			st.tx_errors++;
			ret = -1;
		} else
			st.tx++;
	}
	return (ret);
}

static void
attempt_start(struct src *s, uint64_t now)
{
	s->scidlen = 0;
	s->retried = 0;
	if ((s->qc = quic_conn_client_new(&cfg, &s->path, now)) == NULL)
		errx(1, "quic_conn_client_new failed");
	st.attempts++;
	s->deadline = now + waitns;
	/* A lost Initial just means no answer: the deadline ends it. */
	(void)flush(s, now);
}

static void
attempt_end(struct src *s)
{
	quic_conn_free(s->qc);
	s->qc = NULL;
	s->scidlen = 0;
}

/* Datagrams from the relay on one socket. */
static void
src_input(struct src *s, uint64_t now)
{
	uint8_t		 buf[HS_RXBUF];
	const uint8_t	*dcid, *scid;
	size_t		 dcidlen, scidlen;
	ssize_t		 n;
	int		 i, type, ev;

	for (i = 0; i < HS_RXBURST; i++) {
		if ((n = recv(s->fd, buf, sizeof(buf), 0)) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			st.rx_errors++;	/* ECONNREFUSED and the like */
			continue;
		}
		st.rx++;
		classify(buf, (size_t)n);
		if (lh_cids(buf, (size_t)n, &type, &dcid, &dcidlen, &scid,
		    &scidlen) == -1 || s->qc == NULL || s->scidlen == 0 ||
		    dcidlen != s->scidlen ||
		    memcmp(dcid, s->scid, dcidlen) != 0) {
			st.rx_stale++;
			continue;
		}
		if (type == LH_RETRY && !s->retried) {
			s->retried = 1;
			st.retried++;
			ev = quic_conn_read(s->qc, &s->path, buf, (size_t)n,
			    now);
			if ((ev & QUIC_EV_CLOSED) ||
			    quic_conn_state(s->qc) != QUIC_ST_HANDSHAKE) {
				st.failed++;
				attempt_end(s);
				continue;
			}
			if (flush(s, now) == 0)
				st.token_sent++;
			/* Abandoned: the relay now holds a validated one. */
			attempt_end(s);
			continue;
		}
		if (type == LH_INITIAL || type == LH_HANDSHAKE) {
			/* Accepted without a Retry: never answered. */
			st.direct++;
			attempt_end(s);
			continue;
		}
		st.rx_stale++;
	}
}

int
main(int argc, char *argv[])
{
	struct pollfd	*pfd;
	struct quic_tls	*tls;
	const char	*errstr, *relayarg = NULL, *certfile = NULL;
	const char	*name = HS_NAME;
	uint8_t		*cert;
	size_t		 certlen, i, busy;
	uint64_t	 attempts = 10000, limit = 60, now, start, end, next;
	int		 ch, timeout, nready;
	char		**sargs;
	size_t		 nsargs = 0;

	log_init(1, 0);
	if ((sargs = calloc((size_t)argc, sizeof(*sargs))) == NULL)
		err(1, NULL);
	while ((ch = getopt(argc, argv, "a:c:n:p:r:s:t:w:")) != -1) {
		switch (ch) {
		case 'a':
			attempts = strtonum(optarg, 1, 10000000, &errstr);
			if (errstr != NULL)
				errx(1, "attempts %s: %s", optarg, errstr);
			break;
		case 'c':
			certfile = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'p':
			port = (uint16_t)strtonum(optarg, 1, 65535, &errstr);
			if (errstr != NULL)
				errx(1, "port %s: %s", optarg, errstr);
			break;
		case 'r':
			relayarg = optarg;
			break;
		case 's':
			sargs[nsargs++] = optarg;
			break;
		case 't':
			limit = strtonum(optarg, 1, 3600, &errstr);
			if (errstr != NULL)
				errx(1, "seconds %s: %s", optarg, errstr);
			break;
		case 'w':
			waitns = strtonum(optarg, 1, 60000, &errstr) *
			    (QUIC_NSEC / 1000);
			if (errstr != NULL)
				errx(1, "ms %s: %s", optarg, errstr);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || relayarg == NULL || certfile == NULL ||
	    nsargs == 0)
		usage();
	if (parse_addr(relayarg, port, &relay, &relaylen) == -1)
		errx(1, "relay %s: not an address", relayarg);

	quic_init();
	cert = read_cert(certfile, &certlen);
	if ((tls = quic_tls_client_new(cert, certlen)) == NULL)
		errx(1, "%s: not a certificate", certfile);
	quic_config_default(&cfg);
	cfg.tls = tls;
	cfg.server_name = name;

	if ((srcs = calloc(HS_MAXSRC, sizeof(*srcs))) == NULL)
		err(1, NULL);
	for (i = 0; i < nsargs; i++)
		add_sources(sargs[i]);
	if ((pfd = calloc(nsrcs, sizeof(*pfd))) == NULL)
		err(1, NULL);
	for (i = 0; i < nsrcs; i++) {
		pfd[i].fd = srcs[i].fd;
		pfd[i].events = POLLIN;
	}

	start = now_ns();
	end = start + limit * QUIC_NSEC;
	for (;;) {
		now = now_ns();
		if (now >= end)
			break;
		busy = 0;
		next = end;
		for (i = 0; i < nsrcs; i++) {
			if (srcs[i].qc != NULL && now >= srcs[i].deadline) {
				st.unanswered++;
				attempt_end(&srcs[i]);
			}
			if (srcs[i].qc == NULL && st.attempts < attempts)
				attempt_start(&srcs[i], now);
			if (srcs[i].qc != NULL) {
				busy++;
				if (srcs[i].deadline < next)
					next = srcs[i].deadline;
			}
		}
		if (busy == 0)
			break;
		timeout = (int)((next - now + 999999) / 1000000);
		if ((nready = poll(pfd, nsrcs, timeout)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (nready == 0)
			continue;
		now = now_ns();
		for (i = 0; i < nsrcs; i++)
			if (pfd[i].revents & (POLLIN | POLLERR))
				src_input(&srcs[i], now);
	}
	now = now_ns();
	for (i = 0; i < nsrcs; i++) {
		if (srcs[i].qc != NULL) {
			st.unanswered++;
			attempt_end(&srcs[i]);
		}
		/* Late answers, counted only. */
		src_input(&srcs[i], now);
		close(srcs[i].fd);
	}

	printf("sources %zu\n", nsrcs);
	printf("attempts %llu\n", (unsigned long long)st.attempts);
	printf("elapsed %.3f\n", (double)(now - start) / QUIC_NSEC);
	printf("retried %llu\n", (unsigned long long)st.retried);
	printf("token-initials %llu\n", (unsigned long long)st.token_sent);
	printf("answered-direct %llu\n", (unsigned long long)st.direct);
	printf("unanswered %llu\n", (unsigned long long)st.unanswered);
	printf("retry-failed %llu\n", (unsigned long long)st.failed);
	printf("tx-datagrams %llu\n", (unsigned long long)st.tx);
	printf("tx-errors %llu\n", (unsigned long long)st.tx_errors);
	printf("rx-datagrams %llu\n", (unsigned long long)st.rx);
	printf("rx-retry %llu\n", (unsigned long long)st.rx_retry);
	printf("rx-initial %llu\n", (unsigned long long)st.rx_initial);
	printf("rx-handshake %llu\n", (unsigned long long)st.rx_handshake);
	printf("rx-1rtt %llu\n", (unsigned long long)st.rx_short);
	printf("rx-other %llu\n", (unsigned long long)st.rx_other);
	printf("rx-stale %llu\n", (unsigned long long)st.rx_stale);
	printf("rx-errors %llu\n", (unsigned long long)st.rx_errors);

	quic_tls_free(tls);
	free(cert);
	free(pfd);
	free(srcs);
	free(sargs);
	return (st.rx == 0);
}
