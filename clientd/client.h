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


#ifndef SOFTLAN_CLIENT_H
#define SOFTLAN_CLIENT_H

#include <sys/types.h>
#include <sys/socket.h>

#include <net/if.h>
#include <stdint.h>

#include "clientd.h"
#include "ctlmsg.h"
#include "ether.h"
#include "proc.h"

/*
 * What clientd's parent (clientd.c) and its "client" child (client.c)
 * say to each other.
 *
 * At start the parent sends IMSG_CL_CONF, the CA certificate as
 * IMSG_CL_CA chunks, IMSG_CL_TAP_FD (the TAP, up, with the virtual MAC),
 * IMSG_CL_UDP_FD (an unconnected UDP socket bound to the wildcard
 * address of the relay's family, port 0), IMSG_CL_CONTROL_FD and
 * IMSG_CL_END.  On SIGHUP it resolves the relay's name again and sends
 * IMSG_CL_RELAY with the address the next connection attempt uses.
 *
 * The child asks for exactly three things: IMSG_CL_SET_MTU (a room MTU,
 * 576..1500, for the TAP; the parent answers IMSG_CL_MTU_DONE),
 * IMSG_CL_EXIT (a fatal reject: stop with that status) and
 * IMSG_CL_CTL_VERBOSE (softlanctl log level).  Anything else, or a
 * value out of range, makes the parent exit (fail closed).
 */

#define CLIENT_CA_MAX		(256 * 1024)
#define CLIENT_MTU_MIN		576
#define CLIENT_MTU_MAX		1500
#define CLIENT_MTU_DEFAULT	1500	/* of a new TAP, until welcome */

enum client_imsg {
	IMSG_CL_CONF = IMSG_PROC_FIRST,	/* struct client_reconf */
	IMSG_CL_CA,			/* certificate bytes, chunked */
	IMSG_CL_TAP_FD,			/* fd */
	IMSG_CL_UDP_FD,			/* fd */
	IMSG_CL_CONTROL_FD,		/* fd */
	IMSG_CL_END,			/* empty */
	IMSG_CL_RELAY,			/* struct client_relay */
	IMSG_CL_MTU_DONE,		/* struct client_mtu */
	IMSG_CL_SET_MTU,		/* child: uint32_t mtu */
	IMSG_CL_EXIT,			/* child: int32_t status */
	IMSG_CL_CTL_VERBOSE		/* child: int32_t level */
};

struct client_relay {
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
};

struct client_reconf {
	char			 relay[CLIENTD_HOST_MAX + 1];
	char			 server_name[CLIENTD_HOST_MAX + 1];
	char			 room[CTLMSG_ROOM_MAX + 1];
	char			 secret[CTLMSG_SECRET_MAX + 1];
	struct ether_mac	 mac;
	char			 tap[IF_NAMESIZE];
	uint32_t		 tap_mtu;	/* the TAP's MTU at start */
	int32_t			 pinned;	/* a host route was pinned */
	struct client_relay	 addr;		/* the resolved relay */
};

/* IMSG_CL_MTU_DONE: the MTU asked for and whether it is set. */
struct client_mtu {
	uint32_t		 mtu;
	int32_t			 ok;
};

/* client.c */
extern const int	 client_syscalls[];
void			 client_child_setup(struct proc *);
void			 client_child_run(struct proc *);
void			 client_child_dispatch(struct proc *, struct imsg *);

#endif /* SOFTLAN_CLIENT_H */
