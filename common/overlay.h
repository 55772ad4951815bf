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

#ifndef SOFTLAN_OVERLAY_H
#define SOFTLAN_OVERLAY_H

#include <stddef.h>
#include <stdint.h>

/*
 * Overlay datagrams: how Ethernet frames ride in QUIC DATAGRAM payloads.
 * Sans-I/O: no sockets, no clocks (time is passed in as milliseconds of
 * a monotonic clock, "now_ms"), no allocation per frame.
 *
 * Wire format, first byte = kind:
 *
 *	0x00 OVL_KIND_FRAME	kind, then one whole Ethernet frame
 *				(destination, source, EtherType, payload;
 *				no FCS).
 *	0x01 OVL_KIND_FRAG	kind, frame id (16 bits, big-endian),
 *				index/count byte, then fragment bytes.
 *				index/count: high nibble = index (0..count-1),
 *				low nibble = count (1..OVL_MAX_FRAGS).
 *
 * Fragments of one frame: every fragment but the last carries the same
 * number of bytes; the last carries 1 up to that many.  A receiver places
 * fragment i at offset i * (length of a non-last fragment).
 *
 * Other kinds are dropped and counted.  A datagram must carry at least a
 * complete header and one byte; a frame (whole or reassembled) must be
 * OVL_MIN_FRAME..OVL_MAX_FRAME bytes long.
 *
 * The frame budget (see mtu.h) is the number of frame bytes that fit in
 * one whole-frame datagram, so such a datagram is at most budget + 1
 * bytes.  Fragment datagrams obey the same limit: at most budget + 1
 * bytes including their OVL_FRAG_HDRLEN-byte header.
 */

#define OVL_KIND_FRAME		0x00
#define OVL_KIND_FRAG		0x01

#define OVL_FRAME_HDRLEN	1	/* kind */
#define OVL_FRAG_HDRLEN		4	/* kind, id (2), index/count */
#define OVL_MAX_FRAGS		4
#define OVL_MIN_FRAME		14	/* an Ethernet header */
#define OVL_MAX_FRAME		1522	/* 1500 + 14 + 4 (802.1Q) + 4 slack */

#define OVL_REASM_SLOTS		16	/* default table size */
#define OVL_REASM_MAXSLOTS	256
#define OVL_REASM_TIMEOUT_MS	100	/* default reassembly timeout */

/* ovl_encode() errors; ovl_tx counts them. */
#define OVL_ERR_TOOBIG		(-1)	/* > OVL_MAX_FRAME or > 4 fragments */
#define OVL_ERR_SHORT		(-2)	/* < OVL_MIN_FRAME */

/*
 * One datagram to send: hdr[0..hdrlen) followed by data[0..datalen).
 * data points into the caller's frame (zero copy), so it can go straight
 * to a gather write (ngtcp2_vec) or be flattened with ovl_piece_copy().
 */
struct ovl_piece {
	uint8_t		 hdr[OVL_FRAG_HDRLEN];
	size_t		 hdrlen;
	const uint8_t	*data;
	size_t		 datalen;
};

struct ovl_tx_stats {
	uint64_t	 whole;		/* frames sent as one datagram */
	uint64_t	 fragmented;	/* frames sent as fragments */
	uint64_t	 fragments;	/* fragment datagrams produced */
	uint64_t	 refused_toobig; /* OVL_ERR_TOOBIG */
	uint64_t	 refused_short;	/* OVL_ERR_SHORT */
};

/* One per sender (per connection); next_id is the next frame id. */
struct ovl_tx {
	uint16_t		 next_id;
	struct ovl_tx_stats	 stats;
};

/* Why a received datagram was dropped. */
enum ovl_drop {
	OVL_DROP_NONE = 0,
	OVL_DROP_SHORT,		/* empty, header incomplete, runt frame */
	OVL_DROP_UNKNOWN_KIND,	/* kind byte not 0x00/0x01 */
	OVL_DROP_BAD_INDEX,	/* index >= count, count 0 or > 4, or count
				   differs from the frame's first fragment */
	OVL_DROP_BAD_LENGTH,	/* fragment lengths inconsistent */
	OVL_DROP_DUPLICATE,	/* fragment already received */
	OVL_DROP_OVERSIZE,	/* frame would exceed OVL_MAX_FRAME */
	OVL_DROP_TABLE_FULL,	/* incomplete frame evicted for a new one */
	OVL_DROP_TIMEOUT	/* incomplete frame expired */
};

/*
 * Receive counters.  The drop counters count datagrams, except timeout
 * and table_full, which count incomplete frames thrown away (with every
 * fragment they held).
 */
struct ovl_rx_stats {
	uint64_t	 whole;		/* whole-frame datagrams delivered */
	uint64_t	 reassembled;	/* frames rebuilt from fragments */
	uint64_t	 fragments;	/* fragments accepted */
	uint64_t	 drop_short;
	uint64_t	 drop_unknown_kind;
	uint64_t	 drop_bad_index;
	uint64_t	 drop_bad_length;
	uint64_t	 drop_duplicate;
	uint64_t	 drop_oversize;
	uint64_t	 drop_table_full;
	uint64_t	 drop_timeout;
};

struct ovl_slot;

/*
 * A reassembler, one per peer: a fixed table of slots keyed by frame id.
 * When every slot is busy and none has expired, a new frame evicts the
 * slot seen first (oldest), which is counted as table_full: a frame that
 * old has most likely lost a fragment, and new traffic keeps flowing.
 */
struct ovl_reasm {
	struct ovl_slot		*slots;
	size_t			 nslots;
	size_t			 busy;
	uint64_t		 timeout_ms;
	struct ovl_rx_stats	 stats;
};

/* ovl_reasm_input() results. */
#define OVL_RX_DROP		(-1)	/* dropped, rx->drop says why */
#define OVL_RX_PENDING		0	/* fragment kept, frame incomplete */
#define OVL_RX_FRAME		1	/* rx->frame, rx->len: one frame */

/*
 * A delivered frame points into the input datagram (whole frames and
 * single-fragment frames) or into the reassembler (valid until its next
 * ovl_reasm_input(), ovl_reasm_expire() or ovl_reasm_free() call).
 */
struct ovl_rx {
	const uint8_t		*frame;
	size_t			 len;
	enum ovl_drop		 drop;
};

/* overlay.c */
void	 ovl_tx_init(struct ovl_tx *, uint16_t);
int	 ovl_encode(struct ovl_tx *, const uint8_t *, size_t, size_t,
	    struct ovl_piece *);
size_t	 ovl_piece_len(const struct ovl_piece *);
size_t	 ovl_piece_copy(const struct ovl_piece *, uint8_t *, size_t);
void	 ovl_tx_stats_add(struct ovl_tx_stats *, const struct ovl_tx_stats *);
void	 ovl_rx_stats_add(struct ovl_rx_stats *, const struct ovl_rx_stats *);
int	 ovl_reasm_init(struct ovl_reasm *, size_t, uint64_t);
void	 ovl_reasm_free(struct ovl_reasm *);
int	 ovl_reasm_input(struct ovl_reasm *, const uint8_t *, size_t,
	    uint64_t, struct ovl_rx *);
size_t	 ovl_reasm_expire(struct ovl_reasm *, uint64_t);
int	 ovl_reasm_next_expiry(const struct ovl_reasm *, uint64_t *);
size_t	 ovl_reasm_pending(const struct ovl_reasm *);
const char *ovl_drop_name(enum ovl_drop);
const char *ovl_tx_stat_name(size_t);
uint64_t ovl_tx_stat_value(const struct ovl_tx_stats *, size_t);
const char *ovl_rx_stat_name(size_t);
uint64_t ovl_rx_stat_value(const struct ovl_rx_stats *, size_t);

#endif /* SOFTLAN_OVERLAY_H */
