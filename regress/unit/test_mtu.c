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
#include <stdio.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "compat.h"
#include "mtu.h"
#include "overlay.h"

/*
 * shared/reference/quic_windows.md section 2.5: UDP payload U and the
 * DATAGRAM payload F left for the frame with a 4-byte packet number, for
 * 8- and 18-byte destination CIDs.  That F is counted before our kind
 * byte, and we leave MTU_PIGGYBACK bytes for an ACK and the PTO anchor,
 * so our frame budget is F - 1 - MTU_PIGGYBACK.
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
		    table25[i].f8 - 1 - MTU_PIGGYBACK, "U=%zu dcid 8: got %zu", table25[i].u,
		    mtu_frame_budget(table25[i].u, 8));
		cr_expect_eq(mtu_frame_budget(table25[i].u, 18),
		    table25[i].f18 - 1 - MTU_PIGGYBACK, "U=%zu dcid 18: got %zu", table25[i].u,
		    mtu_frame_budget(table25[i].u, 18));
	}
}

/*
 * Each function on arguments picked by hand: a row per call.  Criterion
 * copies the rows into the process that runs them, so they hold no
 * pointers.
 */
enum mtu_fn {
	FRAME_BUDGET,
	MAX_FRAME,
	ROOM_VALID,
	NEEDS_FRAG,
	FRAGMENTS,
	FRAME_MAX
};

static const struct {
	const char	*name;
	int		 nargs;
} mtu_fns[] = {
	[FRAME_BUDGET] = { "mtu_frame_budget", 2 },
	[MAX_FRAME] = { "mtu_max_frame", 2 },
	[ROOM_VALID] = { "mtu_room_valid", 1 },
	[NEEDS_FRAG] = { "mtu_needs_frag", 2 },
	[FRAGMENTS] = { "mtu_fragments", 2 },
	[FRAME_MAX] = { "mtu_frame_max", 1 },
};

struct mtu_call {
	enum mtu_fn	 fn;
	long long	 a;
	long long	 b;
	long long	 want;
};

static struct mtu_call mtu_calls[] = {
	/* 1200 - (1 + 8 + 4 + 1 + 2 + 16) - 32 piggyback - 1 */
	{ FRAME_BUDGET, 1200, 8, 1135 },
	{ FRAME_BUDGET, 1200, 0, 1143 },
	{ FRAME_BUDGET, 1444, 20, 1367 },
	/* A budget below zero is zero. */
	{ FRAME_BUDGET, 0, 8, 0 },
	{ FRAME_BUDGET, 0, 0, 0 },
	{ FRAME_BUDGET, 7, 8, 0 },
	{ FRAME_BUDGET, 64, 8, 0 },
	{ FRAME_BUDGET, 65, 8, 0 },
	{ FRAME_BUDGET, 66, 8, 1 },
	{ FRAME_BUDGET, 57, 0, 0 },
	{ FRAME_BUDGET, 58, 0, 1 },
	{ FRAME_BUDGET, 100, -1, 0 },		/* (size_t)-1 */

	/* The largest frame of a room, untagged and tagged. */
	{ MAX_FRAME, 1500, 0, 1514 },
	{ MAX_FRAME, 1500, 1, 1518 },
	{ MAX_FRAME, 576, 0, 590 },
	{ MAX_FRAME, 576, 1, 594 },

	/* Room MTUs: 576 to 1500. */
	{ ROOM_VALID, MTU_ROOM_DEFAULT, 0, 1 },
	{ ROOM_VALID, 1500, 0, 1 },
	{ ROOM_VALID, 576, 0, 1 },
	{ ROOM_VALID, 1280, 0, 1 },
	{ ROOM_VALID, 575, 0, 0 },
	{ ROOM_VALID, 1501, 0, 0 },
	{ ROOM_VALID, 0, 0, 0 },
	{ ROOM_VALID, -1500, 0, 0 },
	{ ROOM_VALID, 9000, 0, 0 },

	/* At the edge of the budget. */
	{ NEEDS_FRAG, 1167, 1167, 0 },
	{ NEEDS_FRAG, 1168, 1167, 1 },
	{ NEEDS_FRAG, 60, 0, 1 },

	/* budget 1167: a fragment carries 1167 + 1 - 4 = 1164 bytes */
	{ FRAGMENTS, 60, 1167, 1 },
	{ FRAGMENTS, 1167, 1167, 1 },
	{ FRAGMENTS, 1168, 1167, 2 },
	{ FRAGMENTS, 1518, 1167, 2 },
	{ FRAGMENTS, 2328, 1167, 2 },
	{ FRAGMENTS, 2329, 1167, 3 },
	/* budget 400: 397 per fragment, 4 * 397 = 1588 */
	{ FRAGMENTS, 1588, 400, 4 },
	{ FRAGMENTS, 1589, 400, 5 },
	/* budget 382: 379 per fragment, 1518 needs 5 */
	{ FRAGMENTS, 1518, 382, 5 },
	/* a budget of 3 cannot hold a fragment header and one byte */
	{ FRAGMENTS, 4, 3, 0 },
	{ FRAGMENTS, 3, 3, 1 },
	{ FRAGMENTS, 5, 4, 5 },
	{ FRAGMENTS, 1, 0, 0 },

	/* The largest frame a budget carries. */
	{ FRAME_MAX, 1167, 0, 4 * 1164 },
	{ FRAME_MAX, 400, 0, 1588 },
	{ FRAME_MAX, 4, 0, 4 },
	{ FRAME_MAX, 5, 0, 8 },
	{ FRAME_MAX, 3, 0, 3 },
	{ FRAME_MAX, 0, 0, 0 },
};

static long long
mtu_call(const struct mtu_call *c)
{
	switch (c->fn) {
	case FRAME_BUDGET:
		return (mtu_frame_budget(c->a, c->b));
	case MAX_FRAME:
		return (mtu_max_frame(c->a, c->b));
	case ROOM_VALID:
		return (mtu_room_valid(c->a));
	case NEEDS_FRAG:
		return (mtu_needs_frag(c->a, c->b));
	case FRAGMENTS:
		return (mtu_fragments(c->a, c->b));
	case FRAME_MAX:
		return (mtu_frame_max(c->a));
	}
	cr_assert_fail("function %d", c->fn);
	return (-1);
}

ParameterizedTestParameters(mtu, spelled_out)
{
	return (cr_make_param_array(struct mtu_call, mtu_calls,
	    nitems(mtu_calls)));
}

ParameterizedTest(const struct mtu_call *c, mtu, spelled_out)
{
	char	 args[64];

	if (mtu_fns[c->fn].nargs == 1)
		snprintf(args, sizeof(args), "%lld", c->a);
	else
		snprintf(args, sizeof(args), "%lld, %lld", c->a, c->b);
	cr_assert_eq(mtu_call(c), c->want, "%s(%s) = %lld, want %lld",
	    mtu_fns[c->fn].name, args, mtu_call(c), c->want);
}

/* The overlay carries the largest room's tagged frame. */
Test(mtu, largest_room_fits_the_overlay)
{
	cr_assert_leq(mtu_max_frame(MTU_ROOM_MAX, 1), OVL_MAX_FRAME);
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
