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


#ifndef SOFTLAN_MSSCLAMP_H
#define SOFTLAN_MSSCLAMP_H

#include <stddef.h>
#include <stdint.h>

/*
 * TCP MSS clamping at tunnel ingress (sans-I/O: frames in, frames out).
 *
 * A frame longer than the uplink's frame budget (mtu.h) crosses as two
 * overlay fragments: two encrypted datagrams, and the loss of either
 * loses both.  A full-size TCP segment (a 1514-byte frame) is such a
 * frame on every path whose budget is under 1514.  Lowering the MSS
 * option of the SYN and SYN-ACK that cross the tunnel makes both ends
 * send segments whose frame fits one datagram, while UDP and the rest
 * keep the room's full MTU through fragmentation.
 *
 * What is looked at: an Ethernet frame, untagged or with ONE 802.1Q or
 * 802.1ad tag, carrying
 *   - IPv4 (any IHL), not a non-first fragment, with a complete TCP
 *     header inside the packet (a first fragment qualifies);
 *   - IPv6 with TCP right after the fixed header (an IPv6 packet whose
 *     extension header chain ends in TCP is left alone and counted as
 *     MSSCLAMP_IPV6_EXTHDR);
 * and a TCP segment with SYN set (SYN and SYN-ACK).  Its options are
 * walked (EOL, NOP, lengths checked against the header, never past it or
 * the frame); an MSS option above the limit is rewritten and the TCP
 * checksum updated incrementally (RFC 1624, eqn. 3).  The pseudo-header
 * does not change, so IPv4 and IPv6 are alike.  Anything malformed is
 * left as it is and reported as MSSCLAMP_MALFORMED; a frame is only
 * written to when the whole option list is valid.
 *
 * The limit (mssclamp_limit()):
 *   MSSCLAMP_OFF	no clamping
 *   N			536..1460, for every frame
 *   MSSCLAMP_AUTO	from the live frame budget B: the largest MSS whose
 *			full-size segment's frame fits one datagram,
 *
 *	MSS = B - Ethernet header - IP header - TCP header
 *	    = B - (14 [+ 4 with a VLAN tag]) - (20 IPv4 | 40 IPv6) - 20
 *
 *			(B = 1135, the budget of a 1200-byte path: 1081 for
 *			IPv4, 1061 for IPv6, 4 less when tagged).  TCP
 *			options (timestamps: 12 bytes) are not counted: the
 *			MSS excludes them and a sender takes the options it
 *			puts in a segment off its MSS (RFC 6691), so a
 *			segment with timestamps is no longer on the wire.
 *			Never below MSSCLAMP_MIN; no budget (not connected):
 *			no clamping.
 */

#define MSSCLAMP_OFF		0
#define MSSCLAMP_AUTO		1
#define MSSCLAMP_MIN		536	/* RFC 879's default MSS */
#define MSSCLAMP_MAX		1460	/* 1500 - 20 - 20 */
#define MSSCLAMP_DEFAULT	MSSCLAMP_AUTO

/* What a frame got; every result but MSSCLAMP_NONE is counted. */
enum mssclamp_result {
	MSSCLAMP_NONE,		/* not a TCP SYN: nothing to do */
	MSSCLAMP_CLAMPED,	/* MSS lowered, checksum updated */
	MSSCLAMP_UNCHANGED,	/* MSS at or under the limit already */
	MSSCLAMP_NO_OPTION,	/* a SYN without MSS option: left alone */
	MSSCLAMP_MALFORMED,	/* IP or TCP header or options broken */
	MSSCLAMP_IPV6_EXTHDR,	/* IPv6 TCP behind extension headers */
	MSSCLAMP_RESULT_MAX
};

/* Where the MSS option of a SYN is: mssclamp_find()'s answer. */
struct mssclamp_edit {
	size_t		 mss_off;	/* the option's 16-bit value */
	size_t		 csum_off;	/* the TCP checksum */
	size_t		 tcp_off;	/* the TCP header */
	uint16_t	 mss;		/* the value found */
	int		 ipv6;
	int		 tagged;	/* one VLAN tag */
};

struct mssclamp_counters {
	uint64_t	 n[MSSCLAMP_RESULT_MAX];	/* by result */
};

struct wiremsg_counter;

/*
 * mssclamp.c
 *
 * mssclamp_find: where the MSS option of a TCP SYN in this frame is.
 * MSSCLAMP_UNCHANGED with *e filled when there is one (the caller
 * compares e->mss with its limit, as mssclamp_frame() does); any other
 * result: nothing to rewrite, *e is zeroed.  Never writes to the frame.
 *
 * mssclamp_limit: the MSS limit of a setting (MSSCLAMP_OFF, MSSCLAMP_AUTO
 * or N) with this frame budget, for an IPv6 (or IPv4) segment, in a
 * tagged (or untagged) frame; 0: no clamping.
 *
 * mssclamp_apply: write mss into the option mssclamp_find() found and
 * update the TCP checksum (RFC 1624).
 *
 * mssclamp_frame: find, compare, apply, in place; MSSCLAMP_NONE when the
 * setting or the budget gives no limit.
 */
enum mssclamp_result	 mssclamp_find(const uint8_t *, size_t,
			    struct mssclamp_edit *);
uint16_t		 mssclamp_limit(uint32_t, size_t, int, int);
void			 mssclamp_apply(uint8_t *, const struct mssclamp_edit *,
			    uint16_t);
enum mssclamp_result	 mssclamp_frame(uint8_t *, size_t, uint32_t, size_t);
int			 mssclamp_setting_valid(long long);
const char		*mssclamp_result_name(enum mssclamp_result);
void			 mssclamp_count(struct mssclamp_counters *,
			    enum mssclamp_result);
size_t			 mssclamp_counters_export(
			    const struct mssclamp_counters *,
			    struct wiremsg_counter *, size_t);

#endif /* SOFTLAN_MSSCLAMP_H */
