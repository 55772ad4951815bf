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
 * The gateway's CAM refresh tracker (gatewayd/cam.c).  Remote clients
 * have locally administered MACs 02:00:00:00:00:xx; the gateway NIC is
 * 00:1b:21:aa:bb:cc.  Times are in milliseconds.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "compat.h"
#include "wiremsg.h"
#include "ether.h"
#include "../../gatewayd/cam.h"

#define IVL	60000ULL

static const struct ether_mac nic = {{ 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc }};

static struct ether_mac
cmac(uint8_t last)
{
	struct ether_mac	 m = {{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x00 }};

	m.octet[5] = last;
	return (m);
}

static struct wiremsg_peer
client(uint32_t id, uint8_t last)
{
	struct wiremsg_peer	 p;

	memset(&p, 0, sizeof(p));
	p.peer_id = id;
	p.role = WIREMSG_ROLE_CLIENT;
	p.mac = cmac(last);
	return (p);
}

static struct cam *
mkcam(uint64_t interval, size_t max)
{
	struct cam	*cam;

	cam = cam_new(&nic, interval, max);
	cr_assert_not_null(cam);
	return (cam);
}

static uint64_t
next_due(const struct cam *cam)
{
	uint64_t	 when = 0;

	cr_assert_eq(cam_next_due(cam, &when), 1);
	return (when);
}

Test(cam, defaults)
{
	struct cam	*cam;

	cam = mkcam(0, 0);
	cr_assert_eq(cam->interval, CAM_REFRESH_DEFAULT);
	cr_assert_eq(cam->interval, 60000);
	cr_assert_eq(cam->max, CAM_MAX_DEFAULT);
	cr_assert_eq(cam_count(cam), 0);
	cam_free(cam);
	cam_free(NULL);
}

Test(cam, first_seen_due_at_once_then_every_interval)
{
	struct cam		*cam;
	struct wiremsg_peer	 p = client(7, 1);
	struct ether_mac	 out[4];
	uint64_t		 when;

	cam = mkcam(IVL, 0);
	cr_assert_eq(cam_next_due(cam, &when), 0, "empty table has no timer");
	cr_assert_eq(cam_due(cam, 5000, out, nitems(out)), 0);

	cr_assert_eq(cam_peer_joined(cam, &p, 1000), 1);
	cr_assert_eq(next_due(cam), 1000);
	cr_assert_eq(cam_due(cam, 1000, out, nitems(out)), 1);
	cr_assert(ether_mac_eq(&out[0], &p.mac));
	/* Once only, until the interval has passed. */
	cr_assert_eq(cam_due(cam, 1000, out, nitems(out)), 0);
	cr_assert_eq(next_due(cam), 1000 + IVL);
	cr_assert_eq(cam_due(cam, 1000 + IVL - 1, out, nitems(out)), 0);
	cr_assert_eq(cam_due(cam, 1000 + IVL, out, nitems(out)), 1);
	cr_assert(ether_mac_eq(&out[0], &p.mac));
	cr_assert_eq(next_due(cam), 1000 + 2 * IVL);
	/* A late timer: the next one is an interval after the late send. */
	cr_assert_eq(cam_due(cam, 1000 + 2 * IVL + 500, out, nitems(out)), 1);
	cr_assert_eq(next_due(cam), 1000 + 3 * IVL + 500);
	cr_assert_eq(cam_due(cam, 1000 + 3 * IVL + 499, out, nitems(out)), 0);

	cr_assert_eq(cam_lookup(cam, &p.mac)->refreshes, 3);
	cr_assert_eq(cam_lookup(cam, &p.mac)->last_refresh,
	    1000 + 2 * IVL + 500);
	cr_assert_eq(cam_lookup(cam, &p.mac)->first_seen, 1000);
	cr_assert_eq(cam->counters.refreshes, 3);
	cam_free(cam);
}

Test(cam, due_respects_max_and_keeps_the_rest_due)
{
	struct cam		*cam;
	struct wiremsg_peer	 p;
	struct ether_mac	 out[2];
	uint8_t			 i;

	cam = mkcam(IVL, 0);
	for (i = 1; i <= 3; i++) {
		p = client(i, i);
		cr_assert_eq(cam_peer_joined(cam, &p, 10), 1);
	}
	cr_assert_eq(cam_due(cam, 10, out, 2), 2);
	cr_assert_eq(next_due(cam), 10, "the third is still due");
	cr_assert_eq(cam_due(cam, 11, out, 2), 1);
	cr_assert(ether_mac_eq(&out[0], &(struct ether_mac){{ 2, 0, 0, 0, 0,
	    3 }}));
	cr_assert_eq(next_due(cam), 10 + IVL);
	cr_assert_eq(cam_due(cam, 10 + IVL, out, 2), 2);
	cr_assert_eq(cam_due(cam, 10 + IVL, out, 2), 0, "third: 11 + IVL");
	cr_assert_eq(cam_due(cam, 11 + IVL, out, 2), 1);
	cam_free(cam);
}

Test(cam, new_mac_later_is_due_at_once)
{
	struct cam		*cam;
	struct wiremsg_peer	 a = client(1, 1), b = client(2, 2);
	struct ether_mac	 out[4];

	cam = mkcam(IVL, 0);
	cam_peer_joined(cam, &a, 0);
	cr_assert_eq(cam_due(cam, 0, out, 4), 1);
	cr_assert_eq(cam_peer_joined(cam, &b, 20000), 1);
	cr_assert_eq(next_due(cam), 20000);
	cr_assert_eq(cam_due(cam, 20000, out, 4), 1);
	cr_assert(ether_mac_eq(&out[0], &b.mac));
	/* Joined again (a duplicate message): no extra refresh. */
	cr_assert_eq(cam_peer_joined(cam, &b, 20001), 0);
	cr_assert_eq(cam_due(cam, 20001, out, 4), 0);
	cr_assert_eq(next_due(cam), IVL);
	cam_free(cam);
}

Test(cam, welcome_clients_only_and_replaces_table)
{
	struct cam		*cam;
	struct wiremsg_welcome	 w;
	struct ether_mac	 learned = cmac(0x99);

	cam = mkcam(IVL, 0);
	cr_assert_eq(cam_learn(cam, &learned, 0), 1);
	memset(&w, 0, sizeof(w));
	w.peer_id = 10;
	w.room_mtu = 1500;
	w.peers[0] = client(1, 1);
	w.peers[1] = client(2, 2);
	/* Another gateway (a relay bug): never tracked. */
	w.peers[2].peer_id = 3;
	w.peers[2].role = WIREMSG_ROLE_GATEWAY;
	w.peers[2].mac = cmac(3);
	/* Our own NIC's MAC as a client (not valid anyway): refused. */
	w.peers[3].peer_id = 4;
	w.peers[3].role = WIREMSG_ROLE_CLIENT;
	w.peers[3].mac = nic;
	w.npeers = 4;
	cr_assert_eq(cam_welcome(cam, &w, 100), 2);
	cr_assert_eq(cam_count(cam), 2);
	cr_assert_null(cam_lookup(cam, &learned), "welcome replaces");
	cr_assert_null(cam_lookup(cam, &w.peers[2].mac));
	cr_assert_null(cam_lookup(cam, &nic));
	cr_assert_not_null(cam_lookup(cam, &w.peers[0].mac));
	cr_assert_eq(cam_lookup(cam, &w.peers[1].mac)->peer_id, 2);
	cr_assert(cam_lookup(cam, &w.peers[1].mac)->announced);
	cr_assert_eq(next_due(cam), 100);
	cr_assert_eq(cam->counters.invalid, 1);
	cr_assert_eq(cam->counters.cleared, 1);
	cam_free(cam);
}

Test(cam, peer_left_removes)
{
	struct cam		*cam;
	struct wiremsg_peer	 a = client(1, 1), b = client(2, 2), gone;
	struct ether_mac	 out[4];

	cam = mkcam(IVL, 0);
	cam_peer_joined(cam, &a, 0);
	cam_peer_joined(cam, &b, 0);
	cr_assert_eq(cam_due(cam, 0, out, 4), 2);

	cr_assert_eq(cam_peer_left(cam, &a), 1);
	cr_assert_null(cam_lookup(cam, &a.mac));
	cr_assert_eq(cam_count(cam), 1);
	cr_assert_eq(cam_due(cam, IVL, out, 4), 1);
	cr_assert(ether_mac_eq(&out[0], &b.mac), "only b is refreshed");

	/* Unknown MAC; stale (the MAC now belongs to another peer id). */
	cr_assert_eq(cam_peer_left(cam, &a), 0);
	cr_assert_eq(cam->counters.left_unknown, 1);
	gone = b;
	gone.peer_id = 99;
	cr_assert_eq(cam_peer_left(cam, &gone), 0);
	cr_assert_not_null(cam_lookup(cam, &b.mac));
	cr_assert_eq(cam->counters.left_stale, 1);
	/* A gateway leaving touches nothing. */
	gone = b;
	gone.role = WIREMSG_ROLE_GATEWAY;
	cr_assert_eq(cam_peer_left(cam, &gone), 0);
	cr_assert_not_null(cam_lookup(cam, &b.mac));

	cr_assert_eq(cam_peer_left(cam, &b), 1);
	cr_assert_eq(cam_count(cam), 0);
	cr_assert_eq(cam->counters.left, 2);
	cr_assert_eq(cam_due(cam, 10 * IVL, out, 4), 0);
	cam_free(cam);
}

Test(cam, peer_left_removes_learned_mac)
{
	struct cam		*cam;
	struct wiremsg_peer	 a = client(5, 5);

	cam = mkcam(IVL, 0);
	cr_assert_eq(cam_learn(cam, &a.mac, 0), 1);
	cr_assert_eq(cam_peer_left(cam, &a), 1, "no peer id to compare");
	cr_assert_eq(cam_count(cam), 0);
	cam_free(cam);
}

Test(cam, disconnect_clears)
{
	struct cam		*cam;
	struct wiremsg_peer	 a = client(1, 1), b = client(2, 2);
	struct ether_mac	 out[4];
	uint64_t		 when;

	cam = mkcam(IVL, 0);
	cam_peer_joined(cam, &a, 0);
	cam_peer_joined(cam, &b, 0);
	cam_clear(cam);
	cr_assert_eq(cam_count(cam), 0);
	cr_assert_null(cam_lookup(cam, &a.mac));
	cr_assert_null(cam_lookup(cam, &b.mac));
	cr_assert_eq(cam_next_due(cam, &when), 0);
	cr_assert_eq(cam_due(cam, 0, out, 4), 0);
	cr_assert_eq(cam->counters.cleared, 2);
	/* After a reconnect the same MAC is new again: due at once. */
	cam_peer_joined(cam, &a, 5000);
	cr_assert_eq(cam_due(cam, 5000, out, 4), 1);
	cr_assert_eq(cam_lookup(cam, &a.mac)->first_seen, 5000);
	cam_free(cam);
}

Test(cam, never_tracks_nic_multicast_zero)
{
	struct cam		*cam;
	struct wiremsg_peer	 p;
	const struct ether_mac	 bad[] = {
		{{ 0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc }},	/* the NIC */
		{{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }},
		{{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb }},
		{{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 }},
		{{ 0x03, 0x00, 0x00, 0x00, 0x00, 0x01 }},/* mcast */
		{{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 }},
	};
	size_t			 i;

	cam = mkcam(IVL, 0);
	for (i = 0; i < nitems(bad); i++) {
		cr_assert_eq(cam_learn(cam, &bad[i], 0), -1, "learn %zu", i);
		p = client(1, 1);
		p.mac = bad[i];
		cr_assert_eq(cam_peer_joined(cam, &p, 0), -1, "joined %zu",
		    i);
	}
	cr_assert_eq(cam_count(cam), 0);
	cr_assert_eq(cam->counters.invalid, 2 * nitems(bad));
	/*
	 * A universally administered unicast source is accepted from
	 * traffic (the relay vouches for it) but not in an announcement,
	 * where a client MAC must be locally administered.
	 */
	p = client(1, 1);
	p.mac = (struct ether_mac){{ 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 }};
	cr_assert_eq(cam_peer_joined(cam, &p, 0), -1);
	cr_assert_eq(cam_learn(cam, &p.mac, 0), 1);
	cam_free(cam);
}

Test(cam, learn_from_traffic)
{
	struct cam		*cam;
	struct wiremsg_peer	 p = client(3, 3);
	struct ether_mac	 out[4];
	const struct cam_entry	*e;

	cam = mkcam(IVL, 0);
	cr_assert_eq(cam_learn(cam, &p.mac, 100), 1);
	e = cam_lookup(cam, &p.mac);
	cr_assert_not_null(e);
	cr_assert_eq(e->announced, 0);
	cr_assert_eq(e->frames, 1);
	cr_assert_eq(next_due(cam), 100, "due at once");
	cr_assert_eq(cam_due(cam, 100, out, 4), 1);
	cr_assert_eq(cam_learn(cam, &p.mac, 200), 0);
	e = cam_lookup(cam, &p.mac);
	cr_assert_eq(e->frames, 2);
	cr_assert_eq(e->last_seen, 200);
	/* Its peer-joined comes after its first frames: no new refresh. */
	cr_assert_eq(cam_peer_joined(cam, &p, 300), 0);
	e = cam_lookup(cam, &p.mac);
	cr_assert(e->announced);
	cr_assert_eq(e->peer_id, 3);
	cr_assert_eq(e->first_seen, 100);
	cr_assert_eq(cam_due(cam, 300, out, 4), 0);
	cr_assert_eq(cam->counters.added, 1);
	cam_free(cam);
}

Test(cam, learned_only_entries_age_out)
{
	struct cam		*cam;
	struct wiremsg_peer	 a = client(1, 1);
	struct ether_mac	 l = cmac(9), out[4];

	cam = mkcam(10 * CAM_LEARNED_AGE, 0);	/* interval > age */
	cam_peer_joined(cam, &a, 0);
	cr_assert_eq(cam_learn(cam, &l, 0), 1);
	cr_assert_eq(cam_due(cam, 0, out, 4), 2);
	cr_assert_eq(next_due(cam), CAM_LEARNED_AGE, "the expiry is a timer");
	/* A frame at 1000 keeps it until 1000 + age. */
	cam_learn(cam, &l, 1000);
	cr_assert_eq(next_due(cam), 1000 + CAM_LEARNED_AGE);
	cr_assert_eq(cam_expire(cam, 1000 + CAM_LEARNED_AGE - 1), 0);
	cr_assert_not_null(cam_lookup(cam, &l));
	cr_assert_eq(cam_due(cam, 1000 + CAM_LEARNED_AGE, out, 4), 0);
	cr_assert_null(cam_lookup(cam, &l));
	cr_assert_not_null(cam_lookup(cam, &a.mac), "announced never ages");
	cr_assert_eq(cam->counters.expired, 1);
	cr_assert_eq(next_due(cam), 10 * CAM_LEARNED_AGE);
	cam_free(cam);
}

Test(cam, table_full_counted)
{
	struct cam		*cam;
	struct wiremsg_peer	 p;
	uint8_t			 i;

	cam = mkcam(IVL, 4);
	for (i = 1; i <= 4; i++) {
		p = client(i, i);
		cr_assert_eq(cam_peer_joined(cam, &p, 0), 1);
	}
	p = client(5, 5);
	cr_assert_eq(cam_peer_joined(cam, &p, 0), -1);
	cr_assert_eq(cam_learn(cam, &p.mac, 0), -1);
	cr_assert_eq(cam->counters.full, 2);
	cr_assert_eq(cam_count(cam), 4);
	cr_assert_null(cam_lookup(cam, &p.mac));
	/* Room again after a peer left. */
	p = client(2, 2);
	cr_assert_eq(cam_peer_left(cam, &p), 1);
	p = client(5, 5);
	cr_assert_eq(cam_peer_joined(cam, &p, 0), 1);
	cam_free(cam);
}

Test(cam, default_table_holds_1024)
{
	struct cam		*cam;
	struct ether_mac	 m = cmac(0);
	unsigned int		 i;

	cam = mkcam(IVL, 0);
	for (i = 0; i < CAM_MAX_DEFAULT; i++) {
		m.octet[4] = (uint8_t)(i >> 8);
		m.octet[5] = (uint8_t)i;
		cr_assert_eq(cam_learn(cam, &m, 0), 1);
	}
	m.octet[3] = 1;
	cr_assert_eq(cam_learn(cam, &m, 0), -1);
	cr_assert_eq(cam->counters.full, 1);
	cr_assert_eq(cam_count(cam), 1024);
	cam_free(cam);
}

Test(cam, lookup_consistent_under_churn)
{
	struct cam		*cam;
	struct ether_mac	 m[200];
	struct wiremsg_peer	 p;
	unsigned int		 i, seed = 12345;
	size_t			 j;

	cam = mkcam(IVL, 256);
	for (i = 0; i < nitems(m); i++) {
		m[i].octet[0] = 0x02;
		for (j = 1; j < ETHER_ADDR_LEN; j++) {
			seed = seed * 1103515245 + 12345;
			m[i].octet[j] = (uint8_t)(seed >> 16);
		}
		m[i].octet[5] = (uint8_t)i;	/* distinct */
		m[i].octet[4] = (uint8_t)(i >> 8);
		cr_assert_eq(cam_learn(cam, &m[i], i), 1);
	}
	for (i = 0; i < nitems(m); i += 2) {
		memset(&p, 0, sizeof(p));
		p.role = WIREMSG_ROLE_CLIENT;
		p.mac = m[i];
		cr_assert_eq(cam_peer_left(cam, &p), 1);
	}
	cr_assert_eq(cam_count(cam), nitems(m) / 2);
	for (i = 0; i < nitems(m); i++) {
		if (i % 2)
			cr_assert_not_null(cam_lookup(cam, &m[i]), "%u", i);
		else
			cr_assert_null(cam_lookup(cam, &m[i]), "%u", i);
	}
	for (j = 1; j < cam->n; j++)
		cr_assert_lt(memcmp(cam->entries[j - 1].mac.octet,
		    cam->entries[j].mac.octet, ETHER_ADDR_LEN), 0);
	cam_free(cam);
}

Test(cam, frame_bytes)
{
	const uint8_t		 expect[CAM_FRAME_LEN] = {
		/* destination: the gateway NIC */
		0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc,
		/* source: the remote client */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x2a,
		/* EtherType 0x88b5 (IEEE local experimental 1) */
		0x88, 0xb5,
		/* 46 bytes of zero padding */
	};
	struct ether_mac	 remote = cmac(0x2a);
	uint8_t			 frame[CAM_FRAME_LEN + 1];

	cr_assert_eq(CAM_FRAME_LEN, 60);
	memset(frame, 0xee, sizeof(frame));
	cam_build_frame(&nic, &remote, frame);
	cr_assert_arr_eq(frame, expect, 60);
	cr_assert_eq(frame[60], 0xee, "wrote past 60 bytes");
}

Test(cam, set_interval_reschedules)
{
	struct cam		*cam;
	struct wiremsg_peer	 a = client(1, 1);
	struct ether_mac	 out[2];

	cam = mkcam(IVL, 0);
	cam_peer_joined(cam, &a, 0);
	cr_assert_eq(cam_due(cam, 1000, out, 2), 1);
	cam_set_interval(cam, 5000);
	cr_assert_eq(next_due(cam), 6000);
	cr_assert_eq(cam_due(cam, 5999, out, 2), 0);
	cr_assert_eq(cam_due(cam, 6000, out, 2), 1);
	cr_assert_eq(next_due(cam), 11000);
	cam_set_interval(cam, 0);
	cr_assert_eq(next_due(cam), 6000 + CAM_REFRESH_DEFAULT);
	cam_free(cam);
}

Test(cam, set_nic_drops_that_mac)
{
	struct cam		*cam;
	struct ether_mac	 a = cmac(1), b = cmac(2), out[2];
	uint8_t			 frame[CAM_FRAME_LEN];

	cam = mkcam(IVL, 0);
	cam_learn(cam, &a, 0);
	cam_learn(cam, &b, 0);
	cam_set_nic(cam, &a);
	cr_assert_null(cam_lookup(cam, &a));
	cr_assert_eq(cam_count(cam), 1);
	cr_assert_eq(cam_learn(cam, &a, 0), -1);
	cr_assert_eq(cam_due(cam, 0, out, 2), 1);
	cam_build_frame(&cam->nic, &out[0], frame);
	cr_assert_arr_eq(frame, a.octet, ETHER_ADDR_LEN);
	cr_assert_arr_eq(frame + 6, b.octet, ETHER_ADDR_LEN);
	cam_free(cam);
}

struct walked {
	size_t			 n;
	struct cam_entry	 e[4];
};

static void
walk_cb(const struct cam_entry *e, void *arg)
{
	struct walked	*w = arg;

	cr_assert_lt(w->n, nitems(w->e));
	w->e[w->n++] = *e;
}

Test(cam, walk_and_counters)
{
	struct cam		*cam;
	struct wiremsg_peer	 a = client(1, 2), b = client(2, 1);
	struct wiremsg_counter	 c[16];
	struct ether_mac	 out[2];
	struct walked		 w;
	size_t			 n, i;

	cam = mkcam(IVL, 0);
	cam_peer_joined(cam, &a, 10);
	cam_peer_joined(cam, &b, 20);
	cam_due(cam, 30, out, 2);
	cam_due(cam, 30 + IVL, out, 1);
	memset(&w, 0, sizeof(w));
	cam_walk(cam, walk_cb, &w);
	cr_assert_eq(w.n, 2);
	/* MAC order: ...:01 (b) first. */
	cr_assert(ether_mac_eq(&w.e[0].mac, &b.mac));
	cr_assert_eq(w.e[0].first_seen, 20);
	cr_assert_eq(w.e[0].refreshes, 2);
	cr_assert_eq(w.e[0].last_refresh, 30 + IVL);
	cr_assert(ether_mac_eq(&w.e[1].mac, &a.mac));
	cr_assert_eq(w.e[1].refreshes, 1);
	cr_assert_eq(w.e[1].last_refresh, 30);
	cr_assert_eq(w.e[1].peer_id, 1);

	n = cam_counters_export(cam, c, nitems(c));
	cr_assert_eq(n, 10);
	cr_assert_str_eq(c[0].name, "cam-macs");
	cr_assert_eq(c[0].value, 2);
	for (i = 0; i < n; i++)
		if (strcmp(c[i].name, "cam-refreshes") == 0)
			break;
	cr_assert_lt(i, n);
	cr_assert_eq(c[i].value, 3);
	cr_assert_eq(cam_counters_export(cam, c, 3), 3, "bounded by max");
	cam_free(cam);
}
