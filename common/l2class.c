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

#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "ether.h"
#include "l2class.h"

/*
 * Protocol numbers and ports, spelled out here rather than taken from
 * <netinet/in.h>: this file is also built for the Windows client.
 */
#define IP4_HDR_MIN		20
#define IP6_HDR_LEN		40
#define IP6_FRAG_LEN		8
#define UDP_HDR_LEN		8

#define PROTO_HOPOPTS		0
#define PROTO_UDP		17
#define PROTO_ROUTING		43
#define PROTO_FRAGMENT		44
#define PROTO_AH		51
#define PROTO_ICMPV6		58
#define PROTO_DSTOPTS		60

#define PORT_DHCP4_SERVER	67
#define PORT_DHCP6_SERVER	547
#define ICMP6_ROUTER_ADVERT	134

#define IP4_OFFMASK		0x1fff	/* fragment offset (8 bytes) */
#define IP6_OFFMASK		0xfff8	/* fragment offset, in place */

static uint16_t		 get16(const uint8_t *);
static int		 is_link_local(const struct ether_mac *);
static enum l2_class	 classify_ip4(const uint8_t *, size_t);
static enum l2_class	 classify_ip6(const uint8_t *, size_t);

/* Stable: these are counter names on the control socket. */
static const char *const l2_class_names[L2_CLASS_MAX] = {
	[L2_PASS] =		"pass",
	[L2_DROP_RUNT] =	"runt",
	[L2_DROP_JUMBO] =	"jumbo",
	[L2_DROP_LINK_LOCAL] =	"link-local",
	[L2_DROP_SLOW_PROTO] =	"slow-protocol",
	[L2_DROP_DHCP4_SERVER] = "dhcp4-server",
	[L2_DROP_DHCP6_SERVER] = "dhcp6-server",
	[L2_DROP_RA] =		"router-advert",
	[L2_DROP_MALFORMED] =	"malformed",
};

const char *
l2_class_name(enum l2_class c)
{
	if ((unsigned int)c >= L2_CLASS_MAX || l2_class_names[c] == NULL)
		return ("unknown");
	return (l2_class_names[c]);
}

static uint16_t
get16(const uint8_t *p)
{
	return ((uint16_t)((p[0] << 8) | p[1]));
}

/* 01:80:c2:00:00:00 to 01:80:c2:00:00:0f, which bridges never forward. */
static int
is_link_local(const struct ether_mac *mac)
{
	const uint8_t	*o = mac->octet;

	return (o[0] == 0x01 && o[1] == 0x80 && o[2] == 0xc2 &&
	    o[3] == 0x00 && o[4] == 0x00 && (o[5] & 0xf0) == 0x00);
}

/*
 * Classify a frame of len bytes (no FCS) in a room of MTU room_mtu.  See
 * l2class.h for the rules.
 */
enum l2_class
l2_classify(const uint8_t *frame, size_t len, uint16_t room_mtu,
    int from_client, struct ether_frame *efp)
{
	struct ether_frame	 local, *ef = efp != NULL ? efp : &local;
	size_t			 maxlen;

	if (ether_parse(frame, len, ef) == -1)
		return (L2_DROP_RUNT);

	maxlen = (size_t)room_mtu + ETHER_HDR_LEN;
	if (ef->tagged)
		maxlen += ETHER_VLAN_LEN;
	if (len > maxlen)
		return (L2_DROP_JUMBO);

	if (is_link_local(&ef->dst))
		return (L2_DROP_LINK_LOCAL);
	if (ef->ethertype == ETHERTYPE_PAUSE ||
	    ef->ethertype == ETHERTYPE_SLOW)
		return (L2_DROP_SLOW_PROTO);

	if (!from_client)
		return (L2_PASS);

	switch (ef->ethertype) {
	case ETHERTYPE_IPV4:
		return (classify_ip4(ef->payload, ef->payloadlen));
	case ETHERTYPE_IPV6:
		return (classify_ip6(ef->payload, ef->payloadlen));
	default:
		return (L2_PASS);
	}
}

/* A client's IPv4 packet: p holds len bytes after the Ethernet header. */
static enum l2_class
classify_ip4(const uint8_t *p, size_t len)
{
	size_t	 hlen, totlen;

	if (len < IP4_HDR_MIN || (p[0] >> 4) != 4)
		return (L2_DROP_MALFORMED);
	hlen = (size_t)(p[0] & 0x0f) * 4;
	if (hlen < IP4_HDR_MIN || hlen > len)
		return (L2_DROP_MALFORMED);
	totlen = get16(p + 2);
	if (totlen < hlen)
		return (L2_DROP_MALFORMED);
	/* Bytes past the total length are Ethernet padding. */
	len = MINIMUM(len, totlen);

	/* Not the first fragment: no UDP header in it. */
	if ((get16(p + 6) & IP4_OFFMASK) != 0)
		return (L2_PASS);
	if (p[9] != PROTO_UDP)
		return (L2_PASS);
	if (len - hlen < UDP_HDR_LEN)
		return (L2_DROP_MALFORMED);
	if (get16(p + hlen) == PORT_DHCP4_SERVER)
		return (L2_DROP_DHCP4_SERVER);
	return (L2_PASS);
}

/*
 * A client's IPv6 packet: walk at most L2_IPV6_MAXEXT extension headers
 * to the upper-layer header.  off never exceeds len.
 */
static enum l2_class
classify_ip6(const uint8_t *p, size_t len)
{
	size_t	 off, extlen;
	int	 next, n;

	if (len < IP6_HDR_LEN || (p[0] >> 4) != 6)
		return (L2_DROP_MALFORMED);
	/* Bytes past the payload length are Ethernet padding. */
	len = MINIMUM(len, IP6_HDR_LEN + (size_t)get16(p + 4));
	next = p[6];
	off = IP6_HDR_LEN;

	for (n = 0;; n++) {
		switch (next) {
		case PROTO_UDP:
			if (len - off < UDP_HDR_LEN)
				return (L2_DROP_MALFORMED);
			if (get16(p + off) == PORT_DHCP6_SERVER)
				return (L2_DROP_DHCP6_SERVER);
			return (L2_PASS);
		case PROTO_ICMPV6:
			if (len - off < 1)
				return (L2_DROP_MALFORMED);
			if (p[off] == ICMP6_ROUTER_ADVERT)
				return (L2_DROP_RA);
			return (L2_PASS);
		case PROTO_HOPOPTS:
		case PROTO_ROUTING:
		case PROTO_DSTOPTS:
		case PROTO_AH:
			if (n >= L2_IPV6_MAXEXT || len - off < 2)
				return (L2_DROP_MALFORMED);
			if (next == PROTO_AH)
				extlen = ((size_t)p[off + 1] + 2) * 4;
			else
				extlen = ((size_t)p[off + 1] + 1) * 8;
			if (extlen > len - off)
				return (L2_DROP_MALFORMED);
			next = p[off];
			off += extlen;
			break;
		case PROTO_FRAGMENT:
			if (n >= L2_IPV6_MAXEXT || len - off < IP6_FRAG_LEN)
				return (L2_DROP_MALFORMED);
			/* Not the first fragment: see l2class.h. */
			if ((get16(p + off + 2) & IP6_OFFMASK) != 0)
				return (L2_PASS);
			next = p[off];
			off += IP6_FRAG_LEN;
			break;
		default:
			/* TCP, ESP, no next header, ...: not ours to judge. */
			return (L2_PASS);
		}
	}
}
