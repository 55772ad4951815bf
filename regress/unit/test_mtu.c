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

#include <criterion/criterion.h>

#include "compat.h"
#include "mtu.h"
#include "overlay.h"

/*
 * shared/reference/quic_windows.md section 2.5: UDP payload U and the
 * DATAGRAM payload F left for the frame with a 4-byte packet number, for
 * 8- and 18-byte destination CIDs.  That F is counted before our kind
 * byte, so our frame budget is F - 1.
 */
static const struct {
	size_t	 u;
	size_t	 f8;
	size_t	 f18;
} table25[] = {
	{ 1200, 1168, 1158 },
	{ 1232, 1200, 1190 },
	{ 1252, 1220, 1210 },
	{ 1342, 1310, 1300 },
	{ 1406, 1374, 1364 },
	{ 1444, 1412, 1402 },
	{ 1452, 1420, 1410 },
	{ 1472, 1440, 1430 },
};

Test(mtu, budget_matches_reference_table)
{
	size_t	 i;

	for (i = 0; i < nitems(table25); i++) {
		cr_expect_eq(mtu_frame_budget(table25[i].u, 8),
		    table25[i].f8 - 1, "U=%zu dcid 8: got %zu", table25[i].u,
		    mtu_frame_budget(table25[i].u, 8));
		cr_expect_eq(mtu_frame_budget(table25[i].u, 18),
		    table25[i].f18 - 1, "U=%zu dcid 18: got %zu", table25[i].u,
		    mtu_frame_budget(table25[i].u, 18));
	}
}

Test(mtu, budget_spelled_out)
{
	/* 1200 - (1 + 8 + 4 + 1 + 2 + 16) - 1 */
	cr_assert_eq(mtu_frame_budget(1200, 8), 1167);
	cr_assert_eq(mtu_frame_budget(1200, 0), 1175);
	cr_assert_eq(mtu_frame_budget(1444, 20), 1399);
}

Test(mtu, budget_underflow_is_zero)
{
	cr_assert_eq(mtu_frame_budget(0, 8), 0);
	cr_assert_eq(mtu_frame_budget(0, 0), 0);
	cr_assert_eq(mtu_frame_budget(7, 8), 0);
	cr_assert_eq(mtu_frame_budget(32, 8), 0);
	cr_assert_eq(mtu_frame_budget(33, 8), 0);
	cr_assert_eq(mtu_frame_budget(34, 8), 1);
	cr_assert_eq(mtu_frame_budget(25, 0), 0);
	cr_assert_eq(mtu_frame_budget(26, 0), 1);
	cr_assert_eq(mtu_frame_budget(100, (size_t)-1), 0);
}

Test(mtu, max_frame_for_room)
{
	cr_assert_eq(mtu_max_frame(1500, 0), 1514);
	cr_assert_eq(mtu_max_frame(1500, 1), 1518);
	cr_assert_eq(mtu_max_frame(576, 0), 590);
	cr_assert_eq(mtu_max_frame(576, 1), 594);
	/* The overlay carries the largest room's tagged frame. */
	cr_assert_leq(mtu_max_frame(MTU_ROOM_MAX, 1), OVL_MAX_FRAME);
}

Test(mtu, room_bounds)
{
	cr_assert_eq(mtu_room_valid(MTU_ROOM_DEFAULT), 1);
	cr_assert_eq(mtu_room_valid(1500), 1);
	cr_assert_eq(mtu_room_valid(576), 1);
	cr_assert_eq(mtu_room_valid(1280), 1);
	cr_assert_eq(mtu_room_valid(575), 0);
	cr_assert_eq(mtu_room_valid(1501), 0);
	cr_assert_eq(mtu_room_valid(0), 0);
	cr_assert_eq(mtu_room_valid(-1500), 0);
	cr_assert_eq(mtu_room_valid(9000), 0);
}

Test(mtu, needs_frag_at_the_edge)
{
	cr_assert_eq(mtu_needs_frag(1167, 1167), 0);
	cr_assert_eq(mtu_needs_frag(1168, 1167), 1);
	cr_assert_eq(mtu_needs_frag(60, 0), 1);
}

Test(mtu, fragment_count)
{
	/* budget 1167: a fragment carries 1167 + 1 - 4 = 1164 bytes */
	cr_assert_eq(mtu_fragments(60, 1167), 1);
	cr_assert_eq(mtu_fragments(1167, 1167), 1);
	cr_assert_eq(mtu_fragments(1168, 1167), 2);
	cr_assert_eq(mtu_fragments(1518, 1167), 2);
	cr_assert_eq(mtu_fragments(2328, 1167), 2);
	cr_assert_eq(mtu_fragments(2329, 1167), 3);
	/* budget 400: 397 per fragment, 4 * 397 = 1588 */
	cr_assert_eq(mtu_fragments(1588, 400), 4);
	cr_assert_eq(mtu_fragments(1589, 400), 5);
	/* budget 382: 379 per fragment, 1518 needs 5 */
	cr_assert_eq(mtu_fragments(1518, 382), 5);
	/* a budget of 3 cannot hold a fragment header and one byte */
	cr_assert_eq(mtu_fragments(4, 3), 0);
	cr_assert_eq(mtu_fragments(3, 3), 1);
	cr_assert_eq(mtu_fragments(5, 4), 5);
	cr_assert_eq(mtu_fragments(1, 0), 0);
}

Test(mtu, largest_frame_per_budget)
{
	cr_assert_eq(mtu_frame_max(1167), 4 * 1164);
	cr_assert_eq(mtu_frame_max(400), 1588);
	cr_assert_eq(mtu_frame_max(4), 4);
	cr_assert_eq(mtu_frame_max(5), 8);
	cr_assert_eq(mtu_frame_max(3), 3);
	cr_assert_eq(mtu_frame_max(0), 0);
}

Test(mtu, full_room_crosses_every_reference_path)
{
	size_t	 i, b, n;

	for (i = 0; i < nitems(table25); i++) {
		b = mtu_frame_budget(table25[i].u, 18);
		n = mtu_fragments(mtu_max_frame(MTU_ROOM_MAX, 1), b);
		cr_expect_eq(n, 2, "U=%zu: %zu datagrams", table25[i].u, n);
		cr_expect_geq(mtu_frame_max(b), OVL_MAX_FRAME);
	}
}
