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

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "mtu.h"
#include "overlay.h"

/*
 * A reassembly slot.  Non-last fragment i sits at i * chunk; the last
 * fragment waits at the very end of buf (its final offset is unknown
 * until a non-last fragment tells the chunk length) and is moved into
 * place when the frame is complete.  The two regions cannot overlap
 * while the frame fits in OVL_MAX_FRAME, which frag_check() enforces.
 */
struct ovl_slot {
	uint64_t	 first_ms;	/* first fragment seen */
	size_t		 chunk;		/* non-last fragment length, or 0 */
	size_t		 lastlen;	/* last fragment length, or 0 */
	uint16_t	 id;
	uint8_t		 used;
	uint8_t		 count;
	uint8_t		 have;		/* bit i: fragment i received */
	uint8_t		 buf[OVL_MAX_FRAME];
};

/* ovl_encode() relies on this for a non-empty last fragment. */
_Static_assert((OVL_MAX_FRAGS - 1) * (OVL_MAX_FRAGS - 1) < OVL_MIN_FRAME,
    "fragment count too large for the smallest frame");
_Static_assert(OVL_MAX_FRAGS <= 8, "fragment bitmap too small");

struct stat_desc {
	const char	*name;
	size_t		 off;
};

#define TX_STAT(n, f)	{ (n), offsetof(struct ovl_tx_stats, f) }
#define RX_STAT(n, f)	{ (n), offsetof(struct ovl_rx_stats, f) }

static const struct stat_desc tx_stat_tab[] = {
	TX_STAT("whole", whole),
	TX_STAT("fragmented", fragmented),
	TX_STAT("fragments", fragments),
	TX_STAT("refused-toobig", refused_toobig),
	TX_STAT("refused-short", refused_short),
};

static const struct stat_desc rx_stat_tab[] = {
	RX_STAT("whole", whole),
	RX_STAT("reassembled", reassembled),
	RX_STAT("fragments", fragments),
	RX_STAT("short", drop_short),
	RX_STAT("unknown-kind", drop_unknown_kind),
	RX_STAT("bad-index", drop_bad_index),
	RX_STAT("bad-length", drop_bad_length),
	RX_STAT("duplicate", drop_duplicate),
	RX_STAT("oversize", drop_oversize),
	RX_STAT("table-full", drop_table_full),
	RX_STAT("timeout", drop_timeout),
};

static const char *const drop_names[] = {
	[OVL_DROP_NONE] = "none",
	[OVL_DROP_SHORT] = "short",
	[OVL_DROP_UNKNOWN_KIND] = "unknown-kind",
	[OVL_DROP_BAD_INDEX] = "bad-index",
	[OVL_DROP_BAD_LENGTH] = "bad-length",
	[OVL_DROP_DUPLICATE] = "duplicate",
	[OVL_DROP_OVERSIZE] = "oversize",
	[OVL_DROP_TABLE_FULL] = "table-full",
	[OVL_DROP_TIMEOUT] = "timeout",
};

static int	 rx_drop(struct ovl_reasm *, struct ovl_rx *, enum ovl_drop);
static int	 rx_frag(struct ovl_reasm *, const uint8_t *, size_t,
		    uint64_t, struct ovl_rx *);
static enum ovl_drop frag_check(size_t, int, size_t, size_t, size_t);
static struct ovl_slot *slot_find(struct ovl_reasm *, uint16_t);
static struct ovl_slot *slot_take(struct ovl_reasm *);
static void	 slot_release(struct ovl_reasm *, struct ovl_slot *);
static int	 slot_expired(const struct ovl_reasm *,
		    const struct ovl_slot *, uint64_t);
static uint64_t	 stat_read(const void *, size_t);

/*
 * Sender.
 */

void
ovl_tx_init(struct ovl_tx *tx, uint16_t first_id)
{
	memset(tx, 0, sizeof(*tx));
	tx->next_id = first_id;
}

/*
 * Encode one frame for a connection whose frame budget is budget (see
 * mtu_frame_budget()).  out must have room for OVL_MAX_FRAGS pieces; it
 * receives descriptors that point into frame.  Returns the number of
 * datagrams (1: whole frame, 2..OVL_MAX_FRAGS: fragments) or an
 * OVL_ERR_* value.  A frame id is used only when the frame is fragmented.
 */
int
ovl_encode(struct ovl_tx *tx, const uint8_t *frame, size_t len,
    size_t budget, struct ovl_piece *out)
{
	size_t		 n, i, chunk, off;
	uint16_t	 id;

	if (len < OVL_MIN_FRAME) {
		tx->stats.refused_short++;
		return (OVL_ERR_SHORT);
	}
	n = mtu_fragments(len, budget);
	if (len > OVL_MAX_FRAME || n == 0 || n > OVL_MAX_FRAGS) {
		tx->stats.refused_toobig++;
		return (OVL_ERR_TOOBIG);
	}

	if (n == 1) {
		out[0].hdr[0] = OVL_KIND_FRAME;
		out[0].hdrlen = OVL_FRAME_HDRLEN;
		out[0].data = frame;
		out[0].datalen = len;
		tx->stats.whole++;
		return (1);
	}

	/*
	 * Spread the bytes evenly.  n fragments of the full per-fragment
	 * room hold len, so chunk fits that room.  The last fragment gets
	 * len - (n - 1) * chunk bytes: no more than chunk, and at least 1
	 * because (n - 1)^2 <= 9 < OVL_MIN_FRAME <= len.
	 */
	chunk = (len + n - 1) / n;

	id = tx->next_id++;
	for (i = 0, off = 0; i < n; i++, off += chunk) {
		out[i].hdr[0] = OVL_KIND_FRAG;
		out[i].hdr[1] = id >> 8;
		out[i].hdr[2] = id & 0xff;
		out[i].hdr[3] = (i << 4) | n;
		out[i].hdrlen = OVL_FRAG_HDRLEN;
		out[i].data = frame + off;
		out[i].datalen = MINIMUM(chunk, len - off);
	}
	tx->stats.fragmented++;
	tx->stats.fragments += n;
	return ((int)n);
}

/* The datagram length of a piece. */
size_t
ovl_piece_len(const struct ovl_piece *p)
{
	return (p->hdrlen + p->datalen);
}

/* Flatten a piece into buf; returns its length, 0 if buf is too small. */
size_t
ovl_piece_copy(const struct ovl_piece *p, uint8_t *buf, size_t bufsz)
{
	if (ovl_piece_len(p) > bufsz)
		return (0);
	memcpy(buf, p->hdr, p->hdrlen);
	memcpy(buf + p->hdrlen, p->data, p->datalen);
	return (ovl_piece_len(p));
}

/*
 * Receiver.
 */

/*
 * nslots 0 and timeout_ms 0 mean the defaults.  The slot table is the
 * only allocation; returns -1 with errno set on failure.
 */
int
ovl_reasm_init(struct ovl_reasm *r, size_t nslots, uint64_t timeout_ms)
{
	memset(r, 0, sizeof(*r));
	if (nslots == 0)
		nslots = OVL_REASM_SLOTS;
	if (timeout_ms == 0)
		timeout_ms = OVL_REASM_TIMEOUT_MS;
	if (nslots > OVL_REASM_MAXSLOTS) {
		errno = EINVAL;
		return (-1);
	}
	if ((r->slots = calloc(nslots, sizeof(*r->slots))) == NULL)
		return (-1);
	r->nslots = nslots;
	r->timeout_ms = timeout_ms;
	return (0);
}

void
ovl_reasm_free(struct ovl_reasm *r)
{
	free(r->slots);
	memset(r, 0, sizeof(*r));
}

/*
 * Take one received DATAGRAM payload.  Returns OVL_RX_FRAME with
 * rx->frame and rx->len set, OVL_RX_PENDING when a fragment was kept, or
 * OVL_RX_DROP with rx->drop set (and counted).
 */
int
ovl_reasm_input(struct ovl_reasm *r, const uint8_t *dg, size_t len,
    uint64_t now_ms, struct ovl_rx *rx)
{
	rx->frame = NULL;
	rx->len = 0;
	rx->drop = OVL_DROP_NONE;

	if (len < 1)
		return (rx_drop(r, rx, OVL_DROP_SHORT));

	switch (dg[0]) {
	case OVL_KIND_FRAME:
		len -= OVL_FRAME_HDRLEN;
		if (len < OVL_MIN_FRAME)
			return (rx_drop(r, rx, OVL_DROP_SHORT));
		if (len > OVL_MAX_FRAME)
			return (rx_drop(r, rx, OVL_DROP_OVERSIZE));
		rx->frame = dg + OVL_FRAME_HDRLEN;
		rx->len = len;
		r->stats.whole++;
		return (OVL_RX_FRAME);
	case OVL_KIND_FRAG:
		return (rx_frag(r, dg, len, now_ms, rx));
	default:
		return (rx_drop(r, rx, OVL_DROP_UNKNOWN_KIND));
	}
}

static int
rx_frag(struct ovl_reasm *r, const uint8_t *dg, size_t len,
    uint64_t now_ms, struct ovl_rx *rx)
{
	struct ovl_slot	*s;
	const uint8_t	*data;
	enum ovl_drop	 why;
	size_t		 dlen, idx, count, total;
	uint16_t	 id;
	int		 last;

	/* A fragment carries at least one byte. */
	if (len <= OVL_FRAG_HDRLEN)
		return (rx_drop(r, rx, OVL_DROP_SHORT));
	id = (uint16_t)((dg[1] << 8) | dg[2]);
	idx = dg[3] >> 4;
	count = dg[3] & 0x0f;
	data = dg + OVL_FRAG_HDRLEN;
	dlen = len - OVL_FRAG_HDRLEN;

	if (count == 0 || count > OVL_MAX_FRAGS || idx >= count)
		return (rx_drop(r, rx, OVL_DROP_BAD_INDEX));
	if (dlen > OVL_MAX_FRAME)
		return (rx_drop(r, rx, OVL_DROP_OVERSIZE));
	last = (idx == count - 1);

	if (count == 1) {
		/* A frame in one fragment needs no slot. */
		if (dlen < OVL_MIN_FRAME)
			return (rx_drop(r, rx, OVL_DROP_SHORT));
		r->stats.fragments++;
		r->stats.reassembled++;
		rx->frame = data;
		rx->len = dlen;
		return (OVL_RX_FRAME);
	}

	ovl_reasm_expire(r, now_ms);

	if ((s = slot_find(r, id)) != NULL) {
		if (count != s->count)
			return (rx_drop(r, rx, OVL_DROP_BAD_INDEX));
		if (s->have & (1U << idx))
			return (rx_drop(r, rx, OVL_DROP_DUPLICATE));
		why = frag_check(count, last, dlen, s->chunk, s->lastlen);
		if (why != OVL_DROP_NONE)
			return (rx_drop(r, rx, why));
	} else {
		/* Check before a bad fragment can take (or evict) a slot. */
		why = frag_check(count, last, dlen, 0, 0);
		if (why != OVL_DROP_NONE)
			return (rx_drop(r, rx, why));
		if ((s = slot_take(r)) == NULL)
			return (rx_drop(r, rx, OVL_DROP_TABLE_FULL));
		s->first_ms = now_ms;
		s->chunk = 0;
		s->lastlen = 0;
		s->id = id;
		s->count = count;
		s->have = 0;
	}

	if (last) {
		memcpy(s->buf + OVL_MAX_FRAME - dlen, data, dlen);
		s->lastlen = dlen;
	} else {
		memcpy(s->buf + idx * dlen, data, dlen);
		s->chunk = dlen;
	}
	s->have |= 1U << idx;
	r->stats.fragments++;

	if (s->have != (1U << count) - 1)
		return (OVL_RX_PENDING);

	total = s->chunk * (count - 1) + s->lastlen;
	memmove(s->buf + s->chunk * (count - 1),
	    s->buf + OVL_MAX_FRAME - s->lastlen, s->lastlen);
	slot_release(r, s);
	if (total < OVL_MIN_FRAME)
		return (rx_drop(r, rx, OVL_DROP_SHORT));
	r->stats.reassembled++;
	rx->frame = s->buf;
	rx->len = total;
	return (OVL_RX_FRAME);
}

/*
 * Check a fragment against what its frame's other fragments said (chunk,
 * lastlen; 0 when not yet known): non-last fragments all have the same
 * length, the last is no longer, and the smallest frame consistent with
 * them all still fits OVL_MAX_FRAME.  dlen is at most OVL_MAX_FRAME, so
 * nothing here overflows.
 */
static enum ovl_drop
frag_check(size_t count, int last, size_t dlen, size_t chunk, size_t lastlen)
{
	size_t	 min;

	if (last) {
		if (chunk != 0 && dlen > chunk)
			return (OVL_DROP_BAD_LENGTH);
		min = (chunk != 0 ? chunk : dlen) * (count - 1) + dlen;
	} else {
		if (chunk != 0 && dlen != chunk)
			return (OVL_DROP_BAD_LENGTH);
		if (lastlen != 0 && lastlen > dlen)
			return (OVL_DROP_BAD_LENGTH);
		min = dlen * (count - 1) + (lastlen != 0 ? lastlen : 1);
	}
	if (min > OVL_MAX_FRAME)
		return (OVL_DROP_OVERSIZE);
	return (OVL_DROP_NONE);
}

/*
 * Reclaim every slot older than the timeout; each counts as one timeout.
 * Returns how many were reclaimed.  Call it from a timer armed with
 * ovl_reasm_next_expiry(); ovl_reasm_input() also calls it for fragments.
 */
size_t
ovl_reasm_expire(struct ovl_reasm *r, uint64_t now_ms)
{
	struct ovl_slot	*s;
	size_t		 i, n = 0;

	for (i = 0; i < r->nslots && r->busy > 0; i++) {
		s = &r->slots[i];
		if (s->used && slot_expired(r, s, now_ms)) {
			slot_release(r, s);
			r->stats.drop_timeout++;
			n++;
		}
	}
	return (n);
}

/* When the oldest incomplete frame expires; 0 if there is none. */
int
ovl_reasm_next_expiry(const struct ovl_reasm *r, uint64_t *when_ms)
{
	const struct ovl_slot	*s;
	uint64_t		 t, best = UINT64_MAX;
	size_t			 i;
	int			 found = 0;

	for (i = 0; i < r->nslots; i++) {
		s = &r->slots[i];
		if (!s->used)
			continue;
		if (s->first_ms > UINT64_MAX - r->timeout_ms)
			t = UINT64_MAX;
		else
			t = s->first_ms + r->timeout_ms;
		if (!found || t < best)
			best = t;
		found = 1;
	}
	if (found)
		*when_ms = best;
	return (found);
}

/* Incomplete frames held. */
size_t
ovl_reasm_pending(const struct ovl_reasm *r)
{
	return (r->busy);
}

static int
rx_drop(struct ovl_reasm *r, struct ovl_rx *rx, enum ovl_drop why)
{
	struct ovl_rx_stats	*st = &r->stats;

	switch (why) {
	case OVL_DROP_SHORT:
		st->drop_short++;
		break;
	case OVL_DROP_UNKNOWN_KIND:
		st->drop_unknown_kind++;
		break;
	case OVL_DROP_BAD_INDEX:
		st->drop_bad_index++;
		break;
	case OVL_DROP_BAD_LENGTH:
		st->drop_bad_length++;
		break;
	case OVL_DROP_DUPLICATE:
		st->drop_duplicate++;
		break;
	case OVL_DROP_OVERSIZE:
		st->drop_oversize++;
		break;
	case OVL_DROP_TABLE_FULL:
		st->drop_table_full++;
		break;
	case OVL_DROP_TIMEOUT:
		st->drop_timeout++;
		break;
	case OVL_DROP_NONE:
		break;
	}
	rx->frame = NULL;
	rx->len = 0;
	rx->drop = why;
	return (OVL_RX_DROP);
}

static struct ovl_slot *
slot_find(struct ovl_reasm *r, uint16_t id)
{
	size_t	 i;

	if (r->busy == 0)
		return (NULL);
	for (i = 0; i < r->nslots; i++)
		if (r->slots[i].used && r->slots[i].id == id)
			return (&r->slots[i]);
	return (NULL);
}

/*
 * A free slot, or the oldest busy one, evicted (counted as table_full).
 * NULL only for a table without slots (after ovl_reasm_free()).
 */
static struct ovl_slot *
slot_take(struct ovl_reasm *r)
{
	struct ovl_slot	*s, *oldest = NULL;
	size_t		 i;

	for (i = 0; i < r->nslots; i++) {
		s = &r->slots[i];
		if (!s->used) {
			s->used = 1;
			r->busy++;
			return (s);
		}
		if (oldest == NULL || s->first_ms < oldest->first_ms)
			oldest = s;
	}
	if (oldest != NULL)
		r->stats.drop_table_full++;
	return (oldest);
}

static void
slot_release(struct ovl_reasm *r, struct ovl_slot *s)
{
	s->used = 0;
	s->have = 0;
	r->busy--;
}

static int
slot_expired(const struct ovl_reasm *r, const struct ovl_slot *s,
    uint64_t now_ms)
{
	return (now_ms >= s->first_ms &&
	    now_ms - s->first_ms >= r->timeout_ms);
}

/*
 * Counter names and values, for the control socket and stats messages.
 * Names are NULL past the end.
 */

const char *
ovl_drop_name(enum ovl_drop why)
{
	if ((size_t)why >= nitems(drop_names))
		return ("unknown");
	return (drop_names[why]);
}

static uint64_t
stat_read(const void *stats, size_t off)
{
	uint64_t	 v;

	memcpy(&v, (const uint8_t *)stats + off, sizeof(v));
	return (v);
}

const char *
ovl_tx_stat_name(size_t i)
{
	if (i >= nitems(tx_stat_tab))
		return (NULL);
	return (tx_stat_tab[i].name);
}

uint64_t
ovl_tx_stat_value(const struct ovl_tx_stats *st, size_t i)
{
	if (i >= nitems(tx_stat_tab))
		return (0);
	return (stat_read(st, tx_stat_tab[i].off));
}

const char *
ovl_rx_stat_name(size_t i)
{
	if (i >= nitems(rx_stat_tab))
		return (NULL);
	return (rx_stat_tab[i].name);
}

uint64_t
ovl_rx_stat_value(const struct ovl_rx_stats *st, size_t i)
{
	if (i >= nitems(rx_stat_tab))
		return (0);
	return (stat_read(st, rx_stat_tab[i].off));
}

static void
stat_add(void *to, const void *from, const struct stat_desc *tab, size_t n)
{
	uint64_t	 a, b;
	size_t		 i;

	for (i = 0; i < n; i++) {
		a = stat_read(to, tab[i].off);
		b = stat_read(from, tab[i].off);
		a += b;
		memcpy((uint8_t *)to + tab[i].off, &a, sizeof(a));
	}
}

/* to += from, counter by counter (a closed connection into totals). */
void
ovl_tx_stats_add(struct ovl_tx_stats *to, const struct ovl_tx_stats *from)
{
	stat_add(to, from, tx_stat_tab, nitems(tx_stat_tab));
}

void
ovl_rx_stats_add(struct ovl_rx_stats *to, const struct ovl_rx_stats *from)
{
	stat_add(to, from, rx_stat_tab, nitems(rx_stat_tab));
}
