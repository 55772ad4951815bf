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
 * rawpeer: the far end of testd's frame exchange.  On ifname (a veth end,
 * or the TAP itself) it waits for a frame from testd's child, then sends
 * frames back.  Bounded: gives up after the timeout.
 *
 *	rawpeer ifname [timeout-ms]
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "privsep.h"

#define RAWPEER_TIMEOUT_MS	5000
#define RAWPEER_REPLIES		20
#define RAWPEER_REPLY_MS	50

static const uint8_t rawpeer_src[6] = { 0x02, 0x53, 0x4c, 0x50, 0x00, 0x01 };

static __attribute__((__noreturn__)) void usage(void);
static long	 now_ms(void);

extern char	*__progname;

static void
usage(void)
{
	fprintf(stderr, "usage: %s ifname [timeout-ms]\n", __progname);
	exit(2);
}

static long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_ll	 sll;
	struct timespec		 gap = { 0, RAWPEER_REPLY_MS * 1000000L };
	struct pollfd		 pfd;
	socklen_t		 slen;
	const char		*errstr;
	uint8_t			 frame[2048], reply[PRIVSEP_FRAME_LEN];
	uint16_t		 type;
	ssize_t			 n;
	long			 deadline, timeout = RAWPEER_TIMEOUT_MS;
	unsigned int		 ifindex;
	int			 s, i, left;

	if (argc != 2 && argc != 3)
		usage();
	if (argc == 3) {
		timeout = strtonum(argv[2], 1, 60000, &errstr);
		if (errstr != NULL)
			errx(2, "timeout %s is %s", argv[2], errstr);
	}
	if ((ifindex = if_nametoindex(argv[1])) == 0)
		err(1, "interface %s", argv[1]);

	if ((s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))) == -1)
		err(1, "socket");
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) == -1)
		err(1, "bind %s", argv[1]);

	deadline = now_ms() + timeout;
	for (;;) {
		if ((left = deadline - now_ms()) <= 0)
			errx(1, "no frame from the child on %s within %ld ms",
			    argv[1], timeout);
		pfd.fd = s;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, left) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if (!(pfd.revents & POLLIN))
			continue;
		slen = sizeof(sll);
		if ((n = recvfrom(s, frame, sizeof(frame), 0,
		    (struct sockaddr *)&sll, &slen)) == -1)
			err(1, "recvfrom");
		if (sll.sll_pkttype == PACKET_OUTGOING ||
		    (size_t)n < ETH_HLEN + sizeof(PRIVSEP_TO_PEER))
			continue;
		memcpy(&type, frame + 12, sizeof(type));
		if (ntohs(type) == PRIVSEP_ETHERTYPE &&
		    memcmp(frame + ETH_HLEN, PRIVSEP_TO_PEER,
		    sizeof(PRIVSEP_TO_PEER)) == 0)
			break;
	}
	printf("rawpeer: received frame from the child on %s, %zd bytes\n",
	    argv[1], n);

	/* Back to the sender. */
	memset(reply, 0, sizeof(reply));
	memcpy(reply, frame + 6, 6);
	memcpy(reply + 6, rawpeer_src, 6);
	memcpy(reply + 12, &type, sizeof(type));
	memcpy(reply + ETH_HLEN, PRIVSEP_TO_CHILD, sizeof(PRIVSEP_TO_CHILD));
	for (i = 0; i < RAWPEER_REPLIES; i++) {
		if (send(s, reply, sizeof(reply), 0) == -1)
			err(1, "send");
		nanosleep(&gap, NULL);
	}
	printf("rawpeer: sent %d frames to the child on %s\n", i, argv[1]);
	return (0);
}
