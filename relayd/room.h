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

#ifndef SOFTLAN_ROOM_H
#define SOFTLAN_ROOM_H

#include <sys/queue.h>
#include <sys/tree.h>

#include <stddef.h>
#include <stdint.h>

#include "ether.h"
#include "l2class.h"
#include "wiremsg.h"

/*
 * The relay's rooms: admission, the per-room MAC table, forwarding
 * (DESIGN.md section 5).  Sans-I/O: no sockets, no clock (time is passed
 * in, in milliseconds), no allocation per forwarded frame.  The network
 * child owns the connections; it hands this core whole Ethernet frames
 * (fragments are reassembled before, per peer) and sends each frame to
 * the peers the core names.
 *
 * Decisions recorded here (the design is silent on them):
 *  - An undeclared room when open rooms are not allowed is refused with
 *    "unauthorized", the same code as a declared room's wrong secret:
 *    the relay does not admit the hello, whatever the room code.
 *  - A secret in a hello for a room without one (undeclared, or declared
 *    without a secret) is ignored.
 *  - The client limit counts clients only: there is always room for
 *    the one gateway.  A room holds at most ROOM_MEMBERS_MAX peers, so
 *    that a welcome can list all the others.
 *  - A client may not join with a MAC the room has learned behind its
 *    gateway (duplicate-mac), unless that MAC has aged out; a gateway may
 *    not join with a client's MAC.  The gateway's own MAC is pinned in
 *    the table like a client's.
 *  - Learned MACs only serve duplicate detection and the operator: a
 *    client's unicast to a learned MAC goes to the gateway like unknown
 *    unicast.  When the learned part of a table is full the frame is
 *    still forwarded; the failure to learn is counted (learn-full).
 *  - A frame whose destination is owned by the ingress peer itself is
 *    dropped as "hairpin"; a broadcast in a room with no other member is
 *    dropped as "no-receiver", so every frame in is either sent or
 *    counted as a drop.
 *  - The broadcast/multicast token bucket is taken after learning, so a
 *    rate-limited gateway frame still refreshes its source MAC.
 *
 * Lifetimes: relay_admit() allocates a peer and creates its room if
 * needed; relay_leave() frees the peer and destroys a room left empty.
 * A peer pointer (and the cookie the caller hung on it) must not be used
 * after relay_leave(); the peer ids it had are never given out again.
 * room_forward() fills the caller's fwd_result (no allocation); its out[]
 * pointers are valid until the next relay_leave().
 */

#define ROOM_MEMBERS_MAX	(WIREMSG_MAX_PEERS + 1)

#define RELAY_MAX_ROOMS_DEFAULT		256
#define RELAY_MAX_PEERS_DEFAULT		1024
#define ROOM_MAX_CLIENTS_DEFAULT	32
#define ROOM_MAC_AGE_DEFAULT		300000	/* ms */
#define ROOM_MAX_LEARNED_DEFAULT	4096
#define PEER_BCAST_RATE_DEFAULT		1000	/* frames per second */
#define PEER_BCAST_BURST_DEFAULT	2000	/* frames */

/* Relay-wide settings; relay_conf_init() fills in the defaults. */
struct relay_conf {
	uint32_t	 max_rooms;	/* 1..; rooms at the same time */
	uint32_t	 max_peers;	/* 1..; peers at the same time */
	uint32_t	 max_clients;	/* 1..WIREMSG_MAX_PEERS, per room */
	int		 open_rooms;	/* admit undeclared rooms */
	uint16_t	 mtu;		/* MTU_ROOM_MIN..MTU_ROOM_MAX */
	uint64_t	 mac_age;	/* ms, 1..; learned MAC lifetime */
	uint32_t	 max_learned;	/* 1..; learned MACs per room */
	uint32_t	 bcast_rate;	/* frames/s per peer, 0: no limit */
	uint32_t	 bcast_burst;	/* frames, 1.. if rate is set */
};

/* A room declared in relayd.conf. */
struct room_conf {
	RB_ENTRY(room_conf)	 entry;
	char			 name[WIREMSG_ROOM_MAX + 1];
	char			 secret[WIREMSG_SECRET_MAX + 1]; /* "": none */
	uint16_t		 mtu;		/* 0: the relay's */
	uint32_t		 max_clients;	/* 0: the relay's */
};
RB_HEAD(room_confs, room_conf);

/*
 * Why a frame was not forwarded.  The first values are l2_classify()'s
 * (FWD_OK is L2_PASS), the others the relay's own.
 */
enum fwd_reason {
	FWD_OK = L2_PASS,
	FWD_DROP_RUNT = L2_DROP_RUNT,
	FWD_DROP_JUMBO = L2_DROP_JUMBO,
	FWD_DROP_LINK_LOCAL = L2_DROP_LINK_LOCAL,
	FWD_DROP_SLOW_PROTO = L2_DROP_SLOW_PROTO,
	FWD_DROP_DHCP4_SERVER = L2_DROP_DHCP4_SERVER,
	FWD_DROP_DHCP6_SERVER = L2_DROP_DHCP6_SERVER,
	FWD_DROP_RA = L2_DROP_RA,
	FWD_DROP_MALFORMED = L2_DROP_MALFORMED,
	FWD_DROP_SOURCE_INVALID = L2_CLASS_MAX,	/* multicast/zero source */
	FWD_DROP_SPOOFED,		/* client source != its MAC */
	FWD_DROP_LOOP,			/* gateway source is a client's MAC */
	FWD_DROP_HAIRPIN,		/* destination is the ingress peer */
	FWD_DROP_NO_GATEWAY,		/* client unknown unicast, no gateway */
	FWD_DROP_GW_UNKNOWN,		/* gateway unicast to a non-client */
	FWD_DROP_RATE_LIMITED,		/* broadcast/multicast token bucket */
	FWD_DROP_NO_RECEIVER,		/* broadcast with nobody else */
	FWD_REASON_MAX
};

struct fwd_counters {
	uint64_t	 frames_in;
	uint64_t	 bytes_in;
	uint64_t	 frames_out;	/* one per egress copy */
	uint64_t	 bytes_out;
	uint64_t	 drops[FWD_REASON_MAX];	/* [FWD_OK] stays 0 */
};

struct room;

struct peer {
	RB_ENTRY(peer)		 id_entry;	/* relay's peers by id */
	TAILQ_ENTRY(peer)	 entry;		/* room members, join order */
	uint32_t		 id;
	enum wiremsg_role	 role;
	struct ether_mac	 mac;
	uint32_t		 datagram_budget;	/* hello's; shown only */
	char			 software[WIREMSG_SOFTWARE_MAX + 1];
	struct room		*room;
	uint64_t		 joined;	/* ms */
	/* Broadcast/multicast token bucket, in thousandths of a frame. */
	uint64_t		 tokens;
	uint64_t		 tokens_last;	/* ms */
	struct fwd_counters	 counters;
	void			*cookie;	/* the caller's connection */
};
RB_HEAD(peer_ids, peer);
TAILQ_HEAD(peer_list, peer);

/* A MAC table entry: pinned (a member's own MAC) or learned. */
struct mac_entry {
	RB_ENTRY(mac_entry)	 entry;
	struct ether_mac	 mac;
	struct peer		*owner;
	int			 learned;	/* behind the gateway */
	uint64_t		 seen;		/* ms, learned entries */
};
RB_HEAD(mac_table, mac_entry);

struct room {
	RB_ENTRY(room)		 entry;
	char			 name[WIREMSG_ROOM_MAX + 1];
	const struct room_conf	*conf;		/* NULL: undeclared */
	uint16_t		 mtu;		/* fixed at creation */
	uint32_t		 max_clients;
	uint64_t		 created;	/* ms */
	struct peer_list	 members;
	size_t			 nmembers;
	size_t			 nclients;
	struct peer		*gateway;
	struct mac_table	 macs;
	size_t			 nlearned;
	struct fwd_counters	 counters;
	uint64_t		 learned_total;	/* MACs learned */
	uint64_t		 expired;	/* learned MACs aged out */
	uint64_t		 learn_full;	/* not learned: table full */
};
RB_HEAD(room_tree, room);

#define RELAY_CODE_MAX	(WIREMSG_CODE_RELAY_FULL + 1)

struct relay {
	struct relay_conf	 conf;
	struct room_confs	 declared;
	struct room_tree	 rooms;
	struct peer_ids		 peers;
	size_t			 nrooms;
	size_t			 npeers;
	uint32_t		 next_id;	/* 0: ids exhausted */
	struct fwd_counters	 counters;
	uint64_t		 admitted;
	uint64_t		 rejected[RELAY_CODE_MAX];	/* by code */
	uint64_t		 left;
	uint64_t		 rooms_created;
	uint64_t		 learned_total;
	uint64_t		 expired;
	uint64_t		 learn_full;
};

/* What room_forward() decided. */
struct fwd_result {
	enum fwd_reason		 reason;	/* FWD_OK: send to out[] */
	int			 parsed;	/* ef is valid (not a runt) */
	struct ether_frame	 ef;		/* the frame's header */
	size_t			 nout;
	struct peer		*out[ROOM_MEMBERS_MAX];
};

RB_PROTOTYPE(room_confs, room_conf, entry, room_conf_cmp)
RB_PROTOTYPE(peer_ids, peer, id_entry, peer_id_cmp)
RB_PROTOTYPE(mac_table, mac_entry, entry, mac_entry_cmp)
RB_PROTOTYPE(room_tree, room, entry, room_cmp)

/* room.c */
void		 relay_conf_init(struct relay_conf *);
struct relay	*relay_new(const struct relay_conf *, char *, size_t);
void		 relay_free(struct relay *);
int		 relay_declare(struct relay *, const char *, const char *,
		    uint16_t, uint32_t, char *, size_t);
int		 relay_admit(struct relay *, const struct wiremsg_hello *,
		    uint64_t, struct peer **, enum wiremsg_code *, char *,
		    size_t);
void		 relay_welcome(const struct peer *, struct wiremsg_welcome *);
size_t		 relay_others(const struct peer *, struct peer **, size_t);
void		 peer_info(const struct peer *, struct wiremsg_peer *);
size_t		 relay_leave(struct relay *, struct peer *,
		    struct wiremsg_peer *, struct peer **, size_t);
struct peer	*relay_peer_find(struct relay *, uint32_t);
struct room	*relay_room_find(struct relay *, const char *);
void		 room_forward(struct relay *, struct peer *, const uint8_t *,
		    size_t, uint64_t, struct fwd_result *);
size_t		 room_expire(struct relay *, uint64_t);
struct mac_entry *room_mac_find(struct room *, const struct ether_mac *);
const char	*fwd_reason_name(enum fwd_reason);
size_t		 fwd_counters_export(const struct fwd_counters *,
		    struct wiremsg_counter *, size_t);
size_t		 room_counters_export(const struct room *,
		    struct wiremsg_counter *, size_t);
size_t		 relay_counters_export(const struct relay *,
		    struct wiremsg_counter *, size_t);

#endif /* SOFTLAN_ROOM_H */
