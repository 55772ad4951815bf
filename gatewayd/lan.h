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

#ifndef SOFTLAN_LAN_H
#define SOFTLAN_LAN_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "cam.h"
#include "ether.h"
#include "wiremsg.h"

/*
 * The gateway's LAN side (DESIGN.md section 6): what happens to a frame
 * read from the AF_PACKET socket before it goes to the relay.  Sans-I/O:
 * the caller passes the frame, the socket's packet type (sll_pkttype) and
 * what PACKET_AUXDATA said (struct lan_aux); no header here depends on
 * the Linux packet socket headers.
 *
 * lan_input() does every step and counts the outcome:
 *  1. outgoing	a frame this host sent (PACKET_OUTGOING): the
 *		gateway's own injections, the host's own traffic.
 *  2. a tag the NIC stripped (TP_STATUS_VLAN_VALID) is put back
 *     (lan_restore_vlan()); vlan-restore if the buffer has no room.
 *  3. lan_classify(), in this order:
 *	runt		shorter than its Ethernet header (14 bytes, 18
 *			tagged).
 *	source-invalid	multicast or zero source MAC (the relay would
 *			drop it too).
 *	own-source	source is the NIC's MAC but the frame came in:
 *			a loop reflected it.
 *	remote-source	source is a remote client's MAC: our own CAM
 *			refreshes and relayed frames looped back.
 *	not-remote	unicast to a MAC that is not a remote client's
 *			(the NIC's own included).
 *	jumbo		longer than room MTU + 14 (+ 4 with one VLAN tag):
 *			how GRO/GSO super-frames are refused.
 *     Broadcast, multicast and unicast to a remote client pass.
 *  4. a partial checksum (TP_STATUS_CSUMNOTREADY) is completed
 *     (lan_fix_l4_checksum()); checksum if the frame cannot be fixed.
 *
 * Checksums: AF_PACKET gives neither csum_start nor csum_offset, so the
 * TCP or UDP checksum of an IPv4 or IPv6 packet (behind one VLAN tag at
 * most) is recomputed from scratch: pseudo-header and the whole segment.
 * Frames that are not TCP or UDP over IP are left alone.  A fragment, an
 * IPv6 routing header with segments left, or a header that is truncated
 * or inconsistent is an error: that frame cannot have its checksum
 * completed and is dropped rather than sent with a wrong one.
 */

#define LAN_PACKET_OUTGOING	4	/* PACKET_OUTGOING, linux/if_packet.h */

/* PACKET_AUXDATA tp_status bits (linux/if_packet.h). */
#define LAN_TP_STATUS_CSUMNOTREADY	(1 << 3)
#define LAN_TP_STATUS_VLAN_VALID	(1 << 4)
#define LAN_TP_STATUS_VLAN_TPID_VALID	(1 << 6)

enum lan_reason {
	LAN_PASS = 0,
	LAN_SKIP_OUTGOING,
	LAN_DROP_RUNT,
	LAN_DROP_SOURCE_INVALID,
	LAN_SKIP_OWN_SOURCE,
	LAN_SKIP_REMOTE_SOURCE,
	LAN_SKIP_NOT_REMOTE,
	LAN_DROP_JUMBO,
	LAN_DROP_VLAN,
	LAN_DROP_CHECKSUM,
	LAN_REASON_MAX
};

/* What recvmsg() said about a frame. */
struct lan_aux {
	int			 pkttype;	/* sll_pkttype */
	uint32_t		 status;	/* tp_status, 0: no auxdata */
	uint16_t		 vlan_tci;	/* tp_vlan_tci */
	uint16_t		 vlan_tpid;	/* tp_vlan_tpid */
};

struct lan_counters {
	uint64_t		 frames_in;
	uint64_t		 bytes_in;
	uint64_t		 frames_out;	/* passed to the relay */
	uint64_t		 bytes_out;
	uint64_t		 vlan_restored;
	uint64_t		 csum_fixed;
	uint64_t		 reasons[LAN_REASON_MAX];	/* [0] unused */
};

/* lan.c */
enum lan_reason	 lan_input(struct lan_counters *, uint8_t *, size_t *,
		    size_t, const struct lan_aux *, const struct cam *,
		    const struct ether_mac *, uint16_t);
enum lan_reason	 lan_classify(const uint8_t *, size_t, int,
		    const struct cam *, const struct ether_mac *, uint16_t);
int		 lan_fix_l4_checksum(uint8_t *, size_t, const char **);
ssize_t		 lan_restore_vlan(uint8_t *, size_t, size_t, uint16_t,
		    uint16_t);
const char	*lan_reason_name(enum lan_reason);
size_t		 lan_counters_export(const struct lan_counters *,
		    struct wiremsg_counter *, size_t);

#endif /* SOFTLAN_LAN_H */
