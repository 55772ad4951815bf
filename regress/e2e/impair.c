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
 * impair: a userspace UDP impairment relay for tests (not installed; the
 * test kernel has no netem).
 *
 *	impair [-d dup%] [-D delay-ms] [-l loss%] [-n clients] [-r reorder%]
 *	    [-s seed] [-t seconds] listen-host listen-port relay-host relay-port
 *
 * Datagrams from a client to listen-host:listen-port go to the relay from
 * a socket of that client's own (one per client address, in a table of
 * at most -n entries: the least recently used one makes room); the
 * relay's answers go back to the client from the listening socket.  In
 * both directions, decided by a pseudo-random generator seeded with -s
 * (the same seed, the same decisions for the same packet sequence):
 *
 *	-l	drop that percentage of the datagrams;
 *	-d	send that percentage twice;
 *	-r	hold that percentage back and send it right after the next
 *		datagram of the same client and direction, or after -D
 *		milliseconds (default 20) when none comes.
 *
 * The counters are printed on stdout on SIGUSR1 and at exit (SIGINT,
 * SIGTERM, or after -t seconds):
 *
 *	impair: up|down recv=N sent=N dropped=N reordered=N duplicated=N
 *	impair: clients=N evicted=N send-errors=N recv-errors=N
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"

#define IMPAIR_PKTMAX		65536
#define IMPAIR_CLIENTSMAX	64
#define IMPAIR_POLLMS		1000	/* longest poll() wait */

enum { DIR_UP, DIR_DOWN, DIR_MAX };

struct held {
	int		 active;
	int		 copies;
	uint64_t	 deadline;	/* ms */
	size_t		 len;
	uint8_t		 buf[IMPAIR_PKTMAX];
};

struct dirstats {
	uint64_t	 recv;
	uint64_t	 sent;
	uint64_t	 dropped;
	uint64_t	 reordered;
	uint64_t	 duplicated;
};

struct client {
	int			 used;
	int			 sock;		/* connected to the relay */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	uint64_t		 last;		/* ms */
	struct held		 hold[DIR_MAX];
};

struct impair {
	unsigned int		 loss;
	unsigned int		 dup;
	unsigned int		 reorder;
	unsigned int		 delay;		/* ms */
	size_t			 maxclients;
	uint64_t		 rng;
	int			 lsock;
	struct addrinfo		*relay;
	struct client		*clients;
	struct dirstats		 st[DIR_MAX];
	uint64_t		 nclients;
	uint64_t		 evicted;
	uint64_t		 send_errors;
	uint64_t		 recv_errors;
	uint8_t			 buf[IMPAIR_PKTMAX];
};

static volatile sig_atomic_t	 sig_quit;
static volatile sig_atomic_t	 sig_info;

static __dead void usage(void);
static void	 on_signal(int);
static uint64_t	 now_ms(void);
static uint64_t	 rng_next(struct impair *);
static int	 rng_pct(struct impair *, unsigned int);
static unsigned int	 number(const char *, const char *, long long,
		    long long);
static struct addrinfo	*resolve(const char *, const char *, int);
static struct client	*client_get(struct impair *,
		    const struct sockaddr_storage *, socklen_t, uint64_t);
static void	 deliver(struct impair *, struct client *, int,
		    const uint8_t *, size_t, int);
static void	 impair_pkt(struct impair *, struct client *, int,
		    const uint8_t *, size_t, uint64_t);
static void	 flush_held(struct impair *, struct client *, int);
static void	 read_listen(struct impair *, uint64_t);
static void	 read_client(struct impair *, struct client *, uint64_t);
static void	 print_counters(const struct impair *);

static __dead void
usage(void)
{
	extern char	*__progname;

	(void)fprintf(stderr, "usage: %s [-d dup%%] [-D delay-ms] "
	    "[-l loss%%] [-n clients] [-r reorder%%] [-s seed] [-t seconds]\n"
	    "\tlisten-host listen-port relay-host relay-port\n", __progname);
	exit(1);
}

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		sig_info = 1;
	else
		sig_quit = 1;
}

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		err(1, "clock_gettime");
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* splitmix64: the same sequence for a seed on every platform. */
static uint64_t
rng_next(struct impair *im)
{
	uint64_t	 z;

	im->rng += 0x9e3779b97f4a7c15ULL;
	z = im->rng;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

/* 1 with a probability of pct %. */
static int
rng_pct(struct impair *im, unsigned int pct)
{
	return (rng_next(im) % 100 < pct);
}

static unsigned int
number(const char *what, const char *s, long long min, long long max)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(s, min, max, &errstr);
	if (errstr != NULL)
		errx(1, "%s %s: %s", what, s, errstr);
	return ((unsigned int)n);
}

static struct addrinfo *
resolve(const char *host, const char *port, int passive)
{
	struct addrinfo	 hints, *res;
	int		 e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV |
	    (passive ? AI_PASSIVE : 0);
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0)
		errx(1, "%s port %s: %s", host, port, gai_strerror(e));
	return (res);
}

/* The client of that address; a new one (evicting the oldest) if none. */
static struct client *
client_get(struct impair *im, const struct sockaddr_storage *ss,
    socklen_t sslen, uint64_t now)
{
	struct client	*c, *free_c = NULL, *old = NULL;
	size_t		 i;
	int		 s;

	for (i = 0; i < im->maxclients; i++) {
		c = &im->clients[i];
		if (!c->used) {
			if (free_c == NULL)
				free_c = c;
			continue;
		}
		if (c->sslen == sslen && memcmp(&c->ss, ss, sslen) == 0) {
			c->last = now;
			return (c);
		}
		if (old == NULL || c->last < old->last)
			old = c;
	}
	if (free_c == NULL) {
		c = old;
		close(c->sock);
		c->used = 0;
		im->evicted++;
	} else
		c = free_c;

	s = socket(im->relay->ai_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (s == -1) {
		warn("socket");
		return (NULL);
	}
	if (connect(s, im->relay->ai_addr, im->relay->ai_addrlen) == -1) {
		warn("connect");
		close(s);
		return (NULL);
	}
	memset(c, 0, sizeof(*c));
	c->used = 1;
	c->sock = s;
	memcpy(&c->ss, ss, sslen);
	c->sslen = sslen;
	c->last = now;
	im->nclients++;
	return (c);
}

static void
deliver(struct impair *im, struct client *c, int dir, const uint8_t *buf,
    size_t len, int copies)
{
	ssize_t	 n;
	int	 i;

	for (i = 0; i < copies; i++) {
		if (dir == DIR_UP)
			n = send(c->sock, buf, len, 0);
		else
			n = sendto(im->lsock, buf, len, 0,
			    (const struct sockaddr *)&c->ss, c->sslen);
		if (n == -1)
			im->send_errors++;
		else
			im->st[dir].sent++;
	}
}

static void
flush_held(struct impair *im, struct client *c, int dir)
{
	struct held	*h = &c->hold[dir];

	if (!h->active)
		return;
	h->active = 0;
	deliver(im, c, dir, h->buf, h->len, h->copies);
}

static void
impair_pkt(struct impair *im, struct client *c, int dir, const uint8_t *buf,
    size_t len, uint64_t now)
{
	struct dirstats	*st = &im->st[dir];
	struct held	*h = &c->hold[dir];
	int		 copies = 1;

	st->recv++;
	if (rng_pct(im, im->loss)) {
		st->dropped++;
		return;
	}
	if (rng_pct(im, im->dup)) {
		st->duplicated++;
		copies = 2;
	}
	if (rng_pct(im, im->reorder) && !h->active) {
		st->reordered++;
		memcpy(h->buf, buf, len);
		h->len = len;
		h->copies = copies;
		h->deadline = now + im->delay;
		h->active = 1;
		return;
	}
	deliver(im, c, dir, buf, len, copies);
	flush_held(im, c, dir);
}

static void
read_listen(struct impair *im, uint64_t now)
{
	struct sockaddr_storage	 ss;
	struct client		*c;
	socklen_t		 sslen;
	ssize_t			 n;
	int			 i;

	/* A bounded batch: the clients' sockets get their turn. */
	for (i = 0; i < 64; i++) {
		sslen = sizeof(ss);
		n = recvfrom(im->lsock, im->buf, sizeof(im->buf), 0,
		    (struct sockaddr *)&ss, &sslen);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				im->recv_errors++;
			return;
		}
		if ((c = client_get(im, &ss, sslen, now)) == NULL)
			continue;
		impair_pkt(im, c, DIR_UP, im->buf, (size_t)n, now);
	}
}

static void
read_client(struct impair *im, struct client *c, uint64_t now)
{
	ssize_t	 n;
	int	 i;

	for (i = 0; i < 64; i++) {
		n = recv(c->sock, im->buf, sizeof(im->buf), 0);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				im->recv_errors++;
			return;
		}
		c->last = now;
		impair_pkt(im, c, DIR_DOWN, im->buf, (size_t)n, now);
	}
}

static void
print_counters(const struct impair *im)
{
	static const char	*names[DIR_MAX] = { "up", "down" };
	const struct dirstats	*st;
	int			 d;

	for (d = 0; d < DIR_MAX; d++) {
		st = &im->st[d];
		printf("impair: %s recv=%llu sent=%llu dropped=%llu "
		    "reordered=%llu duplicated=%llu\n", names[d],
		    (unsigned long long)st->recv,
		    (unsigned long long)st->sent,
		    (unsigned long long)st->dropped,
		    (unsigned long long)st->reordered,
		    (unsigned long long)st->duplicated);
	}
	printf("impair: clients=%llu evicted=%llu send-errors=%llu "
	    "recv-errors=%llu\n", (unsigned long long)im->nclients,
	    (unsigned long long)im->evicted,
	    (unsigned long long)im->send_errors,
	    (unsigned long long)im->recv_errors);
	fflush(stdout);
}

int
main(int argc, char *argv[])
{
	static struct impair	 im;
	struct pollfd		 pfd[1 + IMPAIR_CLIENTSMAX];
	struct client		*map[1 + IMPAIR_CLIENTSMAX];
	struct sigaction	 sa;
	struct addrinfo		*la;
	struct client		*c;
	uint64_t		 now, end = 0, next;
	size_t			 i, npfd;
	int			 ch, d, timeout, on = 1;

	im.delay = 20;
	im.maxclients = 16;
	im.rng = 1;
	while ((ch = getopt(argc, argv, "d:D:l:n:r:s:t:")) != -1) {
		switch (ch) {
		case 'd':
			im.dup = number("duplicate", optarg, 0, 100);
			break;
		case 'D':
			im.delay = number("delay", optarg, 1, 1000);
			break;
		case 'l':
			im.loss = number("loss", optarg, 0, 100);
			break;
		case 'n':
			im.maxclients = number("clients", optarg, 1,
			    IMPAIR_CLIENTSMAX);
			break;
		case 'r':
			im.reorder = number("reorder", optarg, 0, 100);
			break;
		case 's':
			im.rng = number("seed", optarg, 0, UINT32_MAX);
			break;
		case 't':
			end = now_ms() + 1000ULL *
			    number("seconds", optarg, 1, 86400);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 4)
		usage();

	if ((im.clients = calloc(im.maxclients, sizeof(*im.clients))) ==
	    NULL)
		err(1, "calloc");
	la = resolve(argv[0], argv[1], 1);
	im.relay = resolve(argv[2], argv[3], 0);
	im.lsock = socket(la->ai_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (im.lsock == -1)
		err(1, "socket");
	if (setsockopt(im.lsock, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) == -1)
		err(1, "SO_REUSEADDR");
	if (bind(im.lsock, la->ai_addr, la->ai_addrlen) == -1)
		err(1, "bind %s port %s", argv[0], argv[1]);
	freeaddrinfo(la);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGUSR1, &sa, NULL) == -1)
		err(1, "sigaction");
	signal(SIGPIPE, SIG_IGN);

	printf("impair: listening on %s port %s, relay %s port %s, loss %u%%, "
	    "reorder %u%%, duplicate %u%%, seed %llu\n", argv[0], argv[1],
	    argv[2], argv[3], im.loss, im.reorder, im.dup,
	    (unsigned long long)im.rng);
	fflush(stdout);

	while (!sig_quit) {
		if (sig_info) {
			sig_info = 0;
			print_counters(&im);
		}
		now = now_ms();
		if (end != 0 && now >= end)
			break;
		/* The earliest held datagram sets the timeout. */
		next = now + IMPAIR_POLLMS;
		if (end != 0 && end < next)
			next = end;
		npfd = 0;
		pfd[npfd].fd = im.lsock;
		pfd[npfd].events = POLLIN;
		map[npfd++] = NULL;
		for (i = 0; i < im.maxclients; i++) {
			c = &im.clients[i];
			if (!c->used)
				continue;
			for (d = 0; d < DIR_MAX; d++)
				if (c->hold[d].active &&
				    c->hold[d].deadline < next)
					next = c->hold[d].deadline;
			pfd[npfd].fd = c->sock;
			pfd[npfd].events = POLLIN;
			map[npfd++] = c;
		}
		timeout = next > now ? (int)(next - now) : 0;
		if (poll(pfd, npfd, timeout) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		now = now_ms();
		for (i = 0; i < npfd; i++) {
			if ((pfd[i].revents & (POLLIN | POLLERR)) == 0)
				continue;
			if (map[i] == NULL)
				read_listen(&im, now);
			else if (map[i]->used && map[i]->sock == pfd[i].fd)
				read_client(&im, map[i], now);
		}
		for (i = 0; i < im.maxclients; i++) {
			c = &im.clients[i];
			if (!c->used)
				continue;
			for (d = 0; d < DIR_MAX; d++)
				if (c->hold[d].active &&
				    c->hold[d].deadline <= now)
					flush_held(&im, c, d);
		}
	}
	print_counters(&im);
	return (0);
}
