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


#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/udp.h>

#include <errno.h>
#include <string.h>

#include "udpseg.h"

/* msg goes out as datagrams of seg bytes each (the last may be shorter). */
void
udpseg_gso(struct msghdr *msg, union udpseg_ctl *ctl, size_t seg)
{
	struct cmsghdr	*cm;
	uint16_t	 gso = (uint16_t)seg;

	memset(ctl, 0, sizeof(*ctl));
	msg->msg_control = ctl->buf;
	msg->msg_controllen = CMSG_SPACE(sizeof(gso));
	cm = CMSG_FIRSTHDR(msg);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(gso));
	memcpy(CMSG_DATA(cm), &gso, sizeof(gso));
}

/* Before a read: room for the UDP_GRO control message. */
void
udpseg_gro_ctl(struct msghdr *msg, union udpseg_ctl *ctl)
{
	msg->msg_control = ctl->buf;
	msg->msg_controllen = sizeof(ctl->buf);
}

/* After a read: the size of the datagrams coalesced in it, 0 if one. */
size_t
udpseg_gro(const struct msghdr *msg)
{
	struct cmsghdr	*cm;
	int		 gso;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL;
	    cm = CMSG_NXTHDR((struct msghdr *)(uintptr_t)msg, cm)) {
		if (cm->cmsg_level != SOL_UDP || cm->cmsg_type != UDP_GRO ||
		    cm->cmsg_len < CMSG_LEN(sizeof(gso)))
			continue;
		memcpy(&gso, CMSG_DATA(cm), sizeof(gso));
		return (gso > 0 ? (size_t)gso : 0);
	}
	return (0);
}

/*
 * A GSO send failed with e.  EMSGSIZE is a segment over the route's MTU
 * (a link below the size path MTU discovery probed), and so is EINVAL
 * once GSO worked: that run goes one by one.  EIO (no checksum offload
 * on the route's device), EINVAL before any success, ENOPROTOOPT,
 * EOPNOTSUPP: the kernel does not do it at all.
 */
enum udpseg_refusal
udpseg_refused(int e, int worked)
{
	if (e == EMSGSIZE || (e == EINVAL && worked))
		return (UDPSEG_RUN);
	if (e == EIO || e == EINVAL || e == ENOPROTOOPT || e == EOPNOTSUPP)
		return (UDPSEG_OFF);
	return (UDPSEG_ERROR);
}
