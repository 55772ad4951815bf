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
 * The gateway's LAN side (gatewayd/lan.c).  The sample packets below were
 * generated with their checksums computed by a separate program and
 * checked with tcpdump -vvv, which reported every TCP and UDP checksum
 * correct.  MACs: 02:00:00:00:00:01 is a remote client, 00:1b:21:0a:0b:0c
 * a LAN host, 00:1b:21:aa:bb:cc the gateway NIC.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "compat.h"
#include "wiremsg.h"
#include "ether.h"
#include "../../gatewayd/cam.h"
#include "../../gatewayd/lan.h"

/*
 * DHCP OFFER 198.18.0.1:67 -> 198.18.0.100:68, from the LAN host to the
 * remote client: 342 bytes, UDP checksum (offset 40) 0x75d2.
 */
static const uint8_t dhcp_offer[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x1b,
	0x21, 0x0a, 0x0b, 0x0c, 0x08, 0x00, 0x45, 0x00,
	0x01, 0x48, 0x1c, 0x46, 0x00, 0x00, 0x40, 0x11,
	0xd0, 0xd5, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12,
	0x00, 0x64, 0x00, 0x43, 0x00, 0x44, 0x01, 0x34,
	0x75, 0xd2, 0x02, 0x01, 0x06, 0x00, 0x39, 0x03,
	0xf3, 0x26, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xc6, 0x12, 0x00, 0x64, 0xc6, 0x12,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x63, 0x82,
	0x53, 0x63, 0x35, 0x01, 0x02, 0x36, 0x04, 0xc6,
	0x12, 0x00, 0x01, 0x33, 0x04, 0x00, 0x00, 0x0e,
	0x10, 0x01, 0x04, 0xff, 0xff, 0xff, 0x00, 0x03,
	0x04, 0xc6, 0x12, 0x00, 0x01, 0xff, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/*
 * TCP/IPv4 198.18.0.1:80 -> 198.18.0.100:40000, PSH|ACK, timestamp
 * option, 21 bytes of data (an odd length): 87 bytes, TCP checksum
 * (offset 50) 0xece2, DF set.
 */
static const uint8_t tcp4[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x1b,
	0x21, 0x0a, 0x0b, 0x0c, 0x08, 0x00, 0x45, 0x00,
	0x00, 0x49, 0x22, 0x33, 0x40, 0x00, 0x40, 0x06,
	0x8b, 0xf2, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12,
	0x00, 0x64, 0x00, 0x50, 0x9c, 0x40, 0x11, 0x22,
	0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x80, 0x18,
	0x01, 0xf6, 0xec, 0xe2, 0x00, 0x00, 0x01, 0x01,
	0x08, 0x0a, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b,
	0x0c, 0x0d, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x31,
	0x2e, 0x30, 0x20, 0x32, 0x30, 0x30, 0x20, 0x4f,
	0x4b, 0x0d, 0x0a, 0x0d, 0x0a, 0x68, 0x69,
};

/*
 * UDP/IPv6 DHCPv6 SOLICIT fe80::1:546 -> ff02::1:2:547 from the remote
 * client, 29 bytes of data: 91 bytes, UDP checksum (offset 60) 0xc745.
 */
static const uint8_t udp6[] = {
	0x33, 0x33, 0x00, 0x01, 0x00, 0x02, 0x02, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x25, 0x11, 0x01, 0xfe, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x02, 0x22,
	0x02, 0x23, 0x00, 0x25, 0xc7, 0x45, 0x01, 0x12,
	0x34, 0x56, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x03,
	0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x08, 0x00, 0x02, 0x00, 0x07, 0x00, 0x07,
	0x00, 0x01, 0xff,
};

/*
 * TCP/IPv6 SYN fd00::1:22 -> fd00::2:50000 behind a hop-by-hop header
 * (PadN): 86 bytes, TCP checksum (offset 78) 0x4011.
 */
static const uint8_t tcp6[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x1b,
	0x21, 0x0a, 0x0b, 0x0c, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x20, 0x00, 0x40, 0xfd, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfd, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x06, 0x00,
	0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16,
	0xc3, 0x50, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00,
	0x00, 0x00, 0x60, 0x02, 0xfd, 0x20, 0x40, 0x11,
	0x00, 0x00, 0x02, 0x04, 0x05, 0xa0,
};

/*
 * UDP/IPv4 198.18.0.2:9 -> 198.18.0.3:9 whose checksum computes to 0,
 * so it is sent as 0xffff (offset 40): 52 bytes.
 */
static const uint8_t udp4_zero[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x1b,
	0x21, 0x0a, 0x0b, 0x0c, 0x08, 0x00, 0x45, 0x00,
	0x00, 0x26, 0x01, 0x01, 0x00, 0x00, 0x40, 0x11,
	0xed, 0x9c, 0xc6, 0x12, 0x00, 0x02, 0xc6, 0x12,
	0x00, 0x03, 0x00, 0x09, 0x00, 0x09, 0x00, 0x12,
	0xff, 0xff, 0x73, 0x6f, 0x66, 0x74, 0x6c, 0x61,
	0x6e, 0x21, 0xbf, 0x27,
};

struct sample {
	const char	*name;
	const uint8_t	*bytes;
	size_t		 len;
	size_t		 csum_off;	/* of the TCP/UDP checksum */
};

static const struct sample samples[] = {
	{ "dhcp_offer", dhcp_offer, sizeof(dhcp_offer), 40 },
	{ "tcp4", tcp4, sizeof(tcp4), 50 },
	{ "udp6", udp6, sizeof(udp6), 60 },
	{ "tcp6", tcp6, sizeof(tcp6), 78 },
	{ "udp4_zero", udp4_zero, sizeof(udp4_zero), 40 },
};

#define NIC	{{ 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc }}
#define REMOTE	{{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }}
#define HOST	{{ 0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c }}
#define OTHER	{{ 0x00, 0x1b, 0x21, 0x00, 0x00, 0x99 }}
#define BCAST	{{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }}
#define MCAST4	{{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb }}
#define MCAST6	{{ 0x33, 0x33, 0x00, 0x01, 0x00, 0x02 }}
#define ZERO	{{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 }}

static const struct ether_mac nic = NIC;
static const struct ether_mac remote = REMOTE;
static const struct ether_mac host = HOST;
static const struct ether_mac other = OTHER;
static const struct ether_mac bcast = BCAST;

#define PKT_HOST	0	/* PACKET_HOST */
#define PKT_OTHERHOST	3	/* PACKET_OTHERHOST */

static struct cam *
mkcam(void)
{
	struct cam		*cam;
	struct wiremsg_peer	 p;

	cam = cam_new(&nic, 0, 0);
	cr_assert_not_null(cam);
	memset(&p, 0, sizeof(p));
	p.peer_id = 1;
	p.role = WIREMSG_ROLE_CLIENT;
	p.mac = remote;
	cr_assert_eq(cam_peer_joined(cam, &p, 0), 1);
	return (cam);
}

/* A len-byte frame dst <- src, optionally with a VLAN tag, in buf. */
static size_t
mkframe(uint8_t *buf, size_t len, const struct ether_mac *dst,
    const struct ether_mac *src, int tagged)
{
	size_t	 off = 12;

	cr_assert_geq(len, tagged ? 18 : 14);
	memset(buf, 0xa5, len);
	memcpy(buf, dst->octet, 6);
	memcpy(buf + 6, src->octet, 6);
	if (tagged) {
		buf[off++] = 0x81;
		buf[off++] = 0x00;
		buf[off++] = 0x00;
		buf[off++] = 0x05;
	}
	buf[off++] = 0x08;
	buf[off] = 0x00;
	return (len);
}

static enum lan_reason
classify(size_t len, const struct ether_mac *dst, const struct ether_mac *src,
    int tagged, int pkttype, uint16_t mtu)
{
	static uint8_t	 buf[70000];
	struct cam	*cam;
	enum lan_reason	 r;

	cam = mkcam();
	mkframe(buf, len, dst, src, tagged);
	r = lan_classify(buf, len, pkttype, cam, &nic, mtu);
	cam_free(cam);
	return (r);
}

/*
 * One frame against the CAM of mkcam(): a row per frame.  Criterion
 * copies the rows into the process that runs them, so they hold the
 * MACs themselves, not pointers.
 */
struct classify_case {
	size_t			 len;
	struct ether_mac	 dst;
	struct ether_mac	 src;
	int			 tagged;
	int			 pkttype;
	uint16_t		 mtu;
	enum lan_reason		 want;
};

static struct classify_case classify_cases[] = {
	/* Our own transmissions are never relayed. */
	{ 60, REMOTE, HOST, 0, LAN_PACKET_OUTGOING, 1500, LAN_SKIP_OUTGOING },
	{ 60, BCAST, NIC, 0, LAN_PACKET_OUTGOING, 1500, LAN_SKIP_OUTGOING },
	{ 60, REMOTE, HOST, 0, PKT_HOST, 1500, LAN_PASS },
	{ 60, REMOTE, HOST, 0, PKT_OTHERHOST, 1500, LAN_PASS },

	/* Sources. */
	{ 60, BCAST, MCAST4, 0, PKT_HOST, 1500, LAN_DROP_SOURCE_INVALID },
	{ 60, BCAST, ZERO, 0, PKT_HOST, 1500, LAN_DROP_SOURCE_INVALID },
	{ 60, BCAST, NIC, 0, PKT_HOST, 1500, LAN_SKIP_OWN_SOURCE },
	/* Our own CAM refresh and relayed frames looping back. */
	{ 60, NIC, REMOTE, 0, PKT_HOST, 1500, LAN_SKIP_REMOTE_SOURCE },
	{ 60, BCAST, REMOTE, 0, PKT_HOST, 1500, LAN_SKIP_REMOTE_SOURCE },
	{ 60, MCAST6, REMOTE, 1, PKT_OTHERHOST, 1500,
	    LAN_SKIP_REMOTE_SOURCE },

	/* Destinations. */
	{ 60, BCAST, HOST, 0, PKT_HOST, 1500, LAN_PASS },
	{ 60, MCAST4, HOST, 0, PKT_HOST, 1500, LAN_PASS },
	{ 60, MCAST6, HOST, 0, PKT_HOST, 1500, LAN_PASS },
	{ 60, REMOTE, HOST, 0, PKT_OTHERHOST, 1500, LAN_PASS },
	{ 64, REMOTE, HOST, 1, PKT_OTHERHOST, 1500, LAN_PASS },
	{ 60, OTHER, HOST, 0, PKT_OTHERHOST, 1500, LAN_SKIP_NOT_REMOTE },
	{ 60, NIC, HOST, 0, PKT_HOST, 1500, LAN_SKIP_NOT_REMOTE },
};

ParameterizedTestParameters(lan, classify)
{
	return (cr_make_param_array(struct classify_case, classify_cases,
	    nitems(classify_cases)));
}

ParameterizedTest(const struct classify_case *c, lan, classify)
{
	enum lan_reason	 r;

	r = classify(c->len, &c->dst, &c->src, c->tagged, c->pkttype, c->mtu);
	cr_assert_eq(r, c->want, "%zu bytes%s %s > %s, pkttype %d, mtu %u: "
	    "%s, want %s", c->len, c->tagged ? " tagged" : "",
	    ether_mac_str(&c->src), ether_mac_str(&c->dst), c->pkttype,
	    c->mtu, lan_reason_name(r), lan_reason_name(c->want));
}

Test(lan, classify_runt)
{
	struct cam		*cam;
	uint8_t			 buf[18];

	cam = mkcam();
	mkframe(buf, 18, &bcast, &host, 1);
	cr_assert_eq(lan_classify(buf, 17, PKT_HOST, cam, &nic, 1500),
	    LAN_DROP_RUNT);
	cr_assert_eq(lan_classify(buf, 18, PKT_HOST, cam, &nic, 1500),
	    LAN_PASS);
	mkframe(buf, 14, &bcast, &host, 0);
	cr_assert_eq(lan_classify(buf, 13, PKT_HOST, cam, &nic, 1500),
	    LAN_DROP_RUNT);
	cr_assert_eq(lan_classify(buf, 0, PKT_HOST, cam, &nic, 1500),
	    LAN_DROP_RUNT);
	cr_assert_eq(lan_classify(buf, 14, PKT_HOST, cam, &nic, 1500),
	    LAN_PASS);
	cam_free(cam);
}

Test(lan, classify_follows_the_cam)
{
	struct cam		*cam;
	struct wiremsg_peer	 p;
	uint8_t			 buf[60];

	cam = mkcam();
	memset(&p, 0, sizeof(p));
	p.peer_id = 1;
	p.role = WIREMSG_ROLE_CLIENT;
	p.mac = remote;
	mkframe(buf, sizeof(buf), &remote, &host, 0);
	cr_assert_eq(lan_classify(buf, 60, PKT_HOST, cam, &nic, 1500),
	    LAN_PASS);
	cr_assert_eq(cam_peer_left(cam, &p), 1);
	cr_assert_eq(lan_classify(buf, 60, PKT_HOST, cam, &nic, 1500),
	    LAN_SKIP_NOT_REMOTE);
	mkframe(buf, sizeof(buf), &bcast, &remote, 0);
	cr_assert_eq(lan_classify(buf, 60, PKT_HOST, cam, &nic, 1500),
	    LAN_PASS, "a left client's MAC is a LAN host's now");
	cam_free(cam);
}

Test(lan, classify_jumbo)
{
	const uint16_t	 mtus[] = { 1500, 1400, 576 };
	size_t		 i, max;

	for (i = 0; i < nitems(mtus); i++) {
		max = mtus[i] + 14;
		cr_assert_eq(classify(max, &remote, &host, 0, PKT_HOST,
		    mtus[i]), LAN_PASS, "mtu %u", mtus[i]);
		cr_assert_eq(classify(max + 1, &remote, &host, 0, PKT_HOST,
		    mtus[i]), LAN_DROP_JUMBO, "mtu %u", mtus[i]);
		cr_assert_eq(classify(max + 4, &bcast, &host, 1, PKT_HOST,
		    mtus[i]), LAN_PASS, "mtu %u tagged", mtus[i]);
		cr_assert_eq(classify(max + 5, &bcast, &host, 1, PKT_HOST,
		    mtus[i]), LAN_DROP_JUMBO, "mtu %u tagged", mtus[i]);
		/* The tag allowance is not for untagged frames. */
		cr_assert_eq(classify(max + 4, &bcast, &host, 0, PKT_HOST,
		    mtus[i]), LAN_DROP_JUMBO, "mtu %u", mtus[i]);
	}
	/* A GRO/GSO super-frame. */
	cr_assert_eq(classify(65000, &remote, &host, 0, PKT_HOST, 1500),
	    LAN_DROP_JUMBO);
	/* Not for a remote client: that reason wins. */
	cr_assert_eq(classify(9000, &other, &host, 0, PKT_HOST, 1500),
	    LAN_SKIP_NOT_REMOTE);
}

Test(lan, reason_names)
{
	unsigned int	 i, j;

	for (i = 0; i < LAN_REASON_MAX; i++) {
		cr_assert_not_null(lan_reason_name(i));
		cr_assert_str_neq(lan_reason_name(i), "unknown");
		for (j = 0; j < i; j++)
			cr_assert_str_neq(lan_reason_name(i),
			    lan_reason_name(j));
	}
	cr_assert_str_eq(lan_reason_name(LAN_DROP_JUMBO), "jumbo");
	cr_assert_str_eq(lan_reason_name(LAN_REASON_MAX), "unknown");
}

/* Fix a copy of s whose checksum was set to bad; compare with s. */
static void
fix_one(const struct sample *s, uint16_t bad)
{
	uint8_t		*buf;
	const char	*err = NULL;

	buf = malloc(s->len);
	cr_assert_not_null(buf);
	memcpy(buf, s->bytes, s->len);
	buf[s->csum_off] = bad >> 8;
	buf[s->csum_off + 1] = bad & 0xff;
	cr_assert_eq(lan_fix_l4_checksum(buf, s->len, &err), 1,
	    "%s: %s", s->name, err ? err : "");
	cr_assert_arr_eq(buf, s->bytes, s->len, "%s: bad %#x", s->name, bad);
	free(buf);
}

Test(lan, checksum_fixed)
{
	const uint16_t	 bad[] = { 0x0000, 0x1234, 0xffff, 0x8000 };
	size_t		 i, j;

	for (i = 0; i < nitems(samples); i++)
		for (j = 0; j < nitems(bad); j++)
			fix_one(&samples[i], bad[j]);
	/* A good checksum stays good. */
	for (i = 0; i < nitems(samples); i++)
		fix_one(&samples[i], (uint16_t)(samples[i].bytes[
		    samples[i].csum_off] << 8 |
		    samples[i].bytes[samples[i].csum_off + 1]));
}

/* Insert a tag 0x8100/tci after the MACs of in (len bytes) into out. */
static size_t
tagged_copy(const uint8_t *in, size_t len, uint16_t tci, uint8_t *out)
{
	memcpy(out, in, 12);
	out[12] = 0x81;
	out[13] = 0x00;
	out[14] = tci >> 8;
	out[15] = tci & 0xff;
	memcpy(out + 16, in + 12, len - 12);
	return (len + 4);
}

Test(lan, checksum_fixed_behind_vlan_tag)
{
	uint8_t		 want[400], buf[400];
	size_t		 i, len;

	for (i = 0; i < nitems(samples); i++) {
		len = tagged_copy(samples[i].bytes, samples[i].len, 0x2005,
		    want);
		memcpy(buf, want, len);
		buf[samples[i].csum_off + 4] ^= 0x5a;
		cr_assert_eq(lan_fix_l4_checksum(buf, len, NULL), 1, "%s",
		    samples[i].name);
		cr_assert_arr_eq(buf, want, len, "%s", samples[i].name);
	}
}

Test(lan, checksum_ignores_ethernet_padding)
{
	uint8_t		 buf[60], want[60];

	memset(want, 0, sizeof(want));
	memcpy(want, udp4_zero, sizeof(udp4_zero));	/* 52 + 8 pad */
	want[55] = 0x77;
	memcpy(buf, want, sizeof(buf));
	buf[40] = buf[41] = 0;
	cr_assert_eq(lan_fix_l4_checksum(buf, sizeof(buf), NULL), 1);
	cr_assert_arr_eq(buf, want, sizeof(want));
}

Test(lan, checksum_every_truncation)
{
	uint8_t		*buf, *orig;
	const char	*err;
	size_t		 i, len;
	int		 rv;

	for (i = 0; i < nitems(samples); i++) {
		for (len = 0; len < samples[i].len; len++) {
			/* Exact-size heap copies: ASan sees any overread. */
			buf = malloc(len ? len : 1);
			orig = malloc(len ? len : 1);
			cr_assert(buf != NULL && orig != NULL);
			memcpy(buf, samples[i].bytes, len);
			if (len > samples[i].csum_off + 1)
				buf[samples[i].csum_off] ^= 0xff;
			memcpy(orig, buf, len);
			err = NULL;
			rv = lan_fix_l4_checksum(buf, len, &err);
			cr_assert_eq(rv, -1, "%s cut at %zu", samples[i].name,
			    len);
			cr_assert_not_null(err);
			cr_assert_arr_eq(buf, orig, len, "%s cut at %zu",
			    samples[i].name, len);
			free(buf);
			free(orig);
		}
	}
}

static uint8_t *
sample_copy(const uint8_t *p, size_t len)
{
	uint8_t	*buf;

	buf = malloc(len);
	cr_assert_not_null(buf);
	memcpy(buf, p, len);
	return (buf);
}

static void
expect_error(uint8_t *buf, size_t len, const char *want)
{
	const char	*err = NULL;
	uint8_t		*orig;

	orig = sample_copy(buf, len);
	cr_assert_eq(lan_fix_l4_checksum(buf, len, &err), -1, "%s", want);
	cr_assert_str_eq(err, want);
	cr_assert_arr_eq(buf, orig, len);
	free(orig);
}

Test(lan, checksum_malformed)
{
	uint8_t		*b;

	b = sample_copy(dhcp_offer, sizeof(dhcp_offer));
	b[20] = 0x20;			/* MF */
	expect_error(b, sizeof(dhcp_offer), "ipv4: fragment");
	b[20] = 0x00; b[21] = 0x10;	/* offset 16 */
	expect_error(b, sizeof(dhcp_offer), "ipv4: fragment");
	b[21] = 0x00;
	b[14] = 0x44;			/* IHL 4 */
	expect_error(b, sizeof(dhcp_offer), "ipv4: bad header length");
	b[14] = 0x65;			/* version 6 */
	expect_error(b, sizeof(dhcp_offer), "ipv4: bad version");
	b[14] = 0x45;
	b[16] = 0x00; b[17] = 0x10;	/* total length 16 */
	expect_error(b, sizeof(dhcp_offer), "ipv4: bad total length");
	b[16] = 0x01; b[17] = 0x48;
	b[38] = 0x01; b[39] = 0x35;	/* UDP length 309 > 308 */
	expect_error(b, sizeof(dhcp_offer), "udp: bad length");
	b[38] = 0x00; b[39] = 0x07;
	expect_error(b, sizeof(dhcp_offer), "udp: bad length");
	free(b);

	b = sample_copy(tcp4, sizeof(tcp4));
	b[46] = 0xf0;			/* data offset 60 > 53 */
	expect_error(b, sizeof(tcp4), "tcp: bad data offset");
	b[46] = 0x40;			/* data offset 16 */
	expect_error(b, sizeof(tcp4), "tcp: bad data offset");
	free(b);

	b = sample_copy(tcp6, sizeof(tcp6));
	b[54] = 44;			/* hop-by-hop -> fragment */
	expect_error(b, sizeof(tcp6), "ipv6: fragment");
	b[20] = 43;			/* a routing header, segments left 4 */
	b[54] = 6;
	expect_error(b, sizeof(tcp6),
	    "ipv6: routing header with segments left");
	b[57] = 0;			/* segments left 0: walked */
	b[78] ^= 0xff;
	cr_assert_eq(lan_fix_l4_checksum(b, sizeof(tcp6), NULL), 1);
	cr_assert_eq(b[78], tcp6[78]);
	b[20] = 0;
	b[55] = 4;			/* hop-by-hop of 40 bytes > 32 */
	expect_error(b, sizeof(tcp6), "ipv6: truncated extension header");
	b[55] = 0;
	b[14] = 0x40;
	expect_error(b, sizeof(tcp6), "ipv6: bad version");
	free(b);
}

Test(lan, checksum_too_many_extension_headers)
{
	uint8_t		 buf[200];
	size_t		 i, len;

	/* udp6 with 9 destination options headers inserted. */
	memcpy(buf, udp6, 54);
	buf[20] = 60;
	for (i = 0; i < 9; i++) {
		memset(buf + 54 + 8 * i, 0, 8);
		buf[54 + 8 * i] = (i == 8) ? 17 : 60;
		buf[54 + 8 * i + 2] = 1;	/* PadN */
		buf[54 + 8 * i + 3] = 4;
	}
	memcpy(buf + 54 + 72, udp6 + 54, sizeof(udp6) - 54);
	len = sizeof(udp6) + 72;
	buf[18] = 0; buf[19] = 37 + 72;
	expect_error(buf, len, "ipv6: too many extension headers");
}

Test(lan, checksum_leaves_other_frames_alone)
{
	uint8_t		 arp[60], icmp[60], v6nonext[60];

	memset(arp, 0, sizeof(arp));
	memcpy(arp, dhcp_offer, 12);
	arp[12] = 0x08; arp[13] = 0x06;
	cr_assert_eq(lan_fix_l4_checksum(arp, sizeof(arp), NULL), 0);
	/* ICMP over IPv4: protocol 1. */
	memcpy(icmp, udp4_zero, sizeof(icmp) - 8);
	icmp[23] = 1;
	cr_assert_eq(lan_fix_l4_checksum(icmp, sizeof(icmp) - 8, NULL), 0);
	cr_assert_eq(icmp[40], 0xff);
	/* IPv6 with no next header (59). */
	memset(v6nonext, 0, sizeof(v6nonext));
	memcpy(v6nonext, udp6, 54);
	v6nonext[18] = v6nonext[19] = 0;
	v6nonext[20] = 59;
	cr_assert_eq(lan_fix_l4_checksum(v6nonext, 54, NULL), 0);
}

Test(lan, vlan_restore)
{
	uint8_t		 buf[64], want[64];
	size_t		 len;

	mkframe(buf, 60, &remote, &host, 0);
	len = tagged_copy(buf, 60, 0x2005, want);
	cr_assert_eq(lan_restore_vlan(buf, 60, sizeof(buf), 0x2005, 0), 64);
	cr_assert_arr_eq(buf, want, len);

	mkframe(buf, 60, &remote, &host, 0);
	cr_assert_eq(lan_restore_vlan(buf, 60, sizeof(buf), 0x0007, 0x8100),
	    64);
	cr_assert_eq(buf[12], 0x81);
	cr_assert_eq(buf[15], 0x07);
	mkframe(buf, 60, &remote, &host, 0);
	cr_assert_eq(lan_restore_vlan(buf, 60, sizeof(buf), 0x0007, 0x88a8),
	    64);
	cr_assert_eq(buf[12], 0x88);
	cr_assert_eq(buf[13], 0xa8);
	cr_assert_eq(buf[16], 0x08);
	cr_assert_eq(buf[17], 0x00);
}

Test(lan, vlan_restore_refused)
{
	uint8_t		*buf, orig[64];

	buf = malloc(63);
	cr_assert_not_null(buf);
	mkframe(buf, 60, &remote, &host, 0);
	memcpy(orig, buf, 60);
	cr_assert_eq(lan_restore_vlan(buf, 60, 63, 1, 0), -1, "no room");
	cr_assert_eq(lan_restore_vlan(buf, 60, 59, 1, 0), -1, "len>size");
	cr_assert_eq(lan_restore_vlan(buf, 60, 64, 1, 0x1234), -1, "tpid");
	cr_assert_eq(lan_restore_vlan(buf, 13, 63, 1, 0), -1, "runt");
	cr_assert_eq(lan_restore_vlan(NULL, 60, 64, 1, 0), -1);
	cr_assert_arr_eq(buf, orig, 60);
	cr_assert_eq(lan_restore_vlan(buf, 59, 63, 1, 0), 63);
	free(buf);
}

Test(lan, input_counts_every_path)
{
	struct lan_counters	 c;
	struct lan_aux		 aux;
	struct cam		*cam;
	uint8_t			 buf[2000], want[400];
	size_t			 len, wlen;

	memset(&c, 0, sizeof(c));
	memset(&aux, 0, sizeof(aux));
	cam = mkcam();

	/* Outgoing: skipped before the tag is restored. */
	aux.pkttype = LAN_PACKET_OUTGOING;
	aux.status = LAN_TP_STATUS_VLAN_VALID;
	len = mkframe(buf, 60, &remote, &host, 0);
	cr_assert_eq(lan_input(&c, buf, &len, sizeof(buf), &aux, cam, &nic,
	    1500), LAN_SKIP_OUTGOING);
	cr_assert_eq(len, 60);
	cr_assert_eq(c.reasons[LAN_SKIP_OUTGOING], 1);

	/* A 1514-byte frame whose tag was stripped: 1518, still fits. */
	aux.pkttype = PKT_OTHERHOST;
	aux.vlan_tci = 5;
	len = mkframe(buf, 1514, &remote, &host, 0);
	cr_assert_eq(lan_input(&c, buf, &len, sizeof(buf), &aux, cam, &nic,
	    1500), LAN_PASS);
	cr_assert_eq(len, 1518);
	cr_assert_eq(buf[12], 0x81);
	cr_assert_eq(c.vlan_restored, 1);
	cr_assert_eq(c.frames_out, 1);
	cr_assert_eq(c.bytes_out, 1518);

	/* No room for the tag. */
	len = mkframe(buf, 1514, &remote, &host, 0);
	cr_assert_eq(lan_input(&c, buf, &len, 1517, &aux, cam, &nic, 1500),
	    LAN_DROP_VLAN);
	cr_assert_eq(c.reasons[LAN_DROP_VLAN], 1);

	/* Jumbo, not-remote. */
	aux.status = 0;
	len = mkframe(buf, 1515, &remote, &host, 0);
	cr_assert_eq(lan_input(&c, buf, &len, sizeof(buf), &aux, cam, &nic,
	    1500), LAN_DROP_JUMBO);
	len = mkframe(buf, 60, &other, &host, 0);
	cr_assert_eq(lan_input(&c, buf, &len, sizeof(buf), &aux, cam, &nic,
	    1500), LAN_SKIP_NOT_REMOTE);
	cr_assert_eq(c.reasons[LAN_DROP_JUMBO], 1);
	cr_assert_eq(c.reasons[LAN_SKIP_NOT_REMOTE], 1);

	/* Partial checksum plus stripped tag: the DHCP OFFER. */
	aux.status = LAN_TP_STATUS_CSUMNOTREADY | LAN_TP_STATUS_VLAN_VALID |
	    LAN_TP_STATUS_VLAN_TPID_VALID;
	aux.vlan_tci = 0x2005;
	aux.vlan_tpid = 0x8100;
	wlen = tagged_copy(dhcp_offer, sizeof(dhcp_offer), 0x2005, want);
	memcpy(buf, dhcp_offer, sizeof(dhcp_offer));
	buf[40] = 0x12;
	buf[41] = 0x34;
	len = sizeof(dhcp_offer);
	cr_assert_eq(lan_input(&c, buf, &len, sizeof(buf), &aux, cam, &nic,
	    1500), LAN_PASS);
	cr_assert_eq(len, wlen);
	cr_assert_arr_eq(buf, want, wlen);
	cr_assert_eq(c.csum_fixed, 1);

	/* A partial checksum that cannot be completed. */
	aux.status = LAN_TP_STATUS_CSUMNOTREADY;
	len = sizeof(dhcp_offer) - 1;
	memcpy(buf, dhcp_offer, len);
	cr_assert_eq(lan_input(&c, buf, &len, sizeof(buf), &aux, cam, &nic,
	    1500), LAN_DROP_CHECKSUM);
	cr_assert_eq(c.reasons[LAN_DROP_CHECKSUM], 1);

	/* Not IP with CSUMNOTREADY: passes untouched. */
	len = mkframe(buf, 60, &bcast, &host, 0);
	buf[13] = 0x06;
	cr_assert_eq(lan_input(&c, buf, &len, sizeof(buf), &aux, cam, &nic,
	    1500), LAN_PASS);
	cr_assert_eq(c.csum_fixed, 1);

	cr_assert_eq(c.frames_in, 8);
	cr_assert_eq(c.frames_out, 3);
	cr_assert_eq(c.reasons[LAN_PASS], 0);
	cam_free(cam);
}

Test(lan, counters_export)
{
	struct lan_counters	 c;
	struct wiremsg_counter	 out[32];
	size_t			 n, i;

	memset(&c, 0, sizeof(c));
	c.frames_in = 10;
	c.reasons[LAN_DROP_JUMBO] = 7;
	n = lan_counters_export(&c, out, nitems(out));
	cr_assert_eq(n, 6 + LAN_REASON_MAX - 1);
	cr_assert_str_eq(out[0].name, "lan-frames-in");
	cr_assert_eq(out[0].value, 10);
	for (i = 0; i < n; i++)
		if (strcmp(out[i].name, "lan-jumbo") == 0)
			break;
	cr_assert_lt(i, n);
	cr_assert_eq(out[i].value, 7);
	cr_assert_eq(lan_counters_export(&c, out, 2), 2);
}
