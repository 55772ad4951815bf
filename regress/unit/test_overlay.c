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
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "compat.h"
#include "mtu.h"
#include "overlay.h"

#define DGMAX		2048
#define BUDGET_MIN	1135	/* mtu_frame_budget(1200, 8) */

struct dgrams {
	int		 n;
	uint8_t		 buf[OVL_MAX_FRAGS][DGMAX];
	size_t		 len[OVL_MAX_FRAGS];
};

static struct ovl_tx	 tx;
static struct ovl_reasm	 ra;

static void
setup(void)
{
	ovl_tx_init(&tx, 0);
	cr_assert_eq(ovl_reasm_init(&ra, 0, 0), 0);
}

static void
teardown(void)
{
	ovl_reasm_free(&ra);
}

TestSuite(overlay, .init = setup, .fini = teardown);

static void
fill(uint8_t *frame, size_t len, unsigned int seed)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		frame[i] = (uint8_t)(i * 131 + seed * 7 + (i >> 8));
}

/* Encode and flatten; checks that every datagram respects the budget. */
static int
encode(const uint8_t *frame, size_t len, size_t budget, struct dgrams *d)
{
	struct ovl_piece	 p[OVL_MAX_FRAGS];
	int			 i;

	memset(d, 0, sizeof(*d));
	d->n = ovl_encode(&tx, frame, len, budget, p);
	for (i = 0; i < d->n; i++) {
		d->len[i] = ovl_piece_copy(&p[i], d->buf[i], DGMAX);
		cr_assert_gt(d->len[i], 0);
		cr_assert_leq(d->len[i], budget + 1,
		    "datagram %d is %zu bytes, budget %zu", i, d->len[i],
		    budget);
	}
	return (d->n);
}

static int
feed(const uint8_t *dg, size_t len, uint64_t now, struct ovl_rx *rx)
{
	return (ovl_reasm_input(&ra, dg, len, now, rx));
}

/* Build a fragment datagram by hand. */
static size_t
frag(uint8_t *dg, uint16_t id, unsigned int idx, unsigned int count,
    const uint8_t *data, size_t len)
{
	dg[0] = OVL_KIND_FRAG;
	dg[1] = id >> 8;
	dg[2] = id & 0xff;
	dg[3] = (uint8_t)((idx << 4) | count);
	memcpy(dg + 4, data, len);
	return (len + 4);
}

static void
expect_rx(uint64_t whole, uint64_t reasm, uint64_t frags)
{
	cr_expect_eq(ra.stats.whole, whole, "whole %llu",
	    (unsigned long long)ra.stats.whole);
	cr_expect_eq(ra.stats.reassembled, reasm, "reassembled %llu",
	    (unsigned long long)ra.stats.reassembled);
	cr_expect_eq(ra.stats.fragments, frags, "fragments %llu",
	    (unsigned long long)ra.stats.fragments);
}

/* Every drop counter; the order is that of struct ovl_rx_stats. */
static void
expect_drops(uint64_t shrt, uint64_t kind, uint64_t idx, uint64_t len,
    uint64_t dup, uint64_t over, uint64_t full, uint64_t tmo)
{
	cr_expect_eq(ra.stats.drop_short, shrt, "short %llu",
	    (unsigned long long)ra.stats.drop_short);
	cr_expect_eq(ra.stats.drop_unknown_kind, kind, "unknown kind %llu",
	    (unsigned long long)ra.stats.drop_unknown_kind);
	cr_expect_eq(ra.stats.drop_bad_index, idx, "bad index %llu",
	    (unsigned long long)ra.stats.drop_bad_index);
	cr_expect_eq(ra.stats.drop_bad_length, len, "bad length %llu",
	    (unsigned long long)ra.stats.drop_bad_length);
	cr_expect_eq(ra.stats.drop_duplicate, dup, "duplicate %llu",
	    (unsigned long long)ra.stats.drop_duplicate);
	cr_expect_eq(ra.stats.drop_oversize, over, "oversize %llu",
	    (unsigned long long)ra.stats.drop_oversize);
	cr_expect_eq(ra.stats.drop_table_full, full, "table full %llu",
	    (unsigned long long)ra.stats.drop_table_full);
	cr_expect_eq(ra.stats.drop_timeout, tmo, "timeout %llu",
	    (unsigned long long)ra.stats.drop_timeout);
}

static void
expect_frame(const struct ovl_rx *rx, const uint8_t *frame, size_t len)
{
	cr_assert_not_null(rx->frame);
	cr_assert_eq(rx->len, len, "frame of %zu bytes, want %zu", rx->len,
	    len);
	cr_assert_eq(memcmp(rx->frame, frame, len), 0, "frame bytes differ");
	cr_assert_eq(rx->drop, OVL_DROP_NONE);
}

Test(overlay, whole_frame_round_trip_zero_copy)
{
	uint8_t		 frame[60];
	struct dgrams	 d;
	struct ovl_rx	 rx;

	fill(frame, sizeof(frame), 1);
	cr_assert_eq(encode(frame, sizeof(frame), BUDGET_MIN, &d), 1);
	cr_assert_eq(d.len[0], 61);
	cr_assert_eq(d.buf[0][0], OVL_KIND_FRAME);
	cr_assert_eq(memcmp(d.buf[0] + 1, frame, sizeof(frame)), 0);

	cr_assert_eq(feed(d.buf[0], d.len[0], 0, &rx), OVL_RX_FRAME);
	expect_frame(&rx, frame, sizeof(frame));
	cr_assert_eq(rx.frame, d.buf[0] + 1, "whole frames are not copied");
	expect_rx(1, 0, 0);
	expect_drops(0, 0, 0, 0, 0, 0, 0, 0);
	cr_assert_eq(tx.stats.whole, 1);
	cr_assert_eq(tx.stats.fragmented, 0);
	cr_assert_eq(tx.next_id, 0, "whole frames use no frame id");
}

Test(overlay, piece_points_into_frame)
{
	uint8_t			 frame[200];
	struct ovl_piece	 p[OVL_MAX_FRAGS];
	uint8_t			 small[100];

	fill(frame, sizeof(frame), 2);
	cr_assert_eq(ovl_encode(&tx, frame, sizeof(frame), 150, p), 2);
	cr_assert_eq(p[0].data, frame);
	cr_assert_eq(p[0].datalen, 100);
	cr_assert_eq(p[1].data, frame + 100);
	cr_assert_eq(p[1].datalen, 100);
	cr_assert_eq(ovl_piece_len(&p[0]), 104);
	cr_assert_eq(ovl_piece_copy(&p[0], small, sizeof(small)), 0,
	    "a piece is never truncated");
	cr_assert_eq(ovl_piece_copy(&p[0], small, 103), 0);
}

Test(overlay, fragment_header_layout)
{
	uint8_t		 frame[1000];
	struct dgrams	 d;
	int		 i;

	fill(frame, sizeof(frame), 3);
	tx.next_id = 0x1234;
	cr_assert_eq(encode(frame, sizeof(frame), 300, &d), 4);
	/* 297 bytes per fragment -> 4 fragments of 250 */
	for (i = 0; i < 4; i++) {
		cr_assert_eq(d.len[i], 254);
		cr_assert_eq(d.buf[i][0], OVL_KIND_FRAG);
		cr_assert_eq(d.buf[i][1], 0x12);
		cr_assert_eq(d.buf[i][2], 0x34);
		cr_assert_eq(d.buf[i][3], (i << 4) | 4, "index/count %#x",
		    d.buf[i][3]);
		cr_assert_eq(memcmp(d.buf[i] + 4, frame + i * 250, 250), 0);
	}
	cr_assert_eq(tx.next_id, 0x1235);
	cr_assert_eq(tx.stats.fragmented, 1);
	cr_assert_eq(tx.stats.fragments, 4);
	cr_assert_eq(tx.stats.whole, 0);
}

Test(overlay, exact_budget_is_one_datagram_one_more_is_two)
{
	uint8_t		 frame[BUDGET_MIN + 1];
	struct dgrams	 d;
	struct ovl_rx	 rx;

	fill(frame, sizeof(frame), 4);
	cr_assert_eq(encode(frame, BUDGET_MIN, BUDGET_MIN, &d), 1);
	cr_assert_eq(d.len[0], BUDGET_MIN + 1);
	cr_assert_eq(feed(d.buf[0], d.len[0], 0, &rx), OVL_RX_FRAME);
	expect_frame(&rx, frame, BUDGET_MIN);

	cr_assert_eq(encode(frame, BUDGET_MIN + 1, BUDGET_MIN, &d), 2);
	cr_assert_eq(d.len[0], 4 + (BUDGET_MIN + 1) / 2);
	cr_assert_eq(d.len[1], 4 + (BUDGET_MIN + 1) / 2);
	cr_assert_eq(feed(d.buf[0], d.len[0], 0, &rx), OVL_RX_PENDING);
	cr_assert_null(rx.frame);
	cr_assert_eq(feed(d.buf[1], d.len[1], 0, &rx), OVL_RX_FRAME);
	expect_frame(&rx, frame, BUDGET_MIN + 1);

	expect_rx(1, 1, 2);
	expect_drops(0, 0, 0, 0, 0, 0, 0, 0);
	cr_assert_eq(tx.stats.whole, 1);
	cr_assert_eq(tx.stats.fragmented, 1);
	cr_assert_eq(tx.stats.fragments, 2);
	cr_assert_eq(ovl_reasm_pending(&ra), 0);
}

Test(overlay, full_frame_at_minimum_path)
{
	uint8_t		 frame[1518];
	struct dgrams	 d;
	struct ovl_rx	 rx;
	size_t		 budget;

	budget = mtu_frame_budget(1200, 8);
	cr_assert_eq(budget, BUDGET_MIN);
	fill(frame, sizeof(frame), 5);
	cr_assert_eq(encode(frame, sizeof(frame), budget, &d), 2);
	/* what ngtcp2 accepts at U=1200, 8-byte CID, 4-byte PN */
	cr_assert_leq(d.len[0], 1168);
	cr_assert_leq(d.len[1], 1168);
	cr_assert_eq(d.len[0] + d.len[1], 1518 + 8);

	cr_assert_eq(feed(d.buf[0], d.len[0], 10, &rx), OVL_RX_PENDING);
	cr_assert_eq(ovl_reasm_pending(&ra), 1);
	cr_assert_eq(feed(d.buf[1], d.len[1], 11, &rx), OVL_RX_FRAME);
	expect_frame(&rx, frame, sizeof(frame));
	cr_assert_eq(ovl_reasm_pending(&ra), 0);
	expect_rx(0, 1, 2);
	expect_drops(0, 0, 0, 0, 0, 0, 0, 0);
}

Test(overlay, four_fragments_reversed)
{
	uint8_t		 frame[1518];
	struct dgrams	 d;
	struct ovl_rx	 rx;
	int		 i;

	fill(frame, sizeof(frame), 6);
	/* 397 bytes per fragment: 4 of 380, the last 378 */
	cr_assert_eq(encode(frame, sizeof(frame), 400, &d), 4);
	cr_assert_eq(d.len[0], 384);
	cr_assert_eq(d.len[3], 382);
	for (i = 3; i > 0; i--)
		cr_assert_eq(feed(d.buf[i], d.len[i], 0, &rx),
		    OVL_RX_PENDING, "fragment %d", i);
	cr_assert_eq(feed(d.buf[0], d.len[0], 0, &rx), OVL_RX_FRAME);
	expect_frame(&rx, frame, sizeof(frame));
	expect_rx(0, 1, 4);
	expect_drops(0, 0, 0, 0, 0, 0, 0, 0);
}

Test(overlay, every_order_of_four_fragments)
{
	static const int perms[][4] = {
		{ 0, 1, 2, 3 }, { 3, 2, 1, 0 }, { 1, 3, 0, 2 },
		{ 2, 0, 3, 1 }, { 3, 0, 1, 2 }, { 0, 3, 2, 1 },
	};
	uint8_t		 frame[1500];
	struct dgrams	 d;
	struct ovl_rx	 rx;
	size_t		 p;
	int		 i, r;

	fill(frame, sizeof(frame), 7);
	for (p = 0; p < nitems(perms); p++) {
		cr_assert_eq(encode(frame, sizeof(frame), 390, &d), 4);
		for (i = 0; i < 4; i++) {
			r = feed(d.buf[perms[p][i]], d.len[perms[p][i]], p,
			    &rx);
			cr_assert_eq(r, i == 3 ? OVL_RX_FRAME : OVL_RX_PENDING,
			    "perm %zu step %d", p, i);
		}
		expect_frame(&rx, frame, sizeof(frame));
	}
	expect_rx(0, nitems(perms), 4 * nitems(perms));
	expect_drops(0, 0, 0, 0, 0, 0, 0, 0);
}

Test(overlay, duplicated_fragments)
{
	uint8_t		 frame[1400];
	struct dgrams	 d;
	struct ovl_rx	 rx;

	fill(frame, sizeof(frame), 8);
	cr_assert_eq(encode(frame, sizeof(frame), 500, &d), 3);
	cr_assert_eq(feed(d.buf[0], d.len[0], 0, &rx), OVL_RX_PENDING);
	cr_assert_eq(feed(d.buf[0], d.len[0], 0, &rx), OVL_RX_DROP);
	cr_assert_eq(rx.drop, OVL_DROP_DUPLICATE);
	cr_assert_null(rx.frame);
	cr_assert_eq(feed(d.buf[2], d.len[2], 0, &rx), OVL_RX_PENDING);
	cr_assert_eq(feed(d.buf[2], d.len[2], 0, &rx), OVL_RX_DROP);
	cr_assert_eq(feed(d.buf[0], d.len[0], 0, &rx), OVL_RX_DROP);
	cr_assert_eq(feed(d.buf[1], d.len[1], 0, &rx), OVL_RX_FRAME);
	expect_frame(&rx, frame, sizeof(frame));
	expect_rx(0, 1, 3);
	expect_drops(0, 0, 0, 0, 3, 0, 0, 0);
}

Test(overlay, missing_fragment_times_out_on_input)
{
	uint8_t		 frame[1518], other[60];
	struct dgrams	 d, w;
	struct ovl_rx	 rx;
	uint64_t	 when;

	fill(frame, sizeof(frame), 9);
	fill(other, sizeof(other), 10);
	cr_assert_eq(ovl_reasm_next_expiry(&ra, &when), 0);
	cr_assert_eq(encode(frame, sizeof(frame), BUDGET_MIN, &d), 2);
	cr_assert_eq(feed(d.buf[0], d.len[0], 1000, &rx), OVL_RX_PENDING);
	cr_assert_eq(ovl_reasm_next_expiry(&ra, &when), 1);
	cr_assert_eq(when, 1000 + OVL_REASM_TIMEOUT_MS);

	/* Whole frames pass while the fragment waits. */
	cr_assert_eq(encode(other, sizeof(other), BUDGET_MIN, &w), 1);
	cr_assert_eq(feed(w.buf[0], w.len[0], 1099, &rx), OVL_RX_FRAME);
	cr_assert_eq(ovl_reasm_pending(&ra), 1);
	cr_assert_eq(ra.stats.drop_timeout, 0);

	/* A fragment of another frame at 1100 ms reclaims the slot. */
	cr_assert_eq(encode(frame, sizeof(frame), BUDGET_MIN, &d), 2);
	cr_assert_eq(feed(d.buf[1], d.len[1], 1100, &rx), OVL_RX_PENDING);
	cr_assert_eq(ra.stats.drop_timeout, 1);
	cr_assert_eq(ovl_reasm_pending(&ra), 1);
	expect_rx(1, 0, 2);
	expect_drops(0, 0, 0, 0, 0, 0, 0, 1);
}

Test(overlay, missing_fragment_times_out_on_timer)
{
	uint8_t		 frame[1518];
	struct dgrams	 d;
	struct ovl_rx	 rx;

	fill(frame, sizeof(frame), 11);
	cr_assert_eq(encode(frame, sizeof(frame), BUDGET_MIN, &d), 2);
	cr_assert_eq(feed(d.buf[1], d.len[1], 50, &rx), OVL_RX_PENDING);
	cr_assert_eq(ovl_reasm_expire(&ra, 50), 0);
	cr_assert_eq(ovl_reasm_expire(&ra, 149), 0);
	cr_assert_eq(ra.stats.drop_timeout, 0);
	cr_assert_eq(ovl_reasm_expire(&ra, 150), 1);
	cr_assert_eq(ra.stats.drop_timeout, 1);
	cr_assert_eq(ovl_reasm_pending(&ra), 0);
	cr_assert_eq(ovl_reasm_expire(&ra, 10000), 0);

	/* The late fragment starts over: it never completes a frame. */
	cr_assert_eq(feed(d.buf[0], d.len[0], 151, &rx), OVL_RX_PENDING);
	cr_assert_eq(ovl_reasm_expire(&ra, 251), 1);
	expect_rx(0, 0, 2);
	expect_drops(0, 0, 0, 0, 0, 0, 0, 2);
}

Test(overlay, clock_going_back_expires_nothing)
{
	uint8_t		 frame[1518];
	struct dgrams	 d;
	struct ovl_rx	 rx;

	fill(frame, sizeof(frame), 12);
	cr_assert_eq(encode(frame, sizeof(frame), BUDGET_MIN, &d), 2);
	cr_assert_eq(feed(d.buf[0], d.len[0], 5000, &rx), OVL_RX_PENDING);
	cr_assert_eq(ovl_reasm_expire(&ra, 0), 0);
	cr_assert_eq(feed(d.buf[1], d.len[1], 4000, &rx), OVL_RX_FRAME);
	expect_frame(&rx, frame, sizeof(frame));
}

Test(overlay, configured_timeout_and_slots)
{
	struct ovl_reasm	 r;
	uint8_t			 dg[64], data[30];
	struct ovl_rx		 rx;
	uint64_t		 when;

	fill(data, sizeof(data), 13);
	cr_assert_eq(ovl_reasm_init(&r, 2, 250), 0);
	cr_assert_eq(r.nslots, 2);
	frag(dg, 1, 0, 2, data, sizeof(data));
	cr_assert_eq(ovl_reasm_input(&r, dg, 34, 0, &rx), OVL_RX_PENDING);
	cr_assert_eq(ovl_reasm_next_expiry(&r, &when), 1);
	cr_assert_eq(when, 250);
	cr_assert_eq(ovl_reasm_expire(&r, 249), 0);
	cr_assert_eq(ovl_reasm_expire(&r, 250), 1);
	cr_assert_eq(r.stats.drop_timeout, 1);
	ovl_reasm_free(&r);
	cr_assert_null(r.slots);

	/* a freed reassembler drops fragments instead of crashing */
	cr_assert_eq(ovl_reasm_input(&r, dg, 34, 300, &rx), OVL_RX_DROP);
	cr_assert_eq(rx.drop, OVL_DROP_TABLE_FULL);
	cr_assert_eq(r.stats.drop_table_full, 1);

	errno = 0;
	cr_assert_eq(ovl_reasm_init(&r, OVL_REASM_MAXSLOTS + 1, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(ovl_reasm_init(&r, OVL_REASM_MAXSLOTS, 0), 0);
	cr_assert_eq(r.timeout_ms, OVL_REASM_TIMEOUT_MS);
	ovl_reasm_free(&r);
}

Test(overlay, table_full_evicts_oldest)
{
	struct ovl_reasm	 r;
	uint8_t			 dg[64], data[30];
	struct ovl_rx		 rx;
	uint16_t		 id;

	fill(data, sizeof(data), 14);
	cr_assert_eq(ovl_reasm_init(&r, 4, 0), 0);
	/* ids 10..13 at 0..3 ms, each missing its second fragment */
	for (id = 10; id < 14; id++) {
		frag(dg, id, 0, 2, data, sizeof(data));
		cr_assert_eq(ovl_reasm_input(&r, dg, 34, id - 10, &rx),
		    OVL_RX_PENDING);
	}
	cr_assert_eq(ovl_reasm_pending(&r), 4);
	cr_assert_eq(r.stats.drop_table_full, 0);

	/* id 14 evicts id 10, the oldest */
	frag(dg, 14, 0, 2, data, sizeof(data));
	cr_assert_eq(ovl_reasm_input(&r, dg, 34, 4, &rx), OVL_RX_PENDING);
	cr_assert_eq(r.stats.drop_table_full, 1);
	cr_assert_eq(ovl_reasm_pending(&r), 4);

	/* id 11 survived and completes */
	frag(dg, 11, 1, 2, data, 20);
	cr_assert_eq(ovl_reasm_input(&r, dg, 24, 5, &rx), OVL_RX_FRAME);
	cr_assert_eq(rx.len, 50);
	cr_assert_eq(memcmp(rx.frame, data, 30), 0);
	cr_assert_eq(memcmp(rx.frame + 30, data, 20), 0);
	cr_assert_eq(ovl_reasm_pending(&r), 3);

	/* id 14 completes too */
	frag(dg, 14, 1, 2, data, 30);
	cr_assert_eq(ovl_reasm_input(&r, dg, 34, 6, &rx), OVL_RX_FRAME);
	cr_assert_eq(rx.len, 60);

	/* id 10's second half finds no first half: it waits alone */
	frag(dg, 10, 1, 2, data, 20);
	cr_assert_eq(ovl_reasm_input(&r, dg, 24, 7, &rx), OVL_RX_PENDING);
	cr_assert_eq(r.stats.reassembled, 2);
	cr_assert_eq(r.stats.fragments, 8);
	cr_assert_eq(r.stats.drop_table_full, 1);
	cr_assert_eq(r.stats.drop_timeout, 0);

	/* Expired slots are reclaimed first, never counted as table full. */
	for (id = 20; id < 24; id++) {
		frag(dg, id, 0, 2, data, sizeof(data));
		cr_assert_eq(ovl_reasm_input(&r, dg, 34, 1000, &rx),
		    OVL_RX_PENDING);
	}
	cr_assert_eq(r.stats.drop_timeout, 3);	/* 10, 12, 13 */
	cr_assert_eq(r.stats.drop_table_full, 1);
	cr_assert_eq(ovl_reasm_pending(&r), 4);
	ovl_reasm_free(&r);
}

Test(overlay, five_fragments_refused)
{
	uint8_t			 frame[OVL_MAX_FRAME + 1];
	struct ovl_piece	 p[OVL_MAX_FRAGS];

	fill(frame, sizeof(frame), 15);
	tx.next_id = 77;
	/* budget 382: 379 bytes per fragment, 1516 in four */
	cr_assert_eq(ovl_encode(&tx, frame, 1516, 382, p), 4);
	cr_assert_eq(ovl_encode(&tx, frame, 1517, 382, p), OVL_ERR_TOOBIG);
	cr_assert_eq(ovl_encode(&tx, frame, 1518, 382, p), OVL_ERR_TOOBIG);
	cr_assert_eq(ovl_encode(&tx, frame, 1000, 100, p), OVL_ERR_TOOBIG);
	/* no room for a fragment at all */
	cr_assert_eq(ovl_encode(&tx, frame, 60, 3, p), OVL_ERR_TOOBIG);
	cr_assert_eq(ovl_encode(&tx, frame, 60, 0, p), OVL_ERR_TOOBIG);
	/* larger than any frame the receiver takes, even if it fits */
	cr_assert_eq(ovl_encode(&tx, frame, OVL_MAX_FRAME + 1, 4000, p),
	    OVL_ERR_TOOBIG);
	cr_assert_eq(ovl_encode(&tx, frame, OVL_MAX_FRAME, 4000, p), 1);
	cr_assert_eq(tx.stats.refused_toobig, 6);
	cr_assert_eq(tx.stats.fragmented, 1);
	cr_assert_eq(tx.stats.whole, 1);
	cr_assert_eq(tx.next_id, 78, "refused frames use no frame id");
}

Test(overlay, runt_frames_refused)
{
	uint8_t			 frame[20];
	struct ovl_piece	 p[OVL_MAX_FRAGS];

	fill(frame, sizeof(frame), 16);
	cr_assert_eq(ovl_encode(&tx, frame, 0, BUDGET_MIN, p), OVL_ERR_SHORT);
	cr_assert_eq(ovl_encode(&tx, frame, 13, BUDGET_MIN, p),
	    OVL_ERR_SHORT);
	cr_assert_eq(ovl_encode(&tx, frame, 14, BUDGET_MIN, p), 1);
	cr_assert_eq(tx.stats.refused_short, 2);
	cr_assert_eq(tx.stats.refused_toobig, 0);
}

Test(overlay, bad_index_and_count)
{
	uint8_t		 dg[64], data[40];
	struct ovl_rx	 rx;

	fill(data, sizeof(data), 17);
	/* index >= count */
	frag(dg, 1, 2, 2, data, 30);
	cr_assert_eq(feed(dg, 34, 0, &rx), OVL_RX_DROP);
	cr_assert_eq(rx.drop, OVL_DROP_BAD_INDEX);
	frag(dg, 1, 15, 3, data, 30);
	cr_assert_eq(feed(dg, 34, 0, &rx), OVL_RX_DROP);
	/* count 0 */
	frag(dg, 1, 0, 0, data, 30);
	cr_assert_eq(feed(dg, 34, 0, &rx), OVL_RX_DROP);
	/* count 5 and 15 */
	frag(dg, 1, 0, 5, data, 30);
	cr_assert_eq(feed(dg, 34, 0, &rx), OVL_RX_DROP);
	frag(dg, 1, 1, 15, data, 30);
	cr_assert_eq(feed(dg, 34, 0, &rx), OVL_RX_DROP);
	cr_assert_eq(ovl_reasm_pending(&ra), 0, "no slot taken");

	/* count differs from the first fragment's */
	frag(dg, 2, 0, 3, data, 30);
	cr_assert_eq(feed(dg, 34, 0, &rx), OVL_RX_PENDING);
	frag(dg, 2, 1, 2, data, 30);
	cr_assert_eq(feed(dg, 34, 0, &rx), OVL_RX_DROP);
	cr_assert_eq(rx.drop, OVL_DROP_BAD_INDEX);
	frag(dg, 2, 3, 4, data, 30);
	cr_assert_eq(feed(dg, 34, 0, &rx), OVL_RX_DROP);
	/* the slot is intact: the right fragments still complete it */
	frag(dg, 2, 1, 3, data, 30);
	cr_assert_eq(feed(dg, 34, 0, &rx), OVL_RX_PENDING);
	frag(dg, 2, 2, 3, data, 10);
	cr_assert_eq(feed(dg, 14, 0, &rx), OVL_RX_FRAME);
	cr_assert_eq(rx.len, 70, "len %zu", rx.len);

	expect_rx(0, 1, 3);
	expect_drops(0, 0, 7, 0, 0, 0, 0, 0);
	cr_assert_str_eq(ovl_drop_name(OVL_DROP_BAD_INDEX), "bad-index");
}

Test(overlay, bad_fragment_lengths)
{
	uint8_t		 dg[64], data[40];
	struct ovl_rx	 rx;

	fill(data, sizeof(data), 18);
	/* non-last fragments of different lengths */
	frag(dg, 5, 0, 3, data, 30);
	cr_assert_eq(feed(dg, 34, 0, &rx), OVL_RX_PENDING);
	frag(dg, 5, 1, 3, data, 29);
	cr_assert_eq(feed(dg, 33, 0, &rx), OVL_RX_DROP);
	cr_assert_eq(rx.drop, OVL_DROP_BAD_LENGTH);
	/* last longer than the others */
	frag(dg, 5, 2, 3, data, 31);
	cr_assert_eq(feed(dg, 35, 0, &rx), OVL_RX_DROP);
	cr_assert_eq(rx.drop, OVL_DROP_BAD_LENGTH);

	/* last first, then a shorter non-last one */
	frag(dg, 6, 1, 2, data, 20);
	cr_assert_eq(feed(dg, 24, 0, &rx), OVL_RX_PENDING);
	frag(dg, 6, 0, 2, data, 19);
	cr_assert_eq(feed(dg, 23, 0, &rx), OVL_RX_DROP);
	cr_assert_eq(rx.drop, OVL_DROP_BAD_LENGTH);
	/* an equal one is fine: 20 + 20 */
	frag(dg, 6, 0, 2, data + 5, 20);
	cr_assert_eq(feed(dg, 24, 0, &rx), OVL_RX_FRAME);
	cr_assert_eq(rx.len, 40);
	cr_assert_eq(memcmp(rx.frame, data + 5, 20), 0);
	cr_assert_eq(memcmp(rx.frame + 20, data, 20), 0);

	expect_rx(0, 1, 3);
	expect_drops(0, 0, 0, 3, 0, 0, 0, 0);
	cr_assert_eq(ovl_reasm_pending(&ra), 1);
}

Test(overlay, oversize)
{
	static uint8_t	 dg[DGMAX], data[DGMAX];
	struct ovl_rx	 rx;

	fill(data, sizeof(data), 19);
	/* whole frame one byte too long */
	dg[0] = OVL_KIND_FRAME;
	memcpy(dg + 1, data, OVL_MAX_FRAME + 1);
	cr_assert_eq(feed(dg, OVL_MAX_FRAME + 2, 0, &rx), OVL_RX_DROP);
	cr_assert_eq(rx.drop, OVL_DROP_OVERSIZE);
	cr_assert_eq(feed(dg, OVL_MAX_FRAME + 1, 0, &rx), OVL_RX_FRAME);

	/* count 4: a non-last fragment of 508 means >= 3 * 508 + 1 */
	frag(dg, 9, 0, 4, data, 508);
	cr_assert_eq(feed(dg, 512, 0, &rx), OVL_RX_DROP);
	cr_assert_eq(rx.drop, OVL_DROP_OVERSIZE);
	cr_assert_eq(ovl_reasm_pending(&ra), 0, "no slot taken");
	/* a last fragment of 381 means >= 4 * 381 */
	frag(dg, 9, 3, 4, data, 381);
	cr_assert_eq(feed(dg, 385, 0, &rx), OVL_RX_DROP);
	cr_assert_eq(rx.drop, OVL_DROP_OVERSIZE);
	cr_assert_eq(ovl_reasm_pending(&ra), 0, "no slot taken");

	/* 3 * 507 and a last byte make exactly OVL_MAX_FRAME */
	frag(dg, 12, 0, 4, data, 507);
	cr_assert_eq(feed(dg, 511, 0, &rx), OVL_RX_PENDING);
	frag(dg, 12, 3, 4, data + 1521, 2);
	cr_assert_eq(feed(dg, 6, 0, &rx), OVL_RX_DROP);
	cr_assert_eq(rx.drop, OVL_DROP_OVERSIZE);
	frag(dg, 12, 3, 4, data + 1521, 1);
	cr_assert_eq(feed(dg, 5, 0, &rx), OVL_RX_PENDING);
	frag(dg, 12, 1, 4, data + 507, 507);
	cr_assert_eq(feed(dg, 511, 0, &rx), OVL_RX_PENDING);
	frag(dg, 12, 2, 4, data + 1014, 507);
	cr_assert_eq(feed(dg, 511, 0, &rx), OVL_RX_FRAME);
	expect_frame(&rx, data, OVL_MAX_FRAME);

	/* a single fragment longer than any frame */
	frag(dg, 10, 0, 1, data, OVL_MAX_FRAME + 1);
	cr_assert_eq(feed(dg, OVL_MAX_FRAME + 5, 0, &rx), OVL_RX_DROP);
	cr_assert_eq(rx.drop, OVL_DROP_OVERSIZE);

	/* last fragment first, then a non-last one too long for it */
	frag(dg, 11, 1, 2, data, 700);
	cr_assert_eq(feed(dg, 704, 0, &rx), OVL_RX_PENDING);
	frag(dg, 11, 0, 2, data, 823);
	cr_assert_eq(feed(dg, 827, 0, &rx), OVL_RX_DROP);
	cr_assert_eq(rx.drop, OVL_DROP_OVERSIZE);
	frag(dg, 11, 0, 2, data, 822);
	cr_assert_eq(feed(dg, 826, 0, &rx), OVL_RX_FRAME);
	cr_assert_eq(rx.len, OVL_MAX_FRAME);
	cr_assert_eq(memcmp(rx.frame, data, 822), 0);
	cr_assert_eq(memcmp(rx.frame + 822, data, 700), 0);

	expect_rx(1, 2, 6);
	expect_drops(0, 0, 0, 0, 0, 6, 0, 0);
	cr_assert_eq(ovl_reasm_pending(&ra), 0);
}

Test(overlay, unknown_kinds)
{
	uint8_t		 dg[64];
	struct ovl_rx	 rx;
	unsigned int	 k;
	uint64_t	 n = 0;

	memset(dg, 0xab, sizeof(dg));
	for (k = 0x02; k <= 0xff; k++) {
		dg[0] = k;
		cr_assert_eq(feed(dg, sizeof(dg), 0, &rx), OVL_RX_DROP);
		cr_assert_eq(rx.drop, OVL_DROP_UNKNOWN_KIND);
		n++;
	}
	/* the kind alone is enough to tell */
	dg[0] = 0x02;
	cr_assert_eq(feed(dg, 1, 0, &rx), OVL_RX_DROP);
	cr_assert_eq(rx.drop, OVL_DROP_UNKNOWN_KIND);
	n++;
	expect_rx(0, 0, 0);
	expect_drops(0, n, 0, 0, 0, 0, 0, 0);
	cr_assert_str_eq(ovl_drop_name(OVL_DROP_UNKNOWN_KIND),
	    "unknown-kind");
}

Test(overlay, truncated_datagrams)
{
	uint8_t		 dg[OVL_MIN_FRAME + 2];
	struct ovl_rx	 rx;
	size_t		 len;

	memset(dg, 0x11, sizeof(dg));
	/* fragments: 0..4 bytes carry no fragment byte, 5 carries one */
	dg[0] = OVL_KIND_FRAG;
	dg[1] = 0;
	dg[2] = 3;
	dg[3] = 0x02;	/* index 0 of 2 */
	for (len = 0; len <= 4; len++) {
		cr_assert_eq(feed(dg, len, 0, &rx), OVL_RX_DROP,
		    "fragment datagram of %zu bytes", len);
		cr_assert_eq(rx.drop, OVL_DROP_SHORT);
	}
	cr_assert_eq(feed(dg, 5, 0, &rx), OVL_RX_PENDING);
	expect_drops(5, 0, 0, 0, 0, 0, 0, 0);

	/* whole frames: 1..14 bytes hold less than an Ethernet header */
	dg[0] = OVL_KIND_FRAME;
	for (len = 1; len <= OVL_MIN_FRAME; len++) {
		cr_assert_eq(feed(dg, len, 0, &rx), OVL_RX_DROP,
		    "frame datagram of %zu bytes", len);
		cr_assert_eq(rx.drop, OVL_DROP_SHORT);
	}
	cr_assert_eq(feed(dg, OVL_MIN_FRAME + 1, 0, &rx), OVL_RX_FRAME);
	cr_assert_eq(rx.len, OVL_MIN_FRAME);

	/* a complete frame shorter than an Ethernet header */
	dg[0] = OVL_KIND_FRAG;
	dg[3] = 0x12;	/* index 1 of 2: 1 + 1 bytes */
	cr_assert_eq(feed(dg, 5, 0, &rx), OVL_RX_DROP);
	cr_assert_eq(rx.drop, OVL_DROP_SHORT);
	dg[3] = 0x01;	/* alone, 12 bytes */
	cr_assert_eq(feed(dg, 16, 0, &rx), OVL_RX_DROP);
	cr_assert_eq(rx.drop, OVL_DROP_SHORT);
	dg[2] = 4;
	cr_assert_eq(feed(dg, 18, 0, &rx), OVL_RX_FRAME);
	cr_assert_eq(rx.frame, dg + 4, "single fragments are not copied");
	cr_assert_eq(rx.len, 14);

	expect_rx(1, 1, 3);
	expect_drops(5 + OVL_MIN_FRAME + 2, 0, 0, 0, 0, 0, 0, 0);
	cr_assert_eq(ovl_reasm_pending(&ra), 0);
}

Test(overlay, interleaved_frames)
{
	uint8_t		 fa[1518], fb[1300];
	struct dgrams	 a, b;
	struct ovl_rx	 rx;

	fill(fa, sizeof(fa), 20);
	fill(fb, sizeof(fb), 21);
	cr_assert_eq(encode(fa, sizeof(fa), 600, &a), 3);
	cr_assert_eq(encode(fb, sizeof(fb), 600, &b), 3);
	cr_assert_neq(a.buf[0][2], b.buf[0][2], "distinct frame ids");

	cr_assert_eq(feed(a.buf[1], a.len[1], 0, &rx), OVL_RX_PENDING);
	cr_assert_eq(feed(b.buf[2], b.len[2], 0, &rx), OVL_RX_PENDING);
	cr_assert_eq(feed(b.buf[0], b.len[0], 0, &rx), OVL_RX_PENDING);
	cr_assert_eq(feed(a.buf[2], a.len[2], 0, &rx), OVL_RX_PENDING);
	cr_assert_eq(ovl_reasm_pending(&ra), 2);
	cr_assert_eq(feed(b.buf[1], b.len[1], 0, &rx), OVL_RX_FRAME);
	expect_frame(&rx, fb, sizeof(fb));
	cr_assert_eq(feed(a.buf[0], a.len[0], 0, &rx), OVL_RX_FRAME);
	expect_frame(&rx, fa, sizeof(fa));
	expect_rx(0, 2, 6);
	expect_drops(0, 0, 0, 0, 0, 0, 0, 0);
}

Test(overlay, frame_id_wraps)
{
	uint8_t		 fa[1518], fb[1518];
	struct dgrams	 a, b;
	struct ovl_rx	 rx;

	fill(fa, sizeof(fa), 22);
	fill(fb, sizeof(fb), 23);
	ovl_tx_init(&tx, 65535);
	cr_assert_eq(encode(fa, sizeof(fa), BUDGET_MIN, &a), 2);
	cr_assert_eq(encode(fb, sizeof(fb), BUDGET_MIN, &b), 2);
	cr_assert_eq(a.buf[0][1], 0xff);
	cr_assert_eq(a.buf[0][2], 0xff);
	cr_assert_eq(b.buf[0][1], 0x00);
	cr_assert_eq(b.buf[0][2], 0x00);
	cr_assert_eq(tx.next_id, 1);

	cr_assert_eq(feed(b.buf[1], b.len[1], 0, &rx), OVL_RX_PENDING);
	cr_assert_eq(feed(a.buf[0], a.len[0], 0, &rx), OVL_RX_PENDING);
	cr_assert_eq(feed(b.buf[0], b.len[0], 0, &rx), OVL_RX_FRAME);
	expect_frame(&rx, fb, sizeof(fb));
	cr_assert_eq(feed(a.buf[1], a.len[1], 0, &rx), OVL_RX_FRAME);
	expect_frame(&rx, fa, sizeof(fa));
	expect_rx(0, 2, 4);
}

/* Every length and many budgets, fragments in a scrambled order. */
Test(overlay, round_trip_sweep)
{
	static const size_t budgets[] = {
		382, 400, 511, 760, 1167, 1199, 1375, 1411, 1439, 1521,
	};
	static uint8_t	 frame[OVL_MAX_FRAME];
	static struct dgrams d;
	struct ovl_rx	 rx;
	size_t		 len, b, i, order;
	uint64_t	 frames = 0, frags = 0, refused = 0;
	uint32_t	 rnd = 2463534242U;
	int		 n, r, k;

	for (b = 0; b < nitems(budgets); b++) {
		for (len = OVL_MIN_FRAME; len <= OVL_MAX_FRAME; len++) {
			fill(frame, len, (unsigned int)(len + b));
			n = encode(frame, len, budgets[b], &d);
			if (n == OVL_ERR_TOOBIG) {
				cr_assert_gt(len, 4 * (budgets[b] - 3));
				refused++;
				continue;
			}
			cr_assert_gt(n, 0);
			cr_assert_eq((size_t)n, mtu_fragments(len,
			    budgets[b]));
			rnd ^= rnd << 13;
			rnd ^= rnd >> 17;
			rnd ^= rnd << 5;
			order = rnd;
			for (k = 0; k < n; k++) {
				i = (size_t)(k + (int)(order % n)) % n;
				r = feed(d.buf[i], d.len[i], len, &rx);
				cr_assert_eq(r, k == n - 1 ? OVL_RX_FRAME :
				    OVL_RX_PENDING, "len %zu budget %zu",
				    len, budgets[b]);
			}
			expect_frame(&rx, frame, len);
			frames++;
			if (n > 1)
				frags += n;
		}
	}
	cr_assert_gt(refused, 0);
	cr_assert_eq(ra.stats.whole + ra.stats.reassembled, frames);
	cr_assert_eq(ra.stats.fragments, frags);
	cr_assert_eq(tx.stats.refused_toobig, refused);
	cr_assert_eq(ovl_reasm_pending(&ra), 0);
	expect_drops(0, 0, 0, 0, 0, 0, 0, 0);
}

Test(overlay, counter_names)
{
	struct ovl_rx_stats	 rs;
	struct ovl_tx_stats	 ts;
	size_t			 i, j, n;

	/* Each named counter reads its own field, and every field has one. */
	for (n = 0; ovl_rx_stat_name(n) != NULL; n++)
		;
	cr_assert_eq(n, sizeof(rs) / sizeof(uint64_t));
	for (i = 0; i < n; i++) {
		memset(&rs, 0, sizeof(rs));
		((uint64_t *)&rs)[i] = 1000 + i;
		for (j = 0; j < n; j++)
			cr_assert_eq(ovl_rx_stat_value(&rs, j),
			    i == j ? 1000 + i : 0, "rx stat %zu", j);
	}
	memset(&rs, 0, sizeof(rs));
	rs.drop_timeout = 42;
	cr_assert_str_eq(ovl_rx_stat_name(n - 1), "timeout");
	cr_assert_eq(ovl_rx_stat_value(&rs, n - 1), 42);
	cr_assert_eq(ovl_rx_stat_value(&rs, n), 0);

	for (n = 0; ovl_tx_stat_name(n) != NULL; n++)
		;
	cr_assert_eq(n, sizeof(ts) / sizeof(uint64_t));
	memset(&ts, 0, sizeof(ts));
	ts.refused_toobig = 7;
	cr_assert_str_eq(ovl_tx_stat_name(3), "refused-toobig");
	cr_assert_eq(ovl_tx_stat_value(&ts, 3), 7);

	/* drop reasons share their names with the drop counters */
	cr_assert_str_eq(ovl_drop_name(OVL_DROP_SHORT), ovl_rx_stat_name(3));
	cr_assert_str_eq(ovl_drop_name(OVL_DROP_TIMEOUT), "timeout");
	cr_assert_str_eq(ovl_drop_name(OVL_DROP_TABLE_FULL), "table-full");
	cr_assert_str_eq(ovl_drop_name((enum ovl_drop)99), "unknown");
}
