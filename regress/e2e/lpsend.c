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
 * lpsend: the rogue player's traffic for the LAN-party suite.
 *
 *	lpsend storm ADDRESS PORT TAG SECONDS
 *		UDP datagrams holding the tag (and its NUL) to ADDRESS (a
 *		broadcast address may be given) as fast as the socket takes
 *		them for SECONDS; prints "sent N"
 *	lpsend spoof IFNAME MAC PORT COUNT
 *		COUNT raw Ethernet frames on IFNAME through a packet
 *		socket: an IPv4 UDP broadcast to PORT whose Ethernet source
 *		is MAC, not the interface's; prints "sent N"
 *	lpsend ra IFNAME PREFIX COUNT
 *		COUNT ICMPv6 router advertisements (valid, checksummed) on
 *		IFNAME from its own MAC and EUI-64 link-local address,
 *		advertising PREFIX/64 for SLAAC, 100 ms apart; prints
 *		"sent N from ADDRESS"
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"

#define LPSEND_TAG	"spoofed"

static __dead void	 usage(void);
static uint64_t		 now_ms(void);
static int		 do_storm(int, char **);
static int		 do_spoof(int, char **);
static int		 do_ra(int, char **);
static int		 packet_socket(const char *, struct sockaddr_ll *);
static uint32_t		 sum_add(uint32_t, const uint8_t *, size_t);
static uint16_t		 sum_fold(uint32_t);
static uint16_t		 ip_sum(const uint8_t *, size_t);

static __dead void
usage(void)
{
	fprintf(stderr, "usage: lpsend storm address port tag seconds\n"
	    "       lpsend spoof ifname mac port count\n"
	    "       lpsend ra ifname prefix count\n");
	exit(2);
}

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		err(1, "clock_gettime");
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

static int
do_storm(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	const char		*errstr;
	uint64_t		 end, sent = 0;
	long long		 port, secs;
	int			 s, on = 1;

	if (argc != 4)
		usage();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[0], &sin.sin_addr) != 1)
		errx(2, "address %s: not an IPv4 address", argv[0]);
	port = strtonum(argv[1], 1, 65535, &errstr);
	if (errstr != NULL)
		errx(2, "port %s: %s", argv[1], errstr);
	sin.sin_port = htons((uint16_t)port);
	secs = strtonum(argv[3], 1, 60, &errstr);
	if (errstr != NULL)
		errx(2, "seconds %s: %s", argv[3], errstr);

	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		err(1, "socket");
	if (setsockopt(s, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)) == -1)
		err(1, "SO_BROADCAST");
	end = now_ms() + (uint64_t)secs * 1000;
	while (now_ms() < end) {
		if (sendto(s, argv[2], strlen(argv[2]) + 1, 0,
		    (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			/* A full queue is the storm's point: go on. */
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			err(1, "sendto");
		}
		sent++;
	}
	close(s);
	printf("sent %llu\n", (unsigned long long)sent);
	return (0);
}

static uint32_t
sum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t		 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return (sum);
}

static uint16_t
sum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

static uint16_t
ip_sum(const uint8_t *p, size_t len)
{
	return (sum_fold(sum_add(0, p, len)));
}

static int
packet_socket(const char *ifname, struct sockaddr_ll *sll)
{
	int		 s;

	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(ETH_P_ALL);
	if ((sll->sll_ifindex = (int)if_nametoindex(ifname)) == 0)
		err(1, "interface %s", ifname);
	if ((s = socket(AF_PACKET, SOCK_RAW, 0)) == -1)
		err(1, "socket");
	return (s);
}

static int
do_spoof(int argc, char **argv)
{
	struct sockaddr_ll	 sll;
	unsigned int		 m[ETHER_ADDR_LEN];
	uint8_t			 f[ETHER_HDR_LEN + 20 + 8 + sizeof(LPSEND_TAG)];
	uint8_t			*ip = f + ETHER_HDR_LEN, *udp = ip + 20;
	const char		*errstr;
	long long		 port, count, i;
	uint16_t		 sum;
	size_t			 iplen = sizeof(f) - ETHER_HDR_LEN;
	int			 s, k;
	char			 c;

	if (argc != 4)
		usage();
	if (sscanf(argv[1], "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3],
	    &m[4], &m[5], &c) != 6)
		errx(2, "mac %s: not a MAC address", argv[1]);
	port = strtonum(argv[2], 1, 65535, &errstr);
	if (errstr != NULL)
		errx(2, "port %s: %s", argv[2], errstr);
	count = strtonum(argv[3], 1, 1000000, &errstr);
	if (errstr != NULL)
		errx(2, "count %s: %s", argv[3], errstr);

	memset(f, 0, sizeof(f));
	memset(f, 0xff, ETHER_ADDR_LEN);
	for (k = 0; k < ETHER_ADDR_LEN; k++) {
		if (m[k] > 0xff)
			errx(2, "mac %s: not a MAC address", argv[1]);
		f[ETHER_ADDR_LEN + k] = (uint8_t)m[k];
	}
	f[12] = 0x08;			/* IPv4 */
	ip[0] = 0x45;
	ip[2] = (uint8_t)(iplen >> 8);
	ip[3] = (uint8_t)iplen;
	ip[8] = 64;			/* TTL */
	ip[9] = IPPROTO_UDP;
	memset(ip + 16, 0xff, 4);	/* 0.0.0.0 -> 255.255.255.255 */
	sum = ip_sum(ip, 20);
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	udp[0] = (uint8_t)(port >> 8);	/* from the same port */
	udp[1] = (uint8_t)port;
	udp[2] = (uint8_t)(port >> 8);
	udp[3] = (uint8_t)port;
	udp[4] = (uint8_t)((iplen - 20) >> 8);
	udp[5] = (uint8_t)(iplen - 20);
	memcpy(udp + 8, LPSEND_TAG, sizeof(LPSEND_TAG));	/* sum 0: none */

	s = packet_socket(argv[0], &sll);
	for (i = 0; i < count; i++) {
		if (sendto(s, f, sizeof(f), 0, (struct sockaddr *)&sll,
		    sizeof(sll)) == -1)
			err(1, "sendto");
		if (i % 10 == 9)
			usleep(1000);
	}
	close(s);
	printf("sent %lld\n", count);
	return (0);
}

static int
do_ra(int argc, char **argv)
{
	struct sockaddr_ll	 sll;
	struct ifreq		 ifr;
	struct in6_addr		 prefix;
	/* Ethernet, IPv6, RA (16), source link-layer (8), prefix (32) */
	uint8_t			 f[ETHER_HDR_LEN + 40 + 16 + 8 + 32];
	uint8_t			*ip6 = f + ETHER_HDR_LEN, *ra = ip6 + 40;
	uint8_t			*opt = ra + 16, pseudo[8];
	char			 ll[INET6_ADDRSTRLEN];
	const char		*errstr;
	long long		 count, i;
	uint32_t		 sum;
	uint16_t		 csum;
	size_t			 plen = 16 + 8 + 32;
	int			 s;

	if (argc != 3)
		usage();
	if (inet_pton(AF_INET6, argv[1], &prefix) != 1)
		errx(2, "prefix %s: not an IPv6 address", argv[1]);
	count = strtonum(argv[2], 1, 100, &errstr);
	if (errstr != NULL)
		errx(2, "count %s: %s", argv[2], errstr);

	s = packet_socket(argv[0], &sll);
	memset(&ifr, 0, sizeof(ifr));
	if (strlcpy(ifr.ifr_name, argv[0], sizeof(ifr.ifr_name)) >=
	    sizeof(ifr.ifr_name))
		errx(2, "interface %s: name too long", argv[0]);
	if (ioctl(s, SIOCGIFHWADDR, &ifr) == -1)
		err(1, "SIOCGIFHWADDR %s", argv[0]);

	memset(f, 0, sizeof(f));
	f[0] = 0x33;			/* all nodes: 33:33:00:00:00:01 */
	f[1] = 0x33;
	f[5] = 0x01;
	memcpy(f + ETHER_ADDR_LEN, ifr.ifr_hwaddr.sa_data, ETHER_ADDR_LEN);
	f[12] = 0x86;			/* IPv6 */
	f[13] = 0xdd;

	ip6[0] = 0x60;
	ip6[4] = (uint8_t)(plen >> 8);
	ip6[5] = (uint8_t)plen;
	ip6[6] = IPPROTO_ICMPV6;
	ip6[7] = 255;
	ip6[8] = 0xfe;			/* fe80::EUI-64 */
	ip6[9] = 0x80;
	ip6[16] = f[6] ^ 0x02;
	ip6[17] = f[7];
	ip6[18] = f[8];
	ip6[19] = 0xff;
	ip6[20] = 0xfe;
	ip6[21] = f[9];
	ip6[22] = f[10];
	ip6[23] = f[11];
	ip6[24] = 0xff;			/* ff02::1 */
	ip6[25] = 0x02;
	ip6[39] = 0x01;

	ra[0] = 134;			/* router advertisement */
	ra[4] = 64;			/* current hop limit */
	ra[6] = 0x07;			/* router lifetime 1800 s */
	ra[7] = 0x08;
	opt[0] = 1;			/* source link-layer address */
	opt[1] = 1;
	memcpy(opt + 2, f + ETHER_ADDR_LEN, ETHER_ADDR_LEN);
	opt += 8;
	opt[0] = 3;			/* prefix information */
	opt[1] = 4;
	opt[2] = 64;
	opt[3] = 0xc0;			/* on-link, autonomous */
	opt[5] = 0x01;			/* valid 86400 s */
	opt[6] = 0x51;
	opt[7] = 0x80;
	opt[10] = 0x38;			/* preferred 14400 s */
	opt[11] = 0x40;
	memcpy(opt + 16, &prefix, 8);

	memset(pseudo, 0, sizeof(pseudo));
	pseudo[2] = (uint8_t)(plen >> 8);
	pseudo[3] = (uint8_t)plen;
	pseudo[7] = IPPROTO_ICMPV6;
	sum = sum_add(0, ip6 + 8, 32);	/* source and destination */
	sum = sum_add(sum, pseudo, sizeof(pseudo));
	sum = sum_add(sum, ra, plen);
	csum = sum_fold(sum);
	ra[2] = (uint8_t)(csum >> 8);
	ra[3] = (uint8_t)csum;

	if (inet_ntop(AF_INET6, ip6 + 8, ll, sizeof(ll)) == NULL)
		err(1, "inet_ntop");
	for (i = 0; i < count; i++) {
		if (i > 0)
			usleep(100000);
		if (sendto(s, f, sizeof(f), 0, (struct sockaddr *)&sll,
		    sizeof(sll)) == -1)
			err(1, "sendto");
	}
	close(s);
	printf("sent %lld from %s\n", count, ll);
	return (0);
}

int
main(int argc, char *argv[])
{
	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[1], "storm") == 0)
		return (do_storm(argc - 2, argv + 2));
	if (strcmp(argv[1], "spoof") == 0)
		return (do_spoof(argc - 2, argv + 2));
	if (strcmp(argv[1], "ra") == 0)
		return (do_ra(argc - 2, argv + 2));
	usage();
}
