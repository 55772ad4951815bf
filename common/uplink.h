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

#ifndef SOFTLAN_UPLINK_H
#define SOFTLAN_UPLINK_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "evloop.h"
#include "session.h"
#include "wiremsg.h"

/*
 * The uplink: a peer's QUIC connection to its relay, shared by gatewayd
 * and clientd (both in their sandboxed network child).  It runs on an
 * evloop.h loop (libevent on Linux) and drives common/session.c:
 * connect, hello, welcome or reject, reconnects with the session's
 * capped, jittered backoff.
 *
 * Socket: the caller hands over one UDP socket, non-blocking,
 * unconnected and bound to the wildcard address of the relay's family
 * (the parent's priv_udp_bind(), or a socket the child made before its
 * seccomp filter).  The uplink owns it from then on (uplink_free closes
 * it).  Every connection attempt uses it again with fresh connection
 * IDs.  The relay's address comes from the caller too (the parent
 * resolves the name); uplink_set_relay() changes it for the next attempt.
 *
 * Frames: uplink_send_frame() fragments with the overlay code when a
 * frame exceeds the connection's frame budget; received datagrams are
 * reassembled and delivered through cb->frame.  Every frame refused or
 * dropped is counted (uplink_counters_export()).
 *
 * base may be NULL: the default loop (event_init()'s base on Linux).
 *
 * Callbacks (all optional but frame) run from the event loop, never from
 * inside uplink_send_frame(); they may call uplink_send_frame() but not
 * uplink_free().  The welcome/peer pointers are valid during the call.
 *	frame		a frame from the relay (whole or reassembled)
 *	welcome		joined: our peer id, the room MTU, the others
 *	peer_joined	another member arrived
 *	peer_left	a member left
 *	state		the session state changed (old, new); on any
 *			transition out of CONNECTED the room is gone
 *			(forget what welcome/peer_joined said)
 *	set_mtu		the session asks for a TAP MTU (clientd);
 *			return
 *			0 when set, -1 when it failed (asked again at the
 *			next welcome).  gatewayd leaves it NULL: ignored.
 *	exit		a fatal reject (or similar): the daemon should
 *			exit with status; the uplink has stopped already.
 *	writable	the datagram queue has room again after
 *			uplink_send_frame() returned UPLINK_FULL
 *			(half of it free, and at least OVL_MAX_FRAGS
 *			datagrams).  Called once per UPLINK_FULL
 *			episode, after the uplink sent packets, never
 *			from inside uplink_send_frame() or itself; not
 *			called when the connection went away meanwhile
 *			(state says so instead).
 *
 * Back-pressure: UPLINK_FULL drops nothing.  The frame stays the
 * caller's, who keeps it, stops reading its source (the kernel's queue
 * holds the frames meanwhile) and sends it again from writable, or
 * drops and counts it when state leaves CONNECTED.
 */

struct uplink;
struct evloop;

struct uplink_cb {
	void	(*frame)(const uint8_t *, size_t, void *);
	void	(*welcome)(const struct wiremsg_welcome *, void *);
	void	(*peer_joined)(const struct wiremsg_peer *, void *);
	void	(*peer_left)(const struct wiremsg_peer *, void *);
	void	(*state)(enum session_state, enum session_state, void *);
	int	(*set_mtu)(uint32_t, void *);
	void	(*exit)(int, void *);
	void	(*writable)(void *);
};

struct uplink_conf {
	struct session_conf	 session;	/* room, mac, role... */
	const uint8_t		*ca;		/* PEM or DER */
	size_t			 calen;		/* copied */
	char			 server_name[256];	/* SNI, checked */
	char			 relay_name[256];	/* for logs */
	struct sockaddr_storage	 relay;		/* its address */
	socklen_t		 relaylen;
};

/* uplink_send_frame() results. */
#define UPLINK_SENT		0
#define UPLINK_NOTCONNECTED	-1	/* not CONNECTED: dropped */
#define UPLINK_TOOBIG		-2	/* over the overlay's limits */
#define UPLINK_FULL		-3	/* queue full: not taken, retry */

/* A snapshot for the control socket. */
struct uplink_status {
	struct session_status	 session;	/* state, room... */
	const char		*relay;		/* "name (addr port N)" */
	const char		*cipher;	/* "" when not connected */
	size_t			 budget;	/* 0: none */
	uint64_t		 rtt_us;	/* smoothed RTT, 0: none */
};

/* uplink.c */
struct uplink	*uplink_new(struct evloop *, EVLOOP_SOCKET,
		    const struct uplink_conf *, const struct uplink_cb *,
		    void *, char *, size_t);
void		 uplink_free(struct uplink *);
void		 uplink_start(struct uplink *);
void		 uplink_stop(struct uplink *, const char *);
int		 uplink_set_relay(struct uplink *, const struct sockaddr *,
		    socklen_t);
int		 uplink_send_frame(struct uplink *, const uint8_t *, size_t);
enum session_state uplink_state(const struct uplink *);
uint32_t	 uplink_room_mtu(const struct uplink *);
void		 uplink_status(struct uplink *, struct uplink_status *);
size_t		 uplink_counters_export(const struct uplink *,
		    struct wiremsg_counter *, size_t);

#endif /* SOFTLAN_UPLINK_H */
