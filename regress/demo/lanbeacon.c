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
 * lanbeacon: UDP on a LAN, for the demo and the suites.
 *
 * The game-discovery part of the LAN party demo, the way LAN games find
 * a server (a query broadcast on the LAN, answered by unicast):
 *
 *	lanbeacon serve PORT GAME
 *		answers every datagram that starts with the query with
 *		"SOFTLAN-GAME GAME" to its sender, and prints one line per
 *		query; runs until killed
 *	lanbeacon find ADDRESS PORT SECONDS
 *		sends the query to ADDRESS (a broadcast address) once a
 *		second until an answer comes or SECONDS have passed;
 *		prints "answer from IP: GAME" and exits 0 on the first
 *		answer, 1 if none came
 *
 * Tagged datagrams for the clientd and lanparty suites (broadcast
 * delivered exactly once, a large payload intact):
 *
 *	lanbeacon send ADDRESS PORT TAG [SIZE]
 *		one datagram of SIZE bytes (default: the tag alone): the
 *		tag, a NUL, then filler bytes that the receiver checks;
 *		SO_BROADCAST is set, so ADDRESS may be a broadcast one
 *	lanbeacon recv PORT SECONDS
 *		prints "listening", then "TAG len=N intact" (or "corrupt")
 *		for every datagram received on PORT until SECONDS have
 *		passed
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"

#define BEACON_QUERY	"SOFTLAN-DISCOVER"
#define BEACON_ANSWER	"SOFTLAN-GAME "
#define BEACON_MAX	512
#define DGRAM_MAX	65507		/* the largest UDP payload over IPv4 */

static __dead void	 usage(void);
static void		 sockaddr_make(struct sockaddr_in *, const char *,
			    const char *);
static int		 udp_socket(int, const struct sockaddr_in *);
static long long	 now_ms(void);
static int		 seconds(const char *);
static int		 wait_input(int, long long);
static uint8_t		 filler(size_t);
static int		 do_serve(int, char **);
static int		 do_find(int, char **);
static int		 do_send(int, char **);
static int		 do_recv(int, char **);

static uint8_t		 dgram[DGRAM_MAX + 1];

static __dead void
usage(void)
{
	fprintf(stderr, "usage: lanbeacon serve port game\n"
	    "       lanbeacon find address port seconds\n"
	    "       lanbeacon send address port tag [size]\n"
	    "       lanbeacon recv port seconds\n");
	exit(2);
}

static void
sockaddr_make(struct sockaddr_in *sin, const char *addr, const char *port)
{
	const char	*errstr;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (addr == NULL)
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
	else if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
		errx(2, "address %s: not an IPv4 address", addr);
	sin->sin_port = htons(strtonum(port, 1, 65535, &errstr));
	if (errstr != NULL)
		errx(2, "port %s: %s", port, errstr);
}

/*
 * A UDP socket: with SO_BROADCAST to send, or with SO_REUSEADDR bound to
 * bindto to receive.
 */
static int
udp_socket(int broadcast, const struct sockaddr_in *bindto)
{
	int	 s, on = 1;

	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		err(1, "socket");
	if (broadcast && setsockopt(s, SOL_SOCKET, SO_BROADCAST, &on,
	    sizeof(on)) == -1)
		err(1, "SO_BROADCAST");
	if (bindto == NULL)
		return (s);
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		err(1, "SO_REUSEADDR");
	if (bind(s, (const struct sockaddr *)bindto, sizeof(*bindto)) == -1)
		err(1, "bind port %u", ntohs(bindto->sin_port));
	return (s);
}

static long long
now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		err(1, "clock_gettime");
	return (ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
}

static int
seconds(const char *s)
{
	const char	*errstr;
	int		 secs;

	secs = strtonum(s, 1, 600, &errstr);
	if (errstr != NULL)
		errx(2, "seconds %s: %s", s, errstr);
	return (secs);
}

/* 1 when s has a datagram to read before the time "until", else 0. */
static int
wait_input(int s, long long until)
{
	struct pollfd	 pfd;
	long long	 now;

	while ((now = now_ms()) < until) {
		pfd.fd = s;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(until - now)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (pfd.revents & POLLIN)
			return (1);
	}
	return (0);
}

static uint8_t
filler(size_t i)
{
	return ((uint8_t)(i * 31 + 7));
}

static int
do_serve(int argc, char **argv)
{
	struct sockaddr_in	 sin, from;
	socklen_t		 fromlen;
	char			 buf[BEACON_MAX], answer[BEACON_MAX];
	char			 ip[INET_ADDRSTRLEN];
	ssize_t			 n;
	int			 s, len;

	if (argc != 2)
		usage();
	sockaddr_make(&sin, NULL, argv[0]);
	len = snprintf(answer, sizeof(answer), "%s%s", BEACON_ANSWER, argv[1]);
	if (len < 0 || (size_t)len >= sizeof(answer))
		errx(2, "game %s: too long", argv[1]);
	s = udp_socket(0, &sin);
	printf("listening on port %s\n", argv[0]);
	fflush(stdout);
	for (;;) {
		fromlen = sizeof(from);
		n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		    &fromlen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err(1, "recvfrom");
		}
		if ((size_t)n < strlen(BEACON_QUERY) ||
		    memcmp(buf, BEACON_QUERY, strlen(BEACON_QUERY)) != 0)
			continue;
		if (inet_ntop(AF_INET, &from.sin_addr, ip, sizeof(ip)) == NULL)
			err(1, "inet_ntop");
		printf("query from %s port %u\n", ip, ntohs(from.sin_port));
		fflush(stdout);
		if (sendto(s, answer, len, 0, (struct sockaddr *)&from,
		    fromlen) == -1)
			warn("sendto %s", ip);
	}
}

static int
do_find(int argc, char **argv)
{
	struct sockaddr_in	 sin, from;
	socklen_t		 fromlen;
	char			 buf[BEACON_MAX];
	char			 ip[INET_ADDRSTRLEN];
	long long		 end, next, now;
	ssize_t			 n;
	int			 s, secs;

	if (argc != 3)
		usage();
	sockaddr_make(&sin, argv[0], argv[1]);
	secs = seconds(argv[2]);
	s = udp_socket(1, NULL);
	now = now_ms();
	end = now + secs * 1000LL;
	next = now;
	while ((now = now_ms()) < end) {
		if (now >= next) {
			if (sendto(s, BEACON_QUERY, strlen(BEACON_QUERY), 0,
			    (struct sockaddr *)&sin, sizeof(sin)) == -1)
				warn("sendto %s port %s", argv[0], argv[1]);
			next = now + 1000;
		}
		if (!wait_input(s, MINIMUM(next, end)))
			continue;
		fromlen = sizeof(from);
		n = recvfrom(s, buf, sizeof(buf) - 1, 0,
		    (struct sockaddr *)&from, &fromlen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err(1, "recvfrom");
		}
		buf[n] = '\0';
		if ((size_t)n < strlen(BEACON_ANSWER) ||
		    strncmp(buf, BEACON_ANSWER, strlen(BEACON_ANSWER)) != 0)
			continue;
		if (inet_ntop(AF_INET, &from.sin_addr, ip, sizeof(ip)) == NULL)
			err(1, "inet_ntop");
		printf("answer from %s: %s\n", ip,
		    buf + strlen(BEACON_ANSWER));
		close(s);
		return (0);
	}
	close(s);
	printf("no answer within %d s\n", secs);
	return (1);
}

static int
do_send(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	const char		*errstr;
	size_t			 taglen, size, i;
	int			 s;

	if (argc != 3 && argc != 4)
		usage();
	sockaddr_make(&sin, argv[0], argv[1]);
	taglen = strlen(argv[2]);
	size = taglen + 1;
	if (argc == 4) {
		size = strtonum(argv[3], 1, DGRAM_MAX, &errstr);
		if (errstr != NULL)
			errx(2, "size %s: %s", argv[3], errstr);
		if (size < taglen + 1)
			errx(2, "size %zu: shorter than the tag", size);
	}
	if (taglen + 1 > DGRAM_MAX)
		errx(2, "tag too long");
	memcpy(dgram, argv[2], taglen);
	dgram[taglen] = '\0';
	for (i = taglen + 1; i < size; i++)
		dgram[i] = filler(i);
	s = udp_socket(1, NULL);
	if (sendto(s, dgram, size, 0, (struct sockaddr *)&sin,
	    sizeof(sin)) == -1)
		err(1, "sendto %s port %s", argv[0], argv[1]);
	close(s);
	return (0);
}

static int
do_recv(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	long long		 end;
	ssize_t			 n;
	size_t			 i, taglen;
	int			 s, intact;

	if (argc != 2)
		usage();
	sockaddr_make(&sin, NULL, argv[0]);
	end = now_ms() + seconds(argv[1]) * 1000LL;
	s = udp_socket(0, &sin);
	printf("listening\n");
	fflush(stdout);
	while (wait_input(s, end)) {
		if ((n = recv(s, dgram, sizeof(dgram) - 1, 0)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "recv");
		}
		dgram[n] = '\0';
		taglen = strnlen((char *)dgram, n);
		intact = 1;
		for (i = taglen + 1; i < (size_t)n; i++)
			if (dgram[i] != filler(i))
				intact = 0;
		printf("%s len=%zd %s\n", dgram, n, intact ? "intact" :
		    "corrupt");
		fflush(stdout);
	}
	close(s);
	return (0);
}

int
main(int argc, char *argv[])
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "serve") == 0)
		return (do_serve(argc - 2, argv + 2));
	if (strcmp(argv[1], "find") == 0)
		return (do_find(argc - 2, argv + 2));
	if (strcmp(argv[1], "send") == 0)
		return (do_send(argc - 2, argv + 2));
	if (strcmp(argv[1], "recv") == 0)
		return (do_recv(argc - 2, argv + 2));
	usage();
}
