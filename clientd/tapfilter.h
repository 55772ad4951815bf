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

#ifndef SOFTLAN_TAPFILTER_H
#define SOFTLAN_TAPFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "ether.h"
#include "l2class.h"

/*
 * The client's filter for frames read from its TAP, on their way to the
 * relay (DESIGN.md section 7).  Sans-I/O, portable C99: the Windows
 * client uses it as is.
 *
 * In this order, the first rule that matches wins:
 *  runt		shorter than an Ethernet header (14 bytes)
 *  foreign-source	source MAC is not the virtual MAC: a bridge or a
 *			VM behind the TAP, or a spoofing program; the relay
 *			would drop it as spoofed
 *  then l2_classify() with from_client set, against the room MTU (see
 *  l2class.h for each rule): runt (a tagged frame without its whole
 *  header), jumbo, link-local (STP, LLDP, 802.1X... sent by the local
 *  OS), slow-protocol, dhcp4-server, dhcp6-server, router-advert
 *  (a DHCP server or radvd on the player's machine must not answer the
 *  LAN), malformed.
 *
 * The relay applies the same rules; dropping here saves the uplink and
 * tells the player why.  Each frame is counted once: passed or dropped
 * for exactly one reason.
 */

/* The first values are l2_classify()'s, so their names are the relay's. */
enum tapf_reason {
	TAPF_PASS = L2_PASS,
	TAPF_DROP_RUNT = L2_DROP_RUNT,
	TAPF_DROP_JUMBO = L2_DROP_JUMBO,
	TAPF_DROP_LINK_LOCAL = L2_DROP_LINK_LOCAL,
	TAPF_DROP_SLOW_PROTO = L2_DROP_SLOW_PROTO,
	TAPF_DROP_DHCP4_SERVER = L2_DROP_DHCP4_SERVER,
	TAPF_DROP_DHCP6_SERVER = L2_DROP_DHCP6_SERVER,
	TAPF_DROP_RA = L2_DROP_RA,
	TAPF_DROP_MALFORMED = L2_DROP_MALFORMED,
	TAPF_DROP_FOREIGN_SOURCE = L2_CLASS_MAX,
	TAPF_REASON_MAX
};

struct tapfilter_counters {
	uint64_t	 frames_in;
	uint64_t	 bytes_in;
	uint64_t	 frames_pass;
	uint64_t	 bytes_pass;
	uint64_t	 drops[TAPF_REASON_MAX];	/* [TAPF_PASS]: 0 */
};

struct tapfilter {
	struct ether_mac		 mac;	/* the virtual MAC */
	uint16_t			 mtu;	/* the room MTU */
	struct tapfilter_counters	 counters;
};

/* tapfilter.c */
void		 tapfilter_init(struct tapfilter *, const struct ether_mac *,
		    uint16_t);
void		 tapfilter_set_mtu(struct tapfilter *, uint16_t);
enum tapf_reason tapfilter_check(struct tapfilter *, const uint8_t *,
		    size_t);
const char	*tapfilter_reason_name(enum tapf_reason);

#endif /* SOFTLAN_TAPFILTER_H */
