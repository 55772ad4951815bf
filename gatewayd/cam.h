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

#ifndef SOFTLAN_CAM_H
#define SOFTLAN_CAM_H

#include <stddef.h>
#include <stdint.h>

#include "ether.h"
#include "wiremsg.h"

/*
 * CAM refresh (DESIGN.md section 6): the gateway keeps the LAN switch's
 * MAC table pointing every remote client MAC at the gateway's port by
 * injecting, for each, a 60-byte frame from that MAC to the gateway NIC's
 * own MAC (EtherType 0x88b5, zero padding): once at once when the MAC is
 * first seen, then every interval.
 *
 * Sans-I/O: no sockets, no clock (time is passed in, in milliseconds), no
 * allocation after cam_new().  The table is a sorted array of at most
 * max entries, so lookups (two per LAN frame) are a binary search.
 *
 * Where MACs come from:
 *  - welcome (the room as it is when we join: it replaces the table) and
 *    peer-joined, clients only: another gateway, our own NIC MAC and a MAC
 *    that is not a valid client MAC (unicast, non-zero, locally
 *    administered) are never tracked.  These entries are "announced".
 *  - the source MAC of a frame from the relay (cam_learn()).  Such a MAC
 *    is accepted when it is unicast, non-zero and not the NIC's, even if
 *    no welcome or peer-joined named it yet: the relay drops a client's
 *    frame whose source is not that client's MAC, so a source seen here
 *    is a room member's; datagrams and the control stream are not ordered
 *    with respect to each other, so a new client's first frames may come
 *    before its peer-joined.  An entry that was only learned this way
 *    ages out after learned_age ms without a frame (CAM_LEARNED_AGE),
 *    so that a late datagram of a client that has left cannot keep its
 *    MAC on the gateway's port for ever.  Announced entries never age.
 *
 * Where they go: peer-left removes the entry with that MAC (if it was
 * announced with another peer id, the message is stale and the entry
 * stays); cam_clear() forgets everything when the relay connection is
 * lost.
 *
 * Schedule: a new entry is due at once; cam_due() hands out due MACs and
 * marks each sent at now, due again at now + interval (never earlier).
 */

#define CAM_REFRESH_DEFAULT	60000ULL	/* ms */
#define CAM_REFRESH_MIN		1000ULL		/* ms, for the config */
#define CAM_REFRESH_MAX		86400000ULL	/* ms, one day */
#define CAM_MAX_DEFAULT		1024		/* MACs */
#define CAM_LEARNED_AGE		300000ULL	/* ms, learned-only entries */
#define CAM_FRAME_LEN		ETHER_MIN_FRAME	/* 60 bytes */

struct cam_entry {
	struct ether_mac	 mac;
	int			 announced;	/* welcome/peer-joined */
	uint32_t		 peer_id;	/* if announced */
	uint64_t		 first_seen;	/* ms */
	uint64_t		 last_seen;	/* ms: last frame */
	uint64_t		 last_refresh;	/* ms, if refreshes > 0 */
	uint64_t		 next_due;	/* ms */
	uint64_t		 refreshes;	/* frames handed out */
	uint64_t		 frames;	/* frames from it (cam_learn) */
};

struct cam_counters {
	uint64_t		 added;		/* entries created */
	uint64_t		 left;		/* removed by peer-left */
	uint64_t		 left_unknown;	/* peer-left for no entry */
	uint64_t		 left_stale;	/* peer-left, other peer id */
	uint64_t		 cleared;	/* cam_clear, welcome */
	uint64_t		 expired;	/* learned-only, aged out */
	uint64_t		 refreshes;	/* refresh frames handed out */
	uint64_t		 full;		/* not added: table full */
	uint64_t		 invalid;	/* not added: bad or own MAC */
};

struct cam {
	struct ether_mac	 nic;
	uint64_t		 interval;	/* ms */
	uint64_t		 learned_age;	/* ms */
	size_t			 n;
	size_t			 max;
	struct cam_entry	*entries;	/* sorted by MAC */
	struct cam_counters	 counters;
};

typedef void	(*cam_walk_cb)(const struct cam_entry *, void *);

/* cam.c */
struct cam	*cam_new(const struct ether_mac *, uint64_t, size_t);
void		 cam_free(struct cam *);
void		 cam_set_nic(struct cam *, const struct ether_mac *);
void		 cam_set_interval(struct cam *, uint64_t);
void		 cam_clear(struct cam *);
size_t		 cam_welcome(struct cam *, const struct wiremsg_welcome *,
		    uint64_t);
int		 cam_peer_joined(struct cam *, const struct wiremsg_peer *,
		    uint64_t);
int		 cam_peer_left(struct cam *, const struct wiremsg_peer *);
int		 cam_learn(struct cam *, const struct ether_mac *, uint64_t);
const struct cam_entry *cam_lookup(const struct cam *,
		    const struct ether_mac *);
size_t		 cam_count(const struct cam *);
size_t		 cam_expire(struct cam *, uint64_t);
size_t		 cam_due(struct cam *, uint64_t, struct ether_mac *, size_t);
int		 cam_next_due(const struct cam *, uint64_t *);
void		 cam_build_frame(const struct ether_mac *,
		    const struct ether_mac *, uint8_t [CAM_FRAME_LEN]);
void		 cam_walk(const struct cam *, cam_walk_cb, void *);
size_t		 cam_counters_export(const struct cam *,
		    struct wiremsg_counter *, size_t);

#endif /* SOFTLAN_CAM_H */
