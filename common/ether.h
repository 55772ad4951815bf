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

#ifndef SOFTLAN_ETHER_H
#define SOFTLAN_ETHER_H

#ifdef __linux__
#include <net/ethernet.h>	/* so that its definitions come first */
#endif

#include <stddef.h>
#include <stdint.h>

/*
 * Ethernet II framing as it crosses softlan: no preamble, no FCS.
 * <net/ethernet.h> defines ETHER_ADDR_LEN and ETHER_HDR_LEN too (same
 * values); its ETHER_MIN_LEN counts the FCS, so ours is ETHER_MIN_FRAME.
 */

#ifndef ETHER_ADDR_LEN
#define ETHER_ADDR_LEN		6
#endif
#ifndef ETHER_HDR_LEN
#define ETHER_HDR_LEN		14
#endif
#define ETHER_VLAN_LEN		4
#define ETHER_MIN_FRAME		60	/* without FCS */
#define ETHER_MAC_STRLEN	18	/* "xx:xx:xx:xx:xx:xx" + NUL */

#define ETHERTYPE_IPV4		0x0800
#define ETHERTYPE_ARP		0x0806
#define ETHERTYPE_VLAN		0x8100
#define ETHERTYPE_QINQ		0x88a8
#define ETHERTYPE_IPV6		0x86dd
#define ETHERTYPE_SLOW		0x8809	/* LACP, marker, OAM */
#define ETHERTYPE_PAUSE		0x8808	/* MAC control */
#define ETHERTYPE_EAPOL		0x888e
#define ETHERTYPE_LLDP		0x88cc
#define ETHERTYPE_LOCAL_EXP1	0x88b5	/* IEEE local experimental: CAM refresh */

struct ether_mac {
	uint8_t		 octet[ETHER_ADDR_LEN];
};

/* A parsed Ethernet header; payload points into the frame. */
struct ether_frame {
	struct ether_mac	 dst;
	struct ether_mac	 src;
	uint16_t		 ethertype;	/* inner type when tagged */
	int			 tagged;	/* one 802.1Q/802.1ad tag seen */
	uint16_t		 tci;		/* tag control info if tagged */
	size_t			 hdrlen;	/* 14, or 18 when tagged */
	const uint8_t		*payload;
	size_t			 payloadlen;
};

/* ether.c */
int	 ether_parse(const uint8_t *, size_t, struct ether_frame *);
int	 ether_mac_parse(const char *, struct ether_mac *);
char	*ether_mac_format(const struct ether_mac *, char *, size_t);
const char *ether_mac_str(const struct ether_mac *);
int	 ether_mac_eq(const struct ether_mac *, const struct ether_mac *);
int	 ether_mac_is_zero(const struct ether_mac *);
int	 ether_mac_is_multicast(const struct ether_mac *);	/* incl. bcast */
int	 ether_mac_is_broadcast(const struct ether_mac *);
int	 ether_mac_is_local(const struct ether_mac *);	/* locally admin. */
int	 ether_mac_valid_unicast(const struct ether_mac *);
int	 ether_mac_valid_client(const struct ether_mac *);

#endif /* SOFTLAN_ETHER_H */
