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


#ifndef SOFTLAN_GATEWAY_H
#define SOFTLAN_GATEWAY_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>

#include "gatewayd.h"
#include "priv.h"
#include "proc.h"

/*
 * What gatewayd's parent (gatewayd.c) and its "gateway" child
 * (gateway.c) say to each other.
 *
 * At start and on every reload the parent sends IMSG_GW_CONF, the CA
 * certificate as IMSG_GW_CA chunks, IMSG_GW_UDP_FD (a wildcard-bound UDP
 * socket of the relay's family, with the resolved relay address) and
 * IMSG_GW_END; at start also IMSG_GW_PACKET_FD and IMSG_GW_CONTROL_FD.
 *
 * The packet socket: when a read or write on it fails with ENETDOWN,
 * ENXIO or ENODEV the child asks IMSG_GW_PACKET_CHECK with the ifindex
 * it has.  The parent answers IMSG_GW_PACKET_SAME (the interface is still
 * there with that index: link down, the socket recovers by itself at link
 * up), IMSG_GW_PACKET_FD (re-created: a new socket) or IMSG_GW_PACKET_GONE
 * (missing; the child asks again every GATEWAY_RECHECK_MS).
 */

#define GATEWAY_CA_MAX		(256 * 1024)
#define GATEWAY_RECHECK_MS	500

enum gateway_imsg {
	IMSG_GW_CONF = IMSG_PROC_FIRST,	/* struct gateway_reconf */
	IMSG_GW_CA,			/* certificate bytes, chunked */
	IMSG_GW_UDP_FD,			/* struct gateway_relay + fd */
	IMSG_GW_PACKET_FD,		/* struct priv_packet_info + fd */
	IMSG_GW_CONTROL_FD,		/* fd */
	IMSG_GW_END,			/* empty */
	IMSG_GW_PACKET_SAME,		/* empty */
	IMSG_GW_PACKET_GONE,		/* NUL-terminated reason */
	IMSG_GW_PACKET_CHECK,		/* child: int32_t ifindex */
	IMSG_GW_CTL_VERBOSE,		/* child: int32_t level */
	IMSG_GW_CTL_RELOAD		/* child: empty */
};

struct gateway_reconf {
	char		 relay[GATEWAYD_HOST_MAX + 1];
	uint16_t	 port;
	char		 server_name[GATEWAYD_HOST_MAX + 1];
	char		 room[CTLMSG_ROOM_MAX + 1];
	char		 secret[CTLMSG_SECRET_MAX + 1];
	char		 interface[IF_NAMESIZE];
	uint32_t	 cam_refresh;	/* seconds */
};

struct gateway_relay {
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
};

/* gateway.c */
extern const int	 gateway_syscalls[];
void			 gateway_child_setup(struct proc *);
void			 gateway_child_run(struct proc *);
void			 gateway_child_dispatch(struct proc *,
			    struct imsg *);

#endif /* SOFTLAN_GATEWAY_H */
