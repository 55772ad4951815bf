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


#ifndef SOFTLAN_CLIENTCORE_H
#define SOFTLAN_CLIENTCORE_H

/*
 * The client's core, one file for Linux and Windows: what the network
 * child (client.c) and the Windows worker (clientd/win/worker.c) share.
 * It runs the uplink to the relay (common/uplink.c) and bridges it to the
 * TAP: a frame the platform read from the TAP goes through
 * client_core_tap_frame() (the TAP filter, the MSS clamp of a TCP SYN
 * with the uplink's live frame budget (mssclamp.h), then the uplink); a
 * frame from the relay goes to the platform's tap_write().  Every frame
 * not passed on is counted in struct client_counters, the MSS clamp's
 * results in struct mssclamp_counters; the control answers (control.c)
 * show them.
 *
 * The platform owns the TAP (a file descriptor on Linux, an overlapped
 * handle on Windows), the event loop and the way to its privileged side:
 * set_mtu() asks it to set the TAP's MTU (its answer comes back through
 * client_core_mtu_done()), exit() to stop everything with a status (a
 * reject a retry cannot fix), ctl_other() answers the control requests
 * that are not "show" (log verbose, reload), tap_pause() to stop (1) or
 * resume (0) reading the TAP.
 *
 * Back-pressure: when the uplink's datagram queue is full the core keeps
 * that one frame (pend), asks the platform to stop reading the TAP (the
 * kernel's queue holds the frames meanwhile; the platform's read loop
 * stops as soon as tap_paused is set) and sends the frame when the
 * uplink has room again, then resumes reading.  When the connection goes
 * away meanwhile, the frame is dropped (tap_drop_notconnected) and
 * reading resumes.
 */

#include <stddef.h>
#include <stdint.h>

#include "clientconf.h"
#include "evloop.h"
#include "mssclamp.h"
#include "overlay.h"
#include "tapfilter.h"

struct ctl_conn;
struct control;
struct uplink;

/* tap_write() results. */
enum client_tapw {
	CLIENT_TAPW_OK,
	CLIENT_TAPW_DOWN,	/* the TAP is down (Linux EIO): not fatal */
	CLIENT_TAPW_FULL,	/* no room now (EAGAIN, writes in flight) */
	CLIENT_TAPW_SHORT,	/* written in part */
	CLIENT_TAPW_ERROR	/* anything else; the platform logs it */
};

/* TAP side: every frame that is not passed on is counted here. */
struct client_counters {
	uint64_t		 tap_frames_in;		/* read from the TAP */
	uint64_t		 tap_frames_sent;	/* to the uplink */
	uint64_t		 tap_drop_notconnected;
	uint64_t		 tap_drop_toobig;
	uint64_t		 tap_drop_full;		/* queue full, no pause */
	uint64_t		 tap_pauses;		/* reading stopped */
	uint64_t		 tap_read_errors;
	uint64_t		 tap_frames_out;	/* written to the TAP */
	uint64_t		 tap_bytes_out;
	uint64_t		 tap_write_down;	/* link down */
	uint64_t		 tap_write_full;	/* no room */
	uint64_t		 tap_write_short;
	uint64_t		 tap_write_errors;	/* anything else */
	uint64_t		 mtu_changes;
	uint64_t		 mtu_failures;
};

struct client_core_ops {
	enum client_tapw (*tap_write)(const uint8_t *, size_t, void *);
	int		 (*set_mtu)(uint32_t, void *);	/* 0: asked */
	void		 (*exit)(int, void *);
	void		 (*ctl_other)(struct ctl_conn *, uint32_t,
			    const void *, size_t, void *);
	void		 (*tap_pause)(int, void *);	/* 1 stop, 0 go */
};

struct client_core {
	struct client_reconf	 conf;
	const char		*platform;	/* "linux", "windows" */
	struct uplink		*up;
	struct control		*ctl;		/* the platform's, or NULL */
	struct tapfilter	 tf;
	uint32_t		 tap_mtu;	/* as the platform set it */
	uint64_t		 start_ms;
	int			 exiting;
	struct client_counters	 c;
	struct mssclamp_counters mss;	/* TAP -> relay SYNs */
	uint8_t			 clampbuf[OVL_MAX_FRAME]; /* a clamped copy */
	int			 tap_paused;	/* the platform reads not */
	size_t			 pendlen;	/* 0: no frame held */
	uint8_t			 pend[OVL_MAX_FRAME]; /* the uplink's next */
	const struct client_core_ops *ops;
	void			*arg;		/* the ops' */
};

/* clientcore.c */
int		 client_core_start(struct client_core *, struct evloop *,
		    EVLOOP_SOCKET, const uint8_t *, size_t, char *, size_t);
void		 client_core_tap_frame(struct client_core *, const uint8_t *,
		    size_t);
void		 client_core_mtu_done(struct client_core *, uint32_t, int);
int		 client_core_relay_addr(struct client_core *,
		    const struct client_relay *);
void		 client_core_stop(struct client_core *, const char *);

/* control.c: the answers on the control socket or pipe */
void		 client_control(struct ctl_conn *, uint32_t, const void *,
		    size_t, void *);

#endif /* SOFTLAN_CLIENTCORE_H */
