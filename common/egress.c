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


/*
 * One frame onto one QUIC connection; see egress.h.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "egress.h"
#include "overlay.h"
#include "quic.h"

static const char *const egress_names[] = {
	"frames", "drop-toobig", "drop-queue-full", "drop-notready"
};

/*
 * Encode frame for budget (the caller's: its live path's, found by path
 * MTU discovery) and queue every piece, or none; counted in st.
 */
enum egress_result
egress_frame(struct quic_conn *qc, struct ovl_tx *tx, size_t budget,
    const uint8_t *frame, size_t len, struct egress_stats *st)
{
	struct ovl_piece	 pieces[OVL_MAX_FRAGS];
	int			 n, i, rv;

	if (budget == 0) {
		st->drop_notready++;
		return (EGRESS_NOTREADY);
	}
	if ((n = ovl_encode(tx, frame, len, budget, pieces)) < 0) {
		st->drop_toobig++;
		return (EGRESS_TOOBIG);
	}
	if (quic_conn_dgram_room(qc) < (size_t)n) {
		st->drop_full++;
		return (EGRESS_FULL);
	}
	for (i = 0; i < n; i++) {
		/* Header and slice go straight into the queue: one copy. */
		rv = quic_conn_send_datagram2(qc, pieces[i].hdr,
		    pieces[i].hdrlen, pieces[i].data, pieces[i].datalen);
		if (rv == QUIC_DGRAM_QUEUED)
			continue;
		/*
		 * Room was checked: only a path that shrank under the
		 * caller's budget, or no memory for the queue, gets here.
		 * Pieces already queued go out; the peer's reassembler
		 * times them out (and counts it).
		 */
		if (rv == QUIC_DGRAM_FULL) {
			st->drop_full++;
			return (EGRESS_FULL);
		}
		if (rv == QUIC_DGRAM_TOOBIG) {
			st->drop_toobig++;
			return (EGRESS_TOOBIG);
		}
		st->drop_notready++;
		return (EGRESS_NOTREADY);
	}
	st->frames++;
	return (EGRESS_SENT);
}

void
egress_stats_add(struct egress_stats *to, const struct egress_stats *from)
{
	to->frames += from->frames;
	to->drop_toobig += from->drop_toobig;
	to->drop_full += from->drop_full;
	to->drop_notready += from->drop_notready;
}

uint64_t
egress_drops(const struct egress_stats *st)
{
	return (st->drop_toobig + st->drop_full + st->drop_notready);
}

/* Counter i's name ("egress-" goes before it), NULL past the last. */
const char *
egress_stat_name(size_t i)
{
	if (i >= sizeof(egress_names) / sizeof(egress_names[0]))
		return (NULL);
	return (egress_names[i]);
}

uint64_t
egress_stat_value(const struct egress_stats *st, size_t i)
{
	switch (i) {
	case 0:
		return (st->frames);
	case 1:
		return (st->drop_toobig);
	case 2:
		return (st->drop_full);
	case 3:
		return (st->drop_notready);
	default:
		return (0);
	}
}
