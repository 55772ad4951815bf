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

#ifndef SOFTLAN_CLIENTD_H
#define SOFTLAN_CLIENTD_H

#include <sys/types.h>
#include <sys/socket.h>

#include <event.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>

#include "clientconf.h"
#include "clientcore.h"
#include "control.h"
#include "ether.h"
#include "proc.h"
#include "tapfilter.h"
#include "uplink.h"
#include "wiremsg.h"

/*
 * The configuration, its defaults (CLIENTD_*), struct client_reconf,
 * client_relay and client_mtu, CLIENT_MTU_* and CLIENT_CA_MAX are
 * clientconf.h's: the Windows client shares them.
 */

/*
 * What clientd's parent (clientd.c) and its "client" child (client.c)
 * say to each other, named as in every daemon: IMSG_RECONF_* the
 * configuration, IMSG_*_FD a descriptor, IMSG_REQ_* a request of the
 * child, and the parent's answers after what they answer.
 *
 * At start the parent sends IMSG_RECONF_CONF, the CA certificate as
 * IMSG_RECONF_CA chunks, IMSG_TAP_FD (the TAP, up, with the virtual MAC),
 * IMSG_UDP_FD (an unconnected UDP socket bound to the wildcard
 * address of the relay's family, port 0), IMSG_CONTROL_FD and
 * IMSG_RECONF_END.  On SIGHUP (or IMSG_REQ_RELOAD) it resolves the
 * relay's name again and sends IMSG_RELAY_ADDR with the address the next
 * connection attempt uses.
 *
 * The child asks for exactly four things: IMSG_REQ_SET_MTU (a room MTU,
 * 576..1500, for the TAP; the parent answers IMSG_MTU_DONE),
 * IMSG_REQ_EXIT (a fatal reject: stop with that status),
 * IMSG_REQ_VERBOSE (softlanctl log level) and IMSG_REQ_RELOAD (softlanctl
 * reload: what SIGHUP does).  Anything else, or a value out of range,
 * makes the parent exit (fail closed).  IMSG_REQ_VERBOSE and
 * IMSG_REQ_RELOAD are the framework's (proc.h), as in every daemon.
 */

enum clientd_imsg {
	IMSG_RECONF_CONF = IMSG_PROC_FIRST,	/* struct client_reconf */
	IMSG_RECONF_CA,			/* certificate bytes, chunked */
	IMSG_RECONF_END,		/* empty */
	IMSG_TAP_FD,			/* fd */
	IMSG_UDP_FD,			/* fd */
	IMSG_CONTROL_FD,		/* fd */
	IMSG_RELAY_ADDR,		/* struct client_relay */
	IMSG_MTU_DONE,			/* struct client_mtu */
	IMSG_REQ_SET_MTU,		/* child: uint32_t mtu */
	IMSG_REQ_EXIT			/* child: int32_t status */
};


/* The client child's state (client.c); its core is clientcore.h's. */
struct client_env {
	struct proc		*p;
	struct event_base	*base;
	struct client_core	 core;
	int			 have_conf;
	uint8_t			*ca;
	size_t			 calen;
	int			 tapfd;
	int			 udpfd;
	int			 ctlfd;
	int			 started;
	struct event		 ev_tap;
	struct event		 ev_sigterm;
	struct event		 ev_sigint;
};

/* client.c: the network child */
extern const int	 client_syscalls[];
void			 client_child_setup(struct proc *);
void			 client_child_run(struct proc *);
void			 client_child_dispatch(struct proc *, struct imsg *);

#endif /* SOFTLAN_CLIENTD_H */
