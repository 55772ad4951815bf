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

#ifndef SOFTLAN_L2CLASS_H
#define SOFTLAN_L2CLASS_H

#include <stddef.h>
#include <stdint.h>

/*
 * L2 classification: the relay's frame filters (DESIGN.md section 5).
 * Sans-I/O, no allocation: l2_classify() looks at the bytes it is given
 * and never reads past frame + len.
 *
 * Rules for every sender, in this order (the first that matches wins):
 *  runt		shorter than its Ethernet header: 14 bytes, 18 with
 *			a tag.  Frames shorter than the 60-byte minimum but
 *			with a whole header pass: TAP frames are not padded.
 *  jumbo		longer than room_mtu + 14, + 4 with one VLAN tag.
 *  link-local		destination 01:80:c2:00:00:00-0f (STP, pause,
 *			LACP, LLDP, 802.1X, ...); real pause and LACP
 *			frames go there and are counted here.
 *  slow-protocol	EtherType 0x8808 (MAC control) or 0x8809 (slow
 *			protocols) to any other destination.
 * Rules for frames from a client only (from_client != 0):
 *  dhcp4-server	IPv4 UDP from source port 67.
 *  dhcp6-server	IPv6 UDP from source port 547.
 *  router-advert	ICMPv6 type 134.
 *  malformed		an IPv4 or IPv6 packet whose headers the rules
 *			above need but cannot read: see below.
 *
 * One 802.1Q or 802.1ad tag is looked through; the EtherType behind a
 * second tag is not examined (such a frame is classified by the rules
 * for everyone only).
 *
 * IPv4: IHL is honoured and the total length bounds the packet (bytes
 * after it are Ethernet padding).  A fragment with a nonzero offset
 * passes: it cannot hold the UDP header, and the receiver cannot
 * reassemble it without the first fragment, which is classified itself.
 *
 * IPv6: hop-by-hop, routing and destination options headers (and AH)
 * are walked, at most L2_IPV6_MAXEXT of them.  A fragment header with
 * offset 0 is walked through (the first fragment carries the upper-layer
 * header, RFC 7112); one with a nonzero offset cannot be classified and
 * passes, for the reason given for IPv4 (and RFC 6980 has receivers
 * ignore fragmented neighbour discovery anyway).
 *
 * Truncated headers: a client's frame with EtherType IPv4 or IPv6 whose
 * IP header is missing, cut short or inconsistent (wrong version, IHL
 * below 5, total length below the header length), whose IPv6 extension
 * chain is cut short or longer than L2_IPV6_MAXEXT, or whose UDP header
 * (or ICMPv6 type) is cut short in an unfragmented packet or a first
 * fragment, is dropped as malformed: it could hide a server message from
 * these rules, and no correct stack sends it.  Frames from the gateway
 * are never inspected past the Ethernet header, so they never count as
 * malformed.
 */

#define L2_IPV6_MAXEXT	8	/* IPv6 extension headers walked */

enum l2_class {
	L2_PASS = 0,
	L2_DROP_RUNT,
	L2_DROP_JUMBO,
	L2_DROP_LINK_LOCAL,
	L2_DROP_SLOW_PROTO,
	L2_DROP_DHCP4_SERVER,
	L2_DROP_DHCP6_SERVER,
	L2_DROP_RA,
	L2_DROP_MALFORMED,
	L2_CLASS_MAX
};

struct ether_frame;

/*
 * l2class.c: the last argument, if not NULL, gets the parsed Ethernet
 * header (valid unless the frame is L2_DROP_RUNT), so that the caller
 * does not parse it again.
 */
enum l2_class	 l2_classify(const uint8_t *, size_t, uint16_t, int,
		    struct ether_frame *);
const char	*l2_class_name(enum l2_class);

#endif /* SOFTLAN_L2CLASS_H */
