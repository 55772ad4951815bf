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

#include "compat.h"
#include "ether.h"
#include "mtu.h"
#include "overlay.h"

/*
 * The frame budget of a connection: the longest Ethernet frame that fits,
 * after the kind byte, in one DATAGRAM on a path whose UDP payload is at
 * most path_udp_payload bytes.  0 when nothing fits.
 */
size_t
mtu_frame_budget(size_t path_udp_payload, size_t dcid_len)
{
	size_t	 overhead;

	if (dcid_len > path_udp_payload)
		return (0);
	overhead = MTU_QUIC_OVERHEAD + MTU_PIGGYBACK + MTU_KIND_LEN;
	if (path_udp_payload - dcid_len <= overhead)
		return (0);
	return (path_udp_payload - dcid_len - overhead);
}

/*
 * The longest frame a room of this MTU carries: the IP MTU plus the
 * Ethernet header, plus one 802.1Q tag if tagged frames are allowed.
 * No FCS crosses softlan.
 */
size_t
mtu_max_frame(size_t room_mtu, int vlan)
{
	return (room_mtu + ETHER_HDR_LEN + (vlan ? ETHER_VLAN_LEN : 0));
}

/* A room MTU is 576..1500. */
int
mtu_room_valid(long long mtu)
{
	return (mtu >= MTU_ROOM_MIN && mtu <= MTU_ROOM_MAX);
}

/* Does a frame of this length have to be fragmented? */
int
mtu_needs_frag(size_t framelen, size_t budget)
{
	return (framelen > budget);
}

/*
 * How many datagrams a frame of this length needs: 1 when it fits whole,
 * else the number of fragments (which may exceed OVL_MAX_FRAGS: the
 * caller compares), 0 when the budget cannot hold even a fragment header
 * and one byte.
 */
size_t
mtu_fragments(size_t framelen, size_t budget)
{
	size_t	 chunk;

	if (framelen <= budget)
		return (1);
	/* A fragment datagram may be as long as a whole-frame one. */
	if (budget + MTU_KIND_LEN <= OVL_FRAG_HDRLEN)
		return (0);
	chunk = budget + MTU_KIND_LEN - OVL_FRAG_HDRLEN;
	return ((framelen + chunk - 1) / chunk);
}

/*
 * The longest frame that crosses a connection with this budget, in
 * OVL_MAX_FRAGS fragments at most (before the OVL_MAX_FRAME limit).
 */
size_t
mtu_frame_max(size_t budget)
{
	size_t	 frag;

	if (budget + MTU_KIND_LEN <= OVL_FRAG_HDRLEN)
		return (budget);
	frag = OVL_MAX_FRAGS * (budget + MTU_KIND_LEN - OVL_FRAG_HDRLEN);
	return (MAXIMUM(budget, frag));
}
