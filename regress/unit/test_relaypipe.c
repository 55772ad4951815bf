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
 * Fragmentation through the room core: the pieces the relay child chains
 * for every datagram, driven without sockets.  A peer's overlay encoder
 * (common/overlay.h) at its own small budget, the relay's reassembler for
 * that peer, room_forward() (relayd/room.h), the relay's encoder for each
 * egress peer at that peer's budget, and the egress peer's reassembler.
 *
 * Room lan: the gateway and clients c1, c2.  Room other: client c3, which
 * must never see lan's frames.  Each member has different budgets, so a
 * frame is cut one way on the way in and another way on the way out.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "compat.h"
#include "wiremsg.h"
#include "ether.h"
#include "overlay.h"
#include "../../relayd/room.h"

#define GWMAC	"00:1b:21:0a:0b:0c"
#define LANHOST	"00:1b:21:00:00:01"
#define C1MAC	"02:00:00:00:00:01"
#define C2MAC	"02:00:00:00:00:02"
#define C3MAC	"02:00:00:00:00:03"
#define BCAST	"ff:ff:ff:ff:ff:ff"

#define BIGLEN	1514
#define INBOX	8
#define NMEMB	4

/* One member: its side and the relay's side of its connection. */
struct member {
	const char		*name;
	struct peer		*peer;
	/* the member's own end */
	struct ovl_tx		 tx;		/* what it sends */
	size_t			 tx_budget;
	struct ovl_reasm	 rx;		/* what the relay sent it */
	/* the relay's end */
	struct ovl_reasm	 relay_rx;	/* from the member */
	struct ovl_tx		 relay_tx;	/* to the member */
	size_t			 relay_budget;
	/* frames the member received, whole */
	uint8_t			 inbox[INBOX][OVL_MAX_FRAME];
	size_t			 inlen[INBOX];
	size_t			 nin;
};

static struct relay	*R;
static struct member	 M[NMEMB];
static struct member	*GW = &M[0], *C1 = &M[1], *C2 = &M[2], *C3 = &M[3];
static uint64_t		 relay_encode_errors;
static char		 err[256];

static struct ether_mac
mac(const char *s)
{
	struct ether_mac	 m;

	cr_assert_eq(ether_mac_parse(s, &m), 0, "bad test MAC %s", s);
	return (m);
}

static void
join(struct member *m, const char *name, enum wiremsg_role role,
    const char *room, const char *macstr, size_t tx_budget,
    size_t relay_budget, uint64_t now)
{
	struct wiremsg_hello	 h;
	enum wiremsg_code	 code;

	memset(m, 0, sizeof(*m));
	m->name = name;
	m->tx_budget = tx_budget;
	m->relay_budget = relay_budget;
	ovl_tx_init(&m->tx, (uint16_t)(0x1000 * (m - M + 1)));
	ovl_tx_init(&m->relay_tx, (uint16_t)(0xf000 - (m - M)));
	cr_assert_eq(ovl_reasm_init(&m->rx, 0, 0), 0);
	cr_assert_eq(ovl_reasm_init(&m->relay_rx, 0, 0), 0);

	memset(&h, 0, sizeof(h));
	h.proto = WIREMSG_PROTO;
	h.role = role;
	(void)strlcpy(h.room, room, sizeof(h.room));
	h.mac = mac(macstr);
	h.datagram_budget = relay_budget;
	(void)strlcpy(h.software, "test_relaypipe", sizeof(h.software));
	cr_assert_eq(relay_admit(R, &h, now, &m->peer, &code, err,
	    sizeof(err)), 0, "%s not admitted: %s", name, err);
	m->peer->cookie = m;
}

static void
setup(void)
{
	struct relay_conf	 conf;

	relay_conf_init(&conf);
	conf.open_rooms = 1;
	R = relay_new(&conf, err, sizeof(err));
	cr_assert_not_null(R, "relay_new: %s", err);
	/*
	 * Ingress budgets 400 and 500 (4 fragments for 1514 bytes), 600
	 * (3); egress budgets 800 and 1167 (2 fragments), 1514 (whole).
	 */
	join(GW, "gw", WIREMSG_ROLE_GATEWAY, "lan", GWMAC, 500, BIGLEN, 1);
	join(C1, "c1", WIREMSG_ROLE_CLIENT, "lan", C1MAC, 400, 800, 1);
	join(C2, "c2", WIREMSG_ROLE_CLIENT, "lan", C2MAC, 600, 1167, 1);
	join(C3, "c3", WIREMSG_ROLE_CLIENT, "other", C3MAC, 400, 800, 1);
}

static void
teardown(void)
{
	size_t	 i;

	for (i = 0; i < NMEMB; i++) {
		ovl_reasm_free(&M[i].rx);
		ovl_reasm_free(&M[i].relay_rx);
	}
	relay_free(R);
	R = NULL;
}

TestSuite(relaypipe, .init = setup, .fini = teardown);

/* A datagram arrives at member "to" from the relay. */
static void
member_receive(struct member *to, const uint8_t *dg, size_t len,
    uint64_t now)
{
	struct ovl_rx	 rx;

	if (ovl_reasm_input(&to->rx, dg, len, now, &rx) != OVL_RX_FRAME)
		return;
	cr_assert_lt(to->nin, INBOX, "%s: inbox full", to->name);
	cr_assert_leq(rx.len, OVL_MAX_FRAME);
	memcpy(to->inbox[to->nin], rx.frame, rx.len);
	to->inlen[to->nin++] = rx.len;
}

/*
 * A datagram from member "from" reaches the relay: reassembly, then the
 * room core, then one encoding per egress member at its budget.  Returns
 * the room core's verdict, or -1 while the frame is incomplete.
 */
static int
relay_receive(struct member *from, const uint8_t *dg, size_t len,
    uint64_t now)
{
	struct ovl_piece	 pieces[OVL_MAX_FRAGS];
	struct fwd_result	 res;
	struct ovl_rx		 rx;
	struct member		*to;
	uint8_t			 buf[OVL_MAX_FRAME + OVL_FRAG_HDRLEN];
	size_t			 i, dlen;
	int			 j, np;

	if (ovl_reasm_input(&from->relay_rx, dg, len, now, &rx) !=
	    OVL_RX_FRAME)
		return (-1);
	room_forward(R, from->peer, rx.frame, rx.len, now, &res);
	if (res.reason != FWD_OK)
		return (res.reason);
	for (i = 0; i < res.nout; i++) {
		to = res.out[i]->cookie;
		np = ovl_encode(&to->relay_tx, rx.frame, rx.len,
		    to->relay_budget, pieces);
		if (np < 0) {
			relay_encode_errors++;
			continue;
		}
		for (j = 0; j < np; j++) {
			dlen = ovl_piece_copy(&pieces[j], buf, sizeof(buf));
			cr_assert_leq(dlen, to->relay_budget + 1,
			    "datagram of %zu bytes to %s over budget %zu",
			    dlen, to->name, to->relay_budget);
			member_receive(to, buf, dlen, now);
		}
	}
	return (FWD_OK);
}

/*
 * Member "from" sends a frame: its datagrams reach the relay in order,
 * except that only the first "deliver" of them do (all: -1).  Returns
 * how many datagrams it made; *verdict is the last relay_receive() one.
 */
static int
member_send(struct member *from, const uint8_t *f, size_t len, int deliver,
    uint64_t now, int *verdict)
{
	struct ovl_piece	 pieces[OVL_MAX_FRAGS];
	uint8_t			 buf[OVL_MAX_FRAME + OVL_FRAG_HDRLEN];
	size_t			 dlen;
	int			 j, np;

	np = ovl_encode(&from->tx, f, len, from->tx_budget, pieces);
	cr_assert_gt(np, 0, "%s: ovl_encode: %d", from->name, np);
	*verdict = -1;
	for (j = 0; j < np && (deliver < 0 || j < deliver); j++) {
		dlen = ovl_piece_copy(&pieces[j], buf, sizeof(buf));
		cr_assert_leq(dlen, from->tx_budget + 1);
		*verdict = relay_receive(from, buf, dlen, now);
	}
	return (np);
}

/*
 * A frame of len bytes, dst and src, EtherType 0x88b5, a payload pattern
 * that differs per seed so that misplaced fragments show.
 */
static void
mkframe(uint8_t *f, size_t len, const char *dst, const char *src,
    unsigned int seed)
{
	struct ether_mac	 d = mac(dst), s = mac(src);
	size_t			 i;

	memcpy(f, d.octet, ETHER_ADDR_LEN);
	memcpy(f + ETHER_ADDR_LEN, s.octet, ETHER_ADDR_LEN);
	f[12] = 0x88;
	f[13] = 0xb5;
	for (i = 14; i < len; i++)
		f[i] = (uint8_t)(i * 7 + seed + (i >> 8) * 31);
}

static void
assert_got_once(const struct member *m, const uint8_t *f, size_t len)
{
	cr_assert_eq(m->nin, 1, "%s received %zu frames, not 1", m->name,
	    m->nin);
	cr_assert_eq(m->inlen[0], len, "%s: %zu bytes, not %zu", m->name,
	    m->inlen[0], len);
	cr_assert_arr_eq(m->inbox[0], f, len, "%s: frame not byte-exact",
	    m->name);
}

static void
assert_nothing(const struct member *m)
{
	cr_assert_eq(m->nin, 0, "%s received %zu frames", m->name, m->nin);
	cr_assert_eq(m->rx.stats.fragments + m->rx.stats.whole, 0,
	    "%s got datagrams", m->name);
}

static uint64_t
total_drops(const struct fwd_counters *fc)
{
	uint64_t	 n = 0;
	size_t		 i;

	for (i = 0; i < FWD_REASON_MAX; i++)
		n += fc->drops[i];
	return (n);
}

Test(relaypipe, big_unicast_gateway_to_client)
{
	uint8_t	 f[BIGLEN];
	int	 np, verdict;

	mkframe(f, sizeof(f), C1MAC, LANHOST, 1);
	np = member_send(GW, f, sizeof(f), -1, 10, &verdict);
	cr_assert_eq(np, 4, "1514 bytes at budget 500: %d datagrams", np);
	cr_assert_eq(verdict, FWD_OK, "verdict %s",
	    fwd_reason_name((enum fwd_reason)verdict));

	assert_got_once(C1, f, sizeof(f));
	assert_nothing(C2);
	assert_nothing(GW);
	assert_nothing(C3);

	/* In: 4 fragments, 1 frame; out: one frame to c1 in 2 fragments. */
	cr_assert_eq(GW->relay_rx.stats.fragments, 4);
	cr_assert_eq(GW->relay_rx.stats.reassembled, 1);
	cr_assert_eq(ovl_reasm_pending(&GW->relay_rx), 0);
	cr_assert_eq(C1->relay_tx.stats.fragmented, 1);
	cr_assert_eq(C1->relay_tx.stats.fragments, 2);
	cr_assert_eq(C1->relay_tx.stats.whole, 0);
	cr_assert_eq(C1->rx.stats.fragments, 2);
	cr_assert_eq(C1->rx.stats.reassembled, 1);
	cr_assert_eq(C2->relay_tx.stats.fragmented +
	    C2->relay_tx.stats.whole, 0);
	cr_assert_eq(relay_encode_errors, 0);

	cr_assert_eq(GW->peer->counters.frames_in, 1);
	cr_assert_eq(GW->peer->counters.bytes_in, BIGLEN);
	cr_assert_eq(C1->peer->counters.frames_out, 1);
	cr_assert_eq(C1->peer->counters.bytes_out, BIGLEN);
	cr_assert_eq(C2->peer->counters.frames_out, 0);
	cr_assert_eq(GW->peer->room->counters.frames_in, 1);
	cr_assert_eq(GW->peer->room->counters.frames_out, 1);
	cr_assert_eq(GW->peer->room->counters.bytes_out, BIGLEN);
	cr_assert_eq(total_drops(&R->counters), 0);
	cr_assert_eq(C3->peer->room->counters.frames_in +
	    C3->peer->room->counters.frames_out, 0);
}

Test(relaypipe, big_broadcast_from_client)
{
	uint8_t	 f[BIGLEN];
	int	 np, verdict;

	mkframe(f, sizeof(f), BCAST, C1MAC, 2);
	np = member_send(C1, f, sizeof(f), -1, 10, &verdict);
	cr_assert_eq(np, 4, "1514 bytes at budget 400: %d datagrams", np);
	cr_assert_eq(verdict, FWD_OK);

	assert_got_once(C2, f, sizeof(f));
	assert_got_once(GW, f, sizeof(f));
	assert_nothing(C1);
	assert_nothing(C3);

	/* c2's budget cuts it in two, the gateway's takes it whole. */
	cr_assert_eq(C2->relay_tx.stats.fragments, 2);
	cr_assert_eq(C2->rx.stats.reassembled, 1);
	cr_assert_eq(GW->relay_tx.stats.whole, 1);
	cr_assert_eq(GW->relay_tx.stats.fragmented, 0);
	cr_assert_eq(GW->rx.stats.whole, 1);
	cr_assert_eq(C1->relay_rx.stats.fragments, 4);
	cr_assert_eq(C1->relay_rx.stats.reassembled, 1);

	cr_assert_eq(C1->peer->room->counters.frames_in, 1);
	cr_assert_eq(C1->peer->room->counters.frames_out, 2);
	cr_assert_eq(C1->peer->room->counters.bytes_out, 2 * BIGLEN);
	cr_assert_eq(R->counters.frames_out, 2);
	cr_assert_eq(total_drops(&R->counters), 0);
}

/* Frames interleaved from two senders each reassemble on their own. */
Test(relaypipe, two_senders_interleaved)
{
	struct ovl_piece	 p1[OVL_MAX_FRAGS], p2[OVL_MAX_FRAGS];
	uint8_t			 f1[BIGLEN], f2[1000], b[OVL_MAX_FRAME + 8];
	int			 n1, n2, i;

	mkframe(f1, sizeof(f1), C2MAC, C1MAC, 3);
	mkframe(f2, sizeof(f2), C2MAC, LANHOST, 4);
	n1 = ovl_encode(&C1->tx, f1, sizeof(f1), C1->tx_budget, p1);
	n2 = ovl_encode(&GW->tx, f2, sizeof(f2), GW->tx_budget, p2);
	cr_assert_eq(n1, 4);
	cr_assert_eq(n2, 3);
	for (i = 0; i < 4; i++) {
		if (i < n2)
			(void)relay_receive(GW, b,
			    ovl_piece_copy(&p2[n2 - 1 - i], b, sizeof(b)), 20);
		(void)relay_receive(C1, b,
		    ovl_piece_copy(&p1[i], b, sizeof(b)), 20);
	}
	cr_assert_eq(C2->nin, 2);
	/* The gateway's frame completed first (its fragments ran out). */
	cr_assert_eq(C2->inlen[0], sizeof(f2));
	cr_assert_arr_eq(C2->inbox[0], f2, sizeof(f2));
	cr_assert_eq(C2->inlen[1], sizeof(f1));
	cr_assert_arr_eq(C2->inbox[1], f1, sizeof(f1));
	assert_nothing(C1);
	assert_nothing(GW);
	assert_nothing(C3);
	cr_assert_eq(C2->peer->counters.frames_out, 2);
}

Test(relaypipe, incomplete_frame_times_out_unforwarded)
{
	struct ovl_piece	 pieces[OVL_MAX_FRAGS];
	uint8_t			 f[BIGLEN], g[BIGLEN], b[OVL_MAX_FRAME + 8];
	int			 np, verdict;
	size_t			 i;

	/* A broadcast from c2 whose three fragments all arrive: forwarded. */
	mkframe(f, sizeof(f), BCAST, C2MAC, 5);
	np = member_send(C2, f, sizeof(f), -1, 100, &verdict);
	cr_assert_eq(np, 3, "1514 bytes at budget 600: %d datagrams", np);
	cr_assert_eq(verdict, FWD_OK);
	assert_got_once(C1, f, sizeof(f));
	assert_got_once(GW, f, sizeof(f));
	cr_assert_eq(ovl_reasm_pending(&C2->relay_rx), 0);

	/* The next one loses its last fragment: held, never forwarded. */
	mkframe(g, sizeof(g), BCAST, C2MAC, 6);
	for (i = 0; i < NMEMB; i++)
		M[i].nin = 0;
	np = member_send(C2, g, sizeof(g), 2, 200, &verdict);
	cr_assert_eq(np, 3);
	cr_assert_eq(verdict, -1, "an incomplete frame was forwarded");
	cr_assert_eq(ovl_reasm_pending(&C2->relay_rx), 1);
	cr_assert_eq(C2->relay_rx.stats.fragments, 3 + 2);
	cr_assert_eq(C2->relay_rx.stats.drop_timeout, 0);

	/* Not yet expired at the timeout, expired right after. */
	cr_assert_eq(ovl_reasm_expire(&C2->relay_rx,
	    200 + OVL_REASM_TIMEOUT_MS - 1), 0);
	cr_assert_eq(ovl_reasm_expire(&C2->relay_rx,
	    200 + OVL_REASM_TIMEOUT_MS + 1), 1);
	cr_assert_eq(C2->relay_rx.stats.drop_timeout, 1);
	cr_assert_eq(ovl_reasm_pending(&C2->relay_rx), 0);

	/*
	 * Its last fragment, too late, starts a frame of its own that
	 * cannot complete either.
	 */
	C2->tx.next_id--;	/* the same frame id again */
	cr_assert_eq(ovl_encode(&C2->tx, g, sizeof(g), C2->tx_budget,
	    pieces), 3);
	verdict = relay_receive(C2, b, ovl_piece_copy(&pieces[2], b,
	    sizeof(b)), 400);
	cr_assert_eq(verdict, -1);
	cr_assert_eq(ovl_reasm_pending(&C2->relay_rx), 1);
	cr_assert_eq(ovl_reasm_expire(&C2->relay_rx,
	    400 + OVL_REASM_TIMEOUT_MS + 1), 1);
	cr_assert_eq(C2->relay_rx.stats.drop_timeout, 2);

	/* Nobody saw the lost frame; the room core never did either. */
	for (i = 0; i < NMEMB; i++)
		cr_assert_eq(M[i].nin, 0, "%s got the incomplete frame",
		    M[i].name);
	cr_assert_eq(C2->peer->counters.frames_in, 1);
	cr_assert_eq(C2->peer->room->counters.frames_in, 1);
	cr_assert_eq(C2->peer->room->counters.frames_out, 2);
	cr_assert_eq(total_drops(&R->counters), 0);
}

/* The filters judge the reassembled frame: one drop, counted once. */
Test(relaypipe, fragmented_spoof_dropped_once)
{
	uint8_t	 f[BIGLEN];
	size_t	 i;
	int	 np, verdict;

	mkframe(f, sizeof(f), BCAST, C2MAC, 7);	/* c1 claims c2's MAC */
	np = member_send(C1, f, sizeof(f), -1, 10, &verdict);
	cr_assert_eq(np, 4);
	cr_assert_eq(verdict, FWD_DROP_SPOOFED, "verdict %s",
	    fwd_reason_name((enum fwd_reason)verdict));
	for (i = 0; i < NMEMB; i++)
		assert_nothing(&M[i]);
	cr_assert_eq(C1->relay_rx.stats.reassembled, 1);
	cr_assert_eq(C1->peer->counters.drops[FWD_DROP_SPOOFED], 1);
	cr_assert_eq(C1->peer->room->counters.drops[FWD_DROP_SPOOFED], 1);
	cr_assert_eq(total_drops(&R->counters), 1);
	cr_assert_eq(R->counters.frames_out, 0);
}
