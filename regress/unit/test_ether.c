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

/* Ethernet header parsing, MAC strings and MAC validation (ether.c). */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "compat.h"
#include "ether.h"

/* ARP request, 42 bytes as a TAP hands it over (no padding). */
static const uint8_t arp_frame[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* dst broadcast */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,	/* src 02:00:00:00:00:01 */
	0x08, 0x06,				/* EtherType ARP */
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04,	/* Ethernet/IPv4, 6, 4 */
	0x00, 0x01,				/* request */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,	/* sender hw */
	0xc6, 0x12, 0x00, 0x64,			/* sender 198.18.0.100 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* target hw */
	0xc6, 0x12, 0x00, 0x01,			/* target 198.18.0.1 */
};

/* The same ARP request in VLAN 100, priority 3 (TCI 0x6064). */
static const uint8_t arp_frame_tagged[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* dst broadcast */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,	/* src 02:00:00:00:00:01 */
	0x81, 0x00,				/* 802.1Q */
	0x60, 0x64,				/* PCP 3, DEI 0, VID 100 */
	0x08, 0x06,				/* EtherType ARP */
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04,	/* Ethernet/IPv4, 6, 4 */
	0x00, 0x01,				/* request */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01,	/* sender hw */
	0xc6, 0x12, 0x00, 0x64,			/* sender 198.18.0.100 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* target hw */
	0xc6, 0x12, 0x00, 0x01,			/* target 198.18.0.1 */
};

static const struct ether_mac mac_client = {
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }
};
static const struct ether_mac mac_bcast = {
	{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }
};

Test(ether, parse_untagged)
{
	struct ether_frame	 ef;

	cr_assert_eq(ether_parse(arp_frame, sizeof(arp_frame), &ef), 0);
	cr_assert(ether_mac_eq(&ef.dst, &mac_bcast));
	cr_assert(ether_mac_eq(&ef.src, &mac_client));
	cr_assert_eq(ef.ethertype, ETHERTYPE_ARP);
	cr_assert_eq(ef.tagged, 0);
	cr_assert_eq(ef.tci, 0);
	cr_assert_eq(ef.hdrlen, 14);
	cr_assert_eq(ef.payload, arp_frame + 14);
	cr_assert_eq(ef.payloadlen, sizeof(arp_frame) - 14);
}

Test(ether, parse_tagged)
{
	struct ether_frame	 ef;
	uint8_t			 f[sizeof(arp_frame_tagged)];

	cr_assert_eq(ether_parse(arp_frame_tagged, sizeof(arp_frame_tagged),
	    &ef), 0);
	cr_assert(ether_mac_eq(&ef.dst, &mac_bcast));
	cr_assert(ether_mac_eq(&ef.src, &mac_client));
	cr_assert_eq(ef.ethertype, ETHERTYPE_ARP);
	cr_assert_eq(ef.tagged, 1);
	cr_assert_eq(ef.tci, 0x6064);
	cr_assert_eq(ef.tci & 0x0fff, 100);
	cr_assert_eq(ef.hdrlen, 18);
	cr_assert_eq(ef.payload, arp_frame_tagged + 18);
	cr_assert_eq(ef.payloadlen, sizeof(arp_frame_tagged) - 18);

	/* 802.1ad service tag */
	memcpy(f, arp_frame_tagged, sizeof(f));
	f[12] = 0x88;
	f[13] = 0xa8;
	cr_assert_eq(ether_parse(f, sizeof(f), &ef), 0);
	cr_assert_eq(ef.tagged, 1);
	cr_assert_eq(ef.ethertype, ETHERTYPE_ARP);
	cr_assert_eq(ef.hdrlen, 18);

	/* Only one tag is looked through: the inner TPID is the type. */
	f[16] = 0x81;
	f[17] = 0x00;
	cr_assert_eq(ether_parse(f, sizeof(f), &ef), 0);
	cr_assert_eq(ef.ethertype, ETHERTYPE_VLAN);
	cr_assert_eq(ef.hdrlen, 18);

	/* Other TPID-like types are not tags. */
	f[12] = 0x91;
	f[13] = 0x00;
	cr_assert_eq(ether_parse(f, sizeof(f), &ef), 0);
	cr_assert_eq(ef.tagged, 0);
	cr_assert_eq(ef.ethertype, 0x9100);
	cr_assert_eq(ef.hdrlen, 14);
}

Test(ether, parse_runts)
{
	struct ether_frame	 ef;
	size_t			 n;

	for (n = 0; n < 14; n++) {
		memset(&ef, 0xa5, sizeof(ef));
		cr_assert_eq(ether_parse(arp_frame, n, &ef), -1, "len %zu", n);
		cr_assert_eq(ef.payload, NULL);
		cr_assert_eq(ef.hdrlen, 0);
	}
	cr_assert_eq(ether_parse(NULL, 0, &ef), -1);

	/* A bare header parses, with an empty payload. */
	cr_assert_eq(ether_parse(arp_frame, 14, &ef), 0);
	cr_assert_eq(ef.payloadlen, 0);
	cr_assert_eq(ef.ethertype, ETHERTYPE_ARP);

	/* A tag needs 18 bytes. */
	for (n = 14; n < 18; n++) {
		memset(&ef, 0xa5, sizeof(ef));
		cr_assert_eq(ether_parse(arp_frame_tagged, n, &ef), -1,
		    "tagged, len %zu", n);
		cr_assert_eq(ef.tagged, 0);
		cr_assert_eq(ef.payload, NULL);
	}
	cr_assert_eq(ether_parse(arp_frame_tagged, 18, &ef), 0);
	cr_assert_eq(ef.payloadlen, 0);
	cr_assert_eq(ef.ethertype, ETHERTYPE_ARP);
}

Test(ether, mac_parse)
{
	static const struct {
		const char	*s;
		uint8_t		 o[ETHER_ADDR_LEN];
	} good[] = {
		{ "02:00:00:00:00:01", { 0x02, 0, 0, 0, 0, 0x01 } },
		{ "00:1b:21:0a:0b:0c", { 0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c } },
		{ "00:1B:21:0A:0B:0C", { 0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c } },
		{ "aA:bB:cC:dD:eE:fF", { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff } },
		{ "fe-dc-ba-98-76-54", { 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54 } },
		{ "ff:ff:ff:ff:ff:ff", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
		{ "00:00:00:00:00:00", { 0, 0, 0, 0, 0, 0 } },
	};
	struct ether_mac	 m;
	size_t			 i;

	for (i = 0; i < nitems(good); i++) {
		memset(&m, 0x5a, sizeof(m));
		cr_assert_eq(ether_mac_parse(good[i].s, &m), 0, "%s",
		    good[i].s);
		cr_assert_arr_eq(m.octet, good[i].o, ETHER_ADDR_LEN, "%s",
		    good[i].s);
	}
}

Test(ether, mac_parse_rejects)
{
	static const char *bad[] = {
		"",				/* empty */
		"0",
		"02:00:00:00:00",		/* five octets */
		"02:00:00:00:00:0",		/* one digit short */
		"2:0:0:0:0:1",			/* no leading zeros */
		"02:00:00:00:00:01:02",		/* seven octets */
		"02:00:00:00:00:001",		/* one digit too many */
		"02:00:00:00:00:0g",		/* bad hex */
		"0x:00:00:00:00:01",
		"02:00:00:00:00:-1",
		"+2:00:00:00:00:01",
		" 2:00:00:00:00:01",
		"02.00.00.00.00.01",		/* bad separator */
		"02 00 00 00 00 01",
		"0200.0000.0001",
		"020000000001",
		"02:00-00:00:00:01",		/* mixed separators */
		"02-00-00-00-00:01",
		"02::00:00:00:00:1",
		"02:00:00:00:00:01 ",		/* trailing garbage */
		"02:00:00:00:00:01x",
		"02:00:00:00:00:01\n",
		" 02:00:00:00:00:01",		/* leading garbage */
	};
	struct ether_mac	 m, orig = { { 1, 2, 3, 4, 5, 6 } };
	size_t			 i;

	for (i = 0; i < nitems(bad); i++) {
		m = orig;
		cr_assert_eq(ether_mac_parse(bad[i], &m), -1, "\"%s\"",
		    bad[i]);
		cr_assert(ether_mac_eq(&m, &orig), "\"%s\" changed the MAC",
		    bad[i]);
	}
	m = orig;
	cr_assert_eq(ether_mac_parse(NULL, &m), -1);
	cr_assert(ether_mac_eq(&m, &orig));
}

Test(ether, mac_format)
{
	static const char *in[] = {
		"02:00:00:00:00:01",
		"00:1B:21:0A:0B:0C",
		"fe-dc-ba-98-76-54",
		"ff:ff:ff:ff:ff:ff",
		"00:00:00:00:00:00",
		"9a:bc:de:f0:12:34",
	};
	static const char *out[] = {
		"02:00:00:00:00:01",
		"00:1b:21:0a:0b:0c",
		"fe:dc:ba:98:76:54",
		"ff:ff:ff:ff:ff:ff",
		"00:00:00:00:00:00",
		"9a:bc:de:f0:12:34",
	};
	struct ether_mac	 m, back;
	char			 buf[ETHER_MAC_STRLEN], big[64];
	size_t			 i;

	for (i = 0; i < nitems(in); i++) {
		cr_assert_eq(ether_mac_parse(in[i], &m), 0);
		memset(buf, 'x', sizeof(buf));
		cr_assert_eq(ether_mac_format(&m, buf, sizeof(buf)), buf);
		cr_assert_str_eq(buf, out[i]);
		cr_assert_str_eq(ether_mac_str(&m), out[i]);
		/* and back */
		cr_assert_eq(ether_mac_parse(buf, &back), 0);
		cr_assert(ether_mac_eq(&m, &back));
	}

	/* Every octet value survives a round trip. */
	for (i = 0; i < 256; i++) {
		memset(m.octet, (int)i, sizeof(m.octet));
		m.octet[0] = (uint8_t)(255 - i);
		cr_assert_eq(ether_mac_parse(ether_mac_str(&m), &back), 0);
		cr_assert(ether_mac_eq(&m, &back), "octet %zu", i);
	}

	/* A big buffer gets the string and its NUL, no more. */
	memset(big, 'x', sizeof(big));
	cr_assert_eq(ether_mac_format(&mac_client, big, sizeof(big)), big);
	cr_assert_str_eq(big, "02:00:00:00:00:01");
	cr_assert_eq(big[ETHER_MAC_STRLEN], 'x');

	/* A short buffer: NULL and an empty string, never an overflow. */
	memset(buf, 'x', sizeof(buf));
	cr_assert_eq(ether_mac_format(&mac_client, buf, sizeof(buf) - 1),
	    NULL);
	cr_assert_eq(buf[0], '\0');
	cr_assert_eq(buf[1], 'x');
	cr_assert_eq(ether_mac_format(&mac_client, buf, 0), NULL);
}

Test(ether, mac_str_rotates)
{
	char	 line[64];

	/* Two results in one printf must not overwrite each other. */
	snprintf(line, sizeof(line), "%s > %s", ether_mac_str(&mac_client),
	    ether_mac_str(&mac_bcast));
	cr_assert_str_eq(line, "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff");
}

Test(ether, mac_eq)
{
	struct ether_mac	 m = mac_client;

	cr_assert(ether_mac_eq(&m, &mac_client));
	m.octet[5] ^= 0x80;
	cr_assert_not(ether_mac_eq(&m, &mac_client));
	m = mac_client;
	m.octet[0] ^= 0x01;
	cr_assert_not(ether_mac_eq(&m, &mac_client));
}

/* A MAC from a string, for the predicate tests below. */
static struct ether_mac
mac(const char *s)
{
	struct ether_mac	 m;

	cr_assert_eq(ether_mac_parse(s, &m), 0, "%s", s);
	return (m);
}

Test(ether, predicates)
{
	static const struct {
		const char	*s;
		int		 zero, mcast, bcast, local, unicast, client;
	} t[] = {
		/* zero */
		{ "00:00:00:00:00:00", 1, 0, 0, 0, 0, 0 },
		/* broadcast */
		{ "ff:ff:ff:ff:ff:ff", 0, 1, 1, 1, 0, 0 },
		/* IPv4 multicast, IPv6 multicast, STP group */
		{ "01:00:5e:00:00:fb", 0, 1, 0, 0, 0, 0 },
		{ "33:33:00:00:00:01", 0, 1, 0, 1, 0, 0 },
		{ "01:80:c2:00:00:00", 0, 1, 0, 0, 0, 0 },
		/* globally administered unicast: not a client MAC */
		{ "00:1b:21:0a:0b:0c", 0, 0, 0, 0, 1, 0 },
		{ "fc:ff:ff:ff:ff:ff", 0, 0, 0, 0, 1, 0 },
		/* locally administered unicast: a client MAC */
		{ "02:00:00:00:00:01", 0, 0, 0, 1, 1, 1 },
		{ "52:54:00:12:34:56", 0, 0, 0, 1, 1, 1 },
		{ "fe:ff:ff:ff:ff:ff", 0, 0, 0, 1, 1, 1 },
		{ "02:00:00:00:00:00", 0, 0, 0, 1, 1, 1 },
		/* locally administered multicast */
		{ "03:00:00:00:00:01", 0, 1, 0, 1, 0, 0 },
		/* all ones but one bit: not broadcast */
		{ "ff:ff:ff:ff:ff:fe", 0, 1, 0, 1, 0, 0 },
		/* non-zero in the last octet only */
		{ "00:00:00:00:00:01", 0, 0, 0, 0, 1, 0 },
	};
	struct ether_mac	 m;
	size_t			 i;

	for (i = 0; i < nitems(t); i++) {
		m = mac(t[i].s);
		cr_expect_eq(ether_mac_is_zero(&m), t[i].zero, "zero %s",
		    t[i].s);
		cr_expect_eq(ether_mac_is_multicast(&m), t[i].mcast,
		    "multicast %s", t[i].s);
		cr_expect_eq(ether_mac_is_broadcast(&m), t[i].bcast,
		    "broadcast %s", t[i].s);
		cr_expect_eq(ether_mac_is_local(&m), t[i].local, "local %s",
		    t[i].s);
		cr_expect_eq(ether_mac_valid_unicast(&m), t[i].unicast,
		    "valid unicast %s", t[i].s);
		cr_expect_eq(ether_mac_valid_client(&m), t[i].client,
		    "valid client %s", t[i].s);
	}
}
