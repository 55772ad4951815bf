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
 * udpbcast: a UDP sender and counting receiver for the clientd suite.
 *
 *	udpbcast send ADDRESS PORT TAG [SIZE]
 *		one datagram of SIZE bytes (default: the tag alone): the
 *		tag, a NUL, then filler bytes that the receiver checks;
 *		SO_BROADCAST is set, so ADDRESS may be a broadcast one
 *	udpbcast recv PORT SECONDS
 *		prints "TAG len=N intact" (or "corrupt") for every
 *		datagram received on PORT until SECONDS have passed
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

#define UDPBCAST_MAX	65507

static __dead void usage(void);
static uint8_t	 filler(size_t);
static int	 do_send(int, char **);
static int	 do_recv(int, char **);

static uint8_t	 buf[UDPBCAST_MAX + 1];

static __dead void
usage(void)
{
	fprintf(stderr, "usage: udpbcast send address port tag [size]\n"
	    "       udpbcast recv port seconds\n");
	exit(2);
}

static uint8_t
filler(size_t i)
{
	return ((uint8_t)(i * 31 + 7));
}

static int
do_send(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	const char		*errstr;
	size_t			 taglen, size, i;
	int			 s, on = 1;

	if (argc != 3 && argc != 4)
		usage();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[0], &sin.sin_addr) != 1)
		errx(2, "%s: not an IPv4 address", argv[0]);
	sin.sin_port = htons(strtonum(argv[1], 1, 65535, &errstr));
	if (errstr != NULL)
		errx(2, "port %s: %s", argv[1], errstr);
	taglen = strlen(argv[2]);
	size = taglen + 1;
	if (argc == 4) {
		size = strtonum(argv[3], 1, UDPBCAST_MAX, &errstr);
		if (errstr != NULL)
			errx(2, "size %s: %s", argv[3], errstr);
		if (size < taglen + 1)
			errx(2, "size %zu: shorter than the tag", size);
	}
	memcpy(buf, argv[2], taglen);
	buf[taglen] = '\0';
	for (i = taglen + 1; i < size; i++)
		buf[i] = filler(i);
	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		err(1, "socket");
	if (setsockopt(s, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)) == -1)
		err(1, "SO_BROADCAST");
	if (sendto(s, buf, size, 0, (struct sockaddr *)&sin,
	    sizeof(sin)) == -1)
		err(1, "sendto %s port %s", argv[0], argv[1]);
	close(s);
	return (0);
}

static int
do_recv(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	struct pollfd		 pfd;
	struct timespec		 ts;
	const char		*errstr;
	long long		 end, now;
	ssize_t			 n;
	size_t			 i, taglen;
	int			 s, on = 1, secs, intact;

	if (argc != 2)
		usage();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	sin.sin_port = htons(strtonum(argv[0], 1, 65535, &errstr));
	if (errstr != NULL)
		errx(2, "port %s: %s", argv[0], errstr);
	secs = strtonum(argv[1], 1, 600, &errstr);
	if (errstr != NULL)
		errx(2, "seconds %s: %s", argv[1], errstr);
	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		err(1, "socket");
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		err(1, "SO_REUSEADDR");
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		err(1, "bind port %s", argv[0]);
	printf("listening\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 + secs * 1000LL;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
		if (now >= end)
			break;
		pfd.fd = s;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(end - now)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if ((pfd.revents & POLLIN) == 0)
			continue;
		if ((n = recv(s, buf, sizeof(buf) - 1, 0)) == -1)
			err(1, "recv");
		buf[n] = '\0';
		taglen = strnlen((char *)buf, n);
		intact = 1;
		for (i = taglen + 1; i < (size_t)n; i++)
			if (buf[i] != filler(i))
				intact = 0;
		printf("%s len=%zd %s\n", buf, n, intact ? "intact" :
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
	if (strcmp(argv[1], "send") == 0)
		return (do_send(argc - 2, argv + 2));
	if (strcmp(argv[1], "recv") == 0)
		return (do_recv(argc - 2, argv + 2));
	usage();
}
