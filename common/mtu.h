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

#ifndef SOFTLAN_MTU_H
#define SOFTLAN_MTU_H

#include <stddef.h>

/*
 * MTU arithmetic.
 *
 * A QUIC 1-RTT packet that carries one DATAGRAM frame costs, on top of the
 * DATAGRAM payload:
 *
 *	short header first byte		 1
 *	destination connection ID	 dcid_len (8 in softlan)
 *	packet number			 4 (budgeted at its maximum)
 *	DATAGRAM frame type		 1
 *	length varint			 2 (payloads of 64..16383 bytes)
 *	AEAD tag			16
 *
 * that is MTU_QUIC_OVERHEAD (24) + dcid_len.  A packet often carries
 * more: an ACK frame, and the empty STREAM frame quic.c puts before a
 * datagram to keep loss detection armed (conn_anchor() in quic.c).  When
 * a full-size DATAGRAM leaves no room for them they go in a packet of
 * their own, which doubled the packets of a bulk transfer (every
 * receiver decrypts and acknowledges each one).  So the budget leaves
 * MTU_PIGGYBACK (32) bytes for them: an anchor takes at most 7 (type,
 * stream 0, offset below 2^30, length), an ACK of one range about 10.
 * The DATAGRAM payload starts with the overlay kind byte, so the frame
 * budget (the longest Ethernet frame that goes as one whole-frame
 * datagram) is
 *
 *	budget = path UDP payload - (24 + 32 + dcid_len) - 1
 *
 * (U = 1200, 8-byte DCID: 1135; U = 1444 after path MTU discovery:
 * 1379.)
 */
#define MTU_QUIC_OVERHEAD	24
#define MTU_PIGGYBACK		32
#define MTU_KIND_LEN		1

/* Room MTU: the IP MTU of the room's broadcast domain. */
#define MTU_ROOM_MIN		576
#define MTU_ROOM_MAX		1500
#define MTU_ROOM_DEFAULT	1500

/* mtu.c */
size_t	 mtu_frame_budget(size_t, size_t);
size_t	 mtu_max_frame(size_t, int);
int	 mtu_room_valid(long long);
int	 mtu_needs_frag(size_t, size_t);
size_t	 mtu_fragments(size_t, size_t);
size_t	 mtu_frame_max(size_t);

#endif /* SOFTLAN_MTU_H */
