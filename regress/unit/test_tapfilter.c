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
 * The client's TAP-side filter (clientd/tapfilter.c).  Frames are built
 * field by field below; the IP and UDP checksums are left at zero (the
 * filter does not look at them).  The virtual MAC is 02:00:00:00:00:01.
 */

#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "compat.h"
#include "ether.h"
#include "l2class.h"
#include "../../clientd/tapfilter.h"

#define VMAC	"02:00:00:00:00:01"
#define OTHER	"02:00:00:00:00:02"
#define LANMAC	"00:1b:21:0a:0b:0c"
#define BCAST	"ff:ff:ff:ff:ff:ff"
#define STP	"01:80:c2:00:00:00"
#define ALLNODES "33:33:00:00:00:01"

static struct tapfilter	 TF;
static uint8_t		 F[2048];

static void
setup(void)
{
	struct ether_mac	 mac;

	cr_assert_eq(ether_mac_parse(VMAC, &mac), 0);
	tapfilter_init(&TF, &mac, 1500);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Ethernet header; returns its length. */
static size_t
eth(const char *dst, const char *src, uint16_t type)
{
	struct ether_mac	 d, s;

	cr_assert_eq(ether_mac_parse(dst, &d), 0);
	cr_assert_eq(ether_mac_parse(src, &s), 0);
	memset(F, 0, sizeof(F));
	memcpy(F, d.octet, ETHER_ADDR_LEN);
	memcpy(F + 6, s.octet, ETHER_ADDR_LEN);
	put16(F + 12, type);
	return (ETHER_HDR_LEN);
}

/* An IPv4 UDP frame with paylen bytes of UDP payload; its length. */
static size_t
udp4(const char *dst, const char *src, uint16_t sport, uint16_t dport,
    size_t paylen)
{
	uint8_t	*ip;
	size_t	 off;

	off = eth(dst, src, ETHERTYPE_IPV4);
	ip = F + off;
	ip[0] = 0x45;			/* version 4, IHL 5 */
	put16(ip + 2, 20 + 8 + paylen);	/* total length */
	ip[8] = 64;			/* TTL */
	ip[9] = 17;			/* UDP */
	memcpy(ip + 12, "\xc6\x12\x00\x64", 4);	/* 198.18.0.100 */
	memcpy(ip + 16, "\xff\xff\xff\xff", 4);	/* broadcast */
	put16(ip + 20, sport);
	put16(ip + 22, dport);
	put16(ip + 24, 8 + paylen);
	return (off + 20 + 8 + paylen);
}

/* An IPv6 packet with next header nh and paylen bytes after it. */
static uint8_t *
ip6(const char *dst, const char *src, uint8_t nh, size_t paylen,
    size_t *len)
{
	uint8_t	*ip;
	size_t	 off;

	off = eth(dst, src, ETHERTYPE_IPV6);
	ip = F + off;
	ip[0] = 0x60;
	put16(ip + 4, paylen);
	ip[6] = nh;
	ip[7] = 255;
	ip[8] = 0xfe;			/* fe80::1 */
	ip[9] = 0x80;
	ip[23] = 1;
	ip[24] = 0xff;			/* ff02::1 */
	ip[25] = 0x02;
	ip[39] = 1;
	*len = off + 40 + paylen;
	return (ip + 40);
}

static size_t
arp(const char *src)
{
	uint8_t	*a;
	size_t	 off;

	off = eth(BCAST, src, ETHERTYPE_ARP);
	a = F + off;
	put16(a, 1);			/* Ethernet */
	put16(a + 2, ETHERTYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);		/* request */
	return (off + 28);
}

static void
check(size_t len, enum tapf_reason want)
{
	enum tapf_reason	 r;

	r = tapfilter_check(&TF, F, len);
	cr_assert_eq(r, want, "%s, expected %s", tapfilter_reason_name(r),
	    tapfilter_reason_name(want));
}

Test(tapfilter, arp_passes, .init = setup)
{
	check(arp(VMAC), TAPF_PASS);
	cr_assert_eq(TF.counters.frames_in, 1);
	cr_assert_eq(TF.counters.frames_pass, 1);
	cr_assert_eq(TF.counters.bytes_pass, 42);
}

Test(tapfilter, foreign_source, .init = setup)
{
	check(arp(OTHER), TAPF_DROP_FOREIGN_SOURCE);
	check(udp4(BCAST, LANMAC, 68, 67, 300), TAPF_DROP_FOREIGN_SOURCE);
	/* Even a frame the other rules would drop counts as foreign. */
	check(udp4(BCAST, OTHER, 67, 68, 300), TAPF_DROP_FOREIGN_SOURCE);
	cr_assert_eq(TF.counters.drops[TAPF_DROP_FOREIGN_SOURCE], 3);
	cr_assert_eq(TF.counters.drops[TAPF_DROP_DHCP4_SERVER], 0);
	cr_assert_eq(TF.counters.frames_pass, 0);
}

Test(tapfilter, dhcp, .init = setup)
{
	/* DISCOVER from the player's DHCP client: to the LAN's server. */
	check(udp4(BCAST, VMAC, 68, 67, 300), TAPF_PASS);
	/* OFFER from a DHCP server on the player's machine. */
	check(udp4(BCAST, VMAC, 67, 68, 300), TAPF_DROP_DHCP4_SERVER);
	/* DHCPv6 ADVERTISE from a local server (547 -> 546). */
	{
		uint8_t	*udp;
		size_t	 len;

		udp = ip6(ALLNODES, VMAC, 17, 8 + 40, &len);
		put16(udp, 547);
		put16(udp + 2, 546);
		put16(udp + 4, 8 + 40);
		check(len, TAPF_DROP_DHCP6_SERVER);
		/* SOLICIT from the player's DHCPv6 client passes. */
		put16(udp, 546);
		put16(udp + 2, 547);
		check(len, TAPF_PASS);
	}
	cr_assert_eq(TF.counters.frames_in, 4);
	cr_assert_eq(TF.counters.frames_pass, 2);
	cr_assert_eq(TF.counters.drops[TAPF_DROP_DHCP4_SERVER], 1);
	cr_assert_eq(TF.counters.drops[TAPF_DROP_DHCP6_SERVER], 1);
}

Test(tapfilter, router_advert, .init = setup)
{
	uint8_t	*icmp;
	size_t	 len;

	icmp = ip6(ALLNODES, VMAC, 58, 16, &len);
	icmp[0] = 134;			/* Router Advertisement */
	check(len, TAPF_DROP_RA);
	icmp[0] = 133;			/* Router Solicitation passes */
	check(len, TAPF_PASS);
	cr_assert_eq(TF.counters.drops[TAPF_DROP_RA], 1);
}

Test(tapfilter, link_local_and_runt, .init = setup)
{
	size_t	 len;

	len = eth(STP, VMAC, 0x0026);	/* 802.3 length field: STP BPDU */
	check(len + 38, TAPF_DROP_LINK_LOCAL);
	len = eth(BCAST, VMAC, ETHERTYPE_SLOW);
	check(len + 46, TAPF_DROP_SLOW_PROTO);
	check(10, TAPF_DROP_RUNT);
	check(0, TAPF_DROP_RUNT);
	/* A VLAN tag without the rest of its header. */
	len = eth(BCAST, VMAC, ETHERTYPE_VLAN);
	check(len + 2, TAPF_DROP_RUNT);
	/* An IPv4 header cut short. */
	len = eth(BCAST, VMAC, ETHERTYPE_IPV4);
	F[len] = 0x45;
	check(len + 10, TAPF_DROP_MALFORMED);
	cr_assert_eq(TF.counters.drops[TAPF_DROP_LINK_LOCAL], 1);
	cr_assert_eq(TF.counters.drops[TAPF_DROP_SLOW_PROTO], 1);
	cr_assert_eq(TF.counters.drops[TAPF_DROP_RUNT], 3);
	cr_assert_eq(TF.counters.drops[TAPF_DROP_MALFORMED], 1);
}

Test(tapfilter, jumbo, .init = setup)
{
	struct ether_mac	 mac;

	/* 1500 + 14 passes, one more byte is jumbo. */
	check(udp4(BCAST, VMAC, 1000, 2000, 1500 - 28), TAPF_PASS);
	check(udp4(BCAST, VMAC, 1000, 2000, 1500 - 28 + 1), TAPF_DROP_JUMBO);

	/* The room MTU from welcome. */
	tapfilter_set_mtu(&TF, 1280);
	cr_assert_eq(TF.mtu, 1280);
	check(udp4(BCAST, VMAC, 1000, 2000, 1280 - 28), TAPF_PASS);
	check(udp4(BCAST, VMAC, 1000, 2000, 1280 - 28 + 1), TAPF_DROP_JUMBO);
	/* An out-of-range MTU means the default. */
	tapfilter_set_mtu(&TF, 9000);
	cr_assert_eq(TF.mtu, 1500);
	cr_assert_eq(ether_mac_parse(VMAC, &mac), 0);
	tapfilter_init(&TF, &mac, 0);
	cr_assert_eq(TF.mtu, 1500);
	cr_assert_eq(TF.counters.frames_in, 0);
}

Test(tapfilter, counters_exact, .init = setup)
{
	size_t	 n, bytes_in = 0, bytes_pass = 0;
	size_t	 i;

	n = arp(VMAC);				/* pass */
	check(n, TAPF_PASS);
	bytes_in += n;
	bytes_pass += n;
	n = udp4(BCAST, VMAC, 68, 67, 300);	/* pass */
	check(n, TAPF_PASS);
	bytes_in += n;
	bytes_pass += n;
	n = udp4(BCAST, VMAC, 67, 68, 300);	/* dhcp4-server */
	check(n, TAPF_DROP_DHCP4_SERVER);
	bytes_in += n;
	n = arp(OTHER);				/* foreign-source */
	check(n, TAPF_DROP_FOREIGN_SOURCE);
	bytes_in += n;
	n = udp4(BCAST, VMAC, 1, 2, 1600);	/* jumbo */
	check(n, TAPF_DROP_JUMBO);
	bytes_in += n;

	cr_assert_eq(TF.counters.frames_in, 5);
	cr_assert_eq(TF.counters.bytes_in, bytes_in);
	cr_assert_eq(TF.counters.frames_pass, 2);
	cr_assert_eq(TF.counters.bytes_pass, bytes_pass);
	for (i = 0; i < TAPF_REASON_MAX; i++)
		cr_assert_eq(TF.counters.drops[i],
		    i == TAPF_DROP_DHCP4_SERVER ||
		    i == TAPF_DROP_FOREIGN_SOURCE ||
		    i == TAPF_DROP_JUMBO ? 1 : 0, "drops[%s]",
		    tapfilter_reason_name(i));
}

Test(tapfilter, names)
{
	cr_assert_str_eq(tapfilter_reason_name(TAPF_PASS), "pass");
	cr_assert_str_eq(tapfilter_reason_name(TAPF_DROP_DHCP4_SERVER),
	    "dhcp4-server");
	cr_assert_str_eq(tapfilter_reason_name(TAPF_DROP_RA),
	    "router-advert");
	cr_assert_str_eq(tapfilter_reason_name(TAPF_DROP_FOREIGN_SOURCE),
	    "foreign-source");
	cr_assert_str_eq(tapfilter_reason_name(TAPF_REASON_MAX), "unknown");
}
