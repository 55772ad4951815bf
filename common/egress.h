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


#ifndef SOFTLAN_EGRESS_H
#define SOFTLAN_EGRESS_H

#include <stddef.h>
#include <stdint.h>

/*
 * One frame onto one QUIC connection: the send path shared by the uplink
 * (gatewayd, clientd) and the relay.  The frame is encoded for the
 * connection's frame budget (whole, or in at most OVL_MAX_FRAGS
 * fragments, overlay.c) and queued as DATAGRAM payloads, all or nothing:
 * when the queue has no room for every piece, none is queued, so no
 * lone fragment goes out to time out in the peer's reassembler.  Each
 * frame is counted once, as sent or under the one reason it was dropped.
 */

struct ovl_tx;
struct quic_conn;

enum egress_result {
	EGRESS_SENT = 0,
	EGRESS_TOOBIG,		/* over the budget in OVL_MAX_FRAGS pieces */
	EGRESS_FULL,		/* no room in the datagram queue */
	EGRESS_NOTREADY		/* no budget: handshake, closed, no DATAGRAM */
};

struct egress_stats {
	uint64_t	 frames;	/* queued, every piece */
	uint64_t	 drop_toobig;
	uint64_t	 drop_full;
	uint64_t	 drop_notready;
};

/* egress.c */
enum egress_result egress_frame(struct quic_conn *, struct ovl_tx *, size_t,
		    const uint8_t *, size_t, struct egress_stats *);
void		 egress_stats_add(struct egress_stats *,
		    const struct egress_stats *);
uint64_t	 egress_drops(const struct egress_stats *);
const char	*egress_stat_name(size_t);
uint64_t	 egress_stat_value(const struct egress_stats *, size_t);

#endif /* SOFTLAN_EGRESS_H */
