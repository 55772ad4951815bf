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


#ifndef SOFTLAN_UDPSEG_H
#define SOFTLAN_UDPSEG_H

/*
 * UDP GSO and GRO (Linux): the control message of a send that the kernel
 * cuts into datagrams of seg bytes (UDP_SEGMENT), the size of the
 * datagrams a read coalesced (UDP_GRO, which priv/udp.c turns on), and
 * what a refused GSO send means.  Used by common/uplink.c and
 * relayd/relay.c, which batch runs of packets of one size each their way.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define UDPSEG_MAX_SEGS		64	/* the kernel's UDP_MAX_SEGMENTS */
#define UDPSEG_MAX_BYTES	65000	/* one send, under 64 KiB */

/* Room for either control message; one per msghdr. */
union udpseg_ctl {
	char		 buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr	 align;
};

/* A refused GSO send. */
enum udpseg_refusal {
	UDPSEG_RUN,	/* this run only (over the route's MTU): one by one */
	UDPSEG_OFF,	/* no GSO here: one by one from now on */
	UDPSEG_ERROR	/* a send error like any other */
};

void			 udpseg_gso(struct msghdr *, union udpseg_ctl *,
			    size_t);
void			 udpseg_gro_ctl(struct msghdr *, union udpseg_ctl *);
size_t			 udpseg_gro(const struct msghdr *);
enum udpseg_refusal	 udpseg_refused(int, int);

#endif /* SOFTLAN_UDPSEG_H */
